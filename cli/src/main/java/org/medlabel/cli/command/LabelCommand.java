package org.medlabel.cli.command;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.medlabel.cli.MedLabelCli;
import org.medlabel.cli.support.Json;
import org.medlabel.client.api.DatastoreApi;
import org.medlabel.client.model.LabelRef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Labels in the datastore: {@code label save} stores one (tag {@code final}: it trains the models). */
@Command(
        name = "label",
        mixinStandardHelpOptions = true,
        description = "Labels.",
        subcommands = LabelCommand.Save.class)
public class LabelCommand implements Runnable {

    @ParentCommand
    MedLabelCli root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(
            name = "save",
            mixinStandardHelpOptions = true,
            description = "Save a label of an image (on the image's grid); final labels train the models.")
    public static class Save implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "IMAGE", description = "The image id.")
        String image;

        @Parameters(index = "1", paramLabel = "FILE", description = "The label file (NIfTI or NRRD).")
        Path file;

        @Option(names = "--tag", defaultValue = "final", description = "The tag (default ${DEFAULT-VALUE}).")
        String tag;

        @Option(names = "--params", paramLabel = "JSON", description = "Label info, e.g. '{\"label_info\": [...]}'.")
        String params;

        @ParentCommand
        LabelCommand label;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Map<String, Object> info = Json.object(spec, "--params", params);
            info.putIfAbsent("client_id", "medlabel-cli");
            LabelRef saved = new DatastoreApi(label.root.client())
                    .saveLabel(image, file.toFile(), tag, Json.MAPPER.writeValueAsString(info));
            spec.commandLine()
                    .getOut()
                    .printf("saved label %s of image %s (tag %s)%n", saved.getLabel(), saved.getImage(), tag);
            return 0;
        }
    }
}
