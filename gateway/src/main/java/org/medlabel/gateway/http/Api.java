package org.medlabel.gateway.http;

import io.quarkus.security.AuthenticationFailedException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.Pipe;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URI;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;
import org.medlabel.gateway.audit.AuditLog;
import org.medlabel.gateway.auth.Access;
import org.medlabel.gateway.auth.Authenticator;
import org.medlabel.gateway.auth.Caller;
import org.medlabel.gateway.error.ApiError;

/**
 * MONAI Label's paths on the gateway's router: each under the root path, in its trailing-slash form and without it
 * (MONAI Label redirects the latter; clients send the former), with a request id, and with every failure answered as
 * MONAI Label's {@code {"detail": "..."}} JSON.
 */
public final class Api {

    /** The request id header, taken from the client or made here, passed to the services and returned. */
    public static final String REQUEST_ID = "X-Request-Id";

    private static final Logger LOG = Logger.getLogger(Api.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final String CALLER = "medlabel.caller";
    private static final String VERIFIED = "medlabel.caller.verified";

    /** What a route does with the request body. */
    public enum Body {
        /** Nothing is read (GET, DELETE; a body sent anyway is drained). */
        NONE,
        /** Streamed to a service as it arrives. */
        STREAM,
        /** Read whole (up to the form limit): JSON bodies and form fields; uploaded files are discarded. */
        BUFFER
    }

    /** A route's work; the Uni ends when the answer has been sent. */
    @FunctionalInterface
    public interface Handler {
        Uni<Void> handle(Call call);
    }

    private final Router router;
    private final String rootPath;
    private final URI publicUrl;
    private final BodyHandler bodies;
    private final Authenticator authenticator;
    private final AuditLog audit;
    private final Map<String, Access> routes = new TreeMap<>();

    public Api(
            Router router,
            String rootPath,
            URI publicUrl,
            int maxFormBytes,
            Authenticator authenticator,
            AuditLog audit) {
        this.router = router;
        this.rootPath = normalise(rootPath);
        this.publicUrl = publicUrl;
        this.bodies = BodyHandler.create(false).setBodyLimit(maxFormBytes);
        this.authenticator = authenticator;
        this.audit = audit;
    }

    /** {@code /api/} -> {@code /api}; {@code /} -> empty. */
    static String normalise(String rootPath) {
        String p = rootPath == null ? "" : rootPath.trim();
        p = p.replaceAll("/+$", "");
        return p.isEmpty() || p.startsWith("/") ? p : "/" + p;
    }

    public String rootPath() {
        return rootPath;
    }

    /** Every route as {@code METHOD /path} (the trailing-slash form, without the root path), with who may call it. */
    public Map<String, Access> routes() {
        return routes;
    }

    /** A route open to callers with {@code access} (MONAI Label's role for it). */
    public void route(HttpMethod method, String path, Access access, Body body, Handler handler) {
        routes.put(method.name() + " " + path, access);
        String full = rootPath + path;
        register(method, full, access, body, handler);
        if (full.endsWith("/") && full.length() > 1) {
            register(method, full.substring(0, full.length() - 1), access, body, handler);
        }
    }

    /**
     * A route for every path under {@code prefix} (a pass-through); documented as {@code prefix/:path}. The handler
     * reads the rest of the path with {@link Call#pathAfter}.
     */
    public void routeTree(HttpMethod method, String prefix, Access access, Body body, Handler handler) {
        routes.put(method.name() + " " + prefix + "/:path", access);
        register(method, rootPath + prefix + "/*", access, body, handler);
    }

    private void register(HttpMethod method, String path, Access access, Body body, Handler handler) {
        Route route = router.route(method, path);
        // A platform handler: Vert.x runs those before body handlers, and nothing is read before the role check.
        route.handler((io.vertx.ext.web.handler.PlatformHandler) ctx -> authorize(ctx, access, body));
        if (body == Body.BUFFER) {
            route.handler(bodies);
        }
        route.handler(ctx -> handle(ctx, body, handler)).failureHandler(this::failed);
    }

    /** The role check, before the body is read: the request waits, paused, while the token is verified. */
    private void authorize(RoutingContext ctx, Access access, Body body) {
        String requestId = requestId(ctx);
        ctx.response().putHeader(REQUEST_ID, requestId);
        audit.record(ctx, requestId);
        if (!authenticator.enabled()) {
            ctx.put(CALLER, authenticator.everyone());
            ctx.next();
            return;
        }
        ctx.request().pause();
        io.vertx.core.Context context = ctx.vertx().getOrCreateContext();
        authenticator
                .authorize(ctx, access)
                .emitOn(task -> context.runOnContext(v -> task.run()))
                .subscribe()
                .with(
                        caller -> {
                            ctx.put(CALLER, caller);
                            ctx.put(VERIFIED, caller.username() != null);
                            if (body != Body.STREAM) {
                                ctx.request().resume();
                            }
                            ctx.next();
                        },
                        failure -> {
                            // the refused body is read and dropped, so the client sees the answer, not a reset
                            ctx.request().resume();
                            fail(ctx, requestId, failure);
                        });
    }

    /** Who made this request (set by the role check; everyone when auth is off). */
    public static Caller caller(RoutingContext ctx) {
        return ctx.get(CALLER);
    }

    /** Whether {@link #caller} is a user a token proved (auth on, a route that needs one). */
    public static boolean verified(RoutingContext ctx) {
        return Boolean.TRUE.equals(ctx.get(VERIFIED));
    }

    private void handle(RoutingContext ctx, Body body, Handler handler) {
        String requestId = requestId(ctx);
        Pipe<Buffer> pipe = body == Body.STREAM && hasBody(ctx) ? ctx.request().pipe() : null;
        Uni<Void> work;
        try {
            work = handler.handle(new Call(ctx, requestId, pipe, publicUrl, rootPath));
        } catch (RuntimeException e) {
            work = Uni.createFrom().failure(e);
        }
        work.subscribe().with(done -> {}, failure -> {
            if (pipe != null) {
                pipe.close();
            }
            fail(ctx, requestId, failure);
        });
    }

    private static boolean hasBody(RoutingContext ctx) {
        if (ctx.request().version() == io.vertx.core.http.HttpVersion.HTTP_2) {
            // HTTP/2 (h2c, as Java's HttpClient upgrades to) frames bodies without either header.
            return !ctx.request().isEnded();
        }
        var headers = ctx.request().headers();
        String length = headers.get(HttpHeaders.CONTENT_LENGTH);
        return headers.contains(HttpHeaders.TRANSFER_ENCODING) || (length != null && !length.equals("0"));
    }

    private void failed(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        if (failure == null) {
            int status = ctx.statusCode() < 0 ? 500 : ctx.statusCode();
            failure =
                    ApiError.of(status, status == 413 ? "the request body is larger than the limit" : "request failed");
        }
        fail(ctx, requestId(ctx), failure);
    }

    private static void fail(RoutingContext ctx, String requestId, Throwable failure) {
        if (ctx.response().ended()) {
            // quarkus-oidc fails the request itself when a token is refused, as the role check does: one answer is out
            LOG.debugf("[%s] already answered: %s", requestId, failure.toString());
            return;
        }
        if (failure instanceof AuthenticationFailedException) {
            failure = ApiError.unauthorized(Authenticator.INVALID);
        }
        if (ctx.response().closed()) {
            LOG.debugf("[%s] the client went away: %s", requestId, failure.toString());
            return;
        }
        if (ctx.response().headWritten()) {
            // Part of the answer is out: the only honest signal left is a broken connection.
            LOG.warnf(
                    "[%s] %s %s failed after the answer began: %s",
                    requestId, ctx.request().method(), ctx.request().path(), failure.toString());
            ctx.request().connection().close();
            return;
        }
        int status;
        String detail;
        if (failure instanceof ApiError error) {
            status = error.status();
            detail = error.getMessage();
            if (error.retryAfter() != null) {
                ctx.response().putHeader("Retry-After", error.retryAfter());
            }
            if (status == 401) {
                ctx.response().putHeader("WWW-Authenticate", "Bearer");
            }
        } else if (failure instanceof io.vertx.core.json.DecodeException) {
            status = 422;
            detail = "the body is not valid JSON: " + failure.getMessage();
        } else {
            status = 500;
            detail = "internal error (request " + requestId + ")";
            LOG.errorf(
                    failure,
                    "[%s] %s %s failed",
                    requestId,
                    ctx.request().method(),
                    ctx.request().path());
        }
        if (status >= 500) {
            LOG.infof(
                    "[%s] %s %s -> %d %s",
                    requestId, ctx.request().method(), ctx.request().path(), status, detail);
        }
        ctx.response()
                .setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(new JsonObject().put("detail", detail).encode());
    }

    /** The client's id when it is a sane token, else a fresh one; the same for the whole request. */
    private static String requestId(RoutingContext ctx) {
        String known = ctx.get(REQUEST_ID);
        if (known != null) {
            return known;
        }
        String given = ctx.request().getHeader(REQUEST_ID);
        String id = given != null && SAFE_ID.matcher(given).matches() ? given : freshId();
        ctx.put(REQUEST_ID, id);
        return id;
    }

    private static String freshId() {
        byte[] id = new byte[8];
        RANDOM.nextBytes(id);
        return HexFormat.of().formatHex(id);
    }
}
