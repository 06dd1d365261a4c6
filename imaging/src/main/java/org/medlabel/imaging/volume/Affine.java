package org.medlabel.imaging.volume;

import java.util.Arrays;

/**
 * A voxel-to-world transform in RAS+ millimetres (the NIfTI convention): world = M * (i, j, k, 1). Row-major 4x4
 * whose last row is (0, 0, 0, 1). Immutable.
 */
public final class Affine {

    private final double[] m; // 12 values: the first three rows

    private Affine(double[] rows) {
        for (int i = 0; i < rows.length; i++) {
            rows[i] += 0.0; // -0.0 becomes 0.0, so that equal transforms are equal
        }
        this.m = rows;
    }

    /** From the first three rows, row-major (12 values) or the whole matrix (16 values, last row 0 0 0 1). */
    public static Affine of(double... rowMajor) {
        if (rowMajor.length != 12 && rowMajor.length != 16) {
            throw new IllegalArgumentException("an affine has 12 or 16 values, not " + rowMajor.length);
        }
        if (rowMajor.length == 16
                && (rowMajor[12] != 0 || rowMajor[13] != 0 || rowMajor[14] != 0 || rowMajor[15] != 1)) {
            throw new IllegalArgumentException("the last row of an affine must be 0 0 0 1");
        }
        for (int i = 0; i < 12; i++) {
            if (!Double.isFinite(rowMajor[i])) {
                throw new IllegalArgumentException("affine value " + i + " is not finite: " + rowMajor[i]);
            }
        }
        return new Affine(Arrays.copyOf(rowMajor, 12));
    }

    /** Axis-aligned: diag(spacing) with the given origin. */
    public static Affine scaling(double sx, double sy, double sz, double ox, double oy, double oz) {
        return of(sx, 0, 0, ox, 0, sy, 0, oy, 0, 0, sz, oz);
    }

    /** Element (row, column), both 0..3. */
    public double get(int row, int column) {
        if (row == 3) {
            return column == 3 ? 1 : 0;
        }
        return m[row * 4 + column];
    }

    /** All 16 values, row-major. */
    public double[] toArray() {
        double[] all = Arrays.copyOf(m, 16);
        all[15] = 1;
        return all;
    }

    /** The length of each voxel axis in millimetres: the norms of the first three columns. */
    public double[] spacing() {
        double[] s = new double[3];
        for (int c = 0; c < 3; c++) {
            s[c] = Math.sqrt(sq(m[c]) + sq(m[4 + c]) + sq(m[8 + c]));
        }
        return s;
    }

    /** The world position of voxel centre (i, j, k). */
    public double[] apply(double i, double j, double k) {
        return new double[] {
            m[0] * i + m[1] * j + m[2] * k + m[3],
            m[4] * i + m[5] * j + m[6] * k + m[7],
            m[8] * i + m[9] * j + m[10] * k + m[11]
        };
    }

    /** this * other: first other, then this. */
    public Affine multiply(Affine other) {
        double[] r = new double[12];
        for (int row = 0; row < 3; row++) {
            for (int col = 0; col < 4; col++) {
                double v = 0;
                for (int k = 0; k < 4; k++) {
                    v += get(row, k) * other.get(k, col);
                }
                r[row * 4 + col] = v;
            }
        }
        return new Affine(r);
    }

    /** The inverse transform (world to voxel). */
    public Affine inverse() {
        double a = m[0], b = m[1], c = m[2], d = m[4], e = m[5], f = m[6], g = m[8], h = m[9], i = m[10];
        double det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
        if (Math.abs(det) < 1e-12) {
            throw new IllegalStateException("affine is singular (determinant " + det + ")");
        }
        double[] inv = {
            (e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det, 0,
            (f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det, 0,
            (d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det, 0
        };
        for (int row = 0; row < 3; row++) {
            inv[row * 4 + 3] = -(inv[row * 4] * m[3] + inv[row * 4 + 1] * m[7] + inv[row * 4 + 2] * m[11]);
        }
        return new Affine(inv);
    }

    /** Whether every element differs from {@code other}'s by at most {@code tolerance}. */
    public boolean approximatelyEquals(Affine other, double tolerance) {
        for (int i = 0; i < 12; i++) {
            if (Math.abs(m[i] - other.m[i]) > tolerance) {
                return false;
            }
        }
        return true;
    }

    private static double sq(double v) {
        return v * v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Affine other && Arrays.equals(m, other.m);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(m);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Affine[");
        for (int row = 0; row < 3; row++) {
            s.append(row == 0 ? "" : "; ")
                    .append(m[row * 4])
                    .append(' ')
                    .append(m[row * 4 + 1])
                    .append(' ')
                    .append(m[row * 4 + 2])
                    .append(' ')
                    .append(m[row * 4 + 3]);
        }
        return s.append(']').toString();
    }
}
