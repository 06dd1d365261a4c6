package org.medlabel.app.config;

import java.util.List;

/**
 * How a model's version 0 is made: a network builder of the {@code ml} module and its settings ({@code unet},
 * {@code basic_unet}, {@code unetr}), or an ONNX file given by path. Settings a builder does not use must be absent.
 */
public record NetworkSpec(
        String builder,
        String file,
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
        Integer heads) {}
