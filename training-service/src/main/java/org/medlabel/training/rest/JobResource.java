package org.medlabel.training.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.medlabel.training.job.InvalidTrainRequestException;
import org.medlabel.training.job.Job;
import org.medlabel.training.job.JobService;
import org.medlabel.training.job.UnknownJobException;

/**
 * The training service's own API (the gateway maps MONAI Label's {@code /train} onto it). Jobs are MONAI Label task
 * objects; a second job for a model while one is active is refused with 429 as MONAI Label does, unless
 * {@code enqueue=true}.
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class JobResource {

    private static final int MAX_LIST = 1000;

    private final JobService jobs;

    public JobResource(JobService jobs) {
        this.jobs = jobs;
    }

    @POST
    @Path("/jobs/{model}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Start a training job with MONAI Label train params (a flat JSON object, optional)")
    public Map<String, Object> submit(
            @RestPath String model, @RestQuery boolean enqueue, String body, @Context HttpHeaders headers) {
        return TaskView.of(
                jobs.submit(model, JsonBodies.object(body, "of train params"), enqueue, Callers.user(headers)));
    }

    @GET
    @Path("/jobs")
    @Operation(summary = "Jobs, newest first: of one model or all, optionally only waiting/running ones")
    public List<Map<String, Object>> list(
            @RestQuery String model, @RestQuery boolean active, @RestQuery Integer limit) {
        int n = limit == null ? 100 : limit;
        if (n < 1 || n > MAX_LIST) {
            throw new InvalidTrainRequestException("limit must be 1.." + MAX_LIST);
        }
        return jobs.list(model, active, n).stream().map(TaskView::of).toList();
    }

    @GET
    @Path("/jobs/latest")
    @Operation(
            summary = "MONAI Label's GET /train/: the latest job (of one model or any), or with running=true the"
                    + " active one; 404 when there is none")
    public Map<String, Object> latest(@RestQuery String model, @RestQuery boolean running) {
        List<Job> found = jobs.list(model, running, 1);
        if (found.isEmpty()) {
            throw new UnknownJobException(running ? "No Train Tasks are currently Running" : "No Train Tasks Found");
        }
        return TaskView.of(found.get(0));
    }

    @GET
    @Path("/jobs/{id}")
    public Map<String, Object> get(@RestPath String id) {
        return TaskView.of(jobs.get(uuid(id)));
    }

    @DELETE
    @Path("/jobs/{id}")
    @Operation(summary = "Stop a job: a waiting one at once, a running one within a heartbeat (it ends STOPPED)")
    public Map<String, Object> stop(@RestPath String id) {
        return TaskView.of(jobs.stop(uuid(id)));
    }

    @DELETE
    @Path("/jobs")
    @Operation(summary = "MONAI Label's DELETE /train/: stop the active jobs of one model or of all; the stopped jobs")
    public List<Map<String, Object>> stopActive(@RestQuery String model) {
        return jobs.stopActive(model).stream().map(TaskView::of).toList();
    }

    @PUT
    @Path("/models/{model}/used")
    @Operation(
            summary = "Annotators just got a result from the model (the gateway reports it): its automatic jobs train"
                    + " before other models'")
    public void used(@RestPath String model) {
        jobs.used(model);
    }

    @GET
    @Path("/stats")
    @Operation(summary = "MONAI Label's info.train_stats: per model, the train_stats of its latest job")
    public Map<String, Map<String, Object>> stats() {
        Map<String, Map<String, Object>> stats = new java.util.TreeMap<>();
        jobs.trainable().keySet().forEach(m -> stats.put(m, Map.of()));
        stats.putAll(jobs.stats());
        return stats;
    }

    private static UUID uuid(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new UnknownJobException("no training job " + id);
        }
    }
}
