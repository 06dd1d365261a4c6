package org.medlabel.gateway.health;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.medlabel.gateway.config.GatewayConfig;

/**
 * Ready when every internal service reports itself ready. The gateway has no storage of its own: what it can serve
 * depends on them, and each of them checks its own dependencies. The services are asked concurrently, so the probe
 * takes as long as the slowest, bounded by the configured timeout.
 */
@Readiness
@ApplicationScoped
public class ServicesHealthCheck implements AsyncHealthCheck {

    static final String NAME = "services";

    private final GatewayConfig config;
    private final ObjectMapper json;
    private final HttpClient http;

    public ServicesHealthCheck(GatewayConfig config, ObjectMapper json) {
        this.config = config;
        this.json = json;
        this.http = HttpClient.newBuilder()
                .connectTimeout(config.healthTimeout())
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        List<Uni<Map.Entry<String, String>>> probes = config.services().entrySet().stream()
                .map(e -> probe(e.getKey(), e.getValue().url()))
                .toList();
        if (probes.isEmpty()) {
            return Uni.createFrom().item(HealthCheckResponse.up(NAME));
        }
        return Uni.join().all(probes).andFailFast().map(ServicesHealthCheck::summarise);
    }

    /** One service's state: {@code UP}, or {@code DOWN} with the reason. Never fails. */
    private Uni<Map.Entry<String, String>> probe(String name, URI base) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/q/health/ready"))
                .timeout(config.healthTimeout())
                .GET()
                .build();
        return Uni.createFrom()
                .completionStage(() -> http.sendAsync(request, HttpResponse.BodyHandlers.ofString()))
                .map(this::stateOf)
                .onFailure()
                .recoverWithItem(e -> "DOWN (" + describe(e) + " at " + base + ")")
                .map(state -> Map.entry(name, state));
    }

    /** {@code UP}, or {@code DOWN} with the status code and the names of the service's failing checks. */
    private String stateOf(HttpResponse<String> response) {
        if (response.statusCode() == 200) {
            return "UP";
        }
        List<String> failing = new ArrayList<>();
        try {
            for (JsonNode check : json.readTree(response.body()).path("checks")) {
                if (!"UP".equals(check.path("status").asText())) {
                    failing.add(check.path("name").asText());
                }
            }
        } catch (JsonProcessingException e) {
            // Not a health document (a proxy's error page, say): the status code is all we know.
        }
        return "DOWN (HTTP " + response.statusCode() + (failing.isEmpty() ? "" : ": " + String.join(", ", failing))
                + ")";
    }

    private static HealthCheckResponse summarise(List<Map.Entry<String, String>> states) {
        var builder = HealthCheckResponse.named(NAME);
        boolean up = true;
        Map<String, String> byName = states.stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
        for (var state : byName.entrySet()) {
            builder.withData(state.getKey(), state.getValue());
            up &= "UP".equals(state.getValue());
        }
        return builder.status(up).build();
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }
}
