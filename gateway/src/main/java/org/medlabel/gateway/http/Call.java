package org.medlabel.gateway.http;

import io.smallrye.mutiny.Uni;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.Json;
import io.vertx.core.streams.Pipe;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.util.Set;
import java.util.function.Function;
import org.medlabel.api.internal.InternalHeaders;
import org.medlabel.gateway.auth.Caller;
import org.medlabel.gateway.error.ApiError;
import org.medlabel.gateway.upstream.Outgoing;
import org.medlabel.gateway.upstream.Upstream;

/** One client request as a route handler sees it, with the ways to answer it. */
public final class Call {

    /** Headers that belong to one connection, never relayed. */
    private static final Set<String> HOP_BY_HOP =
            Set.of("connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "trailer");

    private final RoutingContext ctx;
    private final String requestId;
    private final Pipe<Buffer> pipe;
    private final URI publicUrl;
    private final String rootPath;
    private final Promise<Void> clientGone = Promise.promise();

    Call(RoutingContext ctx, String requestId, Pipe<Buffer> pipe, URI publicUrl, String rootPath) {
        this.ctx = ctx;
        this.requestId = requestId;
        this.pipe = pipe;
        this.publicUrl = publicUrl;
        this.rootPath = rootPath;
        // called only when the connection closes before the answer is complete
        ctx.response().closeHandler(v -> clientGone.tryComplete());
    }

    public String requestId() {
        return requestId;
    }

    /** Who made the request (everyone when auth is off). */
    public Caller caller() {
        return Api.caller(ctx);
    }

    /** A path parameter ({@code :model}). */
    public String path(String name) {
        return ctx.pathParam(name);
    }

    /** A query parameter, or null. */
    public String query(String name) {
        return ctx.queryParams().get(name);
    }

    /** A boolean query parameter as FastAPI reads one ({@code true/1/yes/on}, {@code false/0/no/off}). */
    public boolean flag(String name) {
        String v = query(name);
        if (v == null || v.isEmpty()) {
            return false;
        }
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw ApiError.unprocessable("query parameter " + name + " must be a boolean, was '" + v + "'");
        };
    }

    /** A query parameter that must be there. */
    public String required(String name) {
        String v = query(name);
        if (v == null || v.isEmpty()) {
            throw ApiError.unprocessable("query parameter '" + name + "' is required");
        }
        return v;
    }

    /**
     * The request's path after {@code prefix} (as the client encoded it) with its query string, for a pass-through;
     * 400 for dot segments or backslashes, which could step out of the place it is passed to.
     */
    public String pathAfter(String prefix) {
        String path = ctx.request().path();
        String tail = path.length() > rootPath.length() + prefix.length()
                ? path.substring(rootPath.length() + prefix.length() + 1)
                : "";
        String decoded;
        try {
            decoded = java.net.URLDecoder.decode(tail.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("invalid path '" + tail + "': " + e.getMessage());
        }
        // An encoded slash or dot segment would be decoded by the server it is passed to and step out of its place.
        boolean escapes = tail.toLowerCase(java.util.Locale.ROOT).contains("%2f") || decoded.contains("\\");
        for (String segment : decoded.split("/", -1)) {
            escapes |= segment.equals(".") || segment.equals("..");
        }
        if (escapes) {
            throw ApiError.badRequest("invalid path '" + tail + "'");
        }
        String query = ctx.request().query();
        return query == null || query.isEmpty() ? tail : tail + "?" + query;
    }

    public io.vertx.core.http.HttpMethod method() {
        return ctx.request().method();
    }

    public MultiMap headers() {
        return ctx.request().headers();
    }

    /** The buffered body of a {@link Api.Body#BUFFER} route (empty when none was sent). */
    public Buffer body() {
        Buffer body = ctx.body().buffer();
        return body == null ? Buffer.buffer() : body;
    }

    /** Form fields (multipart or URL-encoded) of a {@link Api.Body#BUFFER} route. */
    public MultiMap form() {
        return ctx.request().formAttributes();
    }

    /** The gateway's base URL as this client reaches it, with the root path, without a trailing slash. */
    public String baseUrl() {
        if (publicUrl != null) {
            return publicUrl.toString().replaceAll("/+$", "") + rootPath;
        }
        String host = ctx.request().authority() == null
                ? ctx.request().localAddress().hostAddress() + ":"
                        + ctx.request().localAddress().port()
                : ctx.request().authority().toString();
        return ctx.request().scheme() + "://" + host + rootPath;
    }

    /**
     * A call to a service carrying this request's id and, when auth is on, its authenticated caller (whom the service
     * records as the author of what it saves), given up when this request's client goes away.
     */
    public Outgoing to(io.vertx.core.http.HttpMethod method, String template, String... segments) {
        Outgoing out = Outgoing.to(method, template, segments)
                .header(Api.REQUEST_ID, requestId)
                .abandonedWhen(clientGone.future());
        if (Api.verified(ctx)) {
            Caller caller = caller();
            out.header(InternalHeaders.USER, caller.username())
                    .header(InternalHeaders.ROLES, String.join(",", caller.roles()));
        }
        return out;
    }

    /** Streams this request's body (its content type and length included) to the service and the answer back. */
    public Uni<Void> forward(Upstream upstream, Outgoing out) {
        return open(upstream, out).flatMap(this::relay);
    }

    /** Streams this request's body to the service; the answer is the caller's to read or relay. */
    public Uni<HttpClientResponse> open(Upstream upstream, Outgoing out) {
        if (pipe == null) {
            return upstream.stream(out, null);
        }
        MultiMap in = ctx.request().headers();
        out.header("Content-Type", in.get(HttpHeaders.CONTENT_TYPE)).header("Content-Length", in.get("Content-Length"));
        return upstream.stream(out, pipe);
    }

    /**
     * Streams one file field of this multipart request to the service as the raw body ({@code application/octet-stream})
     * and relays the answer; the other fields are ignored. 422 when the request has no such field.
     */
    public Uni<Void> forwardFile(String field, Upstream upstream, Outgoing out) {
        var request = ctx.request();
        String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/form-data")) {
            throw ApiError.unprocessable("send the file as multipart/form-data field '" + field + "'");
        }
        var answer = new java.util.concurrent.CompletableFuture<Void>();
        var started = new java.util.concurrent.atomic.AtomicBoolean();
        request.setExpectMultipart(true);
        request.uploadHandler(upload -> {
            if (!upload.name().equals(field) || !started.compareAndSet(false, true)) {
                upload.handler(b -> {});
                return;
            }
            Pipe<Buffer> file = upload.pipe();
            out.header("Content-Type", "application/octet-stream");
            upstream.stream(out, file)
                    .flatMap(this::relay)
                    .subscribe()
                    .with(v -> answer.complete(null), answer::completeExceptionally);
        });
        request.endHandler(v -> {
            if (!started.get()) {
                answer.completeExceptionally(ApiError.unprocessable("multipart field '" + field + "' is missing"));
            }
        });
        request.exceptionHandler(answer::completeExceptionally);
        request.resume();
        return Uni.createFrom().completionStage(answer);
    }

    /** Relays a service's answer as it is: status, headers, body streamed. */
    public Uni<Void> relay(HttpClientResponse from) {
        HttpServerResponse to = ctx.response().setStatusCode(from.statusCode());
        from.headers().forEach(h -> {
            if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(java.util.Locale.ROOT))) {
                to.headers().add(h.getKey(), h.getValue());
            }
        });
        return Uni.createFrom().completionStage(() -> to.send(from).toCompletionStage());
    }

    /** A small call (retried where safe) whose answer is relayed as it is. */
    public Uni<Void> pass(Upstream upstream, Outgoing out) {
        return upstream.call(out)
                .flatMap(reply -> reshape(reply, r -> {
                    String type = r.headers().get(HttpHeaders.CONTENT_TYPE);
                    return send(r.status(), type == null ? "application/json" : type, r.body());
                }));
    }

    /** A service's success answer, read whole and reshaped by {@code answer}; an error answer is relayed as it is. */
    public Uni<Void> reshape(HttpClientResponse from, Function<Upstream.Reply, Uni<Void>> answer) {
        if (from.statusCode() / 100 != 2) {
            return relay(from);
        }
        var body = from.body();
        from.resume();
        return Uni.createFrom()
                .completionStage(body::toCompletionStage)
                .flatMap(b -> answer.apply(new Upstream.Reply(from.statusCode(), from.headers(), b)));
    }

    /** A buffered answer reshaped by {@code answer} when it is a success, else relayed as it is. */
    public Uni<Void> reshape(Upstream.Reply reply, Function<Upstream.Reply, Uni<Void>> answer) {
        if (reply.ok()) {
            return answer.apply(reply);
        }
        String type = reply.headers().get(HttpHeaders.CONTENT_TYPE);
        String retryAfter = reply.headers().get("Retry-After");
        if (retryAfter != null) {
            ctx.response().putHeader("Retry-After", retryAfter);
        }
        return send(reply.status(), type == null ? "application/json" : type, reply.body());
    }

    /** Answers with JSON (MONAI Label's {@code null} included). */
    public Uni<Void> json(int status, Object value) {
        String body = value == null ? "null" : Json.encode(value);
        return Uni.createFrom()
                .completionStage(() -> ctx.response()
                        .setStatusCode(status)
                        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                        .end(body)
                        .toCompletionStage());
    }

    public Uni<Void> ok(Object value) {
        return json(200, value);
    }

    public Uni<Void> send(int status, String contentType, Buffer body) {
        return Uni.createFrom()
                .completionStage(() -> ctx.response()
                        .setStatusCode(status)
                        .putHeader(HttpHeaders.CONTENT_TYPE, contentType)
                        .end(body)
                        .toCompletionStage());
    }

    public HttpServerResponse response() {
        return ctx.response();
    }

    /** Whether the client asked with HEAD. */
    public boolean head() {
        return ctx.request().method() == io.vertx.core.http.HttpMethod.HEAD;
    }
}
