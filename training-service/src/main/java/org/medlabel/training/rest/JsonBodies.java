package org.medlabel.training.rest;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Map;
import org.medlabel.training.job.InvalidTrainRequestException;

/** A request body that must be a JSON object (or empty), read once for every resource of this service. */
final class JsonBodies {

    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonBodies() {}

    /** The body's object; empty for no body. {@code what} names it in the 422, e.g. "of train params". */
    static Map<String, Object> object(String body, String what) {
        if (body == null || body.isBlank()) {
            return Map.of();
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (IOException e) {
            throw new InvalidTrainRequestException("the body must be a JSON object " + what + ": " + e.getMessage());
        }
        if (!node.isObject()) {
            throw new InvalidTrainRequestException("the body must be a JSON object " + what);
        }
        return JSON.convertValue(node, new TypeReference<Map<String, Object>>() {});
    }
}
