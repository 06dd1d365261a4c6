package org.medlabel.training.job;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.medlabel.api.event.JobStatus;

/**
 * A training job as stored. {@code request} is what MONAI Label shows as the task's request: the model and the params
 * as sent; {@code stats} is the model's {@code train_stats} document as of the last finished epoch; {@code version} is
 * the best version the job published so far; {@code reason} says why it is PAUSED (or was stopped by something other
 * than a user). A RUNNING row whose worker stopped renewing its lease reads as PAUSED: it runs nowhere.
 */
public record Job(
        UUID id,
        String model,
        JobStatus status,
        String trigger,
        Map<String, Object> request,
        Instant createdAt,
        Instant startTs,
        Instant endTs,
        String worker,
        int attempts,
        boolean stopRequested,
        Integer baseVersion,
        int epoch,
        int totalEpochs,
        Double bestMetric,
        Integer bestEpoch,
        Map<String, Object> stats,
        List<String> details,
        String error,
        Integer version,
        String reason) {

    /** Started by final labels arriving. */
    public static final String BY_LABELS = "labels";
    /** Started by a user's request. */
    public static final String BY_REQUEST = "request";

    public boolean byUser() {
        return BY_REQUEST.equals(trigger);
    }
}
