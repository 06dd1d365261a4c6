package org.medlabel.ml.runtime;

import java.util.Locale;

/**
 * Where sessions run, as configured: {@code auto} (CUDA device 0 when the GPU build of ONNX Runtime and the CUDA
 * libraries are present, else the CPU, with a log line saying why), {@code cpu}, or {@code cuda:N} (that GPU or an
 * error: whoever names a GPU wants to know when it is not used).
 */
public record Device(Kind kind, int gpu) {

    public enum Kind {
        AUTO,
        CPU,
        CUDA
    }

    public Device {
        if (gpu < 0) {
            throw new IllegalArgumentException("GPU index must be >= 0, was " + gpu);
        }
    }

    public static Device parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("auto")) {
            return new Device(Kind.AUTO, 0);
        }
        if (t.equals("cpu")) {
            return new Device(Kind.CPU, 0);
        }
        if (t.equals("cuda")) {
            return new Device(Kind.CUDA, 0);
        }
        if (t.startsWith("cuda:")) {
            try {
                return new Device(Kind.CUDA, Integer.parseInt(t.substring(5)));
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("device must be auto, cpu or cuda:N, was '" + text + "'");
    }

    @Override
    public String toString() {
        return kind == Kind.CUDA ? "cuda:" + gpu : kind.name().toLowerCase(Locale.ROOT);
    }
}
