package org.medlabel.imaging.volume;

import java.util.Arrays;

/**
 * Voxel values in one primitive array, x fastest, then y, z, channel. No boxing: element access is by index, and
 * the typed subclasses expose their array for loops that need full speed. At most {@link #MAX_LENGTH} values (Java's
 * array limit): 512 x 512 x 600 float32 voxels take 629 MB in one array.
 */
public abstract sealed class VoxelBuffer
        permits VoxelBuffer.UInt8, VoxelBuffer.Int16, VoxelBuffer.Int32, VoxelBuffer.Float32 {

    /** The largest number of values one buffer holds. */
    public static final long MAX_LENGTH = Integer.MAX_VALUE - 8;

    /** A zero-filled buffer of the given type. */
    public static VoxelBuffer allocate(VoxelType type, long length) {
        if (length < 0 || length > MAX_LENGTH) {
            throw new IllegalArgumentException("a voxel buffer holds 0.." + MAX_LENGTH + " values, not " + length);
        }
        int n = (int) length;
        return switch (type) {
            case UINT8 -> new UInt8(new byte[n]);
            case INT16 -> new Int16(new short[n]);
            case INT32 -> new Int32(new int[n]);
            case FLOAT32 -> new Float32(new float[n]);
        };
    }

    public abstract VoxelType type();

    public abstract int length();

    /** The value at {@code index}, exactly (every stored type fits a double). */
    public abstract double get(int index);

    /** Stores {@code value} at {@code index}, rounded and clamped to the type's range for integer types. */
    public abstract void set(int index, double value);

    /** An independent copy. */
    public abstract VoxelBuffer copy();

    /**
     * Values {@code [from, from + length)} as floats, for arithmetic: the backing array itself (not a copy) when this
     * buffer is float32 and the range covers all of it.
     */
    public float[] floats(int from, int length) {
        float[] out = new float[length];
        for (int i = 0; i < length; i++) {
            out[i] = (float) get(from + i);
        }
        return out;
    }

    /** Unsigned 8-bit values (label maps). */
    public static final class UInt8 extends VoxelBuffer {
        private final byte[] values;

        public UInt8(byte[] values) {
            this.values = values;
        }

        /** The backing array; values are unsigned: read them as {@code values[i] & 0xFF}. */
        public byte[] array() {
            return values;
        }

        @Override
        public VoxelType type() {
            return VoxelType.UINT8;
        }

        @Override
        public int length() {
            return values.length;
        }

        @Override
        public double get(int index) {
            return values[index] & 0xFF;
        }

        @Override
        public void set(int index, double value) {
            values[index] = (byte) clampRound(value, 0, 255);
        }

        @Override
        public VoxelBuffer copy() {
            return new UInt8(values.clone());
        }
    }

    /** Signed 16-bit values (CT Hounsfield units). */
    public static final class Int16 extends VoxelBuffer {
        private final short[] values;

        public Int16(short[] values) {
            this.values = values;
        }

        public short[] array() {
            return values;
        }

        @Override
        public VoxelType type() {
            return VoxelType.INT16;
        }

        @Override
        public int length() {
            return values.length;
        }

        @Override
        public double get(int index) {
            return values[index];
        }

        @Override
        public void set(int index, double value) {
            values[index] = (short) clampRound(value, Short.MIN_VALUE, Short.MAX_VALUE);
        }

        @Override
        public VoxelBuffer copy() {
            return new Int16(values.clone());
        }

        @Override
        public float[] floats(int from, int length) {
            float[] out = new float[length];
            for (int i = 0; i < length; i++) {
                out[i] = values[from + i];
            }
            return out;
        }
    }

    /** Signed 32-bit values. */
    public static final class Int32 extends VoxelBuffer {
        private final int[] values;

        public Int32(int[] values) {
            this.values = values;
        }

        public int[] array() {
            return values;
        }

        @Override
        public VoxelType type() {
            return VoxelType.INT32;
        }

        @Override
        public int length() {
            return values.length;
        }

        @Override
        public double get(int index) {
            return values[index];
        }

        @Override
        public void set(int index, double value) {
            values[index] = (int) clampRound(value, Integer.MIN_VALUE, Integer.MAX_VALUE);
        }

        @Override
        public VoxelBuffer copy() {
            return new Int32(values.clone());
        }
    }

    /** 32-bit floating point values (intensities after scaling, probabilities). */
    public static final class Float32 extends VoxelBuffer {
        private final float[] values;

        public Float32(float[] values) {
            this.values = values;
        }

        public float[] array() {
            return values;
        }

        @Override
        public VoxelType type() {
            return VoxelType.FLOAT32;
        }

        @Override
        public int length() {
            return values.length;
        }

        @Override
        public double get(int index) {
            return values[index];
        }

        @Override
        public void set(int index, double value) {
            values[index] = (float) value;
        }

        @Override
        public VoxelBuffer copy() {
            return new Float32(values.clone());
        }

        @Override
        public float[] floats(int from, int length) {
            return from == 0 && length == values.length ? values : Arrays.copyOfRange(values, from, from + length);
        }
    }

    private static long clampRound(double value, long min, long max) {
        if (Double.isNaN(value)) {
            return 0;
        }
        return Math.max(min, Math.min(max, Math.round(value)));
    }
}
