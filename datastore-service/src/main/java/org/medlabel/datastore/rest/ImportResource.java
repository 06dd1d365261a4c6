package org.medlabel.datastore.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.medlabel.datastore.service.FolderImport;

/** Bulk imports from the server's side. */
@Path("/imports")
@Produces(MediaType.APPLICATION_JSON)
public class ImportResource {

    private final FolderImport folders;

    public ImportResource(FolderImport folders) {
        this.folders = folders;
    }

    @POST
    @Path("/folder")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Import a MONAI Label studies folder (body {\"path\": ...}, under an import root): images and"
                    + " labels/<tag>/ labels; unchanged images are skipped")
    public FolderImport.Report folder(Map<String, String> body) {
        return folders.importFolder(body == null ? null : body.get("path"));
    }
}
