package org.medlabel.gateway.monai;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import org.medlabel.gateway.auth.Access;
import org.medlabel.gateway.config.GatewayConfig;
import org.medlabel.gateway.error.ApiError;
import org.medlabel.gateway.http.Api;
import org.medlabel.gateway.http.Call;

/**
 * The server's own routes: {@code /} (a page pointing at the API documentation, as MONAI Label serves its docs there),
 * MONAI Label's {@code /openapi.json} and {@code /docs}, {@code GET /auth/} (404: authentication is off, which is
 * what 3D Slicer asks before every request), {@code POST /reload} and {@code GET /logs/}.
 */
@Singleton
public class ServerRoutes implements MonaiRoutes {

    /** Most lines {@code /logs/} returns. */
    static final int MAX_LINES = 10_000;

    private final GatewayConfig config;
    private final InfoComposer info;

    public ServerRoutes(GatewayConfig config, InfoComposer info) {
        this.config = config;
        this.info = info;
    }

    @Override
    public void register(Api api) {
        api.route(
                HttpMethod.GET,
                "/",
                Access.PUBLIC,
                Api.Body.NONE,
                call -> call.send(200, "text/html; charset=utf-8", Buffer.buffer(page(call.baseUrl()))));
        api.route(
                HttpMethod.GET,
                "/openapi.json",
                Access.PUBLIC,
                Api.Body.NONE,
                call -> redirect(call, "/q/openapi?format=json"));
        api.route(HttpMethod.GET, "/docs", Access.PUBLIC, Api.Body.NONE, call -> redirect(call, "/q/swagger-ui/"));
        api.route(HttpMethod.POST, "/reload", Access.PUBLIC, Api.Body.NONE, call -> {
            info.invalidate();
            return call.ok(new JsonObject());
        });
        api.route(HttpMethod.GET, "/logs/", Access.ADMIN, Api.Body.NONE, this::logs);
    }

    private static Uni<Void> redirect(Call call, String to) {
        call.response().setStatusCode(302).putHeader("Location", to);
        return Uni.createFrom().completionStage(() -> call.response().end().toCompletionStage());
    }

    /** The last {@code lines} lines of the log file, as text (or, as MONAI Label's default, in a page). */
    private Uni<Void> logs(Call call) {
        Path file = config.logFile().orElseThrow(() -> ApiError.notFound("no log file is configured"));
        int lines = lines(call.query("lines"));
        boolean html = !call.flag("text") && (call.query("html") == null || call.flag("html"));
        return Uni.createFrom()
                .item(() -> tail(file, lines))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .flatMap(text -> html
                        ? call.send(
                                200,
                                "text/html; charset=utf-8",
                                Buffer.buffer("<!doctype html><title>MedLabel" + " log</title><pre>" + escape(text)
                                        + "</pre>"))
                        : call.send(200, "text/plain; charset=utf-8", Buffer.buffer(text)));
    }

    private static int lines(String given) {
        if (given == null || given.isEmpty()) {
            return 300;
        }
        try {
            int n = Integer.parseInt(given);
            if (n >= 1 && n <= MAX_LINES) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the error
        }
        throw ApiError.unprocessable("lines must be 1.." + MAX_LINES + ", was '" + given + "'");
    }

    /** Reads backwards from the end, so a large log costs only what is shown. */
    static String tail(Path file, int lines) {
        if (!Files.isRegularFile(file)) {
            throw ApiError.notFound("log file not found");
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long pos = in.length();
            Deque<byte[]> chunks = new ArrayDeque<>();
            int newlines = 0;
            byte[] buf = new byte[8192];
            long size = 0;
            while (pos > 0 && newlines <= lines) {
                int n = (int) Math.min(buf.length, pos);
                pos -= n;
                in.seek(pos);
                in.readFully(buf, 0, n);
                for (int i = 0; i < n; i++) {
                    newlines += buf[i] == '\n' ? 1 : 0;
                }
                chunks.addFirst(java.util.Arrays.copyOf(buf, n));
                size += n;
            }
            byte[] all = new byte[(int) size];
            int at = 0;
            for (byte[] c : chunks) {
                System.arraycopy(c, 0, all, at, c.length);
                at += c.length;
            }
            String text = new String(all, StandardCharsets.UTF_8);
            String[] split = text.split("\n", -1);
            int end = split.length - (text.endsWith("\n") ? 1 : 0);
            int from = Math.max(0, end - lines);
            return String.join("\n", java.util.Arrays.copyOfRange(split, from, end)) + "\n";
        } catch (IOException e) {
            throw ApiError.of(500, "the log file could not be read: " + e.getMessage());
        }
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String page(String base) {
        return """
                <!doctype html>
                <html><head><meta charset="utf-8"><title>MedLabel</title></head>
                <body style="font-family: sans-serif; max-width: 46em; margin: 2em auto">
                <h1>MedLabel</h1>
                <p>AI-assisted medical image annotation, wire-compatible with MONAI Label: point 3D Slicer's MONAI Label
                module, OHIF or MONAI Label's Python client at <code>%s</code>.</p>
                <ul>
                <li><a href="q/swagger-ui/">API documentation (Swagger UI)</a> and the
                <a href="q/openapi">OpenAPI document</a></li>
                <li><a href="info/">info/</a>: the app, its models and the datastore's state</li>
                <li><a href="q/health">q/health</a>: the gateway and the services behind it</li>
                </ul>
                </body></html>
                """.formatted(escape(base));
    }
}
