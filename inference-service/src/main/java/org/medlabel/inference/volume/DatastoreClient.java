package org.medlabel.inference.volume;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Reads image metadata and bytes from the datastore-service's REST API ({@code GET /images/{id}} and
 * {@code GET /images/{id}/file}). A missing image becomes {@link ImageNotFoundException}; an unreachable datastore or
 * any other failed answer becomes {@link DatastoreUnavailableException}.
 */
@ApplicationScoped
public class DatastoreClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Enough of an error body for its detail; the rest is not read. */
    private static final int MAX_ERROR_BYTES = 64 * 1024;

    private final String baseUrl;
    private final Duration readTimeout;
    private final HttpClient http;

    public DatastoreClient(DatastoreClientConfig config) {
        this.baseUrl = config.url().toString().replaceAll("/+$", "");
        this.readTimeout = config.readTimeout();
        // HTTP/1.1: the datastore is plain HTTP, where HTTP/2 would only add an h2c upgrade attempt.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.connectTimeout())
                .build();
    }

    /** The image's metadata. */
    public ImageRef describe(String imageId) {
        JsonNode image = metadata(Kind.IMAGE, imageId);
        return new ImageRef(
                required(image, "id").asText(),
                required(image, "name").asText(),
                required(image, "sha256").asText(),
                required(image, "sizeBytes").asLong());
    }

    /**
     * A session's image (MONAI Label's {@code session_id}): a session never changes, so its id stands for the
     * checksum, under a key no image id can take.
     */
    public ImageRef describeSession(String sessionId) {
        JsonNode session = metadata(Kind.SESSION, sessionId);
        String key = "session:" + sessionId;
        return new ImageRef(key, required(session, "image").asText(), key, 0);
    }

    /** The image's file, streamed as stored; the caller closes it. */
    public InputStream open(String imageId) {
        return file(Kind.IMAGE, imageId);
    }

    /** The session's image file, streamed; the caller closes it. */
    public InputStream openSession(String sessionId) {
        return file(Kind.SESSION, sessionId);
    }

    /** The two kinds of things inference reads: the datastore's path, and its "not found" code. */
    private enum Kind {
        IMAGE("image", "/images/", "IMAGE_NOT_FOUND"),
        SESSION("session", "/sessions/", "SESSION_NOT_FOUND");

        final String noun;
        final String path;
        final String notFound;

        Kind(String noun, String path, String notFound) {
            this.noun = noun;
            this.path = path;
            this.notFound = notFound;
        }
    }

    private JsonNode metadata(Kind kind, String id) {
        HttpResponse<byte[]> response = get(kind, id, "", HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw failure(kind, id, response.statusCode(), response.body());
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new DatastoreUnavailableException(
                    "unreadable answer from the datastore for " + kind.noun + " '" + id + "'", e);
        }
    }

    private InputStream file(Kind kind, String id) {
        HttpResponse<InputStream> response = get(kind, id, "/file", HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() == 200) {
            return response.body();
        }
        byte[] body;
        try (InputStream in = response.body()) {
            body = in.readNBytes(MAX_ERROR_BYTES);
        } catch (IOException e) {
            body = new byte[0];
        }
        throw failure(kind, id, response.statusCode(), body);
    }

    private <T> HttpResponse<T> get(Kind kind, String imageId, String suffix, BodyHandler<T> handler) {
        // A dot segment is resolved away by servers whatever its encoding, so it would name another resource; the
        // datastore never issues such ids.
        if (imageId.isEmpty() || imageId.equals(".") || imageId.equals("..")) {
            throw new ImageNotFoundException(kind.noun, imageId);
        }
        // Every character outside [A-Za-z0-9.*_-] is percent-encoded, '/' included, so an id stays one path segment.
        String segment = URLEncoder.encode(imageId, StandardCharsets.UTF_8).replace("+", "%20");
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + kind.path + segment + suffix))
                .timeout(readTimeout)
                .GET()
                .build();
        try {
            return http.send(request, handler);
        } catch (IOException e) {
            throw new DatastoreUnavailableException("datastore at " + baseUrl + " unreachable: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatastoreUnavailableException(
                    "interrupted while asking the datastore for " + kind.noun + " '" + imageId + "'", e);
        }
    }

    /**
     * Only the datastore's own codes mean "no such image": a bare 404 comes from a wrong URL (another service, a
     * proxy), which is a configuration problem, not a missing image.
     */
    private static RuntimeException failure(Kind kind, String imageId, int status, byte[] body) {
        String code = "";
        String detail = "";
        try {
            JsonNode error = JSON.readTree(body);
            code = error.path("code").asText();
            detail = error.path("detail").asText();
        } catch (IOException e) {
            // Not the datastore's JSON error shape: the status alone is reported.
        }
        if ((status == 404 && code.equals(kind.notFound)) || (status == 400 && code.equals("INVALID_ID"))) {
            return new ImageNotFoundException(kind.noun, imageId);
        }
        return new DatastoreUnavailableException("datastore answered " + status + (code.isEmpty() ? "" : " " + code)
                + " for " + kind.noun + " '" + imageId + "'" + (detail.isEmpty() ? "" : ": " + detail));
    }

    private static JsonNode required(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new DatastoreUnavailableException(
                    "unreadable answer from the datastore: field '" + field + "' is missing");
        }
        return value;
    }
}
