package org.medlabel.training.run;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.medlabel.app.config.ModelDefinition;
import org.medlabel.app.config.Training;
import org.medlabel.app.preprocess.NetworkGrid;
import org.medlabel.imaging.augment.RandomCrop;
import org.medlabel.imaging.transform.Crop;
import org.medlabel.imaging.transform.Interpolation;
import org.medlabel.imaging.transform.Parallel;
import org.medlabel.imaging.transform.Resampler;
import org.medlabel.imaging.volume.Region;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.platform.datastore.DatastoreClient;
import org.medlabel.training.data.CaseReader;

/**
 * Puts a case on the grid the network sees, with the model's own pre-processing (the same code inference runs): the
 * image resampled linearly and windowed, the label resampled by nearest neighbour and mapped to output channels (the
 * j-th foreground label of the app is channel j, as inference reads them; other values count as background).
 */
final class CasePreparer {

    private final CaseReader reader;
    private final Parallel parallel;

    CasePreparer(CaseReader reader, Parallel parallel) {
        this.reader = reader;
        this.parallel = parallel;
    }

    PreparedCase prepare(DatastoreClient.Case c, ModelDefinition model, Training t) throws IOException {
        Volume image = reader.image(c);
        Volume label = reader.label(c);
        if (image.nx() != label.nx() || image.ny() != label.ny() || image.nz() != label.nz()) {
            throw new IOException("case " + c.id() + ": the label (" + label.nx() + "x" + label.ny() + "x" + label.nz()
                    + ") does not match its image (" + image.nx() + "x" + image.ny() + "x" + image.nz() + ")");
        }
        NetworkGrid ng = NetworkGrid.of(model.pre(), image, parallel);
        Resampler resampler = new Resampler(parallel);
        Volume input = ng.input();
        // The label keeps the image's affine (the datastore checked the shapes): resampled by world position too.
        Volume classes = classes(
                resampler.resample(label.withAffine(image.affine()), ng.grid(), Interpolation.NEAREST),
                model.channelOfValue());
        if (t.cropForeground()) {
            // MONAI's CropForeground(x > 0) after MONAI Label's 0..1 window: the voxels above the intensity steps'
            // floor
            Region box =
                    Region.above(input, 0, model.pre() == null ? 0 : model.pre().floor());
            input = Crop.cut(input, box, 0);
            classes = Crop.cut(classes, box, 0);
        }
        List<Integer> patch = t.patch();
        return new PreparedCase(
                c.id(),
                input,
                classes,
                RandomCrop.of(classes, patch.get(0), patch.get(1), patch.get(2), t.positive(), t.negative()),
                structures(classes));
    }

    private static int[] structures(Volume classes) {
        boolean[] seen = new boolean[256];
        for (int i = 0; i < classes.voxelCount(); i++) {
            seen[(int) classes.voxels().get(i) & 0xff] = true;
        }
        return java.util.stream.IntStream.range(1, 256).filter(v -> seen[v]).toArray();
    }

    private static Volume classes(Volume label, Map<Integer, Integer> channelOfValue) {
        byte[] out = new byte[label.voxelCount()];
        for (int i = 0; i < out.length; i++) {
            Integer channel = channelOfValue.get((int) Math.round(label.voxels().get(i)));
            out[i] = channel == null ? 0 : channel.byteValue();
        }
        return new Volume(label.nx(), label.ny(), label.nz(), label.affine(), new VoxelBuffer.UInt8(out));
    }
}
