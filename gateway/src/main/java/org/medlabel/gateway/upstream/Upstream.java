package org.medlabel.gateway.upstream;

import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.mutiny.Uni;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.Pipe;
import jakarta.enterprise.util.TypeLiteral;
import java.net.ConnectException;
import java.net.URI;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.FaultToleranceException;
import org.medlabel.api.internal.InternalHeaders;
import org.medlabel.gateway.config.GatewayConfig;
import org.medlabel.gateway.error.ApiError;

/**
 * One internal service as the gateway calls it, over a pooled Vert.x HTTP client. Every call goes through the
 * service's circuit breaker (SmallRye Fault Tolerance): when most recent calls could not reach it, calls fail at once
 * with 503 and {@code Retry-After} instead of each waiting for a connect timeout. Buffered calls are retried with
 * exponential backoff where that is safe: any failure of an idempotent call (and its 502/503/504 answers), only a
 * refused connection otherwise (the request never arrived). Streamed calls are not retried: their body is gone.
 */
public final class Upstream {

    /** A buffered answer. */
    public record Reply(int status, MultiMap headers, Buffer body) {

        public boolean ok() {
            return status / 100 == 2;
        }

        public JsonObject json() {
            return body.length() == 0 ? new JsonObject() : body.toJsonObject();
        }

        public JsonArray jsonArray() {
            return body.toJsonArray();
        }
    }

    private static final Set<Integer> TRANSIENT = Set.of(502, 503, 504);

    private final String name;
    private final URI base;
    private final HttpClient client;
    private final GatewayConfig.Calls calls;
    private final TypedGuard<Uni<Object>> breaker;
    private final TypedGuard<Uni<Reply>> retryAny;
    private final TypedGuard<Uni<Reply>> retryRefused;
    /** Whether this is a MedLabel service (it gets the internal token), else an outside server such as a PACS. */
    private final boolean internal;
    /** The {@code Authorization} every call to an outside server carries (its own credentials), or null. */
    private final String authorization;

    public Upstream(String name, URI base, Vertx vertx, GatewayConfig.Calls calls) {
        this(name, base, vertx, calls, true, null);
    }

    /**
     * A server outside MedLabel (a PACS): never sent the internal token or the caller's headers, only its own
     * {@code authorization} (may be null); https where its URL says so.
     */
    public static Upstream external(
            String name, URI base, Vertx vertx, GatewayConfig.Calls calls, String authorization) {
        return new Upstream(name, base, vertx, calls, false, authorization);
    }

    private Upstream(
            String name, URI base, Vertx vertx, GatewayConfig.Calls calls, boolean internal, String authorization) {
        this.name = name;
        this.base = base;
        this.calls = calls;
        this.internal = internal;
        this.authorization = authorization;
        boolean tls = "https".equalsIgnoreCase(base.getScheme());
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setSsl(tls)
                .setDefaultHost(base.getHost())
                .setDefaultPort(base.getPort() < 0 ? (tls ? 443 : 80) : base.getPort())
                .setConnectTimeout((int) calls.connectTimeout().toMillis())
                .setMaxPoolSize(64)
                .setKeepAlive(true)
                .setDecompressionSupported(false));
        this.breaker = TypedGuard.create(new TypeLiteral<Uni<Object>>() {})
                .withDescription(name)
                .withCircuitBreaker()
                .requestVolumeThreshold(calls.circuitWindow())
                .failureRatio(calls.circuitFailureRatio())
                .delay(calls.circuitDelay().toMillis(), ChronoUnit.MILLIS)
                .when(Upstream::unreachable)
                .done()
                .build();
        this.retryAny = retry(false);
        this.retryRefused = retry(true);
    }

    public String name() {
        return name;
    }

    /** How long a streamed or long call may stay silent. */
    public Duration idleTimeout() {
        return calls.idleTimeout();
    }

    /** A call whose answer is read whole (JSON, metadata), within the call timeout, retried where safe. */
    public Uni<Reply> call(Outgoing out) {
        return call(out, calls.timeout());
    }

    /** A call whose answer is read whole, within {@code timeout} of silence (an inference, say). */
    public Uni<Reply> call(Outgoing out, Duration timeout) {
        TypedGuard<Uni<Reply>> retry = out.idempotent() ? retryAny : retryRefused;
        java.util.concurrent.atomic.AtomicReference<Reply> last = new java.util.concurrent.atomic.AtomicReference<>();
        return retry.get(() -> guarded(() -> exchange(out, null, timeout)
                        .compose(response ->
                                response.body().map(body -> new Reply(response.statusCode(), response.headers(), body)))
                        .onSuccess(last::set)))
                // retries used up on 502/503/504 answers: the last answer is the caller's (its detail, Retry-After)
                .onFailure(e -> e instanceof FaultToleranceException
                        && !(e instanceof CircuitBreakerOpenException)
                        && last.get() != null)
                .recoverWithItem(e -> last.get())
                .onFailure()
                .transform(this::describe);
    }

    /**
     * A streamed call: {@code body} (the client's request, paused in a pipe) flows to the service as it arrives, and
     * the answer is returned as soon as its headers are in, its body unread. Bounded by the idle timeout only.
     */
    public Uni<HttpClientResponse> stream(Outgoing out, Pipe<Buffer> body) {
        // Paused at once, on the event loop that delivers it: nothing of the body may arrive before it is read.
        return guarded(() -> exchange(out, body, calls.idleTimeout()).map(response -> response.pause()))
                .onFailure()
                .transform(this::describe);
    }

    /** Through the circuit breaker. */
    private <T> Uni<T> guarded(java.util.function.Supplier<io.vertx.core.Future<T>> call) {
        @SuppressWarnings("unchecked")
        TypedGuard<Uni<T>> typed = (TypedGuard<Uni<T>>) (TypedGuard<?>) breaker;
        return typed.get(() -> Uni.createFrom().completionStage(() -> call.get().toCompletionStage()));
    }

    private io.vertx.core.Future<HttpClientResponse> exchange(Outgoing out, Pipe<Buffer> body, Duration timeout) {
        RequestOptions options = new RequestOptions()
                .setMethod(out.method())
                .setURI(basePath() + out.uri())
                .setHeaders(out.headers())
                .setIdleTimeout(timeout.toMillis());
        if (!internal) {
            options.getHeaders().remove(InternalHeaders.USER).remove(InternalHeaders.ROLES);
            if (authorization != null) {
                options.putHeader(HttpHeaders.AUTHORIZATION, authorization);
            }
        }
        calls.internalToken().filter(token -> internal).ifPresent(token -> {
            options.addHeader(InternalHeaders.TOKEN, token);
            if (!out.headers().contains(InternalHeaders.USER)) {
                // the gateway's own calls (info, health of the task list) and those of public routes
                options.addHeader(InternalHeaders.USER, InternalHeaders.serviceUser("medlabel-gateway"));
            }
        });
        return client.request(options).compose(request -> {
            if (out.abandoned() != null) {
                // a no-op once the exchange is over
                out.abandoned().onSuccess(gone -> request.reset());
            }
            return send(request, out, body);
        });
    }

    private static io.vertx.core.Future<HttpClientResponse> send(
            HttpClientRequest request, Outgoing out, Pipe<Buffer> body) {
        if (body != null) {
            if (!request.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
                request.setChunked(true);
            }
            body.to(request);
            return request.response();
        }
        return out.body() != null ? request.send(out.body()) : request.send();
    }

    private String basePath() {
        String path = base.getPath();
        return path == null || path.equals("/") ? "" : path.replaceAll("/+$", "");
    }

    private TypedGuard<Uni<Reply>> retry(boolean onlyRefused) {
        var builder = TypedGuard.create(new TypeLiteral<Uni<Reply>>() {})
                .withRetry()
                .maxRetries(calls.maxRetries())
                .delay(calls.retryDelay().toMillis(), ChronoUnit.MILLIS)
                .jitter(Math.max(1, calls.retryDelay().toMillis() / 4), ChronoUnit.MILLIS)
                .withExponentialBackoff()
                .factor(2)
                .maxDelay(Math.max(calls.retryDelay().toMillis(), 2000), ChronoUnit.MILLIS)
                .done();
        if (onlyRefused) {
            builder = builder.whenException(e -> e instanceof ConnectException);
        } else {
            builder = builder.whenException(e -> !(e instanceof CircuitBreakerOpenException || e instanceof ApiError))
                    .whenResult(r -> r instanceof Reply reply && TRANSIENT.contains(reply.status()));
        }
        return builder.done().build();
    }

    /** Failures that say the service is not there (as opposed to answers, even error answers). */
    private static boolean unreachable(Throwable e) {
        return e instanceof ConnectException || e instanceof TimeoutException || isTimeout(e);
    }

    private static boolean isTimeout(Throwable e) {
        return e.getClass().getSimpleName().contains("Timeout");
    }

    private Throwable describe(Throwable e) {
        if (e instanceof ApiError) {
            return e;
        }
        long retry = calls.circuitDelay().toSeconds();
        if (e instanceof CircuitBreakerOpenException) {
            return ApiError.unavailable(
                    "the " + name + " service is unavailable (its recent calls failed); try again shortly", retry);
        }
        if (e instanceof ConnectException) {
            return ApiError.unavailable("the " + name + " service is unreachable at " + base, retry);
        }
        if (e instanceof TimeoutException || isTimeout(e)) {
            return ApiError.of(504, "the " + name + " service did not answer in time");
        }
        return ApiError.of(502, "the call to the " + name + " service failed: " + e.getMessage());
    }

    public void close() {
        client.close();
    }
}
