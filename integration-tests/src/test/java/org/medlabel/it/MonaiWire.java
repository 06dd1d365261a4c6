package org.medlabel.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MONAI Label's clients on the wire, re-implemented from their source (monailabel/client/client.py) and the bytes of
 * ../shared/design/MONAI-LABEL-API.md Part B: the Python client's multipart encoding (fixed boundary with '$', full
 * local paths as file names, an extra CRLF after the closing boundary), its response parsing (cgi.FieldStorage: a part
 * with a file name is a file keyed by that name, the others are fields), and raw HTTP/1.1 over a socket.
 */
final class MonaiWire {

    /** client.py's fixed boundary. */
    static final String BOUNDARY = "----------lImIt_of_THE_fIle_eW_$";

    /** One part of a multipart body. */
    record Part(String name, String filename, Map<String, String> headers, byte[] data) {
        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    /** An HTTP answer read off the socket. */
    record Reply(int status, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private MonaiWire() {}

    /** {@code MONAILabelUtils.encode_multipart_formdata}: fields (name -> value), then files (name -> path, bytes). */
    static byte[] encode(Map<String, String> fields, Map<String, Map.Entry<String, byte[]>> files) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (var field : fields.entrySet()) {
            out.write(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + field.getKey() + "\"\r\n\r\n"
                            + field.getValue() + "\r\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        for (var file : files.entrySet()) {
            out.write(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + file.getKey()
                            + "\"; filename=\"" + file.getValue().getKey() + "\"\r\n"
                            + "Content-Type: application/octet-stream\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.write(file.getValue().getValue());
            out.write("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        out.write(("--" + BOUNDARY + "--\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** The request line and headers http.client sends with a body, then the body. */
    static byte[] request(String method, String target, int port, String contentType, byte[] body) throws IOException {
        return request(method, target, port, contentType, body, null);
    }

    /** The same with client.py's {@code Authorization} header (its {@code update_auth}), when one is given. */
    static byte[] request(String method, String target, int port, String contentType, byte[] body, String authorization)
            throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringBuilder head = new StringBuilder()
                .append(method)
                .append(' ')
                .append(target)
                .append(" HTTP/1.1\r\nHost: 127.0.0.1:")
                .append(port)
                .append("\r\nAccept-Encoding: identity\r\n");
        if (contentType != null) {
            head.append("content-type: ").append(contentType).append("\r\n");
        }
        if (authorization != null) {
            head.append("Authorization: ").append(authorization).append("\r\n");
        }
        head.append("content-length: ").append(body.length).append("\r\n\r\n");
        out.write(head.toString().getBytes(StandardCharsets.UTF_8));
        out.write(body);
        return out.toByteArray();
    }

    /** Sends raw request bytes and reads one answer (Content-Length or chunked). */
    static Reply exchange(int port, byte[] request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(120_000);
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
            String status = line(in);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String h; !(h = line(in)).isEmpty(); ) {
                int colon = h.indexOf(':');
                headers.put(
                        h.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        h.substring(colon + 1).trim());
            }
            byte[] body;
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                for (int size; (size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) > 0; ) {
                    all.write(in.readNBytes(size));
                    line(in);
                }
                line(in);
                body = all.toByteArray();
            } else {
                body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
            }
            return new Reply(Integer.parseInt(status.split(" ")[1]), headers, body);
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new IOException("connection closed mid-line: " + line);
            }
            line.write(b);
        }
        String s = line.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    private static final Pattern BOUNDARY_PARAM = Pattern.compile("boundary=\"?([^\";]+)\"?");
    private static final Pattern DISPOSITION_PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    /** Splits a multipart body as cgi.FieldStorage does; the boundary comes from the Content-Type. */
    static List<Part> parse(String contentType, byte[] body) {
        Matcher m = BOUNDARY_PARAM.matcher(contentType);
        if (!contentType.startsWith("multipart/") || !m.find()) {
            throw new AssertionError("not multipart: " + contentType);
        }
        byte[] delimiter = ("--" + m.group(1)).getBytes(StandardCharsets.ISO_8859_1);
        List<Part> parts = new ArrayList<>();
        int at = indexOf(body, delimiter, 0);
        while (at >= 0) {
            int start = at + delimiter.length;
            if (body[start] == '-' && body[start + 1] == '-') {
                break;
            }
            start += 2; // CRLF
            int next = indexOf(body, delimiter, start);
            int end = next - 2; // the CRLF before the delimiter
            int headerEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), start);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String h : new String(body, start, headerEnd - start, StandardCharsets.UTF_8).split("\r\n")) {
                int colon = h.indexOf(':');
                headers.put(
                        h.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        h.substring(colon + 1).trim());
            }
            Map<String, String> disposition = new LinkedHashMap<>();
            Matcher d = DISPOSITION_PARAM.matcher(headers.getOrDefault("content-disposition", ""));
            while (d.find()) {
                disposition.put(d.group(1), d.group(2));
            }
            byte[] data = java.util.Arrays.copyOfRange(body, headerEnd + 4, end);
            parts.add(new Part(disposition.get("name"), disposition.get("filename"), headers, data));
            at = next;
        }
        return parts;
    }

    static int indexOf(byte[] haystack, byte[] needle, int from) {
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

    /** Python's urllib.parse.quote_plus, as client.py quotes ids. */
    static String quotePlus(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
