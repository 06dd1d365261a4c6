package org.medlabel.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.rewrite.GraphOptimizer;
import org.medlabel.ml.runtime.Device;
import org.medlabel.ml.runtime.ExecutionProvider;
import org.medlabel.ml.runtime.SessionManager;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-patch inference of the MONAI spleen UNet ((16..256), strides 2, 2 residual units, instance or batch norm, PReLU;
 * seed 0, the weights {@code UNetModels} writes for the PyTorch comparison) as built ({@code standard}: ConvTranspose,
 * PRelu), after {@link GraphOptimizer} ({@code optimised}) and as the CPU service runs it ({@code slices}), in ONNX
 * Runtime with 2 intra-op threads. One patch [1, 1, p³]
 * in a direct buffer (no input copy); the output is copied out, as inference must.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 8) // the depth-slice graph settles its arena over ~6 runs; 3 measured it 20 % slow
@Measurement(iterations = 10)
@Fork(
        value = 1,
        jvmArgs = {"-Xmx4g"})
public class UNetInferenceBenchmark {

    @Param({"96", "128", "160"})
    public int patch;

    /**
     * {@code spleen} (instance norm, as MONAI's UNet defaults), {@code spleen-bn} (MONAI Label's segmentation_spleen),
     * {@code wholebody} (the zoo's SegResNet), {@code paediatric} (the zoo's DynUNet) or {@code btcv} (the zoo's
     * SwinUNETR, built for the patch size).
     */
    @Param({"spleen"})
    public String net;

    /**
     * {@code standard} as built; {@code optimised} by {@link GraphOptimizer} for any provider; {@code slices} as the
     * CPU service runs it for a known patch size (3-D convolutions over depth slices).
     */
    @Param({"standard", "optimised", "slices"})
    public String form;

    /** {@code cpu}, or {@code cuda:0} for the GPU check ({@code -p device=cuda:0}, built with {@code -Pgpu}). */
    @Param({"cpu"})
    public String device;

    @Param({"2"})
    public int threads;

    private SessionManager sessions;
    private OrtSession session;
    private OnnxTensor input;
    private float[] output;

    @Setup(Level.Trial)
    public void setUp() throws OrtException {
        ModelProto model = switch (net) {
            case "spleen-bn" -> UNetModels.spleenBatchNorm();
            case "wholebody" -> UNetModels.wholeBody();
            case "paediatric" -> UNetModels.paediatric();
            case "btcv" -> UNetModels.btcv(patch);
            default -> UNetModels.spleen();
        };
        if (form.equals("optimised")) {
            model = GraphOptimizer.optimize(model).model();
        } else if (form.equals("slices")) {
            model = GraphOptimizer.optimize(model, ExecutionProvider.CPU, OptionalLong.of((long) patch * patch * patch))
                    .model();
        }
        sessions = new SessionManager(new SessionManager.Config(Device.parse(device), threads, 1));
        session = sessions.session("spleen-" + form, model.toByteArray()).session();
        int n = patch * patch * patch;
        FloatBuffer x =
                ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        Random random = new Random(0);
        for (int i = 0; i < n; i++) {
            x.put(i, (float) random.nextGaussian());
        }
        input = OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), x, new long[] {1, 1, patch, patch, patch});
        output = new float
                [(int) ((ai.onnxruntime.TensorInfo) session.getOutputInfo()
                                        .values()
                                        .iterator()
                                        .next()
                                        .getInfo())
                                .getShape()[1]
                        * n];
    }

    @Benchmark
    public float[] infer() throws OrtException {
        try (OrtSession.Result result = session.run(Map.of("image", input))) {
            ((OnnxTensor) result.get(0)).getFloatBuffer().get(output);
        }
        return output;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        input.close();
        sessions.close();
    }
}
