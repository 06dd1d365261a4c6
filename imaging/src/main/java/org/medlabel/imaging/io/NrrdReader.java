package org.medlabel.imaging.io;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/**
 * Reads NRRD images: attached ({@code .nrrd}) and detached ({@code .nhdr} + data file) headers; raw, gzip and ASCII
 * encodings; either byte order; 2D images (as one slice), 3D images, and 4D images with one non-spatial axis (first
 * or last), which becomes the channels. Geometry comes from {@code space directions} and {@code space origin} (or
 * {@code spacings}) and is converted to RAS: LPS, the convention of Slicer and ITK, is assumed when {@code space} is
 * absent. A detached data file must lie in the header's directory tree.
 */
public final class NrrdReader {

    private static final int MAX_HEADER_BYTES = 1 << 20;

    private final long maxVoxels;

    public NrrdReader() {
        this(VoxelBuffer.MAX_LENGTH);
    }

    /** A reader that refuses images of more than {@code maxVoxels} values before allocating them. */
    public NrrdReader(long maxVoxels) {
        this.maxVoxels = Math.min(maxVoxels, VoxelBuffer.MAX_LENGTH);
    }

    public NrrdImage read(Path path) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(path), Compression.BUFFER)) {
            return read(in, path.toAbsolutePath().getParent());
        } catch (ImageFormatException e) {
            throw new ImageFormatException(path.getFileName() + ": " + e.getMessage(), e.getCause());
        }
    }

    /**
     * Reads from a stream positioned at the magic line. {@code directory} resolves a detached data file; null refuses
     * detached headers (uploads must be self-contained).
     */
    public NrrdImage read(InputStream in, Path directory) throws IOException {
        Header h = Header.parse(in);
        Layout layout = Layout.of(h, maxVoxels);
        VoxelBuffer voxels = VoxelBuffer.allocate(layout.type.storedAs, layout.total());
        String dataFile = h.fields.get("data file");
        if (dataFile == null) {
            decode(in, h, layout, voxels);
        } else {
            Path data = detachedData(directory, dataFile);
            try (InputStream din = new BufferedInputStream(Files.newInputStream(data), Compression.BUFFER)) {
                decode(din, h, layout, voxels);
            }
        }
        if (layout.channelsFirst && layout.channels > 1) {
            voxels = deinterleave(voxels, layout.channels);
        }
        Volume volume = new Volume(layout.nx, layout.ny, layout.nz, layout.channels, layout.affine, voxels);
        return new NrrdImage(volume, h.keyValues);
    }

    /**
     * Checks an attached NRRD without keeping its voxels: parses the header, then streams through every voxel byte
     * (raw or gzip; ASCII data is small and decoded), so a truncated file fails here. Detached data is refused.
     */
    public ImageHeader probe(InputStream in) throws IOException {
        Header h = Header.parse(in);
        Layout layout = Layout.of(h, maxVoxels);
        if (h.fields.containsKey("data file")) {
            detachedData(null, h.fields.get("data file"));
        }
        long bytes = layout.total() * layout.type.bytes;
        String encoding = h.fields.getOrDefault("encoding", "raw").toLowerCase(Locale.ROOT);
        try {
            switch (encoding) {
                case "gzip", "gz" -> {
                    skipLines(in, h);
                    InputStream data = Compression.gunzip(in);
                    data.skipNBytes(bytes);
                    Compression.verifyGzipTrailer(data);
                }
                case "raw" -> {
                    skipLines(in, h);
                    in.skipNBytes(byteSkip(h) + bytes);
                }
                default -> decode(in, h, layout, VoxelBuffer.allocate(layout.type.storedAs, layout.total()));
            }
        } catch (EOFException e) {
            throw new ImageFormatException("truncated: the file ends before its voxel data", e);
        }
        return new ImageHeader(layout.nx, layout.ny, layout.nz, layout.channels, layout.affine, layout.type.name());
    }

    private static long byteSkip(Header h) throws ImageFormatException {
        long byteSkip = h.intField("byte skip", 0);
        if (byteSkip < 0) {
            throw new ImageFormatException("'byte skip: -1' is not supported");
        }
        return byteSkip;
    }

    private static void skipLines(InputStream in, Header h) throws IOException {
        for (int i = h.intField("line skip", 0); i > 0; i--) {
            Header.readLine(in);
        }
    }

    private static Path detachedData(Path directory, String name) throws ImageFormatException {
        if (directory == null) {
            throw new ImageFormatException("detached data files are not accepted here; send an attached .nrrd");
        }
        if (name.startsWith("LIST") || name.contains(" ")) {
            throw new ImageFormatException("multi-file NRRD data ('data file: " + name + "') is not supported");
        }
        Path base = directory.toAbsolutePath().normalize();
        Path data = base.resolve(name).normalize();
        if (!data.startsWith(base)) {
            throw new ImageFormatException("data file '" + name + "' lies outside the header's directory");
        }
        if (!Files.isRegularFile(data)) {
            throw new ImageFormatException("data file '" + name + "' not found next to the header");
        }
        return data;
    }

    private static void decode(InputStream raw, Header h, Layout layout, VoxelBuffer out) throws IOException {
        InputStream in = raw;
        skipLines(in, h);
        String encoding = h.fields.getOrDefault("encoding", "raw").toLowerCase(Locale.ROOT);
        switch (encoding) {
            case "raw" -> {
                in.skipNBytes(byteSkip(h));
                new VoxelDecoder(in, layout.order, layout.type).decode(out, false, 1, 0);
            }
            case "gzip", "gz" -> {
                in = Compression.gunzip(in);
                new VoxelDecoder(in, layout.order, layout.type).decode(out, false, 1, 0);
                Compression.verifyGzipTrailer(in);
            }
            case "ascii", "text", "txt" -> decodeAscii(in, out);
            default ->
                throw new ImageFormatException(
                        "unsupported NRRD encoding '" + encoding + "' (supported: raw, gzip, ascii)");
        }
    }

    private static void decodeAscii(InputStream in, VoxelBuffer out) throws IOException {
        String text = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
        String[] tokens = text.isEmpty() ? new String[0] : text.split("[\\s,]+");
        if (tokens.length < out.length()) {
            throw new ImageFormatException(
                    "truncated: " + tokens.length + " ASCII values for " + out.length() + " voxels");
        }
        for (int i = 0; i < out.length(); i++) {
            try {
                out.set(i, Double.parseDouble(tokens[i]));
            } catch (NumberFormatException e) {
                throw new ImageFormatException("not a number in ASCII data: '" + tokens[i] + "'");
            }
        }
    }

    /** From channel-fastest (as stored when the list axis comes first) to the volume's channel-major layout. */
    private static VoxelBuffer deinterleave(VoxelBuffer interleaved, int channels) {
        VoxelBuffer out = VoxelBuffer.allocate(interleaved.type(), interleaved.length());
        int voxels = interleaved.length() / channels;
        for (int v = 0; v < voxels; v++) {
            for (int c = 0; c < channels; c++) {
                out.set(c * voxels + v, interleaved.get(v * channels + c));
            }
        }
        return out;
    }

    /** The header's fields (lower-cased names) and key/value pairs. */
    private record Header(Map<String, String> fields, Map<String, String> keyValues) {

        static Header parse(InputStream in) throws IOException {
            String magic = readLine(in);
            if (magic == null || !magic.startsWith("NRRD000")) {
                throw new ImageFormatException("not a NRRD file: it does not start with 'NRRD000x'");
            }
            Map<String, String> fields = new HashMap<>();
            Map<String, String> keyValues = new LinkedHashMap<>();
            int bytes = magic.length();
            String line;
            while ((line = readLine(in)) != null && !line.isEmpty()) {
                bytes += line.length() + 1;
                if (bytes > MAX_HEADER_BYTES) {
                    throw new ImageFormatException("header longer than " + MAX_HEADER_BYTES + " bytes");
                }
                if (line.startsWith("#")) {
                    continue;
                }
                int kv = line.indexOf(":=");
                int field = line.indexOf(": ");
                if (kv >= 0 && (field < 0 || kv < field)) {
                    keyValues.put(line.substring(0, kv), line.substring(kv + 2));
                } else if (field > 0) {
                    fields.put(
                            line.substring(0, field).trim().toLowerCase(Locale.ROOT),
                            line.substring(field + 2).trim());
                } else {
                    throw new ImageFormatException("malformed header line: '" + line + "'");
                }
            }
            return new Header(fields, keyValues);
        }

        /** One line without its terminator (\n or \r\n); null at the end of the stream. */
        static String readLine(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                if (line.size() > MAX_HEADER_BYTES) {
                    throw new ImageFormatException("header line longer than " + MAX_HEADER_BYTES + " bytes");
                }
                line.write(b);
            }
            if (b == -1 && line.size() == 0) {
                return null;
            }
            String s = line.toString(StandardCharsets.UTF_8);
            return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
        }

        String required(String name) throws ImageFormatException {
            String value = fields.get(name);
            if (value == null) {
                throw new ImageFormatException("missing required field '" + name + "'");
            }
            return value;
        }

        int intField(String name, int fallback) throws ImageFormatException {
            String value = fields.get(name);
            try {
                return value == null ? fallback : Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                throw new ImageFormatException("field '" + name + "' is not an integer: '" + value + "'");
            }
        }
    }

    /** Sizes, type, byte order and RAS geometry, worked out from the header. */
    private record Layout(
            DiskType type,
            ByteOrder order,
            int nx,
            int ny,
            int nz,
            int channels,
            boolean channelsFirst,
            Affine affine) {

        long total() {
            return (long) nx * ny * nz * channels;
        }

        static Layout of(Header h, long maxVoxels) throws ImageFormatException {
            DiskType type = DiskType.ofNrrdName(h.required("type"));
            int dimension = h.intField("dimension", -1);
            if (dimension < 2 || dimension > 4) {
                throw new ImageFormatException("dimension must be 2, 3 or 4, was " + h.required("dimension"));
            }
            String[] sizeTokens = h.required("sizes").trim().split("\\s+");
            if (sizeTokens.length != dimension) {
                throw new ImageFormatException(
                        "'sizes' has " + sizeTokens.length + " values for dimension " + dimension);
            }
            long[] sizes = new long[dimension];
            double product = 1;
            for (int i = 0; i < dimension; i++) {
                try {
                    sizes[i] = Long.parseLong(sizeTokens[i]);
                } catch (NumberFormatException e) {
                    throw new ImageFormatException("'sizes' value is not an integer: '" + sizeTokens[i] + "'");
                }
                if (sizes[i] < 1) {
                    throw new ImageFormatException("size of axis " + i + " is " + sizes[i] + "; sizes must be >= 1");
                }
                product *= sizes[i];
            }
            if (product > maxVoxels) {
                throw new ImageFormatException(
                        "image of " + h.required("sizes") + " values exceeds the limit of " + maxVoxels);
            }
            String endian = h.fields.getOrDefault("endian", "little").toLowerCase(Locale.ROOT);
            ByteOrder order = switch (endian) {
                case "little" -> ByteOrder.LITTLE_ENDIAN;
                case "big" -> ByteOrder.BIG_ENDIAN;
                default -> throw new ImageFormatException("endian must be little or big, was '" + endian + "'");
            };

            List<double[]> directions = directions(h, dimension);
            int listAxis = -1;
            for (int i = 0; i < dimension; i++) {
                if (directions.get(i) == null) {
                    if (listAxis >= 0) {
                        throw new ImageFormatException("more than one non-spatial axis");
                    }
                    listAxis = i;
                }
            }
            if (dimension == 4 && listAxis != 0 && listAxis != 3) {
                throw new ImageFormatException(
                        "a 4D NRRD needs one non-spatial axis ('none' direction), first or last");
            }
            if (dimension < 4 && listAxis >= 0) {
                throw new ImageFormatException("non-spatial axes are only supported in 4D images");
            }
            int first = listAxis == 0 ? 1 : 0;
            int spatial = dimension == 4 ? 3 : dimension;
            int channels = listAxis >= 0 ? (int) sizes[listAxis] : 1;
            int nx = (int) sizes[first];
            int ny = (int) sizes[first + 1];
            int nz = spatial == 3 ? (int) sizes[first + 2] : 1;

            double[] origin = vector(h.fields.get("space origin"), spaceDimension(h, dimension), "space origin");
            double[] m = new double[12];
            for (int axis = 0; axis < 3; axis++) {
                double[] d = axis < spatial ? directions.get(first + axis) : new double[] {0, 0, 1};
                for (int row = 0; row < 3; row++) {
                    m[row * 4 + axis] = row < d.length ? d[row] : 0;
                }
            }
            for (int row = 0; row < 3; row++) {
                m[row * 4 + 3] = origin != null && row < origin.length ? origin[row] : 0;
            }
            toRas(m, h.fields.get("space"));
            return new Layout(type, order, nx, ny, nz, channels, listAxis == 0, Affine.of(m));
        }

        private static int spaceDimension(Header h, int dimension) throws ImageFormatException {
            String space = h.fields.get("space");
            if (space != null) {
                return 3;
            }
            return h.intField("space dimension", Math.min(dimension, 3));
        }

        /** One direction per axis (null for a non-spatial axis), from 'space directions' or 'spacings'. */
        private static List<double[]> directions(Header h, int dimension) throws ImageFormatException {
            List<double[]> result = new ArrayList<>();
            String text = h.fields.get("space directions");
            if (text != null) {
                String[] tokens = text.trim().split("\\s+(?=\\(|none)");
                if (tokens.length != dimension) {
                    throw new ImageFormatException(
                            "'space directions' has " + tokens.length + " entries for dimension " + dimension);
                }
                for (String token : tokens) {
                    result.add(token.equals("none") ? null : vector(token, -1, "space directions"));
                }
                return result;
            }
            String spacings = h.fields.get("spacings");
            String[] values = spacings == null ? new String[0] : spacings.trim().split("\\s+");
            String[] kinds = h.fields.getOrDefault("kinds", "").trim().split("\\s+");
            int spatialSeen = 0;
            for (int i = 0; i < dimension; i++) {
                boolean list = dimension == 4 && i < kinds.length && isListKind(kinds[i]);
                double spacing = i < values.length && !values[i].equalsIgnoreCase("nan") ? parse(values[i]) : 1;
                if (list) {
                    result.add(null);
                } else {
                    double[] d = new double[3];
                    d[spatialSeen++] = spacing;
                    result.add(d);
                }
            }
            return result;
        }

        private static boolean isListKind(String kind) {
            String k = kind.toLowerCase(Locale.ROOT);
            return !(k.equals("domain") || k.equals("space") || k.equals("time") || k.equals("???"));
        }

        /** "(a,b,c)" to {a, b, c}; null for null. */
        private static double[] vector(String text, int expected, String field) throws ImageFormatException {
            if (text == null) {
                return null;
            }
            String t = text.trim();
            if (!t.startsWith("(") || !t.endsWith(")")) {
                throw new ImageFormatException("malformed vector in '" + field + "': " + text);
            }
            String[] parts = t.substring(1, t.length() - 1).split(",");
            if (expected > 0 && parts.length != expected) {
                throw new ImageFormatException("'" + field + "' needs " + expected + " components: " + text);
            }
            double[] v = new double[parts.length];
            for (int i = 0; i < parts.length; i++) {
                v[i] = parse(parts[i]);
            }
            return v;
        }

        private static double parse(String number) throws ImageFormatException {
            try {
                double v = Double.parseDouble(number.trim());
                if (!Double.isFinite(v)) {
                    throw new ImageFormatException("not a finite number: '" + number + "'");
                }
                return v;
            } catch (NumberFormatException e) {
                throw new ImageFormatException("not a number: '" + number + "'");
            }
        }

        /** Converts the first three rows from the file's space to RAS (LPS when unspecified). */
        private static void toRas(double[] m, String space) throws ImageFormatException {
            String s = space == null ? "left-posterior-superior" : space.trim().toLowerCase(Locale.ROOT);
            boolean flipX, flipY;
            switch (s) {
                case "right-anterior-superior", "ras" -> {
                    flipX = false;
                    flipY = false;
                }
                case "left-anterior-superior", "las" -> {
                    flipX = true;
                    flipY = false;
                }
                case "left-posterior-superior", "lps" -> {
                    flipX = true;
                    flipY = true;
                }
                default ->
                    throw new ImageFormatException("unsupported NRRD space '" + space + "' (supported: RAS, LAS, LPS)");
            }
            for (int col = 0; col < 4; col++) {
                if (flipX) {
                    m[col] = -m[col];
                }
                if (flipY) {
                    m[4 + col] = -m[4 + col];
                }
            }
        }
    }
}
