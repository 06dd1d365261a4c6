package org.medlabel.app.config;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a model does with a request, as MONAI Label names it in {@code /info/}. */
public enum ModelType {
    /** Automatic: image in, label map out. */
    SEGMENTATION,
    /** One structure from foreground/background clicks: binary mask out. */
    DEEPGROW,
    /** Multi-label, automatic or refined by per-label clicks. */
    DEEPEDIT;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
