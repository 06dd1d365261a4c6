package org.medlabel.ml.onnx;

import java.util.List;
import java.util.Map;

/**
 * A valid segmentation network (1 channel in, 2 out, any size divisible by nothing) that takes seconds per pass on any
 * CPU: 3x3x3 convolutions 1 -> 8, {@code layers} x 8 -> 8, 8 -> 2. For tests that stop a pass while it runs.
 */
public final class SlowNetwork {

    private SlowNetwork() {}

    /** The ONNX bytes; about 0.4 GFLOP per layer and 64³ voxels. */
    public static byte[] onnx(int layers) {
        GraphBuilder g = new GraphBuilder("slow");
        String x = g.input("image", 1, 1, -1, -1, -1);
        x = conv(g, x, "w_in", 8, 1);
        for (int i = 0; i < layers; i++) {
            x = conv(g, x, "w" + i, 8, 8);
        }
        g.output(conv(g, x, "w_out", 2, 8));
        return g.model(18, Map.of()).toByteArray();
    }

    private static String conv(GraphBuilder g, String x, String name, int out, int in) {
        float[] w = new float[out * in * 27];
        for (int i = 0; i < w.length; i++) {
            w[i] = (i % 5 - 2) / 50f;
        }
        return g.node(
                "Conv",
                List.of(x, g.floats(name, new long[] {out, in, 3, 3, 3}, w)),
                Attributes.ints("kernel_shape", 3, 3, 3),
                Attributes.ints("pads", 1, 1, 1, 1, 1, 1));
    }
}
