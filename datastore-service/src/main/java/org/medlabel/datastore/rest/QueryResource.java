package org.medlabel.datastore.rest;

import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.medlabel.datastore.dicomweb.PacsSync;
import org.medlabel.datastore.error.DatastoreException;
import org.medlabel.datastore.error.ErrorCode;
import org.medlabel.datastore.repository.ImageEntity;
import org.medlabel.datastore.repository.LabelEntity;
import org.medlabel.datastore.service.DatasetExport;
import org.medlabel.datastore.service.DatastoreModel;
import org.medlabel.datastore.service.QueryService;
import org.medlabel.datastore.service.StrategyService;

/** Whole-store views (stats, MONAI Label's datastore model page by page, the training datalist) and the strategies. */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class QueryResource {

    private final QueryService queries;
    private final StrategyService strategies;
    private final Requests requests;
    private final DatasetExport export;
    private final PacsSync pacs;

    public QueryResource(
            QueryService queries, StrategyService strategies, Requests requests, DatasetExport export, PacsSync pacs) {
        this.queries = queries;
        this.strategies = strategies;
        this.requests = requests;
        this.export = export;
        this.pacs = pacs;
    }

    @GET
    @Path("/stats")
    @Operation(summary = "MONAI Label's stats: total, completed (with a final label), images per label tag")
    public Map<String, Object> stats() {
        pacs.refreshOnDemand();
        return queries.stats();
    }

    @GET
    @Path("/view")
    @Operation(
            summary =
                    "MONAI Label's datastore model (GET /datastore/?output=all) for one page of images: from 'offset',"
                            + " or after the id 'after' (keyset paging, as fast at the end of the store as at its start), with"
                            + " 'next_offset' and 'next_after' (null on the last page)")
    public DatastoreModel.Page view(@RestQuery Integer offset, @RestQuery String after, @RestQuery Integer limit) {
        int size = requests.limit(limit);
        int from = Requests.offset(offset);
        if (from == 0 && after == null) {
            pacs.refreshOnDemand();
        }
        List<ImageEntity> page = after == null ? queries.images(from, size) : queries.imagesAfter(after, size);
        Map<String, Map<String, LabelEntity>> labels =
                queries.latestLabels(page.stream().map(i -> i.id).toList());
        Map<String, DatastoreModel.Entry> objects = new LinkedHashMap<>();
        for (ImageEntity image : page) {
            objects.put(image.id, DatastoreModel.entry(image, labels.getOrDefault(image.id, Map.of())));
        }
        boolean more = page.size() == size;
        return DatastoreModel.page(
                objects, more && after == null ? from + size : null, more ? page.get(page.size() - 1).id : null);
    }

    @GET
    @Path("/datalist")
    @Operation(
            summary =
                    "Every image with a final label, that label's version and its scope (the label_info names and model"
                            + " it was saved with), ordered by image id (training's cases)")
    public List<QueryService.Case> datalist() {
        return queries.datalist();
    }

    @GET
    @Path("/dataset")
    @Produces("application/zip")
    @Operation(
            summary = "Every labelled image with its final label and metadata.json, as a zip streamed while it is"
                    + " built (MONAI Label's GET /datastore/dataset); limit_cases caps the cases")
    public Response dataset(@RestQuery("limit_cases") Integer limitCases) {
        if (limitCases != null && limitCases < 1) {
            throw new DatastoreException(ErrorCode.INVALID_REQUEST, "limit_cases must be >= 1");
        }
        StreamingOutput body = out -> QuarkusTransaction.requiringNew().call(() -> {
            export.write(out, limitCases);
            return null;
        });
        return Response.ok(body, "application/zip")
                .header("Content-Disposition", "attachment; filename=\"dataset.zip\"")
                .build();
    }

    @POST
    @Path("/strategies/{name}/next")
    @Operation(summary = "The next unlabeled image by strategy random, first or last; {} when none is left")
    @Consumes(MediaType.WILDCARD)
    public Map<String, Object> next(@RestPath String name, String body) {
        pacs.refreshOnDemand();
        return strategies.next(name, requests.clientId(requests.object(body, "body")));
    }
}
