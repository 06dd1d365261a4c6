package org.medlabel.app.config;

import java.util.List;
import java.util.Map;

/**
 * How a model's version 0 is made: a network builder of the {@code ml} module and its settings ({@code unet},
 * {@code basic_unet}, {@code unetr}), a network named as MONAI names it ({@code monai}: a class of
 * {@code monai.networks.nets} such as {@code SegResNet} or {@code DynUNet}, {@code args}: its constructor arguments, as a
 * bundle's {@code network_def}), or an ONNX file given by path. Settings a builder does not use must be absent.
 * {@code weights} (a builder network only: a path or an http(s) URL of a PyTorch checkpoint or TorchScript file with
 * MONAI's parameter names) seeds version 0 with trained weights instead of a fresh initialisation. {@code axes}
 * overrides the order in which the network reads the image's axes ({@link ModelDefinition#networkAxes}).
 */
public record NetworkSpec(
        String builder,
        String monai,
        Map<String, Object> args,
        String file,
        String weights,
        String axes,
        Integer inChannels,
        Integer outChannels,
        List<Integer> channels,
        List<Integer> strides,
        Integer residualUnits,
        String norm,
        List<Integer> features,
        List<Integer> imageSize,
        Integer featureSize,
        Integer hiddenSize,
        Integer mlpDim,
        Integer heads) {

    /** Whether the network is built here (by a builder or from MONAI's arguments), not read from an ONNX file. */
    public boolean built() {
        return builder != null || monai != null;
    }
}
