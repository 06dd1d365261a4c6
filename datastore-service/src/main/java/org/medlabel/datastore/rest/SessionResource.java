package org.medlabel.datastore.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
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
        return Response.status(Response.Status.CREATED)
                .entity(new Created(s.id.toString(), SessionInfo.of(s)))
                .build();
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "The session's info; update_ts=true renews its expiry")
    public SessionInfo get(@RestPath String id, @RestQuery("update_ts") boolean updateTs) {
        return SessionInfo.of(sessions.get(id, updateTs));
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
    public SessionInfo delete(@RestPath String id) {
        return SessionInfo.of(sessions.delete(id));
    }

    /** MONAI Label's answer to a new session. */
    public record Created(
            @JsonProperty("session_id") String sessionId,
            @JsonProperty("session_info") SessionInfo info) {}

    /** MONAI Label's session_info, with object keys in place of its server paths. */
    public record SessionInfo(
            String name,
            String path,
            String image,
            List<String> files,
            Map<String, Object> meta,
            @JsonProperty("create_ts") long createTs,
            @JsonProperty("last_access_ts") long lastAccessTs,
            long expiry) {

        static SessionInfo of(SessionEntity s) {
            return new SessionInfo(
                    s.id.toString(),
                    BucketLayout.session(s.id),
                    s.imageName,
                    List.of(s.files),
                    s.meta,
                    s.createdAt.getEpochSecond(),
                    s.lastAccessAt.getEpochSecond(),
                    s.expirySeconds);
        }
    }
}
