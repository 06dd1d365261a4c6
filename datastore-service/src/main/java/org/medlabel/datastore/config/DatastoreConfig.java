package org.medlabel.datastore.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The datastore's own settings ({@code medlabel.datastore.*}; environment {@code MEDLABEL_DATASTORE_*}). */
@ConfigMapping(prefix = "medlabel.datastore")
public interface DatastoreConfig {

    /** Largest image or label file accepted, in bytes (also enforced on the HTTP body). */
    @WithDefault("2147483648")
    long maxUploadBytes();

    /** Where request bodies are spooled while they arrive (scratch space; kept small by deleting after use). */
    @WithDefault("${java.io.tmpdir}/medlabel-datastore-uploads")
    Path uploadsDirectory();

    /** Largest image accepted, in voxels per volume (checked from the header before anything is read). */
    @WithDefault("1073741824")
    long maxVoxels();

    /** How far (mm, per affine entry) a label's grid may lie from its image's. */
    @WithDefault("0.001")
    double affineTolerance();

    /** Client id recorded when a request names none (MONAI Label's default with auth off). */
    @WithDefault("admin")
    String defaultClientId();

    /** Folders on the server that {@code POST /imports/folder} may read (none by default: the import is off). */
    Optional<List<String>> importRoots();

    /** Largest page of the image list and the datastore view. */
    @WithDefault("1000")
    int maxPageSize();

    /** Where images come from: {@code local} (uploads and imports) or {@code dicomweb} (a PACS's series, as well). */
    @WithDefault("local")
    Source source();

    DicomWeb dicomweb();

    Outbox outbox();

    enum Source {
        LOCAL,
        DICOMWEB
    }

    /**
     * The PACS of a DICOMweb datastore (MONAI Label's {@code --studies http://...}); by default the deployment's
     * {@code MEDLABEL_DICOMWEB_*} settings, which the gateway's proxy uses too.
     */
    interface DicomWeb {
        Optional<URI> url();

        Optional<String> qidoPrefix();

        Optional<String> wadoPrefix();

        Optional<String> stowPrefix();

        Optional<String> username();

        Optional<String> password();

        /** QIDO-RS series search filter, as MONAI Label's {@code MONAI_LABEL_DICOMWEB_SEARCH_FILTER}. */
        @WithDefault("{\"Modality\": \"CT\"}")
        String searchFilter();

        /**
         * How often the PACS's series list is read again (MONAI Label caches it 2 h, {@code
         * MONAI_LABEL_DICOMWEB_CACHE_EXPIRY}, so new series stay invisible that long); a series asked for by id is
         * fetched at once in any case.
         */
        @WithDefault("30s")
        Duration refresh();

        /**
         * A client asking for the image list (stats, the datastore view, a next sample) has it read again at once
         * when the last read is older than this, so a series just stored on the PACS shows (MONAI Label's issue 944).
         */
        @WithDefault("5s")
        Duration onDemandAfter();

        /** How long one PACS request may take (a whole series retrieve included). */
        @WithDefault("300s")
        Duration timeout();
    }

    Sessions sessions();

    interface Sessions {
        /** The longest a session may live without being used (MONAI Label's MONAI_LABEL_SESSION_EXPIRY). */
        @WithDefault("3600s")
        Duration maxExpiry();

        /** How often expired sessions are removed (read by the sweeper's schedule). */
        @WithDefault("60s")
        Duration sweepInterval();
    }

    interface Outbox {
        /** How often the relay looks for unsent events when nothing woke it. */
        @WithDefault("1s")
        Duration pollInterval();

        /** Events sent per relay pass. */
        @WithDefault("200")
        int batchSize();

        /** How long one send may wait for Kafka before the relay backs off. */
        @WithDefault("5s")
        Duration sendTimeout();

        /** The longest pause between attempts while Kafka is down (doubling from the poll interval). */
        @WithDefault("30s")
        Duration maxBackoff();
    }
}
