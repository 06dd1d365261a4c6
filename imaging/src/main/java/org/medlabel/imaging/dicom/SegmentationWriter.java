package org.medlabel.imaging.dicom;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;

/**
 * Writes a label map on a DICOM series' grid as a DICOM Segmentation (BINARY): one segment per label value present,
 * one frame per segment and slice it covers (an empty label: one empty frame of the first segment), each frame referencing its source instance; segments coded as MONAI
 * Label's dcmqi template codes them (category SCT 123037004 "Anatomical Structure", type SCT 78961009 with the label's
 * name, algorithm AUTOMATIC "MONAILABEL").
 */
public final class SegmentationWriter {

    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyyMMdd");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HHmmss");

    private SegmentationWriter() {}

    /**
     * @param labels the label map on the series' grid (as {@link DicomSeries} reads it)
     * @param names label value to segment label; values without a name are called {@code label_<value>}
     * @param id the series' identity ({@link DicomSeries#identity()})
     * @param instances the series' SOPInstanceUIDs in slice order ({@link DicomSeries#instances()}); frames reference
     *     them when there is one per slice
     */
    public static byte[] write(
            Volume labels,
            Map<Integer, String> names,
            Map<String, String> id,
            List<String> instances,
            String description) {
        return write(labels, names, id, instances, description, DicomWriter.newUid(), DicomWriter.newUid());
    }

    /** As {@link #write(Volume, Map, Map, List, String)}, with the SEG's SeriesInstanceUID and SOPInstanceUID given. */
    public static byte[] write(
            Volume labels,
            Map<Integer, String> names,
            Map<String, String> id,
            List<String> instances,
            String description,
            String seriesUid,
            String sopUid) {
        Map<Integer, List<Integer>> slices = slicesBySegment(labels);
        if (slices.isEmpty()) {
            // nothing found: a SEG needs a frame, so the first segment gets one empty frame (an empty result)
            slices.put(names.isEmpty() ? 1 : new TreeMap<>(names).firstKey(), List.of(0));
        }
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        String date = now.format(DATE);
        String time = now.format(TIME);
        String dimensions = DicomWriter.newUid();
        Affine a = labels.affine();
        double[] row = lps(a, 0);
        double[] column = lps(a, 1);
        double[] normal = lps(a, 2);
        double dc = norm(row);
        double dr = norm(column);
        double dz = norm(normal);
        String[] orientation = {
            DicomWriter.decimal(row[0] / dc), DicomWriter.decimal(row[1] / dc), DicomWriter.decimal(row[2] / dc),
            DicomWriter.decimal(column[0] / dr), DicomWriter.decimal(column[1] / dr),
                    DicomWriter.decimal(column[2] / dr)
        };
        String sourceClass = id.getOrDefault("SOPClassUID", "1.2.840.10008.5.1.4.1.1.2");
        boolean referenced = instances.size() == labels.nz();

        DicomObject seg = DicomObject.create()
                .set(0x00080005, "CS", "ISO_IR 192")
                .set(0x00080008, "CS", "DERIVED", "PRIMARY")
                .set(0x00080012, "DA", date)
                .set(0x00080013, "TM", time)
                .set(Tags.SOP_CLASS_UID, "UI", Segmentation.SOP_CLASS)
                .set(Tags.SOP_INSTANCE_UID, "UI", sopUid)
                .set(Tags.STUDY_DATE, "DA", id.getOrDefault("StudyDate", ""))
                .set(0x00080021, "DA", date)
                .set(0x00080023, "DA", date)
                .set(Tags.STUDY_TIME, "TM", id.getOrDefault("StudyTime", ""))
                .set(0x00080031, "TM", time)
                .set(0x00080033, "TM", time)
                .set(Tags.ACCESSION_NUMBER, "SH", id.getOrDefault("AccessionNumber", ""))
                .set(Tags.MODALITY, "CS", "SEG")
                .set(0x00080070, "LO", "MedLabel")
                .set(Tags.REFERRING_PHYSICIAN_NAME, "PN", id.getOrDefault("ReferringPhysicianName", ""))
                .set(Tags.SERIES_DESCRIPTION, "LO", description)
                .set(0x00081090, "LO", "MedLabel")
                .set(Tags.PATIENT_NAME, "PN", id.getOrDefault("PatientName", ""))
                .set(Tags.PATIENT_ID, "LO", id.getOrDefault("PatientID", ""))
                .set(Tags.PATIENT_BIRTH_DATE, "DA", id.getOrDefault("PatientBirthDate", ""))
                .set(Tags.PATIENT_SEX, "CS", id.getOrDefault("PatientSex", ""))
                .set(0x00181000, "LO", "1")
                .set(0x00181020, "LO", "MedLabel")
                .set(Tags.STUDY_INSTANCE_UID, "UI", required(id, "StudyInstanceUID"))
                .set(Tags.SERIES_INSTANCE_UID, "UI", seriesUid)
                .set(Tags.STUDY_ID, "SH", id.getOrDefault("StudyID", ""))
                .set(0x00200011, "IS", "300")
                .set(Tags.INSTANCE_NUMBER, "IS", "1")
                .set(Tags.FRAME_OF_REFERENCE_UID, "UI", required(id, "FrameOfReferenceUID"))
                .set(0x00201040, "LO", "")
                .setSequence(0x00209221, List.of(DicomObject.create().set(0x00209164, "UI", dimensions)))
                .setSequence(
                        0x00209222,
                        List.of(
                                DicomObject.create()
                                        .set(0x00209164, "UI", dimensions)
                                        .setBinary(0x00209165, "AT", Tags.REFERENCED_SEGMENT_NUMBER)
                                        .setBinary(0x00209167, "AT", Tags.SEGMENT_IDENTIFICATION_SEQUENCE)
                                        .set(0x00209421, "LO", "ReferencedSegmentNumber"),
                                DicomObject.create()
                                        .set(0x00209164, "UI", dimensions)
                                        .setBinary(0x00209165, "AT", Tags.IMAGE_POSITION_PATIENT)
                                        .setBinary(0x00209167, "AT", Tags.PLANE_POSITION_SEQUENCE)
                                        .set(0x00209421, "LO", "ImagePositionPatient")))
                .setBinary(Tags.SAMPLES_PER_PIXEL, "US", 1)
                .set(Tags.PHOTOMETRIC_INTERPRETATION, "CS", "MONOCHROME2")
                .setBinary(Tags.ROWS, "US", labels.ny())
                .setBinary(Tags.COLUMNS, "US", labels.nx())
                .setBinary(Tags.BITS_ALLOCATED, "US", 1)
                .setBinary(Tags.BITS_STORED, "US", 1)
                .setBinary(0x00280102, "US", 0)
                .setBinary(Tags.PIXEL_REPRESENTATION, "US", 0)
                .set(0x00282110, "CS", "00")
                .set(Tags.SEGMENTATION_TYPE, "CS", "BINARY")
                .set(0x00700080, "CS", "SEGMENTATION")
                .set(0x00700081, "LO", description)
                .set(0x00700084, "PN", "");
        if (referenced) {
            List<DicomObject> references = new ArrayList<>();
            for (String uid : instances) {
                references.add(
                        DicomObject.create().set(0x00081150, "UI", sourceClass).set(0x00081155, "UI", uid));
            }
            seg.setSequence(
                    Tags.REFERENCED_SERIES_SEQUENCE,
                    List.of(DicomObject.create()
                            .setSequence(0x0008114A, references)
                            .set(Tags.SERIES_INSTANCE_UID, "UI", required(id, "SeriesInstanceUID"))));
        }
        List<DicomObject> segments = new ArrayList<>();
        for (int value : slices.keySet()) {
            String name = names.getOrDefault(value, "label_" + value);
            segments.add(DicomObject.create()
                    .setSequence(0x00620003, List.of(code("123037004", "Anatomical Structure")))
                    .setBinary(Tags.SEGMENT_NUMBER, "US", value)
                    .set(Tags.SEGMENT_LABEL, "LO", name)
                    .set(0x00620008, "CS", "AUTOMATIC")
                    .set(0x00620009, "LO", "MONAILABEL")
                    .setSequence(0x0062000F, List.of(code("78961009", name))));
        }
        seg.setSequence(Tags.SEGMENT_SEQUENCE, segments);
        seg.setSequence(
                Tags.SHARED_FUNCTIONAL_GROUPS_SEQUENCE,
                List.of(DicomObject.create()
                        .setSequence(
                                Tags.PLANE_ORIENTATION_SEQUENCE,
                                List.of(DicomObject.create().set(Tags.IMAGE_ORIENTATION_PATIENT, "DS", orientation)))
                        .setSequence(
                                Tags.PIXEL_MEASURES_SEQUENCE,
                                List.of(DicomObject.create()
                                        .set(Tags.SLICE_THICKNESS, "DS", DicomWriter.decimal(dz))
                                        .set(0x00180088, "DS", DicomWriter.decimal(dz))
                                        .set(
                                                Tags.PIXEL_SPACING,
                                                "DS",
                                                DicomWriter.decimal(dr),
                                                DicomWriter.decimal(dc))))));
        List<DicomObject> perFrame = new ArrayList<>();
        int perSlice = labels.nx() * labels.ny();
        int frames = slices.values().stream().mapToInt(List::size).sum();
        byte[] pixels = new byte[(int) ((((long) frames * perSlice + 7) / 8 + 1) & ~1L)];
        long bit = 0;
        for (var entry : slices.entrySet()) {
            int value = entry.getKey();
            for (int k : entry.getValue()) {
                double[] ras = a.apply(0, 0, k);
                double[] position = {-ras[0], -ras[1], ras[2]};
                DicomObject frame = DicomObject.create()
                        .setSequence(
                                0x00209111, List.of(DicomObject.create().setBinary(0x00209157, "UL", value, k + 1)))
                        .setSequence(
                                Tags.PLANE_POSITION_SEQUENCE,
                                List.of(DicomObject.create()
                                        .set(
                                                Tags.IMAGE_POSITION_PATIENT,
                                                "DS",
                                                DicomWriter.decimal(position[0]),
                                                DicomWriter.decimal(position[1]),
                                                DicomWriter.decimal(position[2]))))
                        .setSequence(
                                Tags.SEGMENT_IDENTIFICATION_SEQUENCE,
                                List.of(DicomObject.create().setBinary(Tags.REFERENCED_SEGMENT_NUMBER, "US", value)));
                if (referenced) {
                    frame.setSequence(
                            0x00089124,
                            List.of(DicomObject.create()
                                    .setSequence(
                                            0x00082112,
                                            List.of(DicomObject.create()
                                                    .set(0x00081150, "UI", sourceClass)
                                                    .set(0x00081155, "UI", instances.get(k))
                                                    .setSequence(
                                                            0x0040A170,
                                                            List.of(dcm(
                                                                    "121322",
                                                                    "Source image for image processing"
                                                                            + " operation")))))
                                    .setSequence(0x00089215, List.of(dcm("113076", "Segmentation")))));
                }
                perFrame.add(frame);
                for (int p = 0; p < perSlice; p++, bit++) {
                    if ((int) labels.voxels().get(k * perSlice + p) == value) {
                        pixels[(int) (bit >>> 3)] |= (byte) (1 << (bit & 7));
                    }
                }
            }
        }
        seg.set(Tags.NUMBER_OF_FRAMES, "IS", Integer.toString(frames));
        seg.setSequence(Tags.PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE, perFrame);
        seg.setBytes(Tags.PIXEL_DATA, "OB", pixels);
        return DicomWriter.write(seg);
    }

    /** For each label value present (> 0), the slices holding it, ascending. */
    private static Map<Integer, List<Integer>> slicesBySegment(Volume labels) {
        Map<Integer, List<Integer>> slices = new TreeMap<>();
        int perSlice = labels.nx() * labels.ny();
        for (int k = 0; k < labels.nz(); k++) {
            java.util.Set<Integer> here = new java.util.TreeSet<>();
            for (int p = 0; p < perSlice; p++) {
                int v = (int) labels.voxels().get(k * perSlice + p);
                if (v > 0) {
                    here.add(v);
                }
            }
            for (int v : here) {
                if (v > 0xFFFF) {
                    throw new DicomException("label value " + v + " is beyond DICOM SEG's segment numbers");
                }
                slices.computeIfAbsent(v, x -> new ArrayList<>()).add(k);
            }
        }
        return slices;
    }

    private static DicomObject code(String value, String meaning) {
        return DicomObject.create()
                .set(0x00080100, "SH", value)
                .set(0x00080102, "SH", "SCT")
                .set(0x00080104, "LO", meaning);
    }

    private static DicomObject dcm(String value, String meaning) {
        return DicomObject.create()
                .set(0x00080100, "SH", value)
                .set(0x00080102, "SH", "DCM")
                .set(0x00080104, "LO", meaning);
    }

    private static String required(Map<String, String> identity, String key) {
        String value = identity.get(key);
        if (value == null || value.isEmpty()) {
            throw new DicomException("the series has no " + key + ": no DICOM SEG can reference it");
        }
        return value;
    }

    /** Voxel axis {@code axis} of the affine (RAS) as an LPS vector. */
    private static double[] lps(Affine a, int axis) {
        return new double[] {-a.get(0, axis), -a.get(1, axis), a.get(2, axis)};
    }

    private static double norm(double[] v) {
        return Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    }
}
