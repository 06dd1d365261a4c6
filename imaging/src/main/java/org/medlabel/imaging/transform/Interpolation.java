package org.medlabel.imaging.transform;

/** How a value between voxel centres is computed. */
public enum Interpolation {
    /** The nearest voxel's value (position rounded half up): for label maps. */
    NEAREST,
    /** Trilinear: for intensities and probabilities. */
    LINEAR
}
