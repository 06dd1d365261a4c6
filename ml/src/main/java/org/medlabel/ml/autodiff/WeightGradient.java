package org.medlabel.ml.autodiff;

/**
 * How a convolution's weight gradient is computed; which form is faster depends on the layer (ML-SPIKE §4.1; the
 * shifted windows on most stride-1 layers, 2-4x faster than the dilated convolution there: {@code bench/RESULTS.md}
 * 2026-12-07 "night").
 */
public enum WeightGradient {
    /**
     * Per layer: {@link #TAP_SLICES} for a Conv with a 1x1 kernel or with at most 27 taps and at most 1024 output voxels
     * per sample; else {@link #SHIFTED_WINDOWS} for kernels of at most 27 taps with at least 3 input and 3 output
     * channels; else {@link #DILATED_CONV}.
     */
    AUTO,
    /** One convolution of the input (channels as batch) with the output gradient dilated by the stride as kernel. */
    DILATED_CONV,
    /**
     * One strided slice of the padded input per kernel tap, then a single batched MatMul with the output gradient
     * (Conv only; a ConvTranspose takes {@link #DILATED_CONV}).
     */
    TAP_SLICES,
    /**
     * The padded input split into its stride phases, each phase and the output gradient laid out flat on one grid
     * where a kernel tap is a fixed offset: one contiguous Slice per tap but for the innermost axis, whose taps share it
     * as shifted copies of the output gradient (stacked into one MatMul where it has no more channels), no im2col.
     */
    SHIFTED_WINDOWS
}
