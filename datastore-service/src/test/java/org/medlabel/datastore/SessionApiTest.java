package org.medlabel.datastore;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.medlabel.datastore.repository.SessionEntity;
import org.medlabel.testinfra.InfraTestResource;

/** Sessions as MONAI Label's /session/: create, read, renew, delete, expire and get swept. */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class SessionApiTest {

    @Test
    void aSessionHoldsTheImageUntilDeleted() throws Exception {
        byte[] ct = Files.readAllBytes(DatastoreApiTest.CT);
        String id = given().multiPart("files", "C:\\scans\\ct.nii.gz", ct)
                .multiPart("params", "{\"series\": \"1.2.3\"}")
                .post("/sessions")
                .then()
                .statusCode(201)
                .body("session_info.image", equalTo("ct.nii.gz"))
                .body("session_info.expiry", equalTo(3600))
                .body("session_info.meta.series", equalTo("1.2.3"))
                .extract()
                .path("session_id");
        assertArrayEquals(ct, given().get("/sessions/{id}/file", id).asByteArray());
        given().get("/sessions/{id}?update_ts=true", id).then().statusCode(200).body("name", equalTo(id));
        given().delete("/sessions/{id}", id).then().statusCode(200);
        given().get("/sessions/{id}", id).then().statusCode(404).body("code", equalTo("SESSION_NOT_FOUND"));
    }

    @Test
    void expiryIsCappedAndExpiredSessionsAreSwept() throws Exception {
        byte[] ct = Files.readAllBytes(DatastoreApiTest.CT);
        given().multiPart("files", "ct.nii.gz", ct)
                .post("/sessions?expiry=999999")
                .then()
                .statusCode(201)
                .body("session_info.expiry", equalTo(3600));
        String id = given().multiPart("files", "ct.nii.gz", ct)
                .post("/sessions?expiry=1")
                .then()
                .statusCode(201)
                .extract()
                .path("session_id");
        Thread.sleep(1500);
        given().get("/sessions/{id}", id).then().statusCode(404);
        for (int i = 0; i < 20 && exists(id); i++) {
            Thread.sleep(500);
        }
        assertEquals(false, exists(id), "the sweeper removes the expired session");
    }

    @Test
    void badSessionsAreRefused() throws Exception {
        byte[] ct = Files.readAllBytes(DatastoreApiTest.CT);
        given().multiPart("params", "{}")
                .post("/sessions")
                .then()
                .statusCode(400)
                .body("detail", containsString("at least one file"));
        given().multiPart("files", "ct.nii.gz", Arrays.copyOf(ct, 1000))
                .post("/sessions")
                .then()
                .statusCode(422);
        given().multiPart("files", "ct.nii.gz", ct)
                .post("/sessions?expiry=-5")
                .then()
                .statusCode(400);
        given().get("/sessions/not-a-uuid").then().statusCode(404).body("code", equalTo("SESSION_NOT_FOUND"));
    }

    private static boolean exists(String id) {
        return QuarkusTransaction.requiringNew().call(() -> SessionEntity.findById(UUID.fromString(id)) != null);
    }
}
