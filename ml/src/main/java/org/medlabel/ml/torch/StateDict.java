package org.medlabel.ml.torch;

import java.util.Map;

/**
 * A network's parameters and buffers by PyTorch name ({@code model.0.conv.unit0.conv.weight}), as read from a
 * checkpoint; {@code source} says what the file was and where in it the tensors were found. A TorchScript module
 * ({@code scripted}) also holds tensors a state dict leaves out (non-persistent buffers such as an attention
 * block's saved matrix).
 */
public record StateDict(Map<String, TorchTensor> tensors, String source, boolean scripted) {}
