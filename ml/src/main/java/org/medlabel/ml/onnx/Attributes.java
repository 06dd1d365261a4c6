package org.medlabel.ml.onnx;

import com.google.protobuf.ByteString;
import java.util.Arrays;
import java.util.List;
import org.medlabel.ml.onnx.proto.Onnx.AttributeProto;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;

/** Node attributes: made for builders and read (with the ONNX defaults) by rewrites. */
public final class Attributes {

    private Attributes() {}

    public static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    public static AttributeProto integer(String name, long value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.INT)
                .setI(value)
                .build();
    }

    public static AttributeProto real(String name, float value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.FLOAT)
                .setF(value)
                .build();
    }

    public static AttributeProto string(String name, String value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value))
                .build();
    }

    /** Spatial attributes ({@code kernel_shape}, {@code strides}...) repeat one value per spatial axis. */
    public static AttributeProto repeated(String name, long value, int times) {
        long[] v = new long[times];
        Arrays.fill(v, value);
        return ints(name, v);
    }

    /** The named INTS attribute, or {@code fallback} when the node does not set it. */
    public static long[] ints(NodeProto node, String name, long[] fallback) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
            }
        }
        return fallback;
    }

    public static long integer(NodeProto node, String name, long fallback) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        return fallback;
    }

    public static float real(NodeProto node, String name, float fallback) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getF();
            }
        }
        return fallback;
    }

    public static String string(NodeProto node, String name, String fallback) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getS().toStringUtf8();
            }
        }
        return fallback;
    }

    /** Whether the node carries a graph (If, Loop, Scan): such nodes are never folded or rewritten. */
    public static boolean hasSubgraph(NodeProto node) {
        List<AttributeProto> attributes = node.getAttributeList();
        return attributes.stream().anyMatch(a -> a.hasG() || a.getGraphsCount() > 0);
    }
}
