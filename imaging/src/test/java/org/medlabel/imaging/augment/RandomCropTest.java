package org.medlabel.imaging.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Region;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelType;

class RandomCropTest {

    private static final Affine UNIT = Affine.scaling(1, 1, 1, 0, 0, 0);

    /** A label where {@code foreground} says which voxel indices are > 0 (their value: 1 + index % 3). */
    private static Volume label(int nx, int ny, int nz, IntPredicate foreground) {
        Volume label = Volume.zeros(nx, ny, nz, 1, VoxelType.UINT8, UNIT);
        for (int i = 0; i < label.voxelCount(); i++) {
            label.voxels().set(i, foreground.test(i) ? 1 + i % 3 : 0);
        }
        return label;
    }

    /** A 4x4x4 foreground cube in a 20x20x20 volume: 0.8 % of the voxels. */
    private static Volume cube() {
        IntPredicate middle = v -> v >= 8 && v < 12;
        return label(20, 20, 20, i -> middle.test(i % 20) && middle.test(i / 20 % 20) && middle.test(i / 400));
    }

    @ParameterizedTest(name = "pos {0} : neg {1}")
    @CsvSource({"1, 1", "3, 1", "1, 3", "1, 0", "0, 1"})
    void centresOnForegroundAtTheRatio(double pos, double neg) {
        // A 1-voxel patch is its centre, so its label says which class was drawn.
        Volume label = cube();
        RandomCrop crop = RandomCrop.of(label, 1, 1, 1, pos, neg);
        Random random = new Random(1);
        int draws = 4000, foreground = 0;
        for (int d = 0; d < draws; d++) {
            if (crop.sample(label, random).label().get(0, 0, 0) > 0) {
                foreground++;
            }
        }
        double p = pos / (pos + neg);
        double sigma = Math.sqrt(p * (1 - p) / draws);
        assertEquals(p, (double) foreground / draws, 5 * sigma, "share of foreground centres");
    }

    @ParameterizedTest(name = "foreground drawn: {0}, foreground the majority: {1}")
    @CsvSource({"true, false", "false, false", "true, true", "false, true"})
    void everyVoxelOfTheDrawnClassIsEquallyLikely(boolean drawForeground, boolean foregroundMajority) {
        // 18 voxels, 4 of one class: draws of the indexed (rarer) class and of its complement, found by rank.
        IntPredicate inFour = i -> i == 0 || i == 5 || i == 6 || i == 17;
        Volume label = label(3, 3, 2, foregroundMajority ? inFour.negate() : inFour);
        Volume image = Coordinates.volume(3, 3, 2, 1, UNIT);
        RandomCrop crop = RandomCrop.of(label, 1, 1, 1, drawForeground ? 1 : 0, drawForeground ? 0 : 1);
        Random random = new Random(2);
        int[] hits = new int[18];
        int draws = 18_000;
        for (int d = 0; d < draws; d++) {
            int[] xyzc = Coordinates.decode(crop.sample(image, random).image().get(0, 0, 0));
            hits[label.index(xyzc[0], xyzc[1], xyzc[2], 0)]++;
        }
        List<Integer> ofClass = new ArrayList<>();
        for (int i = 0; i < 18; i++) {
            if (label.voxels().get(i) > 0 == drawForeground) {
                ofClass.add(i);
            } else {
                assertEquals(0, hits[i], "voxel " + i + " is not of the drawn class");
            }
        }
        assertEquals(drawForeground != foregroundMajority ? 4 : 14, ofClass.size());
        double p = 1.0 / ofClass.size();
        double sigma = Math.sqrt(draws * p * (1 - p));
        for (int i : ofClass) {
            assertEquals(draws * p, hits[i], 5 * sigma, "draws of voxel " + i);
        }
    }

    @ParameterizedTest(name = "patch {0}x{1}x{2}")
    @CsvSource({"8, 6, 4", "7, 5, 3", "30, 20, 10", "1, 20, 1"})
    void patchesLieInsideTheVolumeAndHaveThePatchSize(int px, int py, int pz) {
        Volume label = label(30, 20, 10, i -> i % 7 == 0);
        Volume image = Coordinates.volume(30, 20, 10, 1, UNIT);
        RandomCrop crop = RandomCrop.of(label, px, py, pz, 1, 1);
        Random random = new Random(3);
        for (int d = 0; d < 500; d++) {
            Patch patch = crop.sample(image, random);
            Region r = patch.region();
            assertEquals(new Region(r.x(), r.y(), r.z(), px, py, pz), r);
            assertTrue(r.x() >= 0 && r.y() >= 0 && r.z() >= 0, r::toString);
            assertTrue(r.x() + px <= 30 && r.y() + py <= 20 && r.z() + pz <= 10, r::toString);
            for (Volume v : List.of(patch.image(), patch.label())) {
                assertArrayEquals(new int[] {px, py, pz, 1}, new int[] {v.nx(), v.ny(), v.nz(), v.channels()});
            }
        }
    }

    @Test
    void imageAndLabelPatchesStayAlignedAndKeepWorldPositions() {
        Volume image = Coordinates.volume(40, 30, 20, 2, Coordinates.OBLIQUE);
        Volume label = label(40, 30, 20, i -> i % 40 > 25 && i / 1200 < 6).withAffine(Coordinates.OBLIQUE);
        RandomCrop crop = RandomCrop.of(label, 9, 8, 7, 1, 1);
        Random random = new Random(4);
        for (int d = 0; d < 50; d++) {
            Patch patch = crop.sample(image, random);
            Region r = patch.region();
            for (int c = 0; c < 2; c++) {
                for (int z = 0; z < r.sz(); z++) {
                    for (int y = 0; y < r.sy(); y++) {
                        for (int x = 0; x < r.sx(); x++) {
                            int[] source = Coordinates.decode(patch.image().get(x, y, z, c));
                            assertArrayEquals(new int[] {r.x() + x, r.y() + y, r.z() + z, c}, source);
                            assertEquals(
                                    label.get(source[0], source[1], source[2]),
                                    patch.label().get(x, y, z),
                                    "label at patch voxel " + x + "," + y + "," + z);
                        }
                    }
                }
            }
            double[] sourceWorld = Coordinates.OBLIQUE.apply(r.x(), r.y(), r.z());
            assertArrayEquals(sourceWorld, patch.image().affine().apply(0, 0, 0), 1e-9);
            assertArrayEquals(sourceWorld, patch.label().affine().apply(0, 0, 0), 1e-9);
            assertArrayEquals(
                    Coordinates.OBLIQUE.apply(r.x() + 8, r.y() + 7, r.z() + 6),
                    patch.image().affine().apply(8, 7, 6),
                    1e-9);
        }
    }

    @Test
    void padsAVolumeSmallerThanThePatchSymmetrically() {
        Volume image = Coordinates.volume(4, 10, 3, 1, UNIT);
        Volume label = label(4, 10, 3, i -> true);
        Patch patch = RandomCrop.of(label, 8, 6, 6, 1, 1).sample(image, -1024, new Random(5));
        Region r = patch.region();
        // x: 4 voxels in 8, 2 of padding before; z: 3 in 6, 1 before and 2 after; y fits and slides.
        assertEquals(-2, r.x());
        assertEquals(-1, r.z());
        assertTrue(r.y() >= 0 && r.y() + 6 <= 10);
        for (int z = 0; z < 6; z++) {
            for (int y = 0; y < 6; y++) {
                for (int x = 0; x < 8; x++) {
                    boolean inside = x >= 2 && x < 6 && z >= 1 && z < 4;
                    double expected = inside ? Coordinates.encode(x - 2, r.y() + y, z - 1, 0) : -1024;
                    assertEquals(expected, patch.image().get(x, y, z), "image at " + x + "," + y + "," + z);
                    assertEquals(inside ? 1 : 0, patch.label().get(x, y, z) > 0 ? 1 : 0, "label inside the image");
                }
            }
        }
    }

    @Test
    void fallsBackToTheOtherClassWhenOneIsMissing() {
        Volume empty = label(10, 10, 10, i -> false);
        Volume full = label(10, 10, 10, i -> true);
        Random random = new Random(6);
        for (int d = 0; d < 100; d++) {
            assertEquals(
                    0,
                    RandomCrop.of(empty, 1, 1, 1, 1, 0)
                            .sample(empty, random)
                            .label()
                            .get(0, 0, 0));
            assertTrue(RandomCrop.of(full, 1, 1, 1, 0, 1)
                            .sample(full, random)
                            .label()
                            .get(0, 0, 0)
                    > 0);
        }
    }

    @Test
    void theSameSeedGivesTheSameCrops() {
        Volume label = cube();
        RandomCrop crop = RandomCrop.of(label, 5, 5, 5, 1, 1);
        Random a = new Random(7), b = new Random(7), other = new Random(8);
        List<Region> first = new ArrayList<>(), second = new ArrayList<>(), third = new ArrayList<>();
        for (int d = 0; d < 50; d++) {
            first.add(crop.sample(label, a).region());
            second.add(crop.sample(label, b).region());
            third.add(crop.sample(label, other).region());
        }
        assertEquals(first, second);
        assertNotEquals(first, third);
    }

    @Test
    void rejectsMismatchedVolumesAndSettings() {
        Volume label = cube();
        assertThrows(
                IllegalArgumentException.class,
                () -> RandomCrop.of(Volume.zeros(4, 4, 4, 2, VoxelType.UINT8, UNIT), 2, 2, 2, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> RandomCrop.of(label, 2, 0, 2, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> RandomCrop.of(label, 2, 2, 2, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> RandomCrop.of(label, 2, 2, 2, -1, 2));
        RandomCrop crop = RandomCrop.of(label, 2, 2, 2, 1, 1);
        Volume smaller = Volume.zeros(20, 20, 19, 1, VoxelType.FLOAT32, UNIT);
        assertThrows(IllegalArgumentException.class, () -> crop.sample(smaller, new Random(9)));
    }
}
