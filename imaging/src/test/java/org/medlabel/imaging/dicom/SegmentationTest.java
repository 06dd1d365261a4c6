package org.medlabel.imaging.dicom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.medlabel.imaging.io.NiftiReader;
import org.medlabel.imaging.io.Oracle;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelType;
import org.medlabel.testinfra.PythonOracle;

/**
 * DICOM SEG both ways: real SEGs (3D Slicer's, dcmqi's) read as pydicom decodes them; the head CT's tissue labels
 * written as a SEG of the CT series, which pydicom reads with the same masks, Debian's dciodvfy validates without an
 * error, and our reader turns back into the same label map.
 */
class SegmentationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SEGS = Oracle.SHARED_DATA.resolve("dicom_seg");
    private static final Path CT = Oracle.SHARED_DATA.resolve("ct_head_invesalius");

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"lidc_slicer_seg_275frames.dcm", "pydicom_liver_1frame.dcm"})
    void realSegsReadAsPydicomDecodesThem(String name) throws Exception {
        Path file = SEGS.resolve(name);
        JsonNode expected = JSON.readTree(PythonOracle.run("dicom_oracle.py", "seg", file));
        Segmentation seg = Segmentation.of(new DicomReader(1 << 30).read(file));
        Volume labels = seg.volume();
        assertEquals(expected.get("shape").get(0).asInt(), labels.nx());
        assertEquals(expected.get("shape").get(1).asInt(), labels.ny());
        assertEquals(expected.get("shape").get(2).asInt(), labels.nz());
        assertEquals(expected.get("sha256").asText(), Oracle.digest(labels.voxels()));
        assertEquals(expected.get("frames").asInt(), seg.frames().size());
        expected.get("segments")
                .fields()
                .forEachRemaining(
                        e -> assertEquals(e.getValue().asText(), seg.segments().get(Integer.parseInt(e.getKey()))));
    }

    @Test
    void theHeadCtLabelsRoundTripAsAValidSegOfTheirSeries() throws Exception {
        DicomSeries series = series();
        Volume tissue = new NiftiReader().read(CT.resolve("labels.nii.gz"));
        assertTrue(tissue.affine().approximatelyEquals(series.volume().affine(), 1e-3));
        Volume labels = tissue.withAffine(series.volume().affine());
        byte[] bytes = SegmentationWriter.write(
                labels, Map.of(1, "soft tissue", 2, "bone"), series.identity(), series.instances(), "tissue");
        Path file = tmp.resolve("seg.dcm");
        Files.write(file, bytes);

        Segmentation back = Segmentation.of(new DicomReader(1 << 30).read(new ByteArrayInputStream(bytes)));
        assertEquals(series.identity().get("SeriesInstanceUID"), back.referencedSeries());
        assertEquals(Map.of(1, "soft tissue", 2, "bone"), back.segments());
        assertEquals(
                Oracle.digest(labels.voxels()),
                Oracle.digest(back.onGrid(Grid.of(labels)).voxels()));

        JsonNode pydicom = JSON.readTree(PythonOracle.run("dicom_oracle.py", "seg", file));
        long[] counts = new long[3];
        for (int i = 0; i < labels.voxelCount(); i++) {
            counts[(int) labels.voxels().get(i)]++;
        }
        assertEquals(counts[1], pydicom.get("counts").get("1").asLong());
        assertEquals(counts[2], pydicom.get("counts").get("2").asLong());
        assertEquals(
                series.identity().get("SeriesInstanceUID"),
                pydicom.get("referenced_series").asText());

        Process dciodvfy = new ProcessBuilder("dciodvfy", file.toString())
                .redirectErrorStream(true)
                .start();
        String report = new String(dciodvfy.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        dciodvfy.waitFor();
        assertTrue(report.contains("Segmentation"), "dciodvfy did not recognise a SEG:\n" + report);
        List<String> errors = report.lines().filter(l -> l.startsWith("Error")).toList();
        assertEquals(List.of(), errors, "dciodvfy:\n" + report);
    }

    @Test
    void anEmptyLabelIsAnEmptySegAndAFrameOffTheGridIsRefused() throws Exception {
        DicomSeries series = series();
        Volume empty =
                Volume.zeros(256, 256, 108, 1, VoxelType.UINT8, series.volume().affine());
        byte[] bytes =
                SegmentationWriter.write(empty, Map.of(3, "bone"), series.identity(), series.instances(), "nothing");
        Segmentation seg = Segmentation.of(new DicomReader(1 << 30).read(new ByteArrayInputStream(bytes)));
        assertEquals(Map.of(3, "bone"), seg.segments());
        assertEquals(1, seg.frames().size());
        assertEquals(
                Oracle.digest(empty.voxels()),
                Oracle.digest(seg.onGrid(Grid.of(empty)).voxels()));

        Segmentation lidc =
                Segmentation.of(new DicomReader(1 << 30).read(SEGS.resolve("lidc_slicer_seg_275frames.dcm")));
        DicomException off = assertThrows(DicomException.class, () -> lidc.onGrid(Grid.of(series.volume())));
        assertTrue(off.getMessage().contains("512x512"), off.getMessage());
    }

    private static DicomSeries series() throws Exception {
        List<DicomObject> instances = new ArrayList<>();
        try (Stream<Path> files = Files.list(CT.resolve("dicom_plastimatch"))) {
            for (Path f : files.sorted().toList()) {
                instances.add(new DicomReader(1 << 30).read(f));
            }
        }
        return DicomSeries.of(instances, Long.MAX_VALUE);
    }
}
