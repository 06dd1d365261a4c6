package org.medlabel.app.bundle;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BundleProbeTest {
    @Test
    void probe() throws Exception {
        try (var s = Files.list(Path.of("../../shared/bundles"))) {
            for (Path p : s.sorted().toList()) {
                if (!Files.isDirectory(p)) continue;
                try {
                    System.out.println("OK " + p.getFileName() + " "
                            + BundleImport.model(Bundle.open(p, Path.of("/tmp")))
                                    .toPrettyString());
                } catch (Exception e) {
                    System.out.println("REFUSED " + p.getFileName() + " " + e);
                }
            }
        }
    }
}
