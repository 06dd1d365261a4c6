package org.medlabel.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medlabel.it.Gateway.DATA;
import static org.medlabel.it.Gateway.GATEWAY;
import static org.medlabel.it.Gateway.JSON;
import static org.medlabel.it.Gateway.assertSameGrid;
import static org.medlabel.it.Gateway.get;
import static org.medlabel.it.Gateway.json;
import static org.medlabel.it.Gateway.multipart;
import static org.medlabel.it.Gateway.nifti;
import static org.medlabel.it.Gateway.post;
import static org.medlabel.it.Gateway.read;
import static org.medlabel.it.Gateway.request;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.medlabel.client.ApiClient;
import org.medlabel.client.ApiException;
import org.medlabel.client.api.ActivelearningApi;
import org.medlabel.client.api.AuthApi;
import org.medlabel.client.api.DatastoreApi;
import org.medlabel.client.api.InferApi;
import org.medlabel.client.api.InfoApi;
import org.medlabel.client.api.ModelApi;
import org.medlabel.client.model.ImageRef;
import org.medlabel.client.model.Info;
import org.medlabel.client.model.LabelRef;
import org.medlabel.imaging.synthetic.Phantoms;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.ml.onnx.SlowNetwork;

/**
 * MONAI Label's clients against the whole system (native PostgreSQL, Kafka, S3 and the four services, started by
 * {@code deploy/local/medlabel start}), through the gateway only, with the bytes those clients send: 3D Slicer's flow
 * (../shared/design/MONAI-LABEL-API.md §2a) on the real head CT, OHIF's (§2b), and the raw requests of Part B. The
 * answers are parsed the way the clients parse them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MonaiLabelCompatibilityIT extends LaunchedStack {

    static final Path CT = DATA.resolve("ct_head_invesalius/ct.nii.gz");
    static final Path CT_LABELS = DATA.resolve("ct_head_invesalius/labels.nii.gz");
    private static final Set<String> TASK_STATES = Set.of("SUBMITTED", "RUNNING", "DONE", "ERROR", "STOPPED");

    private Volume ct;

    @Override
    Launcher newLauncher() throws Exception {
        return Launcher.fresh("compat-it-home", "compat-app.yaml");
    }

    @BeforeAll
    void readCt() throws Exception {
        ct = read(Files.readAllBytes(CT), "ct.nii.gz");
    }

    @Test
    @Order(1)
    void slicerConnectsFetchesSegmentsClicksSavesAndTrains() throws Exception {
        // Connect: auth is off (404), info has no top-level config, nothing trains.
        assertEquals(404, get("/auth/").status());
        JsonNode info = json(get("/info/"));
        assertFalse(info.has("config"), "3D Slicer refuses a server whose info has a top-level config");
        assertEquals("segmentation", info.at("/models/segmentation_spleen/type").asText());
        assertEquals("deepgrow", info.at("/models/deepgrow_3d/type").asText());
        assertTrue(info.get("labels").isArray() && info.get("labels").toString().contains("spleen"));
        assertEquals(404, get("/train/?check_if_running=true").status());

        // Own volume: client.py's upload_image, on the deprecated path, the file named by its full local path.
        MonaiWire.Reply uploaded = multipart(
                "PUT",
                "/datastore/?image=head_ct",
                Map.of("params", "{\"client_id\": \"slicer\"}"),
                Map.of("file", Map.entry("/home/annotator/Downloads/ct.nii.gz", Files.readAllBytes(CT))));
        assertEquals(200, uploaded.status(), uploaded.text());
        assertEquals("head_ct", json(uploaded).get("image").asText());

        // Next sample: id, name with the real extension, path (not on this disk: Slicer downloads by id).
        JsonNode next = json(post("/activelearning/first", "{\"client_id\": \"slicer\"}"));
        assertEquals("head_ct", next.get("id").asText());
        assertEquals("head_ct.nii.gz", next.get("name").asText());
        assertTrue(next.get("path").asText().endsWith("/datastore/image?image=head_ct"), next.toString());
        MonaiWire.Reply image = get("/datastore/image?image=" + MonaiWire.quotePlus("head_ct"));
        assertEquals(200, image.status());
        assertArrayEquals(Files.readAllBytes(CT), image.body());
        assertTrue(image.header("content-disposition").contains("filename=\"head_ct.nii.gz\""));
        JsonNode all = json(get("/datastore/?output=all"));
        assertEquals(".nii.gz", all.at("/objects/head_ct/image/ext").asText());
        assertEquals(
                "slicer",
                all.at("/objects/head_ct/image/info/strategy/first/client_id").asText());

        // Auto segmentation as Slicer asks for it: no output (multipart), .nrrd, uint8.
        Volume auto = inferMultipart(
                "segmentation_spleen",
                "head_ct",
                "{\"result_extension\": \".nrrd\", \"result_dtype\": \"uint8\", \"client_id\": \"slicer\"}",
                ".nrrd");
        assertSameGrid(ct, auto);

        // DeepGrow clicks: voxel indices of the loaded volume.
        Volume grown = inferMultipart(
                "deepgrow_3d",
                "head_ct",
                "{\"label\": \"spleen\", \"foreground\": [[128, 128, 54]], \"background\": [[20, 20, 10]],"
                        + " \"result_extension\": \".nrrd\", \"result_dtype\": \"uint8\", \"client_id\": \"slicer\"}",
                ".nrrd");
        assertSameGrid(ct, grown);

        // A session (client.py's create_session: field "files", form client_id), inferred by session_id.
        MonaiWire.Reply session = multipart(
                "PUT",
                "/session/",
                Map.of("client_id", "slicer"),
                Map.of("files", Map.entry("/home/annotator/ct.nii.gz", Files.readAllBytes(CT))));
        assertEquals(200, session.status(), session.text());
        String sessionId = json(session).get("session_id").asText();
        assertEquals(sessionId, json(get("/session/" + sessionId)).get("name").asText());
        assertSameGrid(
                ct,
                inferMultipart(
                        "segmentation_spleen",
                        "x&session_id=" + sessionId,
                        "{\"result_extension\": \".nrrd\"}",
                        ".nrrd"));
        assertEquals(
                200,
                request("DELETE", "/session/" + sessionId, null, new byte[0]).status());
        assertEquals(404, get("/session/" + sessionId).status());

        // Save label (no tag: final), then Slicer refreshes info.
        MonaiWire.Reply saved = multipart(
                "PUT",
                "/datastore/label?image=" + MonaiWire.quotePlus("head_ct"),
                Map.of(
                        "params",
                        "{\"label_info\": [{\"name\": \"spleen\", \"idx\": 1}], \"model\":"
                                + " \"segmentation_spleen\", \"client_id\": \"slicer\"}"),
                Map.of("label", Map.entry("/tmp/slicer/head_ct.nii.gz", Files.readAllBytes(CT_LABELS))));
        assertEquals(200, saved.status(), saved.text());
        assertEquals("{\"image\":\"head_ct\",\"label\":\"head_ct\"}", saved.text());
        JsonNode after = json(get("/info/"));
        assertEquals(1, after.at("/datastore/completed").asInt(), after.toString());
        assertEquals(1, after.at("/datastore/label_tags/final").asInt());
        MonaiWire.Reply label = get("/datastore/label?label=head_ct&tag=final");
        assertArrayEquals(Files.readAllBytes(CT_LABELS), label.body());
        assertTrue(label.header("content-disposition").contains("filename="), "client.py needs the file name");
        assertEquals(
                "spleen",
                json(get("/datastore/label/info?label=head_ct&tag=final"))
                        .at("/label_info/0/name")
                        .asText());

        // Train with the trainer's config as Slicer sends it (first element of each list), poll, stop.
        JsonNode trainer = info.at("/trainers/segmentation_spleen/config");
        Map<String, Object> params = new LinkedHashMap<>();
        trainer.fields()
                .forEachRemaining(e -> params.put(
                        e.getKey(),
                        e.getValue().isArray()
                                ? JSON.convertValue(e.getValue().get(0), Object.class)
                                : JSON.convertValue(e.getValue(), Object.class)));
        params.put("max_epochs", 50);
        params.put("client_id", "slicer");
        JsonNode task = json(post("/train/segmentation_spleen", JSON.writeValueAsString(params)));
        assertTrue(TASK_STATES.contains(task.get("status").asText()), task.toString());
        MonaiWire.Reply busy = post("/train/segmentation_spleen", "{}");
        assertEquals(429, busy.status(), busy.text());
        assertTrue(json(busy).get("detail").asText().startsWith("++++++++++ Train Task is Already Running"));
        Awaitility.await()
                .atMost(60, TimeUnit.SECONDS)
                .untilAsserted(() -> assertEquals(
                        "RUNNING",
                        json(get("/train/?check_if_running=true")).get("status").asText()));
        assertTrue(json(get("/info/")).at("/train_stats").has("segmentation_spleen"));
        JsonNode stopped = json(request("DELETE", "/train/", null, new byte[0]));
        assertEquals(task.get("id").asText(), stopped.get("id").asText());
        Awaitility.await()
                .atMost(60, TimeUnit.SECONDS)
                .untilAsserted(() -> assertEquals(
                        "STOPPED", json(get("/train/")).get("status").asText()));
        assertEquals(404, get("/train/?check_if_running=true").status());
    }

    @Test
    @Order(2)
    void theLabelIsOnTheImagesGridForNibabelToo() throws Exception {
        MonaiWire.Reply reply = post(
                "/infer/segmentation_spleen?image=head_ct&output=image",
                MonaiWire.BOUNDARY,
                MonaiWire.encode(Map.of("params", "{\"result_extension\": \".nii.gz\"}"), Map.of()));
        assertEquals(200, reply.status(), reply.text());
        String name = filename(reply.header("content-disposition"));
        assertTrue(name.endsWith(".nii.gz"), name);
        Path file = Files.createTempFile("medlabel-label", ".nii.gz");
        Files.write(file, reply.body());
        Process nibabel = new ProcessBuilder(
                        "python3",
                        "-c",
                        String.join(
                                "\n",
                                "import sys, nibabel as nib, numpy as np",
                                "a, b = nib.load(sys.argv[1]), nib.load(sys.argv[2])",
                                "assert a.shape == b.shape, (a.shape, b.shape)",
                                "assert np.allclose(a.affine, b.affine, atol=1e-4), (a.affine, b.affine)",
                                "assert a.get_data_dtype() == np.uint8, a.get_data_dtype()",
                                "print('ok', a.shape)"),
                        file.toString(),
                        CT.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(nibabel.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, nibabel.waitFor(), out);
        Files.delete(file);
    }

    @Test
    @Order(3)
    void ohifGetsRawNrrdBytesOfItsVolumesSize() throws Exception {
        // An LPS-oriented volume: the label must come back in the volume's own voxel order, not RAS-resampled.
        Phantoms.Phantom phantom = Phantoms.make(48, 40, 36, 11);
        Volume lps = phantom.image().withAffine(Affine.of(-1, 0, 0, 40, 0, -1, 0, 30, 0, 0, 2, -20, 0, 0, 0, 1));
        MonaiWire.Reply up = multipart(
                "PUT",
                "/datastore/image?image=ohif_series",
                Map.of(),
                Map.of("file", Map.entry("series.nii.gz", nifti(lps))));
        assertEquals(200, up.status(), up.text());

        JsonNode info = json(get("/info/"));
        assertTrue(info.get("labels").isArray());
        assertTrue(info.get("strategies").has("random"));
        assertEquals(404, get("/train/?check_if_running=true").status());
        JsonNode next = json(post("/activelearning/random", "{}"));
        assertEquals("ohif_series", next.get("id").asText(), "the only unlabeled image");

        byte[] form = MonaiWire.encode(
                Map.of(
                        "params",
                        "{\"result_extension\": \".nrrd\", \"result_dtype\": \"uint8\","
                                + " \"result_compress\": false, \"restore_label_idx\": false}"),
                Map.of());
        MonaiWire.Reply reply = MonaiWire.exchange(
                GATEWAY,
                withHeader(
                        MonaiWire.request(
                                "POST",
                                "/infer/segmentation_spleen?image=ohif_series&output=image",
                                GATEWAY,
                                "multipart/form-data; boundary=" + MonaiWire.BOUNDARY,
                                form),
                        "accept: application/json, multipart/form-data"));
        assertEquals(200, reply.status(), reply.text());
        // nrrd-js: a text header, a blank line, raw uint8 voxels in the volume's own order.
        int blank = MonaiWire.indexOf(reply.body(), "\n\n".getBytes(StandardCharsets.US_ASCII), 0);
        String header = new String(reply.body(), 0, blank, StandardCharsets.US_ASCII);
        assertTrue(header.contains("encoding: raw"), header);
        assertTrue(header.contains("sizes: 48 40 36"), header);
        assertTrue(header.matches("(?s).*type: (uint8|unsigned char|uchar).*"), header);
        assertEquals(48 * 40 * 36, reply.body().length - blank - 2, "NRRD data of the volume's size");
        assertSameGrid(lps, read(reply.body(), "label.nrrd"));

        // Update model (deprecated POST /train/ keyed by model), then stop it as OHIF does.
        JsonNode started = json(post("/train/", "{\"segmentation_spleen\": {\"max_epochs\": 50}}"));
        assertTrue(
                TASK_STATES.contains(
                        started.at("/segmentation_spleen/result/status").asText()),
                started.toString());
        assertTrue(started.at("/segmentation_spleen/detail").isNull());
        assertEquals(200, request("DELETE", "/train/", null, new byte[0]).status());

        // A browser page from another origin may call the API.
        MonaiWire.Reply preflight = MonaiWire.exchange(
                GATEWAY,
                ("OPTIONS /info/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                + "Origin: http://viewer.example:3000\r\nAccess-Control-Request-Method: GET\r\n"
                                + "Content-Length: 0\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
        assertEquals("http://viewer.example:3000", preflight.header("access-control-allow-origin"));
    }

    @Test
    @Order(4)
    void theRawRequestsOfPartBAreAcceptedByteForByte() throws Exception {
        Phantoms.Phantom phantom = Phantoms.make(40, 5);
        assertEquals(
                200,
                multipart(
                                "PUT",
                                "/datastore/?image=spleen_01",
                                Map.of("params", "{}"),
                                Map.of("file", Map.entry("/data/spleen_01.nii.gz", nifti(phantom.image()))))
                        .status());

        // PUT /datastore/label exactly as client.py sends it: '$' boundary, full path, CRLF after the end.
        byte[] body = MonaiWire.encode(
                Map.of(
                        "params",
                        "{\"label_info\": [{\"name\": \"spleen\", \"idx\": 1}], \"client_id\": \"peer-client\"}"),
                Map.of("label", Map.entry("/home/user/labels/spleen_01.nii.gz", nifti(phantom.label()))));
        assertTrue(
                new String(body, StandardCharsets.ISO_8859_1).endsWith("------------lImIt_of_THE_fIle_eW_$--\r\n\r\n"));
        MonaiWire.Reply saved = MonaiWire.exchange(
                GATEWAY,
                MonaiWire.request(
                        "PUT",
                        "/datastore/label?image=spleen_01&tag=final",
                        GATEWAY,
                        "multipart/form-data; boundary=" + MonaiWire.BOUNDARY,
                        body));
        assertEquals(200, saved.status(), saved.text());
        assertEquals(
                "peer-client",
                json(get("/datastore/label/info?label=spleen_01&tag=final"))
                        .get("client_id")
                        .asText());

        // POST /infer with only params (unknown keys are the app's business), answered as multipart.
        byte[] params = MonaiWire.encode(Map.of("params", "{\"foo\": 1, \"client_id\": \"peer-client\"}"), Map.of());
        MonaiWire.Reply inferred = MonaiWire.exchange(
                GATEWAY,
                MonaiWire.request(
                        "POST",
                        "/infer/segmentation_spleen?image=spleen_01",
                        GATEWAY,
                        "multipart/form-data; boundary=" + MonaiWire.BOUNDARY,
                        params));
        assertEquals(200, inferred.status(), inferred.text());
        String type = inferred.header("content-type");
        assertTrue(type.matches("multipart/form-data; boundary=[0-9a-f]{32}"), type);
        List<MonaiWire.Part> parts = MonaiWire.parse(type, inferred.body());
        assertEquals(
                List.of("params", "image"),
                parts.stream().map(MonaiWire.Part::name).toList());
        assertNull(parts.get(0).filename(), "params is a field, not a file");
        assertTrue(
                parts.get(1).filename().endsWith(".nii.gz"),
                "the input's format: " + parts.get(1).filename());
        assertSameGrid(phantom.image(), read(parts.get(1).data(), parts.get(1).filename()));

        // JSON bodies with client_id, as client.py sends them.
        MonaiWire.Reply next = MonaiWire.exchange(
                GATEWAY,
                MonaiWire.request(
                        "POST",
                        "/activelearning/random",
                        GATEWAY,
                        "application/json",
                        "{\"client_id\": \"peer-client\"}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(200, next.status(), next.text());
        MonaiWire.Reply train = MonaiWire.exchange(
                GATEWAY,
                MonaiWire.request(
                        "POST",
                        "/train/segmentation_spleen",
                        GATEWAY,
                        "application/json",
                        "{\"max_epochs\": 1, \"client_id\": \"peer-client\"}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(200, train.status(), train.text());
        assertEquals("peer-client", json(train).at("/request/client_id").asText());
        Awaitility.await()
                .atMost(120, TimeUnit.SECONDS)
                .untilAsserted(() -> assertTrue(Set.of("DONE", "ERROR", "STOPPED")
                        .contains(json(get("/train/")).get("status").asText())));

        // Errors: MONAI Label's {"detail": ...}, with the status that fits instead of a plain-text 500.
        MonaiWire.Reply unknownModel = post("/infer/no_such_model?image=spleen_01", "{}");
        assertEquals(404, unknownModel.status());
        assertTrue(json(unknownModel).get("detail").asText().contains("no_such_model"));
        assertEquals(
                404,
                post("/infer/segmentation_spleen?image=no_such_image&output=json", "{}")
                        .status());
        assertEquals(404, post("/activelearning/no_such_strategy", "{}").status());
    }

    @Test
    @Order(5)
    void theGeneratedJavaClientWorksAgainstTheGateway() throws Exception {
        ApiClient client = new ApiClient().setBasePath("http://127.0.0.1:" + GATEWAY);
        Info info = new InfoApi(client).info();
        assertEquals("MedLabel - compatibility test", info.getName());
        assertEquals("deepgrow", info.getModels().get("deepgrow_3d").getType());
        assertTrue(info.getDatastore().getTotal() >= 3, String.valueOf(info.getDatastore()));

        Path image = Files.createTempFile("client-phantom", ".nii.gz");
        Path label = Files.createTempFile("client-label", ".nii.gz");
        Phantoms.Phantom phantom = Phantoms.make(40, 9);
        Files.write(image, nifti(phantom.image()));
        Files.write(label, nifti(phantom.label()));
        DatastoreApi datastore = new DatastoreApi(client);
        ImageRef stored = datastore.uploadImage(image.toFile(), "java_client", "{\"client_id\": \"java\"}");
        assertEquals("java_client", stored.getImage());
        datastore.imageExists("java_client", null);
        assertEquals("java", datastore.imageInfo("java_client").get("user"));

        Map<String, Object> next = new ActivelearningApi(client).nextSample("last", Map.of("client_id", "java"));
        assertTrue(next.containsKey("id"), next.toString());

        InferApi infer = new InferApi(client);
        File result = infer.infer("segmentation_spleen", "java_client", "json", null, "{}", null);
        assertTrue(JSON.readTree(result).has("latencies"));
        File nrrd = infer.infer(
                "segmentation_spleen", "java_client", "image", null, "{\"result_extension\": \".nrrd\"}", null);
        assertSameGrid(phantom.image(), read(Files.readAllBytes(nrrd.toPath()), "label.nrrd"));
        File uploaded = infer.infer("segmentation_spleen", null, "image", null, null, image.toFile());
        assertSameGrid(phantom.image(), read(Files.readAllBytes(uploaded.toPath()), "label.nii.gz"));

        LabelRef saved = datastore.saveLabel("java_client", label.toFile(), null, "{\"client_id\": \"java\"}");
        assertEquals("java_client", saved.getLabel());
        assertArrayEquals(
                Files.readAllBytes(label),
                Files.readAllBytes(
                        datastore.downloadLabel("java_client", "final").toPath()));
        assertTrue(String.valueOf(
                        new ModelApi(client).modelInfo("segmentation_spleen").get("checksum"))
                .startsWith("SHA256:"));

        ApiException notFound =
                org.junit.jupiter.api.Assertions.assertThrows(ApiException.class, () -> new AuthApi(client).auth());
        assertEquals(404, notFound.getCode());
        ApiException unknown = org.junit.jupiter.api.Assertions.assertThrows(
                ApiException.class, () -> datastore.imageInfo("no_such_image"));
        assertEquals(404, unknown.getCode());
        assertTrue(unknown.getResponseBody().contains("detail"));
        Files.delete(image);
        Files.delete(label);
    }

    @Test
    @Order(6)
    void batchInferenceSavesOriginalLabelsThatSlicerShowsWithTheirNames() throws Exception {
        JsonNode task = json(post(
                "/batch/infer/segmentation_spleen?images=unlabeled&run_sync=true",
                "{\"label_tag\": \"original\", \"result_extension\": \".nii.gz\"}"));
        assertEquals("DONE", task.get("status").asText(), task.toString());
        assertEquals(0, task.get("failed").asInt(), task.toString());
        assertEquals(1, task.get("done").asInt(), "ohif_series is the only unlabeled image: " + task);
        assertEquals(
                200,
                request("HEAD", "/datastore/label?image=ohif_series&tag=original", null, new byte[0])
                        .status());
        // 3D Slicer's "original label" on next sample: objects[id].labels.original.info.params.label_names
        JsonNode all = json(get("/datastore/?output=all"));
        assertEquals(
                1,
                all.at("/objects/ohif_series/labels/original/info/params/label_names/spleen")
                        .asInt(),
                all.at("/objects/ohif_series").toString());
        assertEquals(
                "segmentation_spleen",
                all.at("/objects/ohif_series/labels/original/info/model").asText());
        Volume original =
                read(get("/datastore/label?label=ohif_series&tag=original").body(), "original.nii.gz");
        assertEquals(List.of(48, 40, 36), List.of(original.nx(), original.ny(), original.nz()));
        assertEquals("DONE", json(get("/batch/infer")).get("status").asText());
    }

    @Test
    @Order(7)
    void scoringRanksUnlabeledImagesByUncertaintyAndScoresLabels() throws Exception {
        JsonNode info = json(get("/info/"));
        assertEquals(
                "segmentation_spleen",
                info.at("/scoring/segmentation_spleen_epistemic/model").asText(),
                info.get("scoring").toString());
        assertTrue(
                info.at("/strategies/epistemic").isObject(),
                info.get("strategies").toString());
        int servedBefore = servedVersion("segmentation_spleen");
        JsonNode task = json(post("/scoring/segmentation_spleen_epistemic?run_sync=true", "{\"num_samples\": 3}"));
        assertEquals("DONE", task.get("status").asText(), task.toString());
        assertEquals(0, task.get("failed").asInt(), task.toString());
        assertEquals(1, task.get("done").asInt(), "ohif_series is the only unlabeled image: " + task);

        JsonNode scored = json(get("/datastore/image/info?image=ohif_series"));
        double score = scored.get("epistemic_entropy").asDouble();
        // one foreground channel: the mean over voxels of -p ln p lies in (0, 1/e]
        assertTrue(score > 0 && score <= 1 / Math.E, scored.toString());
        // the version that scored was served at the time: an earlier flow's 1-epoch job may publish a version
        // meanwhile, so the bounds are the versions inference served before and after (/info/ is cached briefly)
        int scoredBy = scored.get("epistemic_ts").asInt();
        assertTrue(scoredBy >= servedBefore && scoredBy <= servedVersion("segmentation_spleen"), scored.toString());
        JsonNode next = json(post("/activelearning/epistemic", "{\"client_id\": \"slicer\"}"));
        assertEquals("ohif_series", next.get("id").asText(), next.toString());
        assertEquals(score, next.at("/epistemic_entropy/score").asDouble(), 1e-9);
        assertEquals("DONE", json(get("/scoring/")).get("status").asText());

        // The annotator accepts the batch label as is: dice of final vs original is then exactly 1, and sum counts it.
        byte[] original = get("/datastore/label?label=ohif_series&tag=original").body();
        assertEquals(
                200,
                multipart(
                                "PUT",
                                "/datastore/label?image=ohif_series",
                                Map.of("params", "{}"),
                                Map.of("label", Map.entry("ohif_series.nii.gz", original)))
                        .status());
        JsonNode dice = json(post("/scoring/dice?run_sync=true", "{}"));
        assertEquals("DONE", dice.get("status").asText(), dice.toString());
        assertEquals(1.0, dice.at("/result/ohif_series/dice").asDouble(), 1e-12, dice.toString());
        assertEquals(
                1.0,
                json(get("/datastore/image/info?image=ohif_series")).get("dice").asDouble(),
                1e-12);
        JsonNode sum = json(post("/scoring/sum?run_sync=true", "{}"));
        assertEquals(0, sum.get("failed").asInt(), sum.toString());
        long voxels = sum.at("/result/ohif_series/final/sum").asLong();
        assertTrue(voxels > 0, sum.toString());
        assertEquals(voxels, sum.at("/result/ohif_series/original/sum").asLong());
        assertEquals(
                voxels,
                json(get("/datastore/label/info?label=ohif_series&tag=final"))
                        .get("sum")
                        .asLong());
    }

    @Test
    @Order(8)
    void theCliTakesANewcomerFromADatasetToATrainedModel(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        String server = "http://127.0.0.1:" + GATEWAY;
        Path studies = tmp.resolve("studies");
        assertEquals(
                0,
                Cli.run("datasets", "--synthetic", "3", "--size", "48", "--seed", "100", "--output", studies.toString())
                        .exit());
        Cli uploaded = Cli.run("--server", server, "upload", "--studies", studies.toString());
        assertEquals(0, uploaded.exit(), uploaded.err());
        assertTrue(uploaded.out().contains("3 images and 3 labels uploaded"), uploaded.out());
        Cli status = Cli.run("--server", server, "status");
        assertEquals(0, status.exit(), status.err());
        assertTrue(status.out().contains("model segmentation_spleen (segmentation): version"), status.out());
        assertEquals(
                0, Cli.run("--server", server, "next", "--strategy", "first").exit());

        Path label = tmp.resolve("phantom_001.nrrd");
        Cli inferred = Cli.run(
                "--server", server, "infer", "segmentation_spleen", "phantom_001", "--output", label.toString());
        assertEquals(0, inferred.exit(), inferred.err());
        Volume image = read(Files.readAllBytes(studies.resolve("phantom_001.nii.gz")), "phantom_001.nii.gz");
        assertSameGrid(image, read(Files.readAllBytes(label), "phantom_001.nrrd"));
        Path local = tmp.resolve("local.nii.gz");
        assertEquals(
                0,
                Cli.run(
                                "--server",
                                server,
                                "infer",
                                "segmentation_spleen",
                                studies.resolve("phantom_002.nii.gz").toString(),
                                "--output",
                                local.toString())
                        .exit());
        assertTrue(Files.size(local) > 0);
        Cli saved = Cli.run(
                "--server",
                server,
                "label",
                "save",
                "phantom_001",
                studies.resolve("labels/final/phantom_001.nii.gz").toString(),
                "--tag",
                "reviewed");
        assertEquals(0, saved.exit(), saved.err());
        assertEquals(
                200,
                request("HEAD", "/datastore/label?image=phantom_001&tag=reviewed", null, new byte[0])
                        .status());

        Cli trained = Cli.run(
                "--server", server, "train", "segmentation_spleen", "--max-epochs", "1", "--watch", "--poll", "1");
        assertEquals(0, trained.exit(), trained.out() + trained.err());
        assertTrue(trained.out().contains(" DONE"), trained.out());
        Cli busy = Cli.run("--server", server, "infer", "no_such_model", "phantom_001", "--output", label.toString());
        assertEquals(1, busy.exit());
        assertTrue(busy.err().contains("the server answered 404"), busy.err());
    }

    /** A malformed request, what it must be answered with, and a word the answer's detail must contain. */
    record Bad(String what, String method, String target, String type, byte[] body, int status, String word) {}

    @Test
    @Order(9)
    void malformedRequestsGetAClear4xxAndChangeNothing() throws Exception {
        JsonNode before = json(get("/datastore/?output=stats"));
        byte[] image = nifti(Phantoms.make(40, 5).image());
        byte[] truncated = java.util.Arrays.copyOf(image, image.length / 3);
        byte[] otherGrid = nifti(Phantoms.make(32, 1).label());
        String longParams = "{\"note\": \"" + "x".repeat(70_000) + "\"}";
        List<Bad> table = List.of(
                new Bad(
                        "wrong field name",
                        "PUT",
                        "/datastore/label?image=spleen_01&tag=bad",
                        multipartType(),
                        form(Map.of(), Map.of("file", Map.entry("spleen_01.nii.gz", image))),
                        400,
                        "label"),
                new Bad(
                        "truncated NIfTI",
                        "PUT",
                        "/datastore/image?image=bad_truncated",
                        multipartType(),
                        form(Map.of(), Map.of("file", Map.entry("t.nii.gz", truncated))),
                        422,
                        ""),
                new Bad(
                        "fake NRRD",
                        "PUT",
                        "/datastore/image?image=bad_nrrd",
                        multipartType(),
                        form(
                                Map.of(),
                                Map.of(
                                        "file",
                                        Map.entry(
                                                "f.nrrd",
                                                "NRRD0004\nnot a header\n\n".getBytes(StandardCharsets.US_ASCII)))),
                        422,
                        ""),
                new Bad(
                        "not an image format",
                        "PUT",
                        "/datastore/image?image=bad_text",
                        multipartType(),
                        form(
                                Map.of(),
                                Map.of("file", Map.entry("notes.txt", "hello".getBytes(StandardCharsets.UTF_8)))),
                        415,
                        ""),
                new Bad(
                        "label on another grid",
                        "PUT",
                        "/datastore/label?image=spleen_01&tag=bad",
                        multipartType(),
                        form(Map.of(), Map.of("label", Map.entry("l.nii.gz", otherGrid))),
                        422,
                        ""),
                new Bad(
                        "path trick in an id",
                        "GET",
                        "/datastore/image?image=" + MonaiWire.quotePlus("../etc/passwd"),
                        null,
                        new byte[0],
                        400,
                        ""),
                new Bad(
                        "dot-dot id",
                        "PUT",
                        "/datastore/?image=..",
                        multipartType(),
                        form(Map.of(), Map.of("file", Map.entry("x.nii.gz", image))),
                        400,
                        "invalid id"),
                new Bad(
                        "params not JSON",
                        "POST",
                        "/infer/segmentation_spleen?image=spleen_01&output=json",
                        multipartType(),
                        form(Map.of("params", "{not json"), Map.of()),
                        422,
                        "params"),
                new Bad(
                        "70,000-character params",
                        "POST",
                        "/infer/segmentation_spleen?image=spleen_01&output=json",
                        multipartType(),
                        form(Map.of("params", longParams), Map.of()),
                        422,
                        "characters"),
                new Bad(
                        "click far outside the image",
                        "POST",
                        "/infer/deepgrow_3d?image=spleen_01&output=json",
                        multipartType(),
                        form(Map.of("params", "{\"foreground\": [[99999999999, 1, 1]]}"), Map.of()),
                        422,
                        ""),
                new Bad(
                        "train body not JSON",
                        "POST",
                        "/train/segmentation_spleen",
                        "application/json",
                        "{max_epochs".getBytes(StandardCharsets.UTF_8),
                        422,
                        "JSON"),
                new Bad(
                        "huge epoch count",
                        "POST",
                        "/train/segmentation_spleen",
                        "application/json",
                        "{\"max_epochs\": 1e12}".getBytes(StandardCharsets.UTF_8),
                        422,
                        "max_epochs"),
                new Bad(
                        "unknown model",
                        "POST",
                        "/infer/no_such_model?image=spleen_01",
                        multipartType(),
                        form(Map.of("params", "{}"), Map.of()),
                        404,
                        "no_such_model"),
                new Bad(
                        "unknown strategy",
                        "POST",
                        "/activelearning/no_such_strategy",
                        "application/json",
                        "{}".getBytes(StandardCharsets.UTF_8),
                        404,
                        "no_such_strategy"),
                new Bad("unknown image", "GET", "/datastore/image?image=no_such_image", null, new byte[0], 404, ""),
                new Bad(
                        "missing query parameter",
                        "PUT",
                        "/datastore/label",
                        multipartType(),
                        form(Map.of(), Map.of("label", Map.entry("l.nii.gz", image))),
                        422,
                        "image"),
                new Bad(
                        "a PyTorch checkpoint whose pickle calls os.system",
                        "PUT",
                        "/model/segmentation_spleen",
                        multipartType(),
                        form(Map.of(), Map.of("file", Map.entry("model.pt", hostileCheckpoint()))),
                        422,
                        "os.system"),
                new Bad(
                        "a checkpoint cut in half",
                        "PUT",
                        "/model/segmentation_spleen",
                        multipartType(),
                        form(Map.of(), Map.of("file", Map.entry("model.pt", Arrays.copyOf(hostileCheckpoint(), 40)))),
                        422,
                        "PyTorch file cannot be imported"));
        for (Bad bad : table) {
            MonaiWire.Reply reply = request(bad.method(), bad.target(), bad.type(), bad.body());
            assertEquals(bad.status(), reply.status(), bad.what() + ": " + reply.text());
            String detail = JSON.readTree(reply.body()).path("detail").asText();
            assertFalse(detail.isBlank(), bad.what() + ": a detail");
            assertTrue(detail.contains(bad.word()), bad.what() + ": " + detail);
        }
        assertEquals(before, json(get("/datastore/?output=stats")), "nothing was stored");
        assertEquals(404, get("/datastore/label/info?label=spleen_01&tag=bad").status());
    }

    @Test
    @Order(10)
    void anInferenceWhoseClientHangsUpIsStoppedAndItsWorkerFreed() throws Exception {
        // a deliberately slow version of the spleen model, through MONAI Label's PUT /model/: ~20 s per pass here
        MonaiWire.Reply imported = multipart(
                "PUT",
                "/model/segmentation_spleen",
                Map.of(),
                Map.of("file", Map.entry("slow.onnx", SlowNetwork.onnx(20))));
        assertEquals(200, imported.status(), imported.text());
        long stopped = inferenceWorkers("stopped");
        long finished = inferenceWorkers("finished");
        byte[] infer = MonaiWire.request(
                "POST",
                "/infer/segmentation_spleen?image=head_ct&output=image",
                GATEWAY,
                multipartType(),
                form(Map.of("params", "{}"), Map.of()));
        try (Socket slicer = new Socket("127.0.0.1", GATEWAY)) {
            slicer.getOutputStream().write(infer);
            slicer.getOutputStream().flush();
            Awaitility.await().atMost(60, TimeUnit.SECONDS).until(() -> inferenceWorkers("running") == 1);
        } // the annotator gave up: the gateway resets its call, the inference service stops the network
        Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() -> inferenceWorkers("stopped") == stopped + 1);
        assertEquals(finished, inferenceWorkers("finished"), "the pass did not run to its end");
        assertEquals(0, inferenceWorkers("running"));
    }

    /** The version inference serves now (MONAI Label's GET /model/info/{model}, answered by inference, not cached). */
    private static int servedVersion(String model) throws IOException {
        return json(get("/model/info/" + model)).get("version").asInt();
    }

    /** A count from the inference service's own readiness data (its pool's {@code inference-workers} check). */
    private static long inferenceWorkers(String count) throws IOException {
        MonaiWire.Reply ready = MonaiWire.exchange(
                Launcher.SERVICE_PORTS.get("inference"),
                MonaiWire.request(
                        "GET", "/q/health/ready", Launcher.SERVICE_PORTS.get("inference"), null, new byte[0]));
        for (JsonNode check : JSON.readTree(ready.body()).path("checks")) {
            if (check.path("name").asText().equals("inference-workers")) {
                return check.path("data").path(count).asLong();
            }
        }
        throw new AssertionError("no inference-workers check in " + ready.text());
    }

    /** A torch.save-style zip whose data.pkl would run os.system("ls") if it were unpickled by Python. */
    private static byte[] hostileCheckpoint() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("archive/data.pkl"));
            zip.write("\u0080\u0002cos\nsystem\nX\u0002\u0000\u0000\u0000ls\u0085R."
                    .getBytes(StandardCharsets.ISO_8859_1));
        }
        return out.toByteArray();
    }

    private static String multipartType() {
        return "multipart/form-data; boundary=" + MonaiWire.BOUNDARY;
    }

    private static byte[] form(Map<String, String> fields, Map<String, Map.Entry<String, byte[]>> files)
            throws IOException {
        return MonaiWire.encode(fields, files);
    }

    private Volume inferMultipart(String model, String image, String params, String extension) throws Exception {
        MonaiWire.Reply reply =
                multipart("POST", "/infer/" + model + "?image=" + image, Map.of("params", params), Map.of());
        assertEquals(200, reply.status(), reply.text());
        List<MonaiWire.Part> parts = MonaiWire.parse(reply.header("content-type"), reply.body());
        MonaiWire.Part json =
                parts.stream().filter(p -> p.filename() == null).findFirst().orElseThrow();
        assertEquals("params", json.name());
        JsonNode result = JSON.readTree(json.data());
        assertTrue(result.has("label_names") && result.at("/latencies/total").isNumber(), result.toString());
        MonaiWire.Part file =
                parts.stream().filter(p -> p.filename() != null).findFirst().orElseThrow();
        assertFalse(file.filename().contains("/"), "a bare file name: " + file.filename());
        assertTrue(file.filename().endsWith(extension), file.filename());
        Volume label = read(file.data(), file.filename());
        for (int i = 0; i < label.voxelCount(); i++) {
            double v = label.voxels().get(i);
            assertTrue(v == 0 || v == 1, "binary label, found " + v);
        }
        return label;
    }

    private static String filename(String disposition) {
        int at = disposition.indexOf("filename=\"");
        return disposition.substring(at + 10, disposition.indexOf('"', at + 10));
    }

    /** Adds a header line after the request line. */
    private static byte[] withHeader(byte[] request, String header) {
        String text = new String(request, StandardCharsets.ISO_8859_1);
        int eol = text.indexOf("\r\n");
        return (text.substring(0, eol + 2) + header + "\r\n" + text.substring(eol + 2))
                .getBytes(StandardCharsets.ISO_8859_1);
    }
}
