package org.medlabel.ml.autodiff;

/**
 * How a convolution's weight gradient is computed; which form is faster depends on the layer (ML-SPIKE §4.1: the
 * dilated convolution wins on large, thin volumes, the tap slices on small, wide ones).
 */
public enum WeightGradient {
    /**
     * Per layer: {@link #TAP_SLICES} for 1x1 kernels and for kernels of at most 27 taps whose output has at most 4096
     * voxels per sample, else {@link #DILATED_CONV}.
     */
    AUTO,
    /** One convolution of the input (channels as batch) with the output gradient dilated by the stride as kernel. */
    DILATED_CONV,
    /** One strided slice of the padded input per kernel tap, then a single batched MatMul with the output gradient. */
    TAP_SLICES
}
