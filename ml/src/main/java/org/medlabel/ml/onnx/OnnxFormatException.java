package org.medlabel.ml.onnx;

import java.io.IOException;

/** A file that is not a valid ONNX model, or whose external data cannot be found or trusted. */
public class OnnxFormatException extends IOException {
    public OnnxFormatException(String message) {
        super(message);
    }

    public OnnxFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
