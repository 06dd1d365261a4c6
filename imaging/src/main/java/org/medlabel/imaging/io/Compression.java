package org.medlabel.imaging.io;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

/** gzip handling shared by the readers, with errors turned into {@link ImageFormatException}s. */
final class Compression {

    static final int BUFFER = 1 << 16;

    private Compression() {}

    /** The stream, decompressed when it starts with the gzip magic number. */
    static InputStream gunzipIfCompressed(InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, BUFFER);
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        return b1 == 0x1f && b2 == 0x8b ? gunzip(in) : in;
    }

    static InputStream gunzip(InputStream in) throws IOException {
        try {
            return new GZIPInputStream(in, BUFFER);
        } catch (ZipException | EOFException e) {
            throw new ImageFormatException("corrupt gzip data: " + e.getMessage(), e);
        }
    }

    /**
     * gzip at the fastest level: results go straight back to an annotator, and level 1 costs far less time than the
     * few per cent of size it gives up. Call {@code finish()}; closing it closes {@code out}.
     */
    static GZIPOutputStream fastGzip(OutputStream out) throws IOException {
        return new GZIPOutputStream(out, BUFFER) {
            {
                def.setLevel(Deflater.BEST_SPEED);
            }
        };
    }

    /**
     * The most bytes a gzip stream may still inflate to after the voxel data (writers pad a little, if at all). A bound,
     * so a small upload cannot make the service inflate gigabytes after its voxels (a gzip bomb past the header's size).
     */
    static final int MAX_TRAILING_BYTES = 64 * 1024;

    /**
     * Reads a gzip stream to its end so that its CRC and length are checked: corrupt data that still inflates would
     * otherwise pass unnoticed. More than {@link #MAX_TRAILING_BYTES} after the voxels is refused unread. A no-op for
     * other streams.
     */
    static void verifyGzipTrailer(InputStream in) throws IOException {
        verifyGzipTrailer(in, 0);
    }

    /**
     * {@link #verifyGzipTrailer(InputStream)} after {@code declared} bytes the header announced but the reader did not
     * need (the other volumes of a 4-D file).
     */
    static void verifyGzipTrailer(InputStream in, long declared) throws IOException {
        if (!(in instanceof GZIPInputStream)) {
            return;
        }
        byte[] buffer = new byte[8192];
        long trailing = 0;
        try {
            in.skipNBytes(declared);
            for (int n; (n = in.read(buffer)) > 0; ) {
                trailing += n;
                if (trailing > MAX_TRAILING_BYTES) {
                    throw new ImageFormatException("the gzip data goes on for more than " + MAX_TRAILING_BYTES
                            + " bytes after the voxels; refused without inflating the rest");
                }
            }
        } catch (ZipException | EOFException e) {
            throw new ImageFormatException("corrupt or truncated gzip data: " + e.getMessage(), e);
        }
    }
}
