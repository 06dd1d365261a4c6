package org.medlabel.inference.pipeline;

import java.util.Map;
import org.medlabel.imaging.volume.Volume;

/** A label map on the original image's grid, and what MONAI Label's result JSON says besides the latencies. */
public record PipelineResult(Volume label, Map<String, Object> json) {}
