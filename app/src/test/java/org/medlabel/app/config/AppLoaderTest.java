package org.medlabel.app.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.medlabel.app.bundle.BundleImportTest;

/** The shipped app mirrors MONAI Label's radiology models; a bad app file fails at start-up, naming model and key. */
class AppLoaderTest {

    /**
     * Expected values are MONAI Label's (sample-apps/radiology/lib/configs/*.py, infers/*.py, trainers/*.py, as
     * ../shared/design/MONAI-LABEL-API.md §4 transcribes them), not read back from our YAML.
     */
    @Test
    void theRadiologyAppIsMonaiLabels() throws Exception {
        AppDefinition app = AppLoader.load("radiology");
        assertEquals(
                List.of("segmentation_spleen", "segmentation", "deepgrow_2d", "deepgrow_3d", "deepedit"),
                List.copyOf(app.models().keySet()));

        ModelDefinition spleen = app.models().get("segmentation_spleen");
        assertEquals(ModelType.SEGMENTATION, spleen.type());
        assertEquals(Map.of("spleen", 1), spleen.labelValues());
        // UNet(spatial_dims=3, in_channels=1, out_channels=2, channels=[16,32,64,128,256], strides=[2,2,2,2],
        //      num_res_units=2, norm="batch")
        NetworkSpec unet = spleen.network();
        assertEquals(
                List.of("unet", 1, 2, List.of(16, 32, 64, 128, 256), List.of(2, 2, 2, 2), 2, "batch"),
                List.of(
                        unet.builder(),
                        unet.inChannels(),
                        unet.outChannels(),
                        unet.channels(),
                        unet.strides(),
                        unet.residualUnits(),
                        unet.norm()));
        // Orientationd("RAS"), Spacingd((1,1,1)), ScaleIntensityRanged(-57, 164, 0, 1, clip), ScaleIntensityd(-1, 1)
        assertEquals("RAS", spleen.pre().orientation());
        assertEquals(List.of(1.0, 1.0, 1.0), spleen.pre().spacing());
        assertEquals(
                new PreProcessing.Window(-57, 164, 0, 1, true), spleen.pre().window());
        assertEquals(new PreProcessing.Scale(-1, 1), spleen.pre().scaleIntensity());
        assertEquals(null, spleen.pre().cropForeground(), "MONAI Label infers on the whole resampled volume");
        // SlidingWindowInferer(roi_size=[160,160,160], sw_batch_size=1, overlap=0.25); softmax, argmax, largest CC
        assertTrue(spleen.inferer().slidingWindow());
        assertEquals(List.of(160, 160, 160), spleen.inferer().roi());
        assertEquals(0.25, spleen.inferer().overlap());
        assertEquals("softmax", spleen.post().activation());
        assertTrue(spleen.post().keepLargestComponent());
        // AdamW(lr=1e-4, weight_decay=1e-5), DiceCELoss(to_onehot_y, softmax, squared_pred=True, batch=True), 96³ crops
        Training t = spleen.trainingSettings();
        // RandCropByPosNegLabeld(pos=1, neg=1, num_samples=4)
        assertEquals(
                List.of("adamw", 1e-4, 1e-5, "dice_ce", true, true, List.of(96, 96, 96), 4, 1.0, 1.0, 0.2, 50),
                settings(t));

        for (String name : List.of("deepgrow_2d", "deepgrow_3d")) {
            ModelDefinition deepgrow = app.models().get(name);
            // BasicUNet(in_channels=3, out_channels=1, features=(32, 64, 128, 256, 512, 32))
            assertEquals(
                    List.of("basic_unet", 3, 1, List.of(32, 64, 128, 256, 512, 32)),
                    List.of(
                            deepgrow.network().builder(), deepgrow.network().inChannels(),
                            deepgrow.network().outChannels(), deepgrow.network().features()),
                    name);
            // NormalizeIntensityd(subtrahend=208, divisor=388), AddGuidanceSignald(sigma=2),
            // SpatialCropGuidanced(spatial_size=(256, 256), margin=20); sigmoid, threshold 0.5
            assertEquals(new PreProcessing.Normalize(208, 388), deepgrow.pre().normalize(), name);
            assertEquals(2.0, deepgrow.guidance().sigma(), name);
            assertEquals(List.of(256, 256), deepgrow.guidance().cropSize(), name);
            assertEquals(20, deepgrow.guidance().margin(), name);
            assertTrue(deepgrow.post().sigmoid(), name);
            assertEquals(0.5, deepgrow.post().threshold(), name);
            // Adam(lr=1e-4), DiceLoss(sigmoid=True, squared_pred=True)
            Training dt = deepgrow.trainingSettings();
            assertEquals(
                    List.of("adam", 1e-4, 0.0, "dice", true, false),
                    List.of(
                            dt.optimizer(),
                            dt.learningRate(),
                            dt.weightDecay(),
                            dt.loss(),
                            dt.squaredPred(),
                            dt.batchDice()),
                    name);
            assertEquals(1, deepgrow.labelValues().get("spleen"));
            assertEquals(7, deepgrow.labelValues().size());
        }
        ModelDefinition deepgrow3d = app.models().get("deepgrow_3d");
        assertEquals(List.of(128, 192, 192), deepgrow3d.guidance().modelSize());
        // Transposed([2, 0, 1]) then Spacingd([1, 1, 1]) on an array without a channel axis: MONAI resamples H and W
        // only (measured with MONAI 1.5: the head CT's 256x256x108 becomes 108 slices of 245x245)
        assertEquals(List.of(1.0, 1.0), deepgrow3d.pre().spacing(), "in-plane only, as MONAI runs it");
        assertEquals("kij", deepgrow3d.networkAxes());
        assertEquals("ijk", spleen.networkAxes());
        assertEquals(3, deepgrow3d.spatialDims());
        ModelDefinition deepgrow2d = app.models().get("deepgrow_2d");
        assertEquals(2, deepgrow2d.spatialDims());
        assertEquals(List.of(256, 256), deepgrow2d.guidance().modelSize());
        assertEquals(List.of(1.0, 1.0), deepgrow2d.pre().spacing(), "in-plane only");
        assertEquals(10, deepgrow2d.trainingSettings().maxEpochs(), "MONAI Label's deepgrow_2d epochs");
        assertEquals(16, deepgrow2d.trainingSettings().samplesPerImage(), "MONAI Label's batch of 16 slices");

        ModelDefinition deepedit = app.models().get("deepedit");
        // labels in dict order, 9 input channels (image + 8 guidance), 8 outputs; ScaleIntensityRanged(-175, 250, 0, 1,
        // clip), Resized((128, 128, 128)), AddGuidanceSignalDeepEditd(sigma=3); Adam(1e-4), DiceCELoss defaults
        assertEquals(6, deepedit.labelValues().get("liver"));
        assertEquals("liver", deepedit.foregroundNames().get(3), "liver is the 4th label: DeepEdit's output index 4");
        // DynUNet(spatial_dims=3, in_channels=9, out_channels=8, kernel_size=[3]*6, strides=[1,2,2,2,2,[2,2,1]],
        //         upsample_kernel_size=[2,2,2,2,[2,2,1]], norm_name="instance", deep_supervision=False, res_block=True)
        assertEquals("DynUNet", deepedit.network().monai());
        assertEquals(
                Map.of(
                        "spatial_dims",
                        3,
                        "in_channels",
                        9,
                        "out_channels",
                        8,
                        "kernel_size",
                        List.of(3, 3, 3, 3, 3, 3),
                        "strides",
                        List.of(1, 2, 2, 2, 2, List.of(2, 2, 1)),
                        "upsample_kernel_size",
                        List.of(2, 2, 2, 2, List.of(2, 2, 1)),
                        "norm_name",
                        "instance",
                        "deep_supervision",
                        false,
                        "res_block",
                        true),
                deepedit.network().args());
        assertEquals(9, deepedit.inputChannels());
        assertEquals(
                new PreProcessing.Window(-175, 250, 0, 1, true), deepedit.pre().window());
        assertEquals(List.of(128, 128, 128), deepedit.pre().resize());
        assertEquals(3.0, deepedit.guidance().sigma());
        Training et = deepedit.trainingSettings();
        assertEquals(
                List.of("adam", 1e-4, "dice_ce", false, false),
                List.of(et.optimizer(), et.learningRate(), et.loss(), et.squaredPred(), et.batchDice()));
        // MONAI's spleen_deepedit_annotation train.json (the trainer MONAI Label's follows): the whole Resized image a
        // step, RandFlipd per axis, RandRotate90d, RandShiftIntensityd
        JsonNode bundle = new ObjectMapper()
                .readTree(BundleImportTest.BUNDLES
                        .resolve("spleen_deepedit_annotation/configs/train.json")
                        .toFile());
        List<Integer> spatialSize = new ArrayList<>();
        bundle.get("spatial_size").forEach(n -> spatialSize.add(n.asInt()));
        JsonNode shift = bundle.findParents("_target_").stream()
                .filter(n -> n.get("_target_").asText().equals("RandShiftIntensityd"))
                .findFirst()
                .orElseThrow();
        double flip = bundle.findParents("_target_").stream()
                .filter(n -> n.get("_target_").asText().equals("RandFlipd"))
                .mapToDouble(n -> n.get("prob").asDouble())
                .max()
                .orElseThrow();
        JsonNode rotate = bundle.findParents("_target_").stream()
                .filter(n -> n.get("_target_").asText().equals("RandRotate90d"))
                .findFirst()
                .orElseThrow();
        assertEquals(3, rotate.get("max_k").asInt(), "the quarter turns RandomRotate90 draws from");
        assertEquals(
                List.of(
                        spatialSize,
                        1,
                        flip,
                        rotate.get("prob").asDouble(),
                        shift.get("offsets").asDouble(),
                        shift.get("prob").asDouble()),
                List.of(
                        et.patch(),
                        et.samplesPerImage(),
                        et.flipProbability(),
                        et.rotate90Probability(),
                        et.shiftIntensity(),
                        et.shiftProbability()));
    }

    private static AppConfigException invalid(String yaml) {
        return assertThrows(
                AppConfigException.class,
                () -> AppLoader.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test.yaml"));
    }

    /** An app with one model 'm' whose keys are {@code body} (at the indentation of a text block). */
    private static String app(String body) {
        return "name: t\nmodels:\n  m:\n" + body.indent(2);
    }

    private static final String GOOD_MODEL = """
              type: segmentation
              labels: {organ: 1}
              network: {builder: unet, inChannels: 1, outChannels: 2, channels: [4, 8], strides: [2]}
              inferer: {kind: whole}
              post: {activation: softmax}
            """;

    /**
     * MONAI Label's multi-organ model as ../shared/design/MONAI-LABEL-API.md §4.2 transcribes it (lib/configs and
     * lib/infers/segmentation.py); its trainer from lib/trainers/segmentation.py.
     */
    @Test
    void theMultiOrganSegmentationIsMonaiLabels() {
        ModelDefinition seg = AppLoader.load("radiology").models().get("segmentation");
        assertEquals(ModelType.SEGMENTATION, seg.type());
        Map<String, Integer> labels = seg.labelValues();
        assertEquals(25, labels.size());
        assertEquals(
                List.of(1, 2, 5, 9, 17, 42, 45, 49),
                List.of(
                        labels.get("spleen"),
                        labels.get("kidney_right"),
                        labels.get("liver"),
                        labels.get("portal_vein_and_splenic_vein"),
                        labels.get("lung_lower_lobe_right"),
                        labels.get("esophagus"),
                        labels.get("heart_atrium_left"),
                        labels.get("pulmonary_artery")));
        // channel j is the j-th label (NormalizeLabelsInDatasetd): value 42 trains channel 18
        assertEquals(18, seg.channelOfValue().get(42));
        // SegResNet(spatial_dims=3, in_channels=1, out_channels=len(labels)+1, init_filters=32, blocks_down=(1,2,2,4),
        //           blocks_up=(1,1,1), dropout_prob=0.2)
        assertEquals("SegResNet", seg.network().monai());
        assertEquals(
                Map.of(
                        "spatial_dims",
                        3,
                        "in_channels",
                        1,
                        "out_channels",
                        26,
                        "init_filters",
                        32,
                        "blocks_down",
                        List.of(1, 2, 2, 4),
                        "blocks_up",
                        List.of(1, 1, 1),
                        "dropout_prob",
                        0.2),
                seg.network().args());
        // Orientationd("RAS") → Spacingd(1.5, 1.5, 1.5) → NormalizeIntensityd(nonzero=True) →
        // GaussianSmoothd(sigma=0.4)
        // → ScaleIntensityd(-1, 1)
        assertEquals("RAS", seg.pre().orientation());
        assertEquals(List.of(1.5, 1.5, 1.5), seg.pre().spacing());
        assertEquals(null, seg.pre().window());
        assertEquals(
                new PreProcessing.NormalizeIntensity(true, false), seg.pre().normalizeIntensity());
        assertEquals(0.4, seg.pre().smooth());
        assertEquals(new PreProcessing.Scale(-1, 1), seg.pre().scaleIntensity());
        // SlidingWindowInferer(roi_size=(96,96,96), overlap=0.4, padding_mode="replicate", mode="gaussian"); inverse
        // on the logits; softmax, argmax; largest_cc off without cupy and cuCIM
        assertTrue(seg.inferer().slidingWindow());
        assertEquals(List.of(96, 96, 96), seg.inferer().roi());
        assertEquals(0.4, seg.inferer().overlap());
        assertTrue(seg.inferer().gaussian());
        assertTrue(seg.inferer().replicatePadding());
        assertEquals("softmax", seg.post().activation());
        assertEquals(null, seg.post().invert());
        assertFalse(seg.post().keepLargestComponent());
        // Adam(lr=1e-3), DiceCELoss(to_onehot_y=True, softmax=True), RandCropByPosNegLabeld(96³, pos 1, neg 1, 4);
        // BasicTrainTask's defaults: val_split 0.2, max_epochs 50
        assertEquals(
                List.of("adam", 1e-3, 0.0, "dice_ce", false, false, List.of(96, 96, 96), 4, 1.0, 1.0, 0.2, 50),
                settings(seg.trainingSettings()));
    }

    /** The training settings the tests compare with MONAI Label's trainers, in one list. */
    private static List<Object> settings(Training t) {
        return List.of(
                t.optimizer(),
                t.learningRate(),
                t.weightDecay(),
                t.loss(),
                t.squaredPred(),
                t.batchDice(),
                t.patch(),
                t.samplesPerImage(),
                t.positive(),
                t.negative(),
                t.valSplit(),
                t.maxEpochs());
    }

    @Test
    void aValidMinimalAppLoads() {
        AppDefinition app =
                AppLoader.parse(new ByteArrayInputStream(app(GOOD_MODEL).getBytes(StandardCharsets.UTF_8)), "t");
        assertEquals(Map.of("organ", 1), app.models().get("m").labelValues());
    }

    @Test
    void mistakesAreNamed() {
        assertTrue(invalid(app(GOOD_MODEL + "  colour: red\n")).getMessage().contains("colour"));
        assertTrue(invalid(app(GOOD_MODEL.replace("type: segmentation", "type: magic")))
                .getMessage()
                .contains("magic"));
        assertTrue(invalid(app(GOOD_MODEL.replace("builder: unet", "builder: resnet")))
                .getMessage()
                .contains("model 'm': unknown network builder 'resnet'"));
        assertTrue(invalid(app(GOOD_MODEL + "  pre: {cropForeground: {margin: 8}}\n"))
                .getMessage()
                .contains("'pre.cropForeground' needs a segmentation model, a clipped 'pre.window' with bMin < bMax"));
        assertTrue(invalid(app(GOOD_MODEL.replace("kind: whole", "kind: tiles")))
                .getMessage()
                .contains("'inferer.kind'"));
        assertTrue(invalid(app(GOOD_MODEL.replace("type: segmentation", "type: deepgrow")))
                .getMessage()
                .contains("guidance.sigma"));
        assertTrue(invalid(app(GOOD_MODEL).replace("  m:", "  bad/name:"))
                .getMessage()
                .contains("names are"));
        assertTrue(invalid(app(GOOD_MODEL + "  device: gpu7\n")).getMessage().contains("'device'"));
        assertTrue(invalid(app(GOOD_MODEL + "  training: {patch: [96, 64, 96], rotate90Probability: 0.1}\n"))
                .getMessage()
                .contains("'training.rotate90Probability' needs a patch square in x and y (a quarter turn swaps them),"
                        + " was [96, 64, 96]"));
        assertTrue(invalid(app(GOOD_MODEL.replace("builder: unet,", "builder: unet, axes: ijj,")))
                .getMessage()
                .contains("'network.axes' must order the letters ijk"));
        assertTrue(invalid(app(GOOD_MODEL.replace("builder: unet,", "file: m.onnx, weights: m.pt,")))
                .getMessage()
                .contains("'network.weights' (a PyTorch checkpoint) needs a 'builder' or 'monai' network"));
        assertTrue(invalid(app(GOOD_MODEL.replace("builder: unet,", "builder: unet, monai: UNet,")))
                .getMessage()
                .contains("'network' takes one of 'builder'"));
        assertTrue(invalid(app(GOOD_MODEL.replace(
                        "builder: unet, inChannels: 1, outChannels: 2",
                        "monai: SegResNet, args: {out_channels: 2, vae_estimate_std: true}")))
                .getMessage()
                .contains("'network': SegResNet arguments not supported by MedLabel's builder: vae_estimate_std"));
        assertTrue(invalid(app(GOOD_MODEL.replace(
                        "post: {activation: softmax}", "post: {activation: softmax, invert: twice}")))
                .getMessage()
                .contains("'post.invert' must be scores, probabilities or labels"));
        assertTrue(invalid(app(GOOD_MODEL.replace("inferer: {kind: whole}", "inferer: {kind: whole, blend: cosine}")))
                .getMessage()
                .contains("'inferer.blend' must be constant or gaussian"));
        assertTrue(invalid(app(GOOD_MODEL + "  training: {optimizer: sgd}\n"))
                .getMessage()
                .contains("'training.optimizer' must be adam or adamw"));
        assertTrue(invalid(app(GOOD_MODEL + "  pre: {scaleIntensity: {min: 1, max: 1}}\n"))
                .getMessage()
                .contains("'pre.scaleIntensity' needs min != max"));
        String swin = "monai: SwinUNETR, args: {img_size: [64, 64, 32], in_channels: 1, out_channels: 2,"
                + " feature_size: 12}";
        assertTrue(invalid(app(GOOD_MODEL.replace(
                        "builder: unet, inChannels: 1, outChannels: 2, channels: [4, 8], strides: [2]", swin)))
                .getMessage()
                .contains("network SwinUNETR is built for inputs of [64, 64, 32]: 'inferer' must be sliding_window"
                        + " with that 'roi' (ijk order)"));
        assertTrue(invalid(app(GOOD_MODEL
                        .replace("builder: unet, inChannels: 1, outChannels: 2, channels: [4, 8], strides: [2]", swin)
                        .replace("inferer: {kind: whole}", "inferer: {kind: sliding_window, roi: [32, 64, 64]}")))
                .getMessage()
                .contains("is built for inputs of [64, 64, 32]"));
        AppLoader.parse(
                new ByteArrayInputStream(app(GOOD_MODEL
                                .replace(
                                        "builder: unet, inChannels: 1, outChannels: 2, channels: [4, 8], strides: [2]",
                                        swin)
                                .replace(
                                        "inferer: {kind: whole}", "inferer: {kind: sliding_window, roi: [64, 64, 32]}"))
                        .getBytes(StandardCharsets.UTF_8)),
                "t");
        assertTrue(invalid("name: t\nmodels: {}\n").getMessage().contains("at least one model"));
        assertTrue(invalid(app(GOOD_MODEL + "  dimension: 4\n")).getMessage().contains("'dimension' must be 2 or 3"));
        assertTrue(invalid(app(GOOD_MODEL + "  dimension: 2\n"))
                .getMessage()
                .contains("a 2-D segmentation model runs on slices: 'inferer' must be sliding_window"));
        assertTrue(assertThrows(AppConfigException.class, () -> AppLoader.load("/no/such/app.yaml"))
                .getMessage()
                .contains("neither a shipped app"));
    }

    private static final String DEEPGROW_2D = """
              type: deepgrow
              dimension: 2
              labels: [organ]
              network: {builder: basic_unet, inChannels: 3, outChannels: 1}
              pre: {spacing: [1.0, 1.0]}
              guidance: {sigma: 2, cropSize: [64, 64], modelSize: [64, 64]}
              inferer: {kind: whole}
              post: {activation: sigmoid}
            """;

    @Test
    void twoDimensionalDeepGrowTakesInPlaneSizesAndOneWholeSlice() {
        ModelDefinition m = AppLoader.parse(
                        new ByteArrayInputStream(app(DEEPGROW_2D).getBytes(StandardCharsets.UTF_8)), "t")
                .models()
                .get("m");
        assertEquals(2, m.spatialDims());
        assertTrue(invalid(app(DEEPGROW_2D.replace("[1.0, 1.0]", "[1.0, 1.0, 1.0]")))
                .getMessage()
                .contains("'pre.spacing' must be 2 positive millimetre values (in-plane; slices keep their own)"));
        assertTrue(invalid(app(DEEPGROW_2D.replace("modelSize: [64, 64]", "modelSize: [8, 64, 64]")))
                .getMessage()
                .contains("'guidance.modelSize' must be 2 positive sizes"));
        assertTrue(invalid(app(DEEPGROW_2D.replace("kind: whole", "kind: fitted, maxWindowVoxels: 65536")))
                .getMessage()
                .contains("a 2-D DeepGrow model sees one slice whole"));
        assertTrue(invalid(app(DEEPGROW_2D.replace("pre: {", "pre: {orientation: RAS, ")))
                .getMessage()
                .contains("no 'pre.orientation'"));
    }

    @Test
    void trainingSettingsDefaultToMonaiLabelsAndBadOnesNameTheKey() {
        Training spleen =
                AppLoader.load("radiology").models().get("segmentation_spleen").trainingSettings();
        assertEquals(50, spleen.maxEpochs());
        assertEquals(0.2, spleen.valSplit());
        assertEquals(-1, spleen.earlyStopPatience());
        assertEquals(1, spleen.threshold());
        assertEquals(List.of(96, 96, 96), spleen.patch());
        // MONAI Label's segmentation_spleen trainer: CropForegroundd, RandCropByPosNegLabeld(num_samples 4) batched
        // per image, RandShiftIntensityd(offsets 0.1, prob 0.5), no RandFlipd
        assertEquals(
                List.of(true, 4, 4, 1, 0.0, 0.1, 0.5),
                List.of(
                        spleen.cropForeground(),
                        spleen.samplesPerImage(),
                        spleen.cropsPerStep(),
                        spleen.trainBatchSize(),
                        spleen.flipProbability(),
                        spleen.shiftIntensity(),
                        spleen.shiftProbability()));
        // The 3-D click models train without ONNX Runtime's arena (lower peaks on their large volumes); the spleen and
        // deepgrow_2d with the service's default (deepgrow_2d's step is 2x faster with it, still below PyTorch's
        // memory)
        assertEquals(null, spleen.cpuArena());
        var models = AppLoader.load("radiology").models();
        assertEquals(
                java.util.Arrays.asList(null, false, false),
                List.of(
                                models.get("deepgrow_2d").trainingSettings(),
                                models.get("deepgrow_3d").trainingSettings(),
                                models.get("deepedit").trainingSettings())
                        .stream()
                        .map(t -> t.cpuArena())
                        .toList());
        String bad = """
                name: t
                models:
                  m:
                    type: segmentation
                    labels: [organ]
                    network: {builder: unet, inChannels: 1, outChannels: 2}
                    inferer: {kind: whole}
                    post: {activation: softmax}
                    training: {valSplit: 1.5}
                """;
        AppConfigException e = assertThrows(
                AppConfigException.class,
                () -> AppLoader.parse(new ByteArrayInputStream(bad.getBytes(StandardCharsets.UTF_8)), "bad"));
        assertTrue(e.getMessage().contains("model 'm': 'training.valSplit' must be in [0, 1)"), e.getMessage());
        e = assertThrows(
                AppConfigException.class,
                () -> AppLoader.parse(
                        new ByteArrayInputStream(
                                bad.replace("valSplit: 1.5", "cropsPerStep: 3").getBytes(StandardCharsets.UTF_8)),
                        "bad"));
        assertTrue(e.getMessage().contains("'training.cropsPerStep' must divide samplesPerImage (4)"), e.getMessage());
    }
}
