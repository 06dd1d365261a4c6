package org.medlabel.app.preprocess;

import org.medlabel.app.config.PreProcessing;
import org.medlabel.imaging.transform.GaussianSmooth;
import org.medlabel.imaging.transform.IntensityWindow;
import org.medlabel.imaging.transform.NormalizeIntensity;
import org.medlabel.imaging.transform.ScaleIntensity;
import org.medlabel.imaging.volume.Volume;

/** The intensity step of a model's pre-processing, the same for inference and training. */
public final class IntensityStep {

    private IntensityStep() {}

    /**
     * A window mapped to [bMin, bMax], or (x − subtrahend) / divisor, or MONAI's normalisation, then a Gaussian
     * smoothing and the result's range rescaled if the model says so; {@code v} unchanged when no step is set.
     */
    public static Volume apply(PreProcessing pre, Volume v) {
        if (pre == null) {
            return v;
        }
        Volume out = v;
        if (pre.window() != null) {
            PreProcessing.Window w = pre.window();
            out = new IntensityWindow(w.aMin(), w.aMax(), w.bMin(), w.bMax(), w.clip()).apply(v);
        } else if (pre.normalize() != null) {
            PreProcessing.Normalize n = pre.normalize();
            out = new IntensityWindow(n.subtrahend(), n.subtrahend() + n.divisor(), 0, 1, false).apply(v);
        } else if (pre.normalizeIntensity() != null) {
            out = new NormalizeIntensity(
                            pre.normalizeIntensity().nonzero(),
                            pre.normalizeIntensity().channelWise())
                    .apply(v);
        }
        if (pre.smooth() != null) {
            out = new GaussianSmooth(pre.smooth()).apply(out);
        }
        if (pre.scaleIntensity() != null) {
            out = new ScaleIntensity(
                            pre.scaleIntensity().min(), pre.scaleIntensity().max())
                    .apply(out);
        }
        return out;
    }
}
