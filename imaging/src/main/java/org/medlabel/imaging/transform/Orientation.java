package org.medlabel.imaging.transform;

import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/**
 * Reorders and flips voxel axes so that they run along given world directions, without interpolation (MONAI's
 * {@code Orientationd}, nibabel's {@code as_closest_canonical} for "RAS"). The world position of every voxel is
 * unchanged: only the array order and the affine change. Each voxel axis is matched to the world axis it is closest
 * to (the largest remaining entry of the normalised direction matrix first, as nibabel does), so oblique images get
 * the nearest orthogonal ordering.
 */
public final class Orientation {

    private static final String CODES = "RASLPI"; // index w: positive world axis w; index w + 3: negative

    private final String target;

    /** Orientation to axis codes such as {@code "RAS"} or {@code "LPS"}: the direction each voxel axis increases in. */
    public Orientation(String axisCodes) {
        this.target = axisCodes;
        axes(axisCodes); // validate
    }

    public static Orientation ras() {
        return new Orientation("RAS");
    }

    /** The orientation of an existing grid, to restore a volume to it after processing in another orientation. */
    public static Orientation of(Grid grid) {
        return new Orientation(codes(grid.affine()));
    }

    /** The axis codes of an affine, e.g. {@code "LSA"} for an image whose i axis runs to the patient's left. */
    public static String codes(Affine affine) {
        int[] world = closestWorldAxes(affine);
        StringBuilder s = new StringBuilder();
        for (int axis = 0; axis < 3; axis++) {
            int w = world[axis];
            s.append(CODES.charAt(affine.get(w, axis) >= 0 ? w : w + 3));
        }
        return s.toString();
    }

    public Volume apply(Volume in) {
        int[] sourceWorld = closestWorldAxes(in.affine());
        int[] targetAxes = axes(target); // world axis + 3 * (negative ? 1 : 0), per target voxel axis
        int[] size = {in.nx(), in.ny(), in.nz()};
        int[] stride = {1, in.nx(), in.nx() * in.ny()};
        // For target axis t: the source axis along the same world axis, and whether it runs the other way.
        int[] sourceAxis = new int[3];
        boolean[] flip = new boolean[3];
        for (int t = 0; t < 3; t++) {
            int world = targetAxes[t] % 3;
            boolean negative = targetAxes[t] >= 3;
            int s = indexOf(sourceWorld, world);
            sourceAxis[t] = s;
            boolean sourceNegative = in.affine().get(world, s) < 0;
            flip[t] = sourceNegative != negative;
        }
        if (sourceAxis[0] == 0 && sourceAxis[1] == 1 && sourceAxis[2] == 2 && !flip[0] && !flip[1] && !flip[2]) {
            return in; // already so: volumes are never modified, so no copy is needed
        }
        int ox = size[sourceAxis[0]], oy = size[sourceAxis[1]], oz = size[sourceAxis[2]];
        // Target voxel (x, y, z) -> source index = offset + x*sx + y*sy + z*sz.
        int[] step = new int[3];
        int offset = 0;
        double[] t = new double[12]; // target voxel -> source voxel, for the new affine
        for (int a = 0; a < 3; a++) {
            int s = sourceAxis[a];
            step[a] = flip[a] ? -stride[s] : stride[s];
            if (flip[a]) {
                offset += (size[s] - 1) * stride[s];
            }
            t[s * 4 + a] = flip[a] ? -1 : 1;
            t[s * 4 + 3] = flip[a] ? size[s] - 1 : 0;
        }
        VoxelBuffer src = in.voxels();
        VoxelBuffer out = VoxelBuffer.allocate(in.type(), src.length());
        int perChannel = in.voxelCount();
        for (int c = 0; c < in.channels(); c++) {
            int base = c * perChannel;
            int i = base;
            for (int z = 0; z < oz; z++) {
                for (int y = 0; y < oy; y++) {
                    int from = base + offset + y * step[1] + z * step[2];
                    for (int x = 0; x < ox; x++, i++, from += step[0]) {
                        out.set(i, src.get(from));
                    }
                }
            }
        }
        return new Volume(ox, oy, oz, in.channels(), in.affine().multiply(Affine.of(t)), out);
    }

    /** For each voxel axis, the world axis (0 = x/R, 1 = y/A, 2 = z/S) it is closest to. */
    private static int[] closestWorldAxes(Affine a) {
        double[] spacing = a.spacing();
        double[][] r = new double[3][3];
        for (int w = 0; w < 3; w++) {
            for (int axis = 0; axis < 3; axis++) {
                r[w][axis] = Math.abs(a.get(w, axis) / spacing[axis]);
            }
        }
        int[] world = {-1, -1, -1};
        for (int round = 0; round < 3; round++) {
            int bw = -1, ba = -1;
            for (int w = 0; w < 3; w++) {
                for (int axis = 0; axis < 3; axis++) {
                    if (world[axis] < 0 && indexOf(world, w) < 0 && (bw < 0 || r[w][axis] > r[bw][ba])) {
                        bw = w;
                        ba = axis;
                    }
                }
            }
            world[ba] = bw;
        }
        return world;
    }

    private static int[] axes(String codes) {
        if (codes == null || codes.length() != 3) {
            throw new IllegalArgumentException("axis codes are three letters of R/L, A/P, S/I, was " + codes);
        }
        int[] axes = new int[3];
        boolean[] seen = new boolean[3];
        for (int i = 0; i < 3; i++) {
            int k = CODES.indexOf(Character.toUpperCase(codes.charAt(i)));
            if (k < 0 || seen[k % 3]) {
                throw new IllegalArgumentException("invalid axis codes '" + codes + "'");
            }
            seen[k % 3] = true;
            axes[i] = k;
        }
        return axes;
    }

    private static int indexOf(int[] values, int v) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == v) {
                return i;
            }
        }
        return -1;
    }
}
