package org.medlabel.training.run;

/** A job whose training step would need more memory than the worker may use: it ends ERROR before it runs. */
public final class MemoryBudgetExceededException extends IllegalStateException {

    public MemoryBudgetExceededException(String message) {
        super(message);
    }
}
