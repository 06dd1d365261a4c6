package org.medlabel.training.config;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.medlabel.app.config.AppDefinition;
import org.medlabel.app.config.AppLoader;
import org.medlabel.ml.runtime.Device;
import org.medlabel.ml.runtime.SessionManager;

/** The app every job trains from and the ONNX Runtime settings of a training session. */
public class TrainingBeans {

    @Produces
    @Singleton
    AppDefinition app(TrainingConfig config) {
        return AppLoader.load(config.app());
    }

    @Produces
    @Singleton
    SessionManager.Config sessions(TrainingConfig config) {
        int threads = config.intraOpThreads().orElse(Runtime.getRuntime().availableProcessors());
        return new SessionManager.Config(Device.parse(config.device()), threads, 1);
    }
}
