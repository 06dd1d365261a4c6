package org.medlabel.gateway.health;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.medlabel.gateway.StubServices;
import org.medlabel.testinfra.ServiceOperationsContract;

@QuarkusTest
@WithTestResource(StubServices.class)
class ServicesHealthCheckTest extends ServiceOperationsContract {

    private static final String SERVICES = "checks.find { it.name == 'services' }";

    @Override
    protected String[] readinessChecks() {
        return new String[] {"services"};
    }

    @Override
    protected String openApiTitle() {
        return "MedLabel gateway";
    }

    @AfterEach
    void restore() {
        StubServices.reset();
    }

    @Test
    void reportsEveryServiceAsUpWhenAllAreReady() {
        given().when()
                .get("/q/health/ready")
                .then()
                .body(SERVICES + ".data.datastore", equalTo("UP"))
                .body(SERVICES + ".data.inference", equalTo("UP"))
                .body(SERVICES + ".data.training", equalTo("UP"));
    }

    @Test
    void notReadyAndNamesTheServiceThatIsNot() {
        StubServices.ANSWERS.put("inference", 503);
        given().when()
                .get("/q/health/ready")
                .then()
                .statusCode(503)
                .body("status", equalTo("DOWN"))
                .body(SERVICES + ".status", equalTo("DOWN"))
                .body(SERVICES + ".data.inference", equalTo("DOWN (HTTP 503: kafka, onnxruntime)"))
                .body(SERVICES + ".data.datastore", equalTo("UP"));
    }

    @Test
    void aHangingServiceCountsAsDownAfterTheTimeout() {
        StubServices.ANSWERS.put("training", -5_000);
        given().when()
                .get("/q/health/ready")
                .then()
                .statusCode(503)
                .body(SERVICES + ".data.training", startsWith("DOWN (HttpTimeoutException"))
                .time(lessThan(4L), TimeUnit.SECONDS);
    }
}
