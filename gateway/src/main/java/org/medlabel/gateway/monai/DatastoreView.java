package org.medlabel.gateway.monai;

import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import org.medlabel.gateway.http.Call;
import org.medlabel.gateway.upstream.Upstream;

/**
 * {@code GET /datastore/?output=all}: MONAI Label's whole datastore document, written as the datastore's pages
 * arrive (keyset paging), so a store of any size is served in bounded memory.
 */
final class DatastoreView {

    private final Upstream store;
    private final Call call;
    private final int page;
    private boolean first = true;

    DatastoreView(Upstream store, Call call, int page) {
        this.store = store;
        this.call = call;
        this.page = page;
    }

    Uni<Void> stream() {
        return fetch(null);
    }

    private Uni<Void> fetch(String after) {
        return store.call(call.to(HttpMethod.GET, "/view").query("after", after).query("limit", page))
                .flatMap(reply -> {
                    if (first && !reply.ok()) {
                        return call.reshape(reply, r -> Uni.createFrom().voidItem());
                    }
                    if (!reply.ok()) {
                        throw new IllegalStateException("the datastore failed mid-listing: HTTP " + reply.status());
                    }
                    JsonObject view = reply.json();
                    Uni<Void> written = write(view);
                    String next = view.getString("next_after");
                    return next == null ? written.flatMap(v -> end()) : written.flatMap(v -> fetch(next));
                });
    }

    private Uni<Void> write(JsonObject view) {
        HttpServerResponse response = call.response();
        StringBuilder chunk = new StringBuilder();
        if (first) {
            first = false;
            response.setChunked(true).putHeader("Content-Type", "application/json");
            JsonObject head = view.copy();
            head.remove("objects");
            head.remove("next_offset");
            head.remove("next_after");
            String encoded = head.encode();
            chunk.append(encoded, 0, encoded.length() - 1)
                    .append(head.isEmpty() ? "" : ",")
                    .append("\"objects\":{");
        } else if (!view.getJsonObject("objects").isEmpty()) {
            chunk.append(',');
        }
        String objects = view.getJsonObject("objects").encode();
        chunk.append(objects, 1, objects.length() - 1);
        return Uni.createFrom()
                .completionStage(
                        () -> response.write(Buffer.buffer(chunk.toString())).toCompletionStage());
    }

    private Uni<Void> end() {
        return Uni.createFrom().completionStage(() -> call.response().end("}}").toCompletionStage());
    }
}
