package org.medlabel.platform.datastore;

import org.junit.jupiter.api.Test;
import org.medlabel.testinfra.OpenApiContract;

/**
 * The shared datastore client against the datastore's committed internal API document: every call it makes exists,
 * and every field its records read is in the answer (a renamed field in the datastore fails this build).
 */
class DatastoreContractTest {

    private final OpenApiContract datastore = OpenApiContract.of("datastore-service");

    @Test
    void everyReadFieldIsInTheDatastoresAnswers() {
        datastore.assertReads("GET", "/images/{id}", DatastoreClient.Image.class);
        datastore.assertReads("GET", "/sessions/{id}", DatastoreClient.Session.class);
        datastore.assertReads("GET", "/datalist", DatastoreClient.Case.class);
        datastore.assertReads("GET", "/view", DatastoreClient.Page.class);
    }

    @Test
    void everyCalledOperationExists() {
        datastore.assertOperation("GET", "/images/{id}/file");
        datastore.assertOperation("GET", "/sessions/{id}/file");
        datastore.assertOperation("GET", "/images/{id}/labels/{tag}/file");
        datastore.assertOperation("PUT", "/images/{id}/labels/{tag}");
        datastore.assertOperation("POST", "/images/{id}/scores/dice");
        datastore.assertOperation("POST", "/images/{id}/scores/sum");
        datastore.assertOperation("PUT", "/images/{id}/info");
    }
}
