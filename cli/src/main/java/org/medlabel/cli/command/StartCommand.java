package org.medlabel.cli.command;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.medlabel.cli.support.Importer;
import org.medlabel.cli.support.Studies;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * MONAI Label's {@code start_server --studies DIR}: starts the native stack with {@code deploy/local/medlabel start}
 * (on this machine, no Docker) and imports the studies through the API.
 */
@Command(
        name = "start",
        mixinStandardHelpOptions = true,
        description = "Start MedLabel on this machine (deploy/local/medlabel) and import a studies folder.")
public class StartCommand extends ServerCommand implements Callable<Integer> {

    @Option(names = "--studies", paramLabel = "DIR", description = "A studies folder to import once started.")
    Path studies;

    @Option(
            names = "--repo",
            paramLabel = "DIR",
            defaultValue = "${sys:medlabel.repo:-.}",
            description = "The MedLabel checkout whose deploy/local/medlabel starts it (default ${DEFAULT-VALUE}).")
    Path repo;

    @Override
    public Integer call() throws Exception {
        Path launcher = repo.resolve("deploy/local/medlabel");
        if (!Files.isExecutable(launcher)) {
            spec.commandLine().getErr().println("medlabel-cli: no launcher at " + launcher + " (give --repo)");
            return 2;
        }
        List<Studies.Study> toImport = studies == null ? List.of() : Studies.read(studies);
        int rc = new ProcessBuilder(launcher.toString(), "start")
                .inheritIO()
                .start()
                .waitFor();
        if (rc != 0) {
            spec.commandLine().getErr().println("medlabel-cli: the launcher failed (exit " + rc + ")");
            return rc;
        }
        if (!toImport.isEmpty()) {
            new Importer(
                            root.client(),
                            spec.commandLine().getOut(),
                            spec.commandLine().getErr())
                    .studies(toImport);
        }
        return 0;
    }
}
