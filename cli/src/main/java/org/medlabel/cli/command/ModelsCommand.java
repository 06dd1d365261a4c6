package org.medlabel.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.medlabel.cli.support.Download;
import org.medlabel.cli.support.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * A model file or MONAI bundle as a model's next version, uploaded as MONAI Label's clients upload it
 * ({@code PUT /model/<name>}), and a bundle's weights fetched from where its {@code large_files.yml} says.
 */
@Command(
        name = "models",
        mixinStandardHelpOptions = true,
        description = "Model files and MONAI bundles.",
        subcommands = {ModelsCommand.Import.class, ModelsCommand.Pull.class})
public class ModelsCommand extends ServerCommand implements Runnable {

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(
            name = "import",
            mixinStandardHelpOptions = true,
            description =
                    "Import a PyTorch checkpoint (.pt, e.g. MONAI Label's pretrained weights), a TorchScript archive"
                            + " (.ts), an ONNX file, or a MONAI bundle (its folder or .zip, with models/model.pt) as the"
                            + " model's next version; the server checks it against the model's network and serves it at"
                            + " once.")
    static class Import implements Callable<Integer> {

        private static final String BOUNDARY = "medlabel-cli-model-upload";

        @ParentCommand
        ModelsCommand models;

        @Parameters(paramLabel = "FILE", description = "The model file, or a bundle's folder or zip.")
        Path file;

        @Option(names = "--model", required = true, description = "The model's name (as in GET /info/).")
        String model;

        @Override
        public Integer call() throws Exception {
            if (Files.isDirectory(file)) {
                Path zip = Files.createTempFile("medlabel-bundle", ".zip");
                try {
                    zipFolder(file, zip);
                    return upload(zip, file.getFileName().toString());
                } finally {
                    Files.deleteIfExists(zip);
                }
            }
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("no such file: " + file);
            }
            return upload(file, file.getFileName().toString());
        }

        /** A bundle's folder as a zip with the folder's name as its top entry, as the model zoo ships bundles. */
        private static void zipFolder(Path folder, Path zip) throws IOException {
            String top = folder.toAbsolutePath().normalize().getFileName() + "/";
            try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip));
                    Stream<Path> files = Files.walk(folder)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    out.putNextEntry(
                            new ZipEntry(top + folder.relativize(f).toString().replace('\\', '/')));
                    Files.copy(f, out);
                    out.closeEntry();
                }
            }
        }

        private Integer upload(Path file, String name) throws IOException, InterruptedException {
            long size = Files.size(file);
            var err = models.spec.commandLine().getErr();
            ProgressBar bar = new ProgressBar(err, "upload", size);
            byte[] head = ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                            + name.replace("\"", "") + "\"\r\n"
                            + "Content-Type: application/octet-stream\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8);
            byte[] tail = ("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8);
            HttpRequest.Builder request = HttpRequest.newBuilder(
                            URI.create(models.root.server().replaceAll("/+$", "") + "/model/" + model))
                    .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                    .PUT(HttpRequest.BodyPublishers.fromPublisher(
                            HttpRequest.BodyPublishers.ofInputStream(() -> body(file, head, tail, bar)),
                            head.length + size + tail.length));
            String bearer = models.root.bearer();
            if (bearer != null) {
                request.header("Authorization", "Bearer " + bearer);
            }
            HttpResponse<String> response =
                    HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
            bar.done((size >> 20) + " MB sent; the server is checking the model");
            JsonNode reply = new ObjectMapper().readTree(response.body().isEmpty() ? "{}" : response.body());
            if (response.statusCode() != 200) {
                err.println("medlabel-cli: the server answered " + response.statusCode() + ": "
                        + reply.path("detail").asText(response.body()));
                return 1;
            }
            models.spec
                    .commandLine()
                    .getOut()
                    .println("model " + model + ": version "
                            + reply.path("version").asText() + " imported from " + name + " and served");
            return 0;
        }

        /** The multipart body, counting the file's bytes as they are sent. */
        private static InputStream body(Path file, byte[] head, byte[] tail, ProgressBar bar) {
            try {
                InputStream counted = new FilterInputStream(Files.newInputStream(file)) {
                    private long sent;

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        int n = super.read(b, off, len);
                        if (n > 0) {
                            sent += n;
                            bar.update(sent, (sent >> 20) + " MB");
                        }
                        return n;
                    }
                };
                return new SequenceInputStream(Collections.enumeration(
                        List.of(new ByteArrayInputStream(head), counted, new ByteArrayInputStream(tail))));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Command(
            name = "pull",
            mixinStandardHelpOptions = true,
            description = "Download a MONAI bundle's weights and other large files into its folder, from the URLs of"
                    + " its large_files.yml, each checked against its hash; files already there with the right hash"
                    + " are kept.")
    static class Pull implements Callable<Integer> {

        @ParentCommand
        ModelsCommand models;

        @Parameters(paramLabel = "BUNDLE", description = "The bundle's folder (with large_files.yml).")
        Path bundle;

        @Override
        public Integer call() throws Exception {
            var err = models.spec.commandLine().getErr();
            var out = models.spec.commandLine().getOut();
            Path list = bundle.resolve("large_files.yml");
            if (!Files.isRegularFile(list)) {
                err.println("medlabel-cli: " + bundle + " has no large_files.yml: nothing to download");
                return 2;
            }
            JsonNode files =
                    new ObjectMapper(new YAMLFactory()).readTree(list.toFile()).path("large_files");
            for (JsonNode f : files) {
                String path = f.path("path").asText();
                Path target = bundle.resolve(path).normalize();
                if (!target.startsWith(bundle.normalize()) || path.isEmpty()) {
                    err.println("medlabel-cli: large_files.yml names " + path + ", outside the bundle: refused");
                    return 1;
                }
                String algorithm = f.path("hash_type").asText("md5").toUpperCase(Locale.ROOT);
                String expected = f.path("hash_val").asText("");
                if (Files.isRegularFile(target) && expected.equalsIgnoreCase(Download.hash(target, algorithm))) {
                    out.println(path + ": already there");
                    continue;
                }
                String got;
                try {
                    got = Download.fetch(URI.create(f.path("url").asText()), target, algorithm, err);
                } catch (Download.Failed e) {
                    err.println("medlabel-cli: cannot download " + path + ": " + e.getMessage());
                    return 3;
                }
                if (!expected.isEmpty() && !expected.equalsIgnoreCase(got)) {
                    Files.delete(target);
                    err.println("medlabel-cli: " + path + " downloaded with " + algorithm + " " + got
                            + " where large_files.yml says " + expected + ": deleted");
                    return 1;
                }
                out.println(path + ": downloaded, " + algorithm + " checked");
            }
            out.println("import it with: medlabel-cli models import " + bundle + " --model NAME");
            return 0;
        }
    }
}
