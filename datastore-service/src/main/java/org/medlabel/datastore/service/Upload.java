package org.medlabel.datastore.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A file a client sent, already on local disk (the HTTP layer spools multipart bodies to files), with the name the
 * client gave it, the request's params (MONAI Label's JSON string, parsed) and who sent it.
 */
public record Upload(Path file, String fileName, Map<String, Object> params, String author) {

    /** Deletes the file, if the HTTP layer does not (raw bodies, converted volumes). */
    public void discard() {
        deleteQuietly(file);
    }

    /** Deletes a scratch file; one left behind is harmless (the uploads directory is scratch space). */
    public static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // scratch space
            }
        }
    }
}
