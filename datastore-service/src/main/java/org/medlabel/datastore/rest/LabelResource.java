package org.medlabel.datastore.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.multipart.FileUpload;
import org.medlabel.datastore.dicomweb.PacsSegmentations;
import org.medlabel.datastore.repository.LabelEntity;
import org.medlabel.datastore.service.ImageService;
import org.medlabel.datastore.service.LabelService;
import org.medlabel.datastore.service.QueryService;
import org.medlabel.datastore.service.Upload;

/** An image's labels by tag ({@code final}, {@code original}, any other), every save kept as a version. */
@Path("/images/{id}/labels")
@Produces(MediaType.APPLICATION_JSON)
public class LabelResource {

    private final LabelService labels;
    private final ImageService images;
    private final QueryService queries;
    private final Requests requests;
    private final PacsSegmentations segmentations;

    public LabelResource(
            LabelService labels,
            ImageService images,
            QueryService queries,
            Requests requests,
            PacsSegmentations segmentations) {
        this.labels = labels;
        this.images = images;
        this.queries = queries;
        this.requests = requests;
        this.segmentations = segmentations;
    }

    @GET
    @Operation(summary = "The latest version of each of the image's labels")
    public List<Views.LabelView> list(@RestPath String id) {
        images.get(id);
        Collection<LabelEntity> latest =
                queries.latestLabels(List.of(id)).getOrDefault(id, Map.of()).values();
        return latest.stream().map(Views.LabelView::of).toList();
    }

    @PUT
    @Path("/{tag}")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Operation(
            summary = "Save a new version of the label; it must lie on the image's grid. A final label of a PACS series"
                    + " is also stored on the PACS as a DICOM SEG (its UIDs, or why not, in the info's dicom_seg)")
    public Response save(
            @RestPath String id,
            @RestPath String tag,
            @RestForm("label") FileUpload label,
            @RestForm("params") String params) {
        Upload upload = requests.upload(label, "label", params);
        LabelEntity saved = segmentations.afterSave(labels.save(id, tag, upload), upload.file());
        return Response.status(Response.Status.CREATED)
                .entity(Views.LabelView.of(saved))
                .build();
    }

    @GET
    @Path("/{tag}")
    @Operation(summary = "The label's latest version, or the one asked for")
    public Views.LabelView get(@RestPath String id, @RestPath String tag, @RestQuery Integer version) {
        return Views.LabelView.of(labels.get(id, tag, version));
    }

    @GET
    @Path("/{tag}/versions")
    public List<Views.LabelView> versions(@RestPath String id, @RestPath String tag) {
        return labels.versions(id, tag).stream().map(Views.LabelView::of).toList();
    }

    @GET
    @Path("/{tag}/file")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Operation(summary = "The label's bytes (latest version unless 'version' is given), with its file name")
    public Response file(@RestPath String id, @RestPath String tag, @RestQuery Integer version) {
        LabelEntity label = labels.get(id, tag, version);
        return Requests.file(() -> labels.open(label), label.fileName(), label.sizeBytes);
    }

    @HEAD
    @Path("/{tag}/file")
    public Response exists(@RestPath String id, @RestPath String tag) {
        LabelEntity label = labels.get(id, tag, null);
        return Response.ok().header("Content-Length", label.sizeBytes).build();
    }

    @GET
    @Path("/{tag}/info")
    public Map<String, Object> info(@RestPath String id, @RestPath String tag) {
        return labels.get(id, tag, null).info;
    }

    @PUT
    @Path("/{tag}/info")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Merge the given keys into the latest version's info")
    public Map<String, Object> mergeInfo(@RestPath String id, @RestPath String tag, Map<String, Object> info) {
        return labels.mergeInfo(id, tag, info == null ? Map.of() : info);
    }

    @DELETE
    @Path("/{tag}")
    @Operation(summary = "Delete every version of the label")
    public Response delete(@RestPath String id, @RestPath String tag) {
        labels.delete(id, tag);
        return Response.noContent().build();
    }
}
