package org.medlabel.ml.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Random;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;

/** Runs a one-input, one-output float model in ONNX Runtime on the CPU, and compares outputs. */
public final class OrtRun {

    /** An output tensor: its shape and values. */
    public record Output(long[] shape, float[] values) {}

    private OrtRun() {}

    public static Output run(ModelProto model, float[] input, long... shape) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(2);
            try (OrtSession session = env.createSession(model.toByteArray(), options);
                    OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), shape);
                    OrtSession.Result result = session.run(
                            Map.of(session.getInputNames().iterator().next(), x))) {
                OnnxTensor y = (OnnxTensor) result.get(0);
                FloatBuffer values = y.getFloatBuffer();
                float[] out = new float[values.remaining()];
                values.get(out);
                return new Output(y.getInfo().getShape(), out);
            }
        }
    }

    /** max |actual - expected| / max |expected|. */
    public static double relativeError(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            throw new AssertionError("lengths differ: " + actual.length + " vs " + expected.length);
        }
        double diff = 0, scale = 0;
        for (int i = 0; i < actual.length; i++) {
            diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return diff / scale;
    }

    public static float[] gaussian(int n, long seed) {
        Random random = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    public static int size(long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return Math.toIntExact(n);
    }

    /** How many nodes of the model run {@code op}. */
    public static long count(ModelProto model, String op) {
        return model.getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals(op))
                .count();
    }
}
