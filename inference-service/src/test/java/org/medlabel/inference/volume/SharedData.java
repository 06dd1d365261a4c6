package org.medlabel.inference.volume;

import java.nio.file.Path;

/** The real test volumes of ../shared/data (see its README). */
final class SharedData {

    static final Path DIR = Path.of(System.getProperty("medlabel.shared.data", "../../shared/data"))
            .normalize();
    /** 128x128x62 T1 MR, gzip-compressed NIfTI-1. */
    static final Path T1_NII_GZ = DIR.resolve("mri_itk_kmeans/KmeansTest_T1UCharRaw.nii.gz");
    /** Uncompressed big-endian NIfTI-1, 33x41x25. */
    static final Path ANATOMICAL_NII = DIR.resolve("nifti_format_samples/anatomical.nii");
    /** 4D NIfTI, 128x96x24 with 2 volumes. */
    static final Path FMRI_4D_NII_GZ = DIR.resolve("nifti_format_samples/example4d.nii.gz");
    /** The T1 written by ITK as gzip-encoded NRRD in LPS space. */
    static final Path T1_NRRD = DIR.resolve("nrrd_samples/KmeansTest_T1_itk.nrrd");

    private SharedData() {}
}
