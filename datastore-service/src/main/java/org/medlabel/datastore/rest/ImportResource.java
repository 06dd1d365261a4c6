package org.medlabel.datastore.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.medlabel.datastore.service.StudiesImport;

/** Bulk imports from the server's side. */
@Path("/imports")
@Produces(MediaType.APPLICATION_JSON)
public class ImportResource {

    private final StudiesImport studies;
    private final Requests requests;

    public ImportResource(StudiesImport studies, Requests requests) {
        this.studies = studies;
        this.requests = requests;
    }

    @POST
    @Path("/folder")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Import a MONAI Label studies folder (body {\"path\": ...}, under an import root): images and"
                    + " labels/<tag>/ labels; unchanged images are skipped")
    public StudiesImport.Report folder(Map<String, String> body) {
        return studies.fromFolder(body == null ? null : body.get("path"), requests.author(Map.of()));
    }

    @POST
    @Path("/prefix")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Import the same layout from a prefix of the service's bucket (body {\"prefix\": \"incoming/\"});"
                    + " unchanged files are skipped")
    public StudiesImport.Report prefix(Map<String, String> body) {
        return studies.fromPrefix(body == null ? null : body.get("prefix"), requests.author(Map.of()));
    }
}
