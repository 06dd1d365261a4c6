package org.medlabel.gateway.monai;

import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Singleton;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.medlabel.gateway.auth.Access;
import org.medlabel.gateway.error.ApiError;
import org.medlabel.gateway.http.Api;
import org.medlabel.gateway.http.Call;
import org.medlabel.gateway.upstream.Outgoing;
import org.medlabel.gateway.upstream.Upstream;
import org.medlabel.gateway.upstream.Upstreams;

/**
 * MONAI Label's {@code /datastore/...} on the datastore service: uploads and downloads stream through, metadata
 * answers are reshaped to MONAI Label's (e.g. {@code {"image": id}} for an upload), and the deprecated routes real
 * clients still call ({@code PUT /datastore/}, {@code DELETE /datastore/}, {@code PUT /datastore/updatelabelinfo})
 * are kept. Labels default to tag {@code final}.
 */
@Singleton
public class DatastoreRoutes implements MonaiRoutes {

    /** Images per page while {@code output=all} is streamed. */
    static final int PAGE = 500;

    private final Upstreams services;
    private final InfoComposer info;

    public DatastoreRoutes(Upstreams services, InfoComposer info) {
        this.services = services;
        this.info = info;
    }

    private Upstream store() {
        return services.datastore();
    }

    @Override
    public void register(Api api) {
        api.route(HttpMethod.GET, "/datastore/", Access.USER, Api.Body.NONE, this::datastore);
        for (String path : new String[] {"/datastore/image", "/datastore/"}) {
            api.route(HttpMethod.PUT, path, Access.ANNOTATOR, Api.Body.STREAM, this::uploadImage);
            api.route(HttpMethod.DELETE, path, Access.ADMIN, Api.Body.NONE, this::deleteImage);
        }
        api.route(HttpMethod.HEAD, "/datastore/image", Access.USER, Api.Body.NONE, this::imageExists);
        api.route(
                HttpMethod.GET,
                "/datastore/image",
                Access.USER,
                Api.Body.NONE,
                call -> call.forward(store(), call.to(HttpMethod.GET, "/images/{}/file", call.required("image"))));
        api.route(HttpMethod.GET, "/datastore/image/info", Access.USER, Api.Body.NONE, this::imageInfo);
        api.route(
                HttpMethod.PUT,
                "/datastore/image/info",
                Access.ANNOTATOR,
                Api.Body.BUFFER,
                call -> mergeInfo(call, call.to(HttpMethod.PUT, "/images/{}/info", call.required("image")), "info"));
        api.route(HttpMethod.PUT, "/datastore/label", Access.ANNOTATOR, Api.Body.STREAM, this::saveLabel);
        api.route(
                HttpMethod.DELETE,
                "/datastore/label",
                Access.ADMIN,
                Api.Body.NONE,
                call -> empty(
                        call, call.to(HttpMethod.DELETE, "/images/{}/labels/{}", call.required("id"), tag(call))));
        api.route(
                HttpMethod.HEAD,
                "/datastore/label",
                Access.USER,
                Api.Body.NONE,
                call -> exists(
                        call,
                        call.to(HttpMethod.HEAD, "/images/{}/labels/{}/file", call.required("image"), tag(call))));
        api.route(
                HttpMethod.GET,
                "/datastore/label",
                Access.USER,
                Api.Body.NONE,
                call -> call.forward(
                        store(),
                        call.to(HttpMethod.GET, "/images/{}/labels/{}/file", call.required("label"), tag(call))));
        api.route(
                HttpMethod.GET,
                "/datastore/label/info",
                Access.USER,
                Api.Body.NONE,
                call -> call.forward(
                        store(),
                        call.to(HttpMethod.GET, "/images/{}/labels/{}/info", call.required("label"), tag(call))));
        // MedLabel's, not MONAI Label's (which overwrites a label): every saved version of a label, with its author
        api.route(
                HttpMethod.GET,
                "/datastore/label/versions",
                Access.USER,
                Api.Body.NONE,
                call -> call.forward(
                        store(),
                        call.to(HttpMethod.GET, "/images/{}/labels/{}/versions", call.required("label"), tag(call))));
        api.route(
                HttpMethod.PUT,
                "/datastore/label/info",
                Access.ANNOTATOR,
                Api.Body.BUFFER,
                call -> mergeInfo(
                        call,
                        call.to(HttpMethod.PUT, "/images/{}/labels/{}/info", call.required("label"), tag(call)),
                        "info"));
        api.route(
                HttpMethod.PUT,
                "/datastore/updatelabelinfo",
                Access.ANNOTATOR,
                Api.Body.BUFFER,
                call -> mergeInfo(
                        call,
                        call.to(HttpMethod.PUT, "/images/{}/labels/{}/info", call.required("label"), tag(call)),
                        "params"));
        api.route(
                HttpMethod.GET,
                "/datastore/dataset",
                Access.ANNOTATOR,
                Api.Body.NONE,
                call -> call.forward(
                        store(), call.to(HttpMethod.GET, "/dataset").query("limit_cases", call.query("limit_cases"))));
    }

    /** MONAI Label's tag default: {@code final} when absent or empty. */
    private static String tag(Call call) {
        String tag = call.query("tag");
        return tag == null || tag.isEmpty() ? "final" : tag;
    }

    private Uni<Void> datastore(Call call) {
        String output = call.query("output");
        if (output == null || output.isEmpty() || output.equals("stats")) {
            return call.pass(store(), call.to(HttpMethod.GET, "/stats"));
        }
        return switch (output) {
            case "all" -> new DatastoreView(store(), call, PAGE).stream();
            case "train" -> train(call);
            default -> throw ApiError.unprocessable("output must be stats, all or train, was '" + output + "'");
        };
    }

    /** {@code output=train}: MONAI Label gives local paths; here each image and label is a download URL. */
    private Uni<Void> train(Call call) {
        return store().call(call.to(HttpMethod.GET, "/datalist"))
                .flatMap(reply -> call.reshape(reply, r -> {
                    JsonArray pairs = new JsonArray();
                    for (Object o : r.jsonArray()) {
                        String id = ((JsonObject) o).getString("id");
                        pairs.add(new JsonObject()
                                .put("image", imageUrl(call, id))
                                .put("label", call.baseUrl() + "/datastore/label?label=" + encode(id) + "&tag=final"));
                    }
                    return call.ok(pairs);
                }));
    }

    static String imageUrl(Call call, String id) {
        return call.baseUrl() + "/datastore/image?image=" + encode(id);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** {@code PUT /datastore/image?image=id}: with an id the image is put under it, else named by its file. */
    private Uni<Void> uploadImage(Call call) {
        String id = call.query("image");
        Outgoing out = id == null || id.isEmpty()
                ? call.to(HttpMethod.POST, "/images")
                : call.to(HttpMethod.PUT, "/images/{}", id);
        return call.open(store(), out)
                .flatMap(response -> call.reshape(response, r -> {
                    info.invalidate();
                    return call.ok(new JsonObject().put("image", r.json().getString("id")));
                }));
    }

    private Uni<Void> deleteImage(Call call) {
        Uni<Void> done = empty(call, call.to(HttpMethod.DELETE, "/images/{}", call.required("id")));
        return done.invoke(info::invalidate);
    }

    private Uni<Void> imageExists(Call call) {
        return exists(
                call,
                call.to(HttpMethod.HEAD, "/images/{}/file", call.required("image"))
                        .query("checksum", call.query("check_sum")));
    }

    /** MONAI Label's image info, with {@code path}: here the image's download URL. */
    private Uni<Void> imageInfo(Call call) {
        String id = call.required("image");
        return store().call(call.to(HttpMethod.GET, "/images/{}/info", id))
                .flatMap(reply -> call.reshape(reply, r -> call.ok(r.json().put("path", imageUrl(call, id)))));
    }

    private Uni<Void> saveLabel(Call call) {
        String image = call.required("image");
        return call.open(store(), call.to(HttpMethod.PUT, "/images/{}/labels/{}", image, tag(call)))
                .flatMap(response -> call.reshape(response, r -> {
                    info.invalidate();
                    return call.ok(new JsonObject().put("image", image).put("label", image));
                }));
    }

    /** A form field holding a JSON object ({@code info} or {@code params}) merged into the stored info; MONAI: null. */
    private Uni<Void> mergeInfo(Call call, Outgoing out, String field) {
        String value = call.form().get(field);
        if (value == null) {
            throw ApiError.unprocessable("form field '" + field + "' (a JSON object) is required");
        }
        JsonObject parsed;
        try {
            parsed = new JsonObject(value);
        } catch (DecodeException | ClassCastException e) {
            throw ApiError.unprocessable("form field '" + field + "' must be a JSON object");
        }
        return store().call(out.json(Buffer.buffer(parsed.encode())))
                .flatMap(reply -> call.reshape(reply, r -> call.ok(null)));
    }

    /** A deletion; MONAI Label answers {@code {}}. */
    private Uni<Void> empty(Call call, Outgoing out) {
        return store().call(out).flatMap(reply -> call.reshape(reply, r -> call.ok(new JsonObject())));
    }

    /** A HEAD: 200 {@code {}} as MONAI Label, or the service's 404. */
    private Uni<Void> exists(Call call, Outgoing out) {
        return store().call(out)
                .flatMap(reply -> reply.ok()
                        ? call.ok(new JsonObject())
                        : call.json(
                                reply.status(),
                                new JsonObject()
                                        .put(
                                                "detail",
                                                reply.status() == 404
                                                        ? "Image or label NOT Found"
                                                        : "datastore error")));
    }
}
