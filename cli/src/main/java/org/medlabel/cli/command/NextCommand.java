package org.medlabel.cli.command;

import java.util.Map;
import java.util.concurrent.Callable;
import org.medlabel.cli.support.Json;
import org.medlabel.client.api.ActivelearningApi;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The next image to label (MONAI Label's active learning): its id, name and download URL. */
@Command(name = "next", mixinStandardHelpOptions = true, description = "The next unlabeled image to label.")
public class NextCommand extends ServerCommand implements Callable<Integer> {

    @Option(
            names = "--strategy",
            defaultValue = "random",
            description = "random, first or last (default ${DEFAULT-VALUE}).")
    String strategy;

    @Option(names = "--client-id", defaultValue = "medlabel-cli", description = "Who asks (default ${DEFAULT-VALUE}).")
    String clientId;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> next =
                new ActivelearningApi(root.client()).nextSample(strategy, Map.of("client_id", clientId));
        if (!next.containsKey("id")) {
            spec.commandLine().getOut().println("every image has a final label");
            return 0;
        }
        spec.commandLine().getOut().println(Json.write(next));
        return 0;
    }
}
