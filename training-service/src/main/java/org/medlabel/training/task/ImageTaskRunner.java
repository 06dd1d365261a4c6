package org.medlabel.training.task;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jboss.logging.Logger;
import org.medlabel.platform.datastore.DatastoreClient;
import org.medlabel.training.config.TrainingConfig;
import org.medlabel.training.worker.JobWorker;

/**
 * Runs image tasks in this replica: one image at a time (interactive requests keep their place in the inference
 * queue), each outcome written to the task row before the next image, a stop request honoured after the image in
 * progress. Leases are renewed every heartbeat; a task whose replica died (lease run out), or that this worker held
 * before a restart, is taken over and goes on after the images it already has outcomes for.
 */
@ApplicationScoped
public class ImageTaskRunner {

    private static final Logger LOG = Logger.getLogger(ImageTaskRunner.class);
    private static final int PAGE = 500;
    /** Two kinds, one active task each cluster-wide: two threads never leave a claimed task waiting. */
    private static final int THREADS = 2;

    private final ImageTaskStore store;
    private final DatastoreClient datastore;
    private final InferenceClient inference;
    private final TrainingConfig config;
    private final String worker;
    private final Set<UUID> running = ConcurrentHashMap.newKeySet();
    private ExecutorService threads;
    private ScheduledExecutorService heartbeat;
    private volatile boolean closing;

    public ImageTaskRunner(
            ImageTaskStore store,
            DatastoreClient datastore,
            InferenceClient inference,
            TrainingConfig config,
            JobWorker jobs) {
        this.store = store;
        this.datastore = datastore;
        this.inference = inference;
        this.config = config;
        this.worker = jobs.id();
    }

    String worker() {
        return worker;
    }

    Duration lease() {
        return config.lease();
    }

    void onStart(@Observes StartupEvent event) {
        threads = Executors.newFixedThreadPool(THREADS, r -> daemon(r, "image-task"));
        heartbeat = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "image-task-heartbeat"));
        long every = config.heartbeat().toMillis();
        heartbeat.scheduleWithFixedDelay(this::beat, 0, every, TimeUnit.MILLISECONDS);
    }

    void onStop(@Observes ShutdownEvent event) throws InterruptedException {
        closing = true;
        if (heartbeat != null) {
            heartbeat.shutdownNow();
            threads.shutdownNow();
            threads.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** Runs the task in the background (it must have been inserted for this worker). */
    void submit(UUID id) {
        threads.execute(() -> run(id));
    }

    /** Runs tasks one after another in the background, each ({@code start}) inserted just before it runs. */
    void submitChain(List<Supplier<UUID>> start) {
        threads.execute(() -> {
            for (Supplier<UUID> next : start) {
                UUID id = next.get();
                if (id == null || closing) {
                    return;
                }
                run(id);
            }
        });
    }

    /** Renews this worker's leases and takes over orphaned tasks. */
    private void beat() {
        try {
            store.renew(worker, config.lease());
            for (UUID id : store.orphans(worker)) {
                if (!running.contains(id)) {
                    LOG.infof("taking over image task %s", id);
                    submit(id);
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("image task heartbeat failed (tried again in %s): %s", config.heartbeat(), e.getMessage());
        }
    }

    /** Claims and runs the task to its end (or until this replica stops or loses it). */
    void run(UUID id) {
        if (!running.add(id)) {
            return;
        }
        try {
            ImageTask task = store.claim(id, worker, config.lease()).orElse(null);
            if (task == null) {
                return;
            }
            try {
                finish(task, work(task));
            } catch (RuntimeException e) {
                if (!closing) {
                    LOG.warnf("image task %s failed: %s", id, e.toString());
                    store.end(id, "ERROR", "failed: " + message(e));
                }
            }
        } finally {
            running.remove(id);
        }
    }

    private ImageTaskStore.Next work(ImageTask task) {
        ImageWork work = ImageWork.of(task, datastore, inference);
        List<String> images = task.images();
        if (images == null) {
            images = list(work);
            store.listed(
                    task.id(),
                    images,
                    work.verb() + " " + images.size() + " image(s)"
                            + (task.model() == null ? "" : " with " + task.model()));
        }
        ImageTaskStore.Next next = task.stopRequested() ? ImageTaskStore.Next.STOP : ImageTaskStore.Next.GO_ON;
        for (String image : images) {
            if (next != ImageTaskStore.Next.GO_ON) {
                break;
            }
            if (task.result().containsKey(image)) {
                continue;
            }
            Map<String, Object> outcome;
            String failure = null;
            try {
                outcome = work.perImage().apply(image);
            } catch (Exception e) {
                failure = message(e);
                outcome = Map.of("error", failure);
            }
            if (closing) {
                return ImageTaskStore.Next.LOST; // interrupted by the shutdown: the image is done again after takeover
            }
            next = store.record(task.id(), worker, config.lease(), image, outcome, failure);
        }
        return next;
    }

    private void finish(ImageTask task, ImageTaskStore.Next next) {
        if (next != ImageTaskStore.Next.LOST) {
            store.end(task.id(), next == ImageTaskStore.Next.STOP ? "STOPPED" : "DONE", "finished");
        }
    }

    /** The ids of the datastore images the work covers, page by page in id order. */
    private List<String> list(ImageWork work) {
        List<String> ids = new ArrayList<>();
        String after = null;
        do {
            DatastoreClient.Page page = datastore.view(after, PAGE);
            page.objects().forEach((id, entry) -> {
                if (work.selection().test(entry)) {
                    ids.add(id);
                }
            });
            after = page.nextAfter();
        } while (after != null);
        return ids;
    }

    /** An exception's message, or its class when it has none (a refused connection). */
    private static String message(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
