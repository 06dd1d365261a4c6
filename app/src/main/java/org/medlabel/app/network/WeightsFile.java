package org.medlabel.app.network;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * The local file of an app's {@code network.weights}: a path as given, or an http(s) URL downloaded once into a cache
 * folder (system property {@code medlabel.weights.cache} or environment variable {@code MEDLABEL_WEIGHTS_CACHE},
 * default {@code <tmp>/medlabel-weights}) under the hash of the
 * URL, so that replicas and restarts reuse it (MONAI Label downloads its pretrained weights at start the same way).
 */
final class WeightsFile {

    private WeightsFile() {}

    static Path resolve(String weights) {
        if (!weights.startsWith("http://") && !weights.startsWith("https://")) {
            return Path.of(weights);
        }
        Path cache = Path.of(System.getProperty(
                "medlabel.weights.cache",
                Path.of(System.getProperty("java.io.tmpdir"), "medlabel-weights")
                        .toString()));
        Path file = cache.resolve(sha256(weights) + ".pt");
        if (Files.isRegularFile(file)) {
            return file;
        }
        try {
            Files.createDirectories(cache);
            Path partial = Files.createTempFile(cache, "download", ".part");
            HttpClient http = HttpClient.newBuilder()
                    .followRedirects(HttpClient.Redirect.NORMAL)
                    .connectTimeout(Duration.ofSeconds(20))
                    .build();
            HttpResponse<Path> response = http.send(
                    HttpRequest.newBuilder(URI.create(weights)).GET().build(),
                    HttpResponse.BodyHandlers.ofFile(partial));
            if (response.statusCode() != 200) {
                Files.deleteIfExists(partial);
                throw new IOException("HTTP " + response.statusCode());
            }
            return Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot download " + weights + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while downloading " + weights, e);
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
