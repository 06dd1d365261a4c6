package org.medlabel.datastore;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.medlabel.testinfra.DatabaseServiceOperationsContract;
import org.medlabel.testinfra.InfraTestResource;

@QuarkusTest
@WithTestResource(InfraTestResource.class)
class DatastoreOperationsTest extends DatabaseServiceOperationsContract {

    @Override
    protected String schema() {
        return "datastore";
    }

    @Override
    protected String openApiTitle() {
        return "MedLabel datastore-service";
    }
}
