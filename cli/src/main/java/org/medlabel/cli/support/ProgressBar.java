package org.medlabel.cli.support;

import java.io.PrintWriter;

/**
 * A one-line text progress bar on the command's error stream (stderr): {@code label [#####.....]  45 % suffix}, redrawn in place; on a stream that
 * is not a terminal it still works (each redraw is a carriage return), and {@link #done} ends the line.
 */
public final class ProgressBar {

    private static final int WIDTH = 30;

    private final PrintWriter out;
    private final String label;
    private final long total;

    public ProgressBar(PrintWriter out, String label, long total) {
        this.out = out;
        this.label = label;
        this.total = Math.max(1, total);
    }

    public void update(long done, String suffix) {
        out.print("\r" + line(label, done, total, suffix));
        out.flush();
    }

    public void done(String suffix) {
        update(total, suffix);
        out.println();
    }

    /** The bar's text for {@code done} of {@code total}. */
    static String line(String label, long done, long total, String suffix) {
        long clamped = Math.max(0, Math.min(done, total));
        int filled = (int) (WIDTH * clamped / total);
        return label + " [" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] "
                + String.format("%3d %%", 100 * clamped / total)
                + (suffix == null || suffix.isEmpty() ? "" : " " + suffix);
    }
}
