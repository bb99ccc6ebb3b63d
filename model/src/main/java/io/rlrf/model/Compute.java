package io.rlrf.model;

import java.util.Locale;
import java.util.Objects;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import ai.djl.ndarray.types.DataType;

/**
 * Where the policy computes and in which precision: a device ({@code cpu}, {@code cuda},
 * {@code cuda:N}) and a compute dtype ({@code float32}, or {@code float16}: weights, activations and
 * the K/V cache in half precision, RMSNorm's statistics and the logits in fp32). The services'
 * settings ({@code rlrf.generator.device}, {@code rlrf.trainer.device},
 * {@code rlrf.generator.compute-dtype}) are parsed here, once, and refused with a message naming the
 * setting when the loaded libtorch cannot honour them.
 *
 * <p>Why float16 and not bfloat16: DJL's PyTorch JNI maps DJL's data types to libtorch's by number
 * and has no entry for {@link DataType#BFLOAT16}; creating a bf16 tensor or converting one to bf16
 * aborts the whole JVM ({@code terminate called without an active exception}, measured with DJL
 * 0.35.1 / libtorch 2.7.1 here). So bfloat16 is refused by name before any tensor exists, and half
 * precision is float16, whose range (65,504) is narrower than bf16's: a model whose activations
 * exceed it (some Llama 3 and Qwen2 checkpoints have outlier features in the thousands) needs
 * float32. bf16 <em>checkpoints</em> load either way (converted in Java, {@code Dtype}).
 *
 * @param device where every array of the policy lives
 * @param dtype  {@link DataType#FLOAT32} or {@link DataType#FLOAT16}
 */
public record Compute(Device device, DataType dtype) {

    /** The default: fp32 on the CPU, what every test and the built-in experiment run. */
    public static final Compute CPU = new Compute(Device.cpu(), DataType.FLOAT32);

    public Compute {
        Objects.requireNonNull(device, "device");
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) {
            throw new IllegalArgumentException("compute dtype must be float32 or float16, got " + dtype);
        }
    }

    /** Whether weights and activations are half precision. */
    public boolean half() {
        return dtype == DataType.FLOAT16;
    }

    /**
     * Parses and checks a service's settings against the loaded engine.
     *
     * @param device   {@code cpu}, {@code cuda} (GPU 0) or {@code cuda:N}; null or blank: cpu
     * @param dtype    {@code float32} or {@code float16} ({@code torch_dtype} names); null or blank: float32
     * @param property the settings' prefix for messages, e.g. {@code rlrf.generator}
     * @throws IllegalArgumentException a value that is not one of those (bfloat16 with the reason),
     *                                  naming the setting
     * @throws IllegalStateException    CUDA asked for where the loaded libtorch has no CUDA or no such
     *                                  GPU is visible
     */
    public static Compute parse(String device, String dtype, String property) {
        Device d = parseDevice(device, property + ".device");
        DataType t = parseDtype(dtype, property + ".compute-dtype");
        if (d.isGpu()) {
            requireGpu(d, property + ".device");
        }
        return new Compute(d, t);
    }

    static Device parseDevice(String value, String setting) {
        String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        if (v.isEmpty() || v.equals("cpu")) {
            return Device.cpu();
        }
        if (v.equals("cuda")) {
            return Device.gpu(0);
        }
        if (v.startsWith("cuda:")) {
            try {
                int id = Integer.parseInt(v.substring("cuda:".length()));
                if (id >= 0) {
                    return Device.gpu(id);
                }
            } catch (NumberFormatException e) {
                // falls through to the message below
            }
        }
        throw new IllegalArgumentException(setting + " must be cpu, cuda or cuda:N (N a GPU index), got '" + value + "'");
    }

    static DataType parseDtype(String value, String setting) {
        String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "", "float32" -> DataType.FLOAT32;
            case "float16" -> DataType.FLOAT16;
            case "bfloat16" -> throw new IllegalArgumentException(setting + "=bfloat16 is not available: DJL's PyTorch "
                    + "engine cannot create bf16 tensors (it aborts the JVM); use float16 or float32");
            default -> throw new IllegalArgumentException(setting + " must be float32 or float16, got '" + value + "'");
        };
    }

    /** CUDA device {@code d} is usable: libtorch was built with CUDA and the GPU is visible. */
    private static void requireGpu(Device d, String setting) {
        Engine engine = Engines.pytorch();
        if (!engine.hasCapability(StandardCapabilities.CUDA)) {
            throw new IllegalStateException(setting + "=cuda:" + d.getDeviceId() + " asks for a GPU, but the loaded libtorch "
                    + engine.getVersion() + " is a CPU build; build with -Pcuda (libtorch for CUDA 12.4) and run on a "
                    + "host with an NVIDIA driver, or set " + setting + "=cpu");
        }
        int visible = engine.getGpuCount();
        if (d.getDeviceId() >= visible) {
            throw new IllegalStateException(setting + "=cuda:" + d.getDeviceId() + " asks for GPU " + d.getDeviceId()
                    + ", but " + visible + " GPU(s) are visible" + (visible == 0 ? " (no NVIDIA driver, or "
                            + "CUDA_VISIBLE_DEVICES hides them)" : " (cuda:0 to cuda:" + (visible - 1) + ")"));
        }
    }

    @Override
    public String toString() {
        return (device.isGpu() ? "cuda:" + device.getDeviceId() : "cpu") + "/" + (half() ? "float16" : "float32");
    }
}
