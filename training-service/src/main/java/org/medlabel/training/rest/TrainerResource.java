package org.medlabel.training.rest;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.medlabel.app.config.AppDefinition;
import org.medlabel.app.config.ModelDefinition;
import org.medlabel.app.config.Training;
import org.medlabel.training.config.TrainingConfig;
import org.medlabel.training.job.JobService;

/**
 * MONAI Label's {@code info.trainers}: per trainable model a description, its labels and the train params a client
 * may send back (lists are choices, the first the default). The keys MONAI Label's trainers show but that mean
 * nothing here are listed too, with single choices, because clients send the config back as they got it.
 */
@Path("/trainers")
@Produces(MediaType.APPLICATION_JSON)
public class TrainerResource {

    private final JobService jobs;
    private final AppDefinition app;
    private final TrainingConfig config;

    public TrainerResource(JobService jobs, AppDefinition app, TrainingConfig config) {
        this.jobs = jobs;
        this.app = app;
        this.config = config;
    }

    @GET
    @Operation(summary = "MONAI Label's info.trainers: description, config (train params) and labels per model")
    public Map<String, Object> trainers() {
        Map<String, Object> out = new LinkedHashMap<>();
        jobs.trainable()
                .forEach((name, settings) ->
                        out.put(name, trainer(name, app.models().get(name), settings)));
        return out;
    }

    private Map<String, Object> trainer(String name, ModelDefinition model, Training settings) {
        Training t = settings.resolved();
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("name", "train_01");
        params.put("pretrained", true);
        params.put("device", List.of(model.device() != null ? model.device() : config.device()));
        params.put("max_epochs", t.maxEpochs());
        params.put("early_stop_patience", t.earlyStopPatience());
        params.put("val_split", t.valSplit());
        params.put("train_batch_size", t.trainBatchSize());
        params.put("val_batch_size", t.valBatchSize());
        params.put("learning_rate", t.learningRate());
        params.put("multi_gpu", false);
        params.put("gpus", "all");
        params.put("dataset", List.of("CacheDataset"));
        params.put("dataloader", List.of("DataLoader"));
        params.put("tracking", List.of("None"));
        params.put("tracking_uri", "");
        params.put("tracking_experiment_name", "");
        Map<String, Object> out = new LinkedHashMap<>();
        String what = model.description() == null || model.description().isBlank() ? "" : ": " + model.description();
        out.put("description", "Train " + name + what);
        out.put("config", params);
        out.put("labels", model.labels());
        return out;
    }
}
