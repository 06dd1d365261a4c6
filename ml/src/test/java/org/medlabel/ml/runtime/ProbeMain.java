package org.medlabel.ml.runtime;

/** Loads ONNX Runtime in a fresh JVM and prints what it offers (used by {@link NativeLibrariesTest}). */
public final class ProbeMain {
    private ProbeMain() {}

    public static void main(String[] args) {
        System.out.println(OnnxRuntimeInfo.probe());
    }
}
