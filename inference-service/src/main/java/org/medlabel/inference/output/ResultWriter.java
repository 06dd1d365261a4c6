package org.medlabel.inference.output;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.medlabel.imaging.io.NiftiWriter;
import org.medlabel.imaging.io.NrrdWriter;
import org.medlabel.imaging.io.SlicerSegments;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.imaging.volume.VoxelType;

/**
 * Writes a label result as the file MONAI Label clients download: the label volume on the input image's grid, in the
 * requested format and dtype, as {@code medlabel-<random hex><extension>} — a bare name whose extension is the real
 * format, since clients save the part under that name and choose their loader by it.
 */
@ApplicationScoped
public class ResultWriter {

    private static final SecureRandom RANDOM = new SecureRandom();

    // Slicer's GenericAnatomyColors 1..10, the colours Slicer gives new segments, chosen by label value so that a label
    // keeps its colour whichever other labels a result holds.
    private static final int[][] PALETTE = {
        {128, 174, 128}, {241, 214, 145}, {177, 122, 101}, {111, 184, 210}, {216, 101, 79},
        {221, 130, 101}, {144, 238, 144}, {192, 104, 88}, {220, 245, 20}, {78, 63, 0}
    };

    /**
     * Writes {@code label} (one channel, already on the original image's grid) to a new file in {@code directory}.
     * {@code labelValues} maps the model's label names to their values; they name the segments of a {@code .seg.nrrd}.
     * Every value in it and in the volume must be exact in the requested dtype — checked for the map too, so that a
     * model and dtype that do not go together fail on every image, not just on those where the large label appears.
     *
     * @return the written file
     * @throws InvalidResultOptionsException when a label value does not fit the requested dtype
     */
    public Path write(Volume label, ResultOptions options, Map<String, Integer> labelValues, Path directory)
            throws IOException {
        if (label.channels() != 1) {
            throw new IllegalArgumentException("a label result has one channel, not " + label.channels());
        }
        labelValues.forEach((name, value) -> {
            if (!fits(value, options.dtype())) {
                throw new InvalidResultOptionsException("label '" + name + "' = " + value + " does not fit "
                        + ResultOptions.DTYPE + " " + ResultOptions.dtypeName(options.dtype()));
            }
        });
        Volume converted = convert(label, options.dtype());
        byte[] random = new byte[8];
        RANDOM.nextBytes(random);
        Path file = Files.createFile(directory.resolve("medlabel-"
                + HexFormat.of().formatHex(random) + options.format().extension()));
        try (OutputStream out = Files.newOutputStream(file)) {
            switch (options.format()) {
                case NII_GZ, NII -> new NiftiWriter().write(converted, out, options.gzip());
                case NRRD -> new NrrdWriter(options.gzip()).write(converted, Map.of(), out);
                case SEG_NRRD -> new NrrdWriter(options.gzip()).write(converted, segments(labelValues), out);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return file;
    }

    /** The media type of a result file: octet-stream for every format, as MONAI Label sends. */
    public String contentType(ResultFormat format) {
        return "application/octet-stream";
    }

    private static Volume convert(Volume label, VoxelType dtype) {
        if (label.type() == dtype) {
            return label;
        }
        VoxelBuffer source = label.voxels();
        VoxelBuffer target = VoxelBuffer.allocate(dtype, source.length());
        for (int i = 0; i < source.length(); i++) {
            double value = source.get(i);
            target.set(i, value);
            // set() rounds and clamps: a value that does not come back unchanged does not fit.
            if (target.get(i) != value) {
                throw new InvalidResultOptionsException("label value " + format(value) + " does not fit "
                        + ResultOptions.DTYPE + " " + ResultOptions.dtypeName(dtype));
            }
        }
        return new Volume(label.nx(), label.ny(), label.nz(), label.affine(), target);
    }

    private static boolean fits(int value, VoxelType dtype) {
        VoxelBuffer one = VoxelBuffer.allocate(dtype, 1);
        one.set(0, value);
        return one.get(0) == value;
    }

    private static String format(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15
                ? Long.toString((long) value)
                : Double.toString(value);
    }

    /** One Slicer segment per label; the background (0, or so named) is the absence of segments in Slicer. */
    private static Map<String, String> segments(Map<String, Integer> labelValues) {
        List<SlicerSegments.Segment> segments = labelValues.entrySet().stream()
                .filter(e -> e.getValue() != 0 && !e.getKey().equalsIgnoreCase("background"))
                .sorted(Map.Entry.comparingByValue())
                .map(e -> new SlicerSegments.Segment(e.getKey(), e.getKey(), e.getValue(), 0, color(e.getValue())))
                .toList();
        return SlicerSegments.toKeyValues(segments);
    }

    private static double[] color(int value) {
        int[] rgb = PALETTE[(value - 1) % PALETTE.length];
        return new double[] {rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0};
    }
}
