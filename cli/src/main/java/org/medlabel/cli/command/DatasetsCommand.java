package org.medlabel.cli.command;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import org.medlabel.cli.support.Download;
import org.medlabel.cli.support.ProgressBar;
import org.medlabel.imaging.io.NiftiWriter;
import org.medlabel.imaging.synthetic.Phantoms;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A dataset in MONAI Label's studies layout: synthetic CT-like phantoms with organ-shaped labels (deterministic by
 * seed), or the Medical Segmentation Decathlon's spleen task when the internet is reachable.
 */
@Command(name = "datasets", mixinStandardHelpOptions = true, description = "Make or download a dataset of studies.")
public class DatasetsCommand implements Callable<Integer> {

    /** The Decathlon's spleen task (Task09_Spleen.tar, 1.5 GB). */
    static final String DECATHLON = "https://msd-for-monai.s3-us-west-2.amazonaws.com/%s.tar";

    static class Source {
        @Option(names = "--synthetic", paramLabel = "N", description = "Write N synthetic CT phantoms with labels.")
        Integer synthetic;

        @Option(names = "--download", description = "Download a Medical Segmentation Decathlon task.")
        boolean download;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Where the studies go.")
    Path output;

    @Option(names = "--seed", defaultValue = "1", description = "First phantom's seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--size", defaultValue = "64", description = "Phantom edge in voxels (default ${DEFAULT-VALUE}).")
    int size;

    @Option(
            names = "--name",
            defaultValue = "Task09_Spleen",
            description = "Decathlon task (default ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--url", hidden = true, description = "Where the task is fetched from (tests).")
    String url;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(output);
        return source.synthetic != null ? synthetic(source.synthetic) : download();
    }

    private Integer synthetic(int n) throws IOException {
        if (n < 1 || n > 10_000 || size < 16 || size > 512) {
            spec.commandLine().getErr().println("medlabel-cli: --synthetic must be 1..10000 and --size 16..512");
            return 2;
        }
        Path labels = Files.createDirectories(output.resolve("labels/final"));
        ProgressBar bar = new ProgressBar(spec.commandLine().getErr(), "phantoms", n);
        NiftiWriter writer = new NiftiWriter();
        for (int i = 0; i < n; i++) {
            Phantoms.Phantom p = Phantoms.make(size, seed + i);
            String file = String.format("phantom_%03d.nii.gz", i + 1);
            writer.write(p.image(), output.resolve(file));
            writer.write(p.label(), labels.resolve(file));
            bar.update(i + 1, file);
        }
        bar.done("");
        spec.commandLine().getOut().printf("%d studies with final labels in %s%n", n, output);
        return 0;
    }

    private Integer download() throws IOException, InterruptedException {
        URI from = URI.create(url != null ? url : String.format(DECATHLON, name));
        Path tar = output.resolve(name + ".tar");
        try {
            Download.fetch(from, tar, "MD5", spec.commandLine().getErr());
        } catch (Download.Failed e) {
            spec.commandLine()
                    .getErr()
                    .println("medlabel-cli: " + e.getMessage() + ". Use --synthetic N for a dataset made here.");
            return 3;
        }
        Process untar = new ProcessBuilder("tar", "-xf", tar.toString(), "-C", output.toString())
                .inheritIO()
                .start();
        if (untar.waitFor() != 0) {
            spec.commandLine().getErr().println("medlabel-cli: could not unpack " + tar);
            return 1;
        }
        // the Decathlon's layout (imagesTr, labelsTr) as MONAI Label's studies folder
        Path task = output.resolve(name);
        Path labels = Files.createDirectories(output.resolve("labels/final"));
        try (var images = Files.list(task.resolve("imagesTr"))) {
            for (Path image : images.filter(p -> !p.getFileName().toString().startsWith("._"))
                    .toList()) {
                Files.move(image, output.resolve(image.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                Path label = task.resolve("labelsTr").resolve(image.getFileName());
                if (Files.exists(label)) {
                    Files.move(label, labels.resolve(image.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        Files.delete(tar);
        spec.commandLine().getOut().printf("%s unpacked into %s (studies layout)%n", name, output);
        return 0;
    }
}
