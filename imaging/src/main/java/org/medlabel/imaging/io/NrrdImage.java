package org.medlabel.imaging.io;

import java.util.Map;
import java.util.Objects;
import org.medlabel.imaging.volume.Volume;

/**
 * A volume with the key/value pairs of its NRRD header ({@code key:=value}), which carry 3D Slicer's segment
 * metadata in {@code .seg.nrrd} files (see {@link SlicerSegments}).
 */
public record NrrdImage(Volume volume, Map<String, String> keyValues) {
    public NrrdImage {
        Objects.requireNonNull(volume, "volume");
        keyValues = Map.copyOf(keyValues);
    }
}
