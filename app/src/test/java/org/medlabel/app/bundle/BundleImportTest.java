package org.medlabel.app.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medlabel.app.config.AppConfigException;
import org.medlabel.app.config.AppLoader;
import org.medlabel.app.config.ModelDefinition;

/**
 * The model zoo's bundles (../shared/bundles, configs as published) become app models, or are refused naming every
 * thing MedLabel does not reproduce; zips are unpacked safely; the config syntax resolves as MONAI's does.
 */
public class BundleImportTest {

    public static final Path BUNDLES = Path.of(System.getProperty("medlabel.shared.bundles", "../../shared/bundles"));

    @TempDir
    Path dir;

    @Test
    void spleenBundleIsMonaisPipelineInAppTerms() {
        ObjectNode m = BundleImport.model(Bundle.open(BUNDLES.resolve("spleen_ct_segmentation"), dir));
        assertEquals("UNet", m.at("/network/monai").asText());
        assertEquals("batch", m.at("/network/args/norm").asText());
        assertEquals(2, m.at("/network/args/num_res_units").asInt());
        assertFalse(m.at("/network").has("weights"), "the published configs ship no weights");
        assertEquals("RAS", m.at("/pre/orientation").asText());
        assertEquals("[1.5,1.5,2.0]", m.at("/pre/spacing").toString());
        assertEquals(-57, m.at("/pre/window/aMin").asDouble());
        assertEquals(164, m.at("/pre/window/aMax").asDouble());
        assertTrue(m.at("/pre/window/clip").asBoolean());
        assertEquals("sliding_window", m.at("/inferer/kind").asText());
        assertEquals("[96,96,96]", m.at("/inferer/roi").toString());
        assertEquals(0.5, m.at("/inferer/overlap").asDouble());
        assertEquals("constant", m.at("/inferer/blend").asText());
        assertEquals("softmax", m.at("/post/activation").asText());
        assertEquals("probabilities", m.at("/post/invert").asText(), "Activationsd comes before Invertd");
        assertEquals("{\"spleen\":1}", m.get("labels").toString());
        // train.json: Novograd(lr 0.002), DiceCELoss(squared_pred, batch, lambda_dice 0.5, lambda_ce 0.5)
        assertEquals(
                "{\"loss\":\"dice_ce\",\"squaredPred\":true,\"batchDice\":true}",
                m.get("training").toString());
        assertEquals(
                "Spleen CT segmentation (bundle training settings MedLabel does not reproduce, its own used instead:"
                        + " optimizer Novograd; DiceCELoss lambda_ce=0.5, lambda_dice=0.5)",
                m.get("description").asText());
    }

    @Test
    void wholeBodyBundleResolvesItsDisplayableConfigsAndKeeps104Labels() {
        ObjectNode m = BundleImport.model(Bundle.open(BUNDLES.resolve("wholeBody_ct_segmentation"), dir));
        assertEquals("SegResNet", m.at("/network/monai").asText());
        assertEquals(105, m.at("/network/args/out_channels").asInt());
        // "$[1.5, 1.5, 1.5] if @displayable_configs#highres else [3.0, 3.0, 3.0]" with highres true
        assertEquals("[1.5,1.5,1.5]", m.at("/pre/spacing").toString());
        assertTrue(m.at("/pre/normalizeIntensity/nonzero").asBoolean());
        assertEquals(-1, m.at("/pre/scaleIntensity/min").asDouble());
        assertEquals(0.25, m.at("/inferer/overlap").asDouble(), "@displayable_configs#sw_overlap");
        assertEquals("gaussian", m.at("/inferer/blend").asText());
        assertEquals("replicate", m.at("/inferer/padding").asText());
        assertEquals("labels", m.at("/post/invert").asText(), "AsDiscreted comes before Invertd(nearest)");
        assertEquals(104, m.get("labels").size());
        assertEquals(1, m.at("/labels/spleen").asInt());
    }

    @Test
    void deepEditBundleIsMedLabelsDeepEdit() {
        ObjectNode m = BundleImport.model(Bundle.open(BUNDLES.resolve("spleen_deepedit_annotation"), dir));
        assertEquals("deepedit", m.get("type").asText());
        assertEquals("DynUNet", m.at("/network/monai").asText());
        assertEquals(3, m.at("/network/args/in_channels").asInt(), "$len(@label_names) + @number_intensity_ch");
        assertEquals("{\"spleen\":1,\"background\":0}", m.get("labels").toString(), "label_names, in order");
        assertEquals("RAS", m.at("/pre/orientation").asText());
        assertEquals("[128,128,128]", m.at("/pre/resize").toString());
        assertEquals(3, m.at("/guidance/sigma").asDouble(), "AddGuidanceSignalDeepEditd's default");
        assertEquals("whole", m.at("/inferer/kind").asText());
        assertEquals("probabilities", m.at("/post/invert").asText());
    }

    @Test
    void bratsBundleTakesFourSequencesAndLabelsItsOverlappingRegions() {
        ObjectNode m = BundleImport.model(Bundle.open(BUNDLES.resolve("brats_mri_segmentation"), dir));
        assertEquals(4, m.at("/network/args/in_channels").asInt());
        assertTrue(
                m.get("description").asText().contains("(input: one 4-D image of 4 channels: T1c, T1, T2, FLAIR)"),
                m.get("description").asText());
        assertTrue(m.at("/pre/normalizeIntensity/channelWise").asBoolean());
        assertEquals("[240,240,160]", m.at("/inferer/roi").toString());
        assertEquals("sigmoid", m.at("/post/activation").asText());
        assertEquals(0.5, m.at("/post/threshold").asDouble());
        // lambda x: torch.where(x[[2]] > 0, 4, torch.where(x[[0]] > 0, 1, torch.where(x[[1]] > 0, 2, 0)))
        assertEquals("[[2,4],[0,1],[1,2]]", m.at("/post/overlapping").toString());
        assertEquals(
                "{\"Enhancing tumor\":4,\"Tumor core\":1,\"Whole tumor\":2}",
                m.get("labels").toString());
    }

    @Test
    void aLambdaOtherThanRegionLabelsIsRefusedQuoted() {
        assertEquals(
                List.of(List.of(1, 3), List.of(0, 1)),
                RegionLabels.parse("$lambda y: torch.where(y[[1]] > 0.0, 3, torch.where(y[[0]] > 0, 1, 0))"));
        BundleException e = assertThrows(BundleException.class, () -> RegionLabels.parse("$lambda x: x.flip(0)"));
        assertEquals(
                "postprocessing Lambdad: $lambda x: x.flip(0) (MedLabel reads only nested torch.where(x[[channel]] > 0,"
                        + " label, ...) ending in 0)",
                e.getMessage());
    }

    @Test
    void ventricularBundleIsA2DModelRunOnSlices() {
        ObjectNode m = BundleImport.model(Bundle.open(BUNDLES.resolve("ventricular_short_axis_3label"), dir));
        assertEquals(2, m.get("dimension").asInt());
        assertEquals("UNet", m.at("/network/monai").asText());
        assertEquals("sliding_window", m.at("/inferer/kind").asText());
        assertEquals(
                "[256,256,1]", m.at("/inferer/roi").toString(), "SliceInferer(roi_size=[256, 256], spatial_dim=2)");
        assertEquals("[256,256,1]", m.at("/training/patch").toString());
        assertEquals(0, m.at("/pre/scaleIntensity/min").asDouble());
        assertEquals(
                "{\"lv_pool\":1,\"myocardium\":2,\"rv_pool\":3}",
                m.get("labels").toString());
    }

    @Test
    void btcvBundleIsASwinUnetrBuiltForItsRoi() {
        ObjectNode m = BundleImport.model(Bundle.open(BUNDLES.resolve("swin_unetr_btcv_segmentation"), dir));
        assertEquals("SwinUNETR", m.at("/network/monai").asText());
        assertEquals(96, m.at("/network/args/img_size").asInt(), "published for MONAI <= 1.4, which took img_size");
        assertEquals(48, m.at("/network/args/feature_size").asInt());
        assertEquals("[1.5,1.5,2.0]", m.at("/pre/spacing").toString());
        assertEquals(-175, m.at("/pre/window/aMin").asDouble());
        assertEquals("[96,96,96]", m.at("/inferer/roi").toString());
        assertEquals("probabilities", m.at("/post/invert").asText());
        assertEquals(13, m.get("labels").size());
        assertEquals(1, m.at("/labels/spleen").asInt());
    }

    @Test
    void aSwinUnetrWithoutImgSizeIsBuiltForTheInferersRoi() throws IOException {
        Path root = Files.createDirectories(dir.resolve("swin/configs"));
        Files.copy(
                BUNDLES.resolve("swin_unetr_btcv_segmentation/configs/metadata.json"), root.resolve("metadata.json"));
        String inference = Files.readString(BUNDLES.resolve("swin_unetr_btcv_segmentation/configs/inference.json"))
                .replace("\"img_size\": 96,", "")
                .replace("\"feature_size\": 48", "\"feature_size\": 12")
                .replace("96,\n            96,\n            96", "64,\n            64,\n            32");
        Files.writeString(root.resolve("inference.json"), inference);
        ObjectNode m = BundleImport.model(Bundle.open(dir.resolve("swin"), dir));
        assertEquals("[64,64,32]", m.at("/network/args/img_size").toString());
    }

    @Test
    void paediatricBundleIsADynUNetWithAForegroundCropAndNumberedLabels() {
        ObjectNode m = BundleImport.model(Bundle.open(BUNDLES.resolve("pediatric_abdominal_ct_segmentation"), dir));
        assertEquals("DynUNet", m.at("/network/monai").asText());
        assertEquals(3, m.at("/network/args/spatial_dims").asInt(), "$len(@spatial_size)");
        assertEquals("[1,2,2,2,2,[2,2,1]]", m.at("/network/args/strides").toString());
        assertEquals(0, m.at("/pre/cropForeground/margin").asInt());
        assertEquals(0.75, m.at("/inferer/overlap").asDouble());
        // its metadata names no output channels
        assertEquals(
                "{\"label_1\":1,\"label_2\":2,\"label_3\":3}", m.get("labels").toString());
    }

    @Test
    void unsupportedBundlesAreRefusedWithEverythingNamed() {
        Map<String, String> expected = Map.of(
                "pancreas_ct_dints_segmentation",
                "bundle pancreas_ct_dints_segmentation cannot be imported: network monai.networks.nets.DiNTS is not"
                        + " supported; MedLabel builds UNet, BasicUNet, UNETR, SegResNet, DynUNet, SwinUNETR");
        expected.forEach((name, message) -> assertEquals(
                message,
                assertThrows(BundleException.class, () -> BundleImport.model(Bundle.open(BUNDLES.resolve(name), dir)))
                        .getMessage()));
    }

    @Test
    void aZipOfTheBundleFolderWithItsWeightsImports() throws IOException {
        Path zip = zip(
                BUNDLES.resolve("spleen_ct_segmentation"),
                "spleen_ct_segmentation/",
                Map.of("spleen_ct_segmentation/models/model.pt", "weights"));
        Bundle b = Bundle.open(zip, dir);
        assertEquals("spleen_ct_segmentation", b.name());
        assertTrue(b.weights().orElseThrow().endsWith("models/model.pt"));
        assertEquals(
                b.weights().orElseThrow().toString(),
                BundleImport.model(b).at("/network/weights").asText());
    }

    @Test
    void badZipsAndFoldersAreRefusedByName() throws IOException {
        Path slip = zip(BUNDLES.resolve("spleen_ct_segmentation"), "", Map.of("../evil.txt", "x"));
        assertEquals(
                "the zip entry ../evil.txt leaves the bundle's folder",
                assertThrows(BundleException.class, () -> Bundle.open(slip, dir))
                        .getMessage());
        assertFalse(Files.exists(dir.getParent().resolve("evil.txt")));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.toList(), "a refused zip leaves nothing unpacked");
        }

        Path text = Files.writeString(dir.resolve("not.zip"), "hello");
        assertEquals(
                "not a zip file, or an empty one: send the bundle's folder as a .zip",
                assertThrows(BundleException.class, () -> Bundle.open(text, dir))
                        .getMessage());

        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertEquals(
                "not a MONAI bundle: no configs/metadata.json in it or in a top folder",
                assertThrows(BundleException.class, () -> Bundle.open(empty, dir))
                        .getMessage());

        Path noInference = Files.createDirectories(dir.resolve("train-only/configs"));
        Files.writeString(noInference.resolve("metadata.json"), "{}");
        assertTrue(assertThrows(BundleException.class, () -> Bundle.open(noInference.getParent(), dir))
                .getMessage()
                .startsWith("the bundle has no configs/inference.json"));

        Path broken = Files.createDirectories(dir.resolve("broken/configs"));
        Files.writeString(broken.resolve("metadata.json"), "{}");
        Files.writeString(broken.resolve("inference.json"), "{\"network_def\": ");
        assertTrue(assertThrows(BundleException.class, () -> Bundle.open(broken.getParent(), dir))
                .getMessage()
                .startsWith("configs/inference.json is not valid JSON"));
    }

    @Test
    void configReferencesMacrosAndExpressionsResolveAsMonaisDo() throws IOException {
        Path root = Files.createDirectories(dir.resolve("b/configs")).getParent();
        Files.writeString(root.resolve("configs/inference.json"), """
                {"size": [96, 96, 64], "dims": "$len(@size)", "labels": {"a": 1, "b": 2},
                 "channels": "$len(@labels) + 1", "roi": "@size", "first": "$@size[0] // 2",
                 "name": "$'net' + '_' + str(@dims)", "hi": true, "pix": "$[1.5] * 3 if @hi else [3.0]",
                 "from_train": "%configs/train.json#lr", "loop": "@loop2", "loop2": "@loop",
                 "device": "$torch.device('cpu')", "items": [{"_disabled_": true, "x": 1}, {"x": "@dims"}]}
                """);
        Files.writeString(root.resolve("configs/train.json"), "{\"lr\": 0.0001}");
        BundleConfig c = BundleConfig.read(root, "configs/inference.json");
        assertEquals(3, c.get("dims"));
        assertEquals(3, c.get("channels"));
        assertEquals(List.of(96, 96, 64), c.get("roi"));
        assertEquals(48, c.get("first"));
        assertEquals("net_3", c.get("name"));
        assertEquals(List.of(1.5, 1.5, 1.5), c.get("pix"));
        assertEquals(0.0001, c.get("from_train"));
        assertEquals(64, c.get("size#2"));
        assertEquals(List.of(Map.of("x", 3)), c.get("items"), "disabled items are left out");
        assertTrue(assertThrows(BundleException.class, () -> c.get("loop"))
                .getMessage()
                .contains("form a cycle"));
        assertEquals(
                "the expression \"$torch.device('cpu')\" is not supported (MedLabel evaluates plain values,"
                        + " @references and arithmetic without Python): at 'torch'",
                assertThrows(BundleException.class, () -> c.get("device")).getMessage());
        assertEquals(
                "configs/inference.json: nothing at @nothing#here (no 'nothing')",
                assertThrows(BundleException.class, () -> c.get("nothing#here")).getMessage());
    }

    @Test
    void anAppFileTakesAModelFromABundleAndOverridesItsKeys() throws IOException {
        Path app = Files.writeString(
                dir.resolve("app.yaml"),
                "name: zoo\nmodels:\n  whole_body:\n    bundle: "
                        + BUNDLES.resolve("wholeBody_ct_segmentation").toAbsolutePath()
                        + "\n    description: all of it\n    inferer: {kind: fitted,"
                        + " maxWindowVoxels: 2000000}\n");
        ModelDefinition d = AppLoader.load(app.toString()).models().get("whole_body");
        assertEquals("all of it", d.description());
        assertEquals("SegResNet", d.network().monai());
        assertTrue(d.inferer().fitted(), "the app's inferer replaces the bundle's whole");
        assertEquals(104, d.foregroundNames().size());
        assertTrue(d.pre().normalizeIntensity().nonzero());

        Path bad = Files.writeString(
                dir.resolve("bad.yaml"),
                "name: zoo\nmodels:\n  dints:\n    bundle: "
                        + BUNDLES.resolve("pancreas_ct_dints_segmentation").toAbsolutePath() + "\n");
        String message = assertThrows(AppConfigException.class, () -> AppLoader.load(bad.toString()))
                .getMessage();
        assertTrue(message.startsWith("app " + bad + ", model 'dints': bundle "), message);
        assertTrue(
                message.endsWith("network monai.networks.nets.DiNTS is not supported; MedLabel builds UNet,"
                        + " BasicUNet, UNETR, SegResNet, DynUNet, SwinUNETR"),
                message);
    }

    /** The folder's files under {@code prefix} in a zip, plus {@code extra} entries. */
    private Path zip(Path folder, String prefix, Map<String, String> extra) throws IOException {
        Path zip = Files.createTempFile(dir.getParent(), "bundle", ".zip");
        try (OutputStream out = Files.newOutputStream(zip);
                ZipOutputStream z = new ZipOutputStream(out);
                Stream<Path> files = Files.walk(folder)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                z.putNextEntry(
                        new ZipEntry(prefix + folder.relativize(f).toString().replace('\\', '/')));
                z.write(Files.readAllBytes(f));
                z.closeEntry();
            }
            for (var e : extra.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                z.closeEntry();
            }
        }
        return zip;
    }
}
