package org.medlabel.platform.datastore;

import static org.medlabel.platform.http.ServiceHttp.query;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.medlabel.api.event.LabelScope;
import org.medlabel.platform.http.Multipart;
import org.medlabel.platform.http.ServiceHttp;
import org.medlabel.platform.http.ServiceRejectedException;

/**
 * The one door to the datastore-service's internal API for the other back-end services: typed bodies, one HTTP stack
 * and outage policy ({@link ServiceHttp}). A missing image, label or session is {@link DatastoreNotFoundException};
 * an unreachable datastore {@link org.medlabel.platform.http.ServiceUnavailableException}; any other refusal
 * {@link ServiceRejectedException} with the datastore's code and detail.
 */
public final class DatastoreClient {

    /** {@code GET /images/{id}}, what consumers use of it. */
    public record Image(String id, String name, String sha256, long sizeBytes) {}

    /** {@code GET /sessions/{id}}: the session's image file name. */
    public record Session(String image) {}

    /**
     * One case of {@code GET /datalist}: an image with a final label, that label's version and what it says it annotates
     * (undeclared from a datastore that does not tell).
     */
    public record Case(String id, int labelVersion, LabelScope scope) {
        public Case {
            scope = scope == null ? LabelScope.UNDECLARED : scope;
        }
    }

    /** One entry of {@code GET /view} (MONAI Label's datastore model): the image's info and its labels by tag. */
    public record Entry(EntryImage image, Map<String, Object> labels) {
        /** Whether the image has a final label. */
        public boolean labeled() {
            return labels != null && labels.containsKey("final");
        }

        public Map<String, Object> info() {
            return image == null || image.info() == null ? Map.of() : image.info();
        }
    }

    public record EntryImage(Map<String, Object> info) {}

    /** One page of {@code GET /view}: entries by image id, and the id to continue after (null on the last page). */
    public record Page(
            Map<String, Entry> objects,
            @JsonProperty("next_after") String nextAfter) {}

    /** A file streamed from the datastore, with its name (the name says the format); the caller closes it. */
    public record Download(String fileName, InputStream body) implements Closeable {
        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    private static final Pattern FILENAME = Pattern.compile("filename=\"([^\"]*)\"");

    private final ServiceHttp http;

    public DatastoreClient(ServiceHttp.Settings settings) {
        this.http = new ServiceHttp(settings);
    }

    public Image image(String id) {
        return found(() -> http.getJson("/images/" + segment(id), new TypeReference<Image>() {}));
    }

    public Session session(String id) {
        return found(() -> http.getJson("/sessions/" + segment(id), new TypeReference<Session>() {}));
    }

    public Download openImage(String id) {
        return download("/images/" + segment(id) + "/file");
    }

    public Download openSession(String id) {
        return download("/sessions/" + segment(id) + "/file");
    }

    /** A label's bytes: the given version, or the latest when null. */
    public Download openLabel(String image, String tag, Integer version) {
        return download(ServiceHttp.path(
                "/images/" + segment(image) + "/labels/" + segment(tag) + "/file", query("version", version)));
    }

    /** Every image with a final label, ordered by id. */
    public List<Case> datalist() {
        return http.getJson("/datalist", new TypeReference<List<Case>>() {});
    }

    /** One page of the datastore model, after the image id {@code after} (null: from the first). */
    public Page view(String after, int limit) {
        return http.getJson(
                ServiceHttp.path("/view", query("after", after, "limit", limit)), new TypeReference<Page>() {});
    }

    /** Saves a new version of an image's label with its info; the label's JSON view comes back. */
    public Map<String, Object> saveLabel(
            String image, String tag, Map<String, Object> info, String fileName, byte[] data) {
        Multipart body;
        try {
            body = Multipart.create()
                    .field("params", ServiceHttp.JSON.writeValueAsString(info))
                    .file("label", fileName, data);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("label info is not JSON: " + e.getMessage(), e);
        }
        return found(() -> http.read(
                http.send(
                        "PUT",
                        "/images/" + segment(image) + "/labels/" + segment(tag),
                        body.contentType(),
                        body.end(),
                        null),
                new TypeReference<Map<String, Object>>() {}));
    }

    /** The datastore scores an image's labels ({@code dice}: {@code y} against {@code yPred}; {@code sum}). */
    public Map<String, Object> score(String image, String method, String y, String yPred) {
        String path = ServiceHttp.path(
                "/images/" + segment(image) + "/scores/" + segment(method), query("y", y, "y_pred", yPred));
        return found(() ->
                http.read(http.send("POST", path, null, null, null), new TypeReference<Map<String, Object>>() {}));
    }

    /** Merges keys into an image's info. */
    public void mergeImageInfo(String image, Map<String, Object> info) {
        found(() -> http.sendJson(
                "PUT", "/images/" + segment(image) + "/info", info, new TypeReference<Map<String, Object>>() {}));
    }

    /** One path segment; a name that cannot be one (a dot segment, the empty string) names nothing. */
    private static String segment(String id) {
        try {
            return ServiceHttp.segment(id);
        } catch (IllegalArgumentException e) {
            throw DatastoreNotFoundException.badName(id);
        }
    }

    private Download download(String path) {
        HttpResponse<InputStream> response = found(() -> http.open(path));
        String disposition =
                response.headers().firstValue("Content-Disposition").orElse("");
        Matcher m = FILENAME.matcher(disposition);
        return new Download(m.find() ? m.group(1) : "", response.body());
    }

    private static <T> T found(Supplier<T> call) {
        try {
            return call.get();
        } catch (DatastoreNotFoundException e) {
            throw e;
        } catch (ServiceRejectedException e) {
            if ((e.upstreamStatus() == 404 && e.upstreamCode().endsWith("_NOT_FOUND"))
                    || (e.upstreamStatus() == 400 && e.upstreamCode().equals("INVALID_ID"))) {
                throw new DatastoreNotFoundException(e);
            }
            throw e;
        }
    }
}
