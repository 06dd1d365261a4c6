package org.medlabel.training.run;

import java.util.Map;
import java.util.Optional;
import org.medlabel.ml.runtime.Cancellation;
import org.medlabel.training.job.Job;

/** What a running job sees of its worker: its row, stop requests, its log, and where its epochs are recorded. */
public interface JobContext {

    Job job();

    /** Whether a user asked to stop (read from the job table at each heartbeat). */
    boolean stopRequested();

    /**
     * Stops the job's network passes when its worker shuts down: a pass in progress ends between operators, later ones
     * fail at once, so the worker can hand the job back before the process exits (never inside a native call).
     */
    default Cancellation cancellation() {
        return Cancellation.NONE;
    }

    /** A line for the job's {@code details} (the last few are kept) and the service log. */
    void log(String line);

    /** Where a resumed job left off; empty for a fresh one. */
    Optional<Resume> resume();

    /**
     * Records a finished epoch: its checkpoint, the stats, and publishes the best model when this epoch improved it.
     * Fails when the job is no longer this worker's (another worker took it over after a lost lease): nothing more is
     * recorded.
     */
    void epochDone(Epoch epoch);

    /**
     * The state to resume from: the last finished epoch, its checkpoint, and the best metric so far (its model was
     * published when it was reached; {@code bestEpoch} 0 is the version the job started from).
     */
    record Resume(int epoch, int baseVersion, byte[] checkpoint, double bestMetric, int bestEpoch) {}

    /** One finished epoch. {@code best} (the model to publish) is null unless this epoch improved the best metric. */
    record Epoch(
            int epoch,
            int baseVersion,
            byte[] checkpoint,
            byte[] best,
            double bestMetric,
            int bestEpoch,
            double loss,
            Double dice,
            Map<String, Object> stats) {}
}
