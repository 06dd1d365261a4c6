package org.medlabel.imaging.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medlabel.imaging.io.Oracle.SHARED_DATA;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.medlabel.imaging.io.NiftiReader;
import org.medlabel.imaging.io.NiftiWriter;
import org.medlabel.imaging.metric.Centroids;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.imaging.volume.VoxelType;
import org.medlabel.testinfra.PythonOracle;

/**
 * z-score normalisation (MONAI's NormalizeIntensity) and label centroids against numpy / scipy.ndimage.center_of_mass on
 * a real label map.
 */
class ZScoreAndCentroidsTest {

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void matchNumpyAndScipy(boolean nonzero, @TempDir Path dir) throws Exception {
        Volume labels = new NiftiReader()
                .read(SHARED_DATA.resolve("mri_itk_kmeans/KmeansTest_T1KmeansPrelimSegmentation.nii.gz"));
        Path input = dir.resolve("in.nii");
        Path expected = dir.resolve("z.raw");
        new NiftiWriter().write(labels, input);
        JsonNode centroids =
                new ObjectMapper().readTree(PythonOracle.run("ndimage_oracle.py", "stats", input, expected, nonzero));

        double[] numpy = PythonOracle.readDoubles(expected);
        Volume z = new NormalizeIntensity(nonzero, false).apply(labels);
        for (int i = 0; i < numpy.length; i++) {
            assertEquals(numpy[i], z.voxels().get(i), 1e-5, "voxel " + i);
        }

        // channel-wise (MONAI's channel_wise, BraTS' four sequences): each channel by its own statistics
        int n = labels.voxelCount();
        float[] two = new float[2 * n];
        for (int i = 0; i < n; i++) {
            two[i] = (float) labels.voxels().get(i);
            two[n + i] = nonzero && two[i] == 0 ? 0 : 3 * two[i] + 7; // an affine map of what is normalised
        }
        Volume stacked =
                new Volume(labels.nx(), labels.ny(), labels.nz(), 2, labels.affine(), new VoxelBuffer.Float32(two));
        Volume perChannel = new NormalizeIntensity(nonzero, true).apply(stacked);
        Volume together = new NormalizeIntensity(nonzero, false).apply(stacked);
        for (int i = 0; i < n; i++) {
            assertEquals(numpy[i], perChannel.voxels().get(i), 1e-5, "channel 0, voxel " + i);
            assertEquals(numpy[i], perChannel.voxels().get(n + i), 1e-4, "channel 1 (an affine map of 0), voxel " + i);
        }
        double apart = 0;
        for (int i = 0; i < 2 * n; i++) {
            apart = Math.max(
                    apart,
                    Math.abs(together.voxels().get(i) - perChannel.voxels().get(i)));
        }
        assertTrue(apart > 0.1, "both channels' statistics together differ from each channel's own");

        Map<Integer, double[]> ours = Centroids.of(labels);
        assertEquals(centroids.size(), ours.size());
        // the same labels stored as int16 take the general path: the same centroids
        VoxelBuffer wide = VoxelBuffer.allocate(VoxelType.INT16, labels.voxelCount());
        for (int i = 0; i < labels.voxelCount(); i++) {
            wide.set(i, labels.voxels().get(i));
        }
        Map<Integer, double[]> general =
                Centroids.of(new Volume(labels.nx(), labels.ny(), labels.nz(), labels.affine(), wide));
        assertEquals(ours.keySet(), general.keySet());
        ours.forEach((label, c) -> assertArrayEquals(c, general.get(label), 1e-9));
        ours.forEach((label, c) -> {
            JsonNode expectedCentre = centroids.get(String.valueOf(label));
            assertArrayEquals(
                    new double[] {
                        expectedCentre.get(0).asDouble(),
                        expectedCentre.get(1).asDouble(),
                        expectedCentre.get(2).asDouble()
                    },
                    c,
                    1e-9,
                    "label " + label);
        });
    }
}
