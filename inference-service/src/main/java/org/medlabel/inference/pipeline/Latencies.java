package org.medlabel.inference.pipeline;

import java.util.LinkedHashMap;
import java.util.Map;

/** Seconds spent per stage, reported as MONAI Label does ({@code latencies.pre/infer/invert/post/write/total}). */
public final class Latencies {

    private final long start = System.nanoTime();
    private long mark = start;
    private final Map<String, Double> seconds = new LinkedHashMap<>();

    /** Ends the stage {@code name}: the time since the previous stage ended. */
    public void stage(String name) {
        long now = System.nanoTime();
        seconds.merge(name, (now - mark) / 1e9, Double::sum);
        mark = now;
    }

    /** The stages so far plus {@code total}, rounded to 2 decimals as MONAI Label's JSON; {@code transform} null. */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        for (String stage : new String[] {"pre", "infer", "invert", "post", "write"}) {
            json.put(stage, round(seconds.getOrDefault(stage, 0.0)));
        }
        json.put("total", round((System.nanoTime() - start) / 1e9));
        json.put("transform", null);
        return json;
    }

    private static double round(double s) {
        return Math.round(s * 100) / 100.0;
    }
}
