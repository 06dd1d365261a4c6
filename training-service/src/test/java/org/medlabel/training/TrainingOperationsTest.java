package org.medlabel.training;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.medlabel.testinfra.DatabaseServiceOperationsContract;
import org.medlabel.testinfra.InfraTestResource;

@QuarkusTest
@WithTestResource(InfraTestResource.class)
class TrainingOperationsTest extends DatabaseServiceOperationsContract {

    @Override
    protected String schema() {
        return "training";
    }

    @Override
    protected String openApiTitle() {
        return "MedLabel training-service";
    }
}
