package org.medlabel.training.config;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.medlabel.app.config.AppDefinition;
import org.medlabel.app.config.AppLoader;
import org.medlabel.ml.runtime.Device;
import org.medlabel.ml.runtime.SessionManager;
import org.medlabel.platform.datastore.DatastoreClient;
import org.medlabel.platform.http.ServiceHttp;
import org.medlabel.platform.security.InternalIdentity;
import org.medlabel.training.task.InferenceClient;

/** The app every job trains from and the ONNX Runtime settings of a training session. */
public class TrainingBeans {

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
    SessionManager.Config sessions(TrainingConfig config) {
        int threads = config.intraOpThreads().orElse(Runtime.getRuntime().availableProcessors());
        return new SessionManager.Config(Device.parse(config.device()), threads, 1);
    }
}
