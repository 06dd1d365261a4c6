package org.medlabel.imaging.dicom;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * Parses DICOM Part 10 files: the 128-byte preamble and {@code DICM}, the file meta group (explicit VR little
 * endian), then the data set in its transfer syntax — implicit or explicit VR little endian, explicit big endian, or
 * deflated. Sequences of defined and undefined length are parsed into items. Parsing stops after the top-level pixel
 * data, so trailing padding is never read. Compressed syntaxes are refused with {@link
 * UnsupportedTransferSyntaxException} before any pixel byte is read.
 */
public final class DicomReader {

    private static final long UNDEFINED = 0xFFFFFFFFL;
    private static final Set<String> LONG_VRS =
            Set.of("OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV");

    private final long maxValueBytes;

    /** @param maxValueBytes the largest element value accepted (a file's size bounds it) */
    public DicomReader(long maxValueBytes) {
        this.maxValueBytes = Math.min(maxValueBytes, Integer.MAX_VALUE - 8);
    }

    public DicomObject read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in);
        }
    }

    /** Reads a Part 10 stream; the stream is consumed up to the pixel data but not closed. */
    public DicomObject read(InputStream raw) throws IOException {
        PushbackInputStream in = new PushbackInputStream(new BufferedInputStream(raw, 1 << 16), 4);
        byte[] preamble = in.readNBytes(132);
        if (preamble.length < 132 || !"DICM".equals(new String(preamble, 128, 4, StandardCharsets.US_ASCII))) {
            throw new DicomException("not a DICOM file: no 'DICM' prefix after the 128-byte preamble (DICOM Part 10)");
        }
        DicomObject meta = new DicomObject(ByteOrder.LITTLE_ENDIAN);
        Cursor metaCursor = new Cursor(in, ByteOrder.LITTLE_ENDIAN, true);
        while (true) {
            byte[] group = in.readNBytes(2);
            if (group.length < 2) {
                throw new DicomException("truncated DICOM file: it ends inside the file meta information");
            }
            in.unread(group);
            if ((group[0] & 0xFF | (group[1] & 0xFF) << 8) != 0x0002) {
                break;
            }
            meta.put(element(metaCursor, false));
        }
        String uid = meta.string(Tags.TRANSFER_SYNTAX_UID);
        if (uid == null) {
            throw new DicomException("the file meta information has no TransferSyntaxUID (0002,0010)");
        }
        TransferSyntax syntax = TransferSyntax.of(uid);
        InputStream body = syntax.deflated
                ? new BufferedInputStream(new InflaterInputStream(in, new Inflater(true), 1 << 16), 1 << 16)
                : in;
        DicomObject data = new DicomObject(syntax.order);
        for (DicomObject.Element e : metaElements(meta)) {
            data.put(e);
        }
        Cursor cursor = new Cursor(body, syntax.order, syntax.explicitVr);
        try {
            readItems(cursor, data, -1, true);
        } catch (EOFException e) {
            throw new DicomException("truncated DICOM file: it ends inside the data set");
        }
        return data;
    }

    private static List<DicomObject.Element> metaElements(DicomObject meta) {
        List<DicomObject.Element> elements = new ArrayList<>();
        for (int tag : new int[] {Tags.TRANSFER_SYNTAX_UID, Tags.MEDIA_STORAGE_SOP_CLASS_UID}) {
            if (meta.contains(tag)) {
                elements.add(meta.element(tag));
            }
        }
        return elements;
    }

    /**
     * Reads elements into {@code target} until {@code end} bytes of the cursor are consumed, an item delimiter
     * ({@code end} undefined), or the end of the stream (top level, which also stops after the pixel data).
     */
    private void readItems(Cursor c, DicomObject target, long end, boolean top) throws IOException {
        while (end < 0 || c.position < end) {
            if (top && c.atEnd()) {
                return;
            }
            int tag = c.tag();
            if (tag == Tags.ITEM_DELIMITATION) {
                c.u32();
                return;
            }
            DicomObject.Element e = value(c, tag, top);
            target.put(e);
            if (top && tag == Tags.PIXEL_DATA) {
                return;
            }
        }
    }

    private DicomObject.Element element(Cursor c, boolean top) throws IOException {
        return value(c, c.tag(), top);
    }

    private DicomObject.Element value(Cursor c, int tag, boolean top) throws IOException {
        String vr = null;
        long length;
        if (c.explicitVr) {
            vr = new String(c.bytes(2), StandardCharsets.US_ASCII);
            if (LONG_VRS.contains(vr)) {
                c.bytes(2);
                length = c.u32();
            } else {
                length = c.u16();
            }
        } else {
            length = c.u32();
        }
        if (length == UNDEFINED) {
            if (tag == Tags.PIXEL_DATA) {
                throw new DicomException("encapsulated (compressed) pixel data in an uncompressed transfer syntax");
            }
            if (!"UN".equals(vr)) {
                return new DicomObject.Element(tag, "SQ", null, sequence(c, -1));
            }
            // An undefined-length UN element is a sequence encoded as implicit VR little endian.
            Cursor implicit = new Cursor(c.in, ByteOrder.LITTLE_ENDIAN, false);
            List<DicomObject> items = sequence(implicit, -1);
            c.position += implicit.position;
            return new DicomObject.Element(tag, "SQ", null, items);
        }
        if (length > maxValueBytes) {
            throw new DicomException(
                    "element " + Tags.name(tag) + " declares " + length + " bytes, more than the file can hold");
        }
        if ("SQ".equals(vr)) {
            return new DicomObject.Element(tag, vr, null, sequence(c, c.position + length));
        }
        byte[] value = c.bytes((int) length);
        if (vr == null && tag != Tags.PIXEL_DATA && looksLikeSequence(value, c.order)) {
            // Implicit VR gives no type: a value that starts with an item tag is a sequence of defined length.
            Cursor inner = new Cursor(new ByteArrayInputStream(value), c.order, false);
            return new DicomObject.Element(tag, "SQ", null, sequence(inner, value.length));
        }
        if (vr == null && Tags.isUnsignedShort(tag)) {
            vr = "US";
        }
        return new DicomObject.Element(tag, vr, value, null);
    }

    private static boolean looksLikeSequence(byte[] value, ByteOrder order) {
        if (value.length < 8) {
            return false;
        }
        return order == ByteOrder.LITTLE_ENDIAN
                ? (value[0] & 0xFF) == 0xFE && (value[1] & 0xFF) == 0xFF && value[2] == 0 && (value[3] & 0xFF) == 0xE0
                : (value[0] & 0xFF) == 0xFF && (value[1] & 0xFF) == 0xFE && (value[2] & 0xFF) == 0xE0 && value[3] == 0;
    }

    /** The items of a sequence ending at {@code end} (or, undefined, at its delimiter). */
    private List<DicomObject> sequence(Cursor c, long end) throws IOException {
        List<DicomObject> items = new ArrayList<>();
        while (end < 0 || c.position < end) {
            int tag = c.tag();
            long length = c.u32();
            if (tag == Tags.SEQUENCE_DELIMITATION) {
                return items;
            }
            if (tag != Tags.ITEM) {
                throw new DicomException("malformed sequence: expected an item, found " + Tags.name(tag));
            }
            DicomObject item = new DicomObject(c.order);
            readItems(c, item, length == UNDEFINED ? -1 : c.position + length, false);
            items.add(item);
        }
        return items;
    }

    /** Reads from the data set stream in its byte order, counting bytes. */
    private static final class Cursor {
        final InputStream in;
        final ByteOrder order;
        final boolean explicitVr;
        long position;

        Cursor(InputStream in, ByteOrder order, boolean explicitVr) {
            this.in = in;
            this.order = order;
            this.explicitVr = explicitVr;
        }

        /** Whether the stream has no more bytes (it is buffered or a pushback stream: see {@link #read}). */
        boolean atEnd() throws IOException {
            if (in instanceof PushbackInputStream pushback) {
                int b = pushback.read();
                if (b >= 0) {
                    pushback.unread(b);
                }
                return b < 0;
            }
            in.mark(1);
            int b = in.read();
            in.reset();
            return b < 0;
        }

        byte[] bytes(int n) throws IOException {
            byte[] b = in.readNBytes(n);
            if (b.length < n) {
                throw new EOFException();
            }
            position += n;
            return b;
        }

        int u16() throws IOException {
            byte[] b = bytes(2);
            return order == ByteOrder.LITTLE_ENDIAN
                    ? (b[0] & 0xFF) | (b[1] & 0xFF) << 8
                    : (b[1] & 0xFF) | (b[0] & 0xFF) << 8;
        }

        long u32() throws IOException {
            byte[] b = bytes(4);
            long v = order == ByteOrder.LITTLE_ENDIAN
                    ? (b[0] & 0xFF) | (b[1] & 0xFF) << 8 | (b[2] & 0xFF) << 16 | (long) (b[3] & 0xFF) << 24
                    : (b[3] & 0xFF) | (b[2] & 0xFF) << 8 | (b[1] & 0xFF) << 16 | (long) (b[0] & 0xFF) << 24;
            return v & 0xFFFFFFFFL;
        }

        int tag() throws IOException {
            int group = u16();
            int element = u16();
            return group << 16 | element;
        }
    }
}
