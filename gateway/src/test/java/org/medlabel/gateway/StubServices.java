package org.medlabel.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * Stands in for the internal services: a real HTTP server per service. Readiness answers are set per service (a
 * status code, or a delay longer than the gateway's timeout); other routes answer what a test puts in
 * {@link #ROUTES} ({@code "datastore GET /stats"}), 404 otherwise, and every request is recorded.
 */
public class StubServices implements QuarkusTestResourceLifecycleManager {

    public static final String[] NAMES = {"datastore", "inference", "training"};

    /** Readiness status code per service; a negative value means "hang for that many ms, then 200". */
    public static final Map<String, Integer> ANSWERS = new ConcurrentHashMap<>();

    /** Answers by {@code "<service> <METHOD> <path>"}. */
    public static final Map<String, Function<Request, Answer>> ROUTES = new ConcurrentHashMap<>();

    /** Every request to a route (not readiness), in order. */
    public static final List<Request> REQUESTS = new CopyOnWriteArrayList<>();

    /** What a stub received: the body's size and SHA-256, not the bytes (uploads may be large). */
    public record Request(
            String service,
            String method,
            String uri,
            Map<String, String> headers,
            long size,
            String sha256,
            String text) {}

    /** A status, a content type and a body; a negative delay hangs first. */
    public record Answer(int status, String type, String body, long delayMillis) {

        public static Answer json(int status, String body) {
            return new Answer(status, "application/json", body, 0);
        }

        public static Answer hang(long millis) {
            return new Answer(200, "application/json", "{}", millis);
        }
    }

    private static final String READY = "{\"status\":\"UP\",\"checks\":[{\"name\":\"kafka\",\"status\":\"UP\"}]}";
    private static final String NOT_READY = "{\"status\":\"DOWN\",\"checks\":[{\"name\":\"kafka\",\"status\":\"DOWN\"},"
            + "{\"name\":\"object-store\",\"status\":\"UP\"},{\"name\":\"onnxruntime\",\"status\":\"DOWN\"}]}";

    private final Map<String, HttpServer> servers = new HashMap<>();

    public static void reset() {
        for (String name : NAMES) {
            ANSWERS.put(name, 200);
        }
        ROUTES.clear();
        REQUESTS.clear();
    }

    @Override
    public Map<String, String> start() {
        reset();
        Map<String, String> config = new HashMap<>();
        config.put("medlabel.gateway.health-timeout", "1s");
        config.put("medlabel.gateway.calls.timeout", "1s");
        config.put("medlabel.gateway.calls.idle-timeout", "2s");
        config.put("medlabel.gateway.calls.retry-delay", "50ms");
        config.put("medlabel.gateway.calls.circuit-window", "4");
        config.put("medlabel.gateway.calls.circuit-delay", "2s");
        config.put("medlabel.gateway.info-cache-ttl", "200ms");
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
                    sleep(-answer);
                    answer = 200;
                }
                respond(exchange, answer, "application/json", answer == 200 ? READY : NOT_READY);
            });
            server.createContext("/", exchange -> route(name, exchange));
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void route(String service, HttpExchange exchange) throws IOException {
        Request request = record(service, exchange);
        REQUESTS.add(request);
        var handler = ROUTES.get(service + " " + request.method() + " "
                + exchange.getRequestURI().getPath());
        Answer answer = handler == null
                ? Answer.json(404, "{\"detail\":\"stub: no route\",\"code\":\"NOT_FOUND\"}")
                : handler.apply(request);
        if (answer.delayMillis() > 0) {
            sleep(answer.delayMillis());
        }
        respond(exchange, answer.status(), answer.type(), answer.body());
    }

    private static Request record(String service, HttpExchange exchange) throws IOException {
        Map<String, String> headers = new HashMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), String.join(",", v)));
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long size = 0;
        StringBuilder text = new StringBuilder();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = exchange.getRequestBody()) {
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
                if (size < 4096) {
                    text.append(new String(buf, 0, (int) Math.min(n, 4096 - size), StandardCharsets.ISO_8859_1));
                }
                size += n;
            }
        }
        return new Request(
                service,
                exchange.getRequestMethod(),
                exchange.getRequestURI().toString(),
                headers,
                size,
                HexFormat.of().formatHex(sha.digest()),
                text.toString());
    }

    private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", type);
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1);
        } else {
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            exchange.getResponseBody().write(bytes);
        }
        exchange.close();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void stop() {
        servers.values().forEach(server -> server.stop(0));
    }
}
