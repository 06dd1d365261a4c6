package org.medlabel.app.network;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Fitted windows: as few as cover the volume within the voxel budget, sized in multiples of 16. */
class WindowPlanTest {

    @Test
    void aSpleenCtGetsTwoSlabsInsteadOfEightCubes() {
        assertArrayEquals(new int[] {256, 256, 112}, WindowPlan.fit(new int[] {256, 256, 199}, 1 << 23));
    }

    @Test
    void aVolumeWithinTheBudgetIsOneWindowRoundedUpTo16() {
        assertArrayEquals(new int[] {128, 128, 64}, WindowPlan.fit(new int[] {128, 128, 62}, 1 << 23));
    }

    @Test
    void windowsStayWithinTheBudgetAndCoverTheVolume() {
        int[] size = {512, 512, 300};
        long budget = 1 << 23;
        int[] roi = WindowPlan.fit(size, budget);
        assertTrue((long) roi[0] * roi[1] * roi[2] <= budget);
        for (int a = 0; a < 3; a++) {
            assertTrue(roi[a] % 16 == 0);
            int windows = (int) Math.ceil(Math.max(0, size[a] - roi[a]) / (roi[a] * (1 - WindowPlan.OVERLAP))) + 1;
            assertTrue(windows * roi[a] >= size[a], "axis " + a + " covered");
        }
    }

    @Test
    void aBudgetTooSmallForTheVolumeIsRefused() {
        assertThrows(
                WindowPlan.TooManyWindowsException.class, () -> WindowPlan.fit(new int[] {4096, 4096, 4096}, 4096));
    }
}
