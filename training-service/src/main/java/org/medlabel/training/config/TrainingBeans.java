package org.medlabel.training.config;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;
import org.medlabel.app.config.AppDefinition;
import org.medlabel.app.config.AppLoader;
import org.medlabel.ml.runtime.Device;
import org.medlabel.ml.runtime.HugePages;
import org.medlabel.ml.runtime.SessionManager;
import org.medlabel.platform.datastore.DatastoreClient;
import org.medlabel.platform.http.ServiceHttp;
import org.medlabel.platform.security.InternalIdentity;
import org.medlabel.training.task.InferenceClient;

/** The app every job trains from and the ONNX Runtime settings of a training session. */
public class TrainingBeans {

    private static final Logger LOG = Logger.getLogger(TrainingBeans.class);

    @Produces
    @Singleton
    AppDefinition app(TrainingConfig config) {
        return AppLoader.load(config.app());
    }

    /** The one door to the datastore (the datalist and the cases' files). */
    @Produces
    @Singleton
    DatastoreClient datastore(TrainingConfig config, InternalIdentity identity) {
        TrainingConfig.Datastore d = config.datastore();
        return new DatastoreClient(
                new ServiceHttp.Settings("datastore", d.url(), d.connectTimeout(), d.readTimeout(), identity));
    }

    @Produces
    @Singleton
    InferenceClient inference(TrainingConfig config, InternalIdentity identity) {
        TrainingConfig.Inference i = config.inference();
        return new InferenceClient(
                new ServiceHttp.Settings("inference", i.url(), i.connectTimeout(), i.readTimeout(), identity));
    }

    @Produces
    @Singleton
    TrainingSessions sessions(TrainingConfig config) {
        int threads = config.intraOpThreads().orElse(Runtime.getRuntime().availableProcessors());
        boolean hugePages = HugePages.mallocUsesThem();
        LOG.infof(
                "training sessions: %d threads, CPU arena %s, malloc on huge pages: %s",
                threads, config.cpuArena() ? "on" : "off", hugePages ? "yes" : "no (GLIBC_TUNABLES)");
        if (!config.cpuArena() && !hugePages) {
            LOG.warn("medlabel.training.cpu-arena=false without huge pages: every large value of a training step faults"
                    + " in 4 KB at a time (~3x slower steps); start the service with"
                    + " GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (glibc 2.35+) or keep the arena on");
        }
        return new TrainingSessions(
                new SessionManager.Config(Device.parse(config.device()), threads, 1).withCpuArena(config.cpuArena()),
                hugePages);
    }
}
