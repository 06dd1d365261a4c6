package org.medlabel.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.concurrent.Callable;
import org.medlabel.cli.support.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** A model file as a model's next version, uploaded as MONAI Label's clients upload it ({@code PUT /model/<name>}). */
@Command(
        name = "models",
        mixinStandardHelpOptions = true,
        description = "Model files.",
        subcommands = {ModelsCommand.Import.class})
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
                            + " (.ts) or an ONNX file as the model's next version; the server checks it against the model's"
                            + " network and serves it at once.")
    static class Import implements Callable<Integer> {

        private static final String BOUNDARY = "medlabel-cli-model-upload";

        @ParentCommand
        ModelsCommand models;

        @Parameters(paramLabel = "FILE", description = "The model file.")
        Path file;

        @Option(names = "--model", required = true, description = "The model's name (as in GET /info/).")
        String model;

        @Override
        public Integer call() throws Exception {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("no such file: " + file);
            }
            long size = Files.size(file);
            var err = models.spec.commandLine().getErr();
            ProgressBar bar = new ProgressBar(err, "upload", size);
            byte[] head = ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                            + file.getFileName().toString().replace("\"", "") + "\"\r\n"
                            + "Content-Type: application/octet-stream\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8);
            byte[] tail = ("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8);
            HttpRequest.Builder request = HttpRequest.newBuilder(
                            URI.create(models.root.server().replaceAll("/+$", "") + "/model/" + model))
                    .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                    .PUT(HttpRequest.BodyPublishers.fromPublisher(
                            HttpRequest.BodyPublishers.ofInputStream(() -> body(head, tail, bar)),
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
                            + reply.path("version").asText() + " imported from " + file.getFileName() + " and served");
            return 0;
        }

        /** The multipart body, counting the file's bytes as they are sent. */
        private InputStream body(byte[] head, byte[] tail, ProgressBar bar) {
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
}
