package io.rlrf.model.checkpoint;

import java.nio.ByteBuffer;

/**
 * The dtypes a checkpoint's tensors are stored in: {@code config.json}'s {@code torch_dtype} and the
 * safetensors {@code dtype} of each tensor. Computation is float32 whatever the storage; reading
 * widens exactly, writing rounds to nearest, ties to even (as PyTorch's {@code .to(dtype)}).
 */
public enum Dtype {
    F32("float32", "F32", 4),
    BF16("bfloat16", "BF16", 2),
    F16("float16", "F16", 2);

    private final String torchName;
    private final String safetensorsName;
    private final int bytes;

    Dtype(String torchName, String safetensorsName, int bytes) {
        this.torchName = torchName;
        this.safetensorsName = safetensorsName;
        this.bytes = bytes;
    }

    /** {@code torch_dtype} in {@code config.json}: float32, bfloat16, float16. */
    public String torchName() {
        return torchName;
    }

    /** The safetensors header's {@code dtype}: F32, BF16, F16. */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The dtype of a {@code torch_dtype} value, or an error naming the field and the supported values. */
    public static Dtype ofTorchName(String torchDtype) {
        for (Dtype d : values()) {
            if (d.torchName.equals(torchDtype)) {
                return d;
            }
        }
        throw new IllegalArgumentException("torch_dtype is '" + torchDtype + "'; supported: float32, bfloat16, float16");
    }

    /** Writes {@code values} rounded to this dtype, little-endian, at the buffer's position. */
    public void encode(float[] values, ByteBuffer out) {
        switch (this) {
            case F32 -> {
                for (float v : values) {
                    out.putFloat(v);
                }
            }
            case BF16 -> {
                for (float v : values) {
                    out.putShort(floatToBfloat16(v));
                }
            }
            case F16 -> {
                for (float v : values) {
                    out.putShort(floatToHalf(v));
                }
            }
            default -> throw new IllegalStateException("unreachable");
        }
    }

    /** {@code v} as this dtype stores it, widened back to float32 (what a save and reload gives). */
    public float round(float v) {
        return switch (this) {
            case F32 -> v;
            case BF16 -> Float.intBitsToFloat((floatToBfloat16(v) & 0xffff) << 16);
            case F16 -> Safetensors.halfToFloat(floatToHalf(v));
        };
    }

    /** bfloat16 is float32's upper half: round the lower 16 bits away, to nearest, ties to even. */
    static short floatToBfloat16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x40); // NaN stays a (quiet) NaN
        }
        int tieToEven = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + tieToEven) >>> 16);
    }

    /** IEEE 754 binary16, to nearest, ties to even; beyond 65504 (from 65520 up) it is infinity. */
    static short floatToHalf(float v) {
        int bits = Float.floatToRawIntBits(v);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7fffffff;
        if (abs > 0x7f800000) {
            return (short) (sign | 0x7e00); // NaN
        }
        if (abs >= 0x477ff000) {
            return (short) (sign | 0x7c00); // >= 65520, or infinity
        }
        if (abs < 0x38800000) {
            // below 2^-14, the smallest normal half: a multiple of 2^-24 (1024 of them is the smallest normal,
            // which the encoding gets right too); Math.rint rounds ties to even, exact in double
            int units = (int) Math.rint(Float.intBitsToFloat(abs) * 0x1p24);
            return (short) (sign | units);
        }
        int rebiased = abs - 0x38000000; // exponent bias 127 -> 15
        int tieToEven = 0xfff + ((rebiased >>> 13) & 1);
        return (short) (sign | ((rebiased + tieToEven) >>> 13));
    }
}
