package org.medlabel.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.medlabel.imaging.io.NiftiWriter;
import org.medlabel.imaging.io.VolumeReader;
import org.medlabel.imaging.volume.Volume;

/** Calls to the launched stack's gateway as MONAI Label's clients send them (raw HTTP/1.1, {@link MonaiWire}). */
final class Gateway {

    static final ObjectMapper JSON = new ObjectMapper();
    static final int GATEWAY = Launcher.SERVICE_PORTS.get("gateway");
    static final Path DATA = Path.of(System.getProperty("medlabel.shared.data", "../../shared/data"))
            .toAbsolutePath()
            .normalize();

    private Gateway() {}

    static void assertSameGrid(Volume expected, Volume actual) {
        assertEquals(
                List.of(expected.nx(), expected.ny(), expected.nz()), List.of(actual.nx(), actual.ny(), actual.nz()));
        assertTrue(
                expected.affine().approximatelyEquals(actual.affine(), 1e-4),
                expected.affine() + " vs " + actual.affine());
    }

    static Volume read(byte[] bytes, String name) throws IOException {
        return new VolumeReader(1L << 28).read(new ByteArrayInputStream(bytes), name);
    }

    static byte[] nifti(Volume v) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new NiftiWriter().write(v, out, true);
        return out.toByteArray();
    }

    static MonaiWire.Reply get(String target) throws IOException {
        return request("GET", target, null, new byte[0]);
    }

    static MonaiWire.Reply post(String target, String json) throws IOException {
        return request("POST", target, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    static MonaiWire.Reply post(String target, String boundary, byte[] form) throws IOException {
        return request("POST", target, "multipart/form-data; boundary=" + boundary, form);
    }

    static MonaiWire.Reply multipart(
            String method, String target, Map<String, String> fields, Map<String, Map.Entry<String, byte[]>> files)
            throws IOException {
        return request(
                method, target, "multipart/form-data; boundary=" + MonaiWire.BOUNDARY, MonaiWire.encode(fields, files));
    }

    static MonaiWire.Reply request(String method, String target, String type, byte[] body) throws IOException {
        return MonaiWire.exchange(GATEWAY, MonaiWire.request(method, target, GATEWAY, type, body));
    }

    static JsonNode json(MonaiWire.Reply reply) throws IOException {
        assertTrue(
                reply.status() / 100 == 2 || reply.status() == 429 || reply.status() == 404,
                reply.status() + " " + reply.text());
        return JSON.readTree(reply.body());
    }
}
