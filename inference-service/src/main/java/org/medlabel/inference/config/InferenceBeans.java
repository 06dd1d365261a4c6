package org.medlabel.inference.config;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.medlabel.app.config.AppDefinition;
import org.medlabel.app.config.AppLoader;
import org.medlabel.imaging.transform.Parallel;
import org.medlabel.inference.model.ModelVersions;
import org.medlabel.inference.volume.DatastoreClientConfig;
import org.medlabel.ml.runtime.Device;
import org.medlabel.ml.runtime.SessionManager;
import org.medlabel.platform.datastore.DatastoreClient;
import org.medlabel.platform.security.InternalIdentity;

/** The service's plain (non-CDI) collaborators, built once from its configuration (singletons: final types). */
@ApplicationScoped
public class InferenceBeans {

    @Produces
    @Singleton
    AppDefinition app(InferenceConfig config) {
        return AppLoader.load(config.app());
    }

    @Produces
    @Singleton
    SessionManager sessions(InferenceConfig config) {
        return new SessionManager(
                new SessionManager.Config(Device.parse(config.device()), config.threadsPerWorker(), 1));
    }

    void close(@Disposes SessionManager sessions) throws Exception {
        sessions.close();
    }

    /** The one door to the datastore (images and sessions to infer on). */
    @Produces
    @Singleton
    DatastoreClient datastore(DatastoreClientConfig config, InternalIdentity identity) {
        return new DatastoreClient(DatastoreClientConfig.settings(config, identity));
    }

    /** The training service's door for new model versions (imports). */
    @Produces
    @Singleton
    ModelVersions modelVersions(TrainingClientConfig config, InternalIdentity identity) {
        return new ModelVersions(TrainingClientConfig.settings(config, identity));
    }

    /** Threads for the imaging steps of one request: the same share of the cores as ONNX Runtime gets. */
    @Produces
    @Singleton
    Parallel parallel(InferenceConfig config) {
        return Parallel.threads(config.threadsPerWorker());
    }
}
