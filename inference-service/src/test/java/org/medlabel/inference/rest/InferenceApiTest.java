package org.medlabel.inference.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.medlabel.api.event.EventCodec;
import org.medlabel.api.event.ModelPublished;
import org.medlabel.api.event.Topics;
import org.medlabel.imaging.io.NiftiReader;
import org.medlabel.imaging.io.NrrdReader;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelType;
import org.medlabel.ml.nn.BasicUNetBuilder;
import org.medlabel.ml.nn.UNetBuilder;
import org.medlabel.ml.onnx.SlowNetwork;
import org.medlabel.platform.objectstore.ModelStore;
import org.medlabel.testinfra.InfraTestResource;
import org.medlabel.testinfra.OpenApiContract;
import org.medlabel.testinfra.PythonOracle;

/**
 * The inference API on the real object store and Kafka with the test app's tiny models: results on the input's grid
 * in every format, MONAI Label's response shapes, clear 4xx errors, and model imports that switch versions without
 * failing requests in flight.
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
@WithTestResource(FakeTraining.class)
class InferenceApiTest {

    static final Path DATA = Path.of(System.getProperty("medlabel.shared.data", "../../shared/data"))
            .normalize();
    static final Path CT = DATA.resolve("ct_head_invesalius/ct.nii.gz");
    static final Path MR_NRRD = DATA.resolve("nrrd_samples/KmeansTest_T1_itk.nrrd");

    @TempDir
    Path dir;

    @Test
    void modelsDescribeTheAppAndTheServedVersions() {
        given().get("/models")
                .then()
                .statusCode(200)
                .body("name", equalTo("MedLabel - Test"))
                .body("models.tiny_spleen.type", equalTo("segmentation"))
                .body("models.tiny_spleen.labels.spleen", equalTo(1))
                .body("models.tiny_spleen.config.device[0]", equalTo("cpu"))
                .body("models.tiny_deepgrow.type", equalTo("deepgrow"))
                .body("models.tiny_deepgrow.device", equalTo("cpu"))
                .body("models.tiny_spleen.device", equalTo("auto"))
                .body("models.tiny_deepgrow.labels[1]", equalTo("liver"))
                .body("models.tiny_deepgrow.version", greaterThanOrEqualTo(0));
    }

    @ParameterizedTest
    @ValueSource(strings = {".nii.gz", ".nii", ".nrrd", ".seg.nrrd"})
    void theLabelLiesOnTheInputsGridInEveryFormat(String extension) throws Exception {
        Response r = given().multiPart("file", CT.toFile())
                .multiPart("params", "{\"result_extension\": \"" + extension + "\", \"result_dtype\": \"uint8\"}")
                .post("/infer/tiny_spleen?output=image");
        r.then()
                .statusCode(200)
                .header(
                        "Content-Disposition",
                        matchesPattern(
                                "attachment; filename=\"medlabel-[0-9a-f]+" + extension.replace(".", "\\.") + "\""));
        Path file = dir.resolve("result" + extension);
        Files.write(file, r.asByteArray());
        Volume label = extension.endsWith("nrrd") ? new NrrdReader().read(file).volume() : new NiftiReader().read(file);
        Volume image = new NiftiReader().read(CT);
        assertEquals(List.of(image.nx(), image.ny(), image.nz()), List.of(label.nx(), label.ny(), label.nz()));
        assertTrue(label.affine().approximatelyEquals(image.affine(), 1e-5), label.affine() + " vs " + image.affine());
        assertEquals(VoxelType.UINT8, label.type());
    }

    @Test
    void anNrrdInputGivesAnNrrdResultByDefault() throws Exception {
        Response r = given().multiPart("file", MR_NRRD.toFile()).post("/infer/tiny_spleen?output=image");
        r.then().statusCode(200).header("Content-Disposition", containsString(".nrrd\""));
        Path file = dir.resolve("r.nrrd");
        Files.write(file, r.asByteArray());
        Volume label = new NrrdReader().read(file).volume();
        Volume image = new NrrdReader().read(MR_NRRD).volume();
        assertArrayEquals(image.affine().toArray(), label.affine().toArray(), 1e-5);
    }

    @Test
    void allIsMonaiLabelsMultipartWithParamsThenImage() {
        Response r = given().multiPart("file", CT.toFile()).post("/infer/tiny_spleen");
        r.then().statusCode(200).contentType(matchesPattern("multipart/form-data; ?boundary=[0-9a-f]{32}"));
        String boundary = r.getContentType().replaceAll(".*boundary=", "");
        String body = new String(r.asByteArray(), StandardCharsets.ISO_8859_1);
        assertTrue(
                body.startsWith("--" + boundary + "\r\nContent-Disposition: form-data; name=\"params\"\r\n"),
                body.substring(0, 120));
        int image = body.indexOf("Content-Disposition: form-data; name=\"image\"; filename=\"medlabel-");
        assertTrue(image > 0, "an image part with a bare file name");
        assertTrue(body.substring(image, image + 120).contains(".nii.gz\""));
        assertTrue(body.endsWith("\r\n--" + boundary + "--\r\n"));
        String params = body.substring(body.indexOf("\r\n\r\n") + 4, body.indexOf("\r\n--" + boundary, 10));
        for (String key : List.of(
                "label_names",
                "latencies",
                "centroids",
                "\"pre\"",
                "\"infer\"",
                "\"invert\"",
                "\"post\"",
                "\"write\"",
                "\"total\"")) {
            assertTrue(params.contains(key), key + " in " + params);
        }
    }

    @Test
    void jsonOutputCarriesLatenciesLabelNamesAndTheModelVersion() {
        given().multiPart("file", CT.toFile())
                .post("/infer/tiny_spleen?output=json")
                .then()
                .statusCode(200)
                .contentType("application/json")
                .body("label_names.spleen", equalTo(1))
                .body("latencies", hasKey("total"))
                .body("model", equalTo("tiny_spleen"))
                .body("$", hasKey("model_version"));
    }

    @Test
    void deepGrowSegmentsAroundTheClick() {
        given().multiPart("file", CT.toFile())
                .multiPart("params", "{\"foreground\": [[128, 120, 50]], \"background\": [[20, 20, 10]]}")
                .post("/infer/tiny_deepgrow?output=json")
                .then()
                .statusCode(200)
                .body("label_names.spleen", equalTo(1));
    }

    @Test
    void deepGrow2dAnswersOnTheClickedSliceOnlyAndTakesOnlyA2dNetwork() throws Exception {
        given().get("/models").then().statusCode(200).body("models.tiny_deepgrow_2d.dimension", equalTo(2));
        Response r = given().multiPart("file", CT.toFile())
                .multiPart("params", "{\"foreground\": [[128, 120, 50]], \"slice\": 50}")
                .post("/infer/tiny_deepgrow_2d?output=image");
        r.then().statusCode(200);
        Path file = dir.resolve("slice.nii.gz");
        Files.write(file, r.asByteArray());
        Volume label = new NiftiReader().read(file);
        Volume image = new NiftiReader().read(CT);
        assertEquals(List.of(image.nx(), image.ny(), image.nz()), List.of(label.nx(), label.ny(), label.nz()));
        int plane = label.nx() * label.ny();
        for (int i = 0; i < label.voxelCount(); i++) {
            if (i / plane != 50) {
                assertEquals(0.0, label.voxels().get(i), "voxel " + i + " lies off the clicked slice");
            }
        }
        given().multiPart("file", CT.toFile())
                .multiPart("params", "{\"foreground\": [[128, 120, 50]], \"slice\": 51}")
                .post("/infer/tiny_deepgrow_2d")
                .then()
                .statusCode(422)
                .body("detail", containsString("'foreground' on slice 51"));
        byte[] volumetric = new BasicUNetBuilder()
                .inChannels(3)
                .outChannels(1)
                .features(4, 4, 8, 8, 8, 4)
                .build()
                .toByteArray();
        given().body(volumetric)
                .contentType("application/octet-stream")
                .put("/models/tiny_deepgrow_2d")
                .then()
                .statusCode(422)
                .body("detail", containsString("input has 5 dimensions; its definition (dimension 2) needs 4"));
    }

    @Test
    void badRequestsGetAClear4xxAndTheirReason() {
        given().multiPart("file", CT.toFile())
                .post("/infer/no_such_model")
                .then()
                .statusCode(404)
                .body("detail", containsString("model 'no_such_model' not found"));
        given().multiPart("params", "{}")
                .post("/infer/tiny_spleen")
                .then()
                .statusCode(422)
                .body("detail", containsString("image"));
        given().multiPart("file", CT.toFile())
                .multiPart("params", "{not json")
                .post("/infer/tiny_spleen")
                .then()
                .statusCode(422)
                .body("detail", containsString("params must be a JSON object"));
        given().multiPart("file", CT.toFile())
                .multiPart("params", "{\"foreground\": [[999, 1, 1]]}")
                .post("/infer/tiny_deepgrow")
                .then()
                .statusCode(422)
                .body("detail", containsString("outside the image"));
        given().multiPart("file", CT.toFile())
                .multiPart("params", "{\"result_extension\": \".png\"}")
                .post("/infer/tiny_spleen")
                .then()
                .statusCode(422)
                .body("detail", containsString(".png"));
        given().multiPart("file", CT.toFile())
                .post("/infer/tiny_spleen?output=dicom")
                .then()
                .statusCode(422)
                .body("detail", containsString("output must be json, image or all"));
        given().multiPart("file", "broken.nii.gz", new byte[] {31, -117, 8, 0, 1, 2, 3})
                .post("/infer/tiny_spleen")
                .then()
                .statusCode(422)
                .body("code", equalTo("INVALID_IMAGE"));
        given().multiPart("file", CT.toFile())
                .multiPart("params", "{\"x\": \"" + "a".repeat(70_000) + "\"}")
                .post("/infer/tiny_spleen")
                .then()
                .statusCode(422)
                .body("detail", containsString("at most"));
    }

    @Inject
    ModelStore store;

    @BeforeEach
    void training() {
        FakeTraining.store = store;
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String kafka;

    @Test
    void aModelPublishedEventSwitchesTheServedVersion() throws Exception {
        int next = store.latestVersion("tiny_deepgrow").orElse(0) + 1;
        String key = ModelStore.key("tiny_deepgrow", next);
        store.write(
                key,
                new BasicUNetBuilder()
                        .inChannels(3)
                        .outChannels(1)
                        .features(4, 4, 8, 8, 8, 4)
                        .seed(next)
                        .build()
                        .toByteArray());
        var props = new Properties();
        props.put("bootstrap.servers", kafka);
        props.put("key.serializer", StringSerializer.class.getName());
        props.put("value.serializer", StringSerializer.class.getName());
        String event = new EventCodec().toJson(ModelPublished.of("tiny_deepgrow", next, key, 0.5, "job-1"));
        try (var producer = new KafkaProducer<String, String>(props)) {
            producer.send(new ProducerRecord<>(Topics.MODELS, "tiny_deepgrow", event))
                    .get();
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        int served = -1;
        while (System.nanoTime() < deadline && served != next) {
            served = given().get("/models").then().extract().path("models.tiny_deepgrow.version");
            Thread.sleep(200);
        }
        assertEquals(next, served, "the published version is served");
    }

    @Test
    void importsAreCheckedAndSwitchVersionsWhileRequestsRun() throws Exception {
        given().body("not onnx".getBytes(StandardCharsets.UTF_8))
                .contentType("application/octet-stream")
                .put("/models/tiny_spleen")
                .then()
                .statusCode(422)
                .body("detail", containsString("not an ONNX file"));
        byte[] threeClasses = new UNetBuilder()
                .outChannels(3)
                .channels(4, 8)
                .strides(2)
                .build()
                .toByteArray();
        given().body(threeClasses)
                .contentType("application/octet-stream")
                .put("/models/tiny_spleen")
                .then()
                .statusCode(422)
                .body("detail", containsString("output has 3 channels; its definition needs 2"));
        // weights in an external file: a server must not read a file an upload names
        var network = new UNetBuilder().channels(4, 8).strides(2).build();
        var graph = network.getGraph().toBuilder();
        graph.setInitializer(
                0,
                graph.getInitializer(0).toBuilder()
                        .clearRawData()
                        .setDataLocation(org.medlabel.ml.onnx.proto.Onnx.TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(org.medlabel.ml.onnx.proto.Onnx.StringStringEntryProto.newBuilder()
                                .setKey("location")
                                .setValue("../../../etc/passwd")));
        given().body(network.toBuilder().setGraph(graph).build().toByteArray())
                .contentType("application/octet-stream")
                .put("/models/tiny_spleen")
                .then()
                .statusCode(422)
                .body("detail", containsString("in an external file ('../../../etc/passwd')"));

        int before = given().get("/models").then().extract().path("models.tiny_spleen.version");
        ExecutorService clients = Executors.newFixedThreadPool(3);
        List<Future<Integer>> inFlight = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            inFlight.add(clients.submit(() -> given().multiPart("file", CT.toFile())
                    .post("/infer/tiny_spleen?output=json")
                    .then()
                    .extract()
                    .statusCode()));
        }
        byte[] retrained = new UNetBuilder()
                .channels(4, 8)
                .strides(2)
                .residualUnits(1)
                .seed(77)
                .build()
                .toByteArray();
        int version = given().body(new ByteArrayInputStream(retrained).readAllBytes())
                .contentType("application/octet-stream")
                .put("/models/tiny_spleen")
                .then()
                .statusCode(200)
                .extract()
                .path("version");
        assertEquals(before + 1, version);
        for (Future<Integer> f : inFlight) {
            assertEquals(200, f.get(), "requests in flight finish");
        }
        clients.shutdown();
        given().multiPart("file", CT.toFile())
                .post("/infer/tiny_spleen?output=json")
                .then()
                .statusCode(200)
                .body("model_version", equalTo(version));
        given().get("/models").then().body("models.tiny_spleen.version", equalTo(version));
        // the checksum was computed once, when the version was stored, and is the stored bytes'
        String sha256 = HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(store.read(ModelStore.key("tiny_spleen", version))));
        given().get("/models/tiny_spleen/info")
                .then()
                .statusCode(200)
                .body("checksum", equalTo("SHA256:" + sha256))
                .body("version", equalTo(version));
        given().get("/q/health/ready")
                .then()
                .body("checks.find { it.name == 'models' }.data.tiny_spleen", equalTo(version));
    }

    /** MONAI Label's upload: a PyTorch checkpoint or TorchScript file, loaded into the app's network by name. */
    @Test
    void pyTorchCheckpointsBecomeVersionsAndBadOnesChangeNothing(@TempDir Path dir) throws Exception {
        String unet = "{\"spatial_dims\": 3, \"in_channels\": 1, \"out_channels\": 2, \"channels\": [4, %d],"
                + " \"strides\": [2], \"num_res_units\": 1}";
        PythonOracle.run("monai_pipeline.py", "checkpoint", "UNet", unet.formatted(8), dir.resolve("good"));
        PythonOracle.run("monai_pipeline.py", "checkpoint", "UNet", unet.formatted(16), dir.resolve("wider"));
        int before = given().get("/models").then().extract().path("models.tiny_spleen.version");
        for (String file : List.of("good.pt", "good.ts")) {
            int version = given().body(Files.readAllBytes(dir.resolve(file)))
                    .contentType("application/octet-stream")
                    .put("/models/tiny_spleen")
                    .then()
                    .statusCode(200)
                    .extract()
                    .path("version");
            assertTrue(version > before, file);
            before = version;
            given().multiPart("file", CT.toFile())
                    .post("/infer/tiny_spleen?output=json")
                    .then()
                    .statusCode(200);
        }
        byte[] good = Files.readAllBytes(dir.resolve("good.pt"));
        Map<String, String> refusals = Map.of(
                "the weights do not fit UNet", "wider.pt",
                "model.1.submodule.conv.unit0.conv.weight: file [16, 4, 3, 3, 3], network [8, 4, 3, 3, 3]", "wider.pt");
        for (var refusal : refusals.entrySet()) {
            given().body(Files.readAllBytes(dir.resolve(refusal.getValue())))
                    .contentType("application/octet-stream")
                    .put("/models/tiny_spleen")
                    .then()
                    .statusCode(422)
                    .body("detail", containsString(refusal.getKey()));
        }
        given().body(Arrays.copyOf(good, good.length / 2))
                .contentType("application/octet-stream")
                .put("/models/tiny_spleen")
                .then()
                .statusCode(422)
                .body("detail", containsString("the PyTorch file cannot be imported"));
        ByteArrayOutputStream hostile = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(hostile)) {
            zip.putNextEntry(new ZipEntry("archive/data.pkl"));
            zip.write("\u0080\u0002cos\nsystem\nX\u0002\u0000\u0000\u0000ls\u0085R."
                    .getBytes(StandardCharsets.ISO_8859_1));
        }
        given().body(hostile.toByteArray())
                .contentType("application/octet-stream")
                .put("/models/tiny_spleen")
                .then()
                .statusCode(422)
                .body("detail", containsString("os.system"));
        assertEquals(
                before,
                (int) given().get("/models").then().extract().path("models.tiny_spleen.version"),
                "no refused file became a version");
    }

    /** A MONAI bundle zip (configs and models/model.pt, in a top folder as the zoo ships it) imports its weights. */
    @Test
    void bundleZipsImportTheirWeightsAndBadOnesChangeNothing(@TempDir Path dir) throws Exception {
        String unet = "{\"spatial_dims\": 3, \"in_channels\": 1, \"out_channels\": 2, \"channels\": [4, 8],"
                + " \"strides\": [2], \"num_res_units\": 1}";
        PythonOracle.run("monai_pipeline.py", "checkpoint", "UNet", unet, dir.resolve("good"));
        PythonOracle.run(
                "monai_pipeline.py", "checkpoint", "UNet", unet.replace("[4, 8]", "[4, 16]"), dir.resolve("wide"));
        String metadata = "{\"name\": \"tiny\", \"network_data_format\": {\"outputs\": {\"pred\": {\"num_channels\":"
                + " 2, \"channel_def\": {\"0\": \"background\", \"1\": \"spleen\"}}}}}";
        String inference = "{\"network_def\": " + unet.replace("{", "{\"_target_\": \"UNet\", ")
                + ", \"inferer\": {\"_target_\": \"SimpleInferer\"}}";
        byte[] weights = Files.readAllBytes(dir.resolve("good.pt"));
        int before = given().get("/models").then().extract().path("models.tiny_spleen.version");
        int version = given().body(bundleZip(metadata, inference, weights))
                .contentType("application/octet-stream")
                .put("/models/tiny_spleen")
                .then()
                .statusCode(200)
                .extract()
                .path("version");
        assertTrue(version > before);
        Map<String, byte[]> refusals = Map.of(
                "bundle tiny has no models/model.pt or models/model.ts", bundleZip(metadata, inference, null),
                "network monai.networks.nets.DiNTS is not supported",
                        bundleZip(metadata, inference.replace("\"UNet\"", "\"monai.networks.nets.DiNTS\""), weights),
                "the weights do not fit UNet",
                        bundleZip(
                                metadata,
                                inference.replace("[4, 8]", "[4, 16]"),
                                Files.readAllBytes(dir.resolve("wide.pt"))));
        for (var refusal : refusals.entrySet()) {
            given().body(refusal.getValue())
                    .contentType("application/octet-stream")
                    .put("/models/tiny_spleen")
                    .then()
                    .statusCode(422)
                    .body("detail", containsString(refusal.getKey()));
        }
        assertEquals(version, (int) given().get("/models").then().extract().path("models.tiny_spleen.version"));
    }

    private static byte[] bundleZip(String metadata, String inference, byte[] weights) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("tiny/configs/metadata.json"));
            zip.write(metadata.getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new ZipEntry("tiny/configs/inference.json"));
            zip.write(inference.getBytes(StandardCharsets.UTF_8));
            if (weights != null) {
                zip.putNextEntry(new ZipEntry("tiny/models/model.pt"));
                zip.write(weights);
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void aClientThatHangsUpStopsItsInferenceAndFreesTheWorker() throws Exception {
        given().body(SlowNetwork.onnx(300))
                .contentType("application/octet-stream")
                .put("/models/slow")
                .then()
                .statusCode(200);
        long stoppedBefore = workers("stopped");
        long finishedBefore = workers("finished");
        byte[] ct = Files.readAllBytes(CT);
        String boundary = "medlabel-test-boundary";
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ct.nii.gz\"\r\n"
                        + "Content-Type: application/octet-stream\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        try (Socket socket = new Socket("127.0.0.1", RestAssured.port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /infer/slow?output=json HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + "Content-Type: multipart/form-data; boundary=" + boundary + "\r\nContent-Length: "
                            + (head.length + ct.length + tail.length) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(head);
            out.write(ct);
            out.write(tail);
            out.flush();
            Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() -> workers("running") == 1);
        } // hung up while the network runs (seconds of work for this network)
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> workers("stopped") == stoppedBefore + 1);
        assertEquals(finishedBefore, workers("finished"), "the inference did not run to its end");
        assertEquals(0, workers("running"));
    }

    private static long workers(String count) {
        Number n = given().get("/q/health/ready")
                .then()
                .extract()
                .path("checks.find { it.name == 'inference-workers' }.data." + count);
        return n.longValue();
    }

    /** The internal API this service serves is the committed document its consumers' contract tests read. */
    @Test
    void theInternalApiIsTheCommittedDocument() {
        OpenApiContract.assertServedIsCommitted(
                given().accept("application/json").get("/q/openapi?format=json").asString());
    }
}
