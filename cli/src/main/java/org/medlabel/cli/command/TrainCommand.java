package org.medlabel.cli.command;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.medlabel.cli.support.Interruption;
import org.medlabel.cli.support.Json;
import org.medlabel.cli.support.ProgressBar;
import org.medlabel.client.ApiException;
import org.medlabel.client.api.InfoApi;
import org.medlabel.client.api.TrainApi;
import org.medlabel.client.model.Model;
import org.medlabel.client.model.Task;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * Training: start a job for a model ({@code --watch} follows it with a progress bar of epochs, loss and Dice until it
 * ends; Ctrl-C stops watching, not the job), or {@code --stop} the running one.
 */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train a model, or stop training.")
public class TrainCommand extends ServerCommand implements Callable<Integer> {

    private static final Set<String> ENDED = Set.of("DONE", "ERROR", "STOPPED");
    private static final Pattern LOSS = Pattern.compile("loss ([0-9.eE+-]+)");
    /** How long a finished job's version may take to be served before the CLI says it is not yet. */
    private static final java.time.Duration SERVED_WITHIN = java.time.Duration.ofSeconds(60);

    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL", description = "The model to train.")
    String model;

    @Option(names = "--max-epochs", description = "Epochs (default: the model's).")
    Integer maxEpochs;

    @Option(names = "--params", paramLabel = "JSON", description = "More train params, e.g. '{\"val_split\": 0.2}'.")
    String params;

    @Option(names = "--enqueue", description = "Queue behind a running job instead of failing (429).")
    boolean enqueue;

    @Option(names = "--watch", description = "Follow the job until it ends.")
    boolean watch;

    @Option(names = "--poll", defaultValue = "2", description = "Seconds between looks (default ${DEFAULT-VALUE}).")
    int poll;

    @Option(names = "--stop", description = "Stop the running job.")
    boolean stop;

    @Override
    public Integer call() throws Exception {
        TrainApi train = new TrainApi(root.client());
        if (stop) {
            Map<String, Object> stopped = train.trainStop();
            spec.commandLine()
                    .getOut()
                    .println(stopped == null ? "nothing was running" : "stopping " + stopped.get("id"));
            return 0;
        }
        if (model == null) {
            throw new ParameterException(spec.commandLine(), "give a MODEL (or --stop)");
        }
        Map<String, Object> body = Json.object(spec, "--params", params);
        if (maxEpochs != null) {
            body.put("max_epochs", maxEpochs);
        }
        body.putIfAbsent("client_id", "medlabel-cli");
        Task task;
        try {
            task = train.train(model, enqueue, false, body);
        } catch (ApiException e) {
            if (e.getCode() != 429 || !watch) {
                throw e;
            }
            // Another user's job (automatic ones are replaced by a request): follow it instead.
            Map<String, Object> running = train.trainStatus(false, true, model);
            spec.commandLine()
                    .getOut()
                    .printf(
                            "another user's job for %s is active: watching job %s; --max-epochs and --params were"
                                    + " not applied%n",
                            model, running.get("id"));
            return watch(train, model, String.valueOf(running.get("id")));
        }
        List<String> details = task.getDetails() == null ? List.of() : task.getDetails();
        spec.commandLine()
                .getOut()
                .printf(
                        "training %s: job %s %s%s%n",
                        model, task.getId(), task.getStatus(), details.isEmpty() ? "" : " (" + details.get(0) + ")");
        return watch ? watch(train, model, task.getId()) : 0;
    }

    /** Follows job {@code id} of {@code model} (the latest of that model: other models' jobs may start meanwhile). */
    private int watch(TrainApi train, String model, String id) throws Exception {
        int[] epoch = {0};
        try (Interruption interruption = new Interruption(
                spec.commandLine().getErr(),
                () -> "stopped watching at epoch " + epoch[0] + "; job " + id
                        + " goes on (medlabel-cli train --stop stops it)")) {
            ProgressBar bar = null;
            while (true) {
                Map<String, Object> latest = train.trainStatus(false, false, model);
                if (!id.equals(latest.get("id"))) {
                    throw new IllegalStateException(
                            "job " + id + " is no longer " + model + "'s latest; see GET /train/?all=true");
                }
                String status = String.valueOf(latest.get("status"));
                int total = number(latest.get("total_epochs"), 1);
                epoch[0] = number(latest.get("epoch"), 0);
                if (bar == null) {
                    bar = new ProgressBar(spec.commandLine().getErr(), "epochs", total);
                }
                String suffix = "epoch " + epoch[0] + "/" + total + loss(latest) + dice(latest) + " " + status
                        + (latest.get("version") == null ? "" : ", version " + latest.get("version") + " served");
                if (ENDED.contains(status)) {
                    bar.done(suffix);
                    spec.commandLine()
                            .getOut()
                            .printf(
                                    "job %s %s%s%n",
                                    id,
                                    status,
                                    latest.get("version") == null
                                            ? status.equals("DONE")
                                                    ? ": no epoch beat the version it started from; nothing published"
                                                    : ""
                                            : ": " + served(model, number(latest.get("version"), 0)));
                    return status.equals("DONE") ? 0 : 1;
                }
                bar.update(epoch[0], suffix);
                Thread.sleep(poll * 1000L);
            }
        }
    }

    /**
     * "version N served" once the server serves it: a published version reaches inference through an announcement, a
     * moment after the job ends, and an inference right after the job must get it.
     */
    private String served(String model, int version) throws Exception {
        InfoApi info = new InfoApi(root.client());
        long deadline = System.nanoTime() + SERVED_WITHIN.toNanos();
        while (true) {
            Model m = info.info().getModels().get(model);
            if (m != null && m.getVersion() != null && m.getVersion() >= version) {
                return "version " + version + " served";
            }
            if (System.nanoTime() > deadline) {
                return "version " + version + " published, not yet served after " + SERVED_WITHIN.toSeconds()
                        + " s (the inference service has not loaded it; medlabel-cli status shows what it serves)";
            }
            Thread.sleep(500);
        }
    }

    private static int number(Object value, int fallback) {
        return value instanceof Number n ? n.intValue() : fallback;
    }

    private static String dice(Map<String, Object> task) {
        return task.get("best_metric") instanceof Number n ? String.format(", Dice %.3f", n.doubleValue()) : "";
    }

    /** The last loss the job logged (its details lines end with the epoch's). */
    private static String loss(Map<String, Object> task) {
        if (task.get("details") instanceof List<?> lines) {
            for (int i = lines.size() - 1; i >= 0; i--) {
                Matcher m = LOSS.matcher(String.valueOf(lines.get(i)));
                if (m.find()) {
                    return ", loss " + m.group(1);
                }
            }
        }
        return "";
    }
}
