package org.medlabel.cli.command;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import org.medlabel.client.ApiException;
import org.medlabel.client.api.InfoApi;
import org.medlabel.client.api.TrainApi;
import org.medlabel.client.model.Info;
import picocli.CommandLine.Command;

/** The server at a glance: app, models and the versions served, datastore counts, training. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "The server's app, models, data and training.")
public class StatusCommand extends ServerCommand implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
        Info info = new InfoApi(root.client()).info();
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%s (%s) at %s%n", info.getName(), info.getVersion(), root.server());
        out.printf(
                "images: %d, with a final label: %d, labels by tag: %s%n",
                info.getDatastore().getTotal(),
                info.getDatastore().getCompleted(),
                info.getDatastore().getLabelTags());
        info.getModels().forEach((name, m) -> {
            Object stats =
                    info.getTrainStats() == null ? null : info.getTrainStats().get(name);
            String trained = stats instanceof Map<?, ?> s && s.get("best_metric") instanceof Number dice
                    ? String.format(", best Dice %.3f after %s epochs", dice.doubleValue(), s.get("epoch"))
                    : "";
            out.printf("model %s (%s): version %s served%s%n", name, m.getType(), m.getVersion(), trained);
        });
        try {
            Map<String, Object> running = new TrainApi(root.client()).trainStatus(false, true, null);
            out.printf(
                    "training: %s job %s %s, epoch %s/%s%s%n",
                    running.get("model"),
                    running.get("id"),
                    running.get("status"),
                    running.get("epoch"),
                    running.get("total_epochs"),
                    running.get("reason") == null ? "" : " (" + running.get("reason") + ")");
        } catch (ApiException e) {
            if (e.getCode() != 404) {
                throw e;
            }
            out.println("training: none running");
        }
        return 0;
    }
}
