package org.medlabel.inference.output;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The file formats a label result can be written in, each with the extension that names it. */
public enum ResultFormat {
    NII_GZ(".nii.gz"),
    NII(".nii"),
    NRRD(".nrrd"),
    SEG_NRRD(".seg.nrrd");

    private static final String ALLOWED =
            Arrays.stream(values()).map(ResultFormat::extension).collect(Collectors.joining(", "));

    private final String extension;

    ResultFormat(String extension) {
        this.extension = extension;
    }

    /** The file extension, with its leading dot. */
    public String extension() {
        return extension;
    }

    /** The format a {@code result_extension} names, with or without its leading dot, in any case. */
    public static ResultFormat ofExtension(String ext) {
        String normalised = ext.strip().toLowerCase(Locale.ROOT);
        String dotted = normalised.startsWith(".") ? normalised : "." + normalised;
        return Stream.of(values())
                .filter(f -> f.extension.equals(dotted))
                .findFirst()
                .orElseThrow(() -> new InvalidResultOptionsException(
                        "result_extension '" + ext + "' is not supported; use one of " + ALLOWED));
    }

    /**
     * The format of an input image, by its name: MONAI Label answers in the input's format by default. Anything else (a
     * DICOM series, a datastore id without extension) gets {@code .nii.gz}, MONAI Label's default for uploads.
     */
    public static ResultFormat ofFileName(String name) {
        if (name == null) {
            return NII_GZ;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        // The longest match wins: "x.seg.nrrd" also ends with ".nrrd".
        return Stream.of(values())
                .filter(f -> lower.endsWith(f.extension))
                .max(Comparator.comparingInt(f -> f.extension.length()))
                .orElse(NII_GZ);
    }
}
