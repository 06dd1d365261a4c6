package org.medlabel.datastore.dicomweb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
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
import org.medlabel.platform.http.ServiceHttp;
import org.medlabel.platform.http.ServiceRejectedException;
import org.medlabel.platform.http.ServiceUnavailableException;

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
    private final long maxBytes;
    private final ServiceHttp http;

    public DicomWebClient(DatastoreConfig.DicomWeb config, long maxBytes) {
        this.root = config.url().orElseThrow(() -> new IllegalStateException("no DICOMweb URL configured"));
        this.config = config;
        this.maxBytes = maxBytes;
        Map<String, String> headers = config.username()
                .map(user -> Map.of(
                        "Authorization",
                        "Basic "
                                + Base64.getEncoder()
                                        .encodeToString(
                                                (user + ":" + config.password().orElse(""))
                                                        .getBytes(StandardCharsets.UTF_8))))
                .orElse(Map.of());
        this.http = ServiceHttp.external("PACS", root, Duration.ofSeconds(5), config.timeout(), headers);
    }

    /** The series matching {@code filter} (QIDO-RS attribute=value pairs). */
    public List<Series> searchSeries(Map<String, String> filter) {
        StringBuilder query = new StringBuilder("includefield=00100020");
        filter.forEach((k, v) -> query.append('&')
                .append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        ServiceHttp.Answer reply =
                call(() -> http.getAnswer(path(config.qidoPrefix(), "series?" + query), "application/dicom+json"));
        List<Series> series = new ArrayList<>();
        if (reply.status() == 204 || reply.body().length == 0) {
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
        ServiceHttp.Answer reply = call(() -> http.getAnswer(
                path(config.wadoPrefix(), "studies/" + studyUid + "/series/" + seriesUid),
                "multipart/related; type=\"application/dicom\""));
        String type = reply.contentType();
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
        Multipart body = Multipart.related("application/dicom").part(instance);
        call(() -> http.send("POST", path(config.stowPrefix(), "studies"), body.contentType(), body.end(), null));
    }

    private static String value(JsonNode node, String tag) {
        JsonNode value = node.path(tag).path("Value").path(0);
        return value.isMissingNode() ? null : value.asText();
    }

    /** The path under the DICOMweb root, with the resource's prefix. */
    private static String path(Optional<String> prefix, String path) {
        String p = prefix.map(s -> s.replaceAll("^/+|/+$", ""))
                .filter(s -> !s.isEmpty())
                .map(s -> "/" + s)
                .orElse("");
        return p + "/" + path;
    }

    /** A PACS call; what goes wrong is the PACS's, said in its terms (404 for a series it does not have). */
    private ServiceHttp.Answer call(java.util.function.Supplier<ServiceHttp.Answer> call) {
        ServiceHttp.Answer answer;
        try {
            answer = call.get();
        } catch (ServiceUnavailableException e) {
            throw new DatastoreException(
                    ErrorCode.PACS_UNAVAILABLE, "the PACS at " + root + " failed: " + e.getMessage(), e);
        } catch (ServiceRejectedException e) {
            throw new DatastoreException(
                    e.upstreamStatus() == 404 ? ErrorCode.IMAGE_NOT_FOUND : ErrorCode.PACS_UNAVAILABLE,
                    e.getMessage() + (e.upstreamStatus() == 401 ? " (check MEDLABEL_DICOMWEB_USERNAME/PASSWORD)" : ""),
                    e);
        }
        if (answer.body().length > maxBytes) {
            throw new DatastoreException(
                    ErrorCode.PAYLOAD_TOO_LARGE,
                    "the PACS's answer exceeds the upload limit of " + maxBytes + " bytes");
        }
        return answer;
    }
}
