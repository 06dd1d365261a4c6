package org.medlabel.inference.rest;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.medlabel.inference.pipeline.EpistemicScore;
import org.medlabel.inference.service.InferenceService;

/** Scores for active learning, one image per call (the gateway's scoring task walks the images). */
@Path("/scoring")
public class ScoringResource {

    private final InferenceService inference;

    public ScoringResource(InferenceService inference) {
        this.inference = inference;
    }

    @POST
    @Path("/{model}/epistemic")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "How unsure the model is about a datastore image (entropy over test-time flips)")
    public Uni<Map<String, Object>> epistemic(
            @RestPath String model, @RestQuery String image, @RestQuery Integer samples) {
        return inference.epistemic(model, image, samples == null ? EpistemicScore.DEFAULT_SAMPLES : samples);
    }
}
