package org.medlabel.cli.command;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.medlabel.cli.support.Json;
import org.medlabel.client.ApiClient;
import org.medlabel.client.api.InferApi;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * A model's label for an image: a datastore id, or a local file sent with the request. The output file's extension
 * (.nii.gz, .nii, .nrrd, .seg.nrrd) is the format asked for.
 */
@Command(name = "infer", mixinStandardHelpOptions = true, description = "Segment an image with a model.")
public class InferCommand extends ServerCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "The model, e.g. segmentation_spleen.")
    String model;

    @Parameters(index = "1", paramLabel = "IMAGE", description = "A datastore image id, or a local image file.")
    String image;

    @Option(names = "--output", required = true, paramLabel = "FILE", description = "Where the label goes.")
    Path output;

    @Option(
            names = "--params",
            paramLabel = "JSON",
            description = "More params, e.g. clicks: '{\"foreground\": [[120, 88, 40]]}'.")
    String params;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> p = Json.object(spec, "--params", params);
        p.putIfAbsent("result_extension", extension(output));
        p.putIfAbsent("client_id", "medlabel-cli");
        Path local = Path.of(image);
        boolean upload = Files.isRegularFile(local);
        long start = System.nanoTime();
        ApiClient client = root.client();
        File label = new InferApi(client)
                .infer(
                        model,
                        upload ? null : image,
                        "image",
                        null,
                        Json.MAPPER.writeValueAsString(p),
                        upload ? local.toFile() : null);
        Files.move(label.toPath(), output, StandardCopyOption.REPLACE_EXISTING);
        spec.commandLine()
                .getOut()
                .printf(
                        "%s: label of %s by %s%s in %.1f s%n",
                        output, image, model, version(client.getResponseHeaders()), (System.nanoTime() - start) / 1e9);
        return 0;
    }

    /** " version N" from MedLabel's X-Model-Version header; empty from a server without it (MONAI Label). */
    private static String version(Map<String, List<String>> headers) {
        if (headers != null) {
            for (Map.Entry<String, List<String>> h : headers.entrySet()) {
                if (h.getKey().equalsIgnoreCase("X-Model-Version")
                        && !h.getValue().isEmpty()) {
                    return " version " + h.getValue().get(0);
                }
            }
        }
        return "";
    }

    static String extension(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        for (String ext : new String[] {".seg.nrrd", ".nii.gz", ".nrrd", ".nii"}) {
            if (name.endsWith(ext)) {
                return ext;
            }
        }
        return ".nii.gz";
    }
}
