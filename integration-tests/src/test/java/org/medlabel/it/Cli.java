package org.medlabel.it;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.medlabel.cli.MedLabelCli;

/** {@code medlabel-cli} run in this JVM, as a user types it; what it printed and its exit code. */
record Cli(int exit, String out, String err) {

    static Cli run(String... args) {
        var line = MedLabelCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        return new Cli(line.execute(args), out.toString(), err.toString());
    }
}
