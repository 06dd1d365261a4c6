package org.medlabel.imaging.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.medlabel.imaging.io.Oracle.SHARED_DATA;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.medlabel.imaging.io.NiftiReader;
import org.medlabel.imaging.io.NiftiWriter;
import org.medlabel.imaging.transform.LargestComponent.Connectivity;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelType;
import org.medlabel.testinfra.PythonOracle;

/** Largest component per label, compared voxel for voxel with scipy.ndimage.label on real label maps. */
class LargestComponentTest {

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({
        "mri_itk_kmeans/KmeansTest_T1KmeansPrelimSegmentation.nii.gz, FACES",
        "mri_itk_kmeans/KmeansTest_T1KmeansPrelimSegmentation.nii.gz, FULL",
        "ct_head_invesalius/labels.nii.gz, FULL"
    })
    void matchesScipy(String file, Connectivity connectivity, @TempDir Path dir) throws Exception {
        Volume labels = new NiftiReader().read(SHARED_DATA.resolve(file));
        Volume kept = new LargestComponent(connectivity).apply(labels);

        Path input = dir.resolve("labels.nii");
        Path expected = dir.resolve("expected.raw");
        new NiftiWriter().write(labels, input);
        PythonOracle.run("ndimage_oracle.py", "largest", input, expected, connectivity == Connectivity.FACES ? 1 : 3);
        double[] scipy = PythonOracle.readDoubles(expected);
        int differing = 0;
        for (int i = 0; i < scipy.length; i++) {
            if (scipy[i] != kept.voxels().get(i)) {
                differing++;
            }
        }
        assertEquals(0, differing, "voxels differing from scipy");
        assertEquals(labels.type(), kept.type());
    }

    @Test
    void diagonalNeighboursConnectOnlyWithFullConnectivity() {
        Volume v = Volume.zeros(4, 4, 1, 1, VoxelType.UINT8, Affine.scaling(1, 1, 1, 0, 0, 0));
        // a 2-voxel blob and, touching it only at a corner, a 3-voxel blob
        v.voxels().set(v.index(0, 0, 0, 0), 1);
        v.voxels().set(v.index(1, 0, 0, 0), 1);
        v.voxels().set(v.index(2, 1, 0, 0), 1);
        v.voxels().set(v.index(3, 1, 0, 0), 1);
        v.voxels().set(v.index(3, 2, 0, 0), 1);
        Volume faces = new LargestComponent(Connectivity.FACES).apply(v);
        assertEquals(3, sum(faces));
        assertEquals(0, faces.get(0, 0, 0));
        Volume full = new LargestComponent(Connectivity.FULL).apply(v);
        assertEquals(5, sum(full));
    }

    private static int sum(Volume v) {
        int s = 0;
        for (int i = 0; i < v.voxelCount(); i++) {
            s += (int) v.voxels().get(i);
        }
        return s;
    }
}
