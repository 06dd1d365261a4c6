package org.medlabel.imaging.dicom;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.UUID;

/** Writes a data set as a DICOM Part 10 file in explicit VR little endian, sequences with defined lengths. */
public final class DicomWriter {

    /** MedLabel's implementation class UID: a UUID-derived UID (2.25), fixed. */
    static final String IMPLEMENTATION_CLASS_UID = "2.25.160940117532101424393658632713263449346";

    private static final Set<String> LONG_VRS =
            Set.of("OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV");

    private DicomWriter() {}

    /** A fresh UID under the UUID root 2.25 (PS3.5 B.2). */
    public static String newUid() {
        UUID u = UUID.randomUUID();
        BigInteger value = new BigInteger(
                1,
                ByteBuffer.allocate(16)
                        .putLong(u.getMostSignificantBits())
                        .putLong(u.getLeastSignificantBits())
                        .array());
        return "2.25." + value;
    }

    /** A decimal string of at most 16 characters (DS). */
    public static String decimal(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        for (int digits = 15; digits > 0; digits--) {
            String s = new BigDecimal(v)
                    .round(new MathContext(digits))
                    .stripTrailingZeros()
                    .toPlainString();
            if (s.length() <= 16) {
                return s;
            }
        }
        return Double.toString((float) v);
    }

    public static byte[] write(DicomObject data) {
        String sopClass = data.string(Tags.SOP_CLASS_UID);
        String sopInstance = data.string(Tags.SOP_INSTANCE_UID);
        DicomObject meta = DicomObject.create()
                .setBytes(0x00020001, "OB", new byte[] {0, 1})
                .set(Tags.MEDIA_STORAGE_SOP_CLASS_UID, "UI", sopClass)
                .set(0x00020003, "UI", sopInstance)
                .set(Tags.TRANSFER_SYNTAX_UID, "UI", "1.2.840.10008.1.2.1")
                .set(0x00020012, "UI", IMPLEMENTATION_CLASS_UID)
                .set(0x00020013, "SH", "MEDLABEL");
        byte[] metaBytes = elements(meta);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[128]);
        out.writeBytes("DICM".getBytes(StandardCharsets.US_ASCII));
        DicomObject groupLength = DicomObject.create();
        groupLength.put(new DicomObject.Element(
                0x00020000,
                "UL",
                ByteBuffer.allocate(4)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putInt(metaBytes.length)
                        .array(),
                null));
        out.writeBytes(elements(groupLength));
        out.writeBytes(metaBytes);
        DicomObject body = DicomObject.create();
        data.elements().stream().filter(e -> e.tag() >>> 16 != 0x0002).forEach(body::put);
        out.writeBytes(elements(body));
        return out.toByteArray();
    }

    private static byte[] elements(DicomObject data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (DicomObject.Element e : data.elements()) {
            byte[] value = e.items() != null ? items(e) : padded(e.vr(), e.value());
            ByteBuffer head = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            head.putShort((short) (e.tag() >>> 16)).putShort((short) e.tag());
            head.put(e.vr().getBytes(StandardCharsets.US_ASCII));
            if (LONG_VRS.contains(e.vr())) {
                head.putShort((short) 0).putInt(value.length);
            } else {
                if (value.length > 0xFFFF) {
                    throw new DicomException("value of " + Tags.name(e.tag()) + " is too long for VR " + e.vr());
                }
                head.putShort((short) value.length);
            }
            out.write(head.array(), 0, head.position());
            out.writeBytes(value);
        }
        return out.toByteArray();
    }

    private static byte[] items(DicomObject.Element sequence) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (DicomObject item : sequence.items()) {
            byte[] content = elements(item);
            out.writeBytes(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putShort((short) 0xFFFE)
                    .putShort((short) 0xE000)
                    .putInt(content.length)
                    .array());
            out.writeBytes(content);
        }
        return out.toByteArray();
    }

    /** Values have even lengths: UIDs and binary values pad with NUL, text with a space. */
    private static byte[] padded(String vr, byte[] value) {
        if (value.length % 2 == 0) {
            return value;
        }
        byte[] even = java.util.Arrays.copyOf(value, value.length + 1);
        boolean nul = vr.equals("UI") || vr.startsWith("O") || vr.equals("UN");
        even[value.length] = nul ? 0 : (byte) ' ';
        return even;
    }
}
