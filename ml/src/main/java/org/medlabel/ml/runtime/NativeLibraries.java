package org.medlabel.ml.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Extracts ONNX Runtime's native libraries once into a cache directory and points {@code onnxruntime.native.path} at
 * it. Left alone, ONNX Runtime extracts them (about 28 MB) into a new temporary directory at every start and leaves
 * the empty directory behind (a crashed JVM leaves the files too). Must run before the first ONNX Runtime class loads;
 * a path already set by the user wins. Works with any class loader that serves the jar's resources (plain class path,
 * Quarkus' fast-jar).
 */
public final class NativeLibraries {

    static final String PROPERTY = "onnxruntime.native.path";

    /** What the CPU and GPU jars may hold; absent ones are skipped. */
    private static final List<String> LIBRARIES = List.of(
            "onnxruntime",
            "onnxruntime4j_jni",
            "onnxruntime_providers_shared",
            "onnxruntime_providers_cuda",
            "onnxruntime_providers_tensorrt");

    private NativeLibraries() {}

    /**
     * Prepares the libraries under {@code cacheRoot} (one sub-directory per ONNX Runtime jar, so upgrades and the CPU
     * and GPU builds never mix) and returns the directory used, or the user's own when the property was set; empty when
     * this platform has no bundled libraries (ONNX Runtime then reports the problem itself).
     */
    public static synchronized Optional<Path> prepare(Path cacheRoot) {
        String preset = System.getProperty(PROPERTY);
        if (preset != null) {
            return Optional.of(Path.of(preset));
        }
        String prefix = "ai/onnxruntime/native/" + platform() + "/";
        ClassLoader loader = NativeLibraries.class.getClassLoader();
        URL jni = loader.getResource(prefix + System.mapLibraryName("onnxruntime4j_jni"));
        if (jni == null) {
            return Optional.empty();
        }
        // The resource's URL names the jar it comes from, so a different jar gets a different directory.
        Path target = cacheRoot.toAbsolutePath().resolve(platform() + "-" + digest(jni.toString()));
        try {
            if (!Files.exists(target.resolve(".complete"))) {
                Files.createDirectories(target);
                for (String name : LIBRARIES) {
                    String file = System.mapLibraryName(name);
                    try (InputStream in = loader.getResourceAsStream(prefix + file)) {
                        if (in != null) {
                            Path partial = Files.createTempFile(target, file, ".part");
                            Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                            // Atomic, so that two JVMs starting together never load a half-written library.
                            Files.move(partial, target.resolve(file), StandardCopyOption.ATOMIC_MOVE);
                        }
                    }
                }
                Files.write(target.resolve(".complete"), jni.toString().getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract ONNX Runtime's native libraries into " + target, e);
        }
        System.setProperty(PROPERTY, target.toString());
        return Optional.of(target);
    }

    private static String digest(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String platform() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String a = arch.equals("amd64") || arch.equals("x86_64") ? "x64" : arch.equals("aarch64") ? "aarch64" : arch;
        String o = os.contains("linux") ? "linux" : os.contains("mac") ? "osx" : os.contains("win") ? "win" : os;
        return o + "-" + a;
    }
}
