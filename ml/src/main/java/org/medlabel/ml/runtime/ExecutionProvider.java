package org.medlabel.ml.runtime;

/** Where ONNX Runtime executes a graph. Only the providers MedLabel configures are listed. */
public enum ExecutionProvider {
    CUDA,
    CPU
}
