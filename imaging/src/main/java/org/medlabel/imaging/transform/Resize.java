package org.medlabel.imaging.transform;

import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/**
 * Resizing to a fixed number of voxels per axis, as MONAI's {@code Resize} (DeepEdit's 128^3 input): the image's
 * extent, voxel edge to voxel edge, is kept, so the affine's spacing scales by {@code old / new} and the origin moves
 * by half a voxel difference. {@link Mode#LINEAR} is torch's trilinear with {@code align_corners=False};
 * {@link Mode#AREA} averages the source voxels each target voxel covers (torch's adaptive average pooling), for
 * shrinking. Result float32.
 */
public final class Resize {

    /** Interpolation of the resize. */
    public enum Mode {
        LINEAR,
        AREA
    }

    private final int[] size;
    private final Mode mode;
    private final Resampler resampler;

    public Resize(Resampler resampler, int nx, int ny, int nz, Mode mode) {
        if (nx < 1 || ny < 1 || nz < 1) {
            throw new IllegalArgumentException("target size must be >= 1, was " + nx + "x" + ny + "x" + nz);
        }
        this.resampler = resampler;
        this.size = new int[] {nx, ny, nz};
        this.mode = mode;
    }

    /** The grid of the resized image: target voxel i sits at source position (i + 0.5) * old / new - 0.5. */
    public Grid targetGrid(Grid source) {
        int[] old = {source.nx(), source.ny(), source.nz()};
        double[] scale = new double[3];
        double[] offset = new double[3];
        for (int a = 0; a < 3; a++) {
            scale[a] = (double) old[a] / size[a];
            offset[a] = 0.5 * scale[a] - 0.5;
        }
        Affine toSource = Affine.scaling(scale[0], scale[1], scale[2], offset[0], offset[1], offset[2]);
        return new Grid(size[0], size[1], size[2], source.affine().multiply(toSource));
    }

    public Volume apply(Volume in) {
        Grid target = targetGrid(Grid.of(in));
        if (mode == Mode.LINEAR) {
            return resampler.resample(in, target, Interpolation.LINEAR);
        }
        float[] values = new float[in.voxels().length()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) in.voxels().get(i);
        }
        int[] dims = {in.nx(), in.ny(), in.nz()};
        for (int axis = 0; axis < 3; axis++) {
            values = pool(values, dims, axis, size[axis], in.channels());
            dims[axis] = size[axis];
        }
        return new Volume(size[0], size[1], size[2], in.channels(), target.affine(), new VoxelBuffer.Float32(values));
    }

    /** Adaptive average pooling along one axis: out[i] = mean of in[floor(i*n/m) .. ceil((i+1)*n/m)). */
    private static float[] pool(float[] in, int[] dims, int axis, int out, int channels) {
        int n = dims[axis];
        int[] outDims = dims.clone();
        outDims[axis] = out;
        int stride = axis == 0 ? 1 : axis == 1 ? dims[0] : dims[0] * dims[1];
        int outStride = axis == 0 ? 1 : axis == 1 ? outDims[0] : outDims[0] * outDims[1];
        int inVoxels = dims[0] * dims[1] * dims[2];
        int outVoxels = outDims[0] * outDims[1] * outDims[2];
        float[] result = new float[channels * outVoxels];
        int inner = stride; // positions before the axis
        int outer = inVoxels / (stride * n); // positions after the axis
        for (int c = 0; c < channels; c++) {
            for (int o = 0; o < outer; o++) {
                for (int k = 0; k < inner; k++) {
                    int inBase = c * inVoxels + o * stride * n + k;
                    int outBase = c * outVoxels + o * outStride * out + k;
                    for (int i = 0; i < out; i++) {
                        int start = (int) Math.floor((double) i * n / out);
                        int end = (int) Math.ceil((double) (i + 1) * n / out);
                        double s = 0;
                        for (int j = start; j < end; j++) {
                            s += in[inBase + j * stride];
                        }
                        result[outBase + i * outStride] = (float) (s / (end - start));
                    }
                }
            }
        }
        return result;
    }
}
