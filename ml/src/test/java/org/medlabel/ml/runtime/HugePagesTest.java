package org.medlabel.ml.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HugePagesTest {

    static final String MADVISE = "always [madvise] never";

    @Test
    void mallocUsesHugePagesWhenGlibcIsToldToAndTheKernelAllowsThem() {
        assertTrue(HugePages.mallocUsesThem("glibc.malloc.hugetlb=1", MADVISE));
        assertTrue(
                HugePages.mallocUsesThem("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1", "[always] madvise never"));
        assertTrue(HugePages.mallocUsesThem("glibc.malloc.hugetlb=2", MADVISE));
    }

    @Test
    void otherwiseNot() {
        assertFalse(HugePages.mallocUsesThem(null, MADVISE));
        assertFalse(HugePages.mallocUsesThem("", MADVISE));
        assertFalse(HugePages.mallocUsesThem("glibc.malloc.hugetlb=0", MADVISE));
        assertFalse(HugePages.mallocUsesThem("glibc.malloc.hugetlb=10", MADVISE));
        assertFalse(HugePages.mallocUsesThem("glibc.malloc.hugetlb=1", "always madvise [never]"));
        assertFalse(HugePages.mallocUsesThem("glibc.malloc.hugetlb=1", null));
    }
}
