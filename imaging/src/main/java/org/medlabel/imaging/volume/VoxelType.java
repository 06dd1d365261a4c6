package org.medlabel.imaging.volume;

/** How voxel values are stored. Readers widen types without a counterpart here (int8 to INT16, uint16 to INT32). */
public enum VoxelType {
    UINT8(1),
    INT16(2),
    INT32(4),
    FLOAT32(4);

    private final int bytes;

    VoxelType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per voxel value. */
    public int bytes() {
        return bytes;
    }
}
