package org.medlabel.datastore.service;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import org.jboss.logging.Logger;
import org.medlabel.datastore.config.DatastoreConfig;
import org.medlabel.datastore.error.DatastoreException;
import org.medlabel.datastore.error.ErrorCode;
import org.medlabel.imaging.dicom.DicomException;
import org.medlabel.imaging.dicom.DicomObject;
import org.medlabel.imaging.dicom.DicomReader;
import org.medlabel.imaging.dicom.DicomSeries;
import org.medlabel.imaging.dicom.UnsupportedTransferSyntaxException;
import org.medlabel.imaging.io.NiftiWriter;

/**
 * DICOM uploads: one or more {@code .dcm} files, or a {@code .zip} of them, holding one series, become a NIfTI volume
 * (what the datastore stores and serves, as MONAI Label's DICOM datastores do) whose info carries the series' DICOM
 * identity. Entries of a zip that are not DICOM files (DICOMDIR, viewers, read-mes) are skipped.
 */
@ApplicationScoped
public class DicomUpload {

    private static final Logger LOG = Logger.getLogger(DicomUpload.class);
    private static final int MAX_ZIP_ENTRIES = 100_000;

    private final DatastoreConfig config;

    public DicomUpload(DatastoreConfig config) {
        this.config = config;
    }

    /**
     * Whether this upload is DICOM: by its name ({@code .dcm}, {@code .dicom}, {@code .zip}), or, for a name without
     * an extension (PACS exports: {@code IM000001}), by DICOM's {@code DICM} at byte 128.
     */
    public static boolean isDicom(Upload upload) {
        String name = upload.fileName().toLowerCase(Locale.ROOT);
        if (name.endsWith(".dcm") || name.endsWith(".dicom") || name.endsWith(".zip")) {
            return true;
        }
        if (!Names.ext(upload.fileName()).isEmpty()) {
            return false;
        }
        try (InputStream in = Files.newInputStream(upload.file())) {
            return hasDicomPrefix(in.readNBytes(132));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The uploads as one NIfTI upload named after the first file ({@code <stem>.nii.gz}), its params extended by the
     * series' identity ({@code StudyInstanceUID}, {@code SeriesInstanceUID}, {@code PatientID}, {@code Modality},
     * ... as MONAI Label's DICOMweb datastore records them) and {@code dicom_instances} (SOPInstanceUIDs in slice
     * order). The caller deletes the returned file.
     */
    public Upload toVolume(List<Upload> uploads) {
        Upload first = uploads.get(0);
        List<DicomObject> instances = new ArrayList<>();
        long budget = config.maxUploadBytes();
        for (Upload upload : uploads) {
            budget -= read(upload, instances, budget);
        }
        String stem = Names.baseName(first.fileName());
        return toVolume(
                instances, stem.substring(0, stem.length() - Names.ext(stem).length()), first.params(), first.author());
    }

    /** Parsed instances of one series as a NIfTI upload {@code <stem>.nii.gz}, as {@link #toVolume(List)}. */
    public Upload toVolume(List<DicomObject> instances, String stem, Map<String, Object> extraParams, String author) {
        if (instances.isEmpty()) {
            throw new DatastoreException(ErrorCode.INVALID_IMAGE, "the upload holds no DICOM files");
        }
        DicomSeries series;
        try {
            series = DicomSeries.of(instances, config.maxVoxels());
        } catch (DicomException e) {
            throw new DatastoreException(ErrorCode.INVALID_IMAGE, "not a usable DICOM series: " + e.getMessage());
        }
        Path nifti = null;
        try {
            Files.createDirectories(config.uploadsDirectory());
            nifti = Files.createTempFile(config.uploadsDirectory(), "dicom-", ".nii.gz");
            new NiftiWriter().write(series.volume(), nifti);
        } catch (IOException e) {
            Upload.deleteQuietly(nifti);
            throw new DatastoreException(ErrorCode.STORAGE_UNAVAILABLE, "could not write the converted volume: " + e);
        }
        Map<String, Object> params = new HashMap<>(extraParams);
        params.putAll(series.identity());
        params.put("dicom_instances", series.instances());
        LOG.infof(
                "DICOM series %s: %d instances -> %dx%dx%d",
                series.identity().get("SeriesInstanceUID"),
                series.instances().size(),
                series.volume().nx(),
                series.volume().ny(),
                series.volume().nz());
        return new Upload(nifti, stem + ".nii.gz", params, author);
    }

    /** Parses one DICOM Part 10 object (a file, a zip entry, a part of a WADO-RS answer), named for messages. */
    public static DicomObject parse(InputStream in, String name, long budget) throws IOException {
        try {
            return new DicomReader(budget).read(in);
        } catch (UnsupportedTransferSyntaxException e) {
            throw new DatastoreException(ErrorCode.UNSUPPORTED_FORMAT, name + ": " + e.getMessage());
        } catch (DicomException e) {
            throw new DatastoreException(ErrorCode.INVALID_IMAGE, name + ": " + e.getMessage());
        }
    }

    /** Parses the upload's DICOM files into {@code instances}; returns the bytes read (at most {@code budget}). */
    private long read(Upload upload, List<DicomObject> instances, long budget) {
        String name = Names.baseName(upload.fileName());
        try {
            if (name.toLowerCase(Locale.ROOT).endsWith(".zip")) {
                return readZip(upload.file(), name, instances, budget);
            }
            try (InputStream in = Files.newInputStream(upload.file())) {
                instances.add(parse(in, name, budget));
            }
            return Files.size(upload.file());
        } catch (IOException e) {
            throw new DatastoreException(ErrorCode.INVALID_IMAGE, name + ": could not be read: " + e.getMessage());
        }
    }

    private long readZip(Path zip, String name, List<DicomObject> instances, long budget) throws IOException {
        long total = 0;
        int entries = 0;
        int skipped = 0;
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                if (++entries > MAX_ZIP_ENTRIES) {
                    throw new DatastoreException(
                            ErrorCode.PAYLOAD_TOO_LARGE, name + " has more than " + MAX_ZIP_ENTRIES + " entries");
                }
                if (entry.isDirectory()) {
                    continue;
                }
                Bounded entryIn = new Bounded(in, budget - total, name);
                if (!entryIn.startsLikeDicom()) {
                    skipped++;
                    continue;
                }
                instances.add(parse(entryIn, name + "!" + entry.getName(), budget - total));
                total += entryIn.count;
            }
        } catch (ZipException e) {
            throw new DatastoreException(ErrorCode.INVALID_IMAGE, name + " is not a valid zip file: " + e.getMessage());
        }
        if (skipped > 0) {
            LOG.infof("%s: %d entries are not DICOM files and were skipped", name, skipped);
        }
        return total;
    }

    /** DICOM Part 10's {@code DICM} after the 128-byte preamble. */
    private static boolean hasDicomPrefix(byte[] head) {
        return head.length >= 132 && new String(head, 128, 4, StandardCharsets.US_ASCII).equals("DICM");
    }

    /** A zip entry's bytes, counted and stopped at the upload budget (a zip bomb ends here). */
    private static final class Bounded extends FilterInputStream {
        private final long limit;
        private final String name;
        long count;

        Bounded(InputStream in, long limit, String name) {
            super(new BufferedInputStream(in, 1 << 16));
            this.limit = limit;
            this.name = name;
        }

        /** Whether the entry has DICOM Part 10's {@code DICM} at byte 128 (the stream is left where it was). */
        boolean startsLikeDicom() throws IOException {
            in.mark(132);
            byte[] head = in.readNBytes(132);
            in.reset();
            return hasDicomPrefix(head);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                add(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                add(n);
            }
            return n;
        }

        private void add(long n) {
            count += n;
            if (count > limit) {
                throw new DatastoreException(
                        ErrorCode.PAYLOAD_TOO_LARGE, name + " unpacks to more bytes than the upload limit allows");
            }
        }

        @Override
        public void close() {
            // the zip stream stays open for its next entry
        }
    }
}
