package org.medlabel.imaging.transform;

import java.util.List;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.imaging.volume.VoxelType;

/**
 * Operations across the channels of a volume: softmax of network outputs, argmax into a label map, stacking inputs.
 */
public final class Channels {

    private final Parallel parallel;

    public Channels(Parallel parallel) {
        this.parallel = parallel;
    }

    /** Channels stacked in order into one float32 volume on the first one's grid. */
    public static Volume stack(List<Volume> volumes) {
        Volume first = volumes.get(0);
        int n = first.voxelCount();
        int total = volumes.stream().mapToInt(Volume::channels).sum();
        float[] out = new float[total * n];
        int offset = 0;
        for (Volume v : volumes) {
            float[] values = v.voxels().floats(0, v.channels() * n);
            System.arraycopy(values, 0, out, offset, values.length);
            offset += values.length;
        }
        return new Volume(first.nx(), first.ny(), first.nz(), total, first.affine(), new VoxelBuffer.Float32(out));
    }

    /** The index of the largest channel per voxel (the first on ties), as uint8 (int16 beyond 255 channels). */
    public Volume argmax(Volume scores) {
        int channels = scores.channels(), n = scores.voxelCount();
        float[] s = scores.voxels().floats(0, scores.voxels().length());
        VoxelBuffer out = VoxelBuffer.allocate(channels <= 256 ? VoxelType.UINT8 : VoxelType.INT16, n);
        int rows = scores.ny() * scores.nz(), nx = scores.nx();
        parallel.forEach(rows, (long) n * channels, row -> {
            int[] best = new int[nx];
            float[] max = new float[nx];
            System.arraycopy(s, row * nx, max, 0, nx);
            for (int c = 1; c < channels; c++) {
                int base = c * n + row * nx;
                for (int x = 0; x < nx; x++) {
                    if (s[base + x] > max[x]) {
                        max[x] = s[base + x];
                        best[x] = c;
                    }
                }
            }
            if (out instanceof VoxelBuffer.UInt8 u) {
                byte[] a = u.array();
                for (int x = 0; x < nx; x++) {
                    a[row * nx + x] = (byte) best[x];
                }
            } else {
                short[] a = ((VoxelBuffer.Int16) out).array();
                for (int x = 0; x < nx; x++) {
                    a[row * nx + x] = (short) best[x];
                }
            }
        });
        return new Volume(scores.nx(), scores.ny(), scores.nz(), scores.affine(), out);
    }

    /** Softmax over the channels per voxel, computed stably (the maximum is subtracted first). */
    public Volume softmax(Volume logits) {
        int channels = logits.channels(), n = logits.voxelCount();
        float[] s = logits.voxels().floats(0, logits.voxels().length());
        float[] out = new float[s.length];
        int rows = logits.ny() * logits.nz(), nx = logits.nx();
        parallel.forEach(rows, (long) n * channels, row -> {
            float[] max = new float[nx];
            float[] sum = new float[nx];
            System.arraycopy(s, row * nx, max, 0, nx);
            for (int c = 1; c < channels; c++) {
                for (int x = 0; x < nx; x++) {
                    float v = s[c * n + row * nx + x];
                    max[x] = v > max[x] ? v : max[x];
                }
            }
            for (int c = 0; c < channels; c++) {
                int base = c * n + row * nx;
                for (int x = 0; x < nx; x++) {
                    float e = (float) Math.exp(s[base + x] - max[x]);
                    out[base + x] = e;
                    sum[x] += e;
                }
            }
            for (int c = 0; c < channels; c++) {
                int base = c * n + row * nx;
                for (int x = 0; x < nx; x++) {
                    out[base + x] /= sum[x];
                }
            }
        });
        return new Volume(
                logits.nx(), logits.ny(), logits.nz(), channels, logits.affine(), new VoxelBuffer.Float32(out));
    }
}
