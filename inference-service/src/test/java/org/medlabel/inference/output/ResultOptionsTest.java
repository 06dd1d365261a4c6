package org.medlabel.inference.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.medlabel.imaging.volume.VoxelType;

class ResultOptionsTest {

    @ParameterizedTest
    @CsvSource({
        "ct.nii.gz, NII_GZ",
        "anatomical.nii, NII",
        "KmeansTest_T1_itk.nrrd, NRRD",
        "spleen.seg.nrrd, SEG_NRRD",
        "brain_001.dcm, NII_GZ"
    })
    void defaultsAreTheInputsFormatUint8AndNoCompression(String input, ResultFormat format) {
        ResultOptions options = ResultOptions.from(Map.of(), input);

        assertEquals(new ResultOptions(format, VoxelType.UINT8, false), options);
    }

    @Test
    void nullParamsAndNullOrBlankValuesMeanTheDefaults() {
        Map<String, Object> params = new HashMap<>();
        params.put(ResultOptions.EXTENSION, "");
        params.put(ResultOptions.DTYPE, null);
        params.put(ResultOptions.COMPRESS, " ");

        ResultOptions expected = new ResultOptions(ResultFormat.NRRD, VoxelType.UINT8, false);
        assertEquals(expected, ResultOptions.from(params, "t1.nrrd"));
        assertEquals(expected, ResultOptions.from(null, "t1.nrrd"));
    }

    @Test
    void explicitValuesOverrideTheDefaults() {
        Map<String, Object> params = Map.of(
                ResultOptions.EXTENSION,
                ".seg.nrrd",
                ResultOptions.DTYPE,
                "int16",
                ResultOptions.COMPRESS,
                true,
                "roi_size",
                List.of(96, 96, 96));

        assertEquals(
                new ResultOptions(ResultFormat.SEG_NRRD, VoxelType.INT16, true), ResultOptions.from(params, "ct.nii"));
    }

    @ParameterizedTest
    @CsvSource({"uint8, UINT8", "int16, INT16", "int32, INT32", "float32, FLOAT32", "UINT8, UINT8", "' int32 ', INT32"})
    void dtypesAreNumpyNames(String name, VoxelType expected) {
        assertEquals(
                expected,
                ResultOptions.from(Map.of(ResultOptions.DTYPE, name), "ct.nii.gz")
                        .dtype());
        assertEquals(expected, ResultOptions.dtype(name));
    }

    @Test
    void dtypeNamesAreNumpyNames() {
        assertEquals("uint8", ResultOptions.dtypeName(VoxelType.UINT8));
        assertEquals("float32", ResultOptions.dtypeName(VoxelType.FLOAT32));
    }

    @ParameterizedTest
    @ValueSource(strings = {"int8", "uint16", "float64", "int64", "bool", "u1", "unsigned char"})
    void unsupportedDtypesAreRefusedNamingTheValueAndTheAllowedOnes(String dtype) {
        InvalidResultOptionsException e = assertThrows(
                InvalidResultOptionsException.class,
                () -> ResultOptions.from(Map.of(ResultOptions.DTYPE, dtype), "ct.nii.gz"));
        assertEquals(
                "result_dtype '" + dtype + "' is not supported; use one of uint8, int16, int32, float32",
                e.getMessage());
    }

    @Test
    void unknownExtensionsAreRefused() {
        InvalidResultOptionsException e = assertThrows(
                InvalidResultOptionsException.class,
                () -> ResultOptions.from(Map.of(ResultOptions.EXTENSION, ".mha"), "ct.nii.gz"));
        assertEquals(
                "result_extension '.mha' is not supported; use one of .nii.gz, .nii, .nrrd, .seg.nrrd", e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"true, true", "TRUE, true", "' false ', false", "False, false"})
    void compressAcceptsBooleanStrings(String value, boolean expected) {
        assertEquals(
                expected,
                ResultOptions.from(Map.of(ResultOptions.COMPRESS, value), "t1.nrrd")
                        .compress());
    }

    @Test
    void compressAcceptsBooleans() {
        assertTrue(ResultOptions.from(Map.of(ResultOptions.COMPRESS, true), "t1.nrrd")
                .compress());
        assertFalse(ResultOptions.from(Map.of(ResultOptions.COMPRESS, false), "t1.nrrd")
                .compress());
    }

    @Test
    void valuesOfTheWrongTypeAreRefusedNamingTheParameter() {
        assertRefused(Map.of(ResultOptions.EXTENSION, 5), "result_extension must be a string, got 5");
        assertRefused(Map.of(ResultOptions.DTYPE, 8), "result_dtype must be a string, got 8");
        assertRefused(Map.of(ResultOptions.DTYPE, List.of("uint8")), "result_dtype must be a string, got [uint8]");
        assertRefused(Map.of(ResultOptions.COMPRESS, 1), "result_compress must be true or false, got 1");
        assertRefused(Map.of(ResultOptions.COMPRESS, "yes"), "result_compress must be true or false, got 'yes'");
        assertRefused(Map.of(ResultOptions.COMPRESS, Map.of()), "result_compress must be true or false, got {}");
    }

    @Test
    void gzipIsTheExtensionForNiftiAndTheRequestForNrrd() {
        for (boolean compress : new boolean[] {false, true}) {
            assertTrue(new ResultOptions(ResultFormat.NII_GZ, VoxelType.UINT8, compress).gzip());
            assertFalse(new ResultOptions(ResultFormat.NII, VoxelType.UINT8, compress).gzip());
            assertEquals(compress, new ResultOptions(ResultFormat.NRRD, VoxelType.UINT8, compress).gzip());
            assertEquals(compress, new ResultOptions(ResultFormat.SEG_NRRD, VoxelType.UINT8, compress).gzip());
        }
    }

    private static void assertRefused(Map<String, Object> params, String message) {
        InvalidResultOptionsException e =
                assertThrows(InvalidResultOptionsException.class, () -> ResultOptions.from(params, "ct.nii.gz"));
        assertEquals(message, e.getMessage());
    }
}
