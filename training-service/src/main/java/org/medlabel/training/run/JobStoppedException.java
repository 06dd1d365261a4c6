package org.medlabel.training.run;

/** The job ends because a user asked it to stop, or because another worker owns it now. */
public final class JobStoppedException extends RuntimeException {

    private final boolean leaseLost;

    public JobStoppedException(String message, boolean leaseLost) {
        super(message);
        this.leaseLost = leaseLost;
    }

    /** True when the job was taken over by another worker (this one must not touch it any more). */
    public boolean leaseLost() {
        return leaseLost;
    }
}
