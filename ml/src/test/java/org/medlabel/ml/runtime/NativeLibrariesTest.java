package org.medlabel.ml.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The libraries are extracted once; a JVM pointed at them loads ONNX Runtime without a temporary directory. */
class NativeLibrariesTest {

    @Test
    void extractsOnceAndSparesEachStartItsTemporaryDirectory(@TempDir Path cache, @TempDir Path tmp) throws Exception {
        String saved = System.getProperty(NativeLibraries.PROPERTY);
        Path dir;
        try {
            System.clearProperty(NativeLibraries.PROPERTY);
            dir = NativeLibraries.prepare(cache).orElseThrow();
            Path lib = dir.resolve(System.mapLibraryName("onnxruntime"));
            assertTrue(Files.isRegularFile(lib), lib.toString());
            assertTrue(Files.isRegularFile(dir.resolve(System.mapLibraryName("onnxruntime4j_jni"))));
            FileTime written = Files.getLastModifiedTime(lib);

            System.clearProperty(NativeLibraries.PROPERTY);
            assertEquals(dir, NativeLibraries.prepare(cache).orElseThrow());
            assertEquals(written, Files.getLastModifiedTime(lib), "a second start reuses the extracted libraries");
        } finally {
            if (saved == null) {
                System.clearProperty(NativeLibraries.PROPERTY);
            } else {
                System.setProperty(NativeLibraries.PROPERTY, saved);
            }
        }

        Path withPath = Files.createDirectory(tmp.resolve("with"));
        assertTrue(probeInFreshJvm(withPath, "-D" + NativeLibraries.PROPERTY + "=" + dir)
                .contains("CPU"));
        assertEquals(List.of(), ortTempDirs(withPath));

        // The control: left alone, ONNX Runtime extracts into java.io.tmpdir and leaves a directory behind.
        Path without = Files.createDirectory(tmp.resolve("without"));
        probeInFreshJvm(without);
        assertEquals(1, ortTempDirs(without).size());
    }

    private static String probeInFreshJvm(Path tmpdir, String... flags) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmpdir,
                "-cp",
                minimalClassPath()));
        command.addAll(List.of(flags));
        command.add(ProbeMain.class.getName());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    /**
     * This module's classes and the ONNX Runtime jar only. (A plain {@code java -cp} with the whole test class path
     * crashed while loading ONNX Runtime here, though each half of it worked; the Maven and Quarkus launchers, which
     * pass their class path otherwise, load it fine. Not needed to test this, and not investigated further.)
     */
    private static String minimalClassPath() throws Exception {
        Path classes = Path.of(NativeLibraries.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        Path tests = Path.of(ProbeMain.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        Path ort = Path.of(ai.onnxruntime.OrtEnvironment.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        return String.join(java.io.File.pathSeparator, classes.toString(), tests.toString(), ort.toString());
    }

    private static List<Path> ortTempDirs(Path tmpdir) throws Exception {
        try (Stream<Path> entries = Files.list(tmpdir)) {
            return entries.filter(p -> p.getFileName().toString().startsWith("onnxruntime-java"))
                    .toList();
        }
    }
}
