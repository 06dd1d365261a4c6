package org.medlabel.ml.runtime;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Direct buffers that can be freed at once. The JDK frees a direct buffer's memory only after a collection finds the
 * buffer unreachable, and a training job allocates so little heap that collections are rare: buffers dropped by a
 * job (its initial state, three times the parameters; its batch) stayed resident until one, hundreds of MB for
 * DeepEdit. {@link #free} releases them through the JDK's own {@code sun.misc.Unsafe.invokeCleaner}; where that is not
 * available, the memory goes back at the next collection, as before.
 */
public final class DirectMemory {

    private static final MethodHandle INVOKE_CLEANER = invokeCleaner();

    private DirectMemory() {}

    /** A zeroed direct buffer of {@code bytes} bytes in the platform's byte order (as ONNX Runtime reads tensors). */
    public static ByteBuffer allocate(long bytes) {
        return ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
    }

    /**
     * Frees {@code buffer}'s memory now. The caller guarantees that nothing reads or writes it (nor any view of it)
     * afterwards: the memory is gone. {@code buffer} must be one that {@link #allocate} returned, not a slice of it.
     */
    public static void free(ByteBuffer buffer) {
        if (INVOKE_CLEANER == null || !buffer.isDirect()) {
            return;
        }
        try {
            INVOKE_CLEANER.invokeExact(buffer);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot free a direct buffer", e);
        }
    }

    private static MethodHandle invokeCleaner() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
            theUnsafe.setAccessible(true);
            return MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(theUnsafe.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
