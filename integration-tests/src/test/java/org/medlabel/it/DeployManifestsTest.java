package org.medlabel.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The deployment files, validated offline (no Docker engine, no cluster): every Kubernetes overlay renders with
 * {@code kubectl kustomize} and every object in it is a known kind whose every field the Kubernetes model knows (a
 * misspelt field fails); the generated base is what the build generates; both compose files pass
 * {@code docker-compose config} and reference only services, volumes and build contexts that exist; each Dockerfile
 * runs as a non-root user on its service's port; and the environment table of deploy/README.md is what compose and
 * the rendered ConfigMap/Secret give each service. Without kubectl or docker-compose the tool checks are skipped,
 * unless MEDLABEL_REQUIRE_DEPLOY_TOOLS=1 (CI sets it and installs both).
 */
class DeployManifestsTest {

    static final Path REPO =
            Path.of(System.getProperty("medlabel.repo", "..")).toAbsolutePath().normalize();
    /** Service name -> Maven module. */
    static final Map<String, String> SERVICES = Map.of(
            "gateway", "gateway",
            "datastore", "datastore-service",
            "inference", "inference-service",
            "training", "training-service");

    private static final Pattern ENV_ROW =
            Pattern.compile("^\\| `([A-Z0-9_]+)` \\| ([a-z, ]+) \\| (ConfigMap|Secret) \\|");

    /** A required variable: who reads it and where Kubernetes keeps it. */
    record EnvVarSpec(String name, Set<String> services, String source) {}

    @Test
    void everyOverlayRendersToObjectsTheKubernetesModelKnowsFully() throws Exception {
        for (String overlay : List.of("dev", "gpu", "prod")) {
            List<HasMetadata> objects = render(overlay);
            assertFalse(objects.isEmpty(), overlay);
            for (HasMetadata o : objects) {
                assertFalse(o instanceof GenericKubernetesResource, overlay + ": unknown kind " + o.getKind());
                List<String> unknown = new ArrayList<>();
                unknownFields(o, o.getKind() + "/" + o.getMetadata().getName(), unknown);
                assertEquals(List.of(), unknown, overlay + ": fields the Kubernetes model does not know");
            }
            for (String service : SERVICES.keySet()) {
                Deployment d = one(objects, Deployment.class, "medlabel-" + service);
                Container c =
                        d.getSpec().getTemplate().getSpec().getContainers().get(0);
                assertEquals(
                        "/q/health/ready", c.getReadinessProbe().getHttpGet().getPath());
                assertEquals("/q/health/live", c.getLivenessProbe().getHttpGet().getPath());
                assertEquals(
                        "true",
                        d.getSpec().getTemplate().getMetadata().getAnnotations().get("prometheus.io/scrape"));
                assertEquals(port(service), c.getPorts().get(0).getContainerPort());
            }
        }
    }

    @Test
    void eachServiceGetsTheEnvironmentItReadsFromTheConfigMapAndSecret() throws Exception {
        List<EnvVarSpec> table = environmentTable();
        for (String overlay : List.of("dev", "gpu", "prod")) {
            List<HasMetadata> objects = render(overlay);
            for (String service : SERVICES.keySet()) {
                Container c = one(objects, Deployment.class, "medlabel-" + service)
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0);
                Map<String, String> config = new LinkedHashMap<>();
                Map<String, String> secrets = new LinkedHashMap<>();
                for (EnvFromSource from : c.getEnvFrom()) {
                    if (from.getConfigMapRef() != null) {
                        config.putAll(one(
                                        objects,
                                        ConfigMap.class,
                                        from.getConfigMapRef().getName())
                                .getData());
                    }
                    if (from.getSecretRef() != null) {
                        Secret secret =
                                one(objects, Secret.class, from.getSecretRef().getName());
                        secret.getData().keySet().forEach(k -> secrets.put(k, "set"));
                    }
                }
                for (EnvVarSpec v : table) {
                    if (v.services().contains(service)) {
                        Map<String, String> where = v.source().equals("Secret") ? secrets : config;
                        assertTrue(
                                where.containsKey(v.name()),
                                overlay + ": " + service + " reads " + v.name() + ", not in its " + v.source());
                    }
                }
                assertEquals("0.0.0.0", env(c, "QUARKUS_HTTP_HOST"), overlay + " " + service);
            }
        }
    }

    @Test
    void theGpuOverlayGivesInferenceAndTrainingAGpuAndTheCudaImages() throws Exception {
        List<HasMetadata> gpu = render("gpu");
        for (String service : List.of("inference", "training")) {
            Deployment d = one(gpu, Deployment.class, "medlabel-" + service);
            Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
            assertEquals(new Quantity("1"), c.getResources().getLimits().get("nvidia.com/gpu"));
            assertTrue(c.getImage().endsWith(":latest-gpu"), c.getImage());
            assertEquals("cuda:0", env(c, "MEDLABEL_" + service.toUpperCase() + "_DEVICE"));
            assertEquals(
                    "true",
                    d.getSpec().getTemplate().getSpec().getNodeSelector().get("nvidia.com/gpu.present"));
        }
        Container gateway = one(gpu, Deployment.class, "medlabel-gateway")
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0);
        assertTrue(gateway.getResources().getLimits().get("nvidia.com/gpu") == null, "the gateway needs no GPU");
    }

    @Test
    void prodScalesGuardsAndExposesOnlyTheGateway() throws Exception {
        List<HasMetadata> prod = render("prod");
        assertTrue(one(prod, Deployment.class, "medlabel-gateway").getSpec().getReplicas() >= 2);
        assertTrue(one(prod, Deployment.class, "medlabel-inference").getSpec().getReplicas() >= 2);
        assertEquals(
                "medlabel-inference",
                one(prod, HorizontalPodAutoscaler.class, "medlabel-inference")
                        .getSpec()
                        .getScaleTargetRef()
                        .getName());
        assertEquals(Set.of("medlabel-gateway", "medlabel-inference"), names(prod, PodDisruptionBudget.class));
        assertEquals(
                "medlabel-gateway",
                one(prod, Ingress.class, "medlabel-gateway")
                        .getSpec()
                        .getRules()
                        .get(0)
                        .getHttp()
                        .getPaths()
                        .get(0)
                        .getBackend()
                        .getService()
                        .getName());
        assertEquals(Set.of("medlabel-internal-only", "medlabel-gateway-public"), names(prod, NetworkPolicy.class));
        assertEquals(Set.of(), names(prod, StatefulSet.class), "prod runs no infrastructure of its own");
        assertEquals(
                Set.of("medlabel-postgres", "medlabel-kafka", "medlabel-minio", "medlabel-orthanc"),
                names(render("dev"), StatefulSet.class),
                "dev: PostgreSQL, Kafka, MinIO and a PACS");
    }

    @Test
    void theCommittedBaseIsWhatTheBuildGenerates() throws IOException {
        for (var service : SERVICES.entrySet()) {
            Path generated = REPO.resolve(service.getValue()).resolve("target/kubernetes/kubernetes.yml");
            assertTrue(Files.exists(generated), generated + " missing: package the services first");
            Path committed = REPO.resolve("deploy/k8s/base/services").resolve(service.getKey() + ".yml");
            assertEquals(canonical(generated), canonical(committed), service.getKey() + ": run deploy/k8s/generate");
        }
    }

    /**
     * A manifest file as comparable text: its documents with keys sorted and lists in a fixed order (the generator's
     * order of labels and envFrom entries varies between builds), without the annotations that name the commit and
     * the repository (deploy/k8s/generate drops them too).
     */
    static List<String> canonical(Path manifest) throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        List<String> docs = new ArrayList<>();
        try (var parser = yaml.getFactory().createParser(manifest.toFile())) {
            for (var it = yaml.readValues(parser, JsonNode.class); it.hasNext(); ) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    docs.add(sorted(doc).toString());
                }
            }
        }
        docs.sort(null);
        return docs;
    }

    private static JsonNode sorted(JsonNode node) {
        var json = new ObjectMapper();
        if (node.isObject()) {
            var out = json.createObjectNode();
            new TreeSet<String>(iterable(node.fieldNames())).forEach(k -> {
                if (!k.equals("app.quarkus.io/commit-id") && !k.equals("app.quarkus.io/vcs-uri")) {
                    out.set(k, sorted(node.get(k)));
                }
            });
            return out;
        }
        if (node.isArray()) {
            List<JsonNode> items = new ArrayList<>();
            node.forEach(item -> items.add(sorted(item)));
            items.sort((a, b) -> a.toString().compareTo(b.toString()));
            var out = json.createArrayNode();
            items.forEach(out::add);
            return out;
        }
        return node;
    }

    private static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> list = new ArrayList<>();
        it.forEachRemaining(list::add);
        return list;
    }

    @Test
    void theComposeFilesParseAndGiveEachServiceWhatItReads() throws Exception {
        JsonNode compose = composeConfig("docker-compose.yml");
        JsonNode services = compose.path("services");
        Set<String> volumes = new HashSet<>();
        compose.path("volumes").fieldNames().forEachRemaining(volumes::add);
        services.fields().forEachRemaining(s -> {
            s.getValue()
                    .path("depends_on")
                    .fieldNames()
                    .forEachRemaining(d -> assertTrue(services.has(d), s.getKey() + " depends on unknown " + d));
            for (JsonNode v : s.getValue().path("volumes")) {
                // docker-compose 1.x writes the short form NAME:PATH[:MODE], Compose v2 an object with "source"
                String source = v.isTextual()
                        ? v.asText().split(":")[0]
                        : v.path("source").asText();
                assertTrue(volumes.contains(source) || source.startsWith("/"), s.getKey() + ": volume " + source);
            }
            JsonNode build = s.getValue().path("build");
            if (!build.isMissingNode()) {
                Path context = Path.of(build.path("context").asText());
                assertTrue(
                        Files.isRegularFile(
                                context.resolve(build.path("dockerfile").asText())),
                        s.getKey());
            }
        });
        for (EnvVarSpec v : environmentTable()) {
            for (String service : v.services()) {
                assertTrue(
                        services.path(service).path("environment").has(v.name()),
                        "compose: " + service + " reads " + v.name());
            }
        }
        assertEquals(
                "8000",
                services.path("gateway").path("ports").get(0).path("target").asText());
        assertEquals(1, services.path("gateway").path("ports").size(), "only the gateway is published");
        JsonNode gpu =
                composeConfig("docker-compose.yml", "docker-compose.gpu.yml").path("services");
        for (String service : List.of("inference", "training")) {
            JsonNode device = gpu.path(service)
                    .path("deploy")
                    .path("resources")
                    .path("reservations")
                    .path("devices")
                    .get(0);
            assertEquals("nvidia", device.path("driver").asText(), service);
            assertEquals("gpu", device.path("capabilities").get(0).asText());
            assertTrue(
                    gpu.path(service).path("build").path("dockerfile").asText().endsWith("Dockerfile.gpu"));
        }
    }

    @Test
    void theEnvironmentTableIsWhatTheTestedLauncherGivesTheServices() throws IOException {
        // the launcher's own choices, not what a deployment must set
        // (the training worker's id: Kubernetes sets it from the pod's name, compose leaves the default)
        Set<String> launcherOnly = Set.of(
                "QUARKUS_HTTP_PORT",
                "MEDLABEL_GATEWAY_LOG_FILE",
                "MEDLABEL_INFERENCE_CACHE_MAX_BYTES",
                "MEDLABEL_TRAINING_WORKER_ID");
        Set<String> exported = new TreeSet<>();
        for (String script : List.of("services.sh", "infra.sh")) {
            Matcher m = Pattern.compile("(?m)^\\s*export ([A-Z0-9_]+)=")
                    .matcher(Files.readString(REPO.resolve("deploy/local/lib").resolve(script)));
            while (m.find()) {
                exported.add(m.group(1));
            }
        }
        exported.removeAll(launcherOnly);
        Set<String> documented =
                environmentTable().stream().map(EnvVarSpec::name).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(exported, documented, "deploy/README.md's environment table vs deploy/local/lib's exports");
    }

    @Test
    void eachDockerfileRunsItsServiceAsANonRootUserOnItsPort() throws IOException {
        for (var service : SERVICES.entrySet()) {
            Path docker = REPO.resolve(service.getValue()).resolve("src/main/docker");
            List<Path> files = new ArrayList<>(List.of(docker.resolve("Dockerfile.jvm")));
            if (Files.exists(docker.resolve("Dockerfile.gpu"))) {
                files.add(docker.resolve("Dockerfile.gpu"));
            }
            for (Path f : files) {
                String text = Files.readString(f);
                assertTrue(text.contains("\nUSER 185\n"), f + ": non-root");
                assertTrue(text.contains("EXPOSE " + port(service.getKey())), f + ": port");
                assertTrue(text.contains("HEALTHCHECK") && text.contains("/q/health/ready"), f + ": health check");
                assertTrue(text.contains("COPY --chown=185 target/quarkus-app/lib/"), f + ": fast-jar layout");
            }
        }
        assertTrue(Files.exists(REPO.resolve("inference-service/src/main/docker/Dockerfile.gpu")));
        assertTrue(Files.exists(REPO.resolve("training-service/src/main/docker/Dockerfile.gpu")));
    }

    /** deploy/README.md's environment table. */
    static List<EnvVarSpec> environmentTable() throws IOException {
        String readme = Files.readString(REPO.resolve("deploy/README.md"));
        String table = readme.substring(readme.indexOf("<!-- env:begin -->"), readme.indexOf("<!-- env:end -->"));
        List<EnvVarSpec> rows = new ArrayList<>();
        for (String line : table.split("\n")) {
            Matcher m = ENV_ROW.matcher(line);
            if (m.find()) {
                Set<String> services = new TreeSet<>();
                for (String s : m.group(2).split(",")) {
                    services.add(s.trim());
                }
                assertTrue(SERVICES.keySet().containsAll(services), line);
                rows.add(new EnvVarSpec(m.group(1), services, m.group(3)));
            }
        }
        assertTrue(rows.size() >= 10, "the environment table of deploy/README.md: " + rows.size() + " rows");
        return rows;
    }

    /** The service's HTTP port, as its application.properties sets it. */
    static int port(String service) throws IOException {
        Matcher m = Pattern.compile("(?m)^quarkus\\.http\\.port=(\\d+)")
                .matcher(Files.readString(
                        REPO.resolve(SERVICES.get(service)).resolve("src/main/resources/application.properties")));
        assertTrue(m.find(), service);
        return Integer.parseInt(m.group(1));
    }

    private static String env(Container c, String name) {
        return c.getEnv().stream()
                .filter(e -> e.getName().equals(name))
                .map(EnvVar::getValue)
                .findFirst()
                .orElse(null);
    }

    private static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type, String name) {
        return objects.stream()
                .filter(type::isInstance)
                .map(type::cast)
                .filter(o -> o.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
    }

    private static Set<String> names(List<HasMetadata> objects, Class<? extends HasMetadata> type) {
        return objects.stream()
                .filter(type::isInstance)
                .map(o -> o.getMetadata().getName())
                .collect(Collectors.toSet());
    }

    /** Every field the model put aside as unknown ({@code additionalProperties}), by path. */
    private static void unknownFields(Object node, String path, List<String> into) throws Exception {
        if (node == null || !node.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method m : node.getClass().getMethods()) {
            if (m.getParameterCount() != 0
                    || Modifier.isStatic(m.getModifiers())
                    || !m.getName().startsWith("get")
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value = m.invoke(node);
            if (m.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    into.add(path + ": " + extra.keySet());
                }
            } else if (value instanceof Collection<?> list) {
                for (Object item : list) {
                    unknownFields(item, path + "." + m.getName().substring(3), into);
                }
            } else if (value instanceof Map<?, ?> map) {
                for (Object item : map.values()) {
                    unknownFields(item, path + "." + m.getName().substring(3), into);
                }
            } else {
                unknownFields(value, path + "." + m.getName().substring(3), into);
            }
        }
    }

    /** {@code kubectl kustomize deploy/k8s/overlays/<overlay>}, as typed objects. */
    static List<HasMetadata> render(String overlay) throws Exception {
        String yaml = tool(
                "kubectl",
                "kustomize",
                REPO.resolve("deploy/k8s/overlays").resolve(overlay).toString());
        Object parsed = Serialization.unmarshal(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
        if (parsed instanceof KubernetesList list) {
            return list.getItems();
        }
        if (parsed instanceof List<?> list) {
            return list.stream().map(HasMetadata.class::cast).toList();
        }
        return List.of((HasMetadata) parsed);
    }

    /** {@code docker-compose -f ... config}: the files merged and checked by Compose itself. */
    static JsonNode composeConfig(String... files) throws Exception {
        List<String> command = new ArrayList<>(List.of("docker-compose", "--project-directory", REPO.toString()));
        for (String f : files) {
            command.add("-f");
            command.add(REPO.resolve(f).toString());
        }
        command.add("config");
        return new ObjectMapper(new YAMLFactory()).readTree(tool(command.toArray(String[]::new)));
    }

    /** Runs a tool; its output, or a failure with it. Skips when the tool is missing and not required. */
    private static String tool(String... command) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(false).start();
        } catch (IOException e) {
            boolean required = "1".equals(System.getenv("MEDLABEL_REQUIRE_DEPLOY_TOOLS"));
            if (required) {
                throw new AssertionError(command[0] + " is required (MEDLABEL_REQUIRE_DEPLOY_TOOLS=1) but missing", e);
            }
            Assumptions.abort(command[0] + " is not installed (apt-get install kubectl docker-compose)");
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command));
        assertEquals(0, p.exitValue(), String.join(" ", command) + ":\n" + new String(err, StandardCharsets.UTF_8));
        return out;
    }
}
