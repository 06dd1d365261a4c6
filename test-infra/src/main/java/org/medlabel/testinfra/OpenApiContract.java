package org.medlabel.testinfra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * Internal API contracts between services. Each provider commits its OpenAPI document ({@code
 * <module>/openapi/internal-api.json}) and a test of the provider checks that what it serves at {@code /q/openapi} is
 * that document ({@link #assertServedIsCommitted}); each consumer checks, against the committed document, that every
 * operation it calls exists and that every field its typed records read is in the operation's response schema
 * ({@link #assertReads}). A provider that renames or drops a field fails its own build until its document is updated,
 * and then every consumer that reads the field fails.
 */
public final class OpenApiContract {

    /** Set to rewrite a provider's committed document from what it serves (then review the diff). */
    public static final String UPDATE_PROPERTY = "medlabel.openapi.update";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final String provider;
    private final JsonNode document;

    private OpenApiContract(String provider, JsonNode document) {
        this.provider = provider;
        this.document = document;
    }

    /** The committed document of the provider module {@code module} (a sibling of the consumer's module). */
    public static OpenApiContract of(String module) {
        Path file = committed(Path.of("..", module));
        try {
            return new OpenApiContract(module, JSON.readTree(file.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file.toAbsolutePath(), e);
        }
    }

    /** Where a module commits its internal API document. */
    public static Path committed(Path module) {
        return module.resolve("openapi/internal-api.json");
    }

    /**
     * A provider's check: the document it serves (JSON) is the committed one. With {@code -Dmedlabel.openapi.update=true}
     * the committed file is rewritten instead.
     */
    public static void assertServedIsCommitted(String served) {
        Path file = committed(Path.of("."));
        try {
            JsonNode live = JSON.readTree(served);
            if (Boolean.getBoolean(UPDATE_PROPERTY)) {
                Files.createDirectories(file.getParent());
                Files.writeString(file, JSON.writeValueAsString(live) + "\n");
                return;
            }
            assertTrue(
                    Files.exists(file),
                    file.toAbsolutePath() + " is missing: run the test with -D" + UPDATE_PROPERTY
                            + "=true to write it");
            assertEquals(
                    JSON.readTree(file.toFile()),
                    live,
                    "the internal API changed: review it, then rewrite " + file + " with -D" + UPDATE_PROPERTY
                            + "=true (consumers' contract tests then say who must follow)");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The operation exists (path as the provider declares it, e.g. {@code /images/{id}}). */
    public JsonNode assertOperation(String method, String path) {
        JsonNode operation = document.path("paths").path(path).path(method.toLowerCase());
        assertTrue(operation.isObject(), provider + " has no " + method + " " + path);
        return operation;
    }

    /**
     * The operation exists and its 2xx JSON answer has every field {@code record} reads (recursively into records,
     * lists and maps of records).
     */
    public void assertReads(String method, String path, Class<?> record) {
        JsonNode responses = assertOperation(method, path).path("responses");
        JsonNode schema = null;
        for (Iterator<String> codes = responses.fieldNames(); codes.hasNext(); ) {
            String code = codes.next();
            if (code.startsWith("2")) {
                schema = responses
                        .path(code)
                        .path("content")
                        .path("application/json")
                        .path("schema");
            }
        }
        assertNotNull(schema, provider + " " + method + " " + path + " has no 2xx answer");
        assertFields(method + " " + path, schema, record);
    }

    private void assertFields(String where, JsonNode schema, Type type) {
        JsonNode s = resolve(schema);
        if (type instanceof ParameterizedType p) {
            Class<?> raw = (Class<?>) p.getRawType();
            Type element = p.getActualTypeArguments()[p.getActualTypeArguments().length - 1];
            if (java.util.List.class.isAssignableFrom(raw)) {
                assertEquals("array", s.path("type").asText(), where + ": not an array in " + provider + ": " + s);
                assertFields(where + "[]", s.path("items"), element);
            } else if (java.util.Map.class.isAssignableFrom(raw)) {
                JsonNode values = s.path("additionalProperties");
                assertTrue(values.isObject(), where + ": not a map in " + provider + ": " + s);
                assertFields(where + "{}", values, element);
            }
            return;
        }
        if (!(type instanceof Class<?> c) || !c.isRecord()) {
            return; // a scalar or an untyped value: any schema will do
        }
        if ("array".equals(s.path("type").asText())) {
            assertFields(where + "[]", s.path("items"), c); // a list answer read one element at a time
            return;
        }
        JsonNode properties = s.path("properties");
        for (RecordComponent component : c.getRecordComponents()) {
            // @JsonProperty is not a record-component annotation: Java puts it on the accessor (and field)
            JsonProperty renamed = component.getAccessor().getAnnotation(JsonProperty.class);
            String name = renamed != null ? renamed.value() : component.getName();
            assertTrue(
                    properties.has(name),
                    where + ": " + provider + " answers no field '" + name + "' (read by " + c.getName() + "); it has "
                            + properties.properties().stream()
                                    .map(e -> e.getKey())
                                    .toList());
            assertFields(where + "." + name, properties.path(name), component.getGenericType());
        }
    }

    /** A schema with its {@code $ref} (and a single {@code allOf}) followed. */
    private JsonNode resolve(JsonNode schema) {
        JsonNode s = schema;
        for (int i = 0; i < 10; i++) {
            if (s.has("$ref")) {
                String ref = s.get("$ref").asText();
                s = document.at(ref.substring(1));
            } else if (s.has("allOf") && s.get("allOf").size() == 1) {
                s = s.get("allOf").get(0);
            } else {
                return s;
            }
        }
        return s;
    }
}
