package org.medlabel.training.job;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.medlabel.api.event.JobStatus;

/**
 * A training job as stored. {@code request} is what MONAI Label shows as the task's request: the model and the params
 * as sent; {@code stats} is the model's {@code train_stats} document as of the last finished epoch.
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
        Integer version) {

    /** Started by final labels arriving. */
    public static final String BY_LABELS = "labels";
    /** Started by a user's request. */
    public static final String BY_REQUEST = "request";
}
