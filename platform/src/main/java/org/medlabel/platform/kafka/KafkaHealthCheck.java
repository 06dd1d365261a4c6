package org.medlabel.platform.kafka;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when the Kafka cluster answers a metadata request within the configured timeout. Reactive Messaging's own
 * channel checks only see connections a channel already has, so an idle producer would look healthy while the
 * broker is gone; this check asks the cluster.
 */
@Readiness
@ApplicationScoped
public class KafkaHealthCheck implements HealthCheck {

    static final String NAME = "kafka";

    private final String bootstrapServers;
    private final int timeoutMs;
    private final Admin admin;

    public KafkaHealthCheck(
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
            @ConfigProperty(name = "medlabel.kafka.health-timeout", defaultValue = "2s") Duration timeout) {
        this.bootstrapServers = bootstrapServers;
        this.timeoutMs = (int) timeout.toMillis();
        this.admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG, "medlabel-health",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs,
                // Keep reconnect attempts to a stopped broker from flooding the log.
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 5_000));
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named(NAME).withData("bootstrap.servers", bootstrapServers);
        try {
            DescribeClusterResult cluster = admin.describeCluster(new DescribeClusterOptions().timeoutMs(timeoutMs));
            int nodes = cluster.nodes().get(timeoutMs, TimeUnit.MILLISECONDS).size();
            String clusterId = cluster.clusterId().get(timeoutMs, TimeUnit.MILLISECONDS);
            return response.up()
                    .withData("clusterId", clusterId)
                    .withData("nodes", nodes)
                    .build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return response.down().withData("error", "interrupted").build();
        } catch (TimeoutException e) {
            return response.down().withData("error", noAnswer()).build();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            String error = cause instanceof org.apache.kafka.common.errors.TimeoutException
                    ? noAnswer()
                    : cause.getClass().getSimpleName() + ": " + cause.getMessage();
            return response.down().withData("error", error).build();
        }
    }

    private String noAnswer() {
        return "no answer from the cluster within " + timeoutMs + " ms";
    }

    @PreDestroy
    void close() {
        admin.close();
    }
}
