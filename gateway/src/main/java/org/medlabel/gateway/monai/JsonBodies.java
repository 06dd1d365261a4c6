package org.medlabel.gateway.monai;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.medlabel.gateway.error.ApiError;

/** Request bodies that MONAI Label takes as an optional JSON object. */
final class JsonBodies {

    private JsonBodies() {}

    /** The object, or {} for an empty body; anything else is a 422. */
    static JsonObject object(Buffer body) {
        String text = body.toString().trim();
        if (text.isEmpty() || text.equals("null")) {
            return new JsonObject();
        }
        try {
            Object parsed = io.vertx.core.json.Json.decodeValue(text);
            if (parsed instanceof JsonObject object) {
                return object;
            }
        } catch (DecodeException e) {
            throw ApiError.unprocessable("the body must be a JSON object: " + e.getMessage());
        }
        throw ApiError.unprocessable("the body must be a JSON object");
    }
}
