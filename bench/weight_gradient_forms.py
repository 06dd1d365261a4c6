"""A convolution's weight gradient in several forms, timed in ONNX Runtime (CPU, 2 threads; never in CI): the dilated
convolution (channels as batch), the tap slices (one Slice per tap, Concat, one MatMul), the shifted windows at
stride 1 (input padded and laid out flat with the output gradient on one grid: per tap one contiguous Slice and one
MatMul, unchunked), the windows with the innermost axis' taps sharing one Slice (dy shifted instead: "shared slices",
one MatMul per tap; "1 stacked", the shifts stacked into one MatMul: ml.autodiff.ConvGradients takes the stack where dy
has no more channels than x, else the shared slices) and with 2 or 3 axes stacked. Checked against torch's conv weight
gradient.

usage: weight_gradient_forms.py N CIN COUT EDGE [DIMS]   (kernel 3, pad 1, stride 1; DIMS 3 or 2, default 3)
Prints the minimum of 5 runs per form and its relative error. bench/RESULTS.md 2026-12-07 (night) has the figures.
"""
import sys
import time

import numpy as np
import onnxruntime as ort
import torch
from onnx import TensorProto as T
from onnx import helper as h

N, CI, CO, S = [int(a) for a in sys.argv[1:5]]
R = int(sys.argv[5]) if len(sys.argv) > 5 else 3
rng = np.random.default_rng(0)
x = rng.standard_normal((N, CI) + (S,) * R).astype(np.float32)
dy = rng.standard_normal((N, CO) + (S,) * R).astype(np.float32)
grad = torch.nn.grad.conv3d_weight if R == 3 else torch.nn.grad.conv2d_weight
ref = grad(torch.from_numpy(x), (CO, CI) + (3,) * R, torch.from_numpy(dy), padding=1).numpy()
W = [CO, CI] + [3] * R
TAPS = 3 ** R


def ints(name, values):
    return h.make_tensor(name, T.INT64, [len(values)], values)


def run(name, nodes, inits):
    inputs = [h.make_tensor_value_info("x", T.FLOAT, x.shape), h.make_tensor_value_info("dy", T.FLOAT, dy.shape)]
    graph = h.make_graph(nodes, name, inputs, [h.make_tensor_value_info("dw", T.FLOAT, W)], inits)
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 18)], ir_version=9)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    feeds = {"x": x, "dy": dy}
    session.run(None, feeds)
    times = []
    for _ in range(5):
        t = time.perf_counter()
        out = session.run(None, feeds)[0]
        times.append(time.perf_counter() - t)
    error = np.abs(out - ref).max() / np.abs(ref).max()
    print("%-16s %8.1f ms   relative error %.1e" % (name, 1000 * min(times), error))


def taps():
    for t in range(TAPS):
        yield t, [t // 3 ** (R - 1 - a) % 3 for a in range(R)]


swap = [1, 0] + list(range(2, R + 2))
run("dilated conv", [h.make_node("Transpose", ["x"], ["xt"], perm=swap),
                     h.make_node("Transpose", ["dy"], ["dyt"], perm=swap),
                     h.make_node("Conv", ["xt", "dyt"], ["c"], pads=[1] * 2 * R),
                     h.make_node("Transpose", ["c"], ["dw"], perm=swap)], [])

V = S ** R
pads = ints("pads", [0, 0] + [1] * R + [0, 0] + [1] * R)
nodes = [h.make_node("Pad", ["x", "pads"], ["xp"])]
inits = [pads, ints("axes", list(range(2, R + 2))), ints("one", [N, 1, CI, V]), ints("cols", [N, TAPS * CI, V]),
         ints("dyv", [N, CO, V]), ints("ax0", [0]), ints("byTap", [CO, TAPS, CI]), ints("w", W)]
slices = []
for t, tap in taps():
    inits += [ints("a%d" % t, tap), ints("b%d" % t, [k + S for k in tap])]
    nodes += [h.make_node("Slice", ["xp", "a%d" % t, "b%d" % t, "axes"], ["s%d" % t]),
              h.make_node("Reshape", ["s%d" % t, "one"], ["r%d" % t])]
    slices.append("r%d" % t)
nodes += [h.make_node("Concat", slices, ["stack"], axis=1), h.make_node("Reshape", ["stack", "cols"], ["c0"]),
          h.make_node("Transpose", ["c0"], ["c1"], perm=[0, 2, 1]), h.make_node("Reshape", ["dy", "dyv"], ["d"]),
          h.make_node("MatMul", ["d", "c1"], ["p"]), h.make_node("ReduceSum", ["p", "ax0"], ["q"], keepdims=0),
          h.make_node("Reshape", ["q", "byTap"], ["u"]), h.make_node("Transpose", ["u"], ["v"], perm=[0, 2, 1]),
          h.make_node("Reshape", ["v", "w"], ["dw"])]
run("tap slices", nodes, inits)

G = S + 2  # the padded grid; x gets one extra plane on the outermost axis, dy the grid's padding in-plane
stride = [G ** (R - 1 - a) for a in range(R)]
window = S * stride[0]
inits = [ints("xpads", [0, 0] + [1] * R + [0, 0, 2] + [1] * (R - 1)),
         ints("dypads", [0] * (R + 2) + [0, 0, 0] + [2] * (R - 1)), ints("xflat", [N, CI, (G + 1) * stride[0]]),
         ints("dyflat", [N, CO, window]), ints("ax2", [2]), ints("ax3", [3]), ints("ax0", [0]), ints("w", W)]
nodes = [h.make_node("Pad", ["x", "xpads"], ["xp"]), h.make_node("Reshape", ["xp", "xflat"], ["xf"]),
         h.make_node("Pad", ["dy", "dypads"], ["dyp"]), h.make_node("Reshape", ["dyp", "dyflat"], ["df"])]
products = []
for t, tap in taps():
    offset = sum(k * g for k, g in zip(tap, stride))
    inits += [ints("o%d" % t, [offset]), ints("e%d" % t, [offset + window])]
    nodes += [h.make_node("Slice", ["xf", "o%d" % t, "e%d" % t, "ax2"], ["s%d" % t]),
              h.make_node("Transpose", ["s%d" % t], ["st%d" % t], perm=[0, 2, 1]),
              h.make_node("MatMul", ["df", "st%d" % t], ["p%d" % t]),
              h.make_node("Unsqueeze", ["p%d" % t, "ax3"], ["u%d" % t])]
    products.append("u%d" % t)
nodes += [h.make_node("Concat", products, ["all"], axis=3), h.make_node("ReduceSum", ["all", "ax0"], ["q"], keepdims=0),
          h.make_node("Reshape", ["q", "w"], ["dw"])]
run("shifted windows", nodes, inits)

# the windows with the innermost axis' taps sharing one Slice of x: dy shifted once per inner tap, one MatMul per tap
inits = [ints("xpads", [0, 0] + [1] * R + [0, 0, 2] + [1] * (R - 1)),
         ints("dypads", [0] * (R + 2) + [0, 0, 0] + [2] * (R - 1)), ints("xflat", [N, CI, (G + 1) * stride[0]]),
         ints("dyflat", [N, CO, window]), ints("ax2", [2]), ints("ax3", [3]), ints("ax0", [0]), ints("w", W)]
nodes = [h.make_node("Pad", ["x", "xpads"], ["xp"]), h.make_node("Reshape", ["xp", "xflat"], ["xf"]),
         h.make_node("Pad", ["dy", "dypads"], ["dyp"]), h.make_node("Reshape", ["dyp", "dyflat"], ["df"])]
for s in range(3):
    inits.append(ints("sp%d" % s, [0, 0, s, 0, 0, 2 - s]))
    nodes.append(h.make_node("Pad", ["df", "sp%d" % s], ["sh%d" % s]))
products = []
for t, tap in taps():
    if tap[-1] == 0:
        base = sum(k * g for k, g in zip(tap, stride))
        inits += [ints("o%d" % t, [base]), ints("e%d" % t, [base + window + 2])]
        nodes += [h.make_node("Slice", ["xf", "o%d" % t, "e%d" % t, "ax2"], ["s%d" % t]),
                  h.make_node("Transpose", ["s%d" % t], ["st%d" % t], perm=[0, 2, 1])]
        shared = "st%d" % t
    nodes += [h.make_node("MatMul", ["sh%d" % tap[-1], shared], ["p%d" % t]),
              h.make_node("Unsqueeze", ["p%d" % t, "ax3"], ["u%d" % t])]
    products.append("u%d" % t)
nodes += [h.make_node("Concat", products, ["all"], axis=3), h.make_node("ReduceSum", ["all", "ax0"], ["q"], keepdims=0),
          h.make_node("Reshape", ["q", "w"], ["dw"])]
run("shared slices", nodes, inits)

# the windows with the innermost J axes' taps stacked on dy: dy shifted once per inner tap (Pad) and stacked on its
# channels, the padded input sliced once per outer tap, one MatMul per outer tap for all its inner taps
for J in range(1, R + 1):
    inner = [sum(k * g for k, g in zip(tap[R - J:], stride[R - J:])) for _, tap in taps()][:3 ** J]
    reach = max(inner)
    inits = [ints("xpads", [0, 0] + [1] * R + [0, 0, 2] + [1] * (R - 1)),
             ints("dypads", [0] * (R + 2) + [0, 0, 0] + [2] * (R - 1)), ints("xflat", [N, CI, (G + 1) * stride[0]]),
             ints("dyflat", [N, CO, window]), ints("ax0", [0]), ints("ax2", [2]), ints("w", W),
             ints("group", [N, len(inner), CO, CI]), ints("byTap", [TAPS, CO, CI])]
    nodes = [h.make_node("Pad", ["x", "xpads"], ["xp"]), h.make_node("Reshape", ["xp", "xflat"], ["xf"]),
             h.make_node("Pad", ["dy", "dypads"], ["dyp"]), h.make_node("Reshape", ["dyp", "dyflat"], ["df"])]
    shifted = []
    for i, s in enumerate(inner):
        inits.append(ints("sp%d" % i, [0, 0, s, 0, 0, reach - s]))
        nodes.append(h.make_node("Pad", ["df", "sp%d" % i], ["sh%d" % i]))
        shifted.append("sh%d" % i)
    nodes.append(h.make_node("Concat", shifted, ["stack"], axis=1))
    products = []
    for g in range(TAPS // len(inner)):
        base = sum(k * st for k, st in zip([g // 3 ** (R - J - 1 - a) % 3 for a in range(R - J)], stride))
        inits += [ints("o%d" % g, [base]), ints("e%d" % g, [base + window + reach])]
        nodes += [h.make_node("Slice", ["xf", "o%d" % g, "e%d" % g, "ax2"], ["s%d" % g]),
                  h.make_node("Transpose", ["s%d" % g], ["st%d" % g], perm=[0, 2, 1]),
                  h.make_node("MatMul", ["stack", "st%d" % g], ["p%d" % g]),
                  h.make_node("Reshape", ["p%d" % g, "group"], ["u%d" % g])]
        products.append("u%d" % g)
    nodes += [h.make_node("Concat", products, ["all"], axis=1),
              h.make_node("ReduceSum", ["all", "ax0"], ["q"], keepdims=0),
              h.make_node("Transpose", ["q"], ["v"], perm=[1, 2, 0]), h.make_node("Reshape", ["v", "w"], ["dw"])]
    run("windows, %d stacked" % J, nodes, inits)
