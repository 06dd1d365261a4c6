package org.medlabel.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Drives {@code deploy/local/medlabel} as a user would, on its own data directory and ports, so that it neither
 * touches nor collides with a MedLabel (or the test infrastructure) already running on this machine.
 */
final class Launcher {

    /** A finished command: exit code and combined output. */
    record Result(int exitCode, String output) {}

    // Below Linux's ephemeral range (32768-60999): there, a restarted server can find its port taken by the local
    // end of some client's connection (seen: PostgreSQL "Address already in use" on 35432 mid-test).
    static final int PG_PORT = 26432;
    static final int KAFKA_PORT = 26092;
    static final int KAFKA_CONTROLLER_PORT = 26093;
    static final int S3_PORT = 26000;
    /** Keycloak, when a test turns auth on (MEDLABEL_AUTH=keycloak); its management interface takes the next port. */
    static final int KEYCLOAK_PORT = 26180;
    /** Orthanc, when a test starts the local PACS (MEDLABEL_PACS=orthanc). */
    static final int ORTHANC_PORT = 26042;

    static final Map<String, Integer> SERVICE_PORTS =
            Map.of("gateway", 26800, "datastore", 26881, "inference", 26882, "training", 26883);
    static final List<Integer> INFRA_PORTS =
            List.of(PG_PORT, KAFKA_PORT, KAFKA_CONTROLLER_PORT, S3_PORT, KEYCLOAK_PORT, ORTHANC_PORT);

    /** How long {@code start} may take: a fresh install builds version 0 of the app's models. */
    static final Duration START_TIMEOUT = Duration.ofMinutes(5);

    final Path repo;
    final Path home;
    private final String app;
    private final Map<String, String> extraEnv = new HashMap<>();

    /**
     * {@code app}: the YAML under integration-tests/src/test/resources/apps that inference and training share, run in
     * small JVMs; null: the shipped app with the launcher's own JVM settings, as a user runs it.
     */
    Launcher(Path repo, Path home, String app) {
        this.repo = repo;
        this.home = home;
        this.app = app == null
                ? null
                : repo.resolve("integration-tests/src/test/resources/apps")
                        .resolve(app)
                        .toString();
    }

    /**
     * A launcher on a fresh data directory {@code integration-tests/target/<homeName>} of the repository the build runs
     * in (system property {@code medlabel.repo}), after checking that every port it uses is free.
     */
    static Launcher fresh(String homeName, String app) throws IOException {
        Path repo = Path.of(System.getProperty("medlabel.repo", ".."))
                .toAbsolutePath()
                .normalize();
        Path home = repo.resolve("integration-tests/target").resolve(homeName);
        deleteRecursively(home);
        for (int port : allPorts()) {
            if (isOpen(port)) {
                throw new AssertionError("port " + port + " is already in use; this test needs it free");
            }
        }
        return new Launcher(repo, home, app);
    }

    /** Adds a variable to the environment of every later command (and so of the services it starts). */
    Launcher withEnv(String name, String value) {
        extraEnv.put(name, value);
        return this;
    }

    /** The PID of each running service, from the launcher's PID files. */
    Map<String, Long> servicePids() throws IOException {
        Map<String, Long> pids = new java.util.TreeMap<>();
        for (String service : SERVICE_PORTS.keySet()) {
            pids.put(
                    service,
                    Long.parseLong(Files.readString(home.resolve("run/" + service + ".pid"))
                            .trim()));
        }
        return pids;
    }

    /** SIGKILLs a service (no shutdown hook runs) and waits until it is gone. */
    void kill(String service) throws Exception {
        ProcessHandle process = ProcessHandle.of(servicePids().get(service)).orElseThrow();
        process.destroyForcibly();
        process.onExit().get(30, TimeUnit.SECONDS);
    }

    Result run(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>();
        command.add(repo.resolve("deploy/local/medlabel").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment());
        Path log = Files.createTempFile("medlabel-launcher", ".log");
        builder.redirectOutput(log.toFile());
        Process process = builder.start();
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("`medlabel " + String.join(" ", args) + "` took longer than " + timeout + ":\n"
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        Files.delete(log);
        // Shown in the test report: the launcher's own timings are worth seeing on every CI run.
        System.out.printf("$ medlabel %s%n%s%n", String.join(" ", args), output);
        return new Result(process.exitValue(), output);
    }

    private Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        env.put("MEDLABEL_HOME", home.toString());
        // The jars were built by this reactor; the launcher must not start a nested Maven build.
        env.put("MEDLABEL_BUILD", "never");
        env.put("MEDLABEL_PG_PORT", String.valueOf(PG_PORT));
        env.put("MEDLABEL_KAFKA_PORT", String.valueOf(KAFKA_PORT));
        env.put("MEDLABEL_KAFKA_CONTROLLER_PORT", String.valueOf(KAFKA_CONTROLLER_PORT));
        env.put("MEDLABEL_S3_PORT", String.valueOf(S3_PORT));
        env.put("MEDLABEL_KEYCLOAK_PORT", String.valueOf(KEYCLOAK_PORT));
        env.put("MEDLABEL_ORTHANC_PORT", String.valueOf(ORTHANC_PORT));
        SERVICE_PORTS.forEach(
                (name, port) -> env.put("MEDLABEL_" + name.toUpperCase() + "_PORT", String.valueOf(port)));
        if (app == null) {
            env.putAll(extraEnv);
            return env;
        }
        // Inference and training share a tiny app, so the flows run in seconds.
        env.put("MEDLABEL_INFERENCE_APP", app);
        env.put("MEDLABEL_TRAINING_APP", app);
        // Keep the JVMs small: this test checks wiring, not capacity. Inference builds the radiology app's three
        // networks (version 0, ~15 M parameters) on a fresh install, and decodes images; training caches prepared
        // cases (the head CT resampled): they need more.
        for (String name : SERVICE_PORTS.keySet()) {
            String heap = name.equals("inference") || name.equals("training") ? "1g" : "192m";
            env.put(
                    "MEDLABEL_" + name.toUpperCase() + "_JAVA_OPTS",
                    "-Xms32m -Xmx" + heap + " -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError");
        }
        env.putAll(extraEnv);
        return env;
    }

    /** Runs psql as the application user against the launcher's PostgreSQL; returns the unaligned output. */
    String sql(String statement) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(
                        "psql",
                        "-h",
                        "127.0.0.1",
                        "-p",
                        String.valueOf(PG_PORT),
                        "-U",
                        "medlabel",
                        "-d",
                        "medlabel",
                        "-v",
                        "ON_ERROR_STOP=1",
                        "-tAc",
                        statement)
                .redirectErrorStream(true);
        builder.environment().put("PGPASSWORD", "medlabel");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (process.waitFor() != 0) {
            throw new AssertionError("psql failed: " + output);
        }
        return output;
    }

    static List<Integer> allPorts() {
        List<Integer> ports = new java.util.ArrayList<>(INFRA_PORTS);
        ports.addAll(SERVICE_PORTS.values());
        return ports;
    }

    static boolean isOpen(int port) {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        // As root with an untraversable home, PostgreSQL's data lives elsewhere behind a link
        // (deploy/local/lib/infra.sh).
        Path postgres = dir.resolve("postgres");
        if (Files.isSymbolicLink(postgres)) {
            deleteRecursively(postgres.toRealPath());
        }
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
