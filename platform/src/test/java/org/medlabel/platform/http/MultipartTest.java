package org.medlabel.platform.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Form data and DICOMweb's multipart/related, written and read back byte for byte. */
class MultipartTest {

    @Test
    void formDataRoundTrips() {
        byte[] file = {0, 1, 2, '\r', '\n', '-', '-', 3};
        Multipart form = Multipart.create().field("params", "{\"a\": 1}").file("label", "x.nii.gz", file);
        List<Multipart.Part> parts = Multipart.parse(form.contentType(), form.end());
        assertEquals(2, parts.size());
        assertEquals(
                "{\"a\": 1}", Multipart.field(parts, "params").orElseThrow().text());
        assertArrayEquals(file, Multipart.file(parts).orElseThrow().data());
    }

    @Test
    void relatedPartsAreDicomWebsStowBody() {
        byte[] first = "DICM first instance".getBytes();
        byte[] second = new byte[300];
        second[299] = 7;
        Multipart body = Multipart.related("application/dicom").part(first).part(second);
        assertTrue(
                body.contentType().startsWith("multipart/related; type=\"application/dicom\"; boundary="),
                body.contentType());
        List<Multipart.Part> parts = Multipart.parse(body.contentType(), body.end());
        assertEquals(2, parts.size());
        assertNull(parts.get(0).name());
        assertArrayEquals(first, parts.get(0).data());
        assertArrayEquals(second, parts.get(1).data());
        assertThrows(IllegalArgumentException.class, () -> Multipart.parse("application/json", body.end()));
    }
}
