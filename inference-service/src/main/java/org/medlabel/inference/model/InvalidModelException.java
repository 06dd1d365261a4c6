package org.medlabel.inference.model;

/** An ONNX file that cannot serve as a version of the model (422). */
public final class InvalidModelException extends RuntimeException {

    public InvalidModelException(String message) {
        super(message);
    }
}
