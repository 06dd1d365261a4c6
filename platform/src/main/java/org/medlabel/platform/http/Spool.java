package org.medlabel.platform.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/** A request body written to a temporary file as it arrives, never held in memory, and refused past a limit. */
public final class Spool {

    private static final int BUFFER = 1 << 20;

    private Spool() {}

    /**
     * The body in a new file under {@code dir} (created if missing); the caller deletes it. Past {@code limit} bytes
     * the copy stops and {@code tooLarge}'s exception is thrown; on any failure the file is gone.
     */
    public static Path toFile(InputStream body, Path dir, long limit, Supplier<? extends RuntimeException> tooLarge)
            throws IOException {
        Files.createDirectories(dir);
        Path file = Files.createTempFile(dir, "body-", ".part");
        try (OutputStream out = Files.newOutputStream(file)) {
            long total = 0;
            byte[] buffer = new byte[BUFFER];
            for (int n; (n = body.read(buffer)) > 0; ) {
                total += n;
                if (total > limit) {
                    throw tooLarge.get();
                }
                out.write(buffer, 0, n);
            }
            return file;
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }
}
