package org.medlabel.datastore.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jboss.resteasy.reactive.multipart.FileUpload;
import org.medlabel.api.internal.InternalHeaders;
import org.medlabel.datastore.config.DatastoreConfig;
import org.medlabel.datastore.error.DatastoreException;
import org.medlabel.datastore.error.ErrorCode;
import org.medlabel.datastore.service.Upload;
import org.medlabel.platform.http.Spool;

/** Turns request parts into service arguments (and streams into responses), with MONAI Label's conventions. */
@ApplicationScoped
class Requests {

    private static final TypeReference<Map<String, Object>> JSON_OBJECT = new TypeReference<>() {};
    private static final int COPY_BUFFER = 1 << 20;

    private final ObjectMapper json;
    private final DatastoreConfig config;
    private final HttpHeaders headers;

    Requests(ObjectMapper json, DatastoreConfig config, HttpHeaders headers) {
        this.json = json;
        this.config = config;
        this.headers = headers;
    }

    /** Multipart file parts (one or more with the same field name), each checked as {@link #upload}. */
    List<Upload> uploads(List<FileUpload> files, String field, String params) {
        if (files == null || files.isEmpty()) {
            return List.of(upload(null, field, params));
        }
        long total = files.stream().mapToLong(FileUpload::size).sum();
        if (total > config.maxUploadBytes()) {
            throw new DatastoreException(
                    ErrorCode.PAYLOAD_TOO_LARGE,
                    "files of " + total + " bytes exceed the limit of " + config.maxUploadBytes() + " bytes");
        }
        return files.stream().map(f -> upload(f, field, params)).toList();
    }

    /** A multipart file part with its {@code params} (a JSON object as a string, MONAI Label's form field). */
    Upload upload(FileUpload file, String field, String params) {
        if (file == null) {
            throw new DatastoreException(
                    ErrorCode.INVALID_REQUEST, "multipart field '" + field + "' (the file) is missing");
        }
        if (file.size() > config.maxUploadBytes()) {
            throw new DatastoreException(
                    ErrorCode.PAYLOAD_TOO_LARGE,
                    "file of " + file.size() + " bytes exceeds the limit of " + config.maxUploadBytes() + " bytes");
        }
        Map<String, Object> p = object(params, "params");
        return new Upload(file.uploadedFile(), file.fileName(), p, author(p));
    }

    /**
     * A request body spooled to a temporary file as it arrives (the caller deletes it), stopped at the upload limit;
     * {@code name} is the client's file name, {@code params} MONAI Label's JSON string.
     */
    Upload spool(InputStream body, String name, String params) {
        if (name == null || name.isBlank()) {
            throw new DatastoreException(
                    ErrorCode.INVALID_REQUEST, "query parameter 'name' (the file name, e.g. ct.nii.gz) is required");
        }
        Map<String, Object> p = object(params, "params");
        long limit = config.maxUploadBytes();
        try {
            Path file = Spool.toFile(
                    body,
                    config.uploadsDirectory(),
                    limit,
                    () -> new DatastoreException(
                            ErrorCode.PAYLOAD_TOO_LARGE, "body exceeds the limit of " + limit + " bytes"));
            return new Upload(file, name, p, author(p));
        } catch (IOException e) {
            throw new DatastoreException(ErrorCode.INVALID_REQUEST, "could not receive the body: " + e.getMessage(), e);
        }
    }

    /** A JSON object sent as a string; empty means {}. */
    Map<String, Object> object(String text, String field) {
        if (text == null || text.isBlank()) {
            return Map.of();
        }
        try {
            return json.readValue(text, JSON_OBJECT);
        } catch (JsonProcessingException e) {
            throw new DatastoreException(
                    ErrorCode.INVALID_REQUEST, "'" + field + "' is not a JSON object: " + e.getOriginalMessage());
        }
    }

    /**
     * Who saves: the user the gateway authenticated (auth on), else MONAI Label's free-text {@code client_id} (or the
     * default). Recorded as an image's {@code user} and a label version's author.
     */
    String author(Map<String, Object> body) {
        String user = headers.getHeaderString(InternalHeaders.USER);
        return user != null && !user.isBlank() ? user : clientId(body);
    }

    String clientId(Map<String, Object> body) {
        Object client = body == null ? null : body.get("client_id");
        return client instanceof String s && !s.isBlank() ? s : config.defaultClientId();
    }

    int limit(Integer limit) {
        int max = config.maxPageSize();
        if (limit != null && (limit < 1 || limit > max)) {
            throw new DatastoreException(ErrorCode.INVALID_REQUEST, "limit must be 1.." + max + ", was " + limit);
        }
        return limit == null ? max : limit;
    }

    static int offset(Integer offset) {
        if (offset != null && offset < 0) {
            throw new DatastoreException(ErrorCode.INVALID_REQUEST, "offset must be >= 0, was " + offset);
        }
        return offset == null ? 0 : offset;
    }

    /** A file download: streamed from the store, with the file name MONAI Label clients require (and the length, if known). */
    static Response file(Supplier<InputStream> open, String fileName, long size) {
        StreamingOutput body = out -> {
            // large chunks: each write crosses from the worker thread to the event loop
            byte[] buffer = new byte[COPY_BUFFER];
            try (InputStream in = open.get()) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    out.write(buffer, 0, n);
                }
            }
        };
        Response.ResponseBuilder response = Response.ok(body, "application/octet-stream")
                .header("Content-Disposition", "attachment; filename=\"" + fileName + "\"");
        return (size >= 0 ? response.header("Content-Length", size) : response).build();
    }
}
