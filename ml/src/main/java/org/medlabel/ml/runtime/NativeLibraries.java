package org.medlabel.ml.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.Locale;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Extracts ONNX Runtime's native libraries once into a cache directory and points {@code onnxruntime.native.path} at
 * it. Left alone, ONNX Runtime extracts them (about 28 MB) into a new temporary directory at every start and leaves
 * the empty directory behind (a crashed JVM leaves the files too). Must run before the first ONNX Runtime class loads;
 * a path already set by the user wins.
 */
public final class NativeLibraries {

    static final String PROPERTY = "onnxruntime.native.path";

    private NativeLibraries() {}

    /**
     * Prepares the libraries under {@code cacheRoot} (one sub-directory per ONNX Runtime jar, so upgrades and the CPU
     * and GPU builds never mix) and returns the directory used: the user's own when the property was set, and none when
     * ONNX Runtime is not loaded from a jar (it then finds its libraries itself).
     */
    public static synchronized Optional<Path> prepare(Path cacheRoot) {
        String preset = System.getProperty(PROPERTY);
        if (preset != null) {
            return Optional.of(Path.of(preset));
        }
        String platform = platform();
        URL probe = NativeLibraries.class
                .getClassLoader()
                .getResource("ai/onnxruntime/native/" + platform + "/" + library("onnxruntime4j_jni"));
        if (probe == null) {
            throw new IllegalStateException("no ONNX Runtime native library for " + platform + " on the classpath");
        }
        try {
            if (!(probe.openConnection() instanceof JarURLConnection jar)) {
                return Optional.empty();
            }
            String jarName = Path.of(jar.getJarFileURL().getPath())
                    .getFileName()
                    .toString()
                    .replace(".jar", "");
            Path target = cacheRoot.resolve(jarName).resolve(platform);
            Path complete = target.resolve(".complete");
            if (!Files.exists(complete)) {
                extract(jar.getJarFile(), "ai/onnxruntime/native/" + platform + "/", target);
                Files.createFile(complete);
            }
            System.setProperty(PROPERTY, target.toString());
            return Optional.of(target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract ONNX Runtime's native libraries into " + cacheRoot, e);
        }
    }

    private static void extract(JarFile jar, String prefix, Path target) throws IOException {
        Files.createDirectories(target);
        Enumeration<JarEntry> entries = jar.entries();
        while (entries.hasMoreElements()) {
            JarEntry entry = entries.nextElement();
            String name = entry.getName();
            if (entry.isDirectory()
                    || !name.startsWith(prefix)
                    || name.substring(prefix.length()).contains("/")) {
                continue;
            }
            Path file = target.resolve(name.substring(prefix.length()));
            Path partial = Files.createTempFile(target, file.getFileName().toString(), ".part");
            try (InputStream in = jar.getInputStream(entry)) {
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
            }
            // Atomic, so that two JVMs starting together never load a half-written library.
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private static String platform() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String a = arch.equals("amd64") || arch.equals("x86_64") ? "x64" : arch.equals("aarch64") ? "aarch64" : arch;
        String o = os.contains("linux") ? "linux" : os.contains("mac") ? "osx" : os.contains("win") ? "win" : os;
        return o + "-" + a;
    }

    private static String library(String name) {
        return System.mapLibraryName(name);
    }
}
