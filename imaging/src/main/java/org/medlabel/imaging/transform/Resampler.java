package org.medlabel.imaging.transform;

import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.imaging.volume.VoxelType;

/**
 * Resamples a volume onto another grid by world position: each target voxel centre is mapped into the source's voxel
 * space and interpolated there; positions outside the source take the nearest border value (MONAI's "border"
 * padding). Axis-aligned mappings (the usual case: a change of spacing) take a separable fast path with per-axis
 * tables; any other affine is handled voxel by voxel. {@link Interpolation#LINEAR} produces float32;
 * {@link Interpolation#NEAREST} keeps the source's voxel type, so label values stay exact.
 */
public final class Resampler {

    private static final double AXIS_ALIGNED = 1e-9;

    private final Parallel parallel;

    public Resampler(Parallel parallel) {
        this.parallel = parallel;
    }

    public Volume resample(Volume source, Grid target, Interpolation interpolation) {
        // Target voxel -> world -> source voxel.
        double[] m = source.affine().inverse().multiply(target.affine()).toArray();
        VoxelType type = interpolation == Interpolation.LINEAR ? VoxelType.FLOAT32 : source.type();
        Volume out = Volume.zeros(target.nx(), target.ny(), target.nz(), source.channels(), type, target.affine());
        boolean aligned = Math.abs(m[1]) < AXIS_ALIGNED
                && Math.abs(m[2]) < AXIS_ALIGNED
                && Math.abs(m[4]) < AXIS_ALIGNED
                && Math.abs(m[6]) < AXIS_ALIGNED
                && Math.abs(m[8]) < AXIS_ALIGNED
                && Math.abs(m[9]) < AXIS_ALIGNED;
        for (int c = 0; c < source.channels(); c++) {
            if (interpolation == Interpolation.LINEAR) {
                float[] src = source.voxels().floats(c * source.voxelCount(), source.voxelCount());
                float[] dst = ((VoxelBuffer.Float32) out.voxels()).array();
                if (aligned) {
                    linearAligned(source, src, out, dst, c, m);
                } else {
                    linearGeneral(source, src, out, dst, c, m);
                }
            } else {
                nearest(source, out, c, m, aligned);
            }
        }
        return out;
    }

    /** Per-axis interpolation table: lower index, upper index and the upper weight, positions clamped to the border. */
    private record Axis(int[] lo, int[] hi, float[] w) {
        static Axis of(int outSize, int inSize, double scale, double offset) {
            int[] lo = new int[outSize];
            int[] hi = new int[outSize];
            float[] w = new float[outSize];
            for (int i = 0; i < outSize; i++) {
                double p = clamp(scale * i + offset, inSize);
                int f = (int) Math.floor(p);
                lo[i] = f;
                hi[i] = Math.min(f + 1, inSize - 1);
                w[i] = (float) (p - f);
            }
            return new Axis(lo, hi, w);
        }
    }

    private void linearAligned(Volume s, float[] src, Volume o, float[] dst, int c, double[] m) {
        Axis ax = Axis.of(o.nx(), s.nx(), m[0], m[3]);
        Axis ay = Axis.of(o.ny(), s.ny(), m[5], m[7]);
        Axis az = Axis.of(o.nz(), s.nz(), m[10], m[11]);
        int sx = s.nx(), sxy = s.nx() * s.ny();
        int base = c * o.voxelCount();
        parallel.forEach(o.nz(), o.voxelCount(), z -> {
            int z0 = az.lo[z] * sxy, z1 = az.hi[z] * sxy;
            float wz = az.w[z];
            for (int y = 0; y < o.ny(); y++) {
                int y0 = ay.lo[y] * sx, y1 = ay.hi[y] * sx;
                float wy = ay.w[y];
                int row = base + (z * o.ny() + y) * o.nx();
                for (int x = 0; x < o.nx(); x++) {
                    dst[row + x] = trilinear(src, z0, z1, y0, y1, ax.lo[x], ax.hi[x], ax.w[x], wy, wz);
                }
            }
        });
    }

    private void linearGeneral(Volume s, float[] src, Volume o, float[] dst, int c, double[] m) {
        int nx = s.nx(), ny = s.ny(), nz = s.nz(), sxy = nx * ny;
        int base = c * o.voxelCount();
        parallel.forEach(o.nz(), o.voxelCount(), z -> {
            for (int y = 0; y < o.ny(); y++) {
                int row = base + (z * o.ny() + y) * o.nx();
                for (int x = 0; x < o.nx(); x++) {
                    double px = clamp(m[0] * x + m[1] * y + m[2] * z + m[3], nx);
                    double py = clamp(m[4] * x + m[5] * y + m[6] * z + m[7], ny);
                    double pz = clamp(m[8] * x + m[9] * y + m[10] * z + m[11], nz);
                    int x0 = (int) px, y0 = (int) py, z0 = (int) pz;
                    int x1 = Math.min(x0 + 1, nx - 1), y1 = Math.min(y0 + 1, ny - 1), z1 = Math.min(z0 + 1, nz - 1);
                    float wx = (float) (px - x0), wy = (float) (py - y0), wz = (float) (pz - z0);
                    dst[row + x] = trilinear(src, z0 * sxy, z1 * sxy, y0 * nx, y1 * nx, x0, x1, wx, wy, wz);
                }
            }
        });
    }

    /** Interpolates between the 8 voxels at slice offsets z0/z1, row offsets y0/y1 and columns x0/x1. */
    private static float trilinear(
            float[] src, int z0, int z1, int y0, int y1, int x0, int x1, float wx, float wy, float wz) {
        float c00 = src[z0 + y0 + x0] + wx * (src[z0 + y0 + x1] - src[z0 + y0 + x0]);
        float c01 = src[z0 + y1 + x0] + wx * (src[z0 + y1 + x1] - src[z0 + y1 + x0]);
        float c10 = src[z1 + y0 + x0] + wx * (src[z1 + y0 + x1] - src[z1 + y0 + x0]);
        float c11 = src[z1 + y1 + x0] + wx * (src[z1 + y1 + x1] - src[z1 + y1 + x0]);
        float c0 = c00 + wy * (c01 - c00);
        float c1 = c10 + wy * (c11 - c10);
        return c0 + wz * (c1 - c0);
    }

    private void nearest(Volume s, Volume o, int c, double[] m, boolean aligned) {
        int nx = s.nx(), ny = s.ny(), nz = s.nz();
        int srcBase = c * s.voxelCount(), dstBase = c * o.voxelCount();
        VoxelBuffer src = s.voxels(), dst = o.voxels();
        int[] ix = aligned ? nearestTable(o.nx(), nx, m[0], m[3]) : null;
        int[] iy = aligned ? nearestTable(o.ny(), ny, m[5], m[7]) : null;
        int[] iz = aligned ? nearestTable(o.nz(), nz, m[10], m[11]) : null;
        parallel.forEach(o.nz(), o.voxelCount(), z -> {
            for (int y = 0; y < o.ny(); y++) {
                int row = dstBase + (z * o.ny() + y) * o.nx();
                for (int x = 0; x < o.nx(); x++) {
                    int sx, sy, sz;
                    if (aligned) {
                        sx = ix[x];
                        sy = iy[y];
                        sz = iz[z];
                    } else {
                        sx = round(clamp(m[0] * x + m[1] * y + m[2] * z + m[3], nx));
                        sy = round(clamp(m[4] * x + m[5] * y + m[6] * z + m[7], ny));
                        sz = round(clamp(m[8] * x + m[9] * y + m[10] * z + m[11], nz));
                    }
                    copy(src, srcBase + (sz * ny + sy) * nx + sx, dst, row + x);
                }
            }
        });
    }

    private static void copy(VoxelBuffer src, int from, VoxelBuffer dst, int to) {
        if (src instanceof VoxelBuffer.UInt8 a) {
            ((VoxelBuffer.UInt8) dst).array()[to] = a.array()[from];
        } else if (src instanceof VoxelBuffer.Int16 a) {
            ((VoxelBuffer.Int16) dst).array()[to] = a.array()[from];
        } else if (src instanceof VoxelBuffer.Int32 a) {
            ((VoxelBuffer.Int32) dst).array()[to] = a.array()[from];
        } else {
            ((VoxelBuffer.Float32) dst).array()[to] = ((VoxelBuffer.Float32) src).array()[from];
        }
    }

    private static int[] nearestTable(int outSize, int inSize, double scale, double offset) {
        int[] t = new int[outSize];
        for (int i = 0; i < outSize; i++) {
            t[i] = round(clamp(scale * i + offset, inSize));
        }
        return t;
    }

    /** Half up, as scipy.ndimage does for order 0. */
    private static int round(double p) {
        return (int) Math.floor(p + 0.5);
    }

    private static double clamp(double p, int size) {
        return p < 0 ? 0 : Math.min(p, size - 1);
    }
}
