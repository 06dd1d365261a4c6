package org.medlabel.ml.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.Map;
import java.util.Set;

/**
 * Lets another thread stop one request's (or one training job's) ONNX Runtime runs. {@link #cancel} sets ONNX Runtime's terminate flag on the
 * pass in progress (it stops between operators, so a 3 s pass ends within one layer's time) and makes every later
 * pass and {@link #check} fail at once with {@link CancelledException}. Closed by the thread that runs the passes when
 * the request ends; a cancel after that does nothing.
 */
public final class Cancellation implements AutoCloseable {

    /** Never cancelled: for work nobody stops (tests, benchmarks, tools). */
    public static final Cancellation NONE = new Cancellation(null);

    private final OrtSession.RunOptions options;
    private String reason;
    private boolean closed;

    private Cancellation(OrtSession.RunOptions options) {
        this.options = options;
    }

    public static Cancellation create() throws OrtException {
        return new Cancellation(new OrtSession.RunOptions());
    }

    /** Stops the pass in progress and every later one; the first reason given is kept. */
    public synchronized void cancel(String reason) {
        if (options == null || closed || this.reason != null) {
            return;
        }
        this.reason = reason;
        try {
            options.setTerminate(true);
        } catch (OrtException e) {
            // the pass in progress runs to its end; check() still stops everything after it
        }
    }

    public synchronized boolean cancelled() {
        return reason != null;
    }

    /** Fails when cancelled: called between a request's stages so a stopped request does no more work. */
    public synchronized void check() {
        if (reason != null) {
            throw new CancelledException(reason);
        }
    }

    /** A run of {@code session} that {@link #cancel} can stop. */
    public OrtSession.Result run(OrtSession session, Map<String, ? extends OnnxTensorLike> inputs) throws OrtException {
        return run(session, inputs, Set.of(), Map.of());
    }

    /** As {@link #run(OrtSession, Map)}, the output named {@code output} written into {@code pinned}. */
    public OrtSession.Result run(OrtSession session, Map<String, OnnxTensor> inputs, String output, OnnxTensor pinned)
            throws OrtException {
        return run(session, inputs, Set.of(), Map.of(output, pinned)); // pinned outputs are not also requested
    }

    private OrtSession.Result run(
            OrtSession session,
            Map<String, ? extends OnnxTensorLike> inputs,
            Set<String> requested,
            Map<String, ? extends OnnxValue> pinned)
            throws OrtException {
        check();
        Set<String> outputs = pinned.isEmpty() ? session.getOutputNames() : requested;
        if (options == null) {
            return session.run(inputs, outputs, pinned);
        }
        try {
            return session.run(inputs, outputs, pinned, options);
        } catch (OrtException e) {
            check(); // terminated by cancel(): say why instead of ONNX Runtime's "terminate flag" message
            throw e;
        }
    }

    @Override
    public synchronized void close() {
        if (options != null && !closed) {
            closed = true;
            options.close();
        }
    }

    /** The request's work was stopped before it finished. */
    public static final class CancelledException extends RuntimeException {

        CancelledException(String reason) {
            super("stopped: " + reason);
        }
    }
}
