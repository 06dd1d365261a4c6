package org.medlabel.inference;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.medlabel.testinfra.OperationalEndpoints.assertReadyWith;
import static org.medlabel.testinfra.OperationalEndpoints.assertServesMetrics;
import static org.medlabel.testinfra.OperationalEndpoints.assertServesOpenApi;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.medlabel.testinfra.InfraTestResource;

@QuarkusTest
@WithTestResource(InfraTestResource.class)
class InferenceOperationsTest {

    @Test
    void readyWithKafkaTheObjectStoreAndOnnxRuntime() {
        assertReadyWith("kafka", "object-store", "onnxruntime");
    }

    @Test
    void readinessNamesTheExecutionProviders() {
        given().when()
                .get("/q/health/ready")
                .then()
                .body("checks.find { it.name == 'onnxruntime' }.data.providers", containsString("CPU"));
    }

    @Test
    void servesOpenApiAndMetrics() {
        assertServesOpenApi("MedLabel inference-service");
        assertServesMetrics();
    }
}
