package org.medlabel.imaging.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/**
 * Writes a volume's values little-endian in 64 KiB chunks, the counterpart of {@link VoxelDecoder}: bulk copies in
 * memory order, or channel-fastest ("interleaved", NRRD's layout when the channel axis comes first).
 */
final class VoxelEncoder {

    private static final int CHUNK = 1 << 16;

    private VoxelEncoder() {}

    static void write(Volume v, boolean interleaveChannels, OutputStream out) throws IOException {
        VoxelBuffer voxels = v.voxels();
        if (interleaveChannels && v.channels() > 1) {
            writeInterleaved(v, out);
            return;
        }
        if (voxels instanceof VoxelBuffer.UInt8 u8) {
            out.write(u8.array());
            return;
        }
        int bytes = voxels.type().bytes();
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        int perChunk = CHUNK / bytes;
        for (int at = 0; at < voxels.length(); at += perChunk) {
            int n = Math.min(perChunk, voxels.length() - at);
            chunk.clear();
            if (voxels instanceof VoxelBuffer.Int16 s) {
                chunk.asShortBuffer().put(s.array(), at, n);
            } else if (voxels instanceof VoxelBuffer.Int32 s) {
                chunk.asIntBuffer().put(s.array(), at, n);
            } else {
                chunk.asFloatBuffer().put(((VoxelBuffer.Float32) voxels).array(), at, n);
            }
            out.write(chunk.array(), 0, n * bytes);
        }
    }

    /** Channel-major in memory, channel-fastest on disk. */
    private static void writeInterleaved(Volume v, OutputStream out) throws IOException {
        VoxelBuffer voxels = v.voxels();
        int bytes = v.type().bytes();
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        int perChunk = CHUNK / bytes;
        int total = voxels.length();
        int channels = v.channels();
        int perChannel = v.voxelCount();
        for (int at = 0; at < total; at += perChunk) {
            int n = Math.min(perChunk, total - at);
            chunk.clear();
            for (int i = at; i < at + n; i++) {
                put(chunk, voxels, (i % channels) * perChannel + i / channels);
            }
            out.write(chunk.array(), 0, n * bytes);
        }
    }

    private static void put(ByteBuffer chunk, VoxelBuffer voxels, int index) {
        if (voxels instanceof VoxelBuffer.UInt8 u) {
            chunk.put(u.array()[index]);
        } else if (voxels instanceof VoxelBuffer.Int16 s) {
            chunk.putShort(s.array()[index]);
        } else if (voxels instanceof VoxelBuffer.Int32 s) {
            chunk.putInt(s.array()[index]);
        } else {
            chunk.putFloat(((VoxelBuffer.Float32) voxels).array()[index]);
        }
    }
}
