package org.medlabel.platform.objectstore;

import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one owner of the shared bucket's key layout: every service that writes or reads an object names its key here,
 * and nothing else spells a prefix. Image, label and session objects carry an upload UUID, so an object is written
 * before the row that points to it and a replacement never overwrites bytes committed metadata refers to; model
 * versions are numbered (the store is the truth for which exist); checkpoints are per job and epoch.
 */
public final class BucketLayout {

    private static final String IMAGES = "images/";
    private static final String LABELS = "labels/";
    private static final String SESSIONS = "sessions/";
    private static final String MODELS = "models/";
    private static final String CHECKPOINTS = "training/jobs/";
    private static final Pattern MODEL_VERSION = Pattern.compile(MODELS + "[^/]+/(\\d+)/model\\.onnx");

    /** The prefixes MedLabel writes under: an import of existing objects may not read from them. */
    public static final List<String> OWN_PREFIXES = List.of(IMAGES, LABELS, SESSIONS, MODELS, CHECKPOINTS);

    private BucketLayout() {}

    /** A new object for image {@code id}'s bytes ({@code ext} with its dot). */
    public static String newImage(String id, String ext) {
        return IMAGES + id + "/" + UUID.randomUUID() + "/" + id + ext;
    }

    /** A new object for one version of an image's label {@code tag}. */
    public static String newLabel(String tag, String imageId, String ext) {
        return LABELS + tag + "/" + imageId + "/" + UUID.randomUUID() + ext;
    }

    /** A session's folder, as MONAI Label's session {@code path} names it. */
    public static String session(UUID sessionId) {
        return SESSIONS + sessionId;
    }

    /** The {@code index}-th file of a session. */
    public static String sessionFile(UUID sessionId, int index, String ext) {
        return session(sessionId) + "/" + index + ext;
    }

    public static String model(String model, int version) {
        return MODELS + model + "/" + version + "/model.onnx";
    }

    /** The prefix under which every version of {@code model} lies. */
    public static String modelVersions(String model) {
        return MODELS + model + "/";
    }

    /** The version a model key names, if it is one. */
    public static OptionalInt modelVersion(String key) {
        Matcher m = MODEL_VERSION.matcher(key);
        return m.matches() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    }

    /** A training job's checkpoint after {@code epoch}: per epoch, so the job row written after it names a whole one. */
    public static String checkpoint(UUID job, int epoch) {
        return CHECKPOINTS + job + "/checkpoint-" + epoch + ".onnx";
    }
}
