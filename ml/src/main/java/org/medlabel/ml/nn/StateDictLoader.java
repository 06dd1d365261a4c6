package org.medlabel.ml.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.medlabel.ml.onnx.Tensors;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.onnx.proto.Onnx.StringStringEntryProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;
import org.medlabel.ml.torch.StateDict;
import org.medlabel.ml.torch.TorchTensor;

/**
 * Puts a MONAI state dict's weights into a network our builders made, by MONAI's parameter names, strictly: every
 * parameter and buffer of the network must come from the file with its shape, and every tensor of the file must have
 * a place. Our graphs name their initializers as MONAI's modules do, with two exact differences the builders record
 * in the model's metadata: a convolution followed by a norm has no bias (a batch norm's running mean takes it, an
 * instance norm cancels it: {@value #ABSORBED_PREFIX}{@code <key>}), and a linear layer's weight is stored transposed
 * ({@code <name>.weight_t}). Batch-norm step counters, the keys the builder declares unused ({@value #UNUSED_KEY})
 * and, in a TorchScript module, tensors that are not weights, biases or running statistics (non-persistent buffers)
 * are accepted and ignored.
 */
public final class StateDictLoader {

    static final String ABSORBED_PREFIX = "medlabel.weights.absorbed:";
    static final String UNUSED_KEY = "medlabel.weights.unused";
    private static final String TRANSPOSED = ".weight_t";

    /** What a module learns or keeps by name; a TorchScript module's other tensors are not part of its state dict. */
    private static final Pattern LEARNT = Pattern.compile("\\.(weight|bias|running_mean|running_var)$");

    private StateDictLoader() {}

    /** {@code network} with every weight taken from {@code weights}; the graph itself is unchanged. */
    public static ModelProto load(ModelProto network, StateDict weights) throws WeightMismatchException {
        Map<String, String> absorbed = new HashMap<>();
        Pattern unused = null;
        for (StringStringEntryProto e : network.getMetadataPropsList()) {
            if (e.getKey().startsWith(ABSORBED_PREFIX)) {
                absorbed.put(e.getKey().substring(ABSORBED_PREFIX.length()), e.getValue());
            } else if (e.getKey().equals(UNUSED_KEY)) {
                unused = Pattern.compile(e.getValue());
            }
        }
        Map<String, TorchTensor> file = weights.tensors();
        Set<String> used = new HashSet<>();
        List<String> missing = new ArrayList<>();
        List<String> wrongShape = new ArrayList<>();
        Map<String, float[]> values = new HashMap<>();
        for (TensorProto t : network.getGraph().getInitializerList()) {
            if (!isState(t)) {
                continue;
            }
            String name = t.getName();
            boolean transposed = name.endsWith(TRANSPOSED);
            String key = transposed ? name.substring(0, name.length() - TRANSPOSED.length()) + ".weight" : name;
            TorchTensor w = file.get(key);
            if (w == null) {
                missing.add(key);
                continue;
            }
            used.add(key);
            long[] dims = Tensors.dims(t);
            long[] expected = transposed ? new long[] {dims[1], dims[0]} : dims;
            if (!Arrays.equals(withoutTrailingUnits(expected), withoutTrailingUnits(w.shape()))) {
                wrongShape.add(key + ": file " + w.shapeText() + ", network " + Arrays.toString(expected));
                continue;
            }
            values.put(name, transposed ? transpose(w.values(), (int) dims[1], (int) dims[0]) : w.values());
        }
        for (var e : absorbed.entrySet()) {
            TorchTensor bias = file.get(e.getKey());
            if (bias == null) {
                continue; // a network saved with bias=False
            }
            used.add(e.getKey());
            String mean = e.getValue();
            if (!mean.isEmpty() && values.containsKey(mean)) {
                float[] m = values.get(mean).clone();
                if (m.length != bias.values().length) {
                    wrongShape.add(e.getKey() + ": file " + bias.shapeText() + ", network [" + m.length + "]");
                    continue;
                }
                for (int i = 0; i < m.length; i++) {
                    m[i] -= bias.values()[i];
                }
                values.put(mean, m);
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String key : file.keySet()) {
            boolean ignored = key.endsWith(".num_batches_tracked")
                    || (unused != null && unused.matcher(key).matches())
                    || (weights.scripted() && !LEARNT.matcher(key).find());
            if (!used.contains(key) && !ignored) {
                unexpected.add(key);
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty() || !wrongShape.isEmpty()) {
            throw new WeightMismatchException(description(network), missing, unexpected, wrongShape);
        }
        ModelProto.Builder b = network.toBuilder();
        var graph = b.getGraphBuilder();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            TensorProto t = graph.getInitializer(i);
            float[] v = values.get(t.getName());
            if (v != null) {
                graph.setInitializer(i, Tensors.floats(t.getName(), Tensors.dims(t), v));
            }
        }
        return b.build();
    }

    /** A tensor a network learns or keeps (weights, biases, running statistics), not one of its fixed constants. */
    /** A per-channel parameter may be stored [C, 1, 1, 1] to broadcast over a volume: the same values as MONAI's [C]. */
    private static long[] withoutTrailingUnits(long[] shape) {
        int n = shape.length;
        while (n > 1 && shape[n - 1] == 1) {
            n--;
        }
        return Arrays.copyOf(shape, n);
    }

    private static boolean isState(TensorProto t) {
        return t.getDataType() == TensorProto.DataType.FLOAT_VALUE
                && t.getDimsCount() > 0
                && !t.getName().startsWith("fixed.");
    }

    private static float[] transpose(float[] rowsByCols, int rows, int cols) {
        float[] t = new float[rowsByCols.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = rowsByCols[r * cols + c];
            }
        }
        return t;
    }

    private static String description(ModelProto network) {
        return network.getMetadataPropsList().stream()
                .filter(e -> e.getKey().equals("medlabel.network"))
                .map(StringStringEntryProto::getValue)
                .findFirst()
                .orElse("the network");
    }
}
