package org.medlabel.platform.http;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Supplier;
import org.medlabel.platform.security.InternalIdentity;

/**
 * The one HTTP stack for calls between MedLabel's back-end services: JSON bodies read into records, the services' error
 * shape ({@code code}, {@code detail}) read into {@link ServiceRejectedException}, and one outage policy — a refused
 * connection, a timeout or an HTTP 5xx is {@link ServiceUnavailableException}, and idempotent reads are tried
 * {@value #ATTEMPTS} times with a doubling pause first, so a service restarting for a second is not an error.
 */
public final class ServiceHttp {

    /** Where a service is, how long a call to it may take, and who calls (the internal token, when there is one). */
    public record Settings(
            String service, URI url, Duration connectTimeout, Duration readTimeout, InternalIdentity identity) {

        /** Without an internal token. */
        public Settings(String service, URI url, Duration connectTimeout, Duration readTimeout) {
            this(service, url, connectTimeout, readTimeout, InternalIdentity.NONE);
        }
    }

    /** A whole answer. */
    public record Answer(int status, HttpHeaders headers, byte[] body) {
        public String contentType() {
            return headers.firstValue("Content-Type").orElse("");
        }
    }

    public static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    static final int ATTEMPTS = 3;
    private static final Duration FIRST_PAUSE = Duration.ofMillis(250);
    /** Enough of an error body for its detail; the rest is not read. */
    private static final int MAX_ERROR_BYTES = 64 * 1024;

    private final Settings settings;
    private final String base;
    private final HttpClient http;
    /** For a server outside MedLabel: the headers every call carries instead of the internal identity; else null. */
    private final Map<String, String> external;

    public ServiceHttp(Settings settings) {
        this(settings, null);
    }

    /**
     * A server outside MedLabel (a PACS): its calls carry {@code headers} (its own credentials) and never the internal
     * token or user; retries, timeouts and error mapping as for a service, which {@code name} stands for in messages.
     */
    public static ServiceHttp external(
            String name, URI url, Duration connectTimeout, Duration readTimeout, Map<String, String> headers) {
        return new ServiceHttp(new Settings(name, url, connectTimeout, readTimeout), Map.copyOf(headers));
    }

    private ServiceHttp(Settings settings, Map<String, String> external) {
        this.settings = settings;
        this.external = external;
        this.base = settings.url().toString().replaceAll("/+$", "");
        // HTTP/1.1: the services speak plain HTTP, where HTTP/2 would only add an h2c upgrade attempt.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout())
                .build();
    }

    public String service() {
        return settings.service();
    }

    /**
     * One path segment: every character outside [A-Za-z0-9.*_-] percent-encoded, '/' included. A dot segment would be
     * resolved away by servers whatever its encoding, so it is refused.
     */
    public static String segment(String id) {
        if (id == null || id.isEmpty() || id.equals(".") || id.equals("..")) {
            throw new IllegalArgumentException("'" + id + "' cannot name a resource");
        }
        return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A path with its query; null values are left out. */
    public static String path(String path, Map<String, ?> query) {
        StringJoiner q = new StringJoiner("&", "?", "").setEmptyValue("");
        query.forEach((k, v) -> {
            if (v != null) {
                q.add(k + "=" + URLEncoder.encode(String.valueOf(v), StandardCharsets.UTF_8));
            }
        });
        return path + q;
    }

    /** A GET whose 2xx JSON answer is read as {@code type}. */
    public <T> T getJson(String path, TypeReference<T> type) {
        return read(getAnswer(path), type);
    }

    /** A GET answered whole; a non-2xx answer is thrown. */
    public Answer getAnswer(String path) {
        return getAnswer(path, null);
    }

    /** A GET asking for the media type {@code accept} (null: any), answered whole; a non-2xx answer is thrown. */
    public Answer getAnswer(String path, String accept) {
        return checked(retried(() -> {
            HttpRequest.Builder request = request(path).GET();
            if (accept != null) {
                request.header("Accept", accept);
            }
            return send(request, HttpResponse.BodyHandlers.ofByteArray(), path);
        }));
    }

    /** A GET whose 2xx body is streamed (the caller closes it); anything else is thrown. */
    public HttpResponse<InputStream> open(String path) {
        HttpResponse<InputStream> response =
                retried(() -> send(request(path).GET(), HttpResponse.BodyHandlers.ofInputStream(), path));
        if (response.statusCode() / 100 == 2) {
            return response;
        }
        byte[] body;
        try (InputStream in = response.body()) {
            body = in.readNBytes(MAX_ERROR_BYTES);
        } catch (IOException e) {
            body = new byte[0];
        }
        throw failure(path, response.statusCode(), body);
    }

    /**
     * A call with a body, tried once (it may change state); {@code timeout} replaces the read timeout (long work such as
     * an inference). A non-2xx answer is thrown.
     */
    public Answer send(String method, String path, String contentType, byte[] body, Duration timeout) {
        return send(method, path, contentType, body, timeout, null);
    }

    /** As {@link #send(String, String, String, byte[], Duration)} for {@code user} (null: this service itself). */
    public Answer send(String method, String path, String contentType, byte[] body, Duration timeout, String user) {
        HttpRequest.Builder request = request(path, user)
                .timeout(timeout == null ? settings.readTimeout() : timeout)
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return checked(send(request, HttpResponse.BodyHandlers.ofByteArray(), path));
    }

    /** A JSON body sent with {@link #send}, its JSON answer read as {@code type}. */
    public <T> T sendJson(String method, String path, Object body, TypeReference<T> type) {
        try {
            return read(send(method, path, "application/json", JSON.writeValueAsBytes(body), null), type);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write a JSON body: " + e.getMessage(), e);
        }
    }

    public <T> T read(Answer answer, TypeReference<T> type) {
        return read(answer.body(), type);
    }

    /** JSON another service answered (a whole body, or a part of one) read as {@code type}. */
    public <T> T read(byte[] json, TypeReference<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (IOException e) {
            throw new ServiceUnavailableException(
                    service(), "unreadable answer from the " + service() + " service: " + e.getMessage(), e);
        }
    }

    private Answer checked(HttpResponse<byte[]> response) {
        if (response.statusCode() / 100 != 2) {
            throw failure(response.uri().getRawPath(), response.statusCode(), response.body());
        }
        return new Answer(response.statusCode(), response.headers(), response.body());
    }

    private HttpRequest.Builder request(String path) {
        return request(path, null);
    }

    private HttpRequest.Builder request(String path, String user) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(base + path)).timeout(settings.readTimeout());
        if (external == null) {
            settings.identity().apply(request, user);
        } else {
            external.forEach(request::header);
        }
        return request;
    }

    private <T> HttpResponse<T> send(HttpRequest.Builder request, BodyHandler<T> handler, String path) {
        try {
            HttpResponse<T> response = http.send(request.build(), handler);
            if (response.statusCode() >= 502 && response.statusCode() <= 504) {
                throw new ServiceUnavailableException(
                        service(), "the " + service() + " service is unavailable (HTTP " + response.statusCode() + ")");
            }
            return response;
        } catch (IOException e) {
            throw new ServiceUnavailableException(
                    service(), "the " + service() + " service at " + base + " is unreachable (" + path + "): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServiceUnavailableException(
                    service(), "interrupted while calling the " + service() + " service", e);
        }
    }

    private <T> T retried(Supplier<T> call) {
        Duration pause = FIRST_PAUSE;
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (ServiceUnavailableException e) {
                if (attempt == ATTEMPTS || Thread.currentThread().isInterrupted()) {
                    throw e;
                }
                try {
                    Thread.sleep(pause.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                pause = pause.multipliedBy(2);
            }
        }
    }

    /** A 5xx is an outage; a 4xx a refusal with the service's code and detail. */
    private RuntimeException failure(String path, int status, byte[] body) {
        String code = "";
        String detail = "";
        try {
            JsonNode error = JSON.readTree(body);
            code = error.path("code").asText("");
            detail = error.path("detail").asText("");
        } catch (IOException | RuntimeException e) {
            detail = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8);
        }
        String message = "the " + service() + " service answered " + status + (code.isEmpty() ? "" : " " + code)
                + " for " + path + (detail.isEmpty() ? "" : ": " + detail);
        if (status >= 500) {
            return new ServiceUnavailableException(service(), message);
        }
        return new ServiceRejectedException(message, status, code, detail.isEmpty() ? message : detail);
    }

    /** The query parameters of a call, in order. */
    public static Map<String, Object> query(Object... keysAndValues) {
        Map<String, Object> q = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            q.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return q;
    }
}
