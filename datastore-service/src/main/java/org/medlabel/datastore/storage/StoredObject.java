package org.medlabel.datastore.storage;

/** An object as stored: its key, size and SHA-256 (lower-case hex), computed while it streamed in. */
public record StoredObject(String key, long sizeBytes, String sha256) {}
