package org.medlabel.imaging.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;

/**
 * Writes attached-header NRRD ({@code .nrrd}, {@code .seg.nrrd}) as 3D Slicer and ITK do: space
 * left-posterior-superior, little-endian, gzip (fastest level) or raw — OHIF reads raw uint8. A multi-channel volume is
 * written 4D with the channels as the first axis (kind {@code list}, direction {@code none}), Slicer's layout for
 * segmentation layers. Key/value pairs (e.g. {@link SlicerSegments}) follow the fields.
 */
public final class NrrdWriter {

    private static final int CHUNK = 1 << 16;

    private final boolean gzip;

    /** A writer using gzip encoding ({@code true}) or raw. */
    public NrrdWriter(boolean gzip) {
        this.gzip = gzip;
    }

    public void write(Volume volume, Path path) throws IOException {
        write(volume, Map.of(), path);
    }

    public void write(Volume volume, Map<String, String> keyValues, Path path) throws IOException {
        try (OutputStream out = Files.newOutputStream(path)) {
            write(volume, keyValues, out);
        }
    }

    /** Writes to a stream; flushed, not closed. */
    public void write(Volume volume, Map<String, String> keyValues, OutputStream target) throws IOException {
        OutputStream out = new BufferedOutputStream(target, CHUNK);
        out.write(header(volume, keyValues).getBytes(StandardCharsets.UTF_8));
        if (gzip) {
            GZIPOutputStream data = Compression.fastGzip(out);
            VoxelEncoder.write(volume, true, data);
            data.finish();
        } else {
            VoxelEncoder.write(volume, true, out);
        }
        out.flush();
    }

    private String header(Volume v, Map<String, String> keyValues) {
        Affine a = v.affine();
        boolean multi = v.channels() > 1;
        StringBuilder h = new StringBuilder("NRRD0004\n# Written by MedLabel\n");
        h.append("type: ").append(DiskType.of(v.type()).nrrdName()).append('\n');
        h.append("dimension: ").append(multi ? 4 : 3).append('\n');
        h.append("space: left-posterior-superior\n");
        h.append("sizes: ")
                .append(multi ? v.channels() + " " : "")
                .append(v.nx())
                .append(' ')
                .append(v.ny())
                .append(' ')
                .append(v.nz())
                .append('\n');
        h.append("space directions: ").append(multi ? "none " : "");
        for (int axis = 0; axis < 3; axis++) {
            // RAS to LPS: negate the x and y components.
            h.append(axis == 0 ? "" : " ").append(vector(-a.get(0, axis), -a.get(1, axis), a.get(2, axis)));
        }
        h.append('\n');
        h.append("kinds: ").append(multi ? "list " : "").append("domain domain domain\n");
        h.append("endian: little\n");
        h.append("encoding: ").append(gzip ? "gzip" : "raw").append('\n');
        h.append("space origin: ")
                .append(vector(-a.get(0, 3), -a.get(1, 3), a.get(2, 3)))
                .append('\n');
        for (Map.Entry<String, String> kv : keyValues.entrySet()) {
            if (kv.getKey().contains(":=")
                    || kv.getKey().contains("\n")
                    || kv.getValue().contains("\n")) {
                throw new IllegalArgumentException("key/value pairs may not contain ':=' or newlines: " + kv);
            }
            h.append(kv.getKey()).append(":=").append(kv.getValue()).append('\n');
        }
        return h.append('\n').toString();
    }

    private static String vector(double x, double y, double z) {
        return "(" + number(x) + "," + number(y) + "," + number(z) + ")";
    }

    /** Shortest text that reads back to the same double; -0 written as 0. */
    private static String number(double v) {
        if (v == 0) {
            return "0";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
