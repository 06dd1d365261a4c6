package org.medlabel.ml.nn;

/**
 * The normalisation after a convolution, as MONAI names them. {@code INSTANCE} is MONAI's default for {@code UNet}
 * (no affine parameters), {@code INSTANCE_AFFINE} that of {@code BasicUNet}. {@code BATCH} is emitted in its
 * inference form (running mean 0, variance 1 until trained).
 */
public enum Norm {
    INSTANCE,
    INSTANCE_AFFINE,
    BATCH,
    NONE
}
