package org.medlabel.imaging.io;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.imaging.volume.VoxelType;

/**
 * Reads NIfTI-1 and NIfTI-2 single-file images ({@code .nii}, {@code .nii.gz}), either byte order, applying
 * {@code scl_slope}/{@code scl_inter} (the result is then float32) and choosing the affine as nibabel does (see
 * {@link NiftiHeader#affine}). The voxels stream from the (decompressing) input straight into the volume's array in
 * chunks: the file is never held in memory twice. 4D files need a volume index.
 */
public final class NiftiReader {

    private static final int CHUNK = 1 << 16;

    private final long maxVoxels;

    /** A reader that accepts any image whose voxels fit one array. */
    public NiftiReader() {
        this(VoxelBuffer.MAX_LENGTH);
    }

    /** A reader that refuses images of more than {@code maxVoxels} voxels (per volume) before allocating them. */
    public NiftiReader(long maxVoxels) {
        this.maxVoxels = Math.min(maxVoxels, VoxelBuffer.MAX_LENGTH);
    }

    /** Reads a 3D image (or a 4D image with exactly one volume). Gzip is detected from the content, not the name. */
    public Volume read(Path path) throws IOException {
        return read(path, -1);
    }

    /** Reads volume {@code index} of a 4D image ({@code -1}: the image must hold exactly one volume). */
    public Volume read(Path path, int index) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            return read(in, index);
        } catch (ImageFormatException e) {
            throw new ImageFormatException(path.getFileName() + ": " + e.getMessage(), e.getCause());
        }
    }

    /** Reads from a stream (plain or gzip-compressed); the stream is consumed but not closed. */
    public Volume read(InputStream raw, int index) throws IOException {
        InputStream in = decompressing(raw);
        byte[] first4 = in.readNBytes(4);
        if (first4.length < 4) {
            throw new ImageFormatException("truncated: the file ends before its header");
        }
        int headerSize = NiftiHeader.headerSize(first4);
        byte[] headerBytes = new byte[headerSize];
        System.arraycopy(first4, 0, headerBytes, 0, 4);
        readFully(in, headerBytes, 4, headerSize - 4, "header");
        NiftiHeader header = NiftiHeader.parse(headerBytes);
        Shape shape = shape(header, index);
        NiftiDatatype type = NiftiDatatype.ofCode(header.datatype());

        long skip = header.voxOffset() - headerSize;
        if (skip < 0) {
            throw new ImageFormatException("vox_offset " + header.voxOffset() + " lies inside the header");
        }
        skipFully(in, skip + (long) shape.skipVolumes * shape.voxels * type.bytes);
        VoxelBuffer voxels = header.scaled()
                ? VoxelBuffer.allocate(VoxelType.FLOAT32, shape.voxels)
                : VoxelBuffer.allocate(type.storedAs, shape.voxels);
        new VoxelDecoder(in, header.order(), type).decode(voxels, header);
        if (in instanceof GZIPInputStream) {
            verifyGzipTrailer(in);
        }
        Affine affine = header.affine(shape.nx, shape.ny, shape.nz);
        return new Volume(shape.nx, shape.ny, shape.nz, affine, voxels);
    }

    /** The spatial size and which 4D volume to read. */
    private record Shape(int nx, int ny, int nz, int voxels, int skipVolumes) {}

    private Shape shape(NiftiHeader h, int index) throws ImageFormatException {
        long[] dim = h.dim();
        int ndim = (int) dim[0];
        if (ndim < 1 || ndim > 7) {
            throw new ImageFormatException("dim[0] must be 1..7, was " + dim[0]);
        }
        long[] size = new long[7];
        for (int i = 0; i < 7; i++) {
            size[i] = i < ndim ? dim[i + 1] : 1;
            if (size[i] < 1) {
                throw new ImageFormatException(
                        "dimension " + (i + 1) + " is " + size[i] + "; every dimension must be >= 1");
            }
        }
        for (int i = 4; i < 7; i++) {
            if (size[i] > 1) {
                throw new ImageFormatException("images with more than 4 dimensions are not supported (dim[" + (i + 1)
                        + "] = " + size[i] + ")");
            }
        }
        // Compared in floating point first: the product of three int64 dimensions can overflow a long.
        if ((double) size[0] * size[1] * size[2] > maxVoxels) {
            throw new ImageFormatException("image of " + size[0] + "x" + size[1] + "x" + size[2]
                    + " voxels exceeds the limit of " + maxVoxels + " voxels");
        }
        long voxels = size[0] * size[1] * size[2];
        long volumes = size[3];
        if (index < 0 && volumes > 1) {
            throw new ImageFormatException(
                    "4D image with " + volumes + " volumes: choose one (index 0.." + (volumes - 1) + ")");
        }
        if (index >= volumes) {
            throw new ImageFormatException("volume " + index + " requested but the image has " + volumes);
        }
        return new Shape((int) size[0], (int) size[1], (int) size[2], (int) voxels, Math.max(index, 0));
    }

    /** Wraps the stream in gzip decompression when it starts with the gzip magic number. */
    private static InputStream decompressing(InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, CHUNK);
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        if (b1 == 0x1f && b2 == 0x8b) {
            try {
                return new GZIPInputStream(in, CHUNK);
            } catch (ZipException e) {
                throw new ImageFormatException("corrupt gzip data: " + e.getMessage(), e);
            }
        }
        return in;
    }

    static void readFully(InputStream in, byte[] into, int offset, int length, String what) throws IOException {
        int n;
        try {
            n = in.readNBytes(into, offset, length);
        } catch (ZipException | EOFException e) {
            throw new ImageFormatException("corrupt or truncated " + what + ": " + e.getMessage(), e);
        }
        if (n < length) {
            throw new ImageFormatException("truncated: the file ends inside its " + what);
        }
    }

    /**
     * Reads the compressed stream to its end so that gzip checks its CRC and length: corrupt data that still inflates
     * would otherwise pass unnoticed. Costs inflating what follows the chosen volume of a 4D file.
     */
    private static void verifyGzipTrailer(InputStream in) throws IOException {
        try {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (ZipException | EOFException e) {
            throw new ImageFormatException("corrupt or truncated gzip data: " + e.getMessage(), e);
        }
    }

    private static void skipFully(InputStream in, long bytes) throws IOException {
        try {
            in.skipNBytes(bytes);
        } catch (EOFException e) {
            throw new ImageFormatException("truncated: the file ends before its voxel data", e);
        }
    }

    /** Converts the raw voxel bytes, chunk by chunk, into the volume's array (scaling them if the header says so). */
    private static final class VoxelDecoder {
        private final InputStream in;
        private final ByteOrder order;
        private final NiftiDatatype type;
        private final byte[] chunk = new byte[CHUNK];

        VoxelDecoder(InputStream in, ByteOrder order, NiftiDatatype type) {
            this.in = in;
            this.order = order;
            this.type = type;
        }

        void decode(VoxelBuffer out, NiftiHeader header) throws IOException {
            double slope = header.sclSlope();
            double inter = Double.isNaN(header.sclInter()) ? 0 : header.sclInter();
            boolean scaled = header.scaled();
            int total = out.length();
            int perChunk = CHUNK / type.bytes;
            int done = 0;
            while (done < total) {
                int n = Math.min(perChunk, total - done);
                readFully(in, chunk, 0, n * type.bytes, "voxel data");
                ByteBuffer b = ByteBuffer.wrap(chunk, 0, n * type.bytes).order(order);
                if (scaled) {
                    float[] f = ((VoxelBuffer.Float32) out).array();
                    for (int i = 0; i < n; i++) {
                        f[done + i] = (float) (raw(b, i) * slope + inter);
                    }
                } else {
                    copyUnscaled(b, out, done, n);
                }
                done += n;
            }
        }

        /** Bulk copies where the stored type equals the file's; element-wise widening otherwise. */
        private void copyUnscaled(ByteBuffer b, VoxelBuffer out, int at, int n) {
            switch (type) {
                case UINT8 -> b.get(((VoxelBuffer.UInt8) out).array(), at, n);
                case INT16 -> b.asShortBuffer().get(((VoxelBuffer.Int16) out).array(), at, n);
                case INT32 -> b.asIntBuffer().get(((VoxelBuffer.Int32) out).array(), at, n);
                case FLOAT32 -> b.asFloatBuffer().get(((VoxelBuffer.Float32) out).array(), at, n);
                case FLOAT64 -> {
                    float[] f = ((VoxelBuffer.Float32) out).array();
                    for (int i = 0; i < n; i++) {
                        f[at + i] = (float) b.getDouble(i * 8);
                    }
                }
                case INT8 -> {
                    short[] s = ((VoxelBuffer.Int16) out).array();
                    for (int i = 0; i < n; i++) {
                        s[at + i] = b.get(i);
                    }
                }
                case UINT16 -> {
                    int[] v = ((VoxelBuffer.Int32) out).array();
                    for (int i = 0; i < n; i++) {
                        v[at + i] = b.getShort(i * 2) & 0xFFFF;
                    }
                }
            }
        }

        private double raw(ByteBuffer b, int i) {
            return switch (type) {
                case UINT8 -> b.get(i) & 0xFF;
                case INT8 -> b.get(i);
                case INT16 -> b.getShort(i * 2);
                case UINT16 -> b.getShort(i * 2) & 0xFFFF;
                case INT32 -> b.getInt(i * 4);
                case FLOAT32 -> b.getFloat(i * 4);
                case FLOAT64 -> b.getDouble(i * 8);
            };
        }
    }
}
