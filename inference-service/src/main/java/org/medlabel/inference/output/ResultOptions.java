package org.medlabel.inference.output;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.medlabel.imaging.volume.VoxelType;

/**
 * How a label result is written, from MONAI Label's request parameters: {@code result_extension} (default: the input
 * image's format), {@code result_dtype} (a numpy dtype name, default {@code uint8}) and {@code result_compress}
 * (default false). {@code compress} is what the client asked; {@link #gzip()} is what the file gets.
 */
public record ResultOptions(ResultFormat format, VoxelType dtype, boolean compress) {

    public static final String EXTENSION = "result_extension";
    public static final String DTYPE = "result_dtype";
    public static final String COMPRESS = "result_compress";

    // numpy's names of the types imaging can write happen to be the enum names in lower case. int8 and uint16 have no
    // VoxelType: writing them widened would hand the client another dtype than it asked for, so they are refused.
    private static final String DTYPES =
            Arrays.stream(VoxelType.values()).map(ResultOptions::dtypeName).collect(Collectors.joining(", "));

    public ResultOptions {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(dtype, "dtype");
    }

    /**
     * The options {@code params} (a request's parsed {@code params} JSON) ask for, for an input image named
     * {@code inputFileName} (may be null). A missing, null or blank value means the default, as an empty
     * {@code result_extension} does in MONAI Label.
     *
     * @throws InvalidResultOptionsException for an unknown extension or dtype, or a value of the wrong type
     */
    public static ResultOptions from(Map<String, Object> params, String inputFileName) {
        Map<String, Object> p = params == null ? Map.of() : params;
        String extension = text(p, EXTENSION);
        String dtype = text(p, DTYPE);
        return new ResultOptions(
                extension == null ? ResultFormat.ofFileName(inputFileName) : ResultFormat.ofExtension(extension),
                dtype == null ? VoxelType.UINT8 : dtype(dtype),
                flag(p, COMPRESS));
    }

    /**
     * Whether the file is gzip-compressed. As in MONAI Label (ITK's writers), only NRRD follows
     * {@code result_compress}, as its gzip encoding; a NIfTI file is compressed exactly when its name ends in
     * {@code .gz}, because clients pick their reader by the extension.
     */
    public boolean gzip() {
        return switch (format) {
            case NII_GZ -> true;
            case NII -> false;
            case NRRD, SEG_NRRD -> compress;
        };
    }

    /** The voxel type a numpy dtype name ({@code "uint8"}, ...) stands for. */
    public static VoxelType dtype(String name) {
        String normalised = name.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(VoxelType.values())
                .filter(t -> dtypeName(t).equals(normalised))
                .findFirst()
                .orElseThrow(() -> new InvalidResultOptionsException(
                        DTYPE + " '" + name + "' is not supported; use one of " + DTYPES));
    }

    /** The numpy name of a voxel type. */
    public static String dtypeName(VoxelType type) {
        return type.name().toLowerCase(Locale.ROOT);
    }

    private static String text(Map<String, Object> params, String key) {
        Object value = params.get(key);
        if (value == null) {
            return null;
        }
        if (value instanceof String s) {
            return s.isBlank() ? null : s;
        }
        throw new InvalidResultOptionsException(key + " must be a string, got " + value);
    }

    private static boolean flag(Map<String, Object> params, String key) {
        Object value = params.get(key);
        if (value == null || value instanceof String s && s.isBlank()) {
            return false;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        // Form-built params send booleans as strings.
        if (value instanceof String s
                && (s.strip().equalsIgnoreCase("true") || s.strip().equalsIgnoreCase("false"))) {
            return Boolean.parseBoolean(s.strip());
        }
        String shown = value instanceof String ? "'" + value + "'" : String.valueOf(value);
        throw new InvalidResultOptionsException(key + " must be true or false, got " + shown);
    }
}
