package org.medlabel.ml.torch;

import java.nio.ByteBuffer;
import java.util.Map;

/** The element types a checkpoint's storages may hold, by PyTorch's storage class name. */
public enum DType {
    FLOAT32(4),
    FLOAT64(8),
    FLOAT16(2),
    BFLOAT16(2),
    INT64(8),
    INT32(4),
    INT16(2),
    INT8(1),
    UINT8(1),
    BOOL(1);

    private static final Map<String, DType> BY_STORAGE = Map.of(
            "FloatStorage", FLOAT32,
            "DoubleStorage", FLOAT64,
            "HalfStorage", FLOAT16,
            "BFloat16Storage", BFLOAT16,
            "LongStorage", INT64,
            "IntStorage", INT32,
            "ShortStorage", INT16,
            "CharStorage", INT8,
            "ByteStorage", UINT8,
            "BoolStorage", BOOL);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    /** The type of {@code torch.<name>}, or null when it is not a storage class. */
    static DType ofStorage(String name) {
        return BY_STORAGE.get(name);
    }

    /** Element {@code index} of {@code data} (in this type) as a float. */
    float read(ByteBuffer data, int index) {
        int at = index * bytes;
        return switch (this) {
            case FLOAT32 -> data.getFloat(at);
            case FLOAT64 -> (float) data.getDouble(at);
            case FLOAT16 -> halfToFloat(data.getShort(at));
            case BFLOAT16 -> Float.intBitsToFloat((data.getShort(at) & 0xffff) << 16);
            case INT64 -> data.getLong(at);
            case INT32 -> data.getInt(at);
            case INT16 -> data.getShort(at);
            case INT8 -> data.get(at);
            case UINT8 -> data.get(at) & 0xff;
            case BOOL -> data.get(at) != 0 ? 1f : 0f;
        };
    }

    /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short half) {
        int sign = (half & 0x8000) << 16;
        int exponent = (half >>> 10) & 0x1f;
        int mantissa = half & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float value = mantissa * 0x1p-24f;
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
