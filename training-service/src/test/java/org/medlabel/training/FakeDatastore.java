package org.medlabel.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.medlabel.imaging.io.NiftiWriter;
import org.medlabel.imaging.volume.Volume;

/**
 * The three datastore endpoints training reads, as datastore-service answers them: {@code GET /datalist}, an image's
 * file and a final label version's file (gzipped NIfTI, named by {@code Content-Disposition}). The rest of the
 * datastore is not needed by the training service.
 */
public class FakeDatastore implements QuarkusTestResourceLifecycleManager {

    private record Case(byte[] image, byte[] label, int labelVersion) {}

    private static final Map<String, Case> CASES = new ConcurrentSkipListMap<>();
    /** How many of the next datalist requests are answered 503, as a datastore restarted behind a proxy would. */
    public static final AtomicInteger UNAVAILABLE = new AtomicInteger();

    private static final ObjectMapper JSON = new ObjectMapper();
    private HttpServer server;

    /** Lists an image with its final label (version 1). */
    public static void add(String id, Volume image, Volume label) {
        CASES.put(id, new Case(nifti(image), nifti(label), 1));
    }

    public static void clear() {
        CASES.clear();
    }

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/datalist", exchange -> {
            if (UNAVAILABLE.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                exchange.sendResponseHeaders(503, -1);
                exchange.close();
                return;
            }
            List<Map<String, Object>> list = CASES.entrySet().stream()
                    .map(e -> Map.<String, Object>of(
                            "id", e.getKey(), "labelVersion", e.getValue().labelVersion()))
                    .toList();
            send(exchange, "application/json", null, JSON.writeValueAsBytes(list));
        });
        server.createContext("/images/", this::file);
        server.start();
        return Map.of(
                "medlabel.training.datastore.url",
                "http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** {@code /images/{id}/file} and {@code /images/{id}/labels/final/file?version=N}. */
    private void file(HttpExchange exchange) throws IOException {
        String[] parts = exchange.getRequestURI().getPath().split("/");
        Case c = parts.length > 2 ? CASES.get(parts[2]) : null;
        String query = exchange.getRequestURI().getQuery();
        if (c != null && parts.length == 4 && parts[3].equals("file")) {
            send(exchange, "application/octet-stream", parts[2] + ".nii.gz", c.image());
        } else if (c != null
                && parts.length == 6
                && parts[4].equals("final")
                && ("version=" + c.labelVersion()).equals(query)) {
            send(exchange, "application/octet-stream", parts[2] + "_label.nii.gz", c.label());
        } else {
            byte[] body = "{\"code\":\"LABEL_NOT_FOUND\",\"detail\":\"not here\"}".getBytes();
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(404, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static void send(HttpExchange exchange, String type, String fileName, byte[] body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", type);
        if (fileName != null) {
            exchange.getResponseHeaders().add("Content-Disposition", "attachment; filename=\"" + fileName + "\"");
        }
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static byte[] nifti(Volume v) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            new NiftiWriter().write(v, out, true);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
