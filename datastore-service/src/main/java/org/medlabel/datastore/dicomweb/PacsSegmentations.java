package org.medlabel.datastore.dicomweb;

import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;
import org.medlabel.datastore.config.DatastoreConfig;
import org.medlabel.datastore.error.DatastoreException;
import org.medlabel.datastore.error.ErrorCode;
import org.medlabel.datastore.repository.ImageEntity;
import org.medlabel.datastore.repository.LabelEntity;
import org.medlabel.datastore.service.ImageService;
import org.medlabel.datastore.service.LabelService;
import org.medlabel.datastore.service.Names;
import org.medlabel.datastore.service.Upload;
import org.medlabel.imaging.dicom.DicomException;
import org.medlabel.imaging.dicom.DicomObject;
import org.medlabel.imaging.dicom.DicomWriter;
import org.medlabel.imaging.dicom.Segmentation;
import org.medlabel.imaging.dicom.SegmentationWriter;
import org.medlabel.imaging.io.NiftiWriter;
import org.medlabel.imaging.io.VolumeReader;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Volume;

/**
 * Labels and the PACS's DICOM Segmentations, both ways (MONAI Label's DICOMweb datastore): a {@code final} label
 * saved on a PACS series is written as a SEG of that series and stored there (STOW-RS), its SEG's UIDs kept in the
 * label version's info; SEG series on the PACS that reference a stored series and are not yet labels here become
 * {@code final} label versions (author {@code pacs}), so training picks them up as any other label.
 */
@ApplicationScoped
public class PacsSegmentations {

    private static final Logger LOG = Logger.getLogger(PacsSegmentations.class);
    static final String INFO_KEY = "dicom_seg";

    private final PacsImages pacs;
    private final LabelService labels;
    private final ImageService images;
    private final DatastoreConfig config;
    private final Set<String> imported = ConcurrentHashMap.newKeySet();

    public PacsSegmentations(PacsImages pacs, LabelService labels, ImageService images, DatastoreConfig config) {
        this.pacs = pacs;
        this.labels = labels;
        this.images = images;
        this.config = config;
    }

    /**
     * After a label version is saved: when it is {@code final} and its image a PACS series, its SEG goes to the PACS.
     * The label is saved either way; a SEG that cannot be written or stored is reported in the version's info
     * ({@code dicom_seg.error}) and the log.
     */
    public LabelEntity afterSave(LabelEntity label, Path file) {
        if (!pacs.enabled() || !label.tag.equals(Names.FINAL_TAG) || "pacs".equals(label.author)) {
            return label;
        }
        ImageEntity image = images.get(label.imageId);
        if (!image.info.containsKey("source")) {
            return label; // not a PACS series (a DICOM upload keeps its SEGs to output=dicom_seg)
        }
        Map<String, Object> result = new TreeMap<>();
        try {
            String seriesUid = DicomWriter.newUid();
            String sopUid = DicomWriter.newUid();
            byte[] seg = segOf(
                    image,
                    file,
                    label.fileName(),
                    names(label.info),
                    "MedLabel " + label.tag + " v" + label.version,
                    seriesUid,
                    sopUid);
            pacs.client().store(seg);
            result.put("SeriesInstanceUID", seriesUid);
            result.put("SOPInstanceUID", sopUid);
            imported.add((String) result.get("SeriesInstanceUID"));
            LOG.infof(
                    "PACS: label %s v%d stored as SEG %s",
                    label.imageId, label.version, result.get("SeriesInstanceUID"));
        } catch (DatastoreException | IOException e) {
            result.put("error", e.getMessage());
            LOG.warnf("PACS: the SEG of label %s v%d was not stored: %s", label.imageId, label.version, e.getMessage());
        }
        labels.mergeInfo(label.imageId, label.tag, label.version, Map.of(INFO_KEY, result));
        return labels.get(label.imageId, label.tag, label.version);
    }

    /**
     * A label file on a DICOM image's grid as a DICOM SEG of its series (MONAI Label's {@code output=dicom_seg}); 422
     * for an image that is not a DICOM series.
     */
    public byte[] segOf(ImageEntity image, Path file, String fileName, Map<Integer, String> names, String description)
            throws IOException {
        return segOf(image, file, fileName, names, description, DicomWriter.newUid(), DicomWriter.newUid());
    }

    private byte[] segOf(
            ImageEntity image,
            Path file,
            String fileName,
            Map<Integer, String> names,
            String description,
            String seriesUid,
            String sopUid)
            throws IOException {
        if (!image.info.containsKey("SeriesInstanceUID") || !image.info.containsKey("dicom_instances")) {
            throw new DatastoreException(
                    ErrorCode.INVALID_IMAGE,
                    "image '" + image.id + "' is not a DICOM series (a PACS series or a DICOM upload): no DICOM SEG");
        }
        try (InputStream in = Files.newInputStream(file)) {
            Volume volume = new VolumeReader(config.maxVoxels()).read(in, fileName);
            if (volume.nx() != image.dims[0] || volume.ny() != image.dims[1] || volume.nz() != image.dims[2]) {
                throw new DatastoreException(
                        ErrorCode.LABEL_GRID_MISMATCH, "the label's grid is not image '" + image.id + "''s");
            }
            return SegmentationWriter.write(
                    volume.withAffine(Affine.of(image.affine)),
                    names,
                    identity(image.info),
                    instances(image.info),
                    description,
                    seriesUid,
                    sopUid);
        } catch (DicomException e) {
            throw new DatastoreException(ErrorCode.INVALID_IMAGE, "no DICOM SEG: " + e.getMessage());
        }
    }

    /** Imports the PACS's SEG series not yet labels here; returns how many. */
    int importFromPacs() {
        int count = 0;
        for (DicomWebClient.Series series : pacs.client().searchSeries(Map.of("Modality", "SEG"))) {
            if (imported.contains(series.seriesUid()) || known(series.seriesUid())) {
                imported.add(series.seriesUid());
                continue;
            }
            try {
                count += importSeries(series) ? 1 : 0;
            } catch (DicomException | DatastoreException | IOException e) {
                LOG.warnf("PACS: SEG series %s not imported: %s", series.seriesUid(), e.getMessage());
            }
            imported.add(series.seriesUid());
        }
        return count;
    }

    private boolean importSeries(DicomWebClient.Series series) throws IOException {
        List<DicomObject> instances = pacs.client().retrieveSeries(series.studyUid(), series.seriesUid());
        if (instances.isEmpty()) {
            return false;
        }
        Segmentation seg = Segmentation.of(instances.get(0));
        String imageId = seg.referencedSeries();
        if (imageId == null || !images.exists(imageId)) {
            return false;
        }
        ImageEntity image = images.get(imageId);
        Volume mask = seg.onGrid(new Grid(image.dims[0], image.dims[1], image.dims[2], Affine.of(image.affine)));
        Path file = Files.createTempFile(config.uploadsDirectory(), "seg-", ".nii.gz");
        try {
            new NiftiWriter().write(mask, file);
            Map<String, Object> params = new HashMap<>();
            params.put(INFO_KEY, Map.of("SeriesInstanceUID", series.seriesUid()));
            Map<String, Integer> names = new TreeMap<>();
            seg.segments().forEach((number, name) -> names.put(name, number));
            params.put("label_names", names);
            labels.save(imageId, Names.FINAL_TAG, new Upload(file, "label.nii.gz", params, "pacs"));
        } finally {
            Files.deleteIfExists(file);
        }
        return true;
    }

    /** Whether a label version here already came from, or went to, this SEG series. */
    private static boolean known(String segSeries) {
        return QuarkusTransaction.requiringNew()
                .call(() -> ((Number) LabelEntity.getEntityManager()
                                        .createNativeQuery("select count(*) from {h-schema}labels where info -> '"
                                                + INFO_KEY + "' ->> 'SeriesInstanceUID' = ?1")
                                        .setParameter(1, segSeries)
                                        .getSingleResult())
                                .longValue()
                        > 0);
    }

    /**
     * Segment names by label value, from the save's params: MONAI Label's {@code label_info} list ({@code name} with
     * {@code idx}, {@code labelID} or {@code label}), else {@code label_names} (name to value).
     */
    @SuppressWarnings("unchecked")
    public static Map<Integer, String> names(Map<String, Object> info) {
        Map<Integer, String> names = new TreeMap<>();
        if (info.get("label_info") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m && m.get("name") instanceof String name) {
                    for (String key : List.of("idx", "labelID", "label")) {
                        if (m.get(key) instanceof Number n) {
                            names.put(n.intValue(), name);
                            break;
                        }
                    }
                }
            }
        } else if (info.get("label_names") instanceof Map<?, ?> map) {
            ((Map<String, Object>) map).forEach((name, value) -> {
                if (value instanceof Number n) {
                    names.put(n.intValue(), name);
                }
            });
        }
        return names;
    }

    private static Map<String, String> identity(Map<String, Object> info) {
        Map<String, String> identity = new HashMap<>();
        info.forEach((k, v) -> {
            if (v instanceof String s) {
                identity.put(k, s);
            }
        });
        return identity;
    }

    private static List<String> instances(Map<String, Object> info) {
        return info.get("dicom_instances") instanceof List<?> list
                ? list.stream().map(String::valueOf).toList()
                : List.of();
    }
}
