package org.medlabel.imaging.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelType;

/** {@link Flip} and the draws of {@link RandomFlip}. */
class FlipTest {

    private static final List<Flip> ALL = allFlips();

    private final Volume image = Coordinates.volume(7, 5, 4, 2, Coordinates.OBLIQUE);

    private static List<Flip> allFlips() {
        List<Flip> flips = new ArrayList<>();
        for (int bits = 0; bits < 8; bits++) {
            flips.add(new Flip((bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0));
        }
        return flips;
    }

    @Test
    void flippingXMapsVoxelIToTheMirroredVoxel() {
        Volume flipped = new Flip(true, false, false).apply(image);
        for (int c = 0; c < 2; c++) {
            for (int k = 0; k < 4; k++) {
                for (int j = 0; j < 5; j++) {
                    for (int i = 0; i < 7; i++) {
                        assertEquals(image.get(i, j, k, c), flipped.get(7 - 1 - i, j, k, c));
                    }
                }
            }
        }
    }

    @Test
    void probabilityOneFlipsEveryAxis() {
        Flip flip = new RandomFlip(1).draw(new Random(1));
        assertEquals(new Flip(true, true, true), flip);
        Volume flipped = flip.apply(image);
        assertEquals(image.get(1, 2, 3, 1), flipped.get(7 - 1 - 1, 5 - 1 - 2, 4 - 1 - 3, 1));
        assertSame(image, new RandomFlip(0).draw(new Random(1)).apply(image), "nothing to flip");
    }

    @Test
    void everyVoxelKeepsItsWorldPosition() {
        for (Flip flip : ALL) {
            Volume flipped = flip.apply(image);
            for (int c = 0; c < 2; c++) {
                for (int k = 0; k < 4; k++) {
                    for (int j = 0; j < 5; j++) {
                        for (int i = 0; i < 7; i++) {
                            int[] source = Coordinates.decode(flipped.get(i, j, k, c));
                            assertArrayEquals(
                                    image.affine().apply(source[0], source[1], source[2]),
                                    flipped.affine().apply(i, j, k),
                                    1e-9,
                                    flip + " voxel " + i + "," + j + "," + k);
                        }
                    }
                }
            }
        }
    }

    @Test
    void flippingTwiceIsTheIdentityAndTheInputStaysAsItWas() {
        Volume before = new Volume(7, 5, 4, 2, image.affine(), image.voxels().copy());
        for (Flip flip : ALL) {
            Volume twice = flip.apply(flip.apply(image));
            for (int i = 0; i < image.voxels().length(); i++) {
                assertEquals(image.voxels().get(i), twice.voxels().get(i), flip + " value " + i);
                assertEquals(before.voxels().get(i), image.voxels().get(i), "input changed at " + i);
            }
            assertTrue(twice.affine().approximatelyEquals(image.affine(), 1e-9), flip::toString);
        }
    }

    @Test
    void imageAndLabelFlippedByOneDrawStayAligned() {
        Volume label = Volume.zeros(7, 5, 4, 1, VoxelType.INT16, Coordinates.OBLIQUE);
        for (int i = 0; i < label.voxelCount(); i++) {
            label.voxels().set(i, image.voxels().get(i) % 1000); // a function of the image voxel
        }
        Random random = new Random(2);
        RandomFlip randomFlip = new RandomFlip(0.5);
        for (int d = 0; d < 20; d++) {
            Flip flip = randomFlip.draw(random);
            Volume flippedImage = flip.apply(image), flippedLabel = flip.apply(label);
            assertEquals(VoxelType.INT16, flippedLabel.type());
            assertEquals(flippedImage.affine(), flippedLabel.affine());
            for (int i = 0; i < label.voxelCount(); i++) {
                assertEquals(
                        flippedImage.voxels().get(i) % 1000,
                        flippedLabel.voxels().get(i));
            }
        }
    }

    @Test
    void eachAxisFlipsIndependentlyWithTheProbability() {
        RandomFlip randomFlip = new RandomFlip(0.3);
        Random random = new Random(3);
        int draws = 10_000;
        int[] perAxis = new int[3];
        int xAndY = 0;
        for (int d = 0; d < draws; d++) {
            Flip flip = randomFlip.draw(random);
            perAxis[0] += flip.x() ? 1 : 0;
            perAxis[1] += flip.y() ? 1 : 0;
            perAxis[2] += flip.z() ? 1 : 0;
            xAndY += flip.x() && flip.y() ? 1 : 0;
        }
        for (int axis = 0; axis < 3; axis++) {
            assertEquals(0.3, perAxis[axis] / (double) draws, 5 * Math.sqrt(0.3 * 0.7 / draws), "axis " + axis);
        }
        assertEquals(0.09, xAndY / (double) draws, 5 * Math.sqrt(0.09 * 0.91 / draws), "x and y together");
    }

    @Test
    void theSameSeedGivesTheSameFlips() {
        RandomFlip randomFlip = new RandomFlip(0.5);
        Random a = new Random(4), b = new Random(4);
        for (int d = 0; d < 100; d++) {
            assertEquals(randomFlip.draw(a), randomFlip.draw(b));
        }
    }

    @Test
    void rejectsAProbabilityOutsideZeroToOne() {
        assertThrows(IllegalArgumentException.class, () -> new RandomFlip(1.5));
        assertThrows(IllegalArgumentException.class, () -> new RandomFlip(Double.NaN));
    }
}
