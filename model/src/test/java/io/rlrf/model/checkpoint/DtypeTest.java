package io.rlrf.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Rounding to the stored dtypes is IEEE round-to-nearest-even, as PyTorch's {@code .to(dtype)}. */
class DtypeTest {

    @Test
    void everyHalfValueSurvivesTheRoundTrip() {
        for (int h = 0; h < 0x10000; h++) {
            float f = Safetensors.halfToFloat((short) h);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(Safetensors.halfToFloat(Dtype.floatToHalf(f))));
            } else {
                assertEquals((short) h, Dtype.floatToHalf(f), "half bits " + Integer.toHexString(h));
            }
        }
    }

    @Test
    void halfRoundsTiesToEvenAndOverflowsToInfinityFrom65520() {
        float ulpAtOne = 0x1p-10f;
        assertEquals(1f, Dtype.F16.round(1f + ulpAtOne / 2), "tie: to the even 1.0");
        assertEquals(1f + 2 * ulpAtOne, Dtype.F16.round(1f + 3 * ulpAtOne / 2), "tie: to the even neighbour above");
        assertEquals(1f + ulpAtOne, Dtype.F16.round(1f + ulpAtOne * 0.6f));
        assertEquals(65504f, Dtype.F16.round(65519f));
        assertEquals(Float.POSITIVE_INFINITY, Dtype.F16.round(65520f));
        assertEquals(0x1p-24f, Dtype.F16.round(0x1.8p-25f), "subnormal: 0.75 of a unit (2^-24) rounds to one unit");
        assertEquals(0f, Dtype.F16.round(0x1p-25f), "half a unit ties to even: 0");
        assertEquals(0.333251953125f, Dtype.F16.round(1f / 3));
    }

    @Test
    void bfloat16RoundsTiesToEven() {
        float ulpAtOne = 0x1p-7f;
        assertEquals(1f, Dtype.BF16.round(1f + ulpAtOne / 2), "tie: to the even 1.0");
        assertEquals(1f + 2 * ulpAtOne, Dtype.BF16.round(1f + 3 * ulpAtOne / 2), "tie: to the even neighbour above");
        assertEquals(1f + ulpAtOne, Dtype.BF16.round(1f + ulpAtOne * 0.6f));
        assertEquals(-2.5f, Dtype.BF16.round(-2.5f), "representable: unchanged");
        assertTrue(Float.isNaN(Dtype.BF16.round(Float.NaN)));
        assertEquals(Float.POSITIVE_INFINITY, Dtype.BF16.round(Float.MAX_VALUE), "rounds up past the largest bf16");
    }

    @Test
    void torchDtypeNamesMapAndUnknownOnesAreNamed() {
        assertEquals(Dtype.BF16, Dtype.ofTorchName("bfloat16"));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Dtype.ofTorchName("float64"));
        assertTrue(e.getMessage().contains("torch_dtype is 'float64'"), e.getMessage());
    }
}
