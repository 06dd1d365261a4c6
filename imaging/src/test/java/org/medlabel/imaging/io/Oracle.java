package org.medlabel.imaging.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.testinfra.PythonOracle;

/** nibabel as an independent oracle: {@code src/test/python/nifti_oracle.py}'s view of a file, compared with ours. */
public final class Oracle {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static final Path SHARED_DATA = Path.of(System.getProperty("medlabel.shared.data", "../../shared/data"))
            .normalize();

    private Oracle() {}

    static JsonNode describe(Path nifti, int volumeIndex) throws IOException, InterruptedException {
        return JSON.readTree(PythonOracle.run("nifti_oracle.py", nifti, Math.max(volumeIndex, 0)));
    }

    /** SHA-256 of the voxels as little-endian float64, x fastest: the oracle's digest. */
    public static String digest(VoxelBuffer voxels) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteBuffer chunk = ByteBuffer.allocate(8 * 4096).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < voxels.length(); i++) {
                chunk.putDouble(voxels.get(i));
                if (!chunk.hasRemaining()) {
                    sha.update(chunk.array(), 0, chunk.position());
                    chunk.clear();
                }
            }
            sha.update(chunk.array(), 0, chunk.position());
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Affine affine(JsonNode matrix) {
        double[] values = new double[16];
        for (int r = 0; r < 4; r++) {
            for (int c = 0; c < 4; c++) {
                values[r * 4 + c] = matrix.get(r).get(c).asDouble();
            }
        }
        return Affine.of(values);
    }

    /** Shape, affine (within {@code tolerance} mm) and, when the types allow, every voxel exactly. */
    public static void assertSameAsNibabel(Volume volume, JsonNode expected, double tolerance) {
        assertEquals(expected.get("shape").get(0).asInt(), volume.nx());
        assertEquals(expected.get("shape").get(1).asInt(), volume.ny());
        assertEquals(expected.get("shape").get(2).asInt(), volume.nz());
        Affine nib = affine(expected.get("affine"));
        assertTrue(volume.affine().approximatelyEquals(nib, tolerance), volume.affine() + " vs nibabel " + nib);
        boolean exact = !expected.get("scaled").asBoolean()
                && !expected.get("dtype").asText().endsWith("f8");
        if (exact) {
            assertEquals(
                    expected.get("sha256").asText(), digest(volume.voxels()), "voxel values differ from nibabel's");
        } else {
            double sum = 0;
            double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < volume.voxels().length(); i++) {
                double v = volume.voxels().get(i);
                sum += v;
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            double expectedSum = expected.get("sum").asDouble();
            assertEquals(expectedSum, sum, 1e-6 * Math.max(1, Math.abs(expectedSum)));
            assertEquals(expected.get("min").asDouble(), min, 1e-6 * Math.max(1, Math.abs(min)));
            assertEquals(expected.get("max").asDouble(), max, 1e-6 * Math.max(1, Math.abs(max)));
        }
    }

    public static Path tempFile(String suffix) throws IOException {
        Path file = Files.createTempFile("medlabel-nifti", suffix);
        file.toFile().deleteOnExit();
        return file;
    }
}
