package org.medlabel.training.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.medlabel.training.job.InvalidTrainRequestException;
import org.medlabel.training.task.ImageTask;
import org.medlabel.training.task.ImageTasks;
import org.medlabel.training.task.NoSuchTaskException;

/**
 * MONAI Label's batch-inference and scoring tasks (the gateway maps {@code /batch/infer} and {@code /scoring} onto
 * them): durable, so any replica answers for any task. Task objects are MONAI Label's plus {@code total},
 * {@code done}, {@code failed} and, asked for, each image's {@code result}.
 */
@Path("/tasks")
@Produces(MediaType.APPLICATION_JSON)
public class ImageTaskResource {

    /** What the gateway reports for automatic scoring: why, and the segmentation versions it saw served. */
    public record AutoScoring(String reason, Map<String, Integer> served) {}

    private final ImageTasks tasks;

    public ImageTaskResource(ImageTasks tasks) {
        this.tasks = tasks;
    }

    @POST
    @Path("/batch_infer/{model}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Start MONAI Label's batch inference (images: all, labeled, unlabeled); 429 while one runs")
    public Map<String, Object> batchInfer(@RestPath String model, @RestQuery String images, String body) {
        return tasks.batchInfer(model, images, JsonBodies.object(body, "of task params"))
                .view(false);
    }

    @POST
    @Path("/scoring")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Start MONAI Label's default scoring (the first segmentation model's epistemic)")
    public Map<String, Object> scoreDefault(String body) {
        return tasks.score(null, JsonBodies.object(body, "of task params")).view(false);
    }

    @POST
    @Path("/scoring/{method}")
    @Consumes(MediaType.WILDCARD)
    @Operation(
            summary = "Start scoring: dice, sum or <model>_epistemic; 404 for a method not offered, 429 while one runs")
    public Map<String, Object> score(@RestPath String method, String body) {
        return tasks.score(method, JsonBodies.object(body, "of task params")).view(false);
    }

    @POST
    @Path("/scoring-auto")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Automatic scoring's triggers: a next sample (no 'served'), or the segmentation versions served"
                    + " now; starts a background run when auto-update is on and something is outdated")
    public Map<String, Object> autoScoring(AutoScoring trigger) {
        if (trigger == null || trigger.reason() == null) {
            throw new InvalidTrainRequestException("a reason is required");
        }
        return Map.of("started", tasks.autoUpdate(trigger.reason(), trigger.served()));
    }

    @GET
    @Path("/{kind}")
    @Operation(
            summary = "MONAI Label's task status: the latest task, the running one (running=true), or every kept one"
                    + " (all=true); 404 with MONAI Label's words when there is none")
    public Object status(@RestPath String kind, @RestQuery boolean all, @RestQuery boolean running) {
        List<ImageTask> found = tasks.status(kind(kind), all, running);
        return all
                ? found.stream().map(t -> t.view(false)).toList()
                : found.get(0).view(false);
    }

    @GET
    @Path("/{kind}/{id}")
    @Operation(summary = "One task; with result=true each image's outcome (what MONAI Label's run_sync answers)")
    public Map<String, Object> get(@RestPath String kind, @RestPath String id, @RestQuery boolean result) {
        ImageTask task = tasks.get(uuid(id));
        if (task.kind() != kind(kind)) {
            throw new NoSuchTaskException(kind + " task " + id + " not found");
        }
        return task.view(result);
    }

    @DELETE
    @Path("/{kind}")
    @Operation(summary = "Stop the active task after the image in progress: [task], or [] when none is active")
    public List<Map<String, Object>> stop(@RestPath String kind) {
        return tasks.stop(kind(kind)).map(t -> List.of(t.view(false))).orElse(List.of());
    }

    private static ImageTask.Kind kind(String kind) {
        return switch (kind) {
            case "batch_infer" -> ImageTask.Kind.BATCH_INFER;
            case "scoring" -> ImageTask.Kind.SCORING;
            default -> throw new NoSuchTaskException("no task kind '" + kind + "' (batch_infer, scoring)");
        };
    }

    private static UUID uuid(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new NoSuchTaskException("task " + id + " not found");
        }
    }
}
