package org.medlabel.testinfra;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import io.restassured.http.ContentType;

/** Assertions on the endpoints every service serves for operators: readiness, OpenAPI and Prometheus metrics. */
public final class OperationalEndpoints {

    private OperationalEndpoints() {}

    /** Readiness is UP and includes (at least) the named checks, each UP. */
    public static void assertReadyWith(String... checks) {
        var response = given().when()
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItems(checks));
        for (String check : checks) {
            response.body("checks.find { it.name == '" + check + "' }.status", equalTo("UP"));
        }
    }

    /** The OpenAPI document is served, as JSON, with the service's title. */
    public static void assertServesOpenApi(String title) {
        given().accept(ContentType.JSON)
                .when()
                .get("/q/openapi")
                .then()
                .statusCode(200)
                .body("openapi", containsString("3."))
                .body("info.title", equalTo(title));
    }

    /** Prometheus metrics are served in the text format, with the JVM and process metrics. */
    public static void assertServesMetrics() {
        given().when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("jvm_memory_used_bytes"))
                .body(containsString("process_uptime_seconds"));
    }
}
