package org.medlabel.imaging.io;

import java.util.List;
import java.util.Locale;
import org.medlabel.imaging.volume.VoxelType;

/**
 * How voxel values are stored in a file, the names NIfTI and NRRD give them, and the {@link VoxelType} each is read
 * into (widened where needed; float64 narrowed to float32, enough for medical intensities).
 */
enum DiskType {
    UINT8(2, 1, VoxelType.UINT8, "uchar", "unsigned char", "uint8", "uint8_t"),
    INT16(4, 2, VoxelType.INT16, "short", "short int", "signed short", "signed short int", "int16", "int16_t"),
    INT32(8, 4, VoxelType.INT32, "int", "signed int", "int32", "int32_t"),
    FLOAT32(16, 4, VoxelType.FLOAT32, "float"),
    FLOAT64(64, 8, VoxelType.FLOAT32, "double"),
    INT8(256, 1, VoxelType.INT16, "signed char", "int8", "int8_t"),
    UINT16(512, 2, VoxelType.INT32, "ushort", "unsigned short", "unsigned short int", "uint16", "uint16_t");

    private static final String SUPPORTED = "uint8, int8, int16, uint16, int32, float32, float64";

    final int niftiCode;
    final int bytes;
    final VoxelType storedAs;
    private final List<String> nrrdNames;

    DiskType(int niftiCode, int bytes, VoxelType storedAs, String... nrrdNames) {
        this.niftiCode = niftiCode;
        this.bytes = bytes;
        this.storedAs = storedAs;
        this.nrrdNames = List.of(nrrdNames);
    }

    static DiskType ofNiftiCode(int code) throws ImageFormatException {
        for (DiskType t : values()) {
            if (t.niftiCode == code) {
                return t;
            }
        }
        throw new ImageFormatException("unsupported NIfTI datatype " + code + " (supported: " + SUPPORTED + ")");
    }

    static DiskType ofNrrdName(String name) throws ImageFormatException {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (DiskType t : values()) {
            if (t.nrrdNames.contains(n)) {
                return t;
            }
        }
        throw new ImageFormatException("unsupported NRRD type '" + name + "' (supported: " + SUPPORTED + ")");
    }

    /** The file type that stores a voxel type without conversion. */
    static DiskType of(VoxelType type) {
        return switch (type) {
            case UINT8 -> UINT8;
            case INT16 -> INT16;
            case INT32 -> INT32;
            case FLOAT32 -> FLOAT32;
        };
    }

    /** The canonical NRRD name. */
    String nrrdName() {
        return nrrdNames.get(0);
    }
}
