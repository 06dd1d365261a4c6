package org.medlabel.datastore.service;

import java.nio.file.Path;
import java.util.Map;

/**
 * A file a client sent, already on local disk (the HTTP layer spools multipart bodies to files), with the name the
 * client gave it, the request's params (MONAI Label's JSON string, parsed) and who sent it.
 */
public record Upload(Path file, String fileName, Map<String, Object> params, String author) {}
