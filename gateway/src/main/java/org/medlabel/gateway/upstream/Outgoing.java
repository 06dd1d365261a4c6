package org.medlabel.gateway.upstream;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import org.medlabel.gateway.error.ApiError;

/**
 * One call to a service: method, path with query, headers and, for buffered calls, the body. Built with
 * {@link #to(HttpMethod, String, String...)}: path segments and query values are encoded here, so an id such as
 * {@code ../x} stays one segment and reaches the service, which refuses it.
 */
public final class Outgoing {

    private final HttpMethod method;
    private final String path;
    private final Map<String, String> query = new LinkedHashMap<>();
    private final MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    private Buffer body;
    private Future<Void> abandoned;

    private Outgoing(HttpMethod method, String path) {
        this.method = method;
        this.path = path;
    }

    /** {@code template} with {@code {}} for each segment, e.g. {@code to(GET, "/images/{}/labels/{}", id, tag)}. */
    public static Outgoing to(HttpMethod method, String template, String... segments) {
        StringBuilder path = new StringBuilder();
        int from = 0;
        for (String segment : segments) {
            int at = template.indexOf("{}", from);
            if (at < 0) {
                throw new IllegalArgumentException("more segments than placeholders in " + template);
            }
            path.append(template, from, at).append(encodeSegment(segment));
            from = at + 2;
        }
        return new Outgoing(method, path.append(template.substring(from)).toString());
    }

    /** Adds a query parameter unless its value is null. */
    public Outgoing query(String name, Object value) {
        if (value != null) {
            query.put(name, value.toString());
        }
        return this;
    }

    public Outgoing header(String name, String value) {
        if (value != null) {
            headers.set(name, value);
        }
        return this;
    }

    public Outgoing json(Buffer json) {
        return body(json, "application/json");
    }

    /** A body sent whole (and so repeatable). */
    public Outgoing body(Buffer body, String contentType) {
        this.body = body;
        return header("Content-Type", contentType);
    }

    /**
     * The call is reset (its connection to the service closed) when {@code signal} completes: the client it is made for
     * went away, so the service can stop working for nobody (the inference service stops the network pass).
     */
    public Outgoing abandonedWhen(Future<Void> signal) {
        this.abandoned = signal;
        return this;
    }

    /** What {@link #abandonedWhen} gave, or null. */
    Future<Void> abandoned() {
        return abandoned;
    }

    public HttpMethod method() {
        return method;
    }

    public MultiMap headers() {
        return headers;
    }

    public Buffer body() {
        return body;
    }

    /** Safe to send twice: no side effect, or the same one (PUT and DELETE of a named resource). */
    public boolean idempotent() {
        return method == HttpMethod.GET
                || method == HttpMethod.HEAD
                || method == HttpMethod.DELETE
                || (method == HttpMethod.PUT && body != null);
    }

    /** Path and query, encoded. */
    public String uri() {
        if (query.isEmpty()) {
            return path;
        }
        StringJoiner q = new StringJoiner("&", path + "?", "");
        query.forEach((k, v) -> q.add(encode(k) + "=" + encode(v)));
        return q.toString();
    }

    @Override
    public String toString() {
        return method + " " + uri();
    }

    private static String encodeSegment(String segment) {
        // A dot segment would be resolved away by the service's HTTP layer (even percent-encoded) and so name
        // another resource; an empty one would name the collection.
        if (segment == null || segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
            throw ApiError.badRequest("invalid id '" + (segment == null ? "" : segment) + "'");
        }
        return encode(segment);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
