package org.medlabel.inference.pipeline;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.medlabel.app.config.AppLoader;
import org.medlabel.app.config.ModelDefinition;
import org.medlabel.imaging.io.NiftiReader;
import org.medlabel.imaging.transform.Crop;
import org.medlabel.imaging.volume.Region;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.inference.model.ServedModel;
import org.medlabel.ml.onnx.Attributes;
import org.medlabel.ml.onnx.GraphBuilder;

/**
 * Networks whose output is known in advance (a 1x1x1 convolution with chosen weights: a threshold, or a copy of a
 * guidance channel), to check what the pipelines do around the network: orientation, spacing, crop, resize, restore.
 */
final class TestModels {

    static final Path DATA = Path.of(System.getProperty("medlabel.shared.data", "../../shared/data"))
            .normalize();

    private TestModels() {}

    /** A 96x96x48 part of the head CT (256x256x108, 0.96x0.96x1.5 mm, RAS): skull, brain and air. */
    static Volume headCt() throws Exception {
        Volume ct = new NiftiReader().read(DATA.resolve("ct_head_invesalius/ct.nii.gz"));
        return Crop.cut(ct, new Region(80, 80, 30, 96, 96, 48), 0);
    }

    static ModelDefinition definition(String yaml) {
        return AppLoader.parse(
                        new ByteArrayInputStream(
                                ("name: test\nmodels:\n  m:\n" + yaml.indent(2)).getBytes(StandardCharsets.UTF_8)),
                        "test")
                .models()
                .get("m");
    }

    /** A 1x1x1 Conv: output channel o = Σ_i weights[o][i]·input_i + bias[o]. */
    static ServedModel pointwise(ModelDefinition definition, float[][] weights, float[] bias) throws Exception {
        int out = weights.length;
        int in = weights[0].length;
        int rank = definition.spatialDims();
        GraphBuilder g = new GraphBuilder("pointwise");
        long[] dims = new long[2 + rank];
        Arrays.fill(dims, -1);
        dims[1] = in;
        String x = g.input("image", dims);
        float[] w = new float[out * in];
        for (int o = 0; o < out; o++) {
            System.arraycopy(weights[o], 0, w, o * in, in);
        }
        long[] weightShape = new long[2 + rank];
        Arrays.fill(weightShape, 1);
        weightShape[0] = out;
        weightShape[1] = in;
        long[] kernel = new long[rank];
        Arrays.fill(kernel, 1);
        String y = g.node(
                "Conv",
                List.of(x, g.floats("w", weightShape, w), g.floats("b", new long[] {out}, bias)),
                Attributes.ints("kernel_shape", kernel));
        g.output(y);
        OrtSession session = OrtEnvironment.getEnvironment()
                .createSession(g.model(18, Map.of()).toByteArray(), new OrtSession.SessionOptions());
        return new ServedModel("m", 0, definition, session, retired -> {});
    }
}
