package org.medlabel.inference.model;

import org.junit.jupiter.api.Test;
import org.medlabel.testinfra.OpenApiContract;

/** The model-version door as inference calls it, against the training service's committed internal API document. */
class TrainingContractTest {

    @Test
    void anImportReadsTheVersionTrainingAnswers() {
        OpenApiContract.of("training-service")
                .assertReads("POST", "/models/{model}/versions", ModelVersions.Stored.class);
    }
}
