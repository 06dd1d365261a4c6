package org.medlabel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import org.medlabel.cli.command.DatasetsCommand;
import org.medlabel.cli.command.InferCommand;
import org.medlabel.cli.command.LabelCommand;
import org.medlabel.cli.command.ModelsCommand;
import org.medlabel.cli.command.NextCommand;
import org.medlabel.cli.command.StartCommand;
import org.medlabel.cli.command.StatusCommand;
import org.medlabel.cli.command.TrainCommand;
import org.medlabel.cli.command.UploadCommand;
import org.medlabel.cli.support.Json;
import org.medlabel.client.ApiClient;
import org.medlabel.client.ApiException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code medlabel-cli}: a MedLabel (or MONAI Label) server from the command line, on the generated Java client. */
@Command(
        name = "medlabel-cli",
        mixinStandardHelpOptions = true,
        version = "medlabel-cli 0.1.0",
        description =
                "Datasets, upload, next sample, inference, labels, training and model files against a MedLabel server.",
        subcommands = {
            DatasetsCommand.class,
            StartCommand.class,
            UploadCommand.class,
            NextCommand.class,
            InferCommand.class,
            LabelCommand.class,
            TrainCommand.class,
            StatusCommand.class,
            ModelsCommand.class
        })
public class MedLabelCli implements Runnable {

    @Option(
            names = "--server",
            defaultValue = "${env:MEDLABEL_SERVER:-http://127.0.0.1:8000}",
            description = "The server (env MEDLABEL_SERVER; default ${DEFAULT-VALUE}).")
    String server;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** A client of the server given with {@code --server}. */
    public ApiClient client() {
        return new ApiClient().setBasePath(server.replaceAll("/+$", ""));
    }

    public String server() {
        return server;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with MedLabel's error handling: a server's error is one line, not a stack trace. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new MedLabelCli());
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            PrintWriter err = line.getErr();
            if (e instanceof ApiException api) {
                err.println("medlabel-cli: the server answered " + api.getCode() + ": " + detail(api));
            } else {
                err.println("medlabel-cli: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            }
            return 1;
        });
        return cli;
    }

    private static String detail(ApiException e) {
        if (e.getCode() == 0) {
            return "no answer (" + e.getMessage() + "); is the server running? (--server)";
        }
        try {
            JsonNode body = Json.MAPPER.readTree(e.getResponseBody());
            return body.path("detail").asText(e.getResponseBody());
        } catch (Exception notJson) {
            return String.valueOf(e.getResponseBody());
        }
    }
}
