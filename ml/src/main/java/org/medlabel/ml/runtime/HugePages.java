package org.medlabel.ml.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether this process's {@code malloc} backs its large blocks with transparent huge pages: glibc 2.35+ does when
 * started with {@code GLIBC_TUNABLES=glibc.malloc.hugetlb=1} (or {@code 2}) on a kernel whose transparent huge pages are
 * not {@code never}. ONNX Runtime's CPU arena takes its regions from {@code malloc}, so they then fault in 2 MB at a
 * time, and a training step without the arena stops paying a page fault per 4 KB of every large value (deepgrow_2d,
 * 16 slices: 51 s a step without the arena on 4 KB pages, 17 s on huge pages; bench/RESULTS.md 2026-12-07).
 */
public final class HugePages {

    private static final Path TRANSPARENT_HUGE_PAGES = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");

    private HugePages() {}

    /** This process: its {@code GLIBC_TUNABLES} and its kernel's setting. */
    public static boolean mallocUsesThem() {
        return mallocUsesThem(System.getenv("GLIBC_TUNABLES"), transparentHugePages());
    }

    /**
     * For a process whose {@code GLIBC_TUNABLES} is {@code tunables} (null when unset) on a kernel whose
     * {@code transparent_hugepage/enabled} reads {@code kernel} (e.g. {@code always [madvise] never}; null when unknown).
     */
    static boolean mallocUsesThem(String tunables, String kernel) {
        return kernel != null && !kernel.contains("[never]") && asked(tunables);
    }

    private static boolean asked(String tunables) {
        if (tunables == null) {
            return false;
        }
        for (String tunable : tunables.split(":")) {
            String t = tunable.trim();
            // 1: madvise(MADV_HUGEPAGE) on malloc's maps; 2: pages from hugetlbfs
            if (t.equals("glibc.malloc.hugetlb=1") || t.equals("glibc.malloc.hugetlb=2")) {
                return true;
            }
        }
        return false;
    }

    private static String transparentHugePages() {
        try {
            return Files.readString(TRANSPARENT_HUGE_PAGES).trim();
        } catch (IOException | SecurityException e) {
            return null;
        }
    }
}
