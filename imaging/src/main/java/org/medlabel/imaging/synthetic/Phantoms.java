package org.medlabel.imaging.synthetic;

import java.util.Random;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/**
 * CT-like synthetic volumes with a known answer, for learning tests, benchmarks and newcomers' first datasets: a body
 * (a large ellipsoid, +30 HU over noise) holding an organ (a smaller ellipsoid, +80 HU, the label) and a darker
 * distractor (−80 HU), in Gaussian noise of 30 HU. Organ position and size vary by seed; the same seed gives the same
 * volume on every machine.
 */
public final class Phantoms {

    /** An image (float32, HU-like) and its label (uint8: 0 background, 1 organ) on the same 1 mm grid. */
    public record Phantom(Volume image, Volume label) {}

    private Phantoms() {}

    /** A cubic phantom. */
    public static Phantom make(int size, long seed) {
        return make(size, size, size, seed);
    }

    public static Phantom make(int nx, int ny, int nz, long seed) {
        Random r = new Random(seed);
        double[] n = {nx, ny, nz};
        double[] c = {nx / 2.0, ny / 2.0, nz / 2.0};
        double[] organ = new double[3];
        double[] organRadii = new double[3];
        double[] other = new double[3];
        for (int a = 0; a < 3; a++) {
            organ[a] = c[a] + jitter(r, n[a] / 6.0);
        }
        for (int a = 0; a < 3; a++) {
            organRadii[a] = n[a] * (0.12 + 0.1 * r.nextDouble());
        }
        for (int a = 0; a < 3; a++) {
            other[a] = c[a] + jitter(r, n[a] / 4.0);
        }
        double otherScale = 0.06 + 0.06 * r.nextDouble();
        double[] otherRadii = {otherScale * nx, otherScale * ny, otherScale * nz};
        double[] body = {0.45 * nx, 0.4 * ny, 0.45 * nz};
        float[] image = new float[nx * ny * nz];
        byte[] label = new byte[image.length];
        for (int z = 0, i = 0; z < nz; z++) {
            for (int y = 0; y < ny; y++) {
                for (int x = 0; x < nx; x++, i++) {
                    double value = 30 * r.nextGaussian();
                    if (inside(x, y, z, c, body)) {
                        value += 30;
                    }
                    if (inside(x, y, z, organ, organRadii)) {
                        value += 80;
                        label[i] = 1;
                    } else if (inside(x, y, z, other, otherRadii)) {
                        value -= 80;
                    }
                    image[i] = (float) value;
                }
            }
        }
        Affine identity = Affine.of(new double[] {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1});
        return new Phantom(
                new Volume(nx, ny, nz, identity, new VoxelBuffer.Float32(image)),
                new Volume(nx, ny, nz, identity, new VoxelBuffer.UInt8(label)));
    }

    private static double jitter(Random r, double range) {
        return (2 * r.nextDouble() - 1) * range;
    }

    private static boolean inside(int x, int y, int z, double[] centre, double[] radii) {
        double dx = (x - centre[0]) / radii[0];
        double dy = (y - centre[1]) / radii[1];
        double dz = (z - centre[2]) / radii[2];
        return dx * dx + dy * dy + dz * dz <= 1;
    }
}
