package org.medlabel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * {@code train --watch} on a server where another user's job of the model is active (a MedLabel server replaces a job
 * that saved labels started, so only another user's answers 429; MONAI Label answers 429 to any): instead of failing
 * with the 429, it follows that job to its end, saying the parameters were not applied.
 */
class TrainWatchTest {

    private static final String RUNNING = """
            {"id": "job-1", "status": "RUNNING", "epoch": 3, "total_epochs": 50, "best_metric": 0.12}""";
    private static final String DONE = """
            {"id": "job-1", "status": "DONE", "epoch": 50, "total_epochs": 50, "best_metric": 0.91, "version": 1}""";

    @Test
    void anotherUsersJobIsWatchedInsteadOfRefused() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        int[] polls = {0};
        List<String> queries = new CopyOnWriteArrayList<>();
        server.createContext("/train/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            queries.add(
                    exchange.getRequestMethod() + " " + exchange.getRequestURI().getQuery());
            if (exchange.getRequestMethod().equals("POST")) {
                answer(exchange, 429, "{\"detail\": \"++++++++++ Train Task is Already Running\"}");
            } else if (exchange.getRequestURI().getQuery().contains("check_if_running=true")) {
                answer(exchange, 200, RUNNING);
            } else {
                answer(exchange, 200, polls[0]++ == 0 ? RUNNING : DONE);
            }
        });
        // the finished job's version reaches inference a moment later: "served" only once /info/ says so
        int[] infos = {0};
        server.createContext("/info/", exchange -> {
            int served = infos[0]++ < 2 ? 0 : 1;
            answer(
                    exchange,
                    200,
                    "{\"name\": \"stand-in\", \"models\": {\"segmentation_spleen\": {\"type\": \"segmentation\","
                            + " \"version\": " + served + "}}}");
        });
        server.start();
        try {
            MedLabelCliTest.Run run = MedLabelCliTest.run(
                    "--server",
                    "http://127.0.0.1:" + server.getAddress().getPort(),
                    "train",
                    "segmentation_spleen",
                    "--max-epochs",
                    "10",
                    "--watch",
                    "--poll",
                    "0");
            assertEquals(0, run.exit(), run.err());
            assertTrue(
                    run.out()
                            .contains("another user's job for segmentation_spleen is active: watching job job-1;"
                                    + " --max-epochs and --params were not applied"),
                    run.out());
            assertTrue(run.out().contains("job job-1 DONE: version 1 served"), run.out());
            assertEquals(3, infos[0], "asked /info/ until version 1 was served");
            assertTrue(run.err().contains("epoch 3/50") && run.err().contains("Dice 0.910"), run.err());
            // other models' jobs may start meanwhile: every look asks for this model's
            assertTrue(
                    queries.stream()
                            .filter(q -> q.startsWith("GET"))
                            .allMatch(q -> q.contains("model=segmentation_spleen")),
                    queries.toString());
            // without --watch the 429 is reported as before
            MedLabelCliTest.Run refused = MedLabelCliTest.run(
                    "--server", "http://127.0.0.1:" + server.getAddress().getPort(), "train", "segmentation_spleen");
            assertEquals(1, refused.exit());
            assertTrue(refused.err().contains("429"), refused.err());
        } finally {
            server.stop(0);
        }
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
