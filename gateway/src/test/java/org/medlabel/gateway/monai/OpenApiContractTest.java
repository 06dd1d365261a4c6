package org.medlabel.gateway.monai;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.medlabel.gateway.StubServices;

/**
 * The committed snapshot {@code api/openapi/openapi.yaml} is what {@code /q/openapi} serves, and it describes exactly
 * the routes the gateway has: a route added without its documentation, or documentation of a route that is gone,
 * fails here (and the generated Java client is built from the same snapshot). Each operation's
 * {@code x-monailabel-role} is the role the gateway checks for it.
 */
@QuarkusTest
@WithTestResource(StubServices.class)
class OpenApiContractTest {

    private static final Path SNAPSHOT = Path.of("../api/openapi/openapi.yaml");
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "head", "patch", "options");

    @Inject
    ApiRouter router;

    @Test
    void theServedDocumentIsTheSnapshot() throws IOException {
        JsonNode snapshot = new ObjectMapper(new YAMLFactory()).readTree(SNAPSHOT.toFile());
        String served = given().queryParam("format", "json")
                .get("/q/openapi")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertEquals(snapshot, new ObjectMapper().readTree(served), "the served document drifted from " + SNAPSHOT);
    }

    @Test
    void everyRouteIsDocumentedAndEveryDocumentedOperationIsRouted() throws IOException {
        JsonNode paths =
                new ObjectMapper(new YAMLFactory()).readTree(SNAPSHOT.toFile()).path("paths");
        Map<String, String> documented = new TreeMap<>();
        paths.fields()
                .forEachRemaining(path -> path.getValue().fields().forEachRemaining(operation -> {
                    if (METHODS.contains(operation.getKey())) {
                        documented.put(
                                operation.getKey().toUpperCase() + " "
                                        + path.getKey().replaceAll("\\{([^}]+)}", ":$1"),
                                operation.getValue().path("x-monailabel-role").asText());
                    }
                }));
        Map<String, String> routed = new TreeMap<>();
        router.routes()
                .forEach((route, access) -> routed.put(route, access.name().toLowerCase()));
        assertEquals(documented, routed);
    }
}
