package org.medlabel.datastore.service;

import java.util.regex.Pattern;
import org.medlabel.datastore.error.DatastoreException;
import org.medlabel.datastore.error.ErrorCode;

/**
 * MONAI Label's naming rules, made safe: an image id is the explicit id, else the uploaded file's name (its last path
 * component, since clients send full local paths) minus all its suffixes. Ids and tags use a restricted character
 * set, so no id can reach outside its prefix in the bucket.
 */
public final class Names {

    public static final String FINAL_TAG = "final";
    /** Extension of a label uploaded without a file name (MONAI Label's default). */
    public static final String DEFAULT_LABEL_EXT = ".nii.gz";

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private Names() {}

    /** The last component of a client file name, whichever separator the client's OS uses. */
    public static String baseName(String fileName) {
        String name = fileName == null ? "" : fileName;
        return name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
    }

    /** All suffixes of the base name ({@code spleen_10.nii.gz} -> {@code .nii.gz}); a leading dot is no suffix. */
    public static String ext(String fileName) {
        String base = baseName(fileName);
        int dot = base.indexOf('.', 1);
        return dot < 0 ? "" : base.substring(dot);
    }

    /** The id of an uploaded image: {@code explicitId} when given, else the file name minus its suffixes. */
    public static String imageId(String explicitId, String fileName) {
        if (explicitId != null && !explicitId.isBlank()) {
            return requireId(explicitId);
        }
        String base = baseName(fileName);
        return requireId(base.substring(0, base.length() - ext(fileName).length()));
    }

    public static String requireId(String id) {
        if (id == null || !ID.matcher(id).matches() || id.contains("..")) {
            throw new DatastoreException(
                    ErrorCode.INVALID_ID,
                    "invalid id '" + id + "': use 1-200 letters, digits, '.', '_' or '-', starting with a letter or"
                            + " digit, without '..'");
        }
        return id;
    }

    /** A label tag; empty means {@code final}, as in MONAI Label. */
    public static String tag(String tag) {
        if (tag == null || tag.isBlank()) {
            return FINAL_TAG;
        }
        if (!TAG.matcher(tag).matches() || tag.contains("..")) {
            throw new DatastoreException(
                    ErrorCode.INVALID_ID,
                    "invalid tag '" + tag + "': use 1-64 letters, digits, '.', '_' or '-', starting with a letter or"
                            + " digit");
        }
        return tag;
    }

    /** An extension safe to put into an object key. */
    public static String requireExt(String ext) {
        if (!ext.matches("(\\.[A-Za-z0-9_-]{1,10}){0,4}")) {
            throw new DatastoreException(ErrorCode.INVALID_ID, "invalid file extension '" + ext + "'");
        }
        return ext;
    }
}
