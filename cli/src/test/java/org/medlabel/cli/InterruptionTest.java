package org.medlabel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real interruption: the CLI in its own JVM uploads to a server that answers the first file and then hangs on the
 * second; the process is sent SIGTERM (what Ctrl-C's SIGINT also does: the JVM shuts down) and must say where the
 * upload stood.
 */
class InterruptionTest {

    @Test
    void anInterruptedUploadSaysHowFarItGotAndHowToGoOn(@TempDir Path tmp) throws Exception {
        CountDownLatch secondArrived = new CountDownLatch(1);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            if (exchange.getRequestURI().getQuery().contains("image=b")) {
                secondArrived.countDown();
                try {
                    Thread.sleep(60_000); // a server that does not answer in time
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] body = "{\"image\": \"a\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        try {
            Path a = Files.write(tmp.resolve("a.nii.gz"), new byte[] {1, 2, 3});
            Path b = Files.write(tmp.resolve("b.nii.gz"), new byte[] {4, 5, 6});
            Process cli = new ProcessBuilder(List.of(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-cp",
                            System.getProperty("java.class.path"),
                            MedLabelCli.class.getName(),
                            "--server",
                            "http://127.0.0.1:" + server.getAddress().getPort(),
                            "upload",
                            a.toString(),
                            b.toString()))
                    .redirectError(tmp.resolve("err.txt").toFile())
                    .redirectOutput(tmp.resolve("out.txt").toFile())
                    .start();
            assertTrue(secondArrived.await(60, TimeUnit.SECONDS), "the second upload never reached the server");
            cli.destroy(); // SIGTERM
            assertTrue(cli.waitFor(30, TimeUnit.SECONDS));
            String err = Files.readString(tmp.resolve("err.txt"));
            assertTrue(
                    err.contains("medlabel-cli: interrupted: 1 of 2 files uploaded; the one in flight was not stored"),
                    err);
            assertTrue(err.contains("Run the same command again"), err);
            assertEquals("a", Files.readString(tmp.resolve("out.txt")).trim());
            assertFalse(err.contains("Exception"), "no stack trace: " + err);
            assertFalse(err.contains("SLF4J"), "no logging-setup warnings: " + err);
        } finally {
            server.stop(0);
        }
    }
}
