package org.medlabel.imaging.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelType;
import org.medlabel.testinfra.PythonOracle;

/** Guidance maps against MONAI's own {@code AddGuidanceSignald} (monai_guidance.py) for the same clicks. */
class GuidanceMapTest {

    @Test
    void matchesMonaisGuidanceSignal(@TempDir Path dir) throws Exception {
        Volume image = Volume.zeros(40, 30, 20, 1, VoxelType.INT16, Affine.scaling(1, 1, 1, 0, 0, 0));
        List<List<double[]>> clicks = List.of(
                List.of(new double[] {10.7, 12, 5}, new double[] {38, 29, 19}, new double[] {-1, 3, 3
                }), // edge, skipped
                List.of(), // no background clicks
                List.of(new double[] {20, 1, 60})); // clamped to the last slice
        Volume map = new GuidanceMap(2).apply(image, clicks);
        assertEquals(3, map.channels());

        Path expected = dir.resolve("guidance.raw");
        PythonOracle.run("monai_guidance.py", expected, 40, 30, 20, 2.0, "10.7,12,5;38,29,19;-1,3,3", "-", "20,1,60");
        double[] monai = PythonOracle.readDoubles(expected);
        assertEquals(map.voxels().length(), monai.length);
        for (int i = 0; i < monai.length; i++) {
            assertEquals(monai[i], map.voxels().get(i), 1e-6, "value " + i);
        }
        assertEquals(1, map.get(10, 12, 5, 0), 1e-6, "a click is the maximum");
        assertEquals(0, map.get(0, 0, 0, 1), "a channel without clicks is zero");
        assertTrue(map.get(20, 1, 19, 2) > 0.99);
    }
}
