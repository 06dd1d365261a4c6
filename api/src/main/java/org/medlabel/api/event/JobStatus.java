package org.medlabel.api.event;

/**
 * Life cycle of a training job, in MONAI Label's task vocabulary (its {@code status} strings, exactly), plus
 * {@code PAUSED}: a job that is not running now but will resume from its last checkpoint (it waits out an outage, gave
 * its worker to a user's job, or lost its worker). MONAI Label's clients treat any status but {@code RUNNING} as "not
 * running", which is what a paused job is.
 */
public enum JobStatus {
    SUBMITTED,
    RUNNING,
    PAUSED,
    DONE,
    ERROR,
    STOPPED;

    /** Whether the job can no longer change. */
    public boolean isTerminal() {
        return this == DONE || this == ERROR || this == STOPPED;
    }
}
