package org.medlabel.inference.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ResultFormatTest {

    @ParameterizedTest
    @CsvSource({
        ".nii.gz, NII_GZ",
        "nii.gz, NII_GZ",
        ".NII.GZ, NII_GZ",
        ".nii, NII",
        "nii, NII",
        ".nrrd, NRRD",
        "NRRD, NRRD",
        ".seg.nrrd, SEG_NRRD",
        "Seg.Nrrd, SEG_NRRD"
    })
    void ofExtensionAcceptsTheExtensionWithOrWithoutDotInAnyCase(String extension, ResultFormat expected) {
        assertEquals(expected, ResultFormat.ofExtension(extension));
    }

    @ParameterizedTest
    @ValueSource(strings = {"jpg", ".dcm", ".gz", "nii.gz.bak", "image.nii.gz", "..nii"})
    void ofExtensionRefusesUnknownExtensionsNamingTheValueAndTheAllowedOnes(String extension) {
        InvalidResultOptionsException e =
                assertThrows(InvalidResultOptionsException.class, () -> ResultFormat.ofExtension(extension));
        assertTrue(e.getMessage().contains("'" + extension + "'"), e.getMessage());
        assertTrue(e.getMessage().contains(".nii.gz, .nii, .nrrd, .seg.nrrd"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
        "ct.nii.gz, NII_GZ",
        "CT.NII.GZ, NII_GZ",
        "anatomical.nii, NII",
        "KmeansTest_T1_itk.nrrd, NRRD",
        "spleen.seg.nrrd, SEG_NRRD",
        "brain_001.dcm, NII_GZ",
        "1.2.840.113619.2.55.3, NII_GZ",
        "spleen_10, NII_GZ",
        "volume.nhdr, NII_GZ"
    })
    void ofFileNameIsTheInputsFormatAndNiftiGzForAnythingElse(String name, ResultFormat expected) {
        assertEquals(expected, ResultFormat.ofFileName(name));
    }

    @Test
    void ofFileNameWithoutANameIsNiftiGz() {
        assertEquals(ResultFormat.NII_GZ, ResultFormat.ofFileName(null));
    }

    @Test
    void invalidOptionsAreIllegalArguments() {
        assertTrue(IllegalArgumentException.class.isAssignableFrom(InvalidResultOptionsException.class));
    }
}
