package org.medlabel.imaging.volume;

import java.util.Objects;

/**
 * A 3D image, optionally with several channels: dimensions {@code nx * ny * nz}, voxel values in a {@link VoxelBuffer}
 * (x fastest, then y, z, channel) and the voxel-to-world {@link Affine} in RAS+ millimetres. The buffer is shared, not
 * copied: a volume is a view that transforms replace rather than mutate.
 */
public final class Volume {

    private final int nx;
    private final int ny;
    private final int nz;
    private final int channels;
    private final Affine affine;
    private final VoxelBuffer voxels;

    public Volume(int nx, int ny, int nz, int channels, Affine affine, VoxelBuffer voxels) {
        if (nx < 1 || ny < 1 || nz < 1 || channels < 1) {
            throw new IllegalArgumentException(
                    "dimensions must be >= 1, were " + nx + "x" + ny + "x" + nz + " with " + channels + " channel(s)");
        }
        this.affine = Objects.requireNonNull(affine, "affine");
        this.voxels = Objects.requireNonNull(voxels, "voxels");
        long expected = (long) nx * ny * nz * channels;
        if (voxels.length() != expected) {
            throw new IllegalArgumentException("a " + nx + "x" + ny + "x" + nz + "x" + channels + " volume needs "
                    + expected + " values, the buffer has " + voxels.length());
        }
        this.nx = nx;
        this.ny = ny;
        this.nz = nz;
        this.channels = channels;
    }

    /** A single-channel volume. */
    public Volume(int nx, int ny, int nz, Affine affine, VoxelBuffer voxels) {
        this(nx, ny, nz, 1, affine, voxels);
    }

    /** A zero-filled volume. */
    public static Volume zeros(int nx, int ny, int nz, int channels, VoxelType type, Affine affine) {
        return new Volume(nx, ny, nz, channels, affine, VoxelBuffer.allocate(type, (long) nx * ny * nz * channels));
    }

    public int nx() {
        return nx;
    }

    public int ny() {
        return ny;
    }

    public int nz() {
        return nz;
    }

    public int channels() {
        return channels;
    }

    /** Voxels per channel. */
    public int voxelCount() {
        return nx * ny * nz;
    }

    public Affine affine() {
        return affine;
    }

    public double[] spacing() {
        return affine.spacing();
    }

    public VoxelType type() {
        return voxels.type();
    }

    public VoxelBuffer voxels() {
        return voxels;
    }

    /** The buffer index of voxel (x, y, z) in channel c. */
    public int index(int x, int y, int z, int c) {
        return ((c * nz + z) * ny + y) * nx + x;
    }

    public double get(int x, int y, int z) {
        return voxels.get(index(x, y, z, 0));
    }

    public double get(int x, int y, int z, int c) {
        return voxels.get(index(x, y, z, c));
    }

    /** The same voxels on another grid placement (the dimensions stay). */
    public Volume withAffine(Affine newAffine) {
        return new Volume(nx, ny, nz, channels, newAffine, voxels);
    }

    @Override
    public String toString() {
        return "Volume[" + nx + "x" + ny + "x" + nz + (channels > 1 ? "x" + channels + "ch" : "") + " " + type() + " "
                + affine + "]";
    }
}
