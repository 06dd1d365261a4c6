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

    @Option(
            names = "--user",
            defaultValue = "${env:MEDLABEL_USER}",
            description = "Log in as this user when the server has auth on (env MEDLABEL_USER; the password from env"
                    + " MEDLABEL_PASSWORD, or asked for on the console).")
    String user;

    @Option(
            names = "--token",
            defaultValue = "${env:MEDLABEL_TOKEN}",
            description = "A bearer token from the server's identity provider instead of --user (env MEDLABEL_TOKEN).")
    String token;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** A client of the server given with {@code --server}, with a bearer token when one is given or logged in for. */
    public ApiClient client() {
        ApiClient client = new ApiClient().setBasePath(server.replaceAll("/+$", ""));
        String bearer = bearer();
        if (bearer != null) {
            client.setBearerToken(bearer);
        }
        return client;
    }

    /**
     * The bearer token for the server: {@code --token}, or one from MONAI Label's login ({@code POST /auth/token}) as
     * {@code --user}, made once per run; null without either (auth off).
     */
    public String bearer() {
        if (token == null && user != null) {
            String password = System.getenv("MEDLABEL_PASSWORD");
            if (password == null && System.console() != null) {
                char[] typed = System.console().readPassword("password for %s at %s: ", user, server);
                password = typed == null ? null : new String(typed);
            }
            if (password == null) {
                throw new IllegalArgumentException("--user " + user + " needs a password: set MEDLABEL_PASSWORD");
            }
            try {
                token = new org.medlabel.client.api.AuthApi(new ApiClient().setBasePath(server.replaceAll("/+$", "")))
                        .authToken(user, password, "password")
                        .getAccessToken();
            } catch (org.medlabel.client.ApiException e) {
                throw new IllegalStateException(
                        e.getCode() == 404
                                ? "the server has no login (auth is off there): run without --user"
                                : "login as " + user + " failed: " + detail(e),
                        e);
            }
        }
        return token;
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
