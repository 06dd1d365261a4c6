package org.medlabel.app.config;

/** An app file that cannot be used; the message names the model and the key. The service refuses to start. */
public final class AppConfigException extends RuntimeException {

    public AppConfigException(String message) {
        super(message);
    }

    public AppConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
