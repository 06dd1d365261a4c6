package org.medlabel.inference.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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

        ImageRef ref = client.describe("t1");

        assertEquals(new ImageRef("t1", "t1.nii.gz", sha256, Files.size(SharedData.T1_NII_GZ)), ref);
        assertEquals(List.of("/images/t1"), datastore.rawPaths);
    }

    @Test
    void openStreamsTheStoredBytes() throws IOException {
        datastore.put("t1", SharedData.T1_NII_GZ);

        try (InputStream in = client.open("t1")) {
            assertArrayEquals(Files.readAllBytes(SharedData.T1_NII_GZ), in.readAllBytes());
        }
        assertEquals(List.of("/images/t1/file"), datastore.rawPaths);
    }

    @Test
    void aMissingImageIsNotFound() {
        ImageNotFoundException describe = assertThrows(ImageNotFoundException.class, () -> client.describe("nope"));
        ImageNotFoundException open = assertThrows(ImageNotFoundException.class, () -> client.open("nope"));

        assertEquals("image 'nope' not found", describe.getMessage());
        assertEquals("image 'nope' not found", open.getMessage());
    }

    @Test
    void aServerErrorMeansTheDatastoreIsUnavailable() {
        DatastoreUnavailableException describe =
                assertThrows(DatastoreUnavailableException.class, () -> client.describe(FakeDatastore.BROKEN));
        assertThrows(DatastoreUnavailableException.class, () -> client.open(FakeDatastore.BROKEN));

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

        DatastoreUnavailableException e =
                assertThrows(DatastoreUnavailableException.class, () -> unreachable.describe("t1"));
        assertThrows(DatastoreUnavailableException.class, () -> unreachable.open("t1"));
        assertTrue(e.getMessage().contains("unreachable"), e.getMessage());
    }

    @Test
    void aNotFoundWithoutTheDatastoresCodeIsAWrongUrlNotAMissingImage() throws IOException {
        datastore.put("t1", SharedData.T1_NII_GZ);
        DatastoreClient misconfigured = new DatastoreClient(FakeDatastore.config(datastore.url() + "/api/"));

        DatastoreUnavailableException e =
                assertThrows(DatastoreUnavailableException.class, () -> misconfigured.describe("t1"));
        assertTrue(e.getMessage().contains("404 HTTP_404"), e.getMessage());
        assertEquals(List.of("/api/images/t1"), datastore.rawPaths);
    }

    @Test
    void idsArePercentEncodedIntoOnePathSegment() {
        assertThrows(ImageNotFoundException.class, () -> client.describe("../datastore/secrets"));
        assertThrows(ImageNotFoundException.class, () -> client.open("a/../b"));
        assertThrows(ImageNotFoundException.class, () -> client.describe("a b?c#d%2F+é"));

        assertEquals(
                List.of(
                        "/images/..%2Fdatastore%2Fsecrets",
                        "/images/a%2F..%2Fb/file", "/images/a%20b%3Fc%23d%252F%2B%C3%A9"),
                datastore.rawPaths);
    }

    @Test
    void dotSegmentIdsAreNotFoundWithoutAsking() {
        for (String id : new String[] {"", ".", ".."}) {
            assertThrows(ImageNotFoundException.class, () -> client.describe(id));
            assertThrows(ImageNotFoundException.class, () -> client.open(id));
        }
        assertEquals(List.of(), datastore.rawPaths);
    }
}
