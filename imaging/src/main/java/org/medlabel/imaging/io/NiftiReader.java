package org.medlabel.imaging.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /** The index that reads every volume of a 4D image as one channel each (multi-sequence MRI, in file order). */
    public static final int ALL_VOLUMES = -2;

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

    /**
     * Reads volume {@code index} of a 4D image ({@code -1}: the image must hold exactly one volume;
     * {@link #ALL_VOLUMES}: every volume, as channels).
     */
    public Volume read(Path path, int index) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            return read(in, index);
        } catch (ImageFormatException e) {
            throw new ImageFormatException(path.getFileName() + ": " + e.getMessage(), e.getCause());
        }
    }

    /** Reads from a stream (plain or gzip-compressed); the stream is consumed but not closed. */
    public Volume read(InputStream raw, int index) throws IOException {
        InputStream in = Compression.gunzipIfCompressed(raw);
        NiftiHeader header = readHeader(in);
        long volumes = header.dim()[0] >= 4 ? header.dim()[4] : 1;
        boolean all = index == ALL_VOLUMES;
        Shape shape = shape(header, all ? 0 : index);
        int channels = all ? (int) volumes : 1;
        if ((double) shape.voxels * channels > maxVoxels) {
            throw new ImageFormatException("image of " + channels + " volumes of " + shape.voxels
                    + " voxels exceeds the limit of " + maxVoxels + " voxels");
        }
        DiskType type = DiskType.ofNiftiCode(header.datatype());
        skipFully(in, header.voxOffset() - header.headerSize() + (long) shape.skipVolumes * shape.voxels * type.bytes);
        VoxelBuffer voxels = header.scaled()
                ? VoxelBuffer.allocate(VoxelType.FLOAT32, shape.voxels * channels)
                : VoxelBuffer.allocate(type.storedAs, shape.voxels * channels);
        double inter = Double.isNaN(header.sclInter()) ? 0 : header.sclInter();
        new VoxelDecoder(in, header.order(), type).decode(voxels, header.scaled(), header.sclSlope(), inter);
        // The rest of a 4D file is inflated too: only then does gzip check its CRC.
        long unread = Math.max(0, volumes - shape.skipVolumes - channels) * shape.voxels * type.bytes;
        Compression.verifyGzipTrailer(in, unread);
        Affine affine = header.affine(shape.nx, shape.ny, shape.nz);
        return new Volume(shape.nx, shape.ny, shape.nz, channels, affine, voxels);
    }

    /**
     * Checks a whole file without keeping its voxels: parses the header, then streams through every voxel byte (and
     * the gzip trailer), so a truncated or corrupt file fails here. Memory use does not depend on the image size.
     */
    public ImageHeader probe(InputStream raw) throws IOException {
        InputStream in = Compression.gunzipIfCompressed(raw);
        NiftiHeader header = readHeader(in);
        Shape shape = shape(header, 0);
        long volumes = header.dim()[0] >= 4 ? header.dim()[4] : 1;
        DiskType type = DiskType.ofNiftiCode(header.datatype());
        skipFully(in, header.voxOffset() - header.headerSize() + volumes * shape.voxels * type.bytes);
        Compression.verifyGzipTrailer(in);
        return new ImageHeader(
                shape.nx, shape.ny, shape.nz, (int) volumes, header.affine(shape.nx, shape.ny, shape.nz), type.name());
    }

    private static NiftiHeader readHeader(InputStream in) throws IOException {
        byte[] first4 = in.readNBytes(4);
        if (first4.length < 4) {
            throw new ImageFormatException("truncated: the file ends before its header");
        }
        int headerSize = NiftiHeader.headerSize(first4);
        byte[] headerBytes = new byte[headerSize];
        System.arraycopy(first4, 0, headerBytes, 0, 4);
        VoxelDecoder.readFully(in, headerBytes, 4, headerSize - 4, "header");
        NiftiHeader header = NiftiHeader.parse(headerBytes);
        if (header.voxOffset() < headerSize) {
            throw new ImageFormatException("vox_offset " + header.voxOffset() + " lies inside the header");
        }
        return header;
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

    private static void skipFully(InputStream in, long bytes) throws IOException {
        try {
            in.skipNBytes(bytes);
        } catch (EOFException e) {
            throw new ImageFormatException("truncated: the file ends before its voxel data", e);
        }
    }
}
