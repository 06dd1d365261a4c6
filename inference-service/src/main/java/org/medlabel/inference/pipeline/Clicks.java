package org.medlabel.inference.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.medlabel.imaging.volume.Volume;

/**
 * Clicks from a request's params as MONAI Label's clients send them: lists of {@code [i, j, k]} voxel indices of the
 * original image under {@code foreground}, {@code background}, or (DeepEdit) one key per label name. Every click must
 * lie inside the image.
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

    /** Voxel indices of {@code from} to voxel coordinates of {@code to}, through world space. */
    public static List<double[]> map(List<double[]> clicks, Volume from, org.medlabel.imaging.volume.Grid to) {
        var toIndex = to.affine().inverse();
        List<double[]> mapped = new ArrayList<>();
        for (double[] c : clicks) {
            double[] world = from.affine().apply(c[0], c[1], c[2]);
            mapped.add(toIndex.apply(world[0], world[1], world[2]));
        }
        return mapped;
    }
}
