package org.medlabel.inference.volume;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.medlabel.platform.http.ServiceHttp;

/**
 * The datastore's two image endpoints as datastore-service answers them ({@code ImageResource}, {@code Views},
 * {@code ErrorMappers}), on a loopback port, recording the raw paths it was asked for.
 */
final class FakeDatastore implements AutoCloseable {

    /** An image whose every request fails with a 500. */
    static final String BROKEN = "broken";

    private record Stored(String fileName, byte[] bytes, String sha256) {}

    private final HttpServer server;
    private final Map<String, Stored> images = new ConcurrentHashMap<>();
    private final Map<String, Stored> sessions = new ConcurrentHashMap<>();
    final List<String> rawPaths = new CopyOnWriteArrayList<>();
    final AtomicInteger fileDownloads = new AtomicInteger();

    FakeDatastore() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Adds or replaces an image, as a PUT to the datastore would; its file name is the id plus the file's suffixes. */
    String put(String id, Path file) throws IOException {
        String name = file.getFileName().toString();
        String fileName = id + name.substring(name.indexOf('.'));
        byte[] bytes = Files.readAllBytes(file);
        images.put(id, new Stored(fileName, bytes, sha256(bytes)));
        return images.get(id).sha256();
    }

    /** A session (MONAI Label's PUT /session/) holding one image file. */
    void putSession(String id, Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        sessions.put(id, new Stored(file.getFileName().toString(), bytes, sha256(bytes)));
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    ServiceHttp.Settings config() {
        return config(url());
    }

    static ServiceHttp.Settings config(String url) {
        return new ServiceHttp.Settings("datastore", URI.create(url), Duration.ofSeconds(2), Duration.ofSeconds(30));
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            String raw = exchange.getRequestURI().getRawPath();
            rawPaths.add(raw);
            String[] parts = raw.split("/", -1);
            boolean file = parts.length == 4 && parts[3].equals("file");
            boolean session = parts.length >= 3 && parts[1].equals("sessions");
            if (!exchange.getRequestMethod().equals("GET")
                    || parts.length < 3
                    || !(parts[1].equals("images") || session)
                    || (parts.length == 4 && !file)
                    || parts.length > 4) {
                error(exchange, 404, "HTTP_404", "Not Found");
                return;
            }
            String id = URLDecoder.decode(parts[2].replace("+", "%2B"), StandardCharsets.UTF_8);
            Stored image = (session ? sessions : images).get(id);
            if (session && image == null) {
                error(exchange, 404, "SESSION_NOT_FOUND", "session (" + id + ") not found");
            } else if (session && !file) {
                send(
                        exchange,
                        200,
                        ("{\"name\":\"" + id + "\",\"image\":\"" + image.fileName() + "\",\"meta\":{}}")
                                .getBytes(StandardCharsets.UTF_8));
            } else if (id.equals(BROKEN)) {
                error(exchange, 500, "HTTP_500", "Internal Server Error");
            } else if (image == null) {
                error(exchange, 404, "IMAGE_NOT_FOUND", "image '" + id + "' not found");
            } else if (file) {
                fileDownloads.incrementAndGet();
                exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
                send(exchange, 200, image.bytes());
            } else {
                send(exchange, 200, view(id, image).getBytes(StandardCharsets.UTF_8));
            }
        } finally {
            exchange.close();
        }
    }

    /** {@code Views.ImageView} as Jackson writes it; the geometry fields are fixed, as the client does not read them. */
    private static String view(String id, Stored image) {
        String format = image.fileName().endsWith(".nrrd") ? "nrrd" : "nifti";
        return """
                {"id":"%s","name":"%s","format":"%s","sizeBytes":%d,"sha256":"%s","dims":[128,128,62],\
                "components":1,"spacing":[2.0,2.0,3.0],"affine":[2,0,0,0,0,2,0,0,0,0,3,0,0,0,0,1],\
                "finalVersion":null,"createdAt":"2025-01-01T00:00:00Z","updatedAt":"2025-01-01T00:00:00Z","info":{}}""".formatted(id, image.fileName(), format, image.bytes().length, image.sha256());
    }

    private static void error(HttpExchange exchange, int status, String code, String detail) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        String body = "{\"detail\":\"" + detail + "\",\"code\":\"" + code + "\"}";
        send(exchange, status, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
