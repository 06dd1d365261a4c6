package org.medlabel.imaging.dicom;

/**
 * One 2D image of a DICOM series: a single-frame instance, or one frame of a multi-frame instance, with the geometry
 * and rescale that apply to it (per-frame functional groups, then shared ones, then the instance's own attributes).
 *
 * @param position ImagePositionPatient of the first pixel (LPS mm)
 * @param orientation ImageOrientationPatient: row direction then column direction (LPS unit vectors)
 * @param spacing PixelSpacing: between rows, then between columns (mm)
 */
record Frame(
        DicomObject instance,
        int index,
        int rows,
        int columns,
        double[] position,
        double[] orientation,
        double[] spacing,
        double slope,
        double intercept) {

    static Frame of(DicomObject instance, int index) {
        DicomObject perFrame = item(instance.sequence(Tags.PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE), index);
        DicomObject shared = instance.item(Tags.SHARED_FUNCTIONAL_GROUPS_SEQUENCE);
        double[] position =
                decimals(instance, perFrame, shared, Tags.PLANE_POSITION_SEQUENCE, Tags.IMAGE_POSITION_PATIENT);
        double[] orientation =
                decimals(instance, perFrame, shared, Tags.PLANE_ORIENTATION_SEQUENCE, Tags.IMAGE_ORIENTATION_PATIENT);
        double[] spacing = decimals(instance, perFrame, shared, Tags.PIXEL_MEASURES_SEQUENCE, Tags.PIXEL_SPACING);
        double[] slope =
                decimals(instance, perFrame, shared, Tags.PIXEL_VALUE_TRANSFORMATION_SEQUENCE, Tags.RESCALE_SLOPE);
        double[] intercept =
                decimals(instance, perFrame, shared, Tags.PIXEL_VALUE_TRANSFORMATION_SEQUENCE, Tags.RESCALE_INTERCEPT);
        String where = "instance " + instance.string(Tags.SOP_INSTANCE_UID)
                + (instance.contains(Tags.NUMBER_OF_FRAMES) ? " frame " + (index + 1) : "");
        require(position, 3, Tags.IMAGE_POSITION_PATIENT, where);
        require(orientation, 6, Tags.IMAGE_ORIENTATION_PATIENT, where);
        require(spacing, 2, Tags.PIXEL_SPACING, where);
        return new Frame(
                instance,
                index,
                (int) instance.integer(Tags.ROWS, 0),
                (int) instance.integer(Tags.COLUMNS, 0),
                position,
                orientation,
                spacing,
                slope == null ? 1 : slope[0],
                intercept == null ? 0 : intercept[0]);
    }

    /** The unit normal of the frame's plane: row direction × column direction. */
    double[] normal() {
        double[] r = {orientation[0], orientation[1], orientation[2]};
        double[] c = {orientation[3], orientation[4], orientation[5]};
        return new double[] {r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]};
    }

    String sopInstanceUid() {
        return instance.string(Tags.SOP_INSTANCE_UID);
    }

    private static DicomObject item(java.util.List<DicomObject> items, int index) {
        return index < items.size() ? items.get(index) : null;
    }

    /** An attribute from the frame's functional group, else the shared group, else the instance itself. */
    private static double[] decimals(
            DicomObject instance, DicomObject perFrame, DicomObject shared, int group, int tag) {
        for (DicomObject functional : new DicomObject[] {perFrame, shared}) {
            DicomObject macro = functional == null ? null : functional.item(group);
            if (macro != null && macro.contains(tag)) {
                return macro.decimals(tag);
            }
        }
        return instance.decimals(tag);
    }

    private static void require(double[] values, int count, int tag, String where) {
        if (values == null || values.length < count) {
            throw new DicomException(
                    where + " has no " + Tags.name(tag) + ": only images with patient geometry can become a volume");
        }
    }
}
