package org.medlabel.inference.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.medlabel.app.config.PostProcessing;
import org.medlabel.imaging.transform.Channels;
import org.medlabel.imaging.transform.Interpolation;
import org.medlabel.imaging.transform.Parallel;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/** Resampling only the two-class margin gives exactly the labels of resampling both logits and taking the argmax. */
class TransformsTest {

    @Test
    void theResampledMarginLabelsAsTheArgmaxOfTheResampledLogits() {
        Random random = new Random(4);
        int nx = 20, ny = 17, nz = 9;
        float[] logits = new float[2 * nx * ny * nz];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) random.nextGaussian();
        }
        Volume output =
                new Volume(nx, ny, nz, 2, Affine.scaling(1.0, 1.0, 1.0, 0, 0, 0), new VoxelBuffer.Float32(logits));
        // the original grid: coarser along z, shifted, as the spleen CT's 2 mm slices against the model's 1 mm
        Grid original = new Grid(23, 15, 5, Affine.scaling(0.9, 1.1, 2.0, 0.3, -0.2, 0.5));
        Transforms transforms = new Transforms(Parallel.sequential());
        PostProcessing softmax = new PostProcessing("softmax", null, false);

        Volume viaMargin = transforms.labels(
                softmax,
                transforms.toOriginal(Transforms.forLabelling(softmax, output), original, Interpolation.LINEAR));
        Volume viaArgmax = new Channels(Parallel.sequential())
                .argmax(transforms.toOriginal(output, original, Interpolation.LINEAR));

        int differing = 0;
        for (int i = 0; i < viaMargin.voxelCount(); i++) {
            differing += viaMargin.voxels().get(i) != viaArgmax.voxels().get(i) ? 1 : 0;
        }
        assertEquals(0, differing);
        assertEquals(1, Transforms.forLabelling(softmax, output).channels());
    }
}
