package org.medlabel.inference.volume;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The decoded-volume cache. Environment override: {@code MEDLABEL_INFERENCE_CACHE_MAX_BYTES}. */
@ConfigMapping(prefix = "medlabel.inference.cache")
public interface VolumeCacheConfig {

    /** Voxel bytes kept in memory; a volume larger than this is decoded for each request and never cached. */
    @WithDefault("2147483648")
    long maxBytes();
}
