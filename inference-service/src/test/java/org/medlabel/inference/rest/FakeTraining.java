package org.medlabel.inference.rest;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.medlabel.platform.objectstore.ModelStore;

/**
 * The training service's model-version door as inference's imports call it: the next version after the store's
 * latest, written to the test's object store as training's publisher writes it (the test sets {@link #store}).
 */
public class FakeTraining implements QuarkusTestResourceLifecycleManager {

    /** The test's model store (set by the test before it imports). */
    public static volatile ModelStore store;

    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/models/", exchange -> {
            String model = exchange.getRequestURI().getPath().split("/")[2];
            byte[] onnx = exchange.getRequestBody().readAllBytes();
            int version;
            synchronized (FakeTraining.class) {
                version = store.latestVersion(model).orElse(-1) + 1;
                store.write(ModelStore.key(model, version), onnx);
            }
            byte[] body =
                    ("{\"model\":\"" + model + "\",\"version\":" + version + "}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return Map.of(
                "medlabel.inference.training.url",
                "http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
