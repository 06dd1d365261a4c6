package org.medlabel.ml.onnx;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorShapeProto;
import org.medlabel.ml.onnx.proto.Onnx.TypeProto;
import org.medlabel.ml.onnx.proto.Onnx.ValueInfoProto;

/** Building blocks for graphs: float tensors as raw little-endian data (ONNX's compact form) and typed graph I/O. */
public final class Tensors {

    private Tensors() {}

    /** A float32 tensor of the given shape. */
    public static TensorProto floats(String name, long[] dims, float[] values) {
        long count = 1;
        for (long d : dims) {
            count *= d;
        }
        if (count != values.length) {
            throw new IllegalArgumentException("tensor '" + name + "' of " + count + " values given " + values.length);
        }
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        TensorProto.Builder t = TensorProto.newBuilder()
                .setName(name)
                .setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(raw.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    /** A 1-D int64 tensor (shapes, axes, indices). */
    public static TensorProto int64s(String name, long... values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        raw.asLongBuffer().put(values);
        return TensorProto.newBuilder()
                .setName(name)
                .setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(values.length)
                .setRawData(ByteString.copyFrom(raw.array()))
                .build();
    }

    /** A tensor's dimensions. */
    public static long[] dims(TensorProto t) {
        return t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    /** The values of an int64 tensor stored as raw data or as {@code int64_data}. */
    public static long[] longValues(TensorProto t) {
        if (t.getDataType() != TensorProto.DataType.INT64_VALUE) {
            throw new IllegalArgumentException("tensor '" + t.getName() + "' is not int64");
        }
        long[] v = new long[Math.toIntExact(elementCount(t))];
        if (t.hasRawData()) {
            t.getRawData()
                    .asReadOnlyByteBuffer()
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asLongBuffer()
                    .get(v);
        } else {
            for (int i = 0; i < v.length; i++) {
                v[i] = t.getInt64Data(i);
            }
        }
        return v;
    }

    /** The number of elements of a tensor, from its dimensions. */
    public static long elementCount(TensorProto t) {
        return elementCount(dims(t));
    }

    /** The number of elements of a tensor of shape {@code dims}. */
    public static long elementCount(long[] dims) {
        long count = 1;
        for (long d : dims) {
            count = Math.multiplyExact(count, d);
        }
        return count;
    }

    /** The values of a float32 tensor stored as raw data or as {@code float_data}. */
    public static float[] floatValues(TensorProto t) {
        if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
            throw new IllegalArgumentException("tensor '" + t.getName() + "' is not float32");
        }
        if (t.hasRawData()) {
            float[] v = new float[t.getRawData().size() / 4];
            t.getRawData()
                    .asReadOnlyByteBuffer()
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer()
                    .get(v);
            return v;
        }
        float[] v = new float[t.getFloatDataCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.getFloatData(i);
        }
        return v;
    }

    /** A float32 tensor transposed as ONNX's Transpose does: result dimension i is {@code t}'s dimension perm[i]. */
    public static TensorProto transposed(TensorProto t, int[] perm, String name) {
        long[] dims = dims(t);
        float[] values = floatValues(t);
        int rank = dims.length;
        long[] strides = new long[rank];
        for (int d = rank - 1, s = 1; d >= 0; s *= (int) dims[d], d--) {
            strides[d] = s;
        }
        long[] outDims = new long[rank];
        long[] step = new long[rank];
        for (int i = 0; i < rank; i++) {
            outDims[i] = dims[perm[i]];
            step[i] = strides[perm[i]];
        }
        float[] out = new float[values.length];
        int[] index = new int[rank];
        long source = 0;
        for (int e = 0; e < out.length; e++) {
            out[e] = values[(int) source];
            for (int i = rank - 1; i >= 0; i--) { // odometer over the result's indices
                source += step[i];
                if (++index[i] < outDims[i]) {
                    break;
                }
                source -= step[i] * outDims[i];
                index[i] = 0;
            }
        }
        return floats(name, outDims, out);
    }

    /**
     * A float32 graph input or output. A dimension below 1 is left symbolic: {@code N} for the first (the batch),
     * {@code d<i>} for the others, so inputs and outputs of the same spatial size share their names.
     */
    public static ValueInfoProto floatValue(String name, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(
                    d > 0
                            ? TensorShapeProto.Dimension.newBuilder().setDimValue(d)
                            : TensorShapeProto.Dimension.newBuilder()
                                    .setDimParam(shape.getDimCount() == 0 ? "N" : "d" + shape.getDimCount()));
        }
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(TypeProto.newBuilder()
                        .setTensorType(TypeProto.Tensor.newBuilder()
                                .setElemType(TensorProto.DataType.FLOAT_VALUE)
                                .setShape(shape)))
                .build();
    }
}
