"""MONAI's own networks (monai.networks.nets, from ../shared/oracles) for the tests' oracles, built from the settings
MedLabel's builders take, with the weights of a network MedLabel built (an ONNX file) loaded into them by name.

Our graphs name parameters as MONAI's modules do, with the builders' two recorded differences (see StateDictLoader):
a convolution followed by a norm has no bias (MONAI's is set to 0 here, which is exact), and a linear weight is stored
transposed as <name>.weight_t.
"""
import re

import onnx
import torch
from onnx import numpy_helper
from monai.networks import nets
from monai.networks.nets import UNet, BasicUNet, UNETR

ABSORBED = "medlabel.weights.absorbed:"
UNUSED = "medlabel.weights.unused"
NORMS = {"NONE": None, "INSTANCE": "instance", "INSTANCE_AFFINE": ("instance", {"affine": True}), "BATCH": "batch"}


def read_onnx(path):
    """(initializers by name as torch tensors, metadata dict) of an ONNX file."""
    model = onnx.load(path)
    tensors = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in model.graph.initializer}
    return tensors, {p.key: p.value for p in model.metadata_props}


def act(cfg):
    kind, slope = cfg["activation"], cfg.get("slope", 0.0)
    if kind == "PRELU":
        return ("prelu", {"init": slope})
    if kind == "LEAKY_RELU":
        return ("leakyrelu", {"negative_slope": slope})
    return "relu"


def build(cfg, tensors):
    """The MONAI network cfg describes (channel counts the config leaves out are read from the weights' shapes)."""
    shape = cfg["inputShape"]
    dims = len(shape) - 2
    kind = cfg["network"]
    if "args" in cfg:  # MONAI's constructor arguments as given (the networks added with the model zoo's bundles)
        args = dict(cfg["args"])
        if kind == "SwinUNETR":
            args.pop("img_size", None)  # MONAI 1.5 takes the size from each input; MedLabel builds for one size
        return getattr(nets, kind)(**args)
    if kind == "UNet":
        return UNet(spatial_dims=dims, in_channels=cfg["in"], out_channels=cfg["out"], channels=cfg["channels"],
                    strides=cfg["strides"], num_res_units=cfg["residualUnits"], norm=NORMS[cfg["norm"]], act=act(cfg),
                    dropout=cfg.get("dropout", 0.0))
    if kind == "BasicUNet":
        return BasicUNet(spatial_dims=dims, in_channels=shape[1], out_channels=tensors["final_conv.weight"].shape[0],
                         features=cfg["features"], act=act(cfg), norm=NORMS[cfg["norm"]], dropout=cfg.get("dropout", 0.0))
    if kind == "UNETR":
        return UNETR(in_channels=shape[1], out_channels=tensors["out.conv.conv.weight"].shape[0],
                     img_size=cfg["imageSize"], feature_size=cfg["featureSize"], hidden_size=cfg["hiddenSize"],
                     mlp_dim=tensors["vit.blocks.0.mlp.linear1.weight_t"].shape[1], num_heads=cfg["heads"],
                     proj_type="conv", norm_name="instance", conv_block=True, res_block=True,
                     qkv_bias=cfg.get("qkvBias", False))
    raise ValueError(f"unknown network {kind}")


def is_state(name, t):
    """A tensor the network learns or keeps (as StateDictLoader.isState): float, rank >= 1, not a fixed.* constant."""
    return t.is_floating_point() and t.dim() > 0 and not name.startswith("fixed.")


def source_of(key, tensors):
    """(our initializer name, transposed?) for MONAI's state-dict key, or (None, False)."""
    if key in tensors:
        return key, False
    if key.endswith(".weight") and key[:-len(".weight")] + ".weight_t" in tensors:
        return key[:-len(".weight")] + ".weight_t", True
    return None, False


def load_into(net, tensors, metadata):
    """Copies our weights into MONAI's net by name; every one of ours must be used and every MONAI key explained."""
    unused = re.compile(metadata[UNUSED]) if UNUSED in metadata else None
    absorbed = {k[len(ABSORBED):] for k in metadata if k.startswith(ABSORBED)}
    state, used = net.state_dict(), set()
    for key, target in state.items():
        name, transposed = source_of(key, tensors)
        if name is not None:
            value = tensors[name].t() if transposed else tensors[name]
            if value.numel() == target.numel() and value.dim() > target.dim():  # a per-channel [C, 1, 1, 1]
                value = value.reshape(target.shape)
            if tuple(value.shape) != tuple(target.shape):
                raise AssertionError(f"{key}: ours {tuple(value.shape)}, MONAI {tuple(target.shape)}")
            target.copy_(value)
            used.add(name)
        elif key in absorbed:
            target.zero_()
        elif not key.endswith("num_batches_tracked") and not (unused and unused.fullmatch(key)):
            raise AssertionError(f"MONAI's {key} has no counterpart in our model")
    left = [n for n, t in tensors.items() if is_state(n, t) and n not in used]
    if left:
        raise AssertionError(f"our parameters MONAI's network does not have: {left[:10]}")


def monai_network(onnx_path, cfg, dtype=torch.float32):
    """MONAI's network for cfg with the weights of our ONNX model, in dtype."""
    tensors, metadata = read_onnx(onnx_path)
    torch.manual_seed(0)
    net = build(cfg, tensors)
    with torch.no_grad():
        load_into(net, tensors, metadata)
    return net.to(dtype)


def parameter_of(net, onnx_name):
    """(MONAI's parameter for our initializer name, transposed?)."""
    params = dict(net.named_parameters())
    if onnx_name in params:
        return params[onnx_name], False
    if onnx_name.endswith(".weight_t"):
        return params[onnx_name[:-len(".weight_t")] + ".weight"], True
    return None, False
