package org.medlabel.cli.support;

import java.io.PrintWriter;
import java.util.function.Supplier;

/**
 * While open, an interruption of the command (Ctrl-C, SIGTERM: the JVM shuts down) ends the progress line and says
 * what was done and what to do next, so that a user who stops a long upload, download or watch knows where things
 * stand. The server needs no clean-up: it keeps nothing of a request that did not arrive whole.
 */
public final class Interruption implements AutoCloseable {

    private final Thread hook;

    /** {@code state}: evaluated at the interruption, e.g. "3 of 40 files uploaded". */
    public Interruption(PrintWriter err, Supplier<String> state) {
        hook = new Thread(() -> {
            err.println();
            err.println("medlabel-cli: interrupted: " + state.get());
            err.flush();
        });
        Runtime.getRuntime().addShutdownHook(hook);
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs, as it should
        }
    }
}
