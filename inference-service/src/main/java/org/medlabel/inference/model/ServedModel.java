package org.medlabel.inference.model;

import ai.onnxruntime.OrtSession;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.medlabel.app.config.ModelDefinition;

/**
 * One loaded version of a model, shared by the requests that use it. Requests take a lease and close it when done;
 * when a newer version replaces this one, its session is released only after the last lease ends, so requests in
 * flight finish on the version they started with.
 */
public final class ServedModel implements AutoCloseable {

    private final String name;
    private final int version;
    private final ModelDefinition definition;
    private final OrtSession session;
    private final Consumer<ServedModel> onRetired;
    /** Leases plus one for the registry while this is the current version; 0 = closed. */
    private final AtomicInteger references = new AtomicInteger(1);

    /** {@code onRetired} runs once the version is replaced and its last lease has ended (it closes the session). */
    public ServedModel(
            String name, int version, ModelDefinition definition, OrtSession session, Consumer<ServedModel> onRetired) {
        this.name = name;
        this.version = version;
        this.definition = definition;
        this.session = session;
        this.onRetired = onRetired;
    }

    public String name() {
        return name;
    }

    public int version() {
        return version;
    }

    public ModelDefinition definition() {
        return definition;
    }

    public OrtSession session() {
        return session;
    }

    /** Takes a lease; false when this version is already closed (the caller retries with the current one). */
    boolean lease() {
        while (true) {
            int n = references.get();
            if (n == 0) {
                return false;
            }
            if (references.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Drops the registry's own reference: closes now if no request holds a lease, else when the last one ends. */
    void retire() {
        close();
    }

    /** Ends a lease. */
    @Override
    public void close() {
        if (references.decrementAndGet() == 0) {
            onRetired.accept(this);
        }
    }
}
