package org.medlabel.inference.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.medlabel.imaging.metric.Centroids;
import org.medlabel.imaging.metric.Dice;
import org.medlabel.imaging.transform.Orientation;
import org.medlabel.imaging.transform.Parallel;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.inference.model.ServedModel;
import org.medlabel.ml.runtime.Cancellation;

/**
 * The pipelines put the result back where it belongs: a network that thresholds intensity must reproduce the
 * threshold of the input's own voxels on the input's own grid, whatever the input's orientation or obliquity and
 * whatever the model's spacing and window; clicks at known voxels must come back as segments at those voxels after
 * crop, resize and restore.
 */
class PipelineGeometryTest {

    private static final Parallel PARALLEL = Parallel.threads(2);

    /** Windowed 0..200 HU -> 0..1; channel 1 wins where the windowed value exceeds 0.5, i.e. above 100 HU. */
    private static final String THRESHOLD = """
              type: segmentation
              labels: {bone: 1}
              network: {file: none.onnx}
              pre:
                orientation: RAS
                spacing: [1.2, 1.2, 1.2]
                window: {aMin: 0, aMax: 200, bMin: 0, bMax: 1, clip: true}
              inferer: {kind: %s, roi: [48, 40, 32], overlap: 0.25, maxWindowVoxels: 40000}
              post: {activation: softmax}
            """;

    static Stream<Arguments> inputs() throws Exception {
        Volume ct = TestModels.headCt();
        double c = Math.cos(Math.toRadians(20)), s = Math.sin(Math.toRadians(20));
        Affine rotation = Affine.of(c, -s, 0, 0, s, c, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1);
        return Stream.of(
                Arguments.of("RAS as stored", ct, "whole"),
                Arguments.of("LPI (axes flipped)", new Orientation("LPI").apply(ct), "whole"),
                Arguments.of("ASL (axes permuted)", new Orientation("ASL").apply(ct), "sliding_window"),
                Arguments.of("PIR (axes permuted and flipped)", new Orientation("PIR").apply(ct), "fitted"),
                Arguments.of("oblique (rotated 20 degrees)", ct.withAffine(rotation.multiply(ct.affine())), "whole"));
    }

    @ParameterizedTest(name = "{0}, {2}")
    @MethodSource("inputs")
    void aThresholdNetworkReproducesTheThresholdOnTheInputsGrid(String name, Volume image, String inferer)
            throws Exception {
        ServedModel model = TestModels.pointwise(
                TestModels.definition(THRESHOLD.formatted(inferer)), new float[][] {{-10}, {10}}, new float[] {5, -5});
        PipelineResult r =
                new SegmentationPipeline(PARALLEL).run(model, image, Map.of(), new Latencies(), Cancellation.NONE);
        Volume label = r.label();
        assertEquals(List.of(image.nx(), image.ny(), image.nz()), List.of(label.nx(), label.ny(), label.nz()));
        assertTrue(label.affine().approximatelyEquals(image.affine(), 1e-6), label.affine() + " vs " + image.affine());
        Volume expected = threshold(image, 100);
        double dice = Dice.of(label, expected, 1);
        // only voxels at the bone's edge may differ: 1.2 mm resampling there and back blurs a 1 mm boundary
        assertTrue(dice > 0.93, name + ": Dice " + dice);
        assertTrue(r.json().containsKey("centroids"));
    }

    @Test
    void aForegroundCropSkipsTheAirAroundTheBodyAndChangesNothingInside() throws Exception {
        Volume image = TestModels.headCt();
        String cropped =
                THRESHOLD.formatted("whole").replace("clip: true}", "clip: true}\n    cropForeground: {margin: 4}");
        float[][] threshold = {{-10}, {10}};
        float[] bias = {5, -5};
        Volume plain = new SegmentationPipeline(PARALLEL)
                .run(
                        TestModels.pointwise(TestModels.definition(THRESHOLD.formatted("whole")), threshold, bias),
                        image,
                        Map.of(),
                        new Latencies(),
                        Cancellation.NONE)
                .label();
        Volume crop = new SegmentationPipeline(PARALLEL)
                .run(
                        TestModels.pointwise(TestModels.definition(cropped), threshold, bias),
                        image,
                        Map.of(),
                        new Latencies(),
                        Cancellation.NONE)
                .label();
        assertEquals(1.0, Dice.of(crop, plain, 1), 1e-12, "the bone lies inside the body's box");
        // a network that says "foreground" everywhere, on a 100 HU block in air: only the block's box is foreground
        float[] air = new float[64 * 64 * 48];
        java.util.Arrays.fill(air, -1000);
        for (int z = 10; z < 30; z++) {
            for (int y = 20; y < 40; y++) {
                for (int x = 16; x < 48; x++) {
                    air[(z * 64 + y) * 64 + x] = 100;
                }
            }
        }
        Volume block = new Volume(64, 64, 48, image.affine(), new VoxelBuffer.Float32(air));
        Volume everywhere = new SegmentationPipeline(PARALLEL)
                .run(
                        TestModels.pointwise(
                                TestModels.definition(cropped), new float[][] {{0}, {0}}, new float[] {-5, 5}),
                        block,
                        Map.of(),
                        new Latencies(),
                        Cancellation.NONE)
                .label();
        int inside = 0;
        for (int i = 0; i < everywhere.voxelCount(); i++) {
            inside += everywhere.voxels().get(i) > 0 ? 1 : 0;
        }
        int blockVoxels = 32 * 20 * 20;
        assertTrue(
                inside >= blockVoxels && inside < 4 * blockVoxels,
                "foreground only in the block's box (grown by the margin): " + inside + " voxels, block "
                        + blockVoxels);
    }

    /**
     * Three channels (resampled back one at a time into a running argmax) on a permuted, flipped image: below 20 HU
     * background, 20..100 HU (brain, scalp) channel 1, above (bone) channel 2; written as channel indices, or as the configured values (1 and
     * 7) with {@code restore_label_idx}.
     */
    @Test
    void aThreeClassNetworkIsLabelledByChannelIndexOrByConfiguredValue() throws Exception {
        Volume image = new Orientation("PIR").apply(TestModels.headCt());
        String yaml = THRESHOLD.formatted("whole").replace("labels: {bone: 1}", "labels: {soft: 1, bone: 7}");
        ServedModel model = TestModels.pointwise(
                TestModels.definition(yaml), new float[][] {{-20}, {0}, {20}}, new float[] {2, 0, -10});
        SegmentationPipeline pipeline = new SegmentationPipeline(PARALLEL);
        Volume indices = pipeline.run(model, image, Map.of(), new Latencies(), Cancellation.NONE)
                .label();
        Volume values = pipeline.run(
                        model, image, Map.of("restore_label_idx", true), new Latencies(), Cancellation.NONE)
                .label();
        Volume soft = threshold(image, 20);
        Volume bone = threshold(image, 100);
        byte[] expected = new byte[image.voxelCount()];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (byte) (bone.voxels().get(i) > 0 ? 2 : soft.voxels().get(i) > 0 ? 1 : 0);
        }
        Volume truth = new Volume(image.nx(), image.ny(), image.nz(), image.affine(), new VoxelBuffer.UInt8(expected));
        double softDice = Dice.of(indices, truth, 1), boneDice = Dice.of(indices, truth, 2);
        // 1.2 mm there and back blurs each boundary; the band of class 1 has two (0.86 measured, bone 0.94)
        assertTrue(softDice > 0.8 && boneDice > 0.9, "per-class Dice " + softDice + ", " + boneDice);
        assertEquals(List.of(1, 2), List.copyOf(Centroids.of(indices).keySet()), "channel indices");
        assertEquals(List.of(1, 7), List.copyOf(Centroids.of(values).keySet()), "the app's label values");
        for (int i = 0; i < expected.length; i++) {
            int j = (int) indices.voxels().get(i);
            assertEquals(j == 2 ? 7 : j, (int) values.voxels().get(i));
        }
    }

    private static Volume threshold(Volume image, double level) {
        byte[] mask = new byte[image.voxelCount()];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = image.voxels().get(i) > level ? (byte) 1 : 0;
        }
        return new Volume(image.nx(), image.ny(), image.nz(), image.affine(), new VoxelBuffer.UInt8(mask));
    }

    private static final String DEEPGROW = """
              type: deepgrow
              labels: [structure]
              network: {file: none.onnx}
              pre:
                spacing: [1.0, 1.0, 1.0]
                normalize: {subtrahend: 208, divisor: 388}
              guidance: {sigma: 2, cropSize: [48, 48], margin: 4, modelSize: [40, 48, 48]}
              inferer: {kind: whole}
              post: {activation: sigmoid, threshold: 0.5}
            """;

    /** Spacing as given, and in-plane only (the slices kept, as MONAI Label's DeepGrow 3D resamples). */
    @ParameterizedTest
    @ValueSource(strings = {"[1.0, 1.0, 1.0]", "[1.0, 1.0]"})
    void deepGrowPutsTheSegmentWhereTheForegroundClickWas(String spacing) throws Exception {
        Volume image = new Orientation("LPS").apply(TestModels.headCt());
        // logit = foreground guidance - 0.5: the segment is the blob around the foreground click
        ServedModel model = TestModels.pointwise(
                TestModels.definition(DEEPGROW.replace("[1.0, 1.0, 1.0]", spacing)),
                new float[][] {{0, 1, 0}},
                new float[] {-0.5f});
        int[] click = {30, 61, 20};
        Map<String, Object> params = Map.of(
                "foreground", List.of(List.of(click[0], click[1], click[2])),
                "background", List.of(List.of(70, 20, 30)));
        PipelineResult r = new DeepGrowPipeline(PARALLEL).run(model, image, params, new Latencies(), Cancellation.NONE);
        assertEquals(image.voxelCount(), r.label().voxelCount());
        double[] centre = Centroids.of(r.label()).get(1);
        assertArrayEquals(new double[] {click[0], click[1], click[2]}, centre, 1.0, "segment centroid vs click");
        assertEquals(1, Centroids.of(r.label()).size(), "only the foreground click makes a segment");
    }

    @Test
    void deepGrowRefusesClicksOutsideTheImageOrNoForeground() throws Exception {
        Volume image = TestModels.headCt();
        ServedModel model =
                TestModels.pointwise(TestModels.definition(DEEPGROW), new float[][] {{0, 1, 0}}, new float[] {-0.5f});
        DeepGrowPipeline p = new DeepGrowPipeline(PARALLEL);
        InvalidRequestException outside = assertThrows(
                InvalidRequestException.class,
                () -> p.run(
                        model,
                        image,
                        Map.of("foreground", List.of(List.of(10, 10, 48))),
                        new Latencies(),
                        Cancellation.NONE));
        assertTrue(outside.getMessage().contains("outside the image"), outside.getMessage());
        InvalidRequestException none = assertThrows(
                InvalidRequestException.class,
                () -> p.run(
                        model,
                        image,
                        Map.of("background", List.of(List.of(10, 10, 10))),
                        new Latencies(),
                        Cancellation.NONE));
        assertTrue(none.getMessage().contains("foreground"), none.getMessage());
        assertThrows(
                InvalidRequestException.class,
                () -> p.run(model, image, Map.of("foreground", "here"), new Latencies(), Cancellation.NONE));
    }

    private static final String DEEPGROW_2D = """
              type: deepgrow
              dimension: 2
              labels: [structure]
              network: {file: none.onnx}
              pre:
                spacing: [1.0, 1.0]
                normalize: {subtrahend: 208, divisor: 388}
              guidance: {sigma: 2, cropSize: [48, 48], margin: 4, modelSize: [48, 48]}
              inferer: {kind: whole}
              post: {activation: sigmoid, threshold: 0.5}
            """;

    @Test
    void deepGrow2dSegmentsOnlyTheClickedSliceAroundItsClick() throws Exception {
        Volume image = new Orientation("LPS").apply(TestModels.headCt());
        ServedModel model = TestModels.pointwise(
                TestModels.definition(DEEPGROW_2D), new float[][] {{0, 1, 0}}, new float[] {-0.5f});
        DeepGrowPipeline p = new DeepGrowPipeline(PARALLEL);
        int[] click = {30, 61, 20};
        Map<String, Object> params = Map.of(
                "foreground", List.of(List.of(click[0], click[1], click[2]), List.of(70, 20, 31)),
                "background", List.of(List.of(70, 25, 20)),
                "slice", click[2]);
        Volume label =
                p.run(model, image, params, new Latencies(), Cancellation.NONE).label();
        assertEquals(image.voxelCount(), label.voxelCount());
        int plane = image.nx() * image.ny();
        int outside = 0, inside = 0;
        for (int i = 0; i < label.voxelCount(); i++) {
            if (label.voxels().get(i) > 0) {
                if (i / plane == click[2]) {
                    inside++;
                } else {
                    outside++;
                }
            }
        }
        assertEquals(0, outside, "nothing outside the clicked slice");
        assertTrue(inside > 0, "a segment on the slice");
        Map<Integer, double[]> centroids = Centroids.of(label);
        assertEquals(1, centroids.size());
        assertArrayEquals(
                new double[] {click[0], click[1], click[2]},
                centroids.get(1),
                1.0,
                "segment centroid vs click; the other slice's foreground click is ignored");

        // without 'slice', the first foreground click's slice, as MONAI Label picks it
        Volume first = p.run(
                        model,
                        image,
                        Map.of("foreground", List.of(List.of(70, 20, 31), List.of(click[0], click[1], click[2]))),
                        new Latencies(),
                        Cancellation.NONE)
                .label();
        assertArrayEquals(new double[] {70, 20, 31}, Centroids.of(first).get(1), 1.0);
    }

    @Test
    void deepGrow2dRefusesASliceWithoutForegroundOrOutsideTheImage() throws Exception {
        Volume image = TestModels.headCt();
        ServedModel model = TestModels.pointwise(
                TestModels.definition(DEEPGROW_2D), new float[][] {{0, 1, 0}}, new float[] {-0.5f});
        DeepGrowPipeline p = new DeepGrowPipeline(PARALLEL);
        List<List<Integer>> onSlice5 = List.of(List.of(30, 30, 5));
        Map<String, String> expected = Map.of(
                "7",
                "on slice 7",
                String.valueOf(image.nz()),
                "lies outside the image's " + image.nz() + " slices",
                "-1",
                "lies outside",
                "2.5",
                "must be a whole slice index",
                "'top'",
                "must be a whole slice index");
        for (var e : expected.entrySet()) {
            Object slice = e.getKey().startsWith("'") ? "top" : Double.valueOf(e.getKey());
            InvalidRequestException refused = assertThrows(
                    InvalidRequestException.class,
                    () -> p.run(
                            model,
                            image,
                            Map.of("foreground", onSlice5, "slice", slice),
                            new Latencies(),
                            Cancellation.NONE),
                    "slice " + e.getKey());
            assertTrue(refused.getMessage().contains(e.getValue()), refused.getMessage());
        }
    }

    private static final String DEEPEDIT = """
              type: deepedit
              labels: {left: 1, right: 5, background: 0}
              network: {file: none.onnx}
              pre:
                orientation: RAS
                window: {aMin: -175, aMax: 250, bMin: 0, bMax: 1, clip: true}
                resize: [48, 48, 24]
              guidance: {sigma: 1.5}
              inferer: {kind: whole}
              post: {activation: softmax}
            """;

    @Test
    void deepEditLabelsEachClickWithItsLabelAndRestoresTheConfiguredValues() throws Exception {
        Volume image = new Orientation("PIR").apply(TestModels.headCt());
        // channel 0 (background) = 0.5; channel j = guidance of the j-th label
        float[][] w = {{0, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}};
        ServedModel model = TestModels.pointwise(TestModels.definition(DEEPEDIT), w, new float[] {0.5f, 0, 0});
        int[] left = {20, 30, 40};
        int[] right = {60, 15, 70};
        Map<String, Object> params = Map.of(
                "left", List.of(List.of(left[0], left[1], left[2])),
                "right", List.of(List.of(right[0], right[1], right[2])));
        PipelineResult indices =
                new DeepEditPipeline(PARALLEL).run(model, image, params, new Latencies(), Cancellation.NONE);
        Map<Integer, double[]> centres = Centroids.of(indices.label());
        assertEquals(List.of(1, 2), List.copyOf(centres.keySet()), "channel indices 1 and 2");
        // the model grid is 2x coarser than the image here: a voxel or two of rounding either way
        assertArrayEquals(new double[] {left[0], left[1], left[2]}, centres.get(1), 2.0);
        assertArrayEquals(new double[] {right[0], right[1], right[2]}, centres.get(2), 2.0);

        Map<String, Object> restore = new java.util.HashMap<>(params);
        restore.put("restore_label_idx", true);
        PipelineResult values =
                new DeepEditPipeline(PARALLEL).run(model, image, restore, new Latencies(), Cancellation.NONE);
        assertEquals(List.of(1, 5), List.copyOf(Centroids.of(values.label()).keySet()), "the app's label values");
        assertEquals(
                Map.of("left", 1, "right", 5, "background", 0), values.json().get("label_names"));
    }
}
