package org.medlabel.imaging.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.medlabel.imaging.io.Oracle.SHARED_DATA;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.medlabel.imaging.io.NiftiReader;
import org.medlabel.imaging.io.NiftiWriter;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.testinfra.PythonOracle;

/** MONAI's GaussianSmooth (erf kernel, 4 sigma, zeros beyond the image) against MONAI itself on a real MR volume. */
class GaussianSmoothTest {

    private static final Path T1 = SHARED_DATA.resolve("mri_itk_kmeans/KmeansTest_T1UCharRaw.nii.gz");

    @ParameterizedTest(name = "sigma {0}")
    @ValueSource(doubles = {0.4, 1.3, 3})
    void matchesMonai(double sigma, @TempDir Path dir) throws Exception {
        Volume t1 = new NiftiReader().read(T1); // 128x128x62
        Volume smoothed = new GaussianSmooth(sigma).apply(t1);
        Path input = dir.resolve("t1.nii");
        Path expected = dir.resolve("expected.raw");
        new NiftiWriter().write(t1, input);
        PythonOracle.run("ndimage_oracle.py", "smooth", input, expected, sigma);
        double[] monai = PythonOracle.readDoubles(expected);
        assertEquals(monai.length, smoothed.voxels().length());
        for (int i = 0; i < monai.length; i++) {
            assertEquals(monai[i], smoothed.voxels().get(i), 1e-4 * Math.max(1, Math.abs(monai[i])), "voxel " + i);
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {0, -1, Double.NaN})
    void refusesANonPositiveSigma(double sigma) {
        assertThrows(IllegalArgumentException.class, () -> new GaussianSmooth(sigma));
    }
}
