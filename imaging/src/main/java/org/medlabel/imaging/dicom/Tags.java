package org.medlabel.imaging.dicom;

import java.util.Map;
import java.util.Set;

/** The DICOM tags MedLabel reads or writes, as {@code (group << 16) | element}. */
public final class Tags {

    public static final int TRANSFER_SYNTAX_UID = 0x00020010;
    public static final int MEDIA_STORAGE_SOP_CLASS_UID = 0x00020002;
    public static final int SOP_CLASS_UID = 0x00080016;
    public static final int SOP_INSTANCE_UID = 0x00080018;
    public static final int STUDY_DATE = 0x00080020;
    public static final int STUDY_TIME = 0x00080030;
    public static final int MODALITY = 0x00080060;
    public static final int SERIES_DESCRIPTION = 0x0008103E;
    public static final int REFERENCED_SERIES_SEQUENCE = 0x00081115;
    public static final int ACCESSION_NUMBER = 0x00080050;
    public static final int REFERRING_PHYSICIAN_NAME = 0x00080090;
    public static final int PATIENT_NAME = 0x00100010;
    public static final int PATIENT_ID = 0x00100020;
    public static final int PATIENT_BIRTH_DATE = 0x00100030;
    public static final int PATIENT_SEX = 0x00100040;
    public static final int STUDY_ID = 0x00200010;
    public static final int SLICE_THICKNESS = 0x00180050;
    public static final int STUDY_INSTANCE_UID = 0x0020000D;
    public static final int SERIES_INSTANCE_UID = 0x0020000E;
    public static final int INSTANCE_NUMBER = 0x00200013;
    public static final int IMAGE_POSITION_PATIENT = 0x00200032;
    public static final int IMAGE_ORIENTATION_PATIENT = 0x00200037;
    public static final int FRAME_OF_REFERENCE_UID = 0x00200052;
    public static final int PLANE_POSITION_SEQUENCE = 0x00209113;
    public static final int PLANE_ORIENTATION_SEQUENCE = 0x00209116;
    public static final int SAMPLES_PER_PIXEL = 0x00280002;
    public static final int PHOTOMETRIC_INTERPRETATION = 0x00280004;
    public static final int NUMBER_OF_FRAMES = 0x00280008;
    public static final int ROWS = 0x00280010;
    public static final int COLUMNS = 0x00280011;
    public static final int PIXEL_SPACING = 0x00280030;
    public static final int BITS_ALLOCATED = 0x00280100;
    public static final int BITS_STORED = 0x00280101;
    public static final int PIXEL_REPRESENTATION = 0x00280103;
    public static final int RESCALE_INTERCEPT = 0x00281052;
    public static final int RESCALE_SLOPE = 0x00281053;
    public static final int PIXEL_MEASURES_SEQUENCE = 0x00289110;
    public static final int PIXEL_VALUE_TRANSFORMATION_SEQUENCE = 0x00289145;
    public static final int SEGMENT_SEQUENCE = 0x00620002;
    public static final int SEGMENT_NUMBER = 0x00620004;
    public static final int SEGMENT_LABEL = 0x00620005;
    public static final int SEGMENT_IDENTIFICATION_SEQUENCE = 0x0062000A;
    public static final int REFERENCED_SEGMENT_NUMBER = 0x0062000B;
    public static final int SEGMENTATION_TYPE = 0x00620001;
    public static final int SHARED_FUNCTIONAL_GROUPS_SEQUENCE = 0x52009229;
    public static final int PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE = 0x52009230;
    public static final int PIXEL_DATA = 0x7FE00010;
    public static final int ITEM = 0xFFFEE000;
    public static final int ITEM_DELIMITATION = 0xFFFEE00D;
    public static final int SEQUENCE_DELIMITATION = 0xFFFEE0DD;

    /** Implicit-VR elements read as numbers: binary unsigned shorts, or integer strings. */
    private static final Set<Integer> UNSIGNED_SHORTS = Set.of(
            SAMPLES_PER_PIXEL,
            ROWS,
            COLUMNS,
            BITS_ALLOCATED,
            BITS_STORED,
            PIXEL_REPRESENTATION,
            SEGMENT_NUMBER,
            REFERENCED_SEGMENT_NUMBER);

    private static final Set<Integer> INTEGER_STRINGS = Set.of(NUMBER_OF_FRAMES, INSTANCE_NUMBER);

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(TRANSFER_SYNTAX_UID, "TransferSyntaxUID"),
            Map.entry(SOP_INSTANCE_UID, "SOPInstanceUID"),
            Map.entry(SERIES_INSTANCE_UID, "SeriesInstanceUID"),
            Map.entry(IMAGE_POSITION_PATIENT, "ImagePositionPatient"),
            Map.entry(IMAGE_ORIENTATION_PATIENT, "ImageOrientationPatient"),
            Map.entry(PIXEL_SPACING, "PixelSpacing"),
            Map.entry(NUMBER_OF_FRAMES, "NumberOfFrames"),
            Map.entry(ROWS, "Rows"),
            Map.entry(COLUMNS, "Columns"),
            Map.entry(BITS_ALLOCATED, "BitsAllocated"),
            Map.entry(RESCALE_SLOPE, "RescaleSlope"),
            Map.entry(RESCALE_INTERCEPT, "RescaleIntercept"),
            Map.entry(PIXEL_DATA, "PixelData"));

    private Tags() {}

    static boolean isUnsignedShort(int tag) {
        return UNSIGNED_SHORTS.contains(tag);
    }

    static boolean isIntegerString(int tag) {
        return INTEGER_STRINGS.contains(tag);
    }

    /** {@code Name (gggg,eeee)} for messages. */
    public static String name(int tag) {
        String hex = String.format("(%04X,%04X)", tag >>> 16, tag & 0xFFFF);
        String name = NAMES.get(tag);
        return name == null ? hex : name + " " + hex;
    }
}
