package org.medlabel.testinfra;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a test oracle, a Python script from the module's {@code src/test/python} (system property
 * {@code medlabel.oracles}), with nibabel, numpy, scipy, onnx or torch ({@code deploy/local/medlabel test} installs them). A
 * failing oracle fails the test: the comparison is never skipped.
 */
public final class PythonOracle {

    private PythonOracle() {}

    /** Runs {@code script} with {@code args}; returns its standard output. */
    public static String run(String script, Object... args) throws IOException, InterruptedException {
        Path path = Path.of(System.getProperty("medlabel.oracles", "src/test/python"), script);
        List<String> command = new ArrayList<>(List.of("python3", path.toString()));
        for (Object arg : args) {
            command.add(String.valueOf(arg));
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new AssertionError("oracle " + script
                    + " failed (are nibabel, numpy, scipy, onnx, torch and onnxscript installed?):\n" + output);
        }
        return output;
    }

    /** A file of little-endian float64 values, as the oracles write results. */
    public static double[] readDoubles(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        double[] values = new double[bytes.length / 8];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(values);
        return values;
    }
}
