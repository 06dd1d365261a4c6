package org.medlabel.inference.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.medlabel.app.preprocess.GridPoints;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Volume;

/**
 * Clicks from a request's params as MONAI Label's clients send them: lists of {@code [i, j, k]} voxel indices of the
 * original image under {@code foreground}, {@code background}, or (DeepEdit) one key per label name, and for 2-D models
 * the {@code slice} they are on. Every click must lie inside the image.
 */
public final class Clicks {

    private Clicks() {}

    /** The clicks under {@code key} (absent: none), checked against the image's extent. */
    public static List<double[]> read(Map<String, Object> params, String key, Volume image) {
        Object value = params.get(key);
        List<double[]> clicks = new ArrayList<>();
        if (value == null) {
            return clicks;
        }
        if (!(value instanceof List<?> list)) {
            throw new InvalidRequestException("'" + key + "' must be a list of [i, j, k] voxel indices");
        }
        int[] size = {image.nx(), image.ny(), image.nz()};
        for (Object point : list) {
            if (!(point instanceof List<?> p) || p.size() < 3 || !p.stream().allMatch(c -> c instanceof Number)) {
                throw new InvalidRequestException(
                        "'" + key + "' must be a list of [i, j, k] voxel indices, had " + point);
            }
            double[] ijk = new double[3];
            for (int a = 0; a < 3; a++) {
                ijk[a] = ((Number) p.get(a)).doubleValue();
                if (!(ijk[a] >= 0 && ijk[a] <= size[a] - 1)) {
                    throw new InvalidRequestException("click " + p + " under '" + key + "' lies outside the image of "
                            + size[0] + "x" + size[1] + "x" + size[2] + " voxels");
                }
            }
            clicks.add(ijk);
        }
        return clicks;
    }

    /** Per label name, its clicks (DeepEdit). */
    public static Map<String, List<double[]>> perLabel(Map<String, Object> params, List<String> labels, Volume image) {
        Map<String, List<double[]>> clicks = new LinkedHashMap<>();
        for (String label : labels) {
            clicks.put(label, read(params, label, image));
        }
        return clicks;
    }

    /**
     * The slice a 2-D model works on: {@code slice} from the params (an index along k, as 3D Slicer sends it), else
     * the first foreground click's, as MONAI Label's deepgrow 2D picks it.
     */
    public static int slice(Map<String, Object> params, List<double[]> foreground, Volume image) {
        Object value = params.get("slice");
        if (value == null) {
            if (foreground.isEmpty()) {
                throw new InvalidRequestException("DeepGrow 2D needs at least one click under 'foreground'");
            }
            return (int) Math.round(foreground.get(0)[2]);
        }
        if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
            throw new InvalidRequestException("'slice' must be a whole slice index, had " + value);
        }
        if (n.doubleValue() < 0 || n.doubleValue() > image.nz() - 1) {
            throw new InvalidRequestException("'slice' " + value + " lies outside the image's " + image.nz()
                    + " slices (k = 0.." + (image.nz() - 1) + ")");
        }
        return n.intValue();
    }

    /** The clicks on slice {@code k}: a 2-D model ignores the others, as MONAI Label's deepgrow 2D does. */
    public static List<double[]> onSlice(List<double[]> clicks, int k) {
        return clicks.stream().filter(c -> Math.round(c[2]) == k).toList();
    }

    /** Voxel indices of {@code from} to voxel coordinates of {@code to}, kept inside it ({@link GridPoints}). */
    public static List<double[]> map(List<double[]> clicks, Volume from, Grid to) {
        return GridPoints.map(clicks, Grid.of(from), to);
    }
}
