package org.medlabel.datastore.dicomweb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.medlabel.datastore.config.DatastoreConfig;
import org.medlabel.datastore.error.DatastoreException;
import org.medlabel.datastore.error.ErrorCode;
import org.medlabel.datastore.service.DicomUpload;
import org.medlabel.imaging.dicom.DicomObject;
import org.medlabel.platform.http.Multipart;

/**
 * The DICOMweb calls a DICOMweb datastore makes: QIDO-RS series searches and WADO-RS series retrieves, with the PACS's
 * prefixes and basic credentials. A PACS that cannot be reached, or answers 5xx, is {@code PACS_UNAVAILABLE} (503);
 * any other unexpected answer says what the PACS said.
 */
public final class DicomWebClient {

    /** One series as QIDO-RS lists it. */
    public record Series(String studyUid, String seriesUid, String modality, String patientId) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI root;
    private final DatastoreConfig.DicomWeb config;
    private final String authorization;
    private final long maxBytes;
    private final HttpClient http;

    public DicomWebClient(DatastoreConfig.DicomWeb config, long maxBytes) {
        this.root = config.url().orElseThrow(() -> new IllegalStateException("no DICOMweb URL configured"));
        this.config = config;
        this.maxBytes = maxBytes;
        this.authorization = config.username()
                .map(user -> "Basic "
                        + Base64.getEncoder()
                                .encodeToString(
                                        (user + ":" + config.password().orElse("")).getBytes(StandardCharsets.UTF_8)))
                .orElse(null);
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** The series matching {@code filter} (QIDO-RS attribute=value pairs). */
    public List<Series> searchSeries(Map<String, String> filter) {
        StringBuilder query = new StringBuilder("includefield=00100020");
        filter.forEach((k, v) -> query.append('&')
                .append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        HttpResponse<byte[]> reply = send(uri(config.qidoPrefix(), "series?" + query), "application/dicom+json");
        List<Series> series = new ArrayList<>();
        if (reply.statusCode() == 204 || reply.body().length == 0) {
            return series;
        }
        try {
            for (JsonNode node : JSON.readTree(reply.body())) {
                series.add(new Series(
                        value(node, "0020000D"),
                        value(node, "0020000E"),
                        value(node, "00080060"),
                        value(node, "00100020")));
            }
        } catch (IOException e) {
            throw new DatastoreException(
                    ErrorCode.PACS_UNAVAILABLE, "the PACS's QIDO-RS answer is not DICOM JSON: " + e);
        }
        return series;
    }

    /** Every instance of a series (WADO-RS), parsed. */
    public List<DicomObject> retrieveSeries(String studyUid, String seriesUid) throws IOException {
        HttpResponse<byte[]> reply = send(
                uri(config.wadoPrefix(), "studies/" + studyUid + "/series/" + seriesUid),
                "multipart/related; type=\"application/dicom\"");
        String type = reply.headers().firstValue("Content-Type").orElse("");
        List<Multipart.Part> parts;
        try {
            parts = Multipart.parse(type, reply.body());
        } catch (IllegalArgumentException e) {
            throw new DatastoreException(
                    ErrorCode.PACS_UNAVAILABLE,
                    "the PACS's WADO-RS answer ('" + type + "') is not a multipart/related body: " + e.getMessage());
        }
        List<DicomObject> instances = new ArrayList<>();
        for (Multipart.Part part : parts) {
            instances.add(DicomUpload.parse(new ByteArrayInputStream(part.data()), "series " + seriesUid, maxBytes));
        }
        return instances;
    }

    /** Stores one instance (STOW-RS). */
    public void store(byte[] instance) {
        String boundary = "medlabel-" + java.util.UUID.randomUUID();
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.writeBytes(
                ("--" + boundary + "\r\nContent-Type: application/dicom\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        body.writeBytes(instance);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(config.stowPrefix(), "studies"))
                .timeout(config.timeout())
                .header("Accept", "application/dicom+json")
                .header("Content-Type", "multipart/related; type=\"application/dicom\"; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        send(request);
    }

    private static String value(JsonNode node, String tag) {
        JsonNode value = node.path(tag).path("Value").path(0);
        return value.isMissingNode() ? null : value.asText();
    }

    private URI uri(Optional<String> prefix, String path) {
        String base = root.toString().replaceAll("/+$", "");
        String p = prefix.map(s -> s.replaceAll("^/+|/+$", ""))
                .filter(s -> !s.isEmpty())
                .map(s -> "/" + s)
                .orElse("");
        return URI.create(base + p + "/" + path);
    }

    private HttpResponse<byte[]> send(URI uri, String accept) {
        return send(HttpRequest.newBuilder(uri).timeout(config.timeout()).header("Accept", accept));
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder request) {
        URI uri = request.build().uri();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<byte[]> reply;
        try {
            reply = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new DatastoreException(
                    ErrorCode.PACS_UNAVAILABLE, "the PACS at " + root + " cannot be reached: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatastoreException(ErrorCode.PACS_UNAVAILABLE, "interrupted while calling the PACS", e);
        }
        if (reply.statusCode() >= 500) {
            throw new DatastoreException(
                    ErrorCode.PACS_UNAVAILABLE, "the PACS answered " + reply.statusCode() + " to " + uri.getPath());
        }
        if (reply.statusCode() / 100 != 2) {
            throw new DatastoreException(
                    reply.statusCode() == 404 ? ErrorCode.IMAGE_NOT_FOUND : ErrorCode.PACS_UNAVAILABLE,
                    "the PACS answered " + reply.statusCode() + " to " + uri.getPath()
                            + (reply.statusCode() == 401 ? " (check MEDLABEL_DICOMWEB_USERNAME/PASSWORD)" : ""));
        }
        if (reply.body().length > maxBytes) {
            throw new DatastoreException(
                    ErrorCode.PAYLOAD_TOO_LARGE,
                    "the PACS's answer exceeds the upload limit of " + maxBytes + " bytes");
        }
        return reply;
    }
}
