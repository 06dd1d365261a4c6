package org.medlabel.datastore.dicomweb;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;
import org.medlabel.datastore.config.DatastoreConfig;
import org.medlabel.datastore.error.DatastoreException;

/**
 * When a DICOMweb datastore reads its PACS: every {@code refresh} (MONAI Label caches its list 2 h, so new series
 * stay invisible that long: its issue 944), and at once when a client asks for the images (stats, the datastore view,
 * a next sample) and the last read is older than {@code on-demand-after}. A read lists the series (fetching new ones),
 * then imports new SEG series as labels. One read at a time; a client never waits for another's read.
 */
@ApplicationScoped
public class PacsSync {

    private static final Logger LOG = Logger.getLogger(PacsSync.class);

    private final PacsImages images;
    private final PacsSegmentations segmentations;
    private final long onDemandAfterNanos;
    private final ReentrantLock reading = new ReentrantLock();
    /** When the PACS was last read (System.nanoTime), 0 before the first read. */
    private volatile long lastRead;

    public PacsSync(PacsImages images, PacsSegmentations segmentations, DatastoreConfig config) {
        this.images = images;
        this.segmentations = segmentations;
        this.onDemandAfterNanos = config.dicomweb().onDemandAfter().toNanos();
    }

    @Scheduled(
            every = "${medlabel.datastore.dicomweb.refresh:30s}",
            delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refresh() {
        if (!images.enabled()) {
            return;
        }
        reading.lock();
        try {
            read();
        } finally {
            reading.unlock();
        }
    }

    /** Reads the PACS again for a client asking for the images, unless it was read lately or is being read now. */
    public void refreshOnDemand() {
        if (!images.enabled()
                || (lastRead != 0 && System.nanoTime() - lastRead < onDemandAfterNanos)
                || !reading.tryLock()) {
            return;
        }
        try {
            read();
        } finally {
            reading.unlock();
        }
    }

    /** A PACS that cannot be reached leaves the stored images and labels to be served. */
    private void read() {
        lastRead = System.nanoTime();
        try {
            int fetched = images.sync();
            int imported = segmentations.importFromPacs();
            if (fetched + imported > 0) {
                LOG.infof("PACS: %d new series fetched, %d SEG series imported as final labels", fetched, imported);
            }
        } catch (DatastoreException e) {
            LOG.warnf("PACS: not read (the stored images and labels are served): %s", e.getMessage());
        }
    }
}
