package org.medlabel.training.trigger;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;
import org.medlabel.api.event.EventCodec;
import org.medlabel.api.event.LabelSaved;
import org.medlabel.api.event.TrainRequested;
import org.medlabel.training.job.InvalidTrainRequestException;
import org.medlabel.training.job.Job;
import org.medlabel.training.job.JobConflictException;
import org.medlabel.training.job.JobService;
import org.medlabel.training.job.UnknownModelException;

/**
 * What starts jobs without a REST call: final labels ({@code medlabel.labels}), users' train requests relayed as
 * events ({@code medlabel.train.requests}), and a periodic check for labels that waited out their quiet interval or
 * piled up while a job ran. Every worker consumes in one group, so each event is handled once, and the job table
 * remembers handled event ids, so a redelivered event starts nothing.
 */
@ApplicationScoped
public class EventTriggers {

    private static final Logger LOG = Logger.getLogger(EventTriggers.class);

    private final JobService jobs;
    private final EventCodec codec = new EventCodec();

    public EventTriggers(JobService jobs) {
        this.jobs = jobs;
    }

    @Incoming("labels")
    @Blocking
    public void onLabel(String json) {
        LabelSaved event = decode(json, LabelSaved.class);
        if (event == null || !LabelSaved.FINAL_TAG.equals(event.tag())) {
            return;
        }
        started(jobs.labelSaved(event.meta().eventId(), event.scope()), "final label of image " + event.imageId());
    }

    @Incoming("train-requests")
    @Blocking
    public void onTrainRequest(String json) {
        TrainRequested event = decode(json, TrainRequested.class);
        if (event == null) {
            return;
        }
        try {
            started(
                    jobs
                            .submit(
                                    event.model(),
                                    event.params(),
                                    event.enqueue(),
                                    event.meta().eventId(),
                                    null)
                            .stream()
                            .toList(),
                    "train request");
        } catch (InvalidTrainRequestException | JobConflictException | UnknownModelException e) {
            LOG.warnf("train request %s for %s refused: %s", event.meta().eventId(), event.model(), e.getMessage());
        }
    }

    @Scheduled(
            every = "${medlabel.training.trigger-check-every:5s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void startDue() {
        try {
            started(jobs.startDue(), "pending labels");
        } catch (RuntimeException e) {
            LOG.debugf("pending-label check skipped: %s", e.getMessage());
        }
    }

    /** The event, or null (logged) when it cannot be read: one bad record must not stop the stream. */
    private <E extends org.medlabel.api.event.Event> E decode(String json, Class<E> type) {
        try {
            return codec.fromJson(json, type);
        } catch (RuntimeException e) {
            LOG.warnf("ignoring a malformed %s event: %s", type.getSimpleName(), e.getMessage());
            return null;
        }
    }

    private static void started(List<Job> jobs, String cause) {
        jobs.forEach(j -> LOG.infof("job %s submitted for %s (%s)", j.id(), j.model(), cause));
    }
}
