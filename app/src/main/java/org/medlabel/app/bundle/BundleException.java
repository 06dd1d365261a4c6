package org.medlabel.app.bundle;

/** A MONAI bundle that cannot become a MedLabel model: what is missing, malformed or not supported, by name. */
public class BundleException extends RuntimeException {

    public BundleException(String message) {
        super(message);
    }

    public BundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
