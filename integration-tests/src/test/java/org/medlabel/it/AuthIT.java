package org.medlabel.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.medlabel.client.ApiClient;
import org.medlabel.client.ApiException;
import org.medlabel.client.api.AuthApi;
import org.medlabel.client.api.InfoApi;
import org.medlabel.imaging.synthetic.Phantoms;

/**
 * MONAI Label's auth on the whole stack against a real Keycloak ({@code MEDLABEL_AUTH=keycloak deploy/local/medlabel
 * start}, the shipped realm and its demo users): 3D Slicer's login flow with its client's bytes, every route of the
 * OpenAPI snapshot answered to each role as MONAI Label's route-to-role table says, the tokens MONAI Label would refuse
 * (and one it would wrongly accept) refused, the services closed to callers without the internal token, and the
 * authenticated user recorded as the author of what is saved.
 */
class AuthIT extends LaunchedStack {

    private static final int GATEWAY = Launcher.SERVICE_PORTS.get("gateway");
    private static final String KEYCLOAK = "http://127.0.0.1:" + Launcher.KEYCLOAK_PORT;
    private static final String REALM = KEYCLOAK + "/realms/monailabel";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /**
     * MONAI Label's {@code RBAC(...)} dependency of each route (monailabel/endpoints/*.py; where its source gives none,
     * ../shared/design/MONAI-LABEL-API.md §6.1), keyed as the snapshot's operations are; "public" routes have none.
     * Written from MONAI Label, not from the gateway, so that a role assigned differently there fails here.
     */
    private static final Map<String, String> MONAI_ROLES = Map.ofEntries(
            Map.entry("GET /proxy/dicom/qido/:path", "user"),
            Map.entry("POST /proxy/dicom/qido/:path", "user"),
            Map.entry("GET /proxy/dicom/wado/:path", "user"),
            Map.entry("POST /proxy/dicom/wado/:path", "user"),
            Map.entry("GET /proxy/dicom/stow/:path", "user"),
            Map.entry("POST /proxy/dicom/stow/:path", "user"),
            Map.entry("GET /proxy/dicom/:path", "user"),
            Map.entry("POST /proxy/dicom/:path", "user"),
            Map.entry("GET /info/", "user"),
            Map.entry("POST /infer/:model", "user"),
            Map.entry("GET /datastore/", "user"),
            Map.entry("PUT /datastore/", "annotator"),
            Map.entry("DELETE /datastore/", "admin"),
            Map.entry("PUT /datastore/image", "annotator"),
            Map.entry("DELETE /datastore/image", "admin"),
            Map.entry("HEAD /datastore/image", "user"),
            Map.entry("GET /datastore/image", "user"),
            Map.entry("GET /datastore/image/info", "user"),
            Map.entry("PUT /datastore/image/info", "annotator"),
            Map.entry("PUT /datastore/label", "annotator"),
            Map.entry("DELETE /datastore/label", "admin"),
            Map.entry("HEAD /datastore/label", "user"),
            Map.entry("GET /datastore/label", "user"),
            Map.entry("GET /datastore/label/info", "user"),
            Map.entry("PUT /datastore/label/info", "annotator"),
            Map.entry("PUT /datastore/updatelabelinfo", "annotator"),
            Map.entry("GET /datastore/dataset", "annotator"),
            // MedLabel's own (MONAI Label has no label history): readable as the label itself is
            Map.entry("GET /datastore/label/versions", "user"),
            Map.entry("POST /activelearning/:strategy", "user"),
            Map.entry("GET /train/", "user"),
            Map.entry("POST /train/", "admin"),
            Map.entry("POST /train/:model", "admin"),
            Map.entry("DELETE /train/", "admin"),
            Map.entry("GET /model/:model", "admin"),
            Map.entry("GET /model/info/:model", "admin"),
            Map.entry("PUT /model/:model", "annotator"),
            Map.entry("DELETE /model/:model", "annotator"),
            Map.entry("PUT /session/", "user"),
            Map.entry("GET /session/:id", "user"),
            Map.entry("DELETE /session/:id", "user"),
            Map.entry("GET /scoring/", "user"),
            Map.entry("POST /scoring/", "annotator"),
            Map.entry("POST /scoring/:method", "annotator"),
            Map.entry("DELETE /scoring/", "annotator"),
            Map.entry("GET /batch/infer", "user"),
            Map.entry("POST /batch/infer/:model", "admin"),
            Map.entry("DELETE /batch/infer", "admin"),
            Map.entry("GET /logs/", "admin"),
            Map.entry("GET /", "public"),
            Map.entry("GET /openapi.json", "public"),
            Map.entry("GET /docs", "public"),
            Map.entry("POST /reload", "public"),
            Map.entry("GET /auth/", "public"),
            Map.entry("POST /auth/token", "public"),
            Map.entry("GET /auth/token/valid", "authenticated"));

    /** The realm's demo users: each has its own role and monailabel-user (roles are not hierarchical). */
    private static final List<String> USERS = List.of("admin", "reviewer", "annotator", "user");

    /** The services' upload limit in this test (2 GiB by default), so that going past it is cheap. */
    private static final long UPLOAD_LIMIT = 16L << 20;

    private final Map<String, String> tokens = new LinkedHashMap<>();

    @Override
    Launcher newLauncher() throws Exception {
        return Launcher.fresh("auth-it-home", "compat-app.yaml")
                .withEnv("MEDLABEL_AUTH", "keycloak")
                .withEnv("MEDLABEL_DATASTORE_MAX_UPLOAD_BYTES", String.valueOf(UPLOAD_LIMIT))
                .withEnv("MEDLABEL_INFERENCE_MAX_UPLOAD_BYTES", String.valueOf(UPLOAD_LIMIT));
    }

    @BeforeAll
    void logIn() throws Exception {
        for (String user : USERS) {
            tokens.put(user, login(user, user).path("access_token").asText());
        }
    }

    @Test
    void slicersLoginFlowWithItsClientsBytes() throws Exception {
        // MONAILabelClient.auth_enabled(): GET /auth/, then .get("enabled")
        MonaiWire.Reply auth = wire("GET", "/auth/", null, null, new byte[0]);
        assertEquals(200, auth.status(), auth.text());
        JsonNode enabled = JSON.readTree(auth.body());
        assertTrue(enabled.path("enabled").asBoolean());
        assertEquals("monailabel-app", enabled.path("client_id").asText());
        assertEquals(REALM, enabled.path("realm").asText());

        // auth_token(): urlencode({"username", "password", "grant_type": "password"}), form content type
        MonaiWire.Reply token = wire(
                "POST",
                "/auth/token",
                "application/x-www-form-urlencoded",
                null,
                "username=annotator&password=annotator&grant_type=password".getBytes(StandardCharsets.UTF_8));
        assertEquals(200, token.status(), token.text());
        JsonNode body = JSON.readTree(token.body());
        // MONAI Label's response_model=Token: nothing else of Keycloak's answer (no refresh token)
        assertEquals(Set.of("access_token", "token_type"), fieldNames(body));
        assertEquals("Bearer", body.path("token_type").asText());
        // update_auth(): Authorization = f"{token_type} {access_token}"
        String authorization = body.path("token_type").asText() + " "
                + body.path("access_token").asText();

        MonaiWire.Reply valid = wire("GET", "/auth/token/valid", null, authorization, new byte[0]);
        assertEquals(200, valid.status(), valid.text());
        JsonNode who = JSON.readTree(valid.body());
        assertEquals("annotator", who.path("username").asText());
        assertEquals("annotator@medlabel.invalid", who.path("email").asText());
        assertEquals("Demo Annotator", who.path("name").asText());
        assertEquals(Set.of("monailabel-annotator", "monailabel-user"), textSet(who.path("roles")));

        MonaiWire.Reply info = wire("GET", "/info/", null, authorization, new byte[0]);
        assertEquals(200, info.status(), info.text());
        assertTrue(JSON.readTree(info.body()).has("models"), info.text());
        MonaiWire.Reply anonymous = wire("GET", "/info/", null, null, new byte[0]);
        assertEquals(401, anonymous.status());
        assertEquals("{\"detail\":\"Not authenticated\"}", anonymous.text());
        assertEquals("Bearer", anonymous.headers().get("www-authenticate"));
    }

    @Test
    void theGeneratedJavaClientCarriesABearerToken() throws Exception {
        ApiClient client = new ApiClient().setBasePath("http://127.0.0.1:" + GATEWAY);
        ApiException refused =
                org.junit.jupiter.api.Assertions.assertThrows(ApiException.class, () -> new InfoApi(client).info());
        assertEquals(401, refused.getCode());
        client.setBearerToken(tokens.get("user"));
        assertTrue(new InfoApi(client).info().getModels().containsKey("segmentation_spleen"));
        assertEquals("user", new AuthApi(client).authTokenValid().getUsername());
    }

    @Test
    void theCliSendsATokenOrLogsIn() {
        String server = "http://127.0.0.1:" + GATEWAY;
        Cli anonymous = Cli.run("--server", server, "status");
        assertEquals(1, anonymous.exit());
        assertTrue(anonymous.err().contains("the server answered 401: Not authenticated"), anonymous.err());
        Cli withToken = Cli.run("--server", server, "--token", tokens.get("user"), "status");
        assertEquals(0, withToken.exit(), withToken.err());
        assertTrue(withToken.out().contains("segmentation_spleen"), withToken.out());
        // --user needs a password (MEDLABEL_PASSWORD, or typed at a console: there is none here)
        Cli noPassword = Cli.run("--server", server, "--user", "user", "status");
        assertEquals(1, noPassword.exit());
        assertTrue(noPassword.err().contains("needs a password"), noPassword.err());
    }

    @Test
    void everyRouteAnswersEachRoleAsMonaiLabelDoes() throws Exception {
        Map<String, String> routes = snapshotRoutes();
        assertEquals(
                MONAI_ROLES.keySet().stream().sorted().toList(),
                routes.keySet().stream().sorted().toList(),
                "a route of the snapshot has no MONAI Label role here (or one here has no route): add it from"
                        + " MONAI Label's source");
        List<String> wrong = new ArrayList<>();
        for (String route : routes.keySet()) {
            String role = MONAI_ROLES.get(route);
            String method = route.substring(0, route.indexOf(' '));
            String path = concrete(route.substring(route.indexOf(' ') + 1));
            if (path.startsWith("/auth/")) {
                continue; // their own test
            }
            HttpResponse<String> anonymous = call(method, path, null);
            if (role.equals("public")) {
                check(
                        wrong,
                        route,
                        "no token",
                        anonymous,
                        anonymous.statusCode() != 401 && anonymous.statusCode() != 403);
                continue;
            }
            check(
                    wrong,
                    route,
                    "no token",
                    anonymous,
                    anonymous.statusCode() == 401 && detailIs(anonymous, "Not authenticated"));
            for (String user : USERS) {
                HttpResponse<String> answer = call(method, path, tokens.get(user));
                // each demo user has its own role and monailabel-user, nothing else
                boolean allowed = role.equals(user) || role.equals("user");
                if (allowed) {
                    check(wrong, route, user, answer, answer.statusCode() != 401 && answer.statusCode() != 403);
                } else {
                    String expected = "Role \"monailabel-" + role + "\" is required to perform this action";
                    check(
                            wrong,
                            route,
                            user,
                            answer,
                            answer.statusCode() == 403 && detail(answer).equals(expected));
                }
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void tokensMonaiLabelWouldRefuseAreRefused() throws Exception {
        String valid = tokens.get("annotator");
        assertEquals(200, call("GET", "/auth/token/valid", valid).statusCode());

        // signed by another key, under the realm key's id
        String[] parts = valid.split("\\.");
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initSign(generator.generateKeyPair().getPrivate());
        rsa.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        String forged = parts[0] + "." + parts[1] + "."
                + Base64.getUrlEncoder().withoutPadding().encodeToString(rsa.sign());
        assertInvalid(forged, "a token signed by another key");
        // the payload changed under the realm's signature
        ObjectNode claims = (ObjectNode) JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        claims.putObject("realm_access").putArray("roles").add("monailabel-admin");
        assertInvalid(
                parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(claims))
                        + "." + parts[2],
                "a token whose roles were edited");
        assertInvalid("not-a-jwt", "a malformed token");

        // another realm's token (Keycloak's master realm)
        String admin = keycloakAdminToken();
        assertInvalid(admin, "a token of another realm");

        // a token of this realm made for another client: MONAI Label accepts it (it checks no audience); MedLabel's
        // deployments name the audience
        createClient(admin, "other-app", null, false);
        assertInvalid(password("other-app", "annotator").path("access_token").asText(), "a token for another client");

        // expired: a client whose tokens live 2 s, with the right audience
        createClient(admin, "short-lived", "2", true);
        JsonNode shortLived = password("short-lived", "annotator");
        String expiring = shortLived.path("access_token").asText();
        assertEquals(200, call("GET", "/auth/token/valid", expiring).statusCode());
        Thread.sleep(3_500);
        assertInvalid(expiring, "an expired token");

        HttpResponse<String> wrongPassword =
                form("http://127.0.0.1:" + GATEWAY + "/auth/token", "annotator", "nope", null);
        assertEquals(401, wrongPassword.statusCode(), wrongPassword.body());
        assertEquals("Incorrect username or password", detail(wrongPassword));
    }

    @Test
    void aRotatedRealmKeyNeedsNoRestart() throws Exception {
        String before = tokens.get("user");
        String admin = keycloakAdminToken();
        // a new RSA key that outranks the realm's first: new tokens are signed with it, under a key id the gateway has
        // not seen (quarkus-oidc reads the realm's keys again)
        ObjectNode key = JSON.createObjectNode()
                .put("name", "rotated")
                .put("providerId", "rsa-generated")
                .put("providerType", "org.keycloak.keys.KeyProvider");
        key.putObject("config").putArray("priority").add("500");
        HttpResponse<String> created = HTTP.send(
                HttpRequest.newBuilder(URI.create(KEYCLOAK + "/admin/realms/monailabel/components"))
                        .header("Authorization", "Bearer " + admin)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(key)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, created.statusCode(), created.body());
        String after = login("user", "user").path("access_token").asText();
        assertNotEquals(kid(before), kid(after), "the new token is signed with the new key");
        // the keys are read again at most every 10 s (another test's foreign token may just have made it read them)
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> call("GET", "/info/", after).statusCode() == 200);
        assertEquals(200, call("GET", "/info/", before).statusCode(), "the old key is still published");
    }

    @Test
    void theServicesTrustOnlyTheGatewayAndTheSavesNameTheirAuthor() throws Exception {
        // straight to the datastore, without the internal token
        int datastore = Launcher.SERVICE_PORTS.get("datastore");
        HttpResponse<String> direct = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + datastore + "/datalist"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, direct.statusCode(), direct.body());
        assertEquals(
                "INTERNAL_CALL_REFUSED",
                JSON.readTree(direct.body()).path("code").asText());
        HttpResponse<String> probe = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + datastore + "/q/health/ready"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, probe.statusCode(), "probes stay open");

        Phantoms.Phantom phantom = Phantoms.make(32, 7);
        byte[] image = Gateway.nifti(phantom.image());
        byte[] label = Gateway.nifti(phantom.label());
        String annotator = "Bearer " + tokens.get("annotator");
        MonaiWire.Reply up = upload(
                "PUT",
                "/datastore/image?image=authored",
                annotator,
                Map.of("params", "{\"client_id\": \"user-xyz\"}"),
                "file",
                "/tmp/authored.nii.gz",
                image);
        assertEquals(200, up.status(), up.text());
        MonaiWire.Reply saved = upload(
                "PUT",
                "/datastore/label?image=authored",
                annotator,
                Map.of("params", "{\"client_id\": \"user-xyz\"}"),
                "label",
                "/tmp/authored.nii.gz",
                label);
        assertEquals(200, saved.status(), saved.text());

        HttpResponse<String> info = call("GET", "/datastore/image/info?image=authored", tokens.get("user"));
        assertEquals("annotator", JSON.readTree(info.body()).path("user").asText(), info.body());
        // the label's history through the gateway names who saved each version
        HttpResponse<String> versions =
                call("GET", "/datastore/label/versions?label=authored&tag=final", tokens.get("user"));
        assertEquals(200, versions.statusCode(), versions.body());
        assertEquals(
                "annotator",
                JSON.readTree(versions.body()).get(0).path("author").asText(),
                versions.body());
        // and the datastore answers MedLabel's own calls (the internal token, as the launcher set it)
        String token = Files.readString(launcher.home.resolve("internal-token")).trim();
        HttpResponse<String> internal = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + datastore + "/datalist"))
                        .header("X-MedLabel-Internal-Token", token)
                        .header("X-MedLabel-User", "auth-it")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, internal.statusCode(), internal.body());

        // a training request and a model import name who made them
        HttpResponse<String> train = HTTP.send(
                HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + GATEWAY + "/train/segmentation_spleen?enqueue=true"))
                        .header("Authorization", "Bearer " + tokens.get("admin"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"max_epochs\": 1, \"requested_by\": \"mallory\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, train.statusCode(), train.body());
        assertEquals(
                "admin",
                JSON.readTree(train.body()).path("request").path("requested_by").asText(),
                train.body());
        assertEquals(200, call("DELETE", "/train/", tokens.get("admin")).statusCode());
        MonaiWire.Reply imported = upload(
                "PUT",
                "/model/segmentation_spleen",
                annotator,
                Map.of(),
                "file",
                "/tmp/mine.onnx",
                org.medlabel.ml.onnx.SlowNetwork.onnx(1));
        assertEquals(200, imported.status(), imported.text());
        assertEquals(
                "annotator",
                launcher.sql("SELECT imported_by FROM training.model_versions WHERE model = 'segmentation_spleen'"
                                + " AND imported_by IS NOT NULL")
                        .trim());

        // the audit log: who saved the label, and that the user's attempt to delete it was refused
        assertEquals(
                403,
                call("DELETE", "/datastore/label?id=authored&tag=final", tokens.get("user"))
                        .statusCode());
        String log = Files.readString(launcher.home.resolve("logs/gateway.log"));
        List<JsonNode> audit = log.lines()
                .filter(l -> l.contains("{\"audit\""))
                .map(l -> {
                    try {
                        return JSON.readTree(l.substring(l.indexOf("{\"audit\"")));
                    } catch (Exception e) {
                        throw new AssertionError(l, e);
                    }
                })
                .toList();
        assertTrue(
                audit.stream()
                        .anyMatch(a -> a.path("audit").asText().equals("PUT /datastore/label")
                                && a.path("user").asText().equals("annotator")
                                && a.path("ids").path("image").asText().equals("authored")
                                && a.path("status").asInt() == 200),
                log);
        assertTrue(
                audit.stream()
                        .anyMatch(a -> a.path("audit").asText().equals("DELETE /datastore/label")
                                && a.path("status").asInt() == 403),
                log);
    }

    @Test
    void everyUploadRouteAnswers413PastTheLimitAndABombIsRefused() throws Exception {
        byte[] big = new byte[(int) UPLOAD_LIMIT + 4096];
        new java.util.Random(1).nextBytes(big);
        String annotator = "Bearer " + tokens.get("annotator");
        String user = "Bearer " + tokens.get("user");
        Map<String, String[]> uploads = new LinkedHashMap<>();
        uploads.put("PUT /datastore/image?image=big", new String[] {"file", annotator});
        uploads.put("PUT /datastore/?image=big", new String[] {"file", annotator});
        uploads.put("PUT /datastore/label?image=big", new String[] {"label", annotator});
        uploads.put("PUT /session/", new String[] {"files", user});
        uploads.put("PUT /model/segmentation_spleen", new String[] {"file", annotator});
        uploads.put("POST /infer/segmentation_spleen", new String[] {"file", user});
        for (var each : uploads.entrySet()) {
            String[] route = each.getKey().split(" ");
            MonaiWire.Reply answer = upload(
                    route[0], route[1], each.getValue()[1], Map.of(), each.getValue()[0], "/tmp/big.nii.gz", big);
            assertEquals(413, answer.status(), each.getKey() + ": " + answer.text());
            assertTrue(JSON.readTree(answer.body()).path("detail").asText().contains("limit"), answer.text());
        }
        // form and JSON bodies the gateway reads itself: its own 1 MiB limit
        byte[] bigForm = ("info=" + "x".repeat(1_100_000)).getBytes(StandardCharsets.US_ASCII);
        MonaiWire.Reply form =
                wire("PUT", "/datastore/image/info?image=big", "application/x-www-form-urlencoded", annotator, bigForm);
        assertEquals(413, form.status(), form.text());
        assertEquals(
                404,
                call("GET", "/datastore/image/info?image=big", tokens.get("user"))
                        .statusCode());

        // a valid NIfTI whose gzip goes on inflating: 160 more members of 64 MiB of zeros, 10 GiB from ~10 MB
        java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream();
        new org.medlabel.imaging.io.NiftiWriter().write(Phantoms.make(16, 3).image(), raw, false);
        java.io.ByteArrayOutputStream bomb = new java.io.ByteArrayOutputStream();
        gzip(raw.toByteArray(), bomb);
        java.io.ByteArrayOutputStream zeros = new java.io.ByteArrayOutputStream();
        gzip(new byte[64 << 20], zeros);
        for (int i = 0; i < 160; i++) {
            zeros.writeTo(bomb);
        }
        long start = System.nanoTime();
        MonaiWire.Reply refused = upload(
                "PUT",
                "/datastore/image?image=bomb",
                annotator,
                Map.of(),
                "file",
                "/tmp/bomb.nii.gz",
                bomb.toByteArray());
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.printf(
                "a %d-byte gzip bomb (10 GiB inflated) was answered %d in %d ms%n", bomb.size(), refused.status(), ms);
        assertEquals(422, refused.status(), refused.text());
        assertTrue(refused.text().contains("after the voxels"), refused.text());
        assertEquals(
                404,
                call("GET", "/datastore/image/info?image=bomb", tokens.get("user"))
                        .statusCode());
    }

    private static void gzip(byte[] data, java.io.OutputStream out) throws java.io.IOException {
        try (var gz = new java.util.zip.GZIPOutputStream(out) {
            {
                def.setLevel(java.util.zip.Deflater.BEST_COMPRESSION);
            }
        }) {
            gz.write(data);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static void check(List<String> wrong, String route, String who, HttpResponse<String> answer, boolean ok) {
        if (!ok) {
            wrong.add(route + " as " + who + " -> " + answer.statusCode() + " " + answer.body());
        }
    }

    /** The answer's detail is {@code expected}; a HEAD answer has no body to say it. */
    private static boolean detailIs(HttpResponse<String> answer, String expected) {
        return answer.request().method().equals("HEAD") || detail(answer).equals(expected);
    }

    private static void assertInvalid(String token, String what) throws Exception {
        HttpResponse<String> answer = call("GET", "/info/", token);
        assertEquals(401, answer.statusCode(), what + ": " + answer.body());
        assertEquals("Could not validate credentials", detail(answer), what);
        assertEquals("Bearer", answer.headers().firstValue("WWW-Authenticate").orElse(null), what);
    }

    /** Every operation of the committed OpenAPI snapshot as {@code METHOD /path} (path parameters as {@code :name}). */
    private Map<String, String> snapshotRoutes() throws Exception {
        JsonNode paths = new ObjectMapper(new YAMLFactory())
                .readTree(launcher.repo.resolve("api/openapi/openapi.yaml").toFile())
                .path("paths");
        Map<String, String> routes = new TreeMap<>();
        paths.fields()
                .forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method -> {
                    if (Set.of("get", "put", "post", "delete", "head").contains(method)) {
                        routes.put(method.toUpperCase() + " " + path.getKey().replaceAll("\\{([^}]+)}", ":$1"), method);
                    }
                }));
        return routes;
    }

    /** A route with its parameters filled with names that do not exist: the role check comes before any lookup. */
    private static String concrete(String path) {
        return path.replace(":strategy", "random")
                .replace(":model", "no_such_model")
                .replace(":method", "no_such_method")
                .replace(":id", "no_such_session")
                .replace(":path", "studies");
    }

    private static HttpResponse<String> call(String method, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + GATEWAY + path))
                .timeout(Duration.ofSeconds(60))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** client.py's multipart upload: {@code fields}, then one file part named {@code part}. */
    private static MonaiWire.Reply upload(
            String method,
            String target,
            String authorization,
            Map<String, String> fields,
            String part,
            String fileName,
            byte[] data)
            throws Exception {
        return wire(
                method,
                target,
                "multipart/form-data; boundary=" + MonaiWire.BOUNDARY,
                authorization,
                MonaiWire.encode(fields, Map.of(part, Map.entry(fileName, data))));
    }

    private static MonaiWire.Reply wire(String method, String target, String type, String authorization, byte[] body)
            throws Exception {
        return MonaiWire.exchange(GATEWAY, MonaiWire.request(method, target, GATEWAY, type, body, authorization));
    }

    private static JsonNode login(String username, String password) throws Exception {
        HttpResponse<String> answer = form("http://127.0.0.1:" + GATEWAY + "/auth/token", username, password, null);
        assertEquals(200, answer.statusCode(), answer.body());
        return JSON.readTree(answer.body());
    }

    /** A token straight from Keycloak for {@code client}. */
    private static JsonNode password(String client, String user) throws Exception {
        HttpResponse<String> answer = form(REALM + "/protocol/openid-connect/token", user, user, client);
        assertEquals(200, answer.statusCode(), answer.body());
        return JSON.readTree(answer.body());
    }

    private static HttpResponse<String> form(String url, String username, String password, String client)
            throws Exception {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("username", username);
        fields.put("password", password);
        fields.put("grant_type", "password");
        if (client != null) {
            fields.put("client_id", client);
        }
        String body = fields.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The bootstrap admin of Keycloak's master realm (the launcher's development default). */
    private static String keycloakAdminToken() throws Exception {
        HttpResponse<String> answer =
                form(KEYCLOAK + "/realms/master/protocol/openid-connect/token", "admin", "admin", "admin-cli");
        assertEquals(200, answer.statusCode(), answer.body());
        return JSON.readTree(answer.body()).path("access_token").asText();
    }

    /** A public client of the realm with password grants, its tokens' lifespan and, optionally, our audience. */
    private static void createClient(String adminToken, String clientId, String lifespan, boolean audience)
            throws Exception {
        ObjectNode client = JSON.createObjectNode()
                .put("clientId", clientId)
                .put("enabled", true)
                .put("publicClient", true)
                .put("directAccessGrantsEnabled", true);
        if (lifespan != null) {
            client.putObject("attributes").put("access.token.lifespan", lifespan);
        }
        if (audience) {
            ObjectNode mapper = client.putArray("protocolMappers")
                    .addObject()
                    .put("name", "audience")
                    .put("protocol", "openid-connect")
                    .put("protocolMapper", "oidc-audience-mapper");
            mapper.putObject("config")
                    .put("included.client.audience", "monailabel-app")
                    .put("access.token.claim", "true");
        }
        HttpResponse<String> created = HTTP.send(
                HttpRequest.newBuilder(URI.create(KEYCLOAK + "/admin/realms/monailabel/clients"))
                        .header("Authorization", "Bearer " + adminToken)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(client)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (created.statusCode() != 201) {
            fail("creating client " + clientId + ": " + created.statusCode() + " " + created.body());
        }
    }

    private static String kid(String token) throws Exception {
        return JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[0]))
                .path("kid")
                .asText();
    }

    private static String detail(HttpResponse<String> answer) {
        try {
            return JSON.readTree(answer.body()).path("detail").asText();
        } catch (Exception e) {
            return "(not JSON: " + answer.body() + ")";
        }
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new java.util.TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static Set<String> textSet(JsonNode array) {
        Set<String> values = new java.util.TreeSet<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }
}
