package org.medlabel.training.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** The training worker's settings; environment overrides as {@code MEDLABEL_TRAINING_*}. */
@ConfigMapping(prefix = "medlabel.training")
public interface TrainingConfig {

    /** The app: a shipped one by name ({@code radiology}) or a YAML file; the same one inference serves. */
    @WithDefault("radiology")
    String app();

    /** Where training runs: {@code cpu}, {@code cuda:N} or {@code auto}. */
    @WithDefault("cpu")
    String device();

    /** ONNX Runtime threads for a training step (default: every core). */
    Optional<Integer> intraOpThreads();

    /** Whether this replica runs jobs (false: it only serves the API and consumes events). */
    @WithDefault("true")
    boolean workerEnabled();

    /** This worker's name in the job table (default: host name and a random suffix). */
    Optional<String> workerId();

    /** How long a claimed job stays this worker's without a heartbeat; a killed worker's job is taken over after it. */
    @WithDefault("60s")
    Duration lease();

    /** How often a running job renews its lease and reads stop requests. */
    @WithDefault("5s")
    Duration heartbeat();

    /**
     * How long a user's job waits for an idle worker before a running automatic job (started by labels) pauses to give
     * it its worker; the automatic job resumes from its last checkpoint afterwards.
     */
    @WithDefault("10s")
    Duration yieldAfter();

    /** How often an idle worker looks for a job to claim. */
    @WithDefault("2s")
    Duration poll();

    /** How often pending labels are checked against their threshold and quiet interval. */
    @WithDefault("5s")
    Duration triggerCheckEvery();

    /** How often stored versions whose {@code ModelPublished} Kafka has not acknowledged are sent again. */
    @WithDefault("15s")
    Duration republishEvery();

    /**
     * How long a job waits after an outage of something it needs (the datastore, the object store, the database)
     * before it is tried again; it waits as long as the outage lasts (stop it to give up).
     */
    @WithDefault("15s")
    Duration outageRetry();

    /** How often a job is taken over after its worker vanished before it gives up as ERROR. */
    @WithDefault("3")
    int maxAttempts();

    /**
     * ONNX Runtime's CPU arena for training steps (on by default). Off, each value is freed after its last reader: a
     * lower peak for the DeepGrow networks (deepgrow_2d's 16 x 256²: 5.7 → 4.9 GB; deepgrow_3d: 17.0 → 14.2 GB) but a
     * higher one for segmentation_spleen's 3-D crops (1.6 → 2.1 GB), and slower; only with
     * {@link org.medlabel.ml.runtime.HugePages huge pages} (the launchers set
     * {@code GLIBC_TUNABLES=glibc.malloc.hugetlb=1}), else 3x slower. bench/RESULTS.md 2026-12-07. An app model's
     * {@code training.cpuArena} overrides it ({@link TrainingSessions}): the radiology click models train without.
     */
    @WithDefault("true")
    boolean cpuArena();

    /** Bytes of pre-processed volumes a job keeps in memory; beyond them cases are re-read each epoch. */
    @WithDefault("1073741824")
    long cacheBytes();

    /**
     * Native memory (bytes) a training step may need, by the estimate made before a job builds its graph; a job over
     * it ends ERROR saying so, and the model's automatic jobs stop until the service restarts. Default: half of the
     * memory this process may use (the machine's, or the container's limit).
     */
    Optional<Long> memoryBudget();

    /** The most voxels an image or label may have (checked from its header before its voxels are read). */
    @WithDefault("268435456")
    long maxVoxels();

    /** Lines of log kept per job (MONAI Label's task {@code details}). */
    @WithDefault("20")
    int detailLines();

    Datastore datastore();

    /** The inference service, for batch inference and epistemic scoring. */
    Inference inference();

    /**
     * MONAI Label's {@code MONAI_LABEL_AUTO_UPDATE_SCORING}: after each next sample and when a new segmentation model
     * version is served, re-score in the background the unlabeled images whose epistemic score is missing or from
     * another version (off by default: each score is several network passes on the workers annotators wait on).
     */
    @WithDefault("false")
    boolean scoringAutoUpdate();

    /** The datastore-service, for the training datalist. */
    interface Datastore {
        @WithDefault("http://127.0.0.1:8081")
        URI url();

        @WithDefault("2s")
        Duration connectTimeout();

        @WithDefault("30s")
        Duration readTimeout();
    }

    interface Inference {
        @WithDefault("http://127.0.0.1:8082")
        URI url();

        @WithDefault("2s")
        Duration connectTimeout();

        /** One image's inference or epistemic score, queue wait included. */
        @WithDefault("10m")
        Duration readTimeout();
    }
}
