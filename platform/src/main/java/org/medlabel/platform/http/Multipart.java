package org.medlabel.platform.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The small {@code multipart/form-data} bodies services exchange whole: MONAI Label's {@code /infer} answer (a
 * {@code params} part, then the label file) read, and a label save written. Labels are a few hundred kilobytes; volumes
 * never pass through here. Also DICOMweb's {@code multipart/related} (a SEG stored, a series retrieved).
 */
public final class Multipart {

    /** One part: its field name, file name (null for a field) and bytes. */
    public record Part(String name, String filename, byte[] data) {
        public String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    private static final Pattern BOUNDARY = Pattern.compile("boundary=\"?([^\";]+)\"?", Pattern.CASE_INSENSITIVE);
    private static final Pattern PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String boundary;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    /** The media type of a multipart/related body's parts; null for form data. */
    private final String related;

    private Multipart(String related) {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        boundary = HexFormat.of().formatHex(b);
        this.related = related;
    }

    /** A form-data body to write parts into. */
    public static Multipart create() {
        return new Multipart(null);
    }

    /** A {@code multipart/related} body whose parts are of media type {@code type} (DICOMweb STOW-RS). */
    public static Multipart related(String type) {
        return new Multipart(type);
    }

    /** A part of a related body. */
    public Multipart part(byte[] data) {
        ascii("--" + boundary + "\r\nContent-Type: " + related + "\r\n\r\n");
        body.writeBytes(data);
        ascii("\r\n");
        return this;
    }

    public Multipart field(String name, String value) {
        ascii("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n");
        body.writeBytes(value.getBytes(StandardCharsets.UTF_8));
        ascii("\r\n");
        return this;
    }

    public Multipart file(String name, String filename, byte[] data) {
        ascii("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n");
        body.writeBytes(data);
        ascii("\r\n");
        return this;
    }

    public String contentType() {
        return related == null
                ? "multipart/form-data; boundary=" + boundary
                : "multipart/related; type=\"" + related + "\"; boundary=" + boundary;
    }

    /** The body with its closing delimiter. */
    public byte[] end() {
        ByteArrayOutputStream all = new ByteArrayOutputStream(body.size() + boundary.length() + 6);
        all.writeBytes(body.toByteArray());
        all.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
        return all.toByteArray();
    }

    private void ascii(String s) {
        body.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The parts of a multipart body whose Content-Type names its boundary. */
    public static List<Part> parse(String contentType, byte[] bytes) {
        Matcher m = BOUNDARY.matcher(contentType == null ? "" : contentType);
        if (!m.find()) {
            throw new IllegalArgumentException("not a multipart body: " + contentType);
        }
        byte[] delimiter = ("--" + m.group(1)).getBytes(StandardCharsets.ISO_8859_1);
        byte[] blank = "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        List<Part> parts = new ArrayList<>();
        int at = indexOf(bytes, delimiter, 0);
        while (at >= 0 && at + delimiter.length + 1 < bytes.length && bytes[at + delimiter.length] != '-') {
            int start = at + delimiter.length + 2;
            int next = indexOf(bytes, delimiter, start);
            int headersEnd = indexOf(bytes, blank, start);
            if (next < 0 || headersEnd < 0 || headersEnd > next) {
                throw new IllegalArgumentException("malformed multipart body");
            }
            String name = null;
            String filename = null;
            for (String header : new String(bytes, start, headersEnd - start, StandardCharsets.UTF_8).split("\r\n")) {
                if (header.toLowerCase(Locale.ROOT).startsWith("content-disposition:")) {
                    Matcher p = PARAM.matcher(header);
                    while (p.find()) {
                        if (p.group(1).equals("name")) {
                            name = p.group(2);
                        } else if (p.group(1).equals("filename")) {
                            filename = p.group(2);
                        }
                    }
                }
            }
            parts.add(new Part(name, filename, Arrays.copyOfRange(bytes, headersEnd + 4, next - 2)));
            at = next;
        }
        return parts;
    }

    /** The field named {@code name}, if the body has it. */
    public static Optional<Part> field(List<Part> parts, String name) {
        return parts.stream().filter(p -> name.equals(p.name())).findFirst();
    }

    /** The first file part, if the body has one. */
    public static Optional<Part> file(List<Part> parts) {
        return parts.stream().filter(p -> p.filename() != null).findFirst();
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
