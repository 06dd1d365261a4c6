package org.medlabel.imaging.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.medlabel.imaging.volume.Affine;

/**
 * The fields of a NIfTI-1 (348-byte) or NIfTI-2 (540-byte) header that locate and interpret the voxels. Byte order is
 * detected from {@code sizeof_hdr}, as the standard prescribes.
 */
record NiftiHeader(
        int version,
        ByteOrder order,
        long[] dim,
        int datatype,
        double[] pixdim,
        long voxOffset,
        double sclSlope,
        double sclInter,
        int qformCode,
        int sformCode,
        double[] quatern,
        double[] qoffset,
        double[] srow,
        String descrip) {

    static final int NIFTI1_SIZE = 348;
    static final int NIFTI2_SIZE = 540;

    /** The size of this header on disk. */
    int headerSize() {
        return version == 2 ? NIFTI2_SIZE : NIFTI1_SIZE;
    }

    /** Reads the version and byte order from the first four bytes. */
    static int headerSize(byte[] first4) throws ImageFormatException {
        int le = ByteBuffer.wrap(first4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        int be = ByteBuffer.wrap(first4).order(ByteOrder.BIG_ENDIAN).getInt();
        if (le == NIFTI1_SIZE || be == NIFTI1_SIZE) {
            return NIFTI1_SIZE;
        }
        if (le == NIFTI2_SIZE || be == NIFTI2_SIZE) {
            return NIFTI2_SIZE;
        }
        throw new ImageFormatException("not a NIfTI file: sizeof_hdr is " + le + " (expected 348 or 540)");
    }

    static NiftiHeader parse(byte[] bytes) throws ImageFormatException {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int size = b.getInt(0);
        if (size != NIFTI1_SIZE && size != NIFTI2_SIZE) {
            b.order(ByteOrder.BIG_ENDIAN);
            size = b.getInt(0);
        }
        return size == NIFTI1_SIZE ? parse1(b) : parse2(b);
    }

    private static NiftiHeader parse1(ByteBuffer b) throws ImageFormatException {
        String magic = ascii(b, 344, 4);
        if (!magic.equals("n+1") && !magic.equals("ni1")) {
            throw new ImageFormatException("not a NIfTI-1 file: magic is '" + magic + "' (expected 'n+1' or 'ni1')");
        }
        if (magic.equals("ni1")) {
            throw new ImageFormatException("NIfTI-1 header/image pairs (.hdr/.img) are not supported; use a .nii file");
        }
        long[] dim = new long[8];
        for (int i = 0; i < 8; i++) {
            dim[i] = b.getShort(40 + 2 * i);
        }
        double[] pixdim = new double[8];
        for (int i = 0; i < 8; i++) {
            pixdim[i] = b.getFloat(76 + 4 * i);
        }
        double[] srow = new double[12];
        for (int i = 0; i < 12; i++) {
            srow[i] = b.getFloat(280 + 4 * i);
        }
        return new NiftiHeader(
                1,
                b.order(),
                dim,
                b.getShort(70),
                pixdim,
                (long) b.getFloat(108),
                b.getFloat(112),
                b.getFloat(116),
                b.getShort(252),
                b.getShort(254),
                new double[] {b.getFloat(256), b.getFloat(260), b.getFloat(264)},
                new double[] {b.getFloat(268), b.getFloat(272), b.getFloat(276)},
                srow,
                ascii(b, 148, 80));
    }

    private static NiftiHeader parse2(ByteBuffer b) throws ImageFormatException {
        String magic = ascii(b, 4, 3);
        if (!magic.equals("n+2")) {
            throw new ImageFormatException(
                    "not a single-file NIfTI-2 image: magic is '" + magic + "' (expected 'n+2')");
        }
        long[] dim = new long[8];
        for (int i = 0; i < 8; i++) {
            dim[i] = b.getLong(16 + 8 * i);
        }
        double[] pixdim = new double[8];
        for (int i = 0; i < 8; i++) {
            pixdim[i] = b.getDouble(104 + 8 * i);
        }
        double[] srow = new double[12];
        for (int i = 0; i < 12; i++) {
            srow[i] = b.getDouble(400 + 8 * i);
        }
        return new NiftiHeader(
                2,
                b.order(),
                dim,
                b.getShort(12),
                pixdim,
                b.getLong(168),
                b.getDouble(176),
                b.getDouble(184),
                b.getInt(344),
                b.getInt(348),
                new double[] {b.getDouble(352), b.getDouble(360), b.getDouble(368)},
                new double[] {b.getDouble(376), b.getDouble(384), b.getDouble(392)},
                srow,
                ascii(b, 240, 80));
    }

    private static String ascii(ByteBuffer b, int offset, int length) {
        byte[] raw = new byte[length];
        b.get(offset, raw);
        int end = 0;
        while (end < length && raw[end] != 0) {
            end++;
        }
        return new String(raw, 0, end, StandardCharsets.US_ASCII);
    }

    /** Whether voxel values are to be scaled: slope neither 0 nor NaN, and not the identity. */
    boolean scaled() {
        return sclSlope != 0
                && !Double.isNaN(sclSlope)
                && !(sclSlope == 1 && (sclInter == 0 || Double.isNaN(sclInter)));
    }

    /**
     * The voxel-to-world affine with nibabel's precedence (which MONAI's loaders use): the sform when its code is set,
     * else the qform when its code is set, else a centred, x-flipped scaling by pixdim (nibabel's "base affine").
     */
    Affine affine(int nx, int ny, int nz) {
        if (sformCode > 0) {
            return Affine.of(srow);
        }
        if (qformCode > 0) {
            return qformAffine();
        }
        double sx = -pixdim[1], sy = pixdim[2], sz = pixdim[3];
        return Affine.scaling(sx, sy, sz, -(nx - 1) / 2.0 * sx, -(ny - 1) / 2.0 * sy, -(nz - 1) / 2.0 * sz);
    }

    /** float32 rounding of b, c, d can leave 1 - (b^2 + c^2 + d^2) slightly off zero; nibabel treats that as a = 0. */
    private static final double QUATERNION_THRESHOLD = 3 * Math.ulp(1.0f);

    /**
     * The qform: rotation from the quaternion (a, b, c, d) with a = sqrt(1 - b^2 - c^2 - d^2), normalised, zooms from
     * pixdim, qfac = the sign of pixdim[0] (0 counts as 1). Computed as nibabel's {@code quat2mat} does.
     */
    Affine qformAffine() {
        double qb = quatern[0], qc = quatern[1], qd = quatern[2];
        double w2 = 1.0 - (qb * qb + qc * qc + qd * qd);
        double qa = Math.abs(w2) < QUATERNION_THRESHOLD || w2 < 0 ? 0 : Math.sqrt(w2);
        double norm = qa * qa + qb * qb + qc * qc + qd * qd;
        double s = 2.0 / norm;
        double x = qb * s, y = qc * s, z = qd * s;
        double wx = qa * x, wy = qa * y, wz = qa * z;
        double xx = qb * x, xy = qb * y, xz = qb * z;
        double yy = qc * y, yz = qc * z, zz = qd * z;
        double qfac = pixdim[0] < 0 ? -1 : 1;
        double dx = pixdim[1], dy = pixdim[2], dz = pixdim[3] * qfac;
        return Affine.of(
                (1 - (yy + zz)) * dx,
                (xy - wz) * dy,
                (xz + wy) * dz,
                qoffset[0],
                (xy + wz) * dx,
                (1 - (xx + zz)) * dy,
                (yz - wx) * dz,
                qoffset[1],
                (xz - wy) * dx,
                (yz + wx) * dy,
                (1 - (xx + yy)) * dz,
                qoffset[2]);
    }
}
