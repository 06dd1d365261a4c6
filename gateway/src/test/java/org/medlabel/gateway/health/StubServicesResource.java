package org.medlabel.gateway.health;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * Stands in for the internal services: a real HTTP server per service whose readiness answer a test sets (a status
 * code, or a delay longer than the gateway's timeout).
 */
public class StubServicesResource implements QuarkusTestResourceLifecycleManager {

    static final String[] NAMES = {"datastore", "inference", "training"};

    /** Readiness status code per service; a negative value means "hang for that many ms, then 200". */
    static final Map<String, Integer> ANSWERS = new ConcurrentHashMap<>();

    private static final String READY = "{\"status\":\"UP\",\"checks\":[{\"name\":\"kafka\",\"status\":\"UP\"}]}";
    private static final String NOT_READY = "{\"status\":\"DOWN\",\"checks\":[{\"name\":\"kafka\",\"status\":\"DOWN\"},"
            + "{\"name\":\"object-store\",\"status\":\"UP\"},{\"name\":\"onnxruntime\",\"status\":\"DOWN\"}]}";

    private final Map<String, HttpServer> servers = new HashMap<>();

    static void allReady() {
        for (String name : NAMES) {
            ANSWERS.put(name, 200);
        }
    }

    @Override
    public Map<String, String> start() {
        allReady();
        Map<String, String> config = new HashMap<>();
        config.put("medlabel.gateway.health-timeout", "1s");
        for (String name : NAMES) {
            HttpServer server = serve(name);
            servers.put(name, server);
            config.put(
                    "medlabel.gateway.services." + name + ".url",
                    "http://127.0.0.1:" + server.getAddress().getPort());
        }
        return config;
    }

    private static HttpServer serve(String name) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(Executors.newCachedThreadPool());
            server.createContext("/q/health/ready", exchange -> {
                int answer = ANSWERS.getOrDefault(name, 200);
                if (answer < 0) {
                    try {
                        Thread.sleep(-answer);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    answer = 200;
                }
                byte[] body = (answer == 200 ? READY : NOT_READY).getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(answer, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        servers.values().forEach(server -> server.stop(0));
    }
}
