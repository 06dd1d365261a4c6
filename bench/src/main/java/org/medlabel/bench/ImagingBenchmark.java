package org.medlabel.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.medlabel.imaging.io.NiftiReader;
import org.medlabel.imaging.transform.Channels;
import org.medlabel.imaging.transform.Interpolation;
import org.medlabel.imaging.transform.LargestComponent;
import org.medlabel.imaging.transform.Parallel;
import org.medlabel.imaging.transform.Resampler;
import org.medlabel.imaging.transform.Spacing;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.imaging.volume.VoxelType;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The imaging steps MONAI Label spends its non-network time on, on the sizes its spleen pipeline sees (a 256x256x100
 * CT at 1x1x2 mm, resampled to 1 mm: 256x256x199). MONAI Label's times on the same machine: resample to 1 mm 0.70 s,
 * back 0.66 s, argmax 0.48 s, largest component 0.27 s. Data: the head CT of {@code ../shared/data} (system property
 * {@code medlabel.shared.data}) for decoding and for a realistic label map; synthetic intensities for the rest.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgs = {"-Xmx4g"})
public class ImagingBenchmark {

    @Param({"1", "2"})
    public int threads;

    private Path ctFile;
    private Volume ct1x1x2;
    private Grid grid1mm;
    private Volume ct1mm;
    private Volume logits2ch;
    private Volume labels1mm;
    private Resampler resampler;
    private Channels channels;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Parallel parallel = Parallel.threads(threads);
        resampler = new Resampler(parallel);
        channels = new Channels(parallel);
        Path data = Path.of(System.getProperty("medlabel.shared.data", "../shared/data"));
        ctFile = data.resolve("ct_head_invesalius/ct.nii.gz");

        Random random = new Random(7);
        short[] hu = new short[256 * 256 * 100];
        for (int i = 0; i < hu.length; i++) {
            hu[i] = (short) (random.nextInt(2000) - 1000);
        }
        ct1x1x2 = new Volume(256, 256, 100, Affine.scaling(1, 1, 2, -128, -128, -100), new VoxelBuffer.Int16(hu));
        Spacing to1mm = new Spacing(resampler, 1, 1, 1);
        grid1mm = to1mm.targetGrid(Grid.of(ct1x1x2));
        ct1mm = to1mm.apply(ct1x1x2, Interpolation.LINEAR);

        float[] scores = new float[2 * 256 * 256 * 199];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = (float) random.nextGaussian();
        }
        logits2ch = new Volume(256, 256, 199, 2, grid1mm.affine(), new VoxelBuffer.Float32(scores));

        // A real label map (head CT: soft tissue and bone) on a 256x256x199 grid.
        Volume labels = new NiftiReader().read(data.resolve("ct_head_invesalius/labels.nii.gz"));
        Grid target = new Grid(256, 256, 199, labels.affine().multiply(Affine.scaling(1, 1, 107.0 / 198, 0, 0, 0)));
        labels1mm = resampler.resample(labels, target, Interpolation.NEAREST);
        if (labels1mm.type() != VoxelType.UINT8) {
            throw new IllegalStateException("expected a uint8 label map");
        }
    }

    /** Decoding the 256x256x108 int16 head CT (.nii.gz, 14.2 MB decompressed). */
    @Benchmark
    public Volume niftiGzRead() throws IOException {
        return new NiftiReader().read(ctFile);
    }

    @Benchmark
    public Volume resampleTo1mm() {
        return resampler.resample(ct1x1x2, grid1mm, Interpolation.LINEAR);
    }

    @Benchmark
    public Volume resampleBackToOriginal() {
        return resampler.resample(ct1mm, Grid.of(ct1x1x2), Interpolation.LINEAR);
    }

    @Benchmark
    public Volume argmax2x256x256x199() {
        return channels.argmax(logits2ch);
    }

    @Benchmark
    public Volume largestComponent256x256x199() {
        return new LargestComponent(LargestComponent.Connectivity.FULL).apply(labels1mm);
    }
}
