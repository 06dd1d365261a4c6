package org.medlabel.datastore.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.multipart.FileUpload;
import org.medlabel.datastore.repository.SessionEntity;
import org.medlabel.datastore.service.SessionService;
import org.medlabel.platform.objectstore.BucketLayout;

/** Temporary uploads for inference (MONAI Label's /session/), in its response shapes. */
@Path("/sessions")
@Produces(MediaType.APPLICATION_JSON)
public class SessionResource {

    private final SessionService sessions;
    private final Requests requests;

    public SessionResource(SessionService sessions, Requests requests) {
        this.sessions = sessions;
        this.requests = requests;
    }

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Operation(summary = "Create a session from one or more files (the first is the image); expiry in seconds")
    public Response create(
            @RestForm("files") List<FileUpload> files, @RestForm("params") String params, @RestQuery Integer expiry) {
        List<FileUpload> parts = files == null ? List.of() : files;
        SessionEntity s = sessions.create(
                parts.stream().map(f -> requests.upload(f, "files", params)).toList(), expiry);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("session_id", s.id.toString());
        body.put("session_info", info(s));
        return Response.status(Response.Status.CREATED).entity(body).build();
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "The session's info; update_ts=true renews its expiry")
    public Map<String, Object> get(@RestPath String id, @RestQuery("update_ts") boolean updateTs) {
        return info(sessions.get(id, updateTs));
    }

    @GET
    @Path("/{id}/file")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public Response image(@RestPath String id) {
        SessionEntity s = sessions.get(id, true);
        return Requests.file(() -> sessions.openImage(s), s.imageName, -1);
    }

    @DELETE
    @Path("/{id}")
    public Map<String, Object> delete(@RestPath String id) {
        return info(sessions.delete(id));
    }

    /** MONAI Label's session_info, with object keys in place of its server paths. */
    private static Map<String, Object> info(SessionEntity s) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("name", s.id.toString());
        info.put("path", BucketLayout.session(s.id));
        info.put("image", s.imageName);
        info.put("files", List.of(s.files));
        info.put("meta", s.meta);
        info.put("create_ts", s.createdAt.getEpochSecond());
        info.put("last_access_ts", s.lastAccessAt.getEpochSecond());
        info.put("expiry", s.expirySeconds);
        return info;
    }
}
