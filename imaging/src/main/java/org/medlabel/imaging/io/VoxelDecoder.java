package org.medlabel.imaging.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.ZipException;
import org.medlabel.imaging.volume.VoxelBuffer;

/**
 * Converts raw voxel bytes of a {@link DiskType}, chunk by chunk, into a volume's array: bulk copies where the types
 * match, element-wise widening or scaling otherwise. Shared by the NIfTI and NRRD readers.
 */
final class VoxelDecoder {
    private static final int CHUNK = 1 << 16;

    private final InputStream in;
    private final ByteOrder order;
    private final DiskType type;
    private final byte[] chunk = new byte[CHUNK];

    VoxelDecoder(InputStream in, ByteOrder order, DiskType type) {
        this.in = in;
        this.order = order;
        this.type = type;
    }

    /** Fills {@code out} (float32 when {@code scaled}) with the next {@code out.length()} values of the stream. */
    void decode(VoxelBuffer out, boolean scaled, double slope, double inter) throws IOException {
        int total = out.length();
        int perChunk = CHUNK / type.bytes;
        int done = 0;
        while (done < total) {
            int n = Math.min(perChunk, total - done);
            readFully(in, chunk, 0, n * type.bytes, "voxel data");
            ByteBuffer b = ByteBuffer.wrap(chunk, 0, n * type.bytes).order(order);
            if (scaled) {
                float[] f = ((VoxelBuffer.Float32) out).array();
                for (int i = 0; i < n; i++) {
                    f[done + i] = (float) (raw(b, i) * slope + inter);
                }
            } else {
                copyUnscaled(b, out, done, n);
            }
            done += n;
        }
    }

    /** Bulk copies where the stored type equals the file's; element-wise widening otherwise. */
    private void copyUnscaled(ByteBuffer b, VoxelBuffer out, int at, int n) {
        switch (type) {
            case UINT8 -> b.get(((VoxelBuffer.UInt8) out).array(), at, n);
            case INT16 -> b.asShortBuffer().get(((VoxelBuffer.Int16) out).array(), at, n);
            case INT32 -> b.asIntBuffer().get(((VoxelBuffer.Int32) out).array(), at, n);
            case FLOAT32 -> b.asFloatBuffer().get(((VoxelBuffer.Float32) out).array(), at, n);
            case FLOAT64 -> {
                float[] f = ((VoxelBuffer.Float32) out).array();
                for (int i = 0; i < n; i++) {
                    f[at + i] = (float) b.getDouble(i * 8);
                }
            }
            case INT8 -> {
                short[] s = ((VoxelBuffer.Int16) out).array();
                for (int i = 0; i < n; i++) {
                    s[at + i] = b.get(i);
                }
            }
            case UINT16 -> {
                int[] v = ((VoxelBuffer.Int32) out).array();
                for (int i = 0; i < n; i++) {
                    v[at + i] = b.getShort(i * 2) & 0xFFFF;
                }
            }
        }
    }

    private double raw(ByteBuffer b, int i) {
        return switch (type) {
            case UINT8 -> b.get(i) & 0xFF;
            case INT8 -> b.get(i);
            case INT16 -> b.getShort(i * 2);
            case UINT16 -> b.getShort(i * 2) & 0xFFFF;
            case INT32 -> b.getInt(i * 4);
            case FLOAT32 -> b.getFloat(i * 4);
            case FLOAT64 -> b.getDouble(i * 8);
        };
    }

    static void readFully(InputStream in, byte[] into, int offset, int length, String what) throws IOException {
        int n;
        try {
            n = in.readNBytes(into, offset, length);
        } catch (ZipException | EOFException e) {
            throw new ImageFormatException("corrupt or truncated " + what + ": " + e.getMessage(), e);
        }
        if (n < length) {
            throw new ImageFormatException("truncated: the file ends inside its " + what);
        }
    }
}
