package org.medlabel.inference.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.medlabel.app.config.AppLoader;
import org.medlabel.app.config.ModelDefinition;
import org.medlabel.app.config.ModelType;
import org.medlabel.app.network.NetworkFactory;
import org.medlabel.imaging.io.NiftiReader;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.testinfra.PythonOracle;

/**
 * Model-zoo bundles imported as MedLabel models agree with MONAI running the same bundle: MONAI's ConfigParser builds
 * the bundle's network (seeded), saves its weights into the bundle and runs the bundle's own preprocessing, inferer and
 * postprocessing on a real CT (monai_bundle.py); MedLabel reads the same bundle through an app file's {@code bundle:}
 * key (its configs, its models/model.pt) and segments the same CT. Every label MONAI gives at least
 * {@value #MIN_VOXELS} voxels must have a Dice of at least {@value #MIN_DICE} against MONAI's, on the image's grid.
 */
class BundleParityTest {

    private static final Path BUNDLES = Path.of(System.getProperty("medlabel.shared.bundles", "../../shared/bundles"));
    private static final Path CT = TestModels.DATA.resolve("ct_head_invesalius/ct.nii.gz");
    private static final Path MRI = TestModels.DATA.resolve("mri_macaque_inia19/inia19-t1-brain.nii.gz");
    private static final double MIN_DICE = 0.99;
    private static final int MIN_VOXELS = 1000;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(
            strings = {
                "spleen_ct_segmentation",
                "wholeBody_ct_segmentation",
                "pediatric_abdominal_ct_segmentation",
                "swin_unetr_btcv_segmentation",
                "ventricular_short_axis_3label"
            })
    void importedBundleSegmentsAsMonaiRunsIt(String bundle) throws Exception {
        monai(bundle, "{}");
        ModelDefinition d = imported();
        Volume image = new NiftiReader().read(dir.resolve("image.nii.gz"));
        assertAgrees(bundle, image, PipelineRuns.segment(NetworkFactory.build("zoo_model", d), d, image));
    }

    /** The DeepEdit bundle, its clicks given to MONAI's click transforms and to MedLabel's DeepEdit alike. */
    @Test
    void deepEditBundleFollowsClicksAsMonaiRunsIt() throws Exception {
        String clicks = "{\"spleen\": [[64, 60, 50], [70, 66, 55]], \"background\": [[10, 12, 20]]}";
        // MONAI gets each click at its voxel's centre: the bundle's script reorients clicks through inv(A)·A, which in
        // float64 is not the identity, and truncates (64 became 63.99999, then 63); the head CT is already RAS
        monai(
                "spleen_deepedit_annotation",
                "{\"spleen\": [[64.5, 60.5, 50.5], [70.5, 66.5, 55.5]], \"background\":" + " [[10.5, 12.5, 20.5]]}");
        ModelDefinition d = imported();
        assertEquals(ModelType.DEEPEDIT, d.type());
        Volume image = new NiftiReader().read(dir.resolve("image.nii.gz"));
        Map<String, Object> params = new ObjectMapper().readValue(clicks, new TypeReference<>() {});
        assertAgrees(
                "spleen_deepedit_annotation",
                image,
                PipelineRuns.deepEdit(NetworkFactory.build("zoo_model", d), d, image, params));
    }

    /**
     * BraTS: four MR sequences as one 4-D image (MONAI reads them as four files), the network's three overlapping
     * sigmoid regions labelled by the bundle's Lambdad.
     */
    @Test
    void bratsBundleReadsFourSequencesAndLabelsOverlappingRegions() throws Exception {
        Path sequences = dir.resolve("sequences.nii.gz");
        PythonOracle.run("monai_bundle.py", "channels", MRI, sequences);
        monai("brats_mri_segmentation", sequences, "{}");
        ModelDefinition d = imported();
        Volume image = new NiftiReader().read(dir.resolve("image.nii.gz"), NiftiReader.ALL_VOLUMES);
        assertEquals(4, image.channels());
        assertEquals(
                List.of(List.of(2, 4), List.of(0, 1), List.of(1, 2)), d.post().overlapping());
        assertAgrees(
                "brats_mri_segmentation", image, PipelineRuns.segment(NetworkFactory.build("zoo_model", d), d, image));
    }

    /** MONAI runs the bundle on the cropped CT (image.nii.gz, labels.nii.gz and the bundle with weights in dir). */
    private void monai(String bundle, String clicks) throws Exception {
        monai(bundle, CT, clicks);
    }

    private void monai(String bundle, Path image, String clicks) throws Exception {
        System.out.println(PythonOracle.run("monai_bundle.py", "run", BUNDLES.resolve(bundle), image, dir, "3", clicks)
                .lines()
                .filter(l -> l.startsWith("{"))
                .findFirst()
                .orElse(""));
    }

    /** The bundle as an app file's model takes it. */
    private ModelDefinition imported() throws Exception {
        Path app = Files.writeString(
                dir.resolve("app.yaml"), "name: zoo\nmodels:\n  " + "zoo_model:\n    bundle: bundle\n");
        return AppLoader.load(app.toString()).models().get("zoo_model");
    }

    private void assertAgrees(String bundle, Volume image, Volume ours) throws Exception {
        Volume monai = new NiftiReader().read(dir.resolve("labels.nii.gz"));
        assertEquals(List.of(image.nx(), image.ny(), image.nz()), List.of(ours.nx(), ours.ny(), ours.nz()));
        assertTrue(ours.affine().approximatelyEquals(image.affine(), 1e-6), "labels on the image's grid");
        Map<Integer, long[]> counts = new TreeMap<>(); // label -> MONAI's voxels, ours, both
        long agree = 0;
        for (int i = 0; i < image.voxelCount(); i++) {
            int m = (int) monai.voxels().get(i);
            int o = (int) ours.voxels().get(i);
            counts.computeIfAbsent(m, k -> new long[3])[0]++;
            counts.computeIfAbsent(o, k -> new long[3])[1]++;
            if (m == o) {
                counts.get(m)[2]++;
                agree++;
            }
        }
        System.out.printf(
                "%s: %d labels, %.4f %% of voxels agree with MONAI%n",
                bundle, counts.size(), 100.0 * agree / image.voxelCount());
        int compared = 0;
        List<String> below = new java.util.ArrayList<>();
        for (var e : counts.entrySet()) {
            long[] c = e.getValue();
            double dice = 2.0 * c[2] / (c[0] + c[1]);
            System.out.printf("  label %d: MONAI %d voxels, MedLabel %d, Dice %.4f%n", e.getKey(), c[0], c[1], dice);
            if (Math.max(c[0], c[1]) >= MIN_VOXELS) {
                compared++;
                if (dice < MIN_DICE) {
                    below.add("label " + e.getKey() + ": Dice " + dice);
                }
            }
        }
        assertEquals(List.of(), below, bundle + ": labels below Dice " + MIN_DICE);
        assertTrue(compared >= 2, "at least two labels large enough to compare");
    }
}
