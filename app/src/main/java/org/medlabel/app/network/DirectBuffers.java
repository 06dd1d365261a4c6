package org.medlabel.app.network;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Each thread's direct buffers for network passes, kept and grown as needed, so that a volume-sized tensor is not
 * allocated (and later found and freed by a collection) on every pass. A thread holds at most its largest input and
 * output so far: the inference workers and the training threads, a few hundred MB for a 256³ volume.
 */
final class DirectBuffers {

    private static final ThreadLocal<FloatBuffer[]> BUFFERS = ThreadLocal.withInitial(() -> new FloatBuffer[2]);
    private static final float[] ZEROS = new float[1 << 16];

    private DirectBuffers() {}

    /** Slot {@code slot}'s first {@code floats} values, as they were left. */
    static FloatBuffer reused(int slot, int floats) {
        FloatBuffer[] mine = BUFFERS.get();
        if (mine[slot] == null || mine[slot].capacity() < floats) {
            mine[slot] = null; // the old one can go before the new one is allocated
            mine[slot] = ByteBuffer.allocateDirect(Math.multiplyExact(floats, 4))
                    .order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
        }
        return mine[slot].slice(0, floats);
    }

    /** Sets {@code b} to zeros (a reused buffer holds the previous pass's values). */
    static void zero(FloatBuffer b) {
        for (int at = 0; at < b.capacity(); at += ZEROS.length) {
            b.put(at, ZEROS, 0, Math.min(ZEROS.length, b.capacity() - at));
        }
    }
}
