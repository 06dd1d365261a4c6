package org.medlabel.ml.train;

import ai.onnxruntime.OrtException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.logging.Logger;
import org.medlabel.ml.autodiff.Differentiator;
import org.medlabel.ml.autodiff.ValueShapes;
import org.medlabel.ml.autodiff.WeightGradient;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.OnnxModelIo;
import org.medlabel.ml.onnx.Tensors;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;
import org.medlabel.ml.onnx.proto.Onnx.ValueInfoProto;
import org.medlabel.ml.rewrite.GraphOptimizer;
import org.medlabel.ml.runtime.ExecutionProvider;
import org.medlabel.ml.runtime.SessionManager;

/**
 * One training step of a segmentation network as one ONNX graph: the forward pass in its training form, the loss,
 * the backward pass ({@link Differentiator}), gradient-norm clipping and the optimiser's update. Parameters, optimiser
 * state and running statistics are inputs, their next values outputs ({@code <name>.next}), so a {@link Trainer}
 * feeds each step's outputs to the next. The graph is then optimised like an inference graph (sub-pixel transposed
 * convolutions, decomposed softmax); its shapes are fixed at the batch shape it was built for.
 *
 * <p>Inputs: {@code image} (the forward's input) [N, C_in, spatial...], {@code label} [N, 1, spatial...] (float
 * class indices), {@code lr} and {@code step} (float scalars; step counts from 1), then every state tensor. Outputs:
 * {@code loss}, {@code grad_norm} (before clipping), optionally each parameter's gradient, then every state tensor's
 * next value.
 */
public final class TrainingGraph {

    private static final Logger LOG = Logger.getLogger(TrainingGraph.class.getName());

    public static final String LABEL = "label";
    public static final String LEARNING_RATE = "lr";
    public static final String STEP = "step";
    public static final String LOSS = "loss";
    public static final String GRAD_NORM = "grad_norm";
    public static final String NEXT = ".next";
    public static final String GRAD = ".grad";

    /**
     * What to train: the forward model (one image input, its first output the logits [N, C, spatial...]), the batch
     * shape of its input, the loss, the optimiser, the gradient-norm limit (0: no clipping), the weight-gradient
     * form, parameters to keep fixed (by initializer name), and whether the graph also outputs each parameter's
     * gradient as {@code <name>.grad} (before clipping; for checks and diagnostics).
     */
    public record Spec(
            ModelProto forward,
            long[] inputShape,
            Loss loss,
            Optimizer optimizer,
            double maxGradNorm,
            WeightGradient weightGradient,
            Set<String> frozen,
            boolean gradientOutputs) {

        public Spec {
            inputShape = inputShape.clone();
            frozen = Set.copyOf(frozen);
        }

        public static Spec of(ModelProto forward, long[] inputShape) {
            return new Spec(
                    forward,
                    inputShape,
                    Loss.diceCe(),
                    Optimizer.Adam.defaults(),
                    0,
                    WeightGradient.AUTO,
                    Set.of(),
                    false);
        }

        public Spec with(Optimizer optimizer, double maxGradNorm) {
            return new Spec(forward, inputShape, loss, optimizer, maxGradNorm, weightGradient, frozen, gradientOutputs);
        }

        public Spec with(Loss loss) {
            return new Spec(forward, inputShape, loss, optimizer, maxGradNorm, weightGradient, frozen, gradientOutputs);
        }

        public Spec with(WeightGradient weightGradient) {
            return new Spec(forward, inputShape, loss, optimizer, maxGradNorm, weightGradient, frozen, gradientOutputs);
        }

        public Spec withFrozen(Set<String> frozen) {
            return new Spec(forward, inputShape, loss, optimizer, maxGradNorm, weightGradient, frozen, gradientOutputs);
        }

        public Spec withGradientOutputs() {
            return new Spec(forward, inputShape, loss, optimizer, maxGradNorm, weightGradient, frozen, true);
        }
    }

    private final Spec spec;
    private final ModelProto model;
    private final String imageInput;
    private final List<String> parameters;
    private final Map<String, long[]> stateShapes;
    private final Map<String, TensorProto> initialState;

    private TrainingGraph(
            Spec spec,
            ModelProto model,
            String imageInput,
            List<String> parameters,
            Map<String, long[]> stateShapes,
            Map<String, TensorProto> initialState) {
        this.spec = spec;
        this.model = model;
        this.imageInput = imageInput;
        this.parameters = parameters;
        this.stateShapes = stateShapes;
        this.initialState = initialState;
    }

    /**
     * The native memory a training step of {@code forward} at {@code inputShape} (N, C, spatial...) needs, estimated
     * before the graph is built (building it runs the forward pass at this shape once). The forward pass's computed
     * values are measured at a smaller spatial size where the shape and the network allow it (each spatial size
     * divided by up to 4, staying a multiple of 16) and scaled by the voxels, as a convolutional network's values grow;
     * the step's peak is that times {@value #PEAK_PER_FORWARD_BYTE} with ONNX Runtime's CPU arena (the backward
     * pass's gradients beside the kept forward values, and the arena's rounding) or
     * {@value #PEAK_PER_FORWARD_BYTE_WITHOUT_ARENA} without it, plus the weights and Adam's two moments. The
     * factors are the resident peaks of bench/unet-training's steps per forward byte (2026-12-07: with the arena
     * spleen4 1.3, deepgrow_2d 1.25, deepgrow_3d 1.26; without it deepgrow_2d 1.09, deepgrow_3d ≤ 1.07, deepedit 1.1,
     * and ~0.95 and ~0.9 for the last two on ORT's memory pattern, 2026-12-07 last), the process's ~0.6 GB of JVM and
     * libraries left out; 3-D crops of a few hundred MB do worse without the arena (spleen4 2.0).
     */
    public static long estimatePeakBytes(ModelProto forward, long[] inputShape, boolean cpuArena) throws OrtException {
        ModelProto folded = GraphOptimizer.fold(forward);
        GraphBuilder g = GraphBuilder.edit(folded.getGraph());
        List<ValueInfoProto> inputs = forwardInputs(g);
        if (inputs.size() != 1) {
            throw new IllegalArgumentException("the forward model must have exactly one input, has " + inputs.size());
        }
        long forwardBytes = forwardBytes(folded, inputs.get(0).getName(), inputShape);
        long weights = 0;
        for (TensorProto t : folded.getGraph().getInitializerList()) {
            weights += Tensors.elementCount(t) * Float.BYTES;
        }
        double factor = cpuArena ? PEAK_PER_FORWARD_BYTE : PEAK_PER_FORWARD_BYTE_WITHOUT_ARENA;
        return (long) (factor * forwardBytes) + 4 * weights;
    }

    /** Peak step memory per byte of forward values with ONNX Runtime's CPU arena (see {@link #estimatePeakBytes}). */
    static final double PEAK_PER_FORWARD_BYTE = 1.3;

    /** Peak step memory per byte of forward values without the arena (see {@link #estimatePeakBytes}). */
    static final double PEAK_PER_FORWARD_BYTE_WITHOUT_ARENA = 1.1;

    /**
     * The forward pass's computed bytes at {@code inputShape}, measured at a quarter or half of each spatial size where
     * that is a multiple of 16 and the network takes it (a deeper one, e.g. MONAI's DeepEdit DynUNet, needs multiples
     * of 32), scaled back by the voxels.
     */
    private static long forwardBytes(ModelProto folded, String input, long[] inputShape) throws OrtException {
        for (int divisor = 4; ; divisor /= 2) {
            if (divisor > 1 && !divisible(inputShape, divisor * 16)) {
                continue;
            }
            long[] small = inputShape.clone();
            double scale = 1;
            for (int d = 2; d < small.length; d++) {
                small[d] /= divisor;
                scale *= divisor;
            }
            try {
                return (long) (scale
                        * ValueShapes.measure(folded, Map.of(input, small)).computedBytes());
            } catch (OrtException e) {
                if (divisor == 1) {
                    throw e;
                }
            }
        }
    }

    private static boolean divisible(long[] shape, long by) {
        for (int d = 2; d < shape.length; d++) {
            if (shape[d] % by != 0) {
                return false;
            }
        }
        return true;
    }

    /** The step graph for sessions on the CPU. */
    public static TrainingGraph build(Spec spec) throws OrtException {
        return build(spec, ExecutionProvider.CPU);
    }

    /** The step graph with the rewrites that suit {@code provider} (the sessions' {@link SessionManager#provider}). */
    public static TrainingGraph build(Spec spec, ExecutionProvider provider) throws OrtException {
        ModelProto forward = GraphOptimizer.fold(spec.forward());
        GraphBuilder g = GraphBuilder.edit(forward.getGraph());
        List<ValueInfoProto> inputs = forwardInputs(g);
        if (inputs.size() != 1) {
            throw new IllegalArgumentException("the forward model must have exactly one input, has " + inputs.size());
        }
        String image = inputs.get(0).getName();
        ValueInfoProto output = g.outputs().get(0);
        String logits = output.getName();
        g.clearOutputs();
        Map<String, String> running = TrainingForm.apply(g);
        Set<String> candidates =
                parameterCandidates(g, GraphOptimizer.parameters(spec.forward()), running.keySet(), spec.frozen());
        long[] labelShape = spec.inputShape().clone();
        labelShape[1] = 1;
        g.input(LABEL, labelShape);
        Map<String, long[]> batch = Map.of(image, spec.inputShape(), LABEL, labelShape);
        int classes = declaredChannels(output);
        if (classes < 1) {
            classes = (int) ValueShapes.measureByBatch(
                            g.model(OnnxModelIo.defaultOpset(forward), Map.of()), batch, batch.keySet())
                    .shape(logits)[1];
        }
        String loss = spec.loss().emit(g, logits, LABEL, classes, spec.inputShape().length - 2);
        ValueShapes shapes =
                ValueShapes.measureByBatch(g.model(OnnxModelIo.defaultOpset(forward), Map.of()), batch, batch.keySet());

        Map<String, String> gradients = Differentiator.gradients(g, shapes, loss, candidates, spec.weightGradient());
        Map<String, String> unclipped = new LinkedHashMap<>(gradients);
        candidates.stream()
                .filter(p -> !gradients.containsKey(p))
                .forEach(p -> LOG.fine(() -> "parameter " + p + " does not affect the loss; kept fixed"));

        String lr = g.input(LEARNING_RATE);
        String step = g.input(STEP);
        OptimizerGraph optimizer = new OptimizerGraph(g, lr, step);
        String gradNorm = optimizer.clip(gradients, spec.maxGradNorm());

        Map<String, long[]> stateShapes = new LinkedHashMap<>();
        Map<String, TensorProto> initialState = new LinkedHashMap<>();
        List<String[]> outputs = new ArrayList<>();
        List<String> parameters = new ArrayList<>(gradients.keySet());
        for (String p : parameters) {
            TensorProto value = g.removeInitializer(p);
            initialState.put(p, value);
            stateShapes.put(p, Tensors.dims(value));
            List<String> state = new ArrayList<>();
            for (String prefix : spec.optimizer().statePrefixes()) {
                String name = g.fresh(prefix + p);
                stateShapes.put(name, Tensors.dims(value)); // starts at zero: no tensor of zeros kept
                state.add(name);
            }
            List<String> next = optimizer.update(spec.optimizer(), p, gradients.get(p), state);
            outputs.add(new String[] {p, next.get(0)});
            for (int i = 0; i < state.size(); i++) {
                outputs.add(new String[] {state.get(i), next.get(i + 1)});
            }
        }
        running.forEach((statistic, next) -> {
            TensorProto value = g.removeInitializer(statistic);
            initialState.put(statistic, value);
            stateShapes.put(statistic, Tensors.dims(value));
            outputs.add(new String[] {statistic, next});
        });
        stateShapes.forEach((name, shape) -> g.input(Tensors.floatValue(name, shape)));

        g.node("Identity", List.of(loss), LOSS);
        g.node("Identity", List.of(gradNorm), GRAD_NORM);
        g.output(LOSS, new long[0]);
        g.output(GRAD_NORM, new long[0]);
        if (spec.gradientOutputs()) {
            unclipped.forEach((p, grad) -> {
                g.node("Identity", List.of(grad), p + GRAD);
                g.output(p + GRAD, stateShapes.get(p));
            });
        }
        for (String[] o : outputs) {
            g.node("Identity", List.of(o[1]), o[0] + NEXT);
            g.output(o[0] + NEXT, stateShapes.get(o[0]));
        }
        ModelProto training = GraphOptimizer.optimize(
                        g.model(OnnxModelIo.defaultOpset(forward), Map.of("medlabel.training", "step")),
                        provider,
                        OptionalLong.empty())
                .model();
        return new TrainingGraph(spec, training, image, parameters, stateShapes, initialState);
    }

    private static List<ValueInfoProto> forwardInputs(GraphBuilder g) {
        Set<String> initializers = new LinkedHashSet<>();
        g.inputs().forEach(v -> {
            if (g.initializer(v.getName()) == null) {
                initializers.add(v.getName());
            }
        });
        return g.inputs().stream()
                .filter(v -> initializers.contains(v.getName()))
                .toList();
    }

    /**
     * The forward model's parameters ({@link GraphOptimizer#parameters}) that some node reads, except running
     * statistics and frozen names: the values a network learns. Constants folded from fixed values are not among them.
     */
    private static Set<String> parameterCandidates(
            GraphBuilder g, Set<String> parameters, Set<String> running, Set<String> frozen) {
        Set<String> read = new LinkedHashSet<>();
        for (NodeProto n : g.nodes()) {
            read.addAll(n.getInputList());
        }
        Set<String> candidates = new LinkedHashSet<>();
        for (String name : read) {
            TensorProto t = g.initializer(name);
            if (t != null && parameters.contains(name) && !running.contains(name) && !frozen.contains(name)) {
                candidates.add(name);
            }
        }
        return candidates;
    }

    /** The output's channel count when its declared shape says it, else 0. */
    private static int declaredChannels(ValueInfoProto output) {
        var shape = output.getType().getTensorType().getShape();
        return shape.getDimCount() > 1 && shape.getDim(1).hasDimValue()
                ? (int) shape.getDim(1).getDimValue()
                : 0;
    }

    public Spec spec() {
        return spec;
    }

    /** The training-step model. */
    public ModelProto model() {
        return model;
    }

    /** The name of the image input (the forward model's). */
    public String imageInput() {
        return imageInput;
    }

    /** The trained parameters, in input order. */
    public List<String> parameters() {
        return parameters;
    }

    /** Every state input (parameters, optimiser state, running statistics) with its shape, in input order. */
    public Map<String, long[]> stateShapes() {
        return stateShapes;
    }

    /**
     * The value before the first step of each state input that does not start at zero: the parameters and running
     * statistics. The optimiser's state ({@link #stateShapes} only) starts at zero; no tensor of zeros is kept for it
     * (Adam's two moments: twice the parameters, 248 MB for the deepedit DynUNet, held as long as the graph).
     */
    public Map<String, TensorProto> initialState() {
        return initialState;
    }
}
