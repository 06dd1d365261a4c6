package org.medlabel.ml.torch;

import java.io.IOException;

/** A file that is not a PyTorch checkpoint or TorchScript archive this reader accepts, with the reason. */
public class CheckpointFormatException extends IOException {
    public CheckpointFormatException(String message) {
        super(message);
    }

    public CheckpointFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
