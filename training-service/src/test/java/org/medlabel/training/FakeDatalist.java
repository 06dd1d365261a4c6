package org.medlabel.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.medlabel.training.data.TrainingCase;

/**
 * The datastore's {@code GET /datalist}, answering with the cases a test put in {@link #CASES} (their objects are
 * real, in the test's object store). The rest of the datastore is not needed by the training service.
 */
public class FakeDatalist implements QuarkusTestResourceLifecycleManager {

    public static final List<TrainingCase> CASES = new CopyOnWriteArrayList<>();
    /** How many of the next requests are answered 503, as a datastore being restarted behind a proxy would. */
    public static final AtomicInteger UNAVAILABLE = new AtomicInteger();

    private static final ObjectMapper JSON = new ObjectMapper();
    private HttpServer server;

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
            byte[] body = JSON.writeValueAsBytes(CASES);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return Map.of(
                "medlabel.training.datastore.url",
                "http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
