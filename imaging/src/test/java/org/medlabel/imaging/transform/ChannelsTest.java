package org.medlabel.imaging.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.medlabel.imaging.metric.Dice;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.imaging.volume.VoxelType;

class ChannelsTest {

    private static final Affine UNIT = Affine.scaling(1, 1, 1, 0, 0, 0);

    private final Channels channels = new Channels(Parallel.threads(2));

    @Test
    void softmaxMatchesTheDefinitionAndArgmaxAgreesWithTheLogits() {
        Volume logits = Volume.zeros(7, 5, 3, 3, VoxelType.FLOAT32, UNIT);
        Random random = new Random(42);
        for (int i = 0; i < logits.voxels().length(); i++) {
            logits.voxels().set(i, random.nextGaussian() * 10);
        }
        Volume p = channels.softmax(logits);
        Volume fromLogits = channels.argmax(logits);
        Volume fromProbabilities = channels.argmax(p);
        for (int z = 0; z < 3; z++) {
            for (int y = 0; y < 5; y++) {
                for (int x = 0; x < 7; x++) {
                    double denominator = 0;
                    for (int c = 0; c < 3; c++) {
                        denominator += Math.exp(logits.get(x, y, z, c));
                    }
                    double total = 0;
                    for (int c = 0; c < 3; c++) {
                        assertEquals(Math.exp(logits.get(x, y, z, c)) / denominator, p.get(x, y, z, c), 1e-6);
                        total += p.get(x, y, z, c);
                    }
                    assertEquals(1, total, 1e-6);
                    assertEquals(fromLogits.get(x, y, z), fromProbabilities.get(x, y, z));
                }
            }
        }
        assertEquals(VoxelType.UINT8, fromLogits.type());
    }

    @Test
    void argmaxBreaksTiesTowardsTheFirstChannelAndStaysStableForHugeLogits() {
        Volume scores = new Volume(2, 1, 1, 2, UNIT, new VoxelBuffer.Float32(new float[] {0.5f, 1e30f, 0.5f, 1e30f}));
        Volume labels = channels.argmax(scores);
        assertEquals(0, labels.get(0, 0, 0));
        assertEquals(0, labels.get(1, 0, 0));
        Volume p = channels.softmax(scores);
        assertEquals(0.5, p.get(1, 0, 0, 0), 1e-7);
    }

    @Test
    void intensityWindowScalesAndClipsAsMonai() {
        Volume ct = new Volume(4, 1, 1, UNIT, new VoxelBuffer.Int16(new short[] {-1000, -57, 53, 500}));
        Volume w = new IntensityWindow(-57, 164, 0, 1, true).apply(ct);
        assertEquals(0, w.get(0, 0, 0));
        assertEquals(0, w.get(1, 0, 0));
        assertEquals((53 + 57) / 221.0, w.get(2, 0, 0), 1e-6);
        assertEquals(1, w.get(3, 0, 0));
        Volume unclipped = new IntensityWindow(-57, 164, 0, 1, false).apply(ct);
        assertEquals((500 + 57) / 221.0, unclipped.get(3, 0, 0), 1e-6);
        assertThrows(IllegalArgumentException.class, () -> new IntensityWindow(1, 1, 0, 1, true));
        // a float32 input (a resampled image) takes the array path: the same values
        Volume floats = new Volume(4, 1, 1, UNIT, new VoxelBuffer.Float32(new float[] {-1000, -57, 53, 500}));
        for (boolean clip : new boolean[] {true, false}) {
            Volume expected = new IntensityWindow(-57, 164, 0, 1, clip).apply(ct);
            Volume actual = new IntensityWindow(-57, 164, 0, 1, clip).apply(floats);
            for (int x = 0; x < 4; x++) {
                assertEquals(expected.get(x, 0, 0), actual.get(x, 0, 0), 0.0, "clip " + clip + ", voxel " + x);
            }
        }
    }

    @Test
    void diceCountsOverlapPerLabel() {
        Volume truth = new Volume(6, 1, 1, UNIT, new VoxelBuffer.UInt8(new byte[] {1, 1, 1, 2, 0, 0}));
        Volume pred = new Volume(6, 1, 1, UNIT, new VoxelBuffer.UInt8(new byte[] {1, 1, 0, 2, 2, 3}));
        assertEquals(2.0 * 2 / (2 + 3), Dice.of(pred, truth, 1), 1e-12);
        assertEquals(2.0 * 1 / (2 + 1), Dice.of(pred, truth, 2), 1e-12);
        assertEquals(0, Dice.of(pred, truth, 3), 1e-12);
        assertEquals(1, Dice.of(pred, truth, 9), "absent from both");
        assertEquals((0.8 + 2.0 / 3 + 0) / 3, Dice.mean(pred, truth), 1e-12);
        assertEquals(1, Dice.mean(truth, truth));
    }
}
