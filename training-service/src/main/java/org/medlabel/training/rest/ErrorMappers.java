package org.medlabel.training.rest;

import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.medlabel.platform.rest.ErrorResponses;
import org.medlabel.training.job.InvalidTrainRequestException;
import org.medlabel.training.job.JobConflictException;
import org.medlabel.training.job.UnknownJobException;
import org.medlabel.training.job.UnknownModelException;

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
    public Response unknown(UnknownJobException e) {
        return ErrorResponses.error(404, "JOB_NOT_FOUND", e.getMessage());
    }
}
