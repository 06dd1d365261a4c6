package org.medlabel.inference;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.medlabel.testinfra.InfraTestResource;
import org.medlabel.testinfra.ServiceOperationsContract;

@QuarkusTest
@WithTestResource(InfraTestResource.class)
class InferenceOperationsTest extends ServiceOperationsContract {

    @Override
    protected String[] readinessChecks() {
        return new String[] {"kafka", "object-store", "onnxruntime", "models"};
    }

    @Override
    protected String openApiTitle() {
        return "MedLabel inference-service";
    }

    @Test
    void readinessNamesTheExecutionProviders() {
        given().when()
                .get("/q/health/ready")
                .then()
                .body("checks.find { it.name == 'onnxruntime' }.data.providers", containsString("CPU"));
    }
}
