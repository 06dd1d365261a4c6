package org.medlabel.training;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import javax.sql.DataSource;
import org.medlabel.imaging.synthetic.Phantoms;
import org.medlabel.training.job.Job;
import org.medlabel.training.job.JobStore;

/** Test fixtures: phantom cases served as the datastore serves them, a clean job table, a job awaited. */
public final class TrainingData {

    public static final int SIZE = 40;

    private TrainingData() {}

    /** Lists phantom {@code seed} (image and final label) in the fake datastore. */
    public static void addPhantom(long seed) {
        Phantoms.Phantom p = Phantoms.make(SIZE, seed);
        FakeDatastore.add("phantom_" + seed, p.image(), p.label());
    }

    /** Forgets every job, version, label count and handled event (the tests share one database). */
    public static void reset(DataSource dataSource) throws Exception {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            c.setAutoCommit(true);
            s.execute("TRUNCATE training.model_versions, training.jobs, training.label_triggers,"
                    + " training.processed_events");
        }
        FakeDatastore.clear();
    }

    /** Job {@code id} once it ended, or as it is after {@code limit}. */
    public static Job awaitEnd(JobStore store, UUID id, Duration limit) throws InterruptedException {
        Instant deadline = Instant.now().plus(limit);
        Job job = store.get(id).orElseThrow();
        while (!job.status().isTerminal() && Instant.now().isBefore(deadline)) {
            Thread.sleep(500);
            job = store.get(id).orElseThrow();
        }
        return job;
    }
}
