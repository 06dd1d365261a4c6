package org.medlabel.datastore;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minio.MinioClient;
import io.minio.UploadObjectArgs;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.medlabel.datastore.repository.ImageEntity;
import org.medlabel.testinfra.InfraTestResource;
import org.medlabel.testinfra.OpenApiContract;

/** The datastore's REST API against real PostgreSQL, Kafka and S3, with the real CT and label of ../shared/data. */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class DatastoreApiTest {

    static final Path DATA = Path.of(System.getProperty("medlabel.shared.data", "../../shared/data"));
    static final Path CT = DATA.resolve("ct_head_invesalius/ct.nii.gz");
    static final Path CT_LABEL = DATA.resolve("ct_head_invesalius/labels.nii.gz");
    static final Path OTHER_GRID = DATA.resolve("mri_itk_kmeans/KmeansTest_T1KmeansPrelimSegmentation.nii.gz");
    static final Path NRRD = DATA.resolve("nrrd_samples/KmeansTest_T1_itk.nrrd");

    @Inject
    MinioClient minio;

    /** Ids unique to this run: the database outlives test runs. */
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @Test
    void imageUploadTakesTheIdFromTheClientsFullPathAndStoresTheBytesExactly() throws Exception {
        String name = "ct" + run;
        byte[] bytes = Files.readAllBytes(CT);
        Response added = given().multiPart("file", "/home/annotator/studies/" + name + ".nii.gz", bytes)
                .multiPart("params", "{\"client_id\": \"alice\", \"series\": 3}")
                .post("/images");
        added.then()
                .statusCode(201)
                .body("id", equalTo(name))
                .body("name", equalTo(name + ".nii.gz"))
                .body("format", equalTo("nifti"))
                .body("dims", contains(256, 256, 108))
                .body("sha256", equalTo(sha256(bytes)))
                .body("info.user", equalTo("alice"))
                .body("info.series", equalTo(3));

        Response file = given().get("/images/{id}/file", name);
        file.then().statusCode(200).header("Content-Disposition", containsString("filename=\"" + name + ".nii.gz\""));
        assertArrayEquals(bytes, file.asByteArray());
        given().head("/images/{id}/file?checksum=SHA256:{c}", name, sha256(bytes))
                .then()
                .statusCode(200);
        given().head("/images/{id}/file?checksum={c}", name, sha256(bytes))
                .then()
                .statusCode(200);
        given().head("/images/{id}/file?checksum={c}", name, sha256(new byte[1]))
                .then()
                .statusCode(404);

        given().contentType(ContentType.JSON)
                .body(Map.of("reviewed", true))
                .put("/images/{id}/info", name)
                .then()
                .statusCode(200)
                .body("reviewed", equalTo(true))
                .body("series", equalTo(3));
    }

    @Test
    void aRawBodyUploadStoresTheSameAsMultipart() throws Exception {
        String id = "raw" + run;
        byte[] bytes = Files.readAllBytes(CT);
        given().contentType("application/octet-stream")
                .body(bytes)
                .queryParam("name", "C:\\data\\ct.nii.gz")
                .queryParam("params", "{\"client_id\": \"bob\"}")
                .put("/images/{id}/file", id)
                .then()
                .statusCode(200)
                .body("name", equalTo(id + ".nii.gz"))
                .body("sha256", equalTo(sha256(bytes)))
                .body("info.user", equalTo("bob"));
        assertArrayEquals(bytes, given().get("/images/{id}/file", id).asByteArray());
        given().contentType("application/octet-stream")
                .body(bytes)
                .put("/images/{id}/file", id)
                .then()
                .statusCode(400)
                .body("detail", containsString("'name'"));
        given().contentType("application/octet-stream")
                .body(Arrays.copyOf(bytes, 4000))
                .queryParam("name", "ct.nii.gz")
                .put("/images/{id}/file", "rawbad" + run)
                .then()
                .statusCode(422);
        given().get("/images/{id}", "rawbad" + run).then().statusCode(404);
    }

    @Test
    void labelsAreVersionedAndCheckedAgainstTheirImagesGrid() throws Exception {
        String id = uploadCt("lab");
        byte[] label = Files.readAllBytes(CT_LABEL);
        for (int version = 1; version <= 2; version++) {
            given().multiPart("label", "labels.nii.gz", label)
                    .multiPart("params", "{\"label_info\": [{\"name\": \"skull\", \"idx\": 1}]}")
                    .put("/images/{id}/labels/final", id)
                    .then()
                    .statusCode(201)
                    .body("version", equalTo(version))
                    .body("name", equalTo(id + ".nii.gz"))
                    .body("info.client_id", equalTo("admin"))
                    .body("info.label_info[0].name", equalTo("skull"));
        }
        given().get("/images/{id}/labels/final/versions", id).then().body("version", contains(1, 2));
        assertArrayEquals(
                label, given().get("/images/{id}/labels/final/file", id).asByteArray());
        assertArrayEquals(
                label,
                given().get("/images/{id}/labels/final/file?version=1", id).asByteArray());
        given().get("/images/{id}", id).then().body("finalVersion", equalTo(2));
        List<Map<String, Object>> datalist =
                given().get("/datalist").then().extract().path("$");
        Map<String, Object> mine = datalist.stream()
                .filter(c -> c.get("id").equals(id))
                .findFirst()
                .orElseThrow();
        assertEquals(2, mine.get("labelVersion"));
        Map<?, ?> scope = (Map<?, ?>) mine.get("scope");
        assertEquals(List.of("skull"), scope.get("structures"), "the final label's structures, for the trainers");
        assertEquals(null, scope.get("model"), "no model was named");

        given().multiPart("label", "seg.nii.gz", Files.readAllBytes(OTHER_GRID))
                .put("/images/{id}/labels/final", id)
                .then()
                .statusCode(422)
                .body("code", equalTo("LABEL_GRID_MISMATCH"))
                .body("detail", containsString("label is 128x128x62 voxels but image '" + id + "' is 256x256x108"));
        given().get("/images/{id}/labels/final/versions", id).then().body("version", contains(1, 2));

        given().delete("/images/{id}/labels/final", id).then().statusCode(204);
        given().get("/images/{id}", id).then().body("finalVersion", nullValue());
        given().get("/images/{id}/labels/final", id).then().statusCode(404).body("code", equalTo("LABEL_NOT_FOUND"));
    }

    @Test
    void badInputIsRefusedWithTheReasonAndStoresNothing() throws Exception {
        byte[] ct = Files.readAllBytes(CT);
        String truncated = "trunc" + run;
        given().multiPart("file", truncated + ".nii.gz", Arrays.copyOf(ct, ct.length / 2))
                .post("/images")
                .then()
                .statusCode(422)
                .body("code", equalTo("INVALID_IMAGE"))
                .body("detail", containsString("truncated"));
        given().get("/images/{id}", truncated).then().statusCode(404).body("code", equalTo("IMAGE_NOT_FOUND"));

        given().multiPart("file", "x.nii.gz", ct)
                .queryParam("id", "../etc")
                .post("/images")
                .then()
                .statusCode(400)
                .body("code", equalTo("INVALID_ID"));
        given().multiPart("image", "x.nii.gz", ct)
                .post("/images")
                .then()
                .statusCode(400)
                .body("detail", containsString("'file'"));
        given().multiPart("file", "notes.txt", "hello".getBytes())
                .post("/images")
                .then()
                .statusCode(415)
                .body("code", equalTo("UNSUPPORTED_FORMAT"));
        given().multiPart("file", "y" + run + ".nii.gz", ct)
                .multiPart("params", "{not json")
                .post("/images")
                .then()
                .statusCode(400)
                .body("detail", containsString("'params' is not a JSON object"));
        given().multiPart("label", "l.nii.gz", Files.readAllBytes(CT_LABEL))
                .put("/images/{id}/labels/final", "missing" + run)
                .then()
                .statusCode(404)
                .body("code", equalTo("IMAGE_NOT_FOUND"));
        given().get("/images/{id}", "y" + run).then().statusCode(404);

        // a header declaring 32767³ voxels is refused before anything is read or allocated
        byte[] huge = Files.readAllBytes(DATA.resolve("nifti_format_samples/anatomical.nii")); // big-endian NIfTI-1
        for (int offset = 42; offset < 48; offset += 2) {
            huge[offset] = 0x7f;
            huge[offset + 1] = (byte) 0xff;
        }
        given().multiPart("file", "huge" + run + ".nii", huge)
                .post("/images")
                .then()
                .statusCode(422)
                .body("detail", containsString("exceeds the limit"));
        given().get("/images/{id}", "huge" + run).then().statusCode(404);
    }

    @Test
    void nrrdImagesAreAcceptedAndDeletionRemovesImageAndLabels() throws Exception {
        String id = "nrrd" + run;
        given().multiPart("file", "KmeansTest_T1_itk.nrrd", Files.readAllBytes(NRRD))
                .put("/images/{id}", id)
                .then()
                .statusCode(200)
                .body("format", equalTo("nrrd"))
                .body("name", equalTo(id + ".nrrd"));
        given().delete("/images/{id}", id).then().statusCode(204);
        given().get("/images/{id}", id).then().statusCode(404);
        given().delete("/images/{id}", id).then().statusCode(404);
    }

    @Test
    void strategiesServeUnlabeledImagesAndNeverTheSameTwiceWhileOthersAreLeft() throws Exception {
        // the store is shared with other tests: only rely on these four being unlabeled and never served
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            ids.add(uploadCt("al" + i));
        }
        String first = given().post("/strategies/first/next")
                .then()
                .statusCode(200)
                .extract()
                .path("id");
        String again = given().post("/strategies/first/next")
                .then()
                .statusCode(200)
                .extract()
                .path("id");
        assertNotEquals(first, again);
        given().get("/images/{id}", first).then().body("info.strategy.first.client_id", equalTo("admin"));

        // random weighs never-served images by "now" and just-served ones by seconds: two draws, two fresh images
        Set<String> served = new HashSet<>(List.of(first, again));
        for (int i = 0; i < 2; i++) {
            Map<String, Object> next = given().contentType(ContentType.JSON)
                    .body(Map.of("client_id", "annotator" + i))
                    .post("/strategies/random/next")
                    .then()
                    .statusCode(200)
                    .body("$", hasKey("weight"))
                    .extract()
                    .as(Map.class);
            assertTrue(served.add((String) next.get("id")), "served twice: " + next.get("id"));
        }

        String labeled = ids.iterator().next();
        given().multiPart("label", "l.nii.gz", Files.readAllBytes(CT_LABEL))
                .put("/images/{id}/labels/final", labeled)
                .then()
                .statusCode(201);
        for (int i = 0; i < 5; i++) {
            given().post("/strategies/random/next").then().body("id", not(equalTo(labeled)));
        }
        given().post("/strategies/best/next").then().statusCode(404).body("code", equalTo("UNKNOWN_STRATEGY"));
    }

    @Test
    void theEpistemicStrategyServesTheImageTheModelIsLeastSureAbout() throws Exception {
        String unsure = uploadCt("ep-unsure");
        String lessUnsure = uploadCt("ep-less");
        uploadCt("ep-unscored");
        // what the gateway's epistemic scoring writes (other tests' images carry no score: they rank last)
        given().contentType(ContentType.JSON)
                .body(Map.of("epistemic_entropy", 1e6, "epistemic_ts", 3))
                .put("/images/{id}/info", unsure)
                .then()
                .statusCode(200);
        given().contentType(ContentType.JSON)
                .body(Map.of("epistemic_entropy", 1e5, "epistemic_ts", 3))
                .put("/images/{id}/info", lessUnsure)
                .then()
                .statusCode(200);
        given().post("/strategies/epistemic/next")
                .then()
                .statusCode(200)
                .body("id", equalTo(unsure))
                .body("epistemic_entropy.score", equalTo(1e6f))
                .body("epistemic_entropy.ts", equalTo(3));
        // served just now: held back while others are left
        given().post("/strategies/epistemic/next").then().statusCode(200).body("id", equalTo(lessUnsure));
    }

    @Test
    void annotatorsAskingAtOnceGetDifferentImages() throws Exception {
        for (int i = 0; i < 6; i++) {
            uploadCt("conc" + i);
        }
        List<Callable<String>> asks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String strategy = i % 2 == 0 ? "random" : "first";
            asks.add(() -> given().post("/strategies/" + strategy + "/next")
                    .then()
                    .statusCode(200)
                    .extract()
                    .path("id"));
        }
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            Set<String> got = new HashSet<>();
            for (Future<String> f : pool.invokeAll(asks)) {
                assertTrue(got.add(f.get()), "two annotators got " + f.get());
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void statsViewAndDatalistDescribeTheStoreInMonaiLabelsShapes() throws Exception {
        String id = uploadCt("view");
        given().multiPart("label", "l.nii.gz", Files.readAllBytes(CT_LABEL))
                .multiPart("params", "{\"model\": \"segmentation\"}")
                .put("/images/{id}/labels/original", id)
                .then()
                .statusCode(201);
        given().multiPart("label", "l.nii.gz", Files.readAllBytes(CT_LABEL))
                .put("/images/{id}/labels/original", id)
                .then()
                .statusCode(201); // a second version counts the image once
        Map<String, Object> stats =
                given().get("/stats").then().statusCode(200).extract().as(Map.class);
        // the counters kept by triggers agree with counting the tables
        Map<String, Object> counted = QuarkusTransaction.requiringNew().call(() -> {
            EntityManager em = ImageEntity.getEntityManager();
            Map<String, Object> tags = new TreeMap<>();
            @SuppressWarnings("unchecked")
            List<Object[]> rows = em.createNativeQuery(
                            "select tag, count(distinct image_id) from datastore.labels group by tag")
                    .getResultList();
            rows.forEach(r -> tags.put((String) r[0], ((Number) r[1]).intValue()));
            return Map.of(
                    "total", count(em, "select count(*) from datastore.images"),
                    "completed", count(em, "select count(*) from datastore.images where final_version is not null"),
                    "label_tags", tags);
        });
        assertEquals(counted.get("total"), stats.get("total"));
        assertEquals(counted.get("completed"), stats.get("completed"));
        assertEquals(counted.get("label_tags"), new TreeMap<>((Map<?, ?>) stats.get("label_tags")));

        int offset = 0;
        Map<String, Object> objects = null;
        while (true) {
            Response page = given().get("/view?offset={o}&limit=50", offset);
            page.then().statusCode(200).body("labels_dir", equalTo("labels"));
            Map<String, Object> pageObjects = page.path("objects");
            if (pageObjects.containsKey(id)) {
                objects = pageObjects;
            }
            Integer next = page.path("next_offset");
            if (next == null) {
                break;
            }
            offset = next;
        }
        assertEquals(".nii.gz", ((Map<?, ?>) ((Map<?, ?>) objects.get(id)).get("image")).get("ext"));
        given().get("/view?offset=0&limit=5000").then().statusCode(400);

        List<Map<String, Object>> datalist =
                given().get("/datalist").then().extract().path("$");
        assertTrue(datalist.stream().noneMatch(p -> p.get("id").equals(id)), "an image without a final label");
        assertTrue(
                datalist.stream()
                        .allMatch(p -> p.keySet().equals(Set.of("id", "labelVersion", "scope"))
                                && ((Integer) p.get("labelVersion")) >= 1),
                "each case is an image id, its final label's version and that label's scope: " + datalist);
    }

    @Test
    void datasetExportStreamsLabelledImagesTheirFinalLabelsAndMetadata() throws Exception {
        String id = uploadCt("zip");
        byte[] label = Files.readAllBytes(CT_LABEL);
        given().multiPart("label", "l.nii.gz", label)
                .put("/images/{id}/labels/final", id)
                .then()
                .statusCode(201);
        Response zip = given().get("/dataset");
        zip.then().statusCode(200).header("Content-Disposition", containsString("dataset.zip"));
        Map<String, byte[]> entries = new HashMap<>();
        try (ZipInputStream in = new ZipInputStream(zip.asInputStream())) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                entries.put(e.getName(), in.readAllBytes());
            }
        }
        assertArrayEquals(Files.readAllBytes(CT), entries.get("image/" + id + ".nii.gz"));
        assertArrayEquals(label, entries.get("label/" + id + ".nii.gz"));
        assertTrue(new String(entries.get("metadata.json")).contains("\"" + id + "\""));
        given().get("/dataset?limit_cases=0").then().statusCode(400);
    }

    @Test
    void aMonaiLabelStudiesFolderImportsOnceAndReportsWhatFailed() throws Exception {
        Path root = Path.of(System.getProperty("java.io.tmpdir"), "medlabel-import-test");
        Path studies = Files.createDirectories(root.resolve("studies" + run));
        Files.createDirectories(studies.resolve("labels/final"));
        String id = "imp" + run;
        Files.copy(CT, studies.resolve(id + ".nii.gz"));
        Files.copy(CT_LABEL, studies.resolve("labels/final/" + id + ".nii.gz"));
        Files.write(studies.resolve("broken" + run + ".nii.gz"), Arrays.copyOf(Files.readAllBytes(CT), 5000));
        Files.copy(CT_LABEL, studies.resolve("labels/final/orphan" + run + ".nii.gz"));
        // a file linking out of the import root: listed, never read
        Files.createSymbolicLink(studies.resolve("zlinked" + run + ".nii.gz"), CT.toAbsolutePath());

        given().contentType(ContentType.JSON)
                .header("X-MedLabel-User", "importer")
                .body(Map.of("path", studies.toString()))
                .post("/imports/folder")
                .then()
                .statusCode(200)
                .body("imagesAdded", equalTo(1))
                .body("labelsAdded", equalTo(1))
                .body("errors.size()", equalTo(3))
                .body("errors[0]", containsString("broken" + run + ".nii.gz: not a valid NIFTI file"))
                .body(
                        "errors[1]",
                        containsString("zlinked" + run + ".nii.gz: refused: a symbolic link to a file outside"))
                .body("errors[2]", containsString("image 'orphan" + run + "' not found"));
        given().get("/images/{id}/labels/final", id)
                .then()
                .statusCode(200)
                .body("version", equalTo(1))
                .body("author", equalTo("importer"));
        given().get("/images/{id}/labels/final", "zlinked" + run).then().statusCode(404);

        // outside the roots: 403 whether the folder exists or not (the answer does not reveal the server's folders),
        // through "..", and through a linked folder inside a root
        Path linkedOut = studies.resolve("linked-dir");
        Files.createSymbolicLink(linkedOut, DATA.toAbsolutePath());
        for (String outside : List.of(
                DATA.toString(),
                "/no/such/folder" + run,
                studies.resolve("../../..").toString() + "/etc",
                linkedOut.toString())) {
            given().contentType(ContentType.JSON)
                    .body(Map.of("path", outside))
                    .post("/imports/folder")
                    .then()
                    .statusCode(403)
                    .body("code", equalTo("FORBIDDEN"));
        }
        given().contentType(ContentType.JSON)
                .body(Map.of("path", studies.resolve("missing").toString()))
                .post("/imports/folder")
                .then()
                .statusCode(400)
                .body("detail", containsString("is not a folder"));
        Files.delete(linkedOut);

        given().contentType(ContentType.JSON)
                .body(Map.of("path", studies.toString()))
                .post("/imports/folder")
                .then()
                .body("imagesAdded", equalTo(0))
                .body("imagesUnchanged", equalTo(1))
                .body("labelsUnchanged", equalTo(1));
        given().contentType(ContentType.JSON)
                .body(Map.of("path", DATA.toString()))
                .post("/imports/folder")
                .then()
                .statusCode(403)
                .body("code", equalTo("FORBIDDEN"));
    }

    @Test
    void theSameLayoutImportsFromABucketPrefix() throws Exception {
        String prefix = "incoming/" + run + "/";
        String id = "pre" + run;
        put(prefix + id + ".nii.gz", CT);
        put(prefix + "labels/final/" + id + ".nii.gz", CT_LABEL);
        put(prefix + "notes.txt", CT_LABEL); // not a volume: ignored
        given().contentType(ContentType.JSON)
                .body(Map.of("prefix", prefix))
                .post("/imports/prefix")
                .then()
                .statusCode(200)
                .body("imagesAdded", equalTo(1))
                .body("labelsAdded", equalTo(1))
                .body("errors.size()", equalTo(0));
        assertArrayEquals(
                Files.readAllBytes(CT), given().get("/images/{id}/file", id).asByteArray());
        given().contentType(ContentType.JSON)
                .body(Map.of("prefix", "labels/final/"))
                .post("/imports/prefix")
                .then()
                .statusCode(403);
    }

    private void put(String key, Path file) throws Exception {
        minio.uploadObject(UploadObjectArgs.builder()
                .bucket("medlabel")
                .object(key)
                .filename(file.toString())
                .build());
    }

    private String uploadCt(String prefix) throws Exception {
        String id = prefix + run;
        given().multiPart("file", "ct.nii.gz", Files.readAllBytes(CT))
                .put("/images/{id}", id)
                .then()
                .statusCode(200);
        return id;
    }

    private static int count(EntityManager em, String sql) {
        return ((Number) em.createNativeQuery(sql).getSingleResult()).intValue();
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** The internal API this service serves is the committed document its consumers' contract tests read. */
    @Test
    void theInternalApiIsTheCommittedDocument() {
        OpenApiContract.assertServedIsCommitted(
                given().accept("application/json").get("/q/openapi?format=json").asString());
    }
}
