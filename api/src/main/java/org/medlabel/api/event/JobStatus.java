package org.medlabel.api.event;

/** Life cycle of a training job, in MONAI Label's task vocabulary (its {@code status} strings, exactly). */
public enum JobStatus {
    SUBMITTED,
    RUNNING,
    DONE,
    ERROR,
    STOPPED;

    /** Whether the job can no longer change. */
    public boolean isTerminal() {
        return this == DONE || this == ERROR || this == STOPPED;
    }
}
