package org.medlabel.imaging.dicom;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed DICOM data set (or sequence item): its elements by tag, values kept as read. Strings are trimmed of DICOM's
 * space/NUL padding; numbers decode in the byte order of the transfer syntax they came in.
 */
public final class DicomObject {

    /** One element: its VR ({@code null} where the syntax is implicit and the VR unknown), raw value or items. */
    public record Element(int tag, String vr, byte[] value, List<DicomObject> items) {}

    private final Map<Integer, Element> elements = new LinkedHashMap<>();
    private final ByteOrder order;

    DicomObject(ByteOrder order) {
        this.order = order;
    }

    /** An empty data set to fill and write (explicit VR little endian). */
    public static DicomObject create() {
        return new DicomObject(ByteOrder.LITTLE_ENDIAN);
    }

    /** Sets a text element (backslash-joined values; padded when written). */
    public DicomObject set(int tag, String vr, String... values) {
        put(new Element(tag, vr, String.join("\\", values).getBytes(StandardCharsets.UTF_8), null));
        return this;
    }

    /** Sets binary unsigned shorts (US), longs (UL) or attribute tags (AT). */
    public DicomObject setBinary(int tag, String vr, int... values) {
        ByteBuffer buffer =
                ByteBuffer.allocate(values.length * ("US".equals(vr) ? 2 : 4)).order(order);
        for (int v : values) {
            switch (vr) {
                case "AT" -> buffer.putShort((short) (v >>> 16)).putShort((short) v);
                case "UL" -> buffer.putInt(v);
                default -> buffer.putShort((short) v);
            }
        }
        put(new Element(tag, vr, buffer.array(), null));
        return this;
    }

    public DicomObject setSequence(int tag, List<DicomObject> items) {
        put(new Element(tag, "SQ", null, List.copyOf(items)));
        return this;
    }

    public DicomObject setBytes(int tag, String vr, byte[] value) {
        put(new Element(tag, vr, value, null));
        return this;
    }

    /** The elements in tag order (as a writer emits them). */
    public List<Element> elements() {
        return elements.values().stream()
                .sorted(java.util.Comparator.comparingLong(e -> Integer.toUnsignedLong(e.tag())))
                .toList();
    }

    void put(Element element) {
        elements.put(element.tag(), element);
    }

    public boolean contains(int tag) {
        return elements.containsKey(tag);
    }

    public Element element(int tag) {
        return elements.get(tag);
    }

    /** The value as text (first value of a multi-valued string), or {@code null} when absent or empty. */
    public String string(int tag) {
        String[] values = strings(tag);
        return values.length == 0 || values[0].isEmpty() ? null : values[0];
    }

    /** The backslash-separated values of a string element; empty when absent. */
    public String[] strings(int tag) {
        Element e = elements.get(tag);
        if (e == null || e.value() == null || e.value().length == 0) {
            return new String[0];
        }
        String text = new String(e.value(), StandardCharsets.ISO_8859_1);
        String[] parts = text.split("\\\\", -1);
        for (int i = 0; i < parts.length; i++) {
            parts[i] = parts[i].replace('\0', ' ').strip();
        }
        return parts;
    }

    /** Decimal or integer strings (DS, IS) as numbers; {@code null} when absent. */
    public double[] decimals(int tag) {
        String[] parts = strings(tag);
        if (parts.length == 0) {
            return null;
        }
        double[] values = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                values[i] = Double.parseDouble(parts[i]);
            } catch (NumberFormatException e) {
                throw new DicomException(
                        "element " + Tags.name(tag) + " holds '" + parts[i] + "', which is not a number");
            }
        }
        return values;
    }

    /** A decimal string's first value, or {@code fallback} when absent. */
    public double decimal(int tag, double fallback) {
        double[] values = decimals(tag);
        return values == null ? fallback : values[0];
    }

    /**
     * An unsigned short or long (US, UL) or, where the VR is a string (IS), its integer; {@code fallback} when
     * absent.
     */
    public long integer(int tag, long fallback) {
        Element e = elements.get(tag);
        if (e == null || e.value() == null || e.value().length == 0) {
            return fallback;
        }
        if ("IS".equals(e.vr()) || (e.vr() == null && Tags.isIntegerString(tag))) {
            return Math.round(decimal(tag, fallback));
        }
        ByteBuffer buffer = ByteBuffer.wrap(e.value()).order(order);
        return switch (e.value().length) {
            case 2 -> "SS".equals(e.vr()) ? buffer.getShort() : Short.toUnsignedInt(buffer.getShort());
            case 4 -> "SL".equals(e.vr()) ? buffer.getInt() : Integer.toUnsignedLong(buffer.getInt());
            default -> throw new DicomException("element " + Tags.name(tag) + " is not a 16- or 32-bit integer");
        };
    }

    /** The items of a sequence; empty when absent. */
    public List<DicomObject> sequence(int tag) {
        Element e = elements.get(tag);
        return e == null || e.items() == null ? List.of() : Collections.unmodifiableList(e.items());
    }

    /** The first item of a sequence, or {@code null}. */
    public DicomObject item(int tag) {
        List<DicomObject> items = sequence(tag);
        return items.isEmpty() ? null : items.get(0);
    }

    public byte[] bytes(int tag) {
        Element e = elements.get(tag);
        return e == null ? null : e.value();
    }

    public ByteOrder order() {
        return order;
    }
}
