package org.medlabel.inference.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.medlabel.platform.datastore.DatastoreClient;
import org.medlabel.platform.datastore.DatastoreNotFoundException;
import org.medlabel.platform.http.ServiceRejectedException;
import org.medlabel.platform.http.ServiceUnavailableException;

/** The shared datastore client against the datastore's wire behaviour (the fake answers as datastore-service). */
class DatastoreClientTest {

    private FakeDatastore datastore;
    private DatastoreClient client;

    @BeforeEach
    void start() throws IOException {
        datastore = new FakeDatastore();
        client = new DatastoreClient(datastore.config());
    }

    @AfterEach
    void stop() {
        datastore.close();
    }

    @Test
    void describeReadsTheImageView() throws IOException {
        String sha256 = datastore.put("t1", SharedData.T1_NII_GZ);

        DatastoreClient.Image ref = client.image("t1");

        assertEquals(new DatastoreClient.Image("t1", "t1.nii.gz", sha256, Files.size(SharedData.T1_NII_GZ)), ref);
        assertEquals(List.of("/images/t1"), datastore.rawPaths);
    }

    @Test
    void openStreamsTheStoredBytes() throws IOException {
        datastore.put("t1", SharedData.T1_NII_GZ);

        try (InputStream in = client.openImage("t1").body()) {
            assertArrayEquals(Files.readAllBytes(SharedData.T1_NII_GZ), in.readAllBytes());
        }
        assertEquals(List.of("/images/t1/file"), datastore.rawPaths);
    }

    @Test
    void aMissingImageIsNotFound() {
        DatastoreNotFoundException describe =
                assertThrows(DatastoreNotFoundException.class, () -> client.image("nope"));
        DatastoreNotFoundException open =
                assertThrows(DatastoreNotFoundException.class, () -> client.openImage("nope"));

        assertEquals("image 'nope' not found", describe.detail());
        assertEquals("IMAGE_NOT_FOUND", open.upstreamCode());
    }

    @Test
    void aServerErrorMeansTheDatastoreIsUnavailable() {
        ServiceUnavailableException describe =
                assertThrows(ServiceUnavailableException.class, () -> client.image(FakeDatastore.BROKEN));
        assertThrows(ServiceUnavailableException.class, () -> client.openImage(FakeDatastore.BROKEN));

        assertTrue(describe.getMessage().contains("500"), describe.getMessage());
        assertTrue(describe.getMessage().contains("Internal Server Error"), describe.getMessage());
    }

    @Test
    void aClosedPortMeansTheDatastoreIsUnavailable() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        DatastoreClient unreachable = new DatastoreClient(FakeDatastore.config("http://127.0.0.1:" + port));

        ServiceUnavailableException e = assertThrows(ServiceUnavailableException.class, () -> unreachable.image("t1"));
        assertThrows(ServiceUnavailableException.class, () -> unreachable.openImage("t1"));
        assertTrue(e.getMessage().contains("unreachable"), e.getMessage());
    }

    @Test
    void aNotFoundWithoutTheDatastoresCodeIsAWrongUrlNotAMissingImage() throws IOException {
        datastore.put("t1", SharedData.T1_NII_GZ);
        DatastoreClient misconfigured = new DatastoreClient(FakeDatastore.config(datastore.url() + "/api/"));

        ServiceRejectedException e = assertThrows(ServiceRejectedException.class, () -> misconfigured.image("t1"));
        assertFalse(e instanceof DatastoreNotFoundException, "a wrong URL is not a missing image");
        assertTrue(e.getMessage().contains("404 HTTP_404"), e.getMessage());
        assertEquals(List.of("/api/images/t1"), datastore.rawPaths);
    }

    @Test
    void idsArePercentEncodedIntoOnePathSegment() {
        assertThrows(DatastoreNotFoundException.class, () -> client.image("../datastore/secrets"));
        assertThrows(DatastoreNotFoundException.class, () -> client.openImage("a/../b"));
        assertThrows(DatastoreNotFoundException.class, () -> client.image("a b?c#d%2F+é"));

        assertEquals(
                List.of(
                        "/images/..%2Fdatastore%2Fsecrets",
                        "/images/a%2F..%2Fb/file", "/images/a%20b%3Fc%23d%252F%2B%C3%A9"),
                datastore.rawPaths);
    }

    @Test
    void dotSegmentIdsAreNotFoundWithoutAsking() {
        for (String id : new String[] {"", ".", ".."}) {
            assertThrows(DatastoreNotFoundException.class, () -> client.image(id));
            assertThrows(DatastoreNotFoundException.class, () -> client.openImage(id));
        }
        assertEquals(List.of(), datastore.rawPaths);
    }
}
