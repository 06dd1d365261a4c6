package org.medlabel.api.event;

/** Life cycle of a training job, in MONAI Label's vocabulary. */
public enum JobStatus {
    QUEUED,
    RUNNING,
    DONE,
    FAILED,
    STOPPED;

    /** Whether the job can no longer change. */
    public boolean isTerminal() {
        return this == DONE || this == FAILED || this == STOPPED;
    }
}
