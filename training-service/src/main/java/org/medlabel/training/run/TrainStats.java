package org.medlabel.training.run;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** MONAI Label's {@code train_stats} document for a finished epoch. */
final class TrainStats {

    private TrainStats() {}

    static Map<String, Object> of(
            int epoch,
            int totalEpochs,
            long iterations,
            Instant start,
            Instant now,
            boolean finished,
            double loss,
            double dice,
            double best,
            int bestEpoch) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("rank", 0);
        s.put("current_epoch", epoch);
        s.put("current_iteration", iterations);
        s.put("total_epochs", totalEpochs);
        s.put("epoch", epoch);
        s.put("start_ts", start.getEpochSecond());
        s.put(finished ? "total_time" : "current_time", hms(Duration.between(start, now)));
        s.put("best_metric", best);
        s.put("train", Map.of("metrics", Map.of("train_loss", loss), "key_metric_name", "train_loss"));
        Map<String, Object> eval = new LinkedHashMap<>();
        eval.put("metrics", Map.of("val_mean_dice", dice));
        eval.put("key_metric_name", "val_mean_dice");
        eval.put("best_metric", best);
        eval.put("best_metric_epoch", bestEpoch);
        s.put("eval", eval);
        return s;
    }

    private static String hms(Duration d) {
        long seconds = Math.max(0, d.getSeconds());
        return String.format("%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }
}
