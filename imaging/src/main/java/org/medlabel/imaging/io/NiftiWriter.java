package org.medlabel.imaging.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;

/**
 * Writes a volume as a single-file NIfTI-1 image, little-endian; {@code .nii.gz} names are gzip-compressed (fastest
 * level: results go straight back to an annotator). Both the sform (exact) and the qform (the affine's rotation and
 * zooms; a sheared affine is only approximated there) are written with code 1, scanner-based, so Slicer, ITK and
 * nibabel agree on the geometry. A multi-channel volume becomes a 4D image, one channel per volume.
 */
public final class NiftiWriter {

    private static final int CHUNK = 1 << 16;

    public void write(Volume volume, Path path) throws IOException {
        boolean gzip = path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz");
        try (OutputStream out = Files.newOutputStream(path)) {
            write(volume, out, gzip);
        }
    }

    /** Writes to a stream, compressed or not; the stream is flushed but not closed. */
    public void write(Volume volume, OutputStream target, boolean gzip) throws IOException {
        OutputStream buffered = new BufferedOutputStream(target, CHUNK);
        GZIPOutputStream compressed = gzip ? Compression.fastGzip(buffered) : null;
        OutputStream out = gzip ? compressed : buffered;
        out.write(header(volume));
        VoxelEncoder.write(volume, false, out);
        if (compressed != null) {
            compressed.finish();
        }
        out.flush();
    }

    private static byte[] header(Volume v) {
        if (Math.max(Math.max(v.nx(), v.ny()), Math.max(v.nz(), v.channels())) > Short.MAX_VALUE) {
            throw new IllegalArgumentException("NIfTI-1 dimensions are at most 32767: " + v);
        }
        ByteBuffer b = ByteBuffer.allocate(NiftiHeader.NIFTI1_SIZE + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, NiftiHeader.NIFTI1_SIZE);
        b.put(38, (byte) 'r'); // "regular", as nibabel writes
        short[] dim = {
            (short) (v.channels() > 1 ? 4 : 3),
            (short) v.nx(),
            (short) v.ny(),
            (short) v.nz(),
            (short) v.channels(),
            1,
            1,
            1
        };
        for (int i = 0; i < 8; i++) {
            b.putShort(40 + 2 * i, dim[i]);
        }
        b.putShort(70, (short) DiskType.of(v.type()).niftiCode);
        b.putShort(72, (short) (v.type().bytes() * 8));

        Affine a = v.affine();
        Qform q = Qform.of(a);
        float[] pixdim = {(float) q.qfac, (float) q.zooms[0], (float) q.zooms[1], (float) q.zooms[2], 1, 1, 1, 1};
        for (int i = 0; i < 8; i++) {
            b.putFloat(76 + 4 * i, pixdim[i]);
        }
        b.putFloat(108, NiftiHeader.NIFTI1_SIZE + 4); // vox_offset
        b.putFloat(112, 0); // scl_slope 0: values are stored unscaled
        b.put(123, (byte) (2 | 8)); // xyzt_units: mm, s
        byte[] descrip = "MedLabel".getBytes(StandardCharsets.US_ASCII);
        b.put(148, descrip);
        b.putShort(252, (short) 1); // qform_code: scanner
        b.putShort(254, (short) 1); // sform_code: scanner
        b.putFloat(256, (float) q.b);
        b.putFloat(260, (float) q.c);
        b.putFloat(264, (float) q.d);
        b.putFloat(268, (float) a.get(0, 3));
        b.putFloat(272, (float) a.get(1, 3));
        b.putFloat(276, (float) a.get(2, 3));
        for (int row = 0; row < 3; row++) {
            for (int col = 0; col < 4; col++) {
                b.putFloat(280 + 16 * row + 4 * col, (float) a.get(row, col));
            }
        }
        b.put(344, "n+1\0".getBytes(StandardCharsets.US_ASCII));
        // bytes 348..351: no extensions
        return b.array();
    }

    /**
     * The qform parameters of an affine: zooms (column norms), qfac (-1 for a left-handed affine, whose third column
     * is flipped) and the unit quaternion (b, c, d) of the remaining rotation, with a >= 0.
     */
    record Qform(double[] zooms, double qfac, double b, double c, double d) {
        static Qform of(Affine a) {
            double[] zooms = a.spacing();
            double[][] r = new double[3][3];
            for (int row = 0; row < 3; row++) {
                for (int col = 0; col < 3; col++) {
                    r[row][col] = a.get(row, col) / zooms[col];
                }
            }
            double det = r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1])
                    - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0])
                    + r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
            double qfac = 1;
            if (det < 0) {
                qfac = -1;
                for (int row = 0; row < 3; row++) {
                    r[row][2] = -r[row][2];
                }
            }
            double qa, qb, qc, qd;
            double trace = r[0][0] + r[1][1] + r[2][2] + 1;
            if (trace > 0.5) {
                qa = 0.5 * Math.sqrt(trace);
                qb = 0.25 * (r[2][1] - r[1][2]) / qa;
                qc = 0.25 * (r[0][2] - r[2][0]) / qa;
                qd = 0.25 * (r[1][0] - r[0][1]) / qa;
            } else {
                double xd = 1 + r[0][0] - (r[1][1] + r[2][2]);
                double yd = 1 + r[1][1] - (r[0][0] + r[2][2]);
                double zd = 1 + r[2][2] - (r[0][0] + r[1][1]);
                if (xd > 1) {
                    qb = 0.5 * Math.sqrt(xd);
                    qc = 0.25 * (r[0][1] + r[1][0]) / qb;
                    qd = 0.25 * (r[0][2] + r[2][0]) / qb;
                    qa = 0.25 * (r[2][1] - r[1][2]) / qb;
                } else if (yd > 1) {
                    qc = 0.5 * Math.sqrt(yd);
                    qb = 0.25 * (r[0][1] + r[1][0]) / qc;
                    qd = 0.25 * (r[1][2] + r[2][1]) / qc;
                    qa = 0.25 * (r[0][2] - r[2][0]) / qc;
                } else {
                    qd = 0.5 * Math.sqrt(zd);
                    qb = 0.25 * (r[0][2] + r[2][0]) / qd;
                    qc = 0.25 * (r[1][2] + r[2][1]) / qd;
                    qa = 0.25 * (r[1][0] - r[0][1]) / qd;
                }
                if (qa < 0) {
                    qb = -qb;
                    qc = -qc;
                    qd = -qd;
                }
            }
            return new Qform(zooms, qfac, qb, qc, qd);
        }
    }
}
