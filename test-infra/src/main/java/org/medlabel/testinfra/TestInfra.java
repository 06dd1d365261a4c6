package org.medlabel.testinfra;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.testcontainers.DockerClientFactory;

/**
 * The one place tests get PostgreSQL, Kafka and S3 from, so the same tests run on a machine with a Docker engine and
 * on one without.
 *
 * <p>{@code MEDLABEL_TEST_INFRA} chooses: {@code native} uses services already running (started by {@code .ci/run} or
 * {@code deploy/local/medlabel infra start}) at the endpoints of the environment variables the services themselves
 * read, defaulting to the local stack's ports; {@code containers} starts them with Testcontainers; unset means native
 * when those endpoints answer, containers when Docker runs, and otherwise a failure that says how to get either.
 * Tests are never skipped for lack of infrastructure.
 */
public final class TestInfra {

    public static final String MODE_VARIABLE = "MEDLABEL_TEST_INFRA";

    private static InfraEndpoints endpoints;

    private TestInfra() {}

    /** The endpoints for this JVM, resolved (and containers started) on first use. */
    public static synchronized InfraEndpoints endpoints() {
        if (endpoints == null) {
            endpoints = resolve(System.getenv());
        }
        return endpoints;
    }

    static InfraEndpoints resolve(Map<String, String> env) {
        InfraEndpoints nativeEndpoints = fromEnvironment(env);
        String mode = env.getOrDefault(MODE_VARIABLE, "auto").toLowerCase(Locale.ROOT);
        switch (mode) {
            case "native" -> {
                List<String> down = unreachable(nativeEndpoints);
                if (!down.isEmpty()) {
                    throw new IllegalStateException(MODE_VARIABLE + "=native but " + String.join(", ", down)
                            + " not reachable. Start them with `deploy/local/medlabel infra start`.");
                }
                return nativeEndpoints;
            }
            case "containers" -> {
                return Containers.start();
            }
            case "auto" -> {
                List<String> down = unreachable(nativeEndpoints);
                if (down.isEmpty()) {
                    return nativeEndpoints;
                }
                if (dockerAvailable()) {
                    return Containers.start();
                }
                throw new IllegalStateException(
                        "No test infrastructure: " + String.join(", ", down)
                                + " not reachable and no Docker engine. Either start the native services with"
                                + " `deploy/local/medlabel infra start` (and export the variables it prints), or start Docker.");
            }
            default ->
                throw new IllegalStateException(
                        MODE_VARIABLE + " must be native, containers or unset, was '" + mode + "'");
        }
    }

    /** The endpoints named by the services' own environment variables, defaulting to the local stack. */
    static InfraEndpoints fromEnvironment(Map<String, String> env) {
        return new InfraEndpoints(
                env.getOrDefault("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://127.0.0.1:15432/medlabel"),
                env.getOrDefault("QUARKUS_DATASOURCE_USERNAME", "medlabel"),
                env.getOrDefault("QUARKUS_DATASOURCE_PASSWORD", "medlabel"),
                env.getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"),
                env.getOrDefault("MEDLABEL_S3_ENDPOINT", "http://127.0.0.1:19000"),
                env.getOrDefault("MEDLABEL_S3_ACCESS_KEY", "minioadmin"),
                env.getOrDefault("MEDLABEL_S3_SECRET_KEY", "minioadmin"));
    }

    static List<String> unreachable(InfraEndpoints e) {
        List<String> down = new ArrayList<>();
        check("PostgreSQL", e.postgresAddress(), 5432, down);
        check("Kafka", e.kafkaAddress(), 9092, down);
        check("S3", e.s3Address(), 80, down);
        return down;
    }

    private static void check(String name, URI address, int defaultPort, List<String> down) {
        int port = address.getPort() < 0 ? defaultPort : address.getPort();
        if (!isOpen(address.getHost(), port)) {
            down.add(name + " at " + address.getHost() + ":" + port);
        }
    }

    /** Whether something accepts TCP connections at host:port. */
    public static boolean isOpen(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
