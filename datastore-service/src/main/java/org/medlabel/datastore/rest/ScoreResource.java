package org.medlabel.datastore.rest;

import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.medlabel.datastore.service.LabelScores;

/** MONAI Label's label-based scoring of one image (the gateway's scoring task calls it for each image). */
@Path("/images/{id}/scores")
@Produces(MediaType.APPLICATION_JSON)
public class ScoreResource {

    private final LabelScores scores;

    public ScoreResource(LabelScores scores) {
        this.scores = scores;
    }

    @POST
    @Path("/dice")
    @Operation(summary = "Dice of two of the image's labels (default final vs original), written to the image's info")
    public Map<String, Object> dice(@RestPath String id, @RestQuery("y") String y, @RestQuery("y_pred") String yPred) {
        return scores.dice(id, y == null ? "final" : y, yPred == null ? "original" : yPred);
    }

    @POST
    @Path("/sum")
    @Operation(summary = "Sum and non-empty slices of the image's final and original labels, written to their info")
    public Map<String, Object> sum(@RestPath String id) {
        return scores.sum(id);
    }
}
