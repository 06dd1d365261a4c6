package org.medlabel.training.run;

/**
 * The job ends or pauses: a user asked it to stop, another worker owns it now, or it gives its worker to a user's job.
 */
public final class JobStoppedException extends RuntimeException {

    /** Why the job left its worker. */
    public enum Kind {
        /** A user asked it to stop: it ends STOPPED. */
        STOPPED,
        /** Another worker took it over: this one must not touch it any more. */
        LEASE_LOST,
        /** A user's job waits for this worker: the job pauses and resumes from its checkpoint later. */
        YIELDED
    }

    private final Kind kind;

    public JobStoppedException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
