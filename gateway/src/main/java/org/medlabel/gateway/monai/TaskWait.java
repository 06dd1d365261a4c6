package org.medlabel.gateway.monai;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Set;
import java.util.function.Supplier;
import org.medlabel.gateway.error.ApiError;
import org.medlabel.gateway.upstream.Outgoing;
import org.medlabel.gateway.upstream.Upstream;

/**
 * MONAI Label's {@code run_sync}: the gateway polls the training service's task until it ends, so any gateway replica
 * can wait for any task and none holds its state (a client that gives up loses nothing: the task goes on).
 */
final class TaskWait {

    private static final Set<String> ENDED = Set.of("DONE", "ERROR", "STOPPED");
    private static final Duration POLL = Duration.ofSeconds(1);

    private TaskWait() {}

    /** The task {@code poll} reads from the training service, once it has ended. */
    static Uni<JsonObject> until(Upstream training, Supplier<Outgoing> poll, String what) {
        return training.call(poll.get()).flatMap(reply -> {
            if (!reply.ok()) {
                throw ApiError.of(reply.status(), reply.json().getString("detail", what + " lost"));
            }
            JsonObject task = reply.json();
            if (ENDED.contains(task.getString("status"))) {
                return Uni.createFrom().item(task);
            }
            return Uni.createFrom().nullItem().onItem().delayIt().by(POLL).flatMap(x -> until(training, poll, what));
        });
    }
}
