package org.medlabel.imaging.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class VolumeTest {

    private static final Affine OBLIQUE = Affine.of(
            -0.859375, 0.0, 0.0, 110.5, 0.0, 0.8516062, 0.9486403, -138.85327, 0.0, -0.11529203, 7.007145, -43.35803);

    @Test
    void affineSpacingInverseAndComposition() {
        assertArrayEquals(new double[] {0.859375, 0.8593749, 7.071068}, OBLIQUE.spacing(), 1e-4);
        Affine identity = OBLIQUE.multiply(OBLIQUE.inverse());
        assertTrue(identity.approximatelyEquals(Affine.scaling(1, 1, 1, 0, 0, 0), 1e-12), identity.toString());
        double[] world = OBLIQUE.apply(10, 20, 5);
        double[] voxel = OBLIQUE.inverse().apply(world[0], world[1], world[2]);
        assertArrayEquals(new double[] {10, 20, 5}, voxel, 1e-9);
        assertEquals(1, OBLIQUE.get(3, 3));
        assertThrows(
                IllegalStateException.class,
                () -> Affine.scaling(1, 0, 1, 0, 0, 0).inverse());
        assertThrows(IllegalArgumentException.class, () -> Affine.of(1, 2, 3));
        assertThrows(IllegalArgumentException.class, () -> Affine.of(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, Double.NaN));
    }

    @Test
    void indexesXFastestThenYZAndChannel() {
        Volume v = Volume.zeros(4, 3, 2, 2, VoxelType.FLOAT32, Affine.scaling(1, 1, 1, 0, 0, 0));
        assertEquals(0, v.index(0, 0, 0, 0));
        assertEquals(1, v.index(1, 0, 0, 0));
        assertEquals(4, v.index(0, 1, 0, 0));
        assertEquals(12, v.index(0, 0, 1, 0));
        assertEquals(24, v.index(0, 0, 0, 1));
        v.voxels().set(v.index(3, 2, 1, 1), 7.5);
        assertEquals(7.5, v.get(3, 2, 1, 1));
        assertEquals(24, v.voxelCount());
    }

    @Test
    void integerBuffersRoundAndClampToTheirRange() {
        VoxelBuffer u8 = VoxelBuffer.allocate(VoxelType.UINT8, 3);
        u8.set(0, 255.4);
        u8.set(1, 300);
        u8.set(2, -3);
        assertArrayEquals(new double[] {255, 255, 0}, new double[] {u8.get(0), u8.get(1), u8.get(2)});
        VoxelBuffer i16 = VoxelBuffer.allocate(VoxelType.INT16, 2);
        i16.set(0, -1024.6);
        i16.set(1, 1e9);
        assertEquals(-1025, i16.get(0));
        assertEquals(Short.MAX_VALUE, i16.get(1));
        VoxelBuffer copy = i16.copy();
        copy.set(0, 0);
        assertEquals(-1025, i16.get(0), "a copy is independent");
    }

    @Test
    void floatsShareAWholeFloat32BufferAndCopyEverythingElse() {
        float[] backing = {1, 2, 3, 4};
        VoxelBuffer f = new VoxelBuffer.Float32(backing);
        assertTrue(f.floats(0, 4) == backing, "no copy of a whole float32 buffer");
        assertArrayEquals(new float[] {2, 3}, f.floats(1, 2));
        assertArrayEquals(new float[] {-7, 300}, new VoxelBuffer.Int16(new short[] {5, -7, 300}).floats(1, 2));
        assertArrayEquals(new float[] {255}, new VoxelBuffer.UInt8(new byte[] {(byte) 255}).floats(0, 1));
    }

    @Test
    void refusesInconsistentShapes() {
        Affine a = Affine.scaling(1, 1, 1, 0, 0, 0);
        assertThrows(
                IllegalArgumentException.class, () -> new Volume(2, 2, 2, a, VoxelBuffer.allocate(VoxelType.UINT8, 7)));
        assertThrows(
                IllegalArgumentException.class, () -> new Volume(0, 2, 2, a, VoxelBuffer.allocate(VoxelType.UINT8, 0)));
        assertThrows(IllegalArgumentException.class, () -> VoxelBuffer.allocate(VoxelType.FLOAT32, 1L << 31));
    }
}
