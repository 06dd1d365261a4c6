package org.medlabel.training.rest;

import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.medlabel.platform.http.ServiceUnavailableException;
import org.medlabel.platform.rest.ErrorResponses;
import org.medlabel.training.job.InvalidTrainRequestException;
import org.medlabel.training.job.JobConflictException;
import org.medlabel.training.job.UnknownJobException;
import org.medlabel.training.job.UnknownModelException;
import org.medlabel.training.task.NoSuchTaskException;
import org.medlabel.training.task.TaskRunningException;

/** Errors as {@code {"detail", "code"}} with the status that says what went wrong. */
public class ErrorMappers {

    @ServerExceptionMapper
    public Response conflict(JobConflictException e) {
        return ErrorResponses.error(429, "ALREADY_RUNNING", e.getMessage());
    }

    @ServerExceptionMapper
    public Response invalid(InvalidTrainRequestException e) {
        return ErrorResponses.error(422, "INVALID_REQUEST", e.getMessage());
    }

    @ServerExceptionMapper
    public Response unknownModel(UnknownModelException e) {
        return ErrorResponses.error(404, "MODEL_NOT_FOUND", e.getMessage());
    }

    @ServerExceptionMapper
    public Response taskRunning(TaskRunningException e) {
        return ErrorResponses.error(429, "ALREADY_RUNNING", e.getMessage());
    }

    @ServerExceptionMapper
    public Response noTask(NoSuchTaskException e) {
        return ErrorResponses.error(404, "TASK_NOT_FOUND", e.getMessage());
    }

    /** Another service refused or could not answer a call a request needed (the inference service's model list). */
    @ServerExceptionMapper
    public Response dependency(ServiceUnavailableException e) {
        return ErrorResponses.error(503, "DEPENDENCY_UNAVAILABLE", e.getMessage());
    }

    @ServerExceptionMapper
    public Response unknown(UnknownJobException e) {
        return ErrorResponses.error(404, "JOB_NOT_FOUND", e.getMessage());
    }
}
