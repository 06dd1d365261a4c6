package org.medlabel.imaging.io;

import org.medlabel.imaging.volume.VoxelType;

/** The NIfTI datatypes MedLabel reads, with the {@link VoxelType} each is stored as (widened where needed). */
enum NiftiDatatype {
    UINT8(2, 1, VoxelType.UINT8),
    INT16(4, 2, VoxelType.INT16),
    INT32(8, 4, VoxelType.INT32),
    FLOAT32(16, 4, VoxelType.FLOAT32),
    /** Stored as float32: medical intensities do not need double precision. */
    FLOAT64(64, 8, VoxelType.FLOAT32),
    INT8(256, 1, VoxelType.INT16),
    UINT16(512, 2, VoxelType.INT32);

    final int code;
    final int bytes;
    final VoxelType storedAs;

    NiftiDatatype(int code, int bytes, VoxelType storedAs) {
        this.code = code;
        this.bytes = bytes;
        this.storedAs = storedAs;
    }

    static NiftiDatatype ofCode(int code) throws ImageFormatException {
        for (NiftiDatatype t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new ImageFormatException("unsupported NIfTI datatype " + code
                + " (supported: uint8, int8, int16, uint16, int32, float32, float64)");
    }

    static int codeOf(VoxelType type) {
        return switch (type) {
            case UINT8 -> UINT8.code;
            case INT16 -> INT16.code;
            case INT32 -> INT32.code;
            case FLOAT32 -> FLOAT32.code;
        };
    }
}
