package org.medlabel.training.task;

import org.junit.jupiter.api.Test;
import org.medlabel.testinfra.OpenApiContract;

/** The image tasks' calls to inference, against the inference service's committed internal API document. */
class InferenceContractTest {

    @Test
    void everyCallExistsAndEveryReadFieldIsAnswered() {
        OpenApiContract inference = OpenApiContract.of("inference-service");
        inference.assertReads("GET", "/models", InferenceClient.Models.class);
        inference.assertOperation("POST", "/infer/{model}");
        inference.assertOperation("POST", "/scoring/{model}/epistemic");
    }
}
