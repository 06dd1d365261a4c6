package org.medlabel.ml.onnx;

import java.util.Random;
import org.medlabel.ml.onnx.proto.Onnx.AttributeProto;
import org.medlabel.ml.onnx.proto.Onnx.GraphProto;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;
import org.medlabel.ml.onnx.proto.Onnx.OperatorSetIdProto;

/** A small Conv + ReLU model with random weights, and the same computation done plainly in Java. */
public final class ConvFixture {

    public static final int C_IN = 2, C_OUT = 3, H = 6, W = 5;

    private final Random random = new Random(11);
    public final float[] weights = randoms(C_OUT * C_IN * 3 * 3);
    public final float[] bias = randoms(C_OUT);

    /** X[N,2,6,5] -> Conv(3x3, pad 1) -> Relu -> Y[N,3,6,5], opset 17. */
    public ModelProto model() {
        GraphProto graph = GraphProto.newBuilder()
                .setName("conv")
                .addInput(Tensors.floatValue("x", -1, C_IN, H, W))
                .addOutput(Tensors.floatValue("y", -1, C_OUT, H, W))
                .addInitializer(Tensors.floats("w", new long[] {C_OUT, C_IN, 3, 3}, weights))
                .addInitializer(Tensors.floats("b", new long[] {C_OUT}, bias))
                .addNode(NodeProto.newBuilder()
                        .setOpType("Conv")
                        .setName("conv")
                        .addInput("x")
                        .addInput("w")
                        .addInput("b")
                        .addOutput("c")
                        .addAttribute(ints("pads", 1, 1, 1, 1))
                        .addAttribute(ints("kernel_shape", 3, 3)))
                .addNode(NodeProto.newBuilder()
                        .setOpType("Relu")
                        .setName("relu")
                        .addInput("c")
                        .addOutput("y"))
                .build();
        return ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("medlabel-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(graph)
                .build();
    }

    /** Conv2d (cross-correlation, zero padding 1) + bias + ReLU, the plain way, for one image. */
    public float[] reference(float[] x) {
        float[] y = new float[C_OUT * H * W];
        for (int o = 0; o < C_OUT; o++) {
            for (int i = 0; i < H; i++) {
                for (int j = 0; j < W; j++) {
                    double s = bias[o];
                    for (int c = 0; c < C_IN; c++) {
                        for (int di = -1; di <= 1; di++) {
                            for (int dj = -1; dj <= 1; dj++) {
                                int ii = i + di, jj = j + dj;
                                if (ii >= 0 && ii < H && jj >= 0 && jj < W) {
                                    s += weights[((o * C_IN + c) * 3 + di + 1) * 3 + dj + 1] * x[(c * H + ii) * W + jj];
                                }
                            }
                        }
                    }
                    y[(o * H + i) * W + j] = (float) Math.max(0, s);
                }
            }
        }
        return y;
    }

    public float[] randoms(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    private static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }
}
