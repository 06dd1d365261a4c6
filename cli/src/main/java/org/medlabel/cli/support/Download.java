package org.medlabel.cli.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * One file fetched over HTTP(S) with a progress bar, written to a partial file and moved into place only when whole;
 * Ctrl-C says how far it got. Failures are one-line messages naming the URL.
 */
public final class Download {

    /** Why a download did not produce its file; the message names the URL. */
    public static final class Failed extends Exception {
        public Failed(String message) {
            super(message);
        }
    }

    private Download() {}

    /**
     * {@code from} into {@code to}; returns the hex digest ({@code algorithm}, e.g. MD5) of what was written.
     *
     * @throws Failed when the host cannot be reached (no internet access, say) or answers other than 200
     */
    public static String fetch(URI from, Path to, String algorithm, PrintWriter err)
            throws Failed, IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(HttpRequest.newBuilder(from).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new Failed("cannot reach " + from + " (" + e.getClass().getSimpleName()
                    + "): this machine seems to have no internet access");
        }
        if (response.statusCode() != 200) {
            response.body().close();
            throw new Failed(from + " answered " + response.statusCode());
        }
        long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        ProgressBar bar = new ProgressBar(err, to.getFileName().toString(), Math.max(length, 1));
        Files.createDirectories(to.toAbsolutePath().getParent());
        Path partial = to.resolveSibling(to.getFileName() + ".part");
        MessageDigest digest = digest(algorithm);
        long[] done = {0};
        try (InputStream in = response.body();
                OutputStream out = Files.newOutputStream(partial);
                Interruption interruption = new Interruption(
                        err,
                        () -> "download stopped at " + (done[0] >> 20) + " MB of " + from
                                + "; run the same command again to start over")) {
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) {
                out.write(buf, 0, r);
                digest.update(buf, 0, r);
                done[0] += r;
                bar.update(length > 0 ? done[0] : 0, (done[0] >> 20) + " MB");
            }
        }
        bar.done("");
        Files.move(partial, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return HexFormat.of().formatHex(digest.digest());
    }

    /** The hex digest ({@code algorithm}, e.g. MD5) of a file. */
    public static String hash(Path file, String algorithm) throws IOException {
        MessageDigest digest = digest(algorithm);
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) {
                digest.update(buf, 0, r);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalArgumentException("unknown hash type " + algorithm, e);
        }
    }
}
