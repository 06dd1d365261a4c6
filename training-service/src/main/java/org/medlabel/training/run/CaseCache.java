package org.medlabel.training.run;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Prepared cases of one job, least recently used evicted beyond a byte budget: a data set larger than memory is
 * re-read and re-prepared each epoch instead of failing (MONAI Label's CacheDataset runs out of memory instead).
 */
final class CaseCache {

    /** Prepares a case when it is not cached. */
    @FunctionalInterface
    interface Loader {
        PreparedCase load() throws Exception;
    }

    private final long budget;
    private final Map<String, PreparedCase> cases = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;
    private int loads;

    CaseCache(long budget) {
        this.budget = budget;
    }

    PreparedCase get(String id, Loader loader) throws Exception {
        PreparedCase c = cases.get(id);
        if (c != null) {
            return c;
        }
        c = loader.load();
        loads++;
        if (c.bytes() <= budget) {
            cases.put(id, c);
            bytes += c.bytes();
            var eldest = cases.entrySet().iterator();
            while (bytes > budget && eldest.hasNext()) {
                PreparedCase evicted = eldest.next().getValue();
                if (evicted != c) {
                    bytes -= evicted.bytes();
                    eldest.remove();
                }
            }
        }
        return c;
    }

    /** How many times a case was prepared (more than the number of cases: the budget is too small). */
    int loads() {
        return loads;
    }
}
