package org.medlabel.training.task;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * The datastore and inference services as image tasks call them: a real HTTP server each, answering what a test puts
 * in {@link #ROUTES} ({@code "datastore GET /view"}), else the datastore's 404 for a missing label; every request is
 * recorded.
 */
public class StubServices implements QuarkusTestResourceLifecycleManager {

    /** A request as the stub received it (bodies are small here: JSON and labels of a few bytes). */
    public record Request(String service, String method, String uri, String contentType, String text) {}

    /** A status, a content type, a body and a delay before answering. */
    public record Answer(int status, String type, String body, long delayMillis) {
        public static Answer json(int status, String body) {
            return new Answer(status, "application/json", body, 0);
        }
    }

    public static final Map<String, Function<Request, Answer>> ROUTES = new ConcurrentHashMap<>();
    public static final List<Request> REQUESTS = new CopyOnWriteArrayList<>();

    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();

    public static void reset() {
        ROUTES.clear();
        REQUESTS.clear();
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>();
        for (String service : List.of("datastore", "inference")) {
            try {
                HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
                server.setExecutor(Executors.newCachedThreadPool());
                server.createContext("/", exchange -> route(service, exchange));
                server.start();
                servers.add(server);
                config.put(
                        "medlabel.training." + service + ".url",
                        "http://127.0.0.1:" + server.getAddress().getPort());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        // short leases: a task whose replica "died" is taken over within seconds
        config.put("medlabel.training.lease", "2s");
        config.put("medlabel.training.heartbeat", "500ms");
        config.put("medlabel.training.scoring-auto-update", "true");
        return config;
    }

    private static void route(String service, HttpExchange exchange) throws IOException {
        Request request = new Request(
                service,
                exchange.getRequestMethod(),
                exchange.getRequestURI().toString(),
                exchange.getRequestHeaders().getFirst("Content-Type"),
                new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.ISO_8859_1));
        REQUESTS.add(request);
        var handler = ROUTES.get(service + " " + request.method() + " "
                + exchange.getRequestURI().getPath());
        Answer answer = handler == null
                ? Answer.json(404, "{\"detail\":\"stub: no route\",\"code\":\"LABEL_NOT_FOUND\"}")
                : handler.apply(request);
        if (answer.delayMillis() > 0) {
            try {
                Thread.sleep(answer.delayMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        byte[] body = answer.body().getBytes(StandardCharsets.ISO_8859_1);
        exchange.getResponseHeaders().add("Content-Type", answer.type());
        exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void stop() {
        servers.forEach(s -> s.stop(0));
    }
}
