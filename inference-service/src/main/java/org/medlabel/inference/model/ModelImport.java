package org.medlabel.inference.model;

import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;

/**
 * MONAI Label's {@code PUT /model/{model}}: a user's model file (ONNX, PyTorch checkpoint, TorchScript) checked and
 * converted here (this service has the networks and ONNX Runtime), numbered and announced by the training service (so
 * imported and trained versions never collide and every announcement is durable), then served by this replica at
 * once; the others switch when the announcement reaches them.
 */
@ApplicationScoped
public class ModelImport {

    private final ModelRegistry registry;
    private final ModelVersions versions;

    public ModelImport(ModelRegistry registry, ModelVersions versions) {
        this.registry = registry;
        this.versions = versions;
    }

    /**
     * Imports the file (the upload, spooled to disk) as the model's next version, recorded as {@code user}'s import
     * (null when auth is off); returns the version.
     */
    public int importModel(String model, Path file, String user) {
        byte[] onnx = registry.checkImport(model, file);
        int version = versions.store(model, onnx, user);
        registry.serveImported(model, version, onnx);
        return version;
    }
}
