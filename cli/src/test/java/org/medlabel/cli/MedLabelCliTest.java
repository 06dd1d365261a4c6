package org.medlabel.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medlabel.cli.support.Studies;
import org.medlabel.imaging.io.VolumeReader;
import org.medlabel.imaging.volume.Volume;
import picocli.CommandLine;

/** The commands that need no server, and how the others fail without one. */
class MedLabelCliTest {

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        CommandLine cli = MedLabelCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void everyCommandHasHelp() {
        for (String command :
                List.of("datasets", "start", "upload", "next", "infer", "label", "train", "status", "models")) {
            Run help = run(command, "--help");
            assertEquals(0, help.exit(), command);
            assertTrue(help.out().contains("Usage: medlabel-cli " + command), help.out());
        }
        assertTrue(run("label", "save", "--help").out().contains("final labels train the models"));
        assertTrue(run("--help").out().contains("--server"));
        assertTrue(run("models", "import", "--help").out().contains("PyTorch checkpoint"));
    }

    /** MONAI Label's upload: PUT /model/<name>, the file as the multipart field "file"; the version is reported. */
    @Test
    void modelsImportUploadsTheFileAsMonaiLabelsClientsDo(@TempDir Path tmp) throws Exception {
        byte[] checkpoint = new byte[3 << 20];
        new java.util.Random(1).nextBytes(checkpoint);
        Path file = Files.write(tmp.resolve("pretrained_segmentation_spleen.pt"), checkpoint);
        byte[][] received = new byte[1][];
        String[] target = new String[2];
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            target[0] = exchange.getRequestMethod() + " " + exchange.getRequestURI();
            target[1] = exchange.getRequestHeaders().getFirst("Content-Type");
            received[0] = exchange.getRequestBody().readAllBytes();
            byte[] reply = "{\"model\": \"segmentation_spleen\", \"version\": 4}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(received[0].length > 0 ? 200 : 422, reply.length);
            exchange.getResponseBody().write(reply);
            exchange.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            Run imported = run("--server", url, "models", "import", file.toString(), "--model", "segmentation_spleen");
            assertEquals(0, imported.exit(), imported.err());
            assertEquals("PUT /model/segmentation_spleen", target[0]);
            assertTrue(target[1].startsWith("multipart/form-data; boundary="), target[1]);
            String body = new String(received[0], StandardCharsets.ISO_8859_1);
            assertTrue(
                    body.contains("name=\"file\"; filename=\"pretrained_segmentation_spleen.pt\""),
                    body.substring(0, 200));
            assertTrue(
                    body.contains(new String(checkpoint, StandardCharsets.ISO_8859_1)), "the file's bytes, unchanged");
            assertTrue(imported.out().contains("model segmentation_spleen: version 4 imported"), imported.out());
            assertTrue(imported.err().contains("upload [##############################] 100 %"), imported.err());
        } finally {
            server.stop(0);
        }
    }

    /** A bundle's folder goes up as a zip of it (top folder named as the bundle); pull fetches large_files.yml's. */
    @Test
    void bundlesAreZippedForImportAndTheirWeightsPulledWithHashesChecked(@TempDir Path tmp) throws Exception {
        byte[] weights = "pretend weights".getBytes(StandardCharsets.UTF_8);
        Path bundle = Files.createDirectories(tmp.resolve("spleen_ct_segmentation/configs"))
                .getParent();
        Files.writeString(bundle.resolve("configs/metadata.json"), "{}");
        String md5 = java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("MD5").digest(weights));
        List<String> served = new java.util.ArrayList<>();
        String[] zipped = new String[1];
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            served.add(
                    exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (exchange.getRequestMethod().equals("PUT")) {
                zipped[0] = entries(body);
            }
            byte[] reply = exchange.getRequestMethod().equals("GET")
                    ? weights
                    : "{\"version\": 2}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, reply.length);
            exchange.getResponseBody().write(reply);
            exchange.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            Files.writeString(
                    bundle.resolve("large_files.yml"),
                    "large_files:\n- path: \"models/model.pt\"\n  url: \"" + url + "/model.pt\"\n  hash_val: \"" + md5
                            + "\"\n  hash_type: \"md5\"\n");
            Run pulled = run("models", "pull", bundle.toString());
            assertEquals(0, pulled.exit(), pulled.err());
            assertTrue(pulled.out().contains("models/model.pt: downloaded, MD5 checked"), pulled.out());
            assertEquals("pretend weights", Files.readString(bundle.resolve("models/model.pt")));
            Run again = run("models", "pull", bundle.toString());
            assertTrue(again.out().contains("models/model.pt: already there"), again.out());
            assertEquals(List.of("GET /model.pt"), served, "a file with the right hash is not fetched again");

            Run imported = run("--server", url, "models", "import", bundle.toString(), "--model", "spleen");
            assertEquals(0, imported.exit(), imported.err());
            assertEquals("PUT /model/spleen", served.get(1));
            assertEquals(
                    "spleen_ct_segmentation/configs/metadata.json|spleen_ct_segmentation/large_files.yml"
                            + "|spleen_ct_segmentation/models/model.pt",
                    zipped[0]);
            assertTrue(imported.out().contains("version 2 imported from spleen_ct_segmentation"), imported.out());

            Files.writeString(bundle.resolve("models/model.pt"), "other bytes");
            Files.writeString(
                    bundle.resolve("large_files.yml"),
                    Files.readString(bundle.resolve("large_files.yml"))
                            .replace(md5, "0123456789abcdef0123456789abcdef"));
            Run wrong = run("models", "pull", bundle.toString());
            assertEquals(1, wrong.exit());
            assertTrue(wrong.err().contains("where large_files.yml says 0123456789abcdef0123456789abcdef: deleted"));
            assertFalse(Files.exists(bundle.resolve("models/model.pt")));
        } finally {
            server.stop(0);
        }
        Files.writeString(
                bundle.resolve("large_files.yml"),
                "large_files:\n- path: \"models/model.pt\"\n  url: \"http://127.0.0.1:1/model.pt\"\n");
        Run offline = run("models", "pull", bundle.toString());
        assertEquals(3, offline.exit());
        assertTrue(
                offline.err()
                        .startsWith("medlabel-cli: cannot download models/model.pt: cannot reach"
                                + " http://127.0.0.1:1/model.pt"),
                offline.err());
    }

    /** The entries of a multipart body's zip, as "a|b|c". */
    private static String entries(byte[] multipart) throws java.io.IOException {
        String text = new String(multipart, StandardCharsets.ISO_8859_1);
        int start = text.indexOf("PK\u0003\u0004");
        List<String> names = new java.util.ArrayList<>();
        try (var zip = new java.util.zip.ZipInputStream(
                new java.io.ByteArrayInputStream(multipart, start, multipart.length - start))) {
            for (var e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                names.add(e.getName());
            }
        }
        return String.join("|", names);
    }

    @Test
    void syntheticDatasetsAreStudiesWithLabelsOnTheirImagesGridAndRepeatBySeed(@TempDir Path tmp) throws Exception {
        Run made = run(
                "datasets",
                "--synthetic",
                "3",
                "--size",
                "32",
                "--seed",
                "7",
                "--output",
                tmp.resolve("a").toString());
        assertEquals(0, made.exit(), made.err());
        assertTrue(made.out().contains("3 studies"), made.out());
        assertTrue(made.err().contains("phantoms [##############################] 100 %"), "progress: " + made.err());
        run(
                "datasets",
                "--synthetic",
                "3",
                "--size",
                "32",
                "--seed",
                "7",
                "--output",
                tmp.resolve("b").toString());
        List<Studies.Study> studies = Studies.read(tmp.resolve("a"));
        assertEquals(
                List.of("phantom_001", "phantom_002", "phantom_003"),
                studies.stream().map(Studies.Study::id).toList());
        for (Studies.Study study : studies) {
            assertEquals(1, study.labels().size());
            assertEquals("final", study.labels().get(0).tag());
            Volume image = read(study.image());
            Volume label = read(study.labels().get(0).file());
            assertEquals(List.of(32, 32, 32), List.of(image.nx(), image.ny(), image.nz()));
            assertEquals(List.of(image.nx(), image.ny(), image.nz()), List.of(label.nx(), label.ny(), label.nz()));
            assertTrue(image.affine().approximatelyEquals(label.affine(), 1e-6));
            double foreground = 0;
            for (int i = 0; i < label.voxelCount(); i++) {
                foreground += label.voxels().get(i) > 0 ? 1 : 0;
            }
            assertTrue(foreground > 0, "the phantom has an organ");
            assertArrayEquals(
                    Files.readAllBytes(study.image()),
                    Files.readAllBytes(tmp.resolve("b").resolve(study.image().getFileName())),
                    "same seed, same bytes");
        }
        Run other = run(
                "datasets",
                "--synthetic",
                "1",
                "--size",
                "32",
                "--seed",
                "8",
                "--output",
                tmp.resolve("c").toString());
        assertEquals(0, other.exit());
        assertTrue(
                !java.util.Arrays.equals(
                        Files.readAllBytes(tmp.resolve("a/phantom_001.nii.gz")),
                        Files.readAllBytes(tmp.resolve("c/phantom_001.nii.gz"))),
                "another seed, another phantom");
    }

    @Test
    void aDownloadWithoutInternetSaysSoClearly(@TempDir Path tmp) {
        Run r = run(
                "datasets", "--download", "--output", tmp.toString(), "--url", "http://127.0.0.1:9/Task09_Spleen.tar");
        assertEquals(3, r.exit());
        assertTrue(r.err().contains("no internet access") && r.err().contains("--synthetic"), r.err());
    }

    @Test
    void badUsageAndAMissingServerAreOneLineMessages(@TempDir Path tmp) {
        assertEquals(2, run("datasets", "--output", tmp.toString()).exit(), "--synthetic or --download is required");
        Run noServer = run("--server", "http://127.0.0.1:9", "status");
        assertEquals(1, noServer.exit());
        assertTrue(noServer.err().startsWith("medlabel-cli: the server answered 0: no answer"), noServer.err());
        Run badJson =
                run("--server", "http://127.0.0.1:9", "infer", "m", "img", "--output", "x.nrrd", "--params", "[1");
        assertEquals(2, badJson.exit());
        assertTrue(badJson.err().contains("--params must be a JSON object"), badJson.err());
        assertEquals(2, run("upload").exit(), "FILE... or --studies");
    }

    private static Volume read(Path file) throws Exception {
        return new VolumeReader(1L << 24)
                .read(
                        new ByteArrayInputStream(Files.readAllBytes(file)),
                        file.getFileName().toString());
    }
}
