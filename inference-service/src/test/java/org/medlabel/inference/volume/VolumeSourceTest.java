package org.medlabel.inference.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.medlabel.imaging.io.NiftiReader;
import org.medlabel.imaging.io.NrrdReader;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.platform.datastore.DatastoreClient;

class VolumeSourceTest {

    private FakeDatastore datastore;
    private VolumeCache cache;
    private VolumeSource source;

    @BeforeEach
    void start() throws IOException {
        datastore = new FakeDatastore();
        cache = new VolumeCache(64L << 20);
        source = new VolumeSource(new DatastoreClient(datastore.config()), cache, new ImageDecoder(1L << 24));
    }

    @AfterEach
    void stop() {
        datastore.close();
    }

    @Test
    void decodesAnImageOnceAndThenServesItFromTheCache() throws IOException {
        String sha256 = datastore.put("t1", SharedData.T1_NII_GZ);

        VolumeSource.Loaded first = source.load("t1");
        VolumeSource.Loaded second = source.load("t1");

        assertFalse(first.cacheHit());
        assertEquals(sha256, first.ref().sha256());
        ImageDecoderTest.assertSameVolume(new NiftiReader().read(SharedData.T1_NII_GZ), first.volume());
        assertTrue(second.cacheHit());
        assertSame(first.volume(), second.volume());
        assertEquals(1, datastore.fileDownloads.get(), "the bytes are fetched once");
        assertEquals(
                (long) first.volume().voxelCount() * first.volume().type().bytes(),
                cache.stats().bytes());
    }

    @Test
    void aReuploadUnderTheSameIdIsDecodedAgain() throws IOException {
        datastore.put("t1", SharedData.T1_NII_GZ);
        Volume before = source.load("t1").volume();

        datastore.put("t1", SharedData.T1_NRRD);
        VolumeSource.Loaded after = source.load("t1");

        assertFalse(after.cacheHit());
        assertEquals("t1.nrrd", after.ref().fileName());
        ImageDecoderTest.assertSameVolume(
                new NrrdReader().read(SharedData.T1_NRRD).volume(), after.volume());
        assertNotSame(before, after.volume());
        assertEquals(2, datastore.fileDownloads.get());
    }

    @Test
    void aSessionsImageIsLoadedByItsSessionAndDecodedOnce() throws IOException {
        datastore.putSession("5f0c", SharedData.T1_NII_GZ);
        VolumeSource.Loaded first = source.loadSession("5f0c");
        VolumeSource.Loaded second = source.loadSession("5f0c");
        assertFalse(first.cacheHit());
        assertTrue(second.cacheHit());
        assertEquals("session:5f0c", first.ref().id());
        assertEquals(1, datastore.fileDownloads.get());
        ImageNotFoundException e = assertThrows(ImageNotFoundException.class, () -> source.loadSession("gone"));
        assertEquals("session 'gone' not found", e.getMessage());
    }

    @Test
    void aMissingImageIsNotFoundAndNothingIsCached() {
        ImageNotFoundException e = assertThrows(ImageNotFoundException.class, () -> source.load("nope"));

        assertEquals("image 'nope' not found", e.getMessage());
        assertEquals(new VolumeCache.Stats(0, 0, 0, 0), cache.stats());
    }

    @Test
    void anImageOverTheVoxelLimitIsTooLarge() throws IOException {
        datastore.put("t1", SharedData.T1_NII_GZ);
        VolumeSource strict =
                new VolumeSource(new DatastoreClient(datastore.config()), cache, new ImageDecoder(64 * 64 * 64));

        assertThrows(ImageTooLargeException.class, () -> strict.load("t1"));
        assertEquals(0, cache.stats().bytes());
    }
}
