package org.medlabel.inference.pipeline;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.medlabel.app.config.ModelDefinition;
import org.medlabel.app.network.NetworkRunner;
import org.medlabel.app.preprocess.DeepGrowCrop;
import org.medlabel.app.preprocess.IntensityStep;
import org.medlabel.app.preprocess.NetworkGrid;
import org.medlabel.imaging.transform.Channels;
import org.medlabel.imaging.transform.GuidanceMap;
import org.medlabel.imaging.transform.Interpolation;
import org.medlabel.imaging.transform.Parallel;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Region;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.imaging.volume.VoxelType;
import org.medlabel.inference.model.ServedModel;
import org.medlabel.ml.runtime.Cancellation;

/**
 * DeepGrow 3D (MONAI Label's deepgrow_3d): the image at the model's spacing is cropped around the clicks (at least
 * {@code cropSize} in-plane, the clicks' extent plus {@code margin} if larger; every slice kept) and resized to
 * {@code modelSize}; the network sees [image, foreground guidance, background guidance]; its one-channel output,
 * thresholded, is a binary mask of the clicked structure, put back on the original grid (only the crop's box is
 * resampled). Crop and resize are one resampling straight from the image. A 2-D model (MONAI Label's deepgrow_2d) does
 * the same on one slice, resampled in-plane only: the request's {@code slice} (else the first foreground click's), with
 * the clicks on it; its mask is that slice's, the rest of the volume background.
 */
public final class DeepGrowPipeline implements Pipeline {

    private final Parallel parallel;
    private final Transforms transforms;

    public DeepGrowPipeline(Parallel parallel) {
        this.parallel = parallel;
        this.transforms = new Transforms(parallel);
    }

    @Override
    public PipelineResult run(
            ServedModel model, Volume image, Map<String, Object> params, Latencies latencies, Cancellation cancellation)
            throws Exception {
        ModelDefinition d = model.definition();
        List<double[]> foreground = Clicks.read(params, "foreground", image);
        List<double[]> background = Clicks.read(params, "background", image);
        if (d.spatialDims() == 2) {
            int slice = Clicks.slice(params, foreground, image);
            foreground = Clicks.onSlice(foreground, slice);
            background = Clicks.onSlice(background, slice);
            if (foreground.isEmpty()) {
                throw new InvalidRequestException(
                        "DeepGrow 2D needs at least one click under 'foreground' on slice " + slice);
            }
        }
        if (foreground.isEmpty()) {
            throw new InvalidRequestException("DeepGrow needs at least one click under 'foreground'");
        }
        NetworkGrid ng = NetworkGrid.of(d.pre(), image, parallel);
        Grid modelGrid = DeepGrowCrop.grid(
                d.guidance(),
                ng.grid(),
                Clicks.map(foreground, image, ng.grid()),
                Clicks.map(background, image, ng.grid()));
        Volume intensities = IntensityStep.apply(d.pre(), transforms.toGrid(ng.oriented(), modelGrid));
        Volume guidance = new GuidanceMap(d.guidance().sigma())
                .apply(
                        intensities,
                        List.of(Clicks.map(foreground, image, modelGrid), Clicks.map(background, image, modelGrid)));
        Volume input = Channels.stack(List.of(intensities, guidance));
        latencies.stage("pre");
        Volume output = NetworkRunner.run(model.session(), input, d.inferer(), cancellation);
        latencies.stage("infer");
        Region box = boundingBox(output, image);
        Volume restored = box == null
                ? null
                : transforms.toOriginal(output, Grid.of(image).sub(box), Interpolation.LINEAR);
        latencies.stage("invert");
        Volume mask = box == null
                ? Volume.zeros(image.nx(), image.ny(), image.nz(), 1, VoxelType.UINT8, image.affine())
                : paste(transforms.labels(d.post(), restored), box, image);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("label_names", d.labelValues());
        json.put("centroids", Transforms.centroids(mask, Map.of()));
        latencies.stage("post");
        return new PipelineResult(mask, json);
    }

    /**
     * The crop's mask (labelled on the crop's box of the original grid only: a 2-D model's box is one slice) at its
     * place in an otherwise empty mask of the whole image.
     */
    private static Volume paste(Volume part, Region box, Volume image) {
        byte[] full = new byte[image.voxelCount()];
        byte[] values = ((VoxelBuffer.UInt8) part.voxels()).array();
        for (int z = 0; z < box.sz(); z++) {
            for (int y = 0; y < box.sy(); y++) {
                System.arraycopy(
                        values,
                        (z * box.sy() + y) * box.sx(),
                        full,
                        ((box.z() + z) * image.ny() + box.y() + y) * image.nx() + box.x(),
                        box.sx());
            }
        }
        return new Volume(image.nx(), image.ny(), image.nz(), image.affine(), new VoxelBuffer.UInt8(full));
    }

    /** The original-grid voxels inside the output grid's extent (clipped to the image), or null if none. */
    static Region boundingBox(Volume output, Volume image) {
        var toImage = image.affine().inverse().multiply(output.affine());
        double[] lo = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
        double[] hi = {-Double.MAX_VALUE, -Double.MAX_VALUE, -Double.MAX_VALUE};
        for (int corner = 0; corner < 8; corner++) {
            double[] p = toImage.apply(
                    (corner & 1) == 0 ? -0.5 : output.nx() - 0.5,
                    (corner & 2) == 0 ? -0.5 : output.ny() - 0.5,
                    (corner & 4) == 0 ? -0.5 : output.nz() - 0.5);
            for (int a = 0; a < 3; a++) {
                lo[a] = Math.min(lo[a], p[a]);
                hi[a] = Math.max(hi[a], p[a]);
            }
        }
        int[] size = {image.nx(), image.ny(), image.nz()};
        int[] from = new int[3];
        int[] to = new int[3];
        for (int a = 0; a < 3; a++) {
            from[a] = Math.max(0, (int) Math.ceil(lo[a]));
            to[a] = Math.min(size[a] - 1, (int) Math.floor(hi[a]));
            if (to[a] < from[a]) {
                return null;
            }
        }
        return new Region(from[0], from[1], from[2], to[0] - from[0] + 1, to[1] - from[1] + 1, to[2] - from[2] + 1);
    }
}
