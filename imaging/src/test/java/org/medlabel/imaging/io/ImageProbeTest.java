package org.medlabel.imaging.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medlabel.imaging.io.Oracle.SHARED_DATA;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.medlabel.imaging.volume.Volume;

/** A probe reports what a full read finds, streams through the data, and fails on files a read would refuse. */
class ImageProbeTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "ct_head_invesalius/ct.nii.gz",
                "nifti_format_samples/anatomical.nii",
                "nifti_format_samples/example4d.nii.gz",
                "nifti_format_samples/example_nifti2.nii.gz",
                "nrrd_samples/KmeansTest_T1_itk.nrrd",
                "nrrd_samples/KmeansTest_seg_itk.nrrd"
            })
    void probeReportsTheGridAFullReadFinds(String file) throws Exception {
        Path path = SHARED_DATA.resolve(file);
        boolean nrrd = file.endsWith(".nrrd");
        ImageHeader header;
        try (InputStream in = Files.newInputStream(path)) {
            header = nrrd ? new NrrdReader().probe(in) : new NiftiReader().probe(in);
        }
        Volume volume = nrrd ? new NrrdReader().read(path).volume() : new NiftiReader().read(path, 0);
        assertArrayEquals(new int[] {volume.nx(), volume.ny(), volume.nz()}, header.dimensions());
        assertTrue(volume.affine().approximatelyEquals(header.affine(), 1e-9));
        assertEquals(file.contains("4d") || file.contains("nifti2") ? 2 : 1, header.components());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ct_head_invesalius/ct.nii.gz", "nifti_format_samples/anatomical.nii"})
    void truncatedFilesFailTheProbe(String file) throws IOException {
        byte[] bytes = Files.readAllBytes(SHARED_DATA.resolve(file));
        byte[] cut = Arrays.copyOf(bytes, bytes.length - 1000);
        ImageFormatException e =
                assertThrows(ImageFormatException.class, () -> new NiftiReader().probe(new ByteArrayInputStream(cut)));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void aTruncatedUncompressedFileFailsWhenReadFromDiskToo(@TempDir Path dir) throws IOException {
        // a file stream may skip past the end without reading: the probe must still notice the missing bytes
        byte[] bytes = Files.readAllBytes(SHARED_DATA.resolve("nifti_format_samples/anatomical.nii"));
        Path cut = Files.write(dir.resolve("cut.nii"), Arrays.copyOf(bytes, bytes.length - 1000));
        try (InputStream in = Files.newInputStream(cut)) {
            ImageFormatException e = assertThrows(ImageFormatException.class, () -> new NiftiReader().probe(in));
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        }
    }

    @Test
    void truncatedNrrdFailsTheProbe() throws IOException {
        byte[] bytes = Files.readAllBytes(SHARED_DATA.resolve("nrrd_samples/KmeansTest_T1_itk.nrrd"));
        byte[] cut = Arrays.copyOf(bytes, bytes.length - 100);
        assertThrows(ImageFormatException.class, () -> new NrrdReader().probe(new ByteArrayInputStream(cut)));
    }

    @Test
    void hugeDeclaredDimensionsFailBeforeAnyAllocation() throws IOException {
        byte[] bytes = Files.readAllBytes(SHARED_DATA.resolve("nifti_format_samples/anatomical.nii"));
        // dim[1..3] of a big-endian NIfTI-1 header at bytes 42..47: 32767 each
        for (int offset = 42; offset < 48; offset += 2) {
            bytes[offset] = 0x7f;
            bytes[offset + 1] = (byte) 0xff;
        }
        ImageFormatException e = assertThrows(
                ImageFormatException.class,
                () -> new NiftiReader(512L * 512 * 512).probe(new ByteArrayInputStream(bytes)));
        assertTrue(e.getMessage().contains("exceeds the limit"), e.getMessage());
    }
}
