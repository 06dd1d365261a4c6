package org.medlabel.gateway.batch;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The small multipart bodies batch inference handles whole: MONAI Label's {@code /infer} answer (a {@code params}
 * part, then the label file) read, and the label save written. Labels are a few hundred kilobytes; volumes never pass
 * through here.
 */
final class MultipartBody {

    /** One part: its field name, file name (null for a field) and bytes. */
    record Part(String name, String filename, Buffer data) {}

    private static final Pattern BOUNDARY = Pattern.compile("boundary=\"?([^\";]+)\"?", Pattern.CASE_INSENSITIVE);
    private static final Pattern PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String boundary;
    private final Buffer body = Buffer.buffer();

    private MultipartBody() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        boundary = HexFormat.of().formatHex(b);
    }

    static MultipartBody create() {
        return new MultipartBody();
    }

    MultipartBody field(String name, String value) {
        body.appendString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n")
                .appendString(value, "UTF-8")
                .appendString("\r\n");
        return this;
    }

    MultipartBody file(String name, String filename, Buffer data) {
        body.appendString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\""
                        + filename + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .appendBuffer(data)
                .appendString("\r\n");
        return this;
    }

    String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    Buffer end() {
        return body.copy().appendString("--" + boundary + "--\r\n");
    }

    /** The parts of a multipart body whose Content-Type names its boundary. */
    static List<Part> parse(String contentType, Buffer body) {
        Matcher m = BOUNDARY.matcher(contentType == null ? "" : contentType);
        if (!m.find()) {
            throw new IllegalArgumentException("not a multipart answer: " + contentType);
        }
        byte[] bytes = body.getBytes();
        byte[] delimiter = ("--" + m.group(1)).getBytes(StandardCharsets.ISO_8859_1);
        byte[] blank = "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        List<Part> parts = new ArrayList<>();
        int at = indexOf(bytes, delimiter, 0);
        while (at >= 0 && at + delimiter.length + 1 < bytes.length && bytes[at + delimiter.length] != '-') {
            int start = at + delimiter.length + 2;
            int next = indexOf(bytes, delimiter, start);
            int headersEnd = indexOf(bytes, blank, start);
            if (next < 0 || headersEnd < 0 || headersEnd > next) {
                throw new IllegalArgumentException("malformed multipart answer");
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
            parts.add(new Part(name, filename, body.getBuffer(headersEnd + 4, next - 2)));
            at = next;
        }
        return parts;
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
