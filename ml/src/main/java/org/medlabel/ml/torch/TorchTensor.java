package org.medlabel.ml.torch;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * One tensor of a checkpoint, copied out of its storage into a contiguous float array (row-major over {@code shape}).
 * Every parameter a network has is floating point; integer tensors (a batch norm's {@code num_batches_tracked}) are
 * converted too, so that a loader can name and skip them.
 */
public record TorchTensor(DType dtype, long[] shape, float[] values) {

    /** Bytes of one storage: the element type, count and the raw little-endian data. */
    record Storage(DType dtype, long elements, ByteBuffer data) {}

    public long elementCount() {
        return values.length;
    }

    public String shapeText() {
        return Arrays.toString(shape);
    }

    /** {@code _rebuild_tensor_v2(storage, offset, size, stride, ...)}: a strided view, bounds-checked. */
    static TorchTensor rebuild(List<Object> args) throws CheckpointFormatException {
        if (args.size() < 4 || !(args.get(0) instanceof Storage storage)) {
            throw new CheckpointFormatException("a tensor in the checkpoint is not backed by a storage of the archive");
        }
        long offset = (Long) args.get(1);
        long[] shape = longs(args.get(2));
        long[] stride = longs(args.get(3));
        if (shape.length != stride.length) {
            throw new CheckpointFormatException("a tensor's shape " + Arrays.toString(shape) + " and strides "
                    + Arrays.toString(stride) + " differ in rank");
        }
        long count = 1;
        long last = offset;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0 || stride[i] < 0) {
                throw new CheckpointFormatException(
                        "a tensor has a negative size or stride: " + Arrays.toString(shape));
            }
            count = Math.multiplyExact(count, shape[i]);
            last += shape[i] == 0 ? 0 : (shape[i] - 1) * stride[i];
        }
        if (offset < 0 || (count > 0 && last >= storage.elements())) {
            throw new CheckpointFormatException("a tensor of shape " + Arrays.toString(shape) + " at offset " + offset
                    + " reaches past its storage of " + storage.elements() + " elements");
        }
        if (count > storage.elements()) {
            // a broadcast view (stride 0) would make a file of bytes allocate gigabytes; state dicts have none
            throw new CheckpointFormatException(
                    "a tensor of " + count + " elements views a storage of only " + storage.elements());
        }
        float[] values = new float[(int) count];
        int[] index = new int[shape.length];
        for (int n = 0; n < values.length; n++) {
            long at = offset;
            for (int d = 0; d < shape.length; d++) {
                at += index[d] * stride[d];
            }
            values[n] = storage.dtype().read(storage.data(), (int) at);
            for (int d = shape.length - 1; d >= 0 && ++index[d] == shape[d]; d--) {
                index[d] = 0;
            }
        }
        return new TorchTensor(storage.dtype(), shape, values);
    }

    private static long[] longs(Object tuple) throws CheckpointFormatException {
        if (!(tuple instanceof Pickled.Tuple t)) {
            throw new CheckpointFormatException("a tensor's size or stride is not a tuple");
        }
        long[] v = new long[t.items().size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (Long) t.items().get(i);
        }
        return v;
    }
}
