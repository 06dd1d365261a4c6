package org.medlabel.testinfra;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

/**
 * What every MedLabel service serves for operators: readiness that names its real dependencies, the OpenAPI document
 * and Prometheus metrics. A service's {@code @QuarkusTest} extends this and says which checks and title it has.
 */
public abstract class ServiceOperationsContract {

    /** The readiness checks the service must report, each UP when its dependencies are. */
    protected abstract String[] readinessChecks();

    /** The title of the service's OpenAPI document. */
    protected abstract String openApiTitle();

    @Test
    void readyWithItsDependencies() {
        var response = given().when()
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItems(readinessChecks()));
        for (String check : readinessChecks()) {
            response.body("checks.find { it.name == '" + check + "' }.status", equalTo("UP"));
        }
    }

    @Test
    void servesItsOpenApiDocument() {
        given().accept(ContentType.JSON)
                .when()
                .get("/q/openapi")
                .then()
                .statusCode(200)
                .body("openapi", containsString("3."))
                .body("info.title", equalTo(openApiTitle()));
    }

    @Test
    void servesPrometheusMetrics() {
        given().when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("jvm_memory_used_bytes"))
                .body(containsString("process_uptime_seconds"));
    }
}
