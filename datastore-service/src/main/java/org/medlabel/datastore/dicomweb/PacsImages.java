package org.medlabel.datastore.dicomweb;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;
import org.medlabel.api.internal.InternalHeaders;
import org.medlabel.datastore.config.DatastoreConfig;
import org.medlabel.datastore.error.DatastoreException;
import org.medlabel.datastore.error.ErrorCode;
import org.medlabel.datastore.service.DicomUpload;
import org.medlabel.datastore.service.ImageService;
import org.medlabel.datastore.service.Upload;
import org.medlabel.imaging.dicom.DicomObject;

/**
 * A DICOMweb datastore ({@code medlabel.datastore.source=dicomweb}), as MONAI Label's: the PACS's series (QIDO-RS,
 * with the search filter) are images whose id is their SeriesInstanceUID. Each is retrieved (WADO-RS) and stored as
 * its NIfTI volume with its DICOM identity, so active learning, inference, sessions and training use it as any other
 * image. {@link PacsSync} decides when the list is read; a series asked for by id before that is fetched at once (first
 * use).
 */
@ApplicationScoped
public class PacsImages {

    private static final Logger LOG = Logger.getLogger(PacsImages.class);
    private static final Pattern UID = Pattern.compile("[0-9]+(\\.[0-9]+)*");
    private static final String SOURCE_USER = InternalHeaders.serviceUser("medlabel-datastore");

    private final ImageService images;
    private final DicomUpload dicom;
    private final DicomWebClient pacs;
    private final Map<String, String> filter;
    private final Map<String, Object> fetching = new ConcurrentHashMap<>();
    private final Map<String, DicomWebClient.Series> listed = new ConcurrentHashMap<>();
    /** Series the list's reads skip: they could not be made a volume (compressed, gaps...); asked for by id, retried. */
    private final Map<String, String> unusable = new ConcurrentHashMap<>();

    public PacsImages(DatastoreConfig config, ImageService images, DicomUpload dicom, ObjectMapper json) {
        this.images = images;
        this.dicom = dicom;
        boolean on = config.source() == DatastoreConfig.Source.DICOMWEB;
        if (on && config.dicomweb().url().isEmpty()) {
            throw new IllegalStateException(
                    "medlabel.datastore.source=dicomweb needs the PACS's DICOMweb URL (MEDLABEL_DICOMWEB_URL)");
        }
        this.pacs = on ? new DicomWebClient(config.dicomweb(), config.maxUploadBytes()) : null;
        this.filter = on ? filter(json, config.dicomweb().searchFilter()) : Map.of();
    }

    private static Map<String, String> filter(ObjectMapper json, String text) {
        try {
            return json.readValue(text, new TypeReference<Map<String, String>>() {});
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "medlabel.datastore.dicomweb.search-filter is not a JSON object of strings: " + text, e);
        }
    }

    public boolean enabled() {
        return pacs != null;
    }

    /** The PACS's DICOMweb client (only when {@link #enabled()}). */
    DicomWebClient client() {
        return pacs;
    }

    /** Reads the PACS's series list and fetches the series not stored yet; returns how many were fetched. */
    int sync() {
        List<DicomWebClient.Series> series = pacs.searchSeries(filter);
        series.forEach(s -> listed.put(s.seriesUid(), s));
        int fetched = 0;
        for (DicomWebClient.Series s : series) {
            if (unusable.containsKey(s.seriesUid())) {
                continue;
            }
            try {
                fetched += fetchIfMissing(s) ? 1 : 0;
            } catch (DatastoreException e) {
                if (e.code() == ErrorCode.PACS_UNAVAILABLE) {
                    throw e;
                }
                unusable.put(s.seriesUid(), e.getMessage());
                LOG.warnf(
                        "PACS: series %s is not usable and is skipped from now on: %s", s.seriesUid(), e.getMessage());
            }
        }
        return fetched;
    }

    /**
     * Makes sure the series with this id is stored before a request reads it (first use); a no-op for a local
     * datastore, for ids that are not UIDs, and for series the PACS does not have (the caller's 404 follows).
     */
    public void ensure(String id) {
        if (!enabled() || id == null || !UID.matcher(id).matches() || images.exists(id)) {
            return;
        }
        DicomWebClient.Series series = listed.get(id);
        if (series == null) {
            series = pacs.searchSeries(Map.of("SeriesInstanceUID", id)).stream()
                    .findFirst()
                    .orElse(null);
        }
        if (series != null) {
            fetchIfMissing(series);
        }
    }

    /** Fetches a series unless stored; one fetch per series at a time (others wait for it). */
    private boolean fetchIfMissing(DicomWebClient.Series series) {
        synchronized (fetching.computeIfAbsent(series.seriesUid(), k -> new Object())) {
            try {
                if (images.exists(series.seriesUid())) {
                    return false;
                }
                fetch(series);
                return true;
            } finally {
                fetching.remove(series.seriesUid());
            }
        }
    }

    private void fetch(DicomWebClient.Series series) {
        long t0 = System.nanoTime();
        List<DicomObject> instances;
        try {
            instances = pacs.retrieveSeries(series.studyUid(), series.seriesUid());
        } catch (IOException e) {
            throw new DatastoreException(
                    ErrorCode.INVALID_IMAGE, "series " + series.seriesUid() + " could not be read: " + e.getMessage());
        }
        Map<String, Object> params = new HashMap<>();
        params.put("source", "dicomweb");
        Upload volume = dicom.toVolume(instances, "series", params, SOURCE_USER);
        try {
            images.add(series.seriesUid(), volume);
        } finally {
            volume.discard();
        }
        LOG.infof(
                "PACS: series %s fetched (%d instances) in %d ms",
                series.seriesUid(), instances.size(), (System.nanoTime() - t0) / 1_000_000);
    }
}
