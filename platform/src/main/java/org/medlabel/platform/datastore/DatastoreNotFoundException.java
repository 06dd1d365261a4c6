package org.medlabel.platform.datastore;

import org.medlabel.platform.http.ServiceRejectedException;

/**
 * The datastore has no such image, label or session: only its own codes ({@code *_NOT_FOUND}, {@code INVALID_ID}) mean
 * this; a bare 404 comes from a wrong URL (a configuration problem, reported as a refusal).
 */
public class DatastoreNotFoundException extends ServiceRejectedException {
    public DatastoreNotFoundException(ServiceRejectedException e) {
        super(e.getMessage(), e.upstreamStatus(), e.upstreamCode(), e.detail());
    }

    /** A name no resource can have (a dot segment, the empty string). */
    static DatastoreNotFoundException badName(String id) {
        String detail = "'" + id + "' cannot name a datastore resource";
        return new DatastoreNotFoundException(new ServiceRejectedException(detail, 400, "INVALID_ID", detail));
    }
}
