package org.medlabel.cli.command;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.medlabel.cli.support.Importer;
import org.medlabel.cli.support.Studies;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** Images (NIfTI, NRRD) into the server's datastore, one by one or a whole studies folder with its labels. */
@Command(name = "upload", mixinStandardHelpOptions = true, description = "Upload images, or a studies folder.")
public class UploadCommand extends ServerCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", arity = "0..*", description = "Images to upload.")
    List<Path> files = List.of();

    @Option(names = "--id", description = "The image id (one FILE only; default: the file name without suffixes).")
    String id;

    @Option(names = "--studies", paramLabel = "DIR", description = "A studies folder: <id><ext> and labels/<tag>/.")
    Path studies;

    @Override
    public Integer call() throws Exception {
        if ((studies == null) == files.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "give FILE... or --studies DIR");
        }
        if (id != null && files.size() != 1) {
            throw new ParameterException(spec.commandLine(), "--id names one FILE");
        }
        Importer importer = new Importer(
                root.client(), spec.commandLine().getOut(), spec.commandLine().getErr());
        if (studies != null) {
            importer.studies(Studies.read(studies));
        } else {
            importer.images(files, id);
        }
        return 0;
    }
}
