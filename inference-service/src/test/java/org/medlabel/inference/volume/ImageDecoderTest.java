package org.medlabel.inference.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.medlabel.imaging.io.ImageFormatException;
import org.medlabel.imaging.io.NiftiReader;
import org.medlabel.imaging.io.NrrdReader;
import org.medlabel.imaging.volume.Volume;

class ImageDecoderTest {

    private final ImageDecoder decoder = new ImageDecoder(Integer.MAX_VALUE);

    @Test
    void decodesGzippedNiftiAsTheReaderDoes() throws IOException {
        assertSameVolume(
                new NiftiReader().read(SharedData.T1_NII_GZ), decode(decoder, SharedData.T1_NII_GZ, "t1.nii.gz"));
    }

    @Test
    void decodesUncompressedNiftiAsTheReaderDoes() throws IOException {
        assertSameVolume(
                new NiftiReader().read(SharedData.ANATOMICAL_NII), decode(decoder, SharedData.ANATOMICAL_NII, "a.nii"));
    }

    @Test
    void decodesNrrdAsTheReaderDoes() throws IOException {
        Volume volume = decode(decoder, SharedData.T1_NRRD, "t1.nrrd");

        assertSameVolume(new NrrdReader().read(SharedData.T1_NRRD).volume(), volume);
        Volume nifti = new NiftiReader().read(SharedData.T1_NII_GZ);
        assertEquals(nifti.nx() * nifti.ny() * nifti.nz(), volume.nx() * volume.ny() * volume.nz(), "the same grid");
    }

    /** Several sequences of one scan: each volume a channel (a model of another channel count refuses it). */
    @Test
    void aFourDimensionalNiftiGivesEveryVolumeAsAChannel() throws IOException {
        Volume volume = decode(decoder, SharedData.FMRI_4D_NII_GZ, "fmri.nii.gz");

        assertSameVolume(new NiftiReader().read(SharedData.FMRI_4D_NII_GZ, NiftiReader.ALL_VOLUMES), volume);
        assertEquals(128 * 96 * 24, volume.voxelCount());
        assertEquals(2, volume.channels());
    }

    @Test
    void extensionsAreMatchedWhateverTheirCase() throws IOException {
        assertEquals(128, decode(decoder, SharedData.T1_NII_GZ, "T1.NII.GZ").nx());
    }

    @Test
    void imagesOverTheVoxelLimitAreRefusedAsTooLarge() {
        ImageDecoder small = new ImageDecoder(128 * 128 * 62 - 1);

        ImageTooLargeException nifti =
                assertThrows(ImageTooLargeException.class, () -> decode(small, SharedData.T1_NII_GZ, "t1.nii.gz"));
        ImageTooLargeException nrrd =
                assertThrows(ImageTooLargeException.class, () -> decode(small, SharedData.T1_NRRD, "t1.nrrd"));

        assertTrue(nifti.getMessage().startsWith("t1.nii.gz: "), nifti.getMessage());
        assertTrue(nifti.getMessage().contains(String.valueOf(128 * 128 * 62 - 1)), nifti.getMessage());
        assertTrue(nrrd.getMessage().contains(String.valueOf(128 * 128 * 62 - 1)), nrrd.getMessage());
    }

    @Test
    void imagesAtTheVoxelLimitAreDecoded() throws IOException {
        ImageDecoder exact = new ImageDecoder(128 * 128 * 62);

        assertEquals(
                128 * 128 * 62, decode(exact, SharedData.T1_NII_GZ, "t1.nii.gz").voxelCount());
        assertEquals(
                128 * 128 * 62, decode(exact, SharedData.T1_NRRD, "t1.nrrd").voxelCount());
    }

    @Test
    void corruptFilesAreFormatErrorsNotTooLarge() throws IOException {
        byte[] bytes = Files.readAllBytes(SharedData.ANATOMICAL_NII);
        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length / 2);

        ImageFormatException e = assertThrows(
                ImageFormatException.class, () -> decoder.decode(new ByteArrayInputStream(truncated), "a.nii"));
        assertFalse(e instanceof ImageFormatException && e.getCause() instanceof ImageTooLargeException);
    }

    @Test
    void otherFormatsAreRefusedNamingTheSupportedOnes() {
        for (String name : new String[] {"ct.mha", "ct.nhdr", "ct.dcm", "ct"}) {
            ImageFormatException e =
                    assertThrows(ImageFormatException.class, () -> decoder.decode(InputStream.nullInputStream(), name));
            assertTrue(e.getMessage().contains("'" + name + "'"), e.getMessage());
            assertTrue(
                    e.getMessage().contains(".nii, .nii.gz") && e.getMessage().contains(".nrrd"), e.getMessage());
        }
    }

    private static Volume decode(ImageDecoder decoder, Path file, String fileName) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return decoder.decode(in, fileName);
        }
    }

    static void assertSameVolume(Volume expected, Volume actual) {
        assertEquals(expected.toString(), actual.toString());
        assertEquals(expected.nx(), actual.nx());
        assertEquals(expected.ny(), actual.ny());
        assertEquals(expected.nz(), actual.nz());
        assertEquals(expected.channels(), actual.channels());
        assertEquals(expected.type(), actual.type());
        assertEquals(expected.affine(), actual.affine());
        for (int i = 0; i < expected.voxels().length(); i++) {
            if (expected.voxels().get(i) != actual.voxels().get(i)) {
                assertEquals(expected.voxels().get(i), actual.voxels().get(i), "voxel " + i);
            }
        }
    }
}
