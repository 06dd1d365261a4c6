package org.medlabel.training.data;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.medlabel.platform.error.Outages;
import org.medlabel.training.config.TrainingConfig;

/** The training datalist from the datastore-service ({@code GET /datalist}): every image with a final label. */
@ApplicationScoped
public class Datalist {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI url;
    private final Duration readTimeout;
    private final HttpClient http;

    public Datalist(TrainingConfig config) {
        this.url = URI.create(config.datastore().url().toString().replaceAll("/+$", "") + "/datalist");
        this.readTimeout = config.datastore().readTimeout();
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.datastore().connectTimeout())
                .build();
    }

    /**
     * The cases to train on, ordered by image id.
     *
     * @throws IOException when the datastore cannot be reached or answers anything but its datalist
     */
    public List<TrainingCase> fetch() throws IOException {
        HttpResponse<byte[]> response;
        try {
            response = http.send(
                    HttpRequest.newBuilder(url).timeout(readTimeout).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching the datalist", e);
        }
        if (response.statusCode() >= 502 && response.statusCode() <= 504) {
            throw new Outages.DependencyUnavailableException(
                    "the datastore at " + url + " is unavailable (HTTP " + response.statusCode() + ")");
        }
        if (response.statusCode() != 200) {
            throw new IOException("the datastore at " + url + " answered " + response.statusCode() + ": "
                    + new String(response.body(), 0, Math.min(500, response.body().length)));
        }
        return JSON.readValue(response.body(), new TypeReference<List<TrainingCase>>() {});
    }
}
