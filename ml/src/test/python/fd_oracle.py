"""Test oracle for the ml module's gradients: central finite differences of a small ONNX model, in float64.

usage:
  fd_oracle.py MODEL DIR
    MODEL  a small float32 ONNX model whose graph has a single output holding one value (shape [] or [1], ...)
    DIR    holds inputs.json = {"inputs": {"<name>": {"shape": [...], "grad": true|false, "type": "float32"|"int64"},
           ...}, "eps": 1e-6} and, per input, <name>.bin: raw little-endian float32 (or int64 where "type" says so;
           without "type", the graph input's declared type decides). Every graph input must be listed.
  The model is converted to float64 (float32 initializers, graph inputs, outputs and value_infos, Cast/"to" and
  "dtype" attributes naming float, float tensor attributes such as Constant's and ConstantOfShape's "value",
  Constant's value_float(s); subgraphs too) and evaluated with onnx.reference.ReferenceEvaluator. For every input
  marked "grad", each element x_i is moved by +-eps ("eps" of inputs.json, default 1e-6) and
  (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) (the step as float64 represents it) is written, in the input's
  element order, to DIR/<name>.fd.bin as little-endian float64. Prints {"ok": true, "value": f(x)} (float64).
  Float attributes stay what the model stored (e.g. alpha = 0.01 is float32's 0.009999999776...).

ReferenceEvaluator's Erf computes through float32 (np.vectorize(..., otypes=["f"])); it is replaced here by a float64
one (FLOAT64_OPS). The other operators the training graphs use keep the input's float64 (checked op by op).
"""
import json
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper
from onnx.reference import ReferenceEvaluator
from onnx.reference.op_run import OpRun

FLOAT, DOUBLE = TensorProto.FLOAT, TensorProto.DOUBLE


class Erf(OpRun):
    """Erf in the input's precision (the reference one rounds through float32)."""

    op_domain = ""

    def _run(self, x):
        return (np.vectorize(math.erf, otypes=[x.dtype])(x).astype(x.dtype),)


FLOAT64_OPS = [Erf]


def to_double_tensor(t):
    return numpy_helper.from_array(numpy_helper.to_array(t).astype(np.float64), t.name)


def convert_type(type_proto):
    if type_proto.HasField("tensor_type") and type_proto.tensor_type.elem_type == FLOAT:
        type_proto.tensor_type.elem_type = DOUBLE
    elif type_proto.HasField("sequence_type"):
        convert_type(type_proto.sequence_type.elem_type)
    elif type_proto.HasField("optional_type"):
        convert_type(type_proto.optional_type.elem_type)


def convert_node(node):
    attributes = []
    for a in node.attribute:
        if node.op_type == "Constant" and a.name in ("value_float", "value_floats"):
            value = np.array(a.f if a.name == "value_float" else list(a.floats), dtype=np.float64)
            a = onnx.helper.make_attribute("value", numpy_helper.from_array(value))
        elif a.type == onnx.AttributeProto.INT and a.name in ("to", "dtype") and a.i == FLOAT:
            a = onnx.helper.make_attribute(a.name, DOUBLE)
        elif a.type == onnx.AttributeProto.TENSOR and a.t.data_type == FLOAT:
            a = onnx.helper.make_attribute(a.name, to_double_tensor(a.t))
        elif a.type == onnx.AttributeProto.GRAPH:
            convert_graph(a.g)
        elif a.type == onnx.AttributeProto.GRAPHS:
            for g in a.graphs:
                convert_graph(g)
        attributes.append(a)
    if node.op_type == "ConstantOfShape" and not any(a.name == "value" for a in attributes):
        attributes.append(onnx.helper.make_attribute("value", numpy_helper.from_array(np.zeros(1, np.float64))))
    del node.attribute[:]
    node.attribute.extend(attributes)


def convert_graph(graph):
    initializers = [to_double_tensor(t) if t.data_type == FLOAT else t for t in graph.initializer]
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    for v in list(graph.input) + list(graph.output) + list(graph.value_info):
        convert_type(v.type)
    for node in graph.node:
        convert_node(node)


def to_float64(model):
    """A copy of model computing in float64 wherever it computed in float32."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    convert_graph(m.graph)
    for f in m.functions:
        for node in f.node:
            convert_node(node)
    return m


def read_inputs(model, directory, spec):
    declared = {i.name: i.type.tensor_type.elem_type for i in model.graph.input}
    for t in model.graph.initializer:
        declared.pop(t.name, None)
    missing = set(declared) - set(spec)
    if missing or set(spec) - set(declared):
        raise ValueError(f"inputs.json names {sorted(spec)}, the graph's inputs are {sorted(declared)}")
    feeds = {}
    for name, s in spec.items():
        kind = s.get("type") or {FLOAT: "float32", TensorProto.INT64: "int64"}.get(declared[name])
        if kind == "float32":
            x = np.fromfile(os.path.join(directory, name + ".bin"), dtype="<f4").astype(np.float64)
        elif kind == "int64":
            x = np.fromfile(os.path.join(directory, name + ".bin"), dtype="<i8").astype(np.int64)
            if s.get("grad"):
                raise ValueError(f"input {name} is int64: no gradient")
        else:
            raise ValueError(f"input {name}: type must be float32 or int64, was {kind}")
        shape = [int(d) for d in s["shape"]]
        if x.size != int(np.prod(shape, dtype=np.int64)):
            raise ValueError(f"{name}.bin holds {x.size} values, shape {shape} needs {int(np.prod(shape))}")
        feeds[name] = x.reshape(shape)
    return feeds


def main(model_path, directory):
    spec = json.load(open(os.path.join(directory, "inputs.json")))
    eps = float(spec.get("eps", 1e-6))
    model = onnx.load(model_path)
    if len(model.graph.output) != 1:
        raise ValueError(f"the graph must have one output, has {len(model.graph.output)}")
    feeds = read_inputs(model, directory, spec["inputs"])
    session = ReferenceEvaluator(to_float64(model), new_ops=FLOAT64_OPS)

    def f(x):
        y = np.asarray(session.run(None, x)[0])
        if y.size != 1:
            raise ValueError(f"the output must hold one value, has shape {list(y.shape)}")
        if y.dtype != np.float64:
            raise TypeError(f"the output is {y.dtype}, not float64: an operator did not keep float64")
        return float(y.reshape(()))

    value = f(feeds)
    for name, s in spec["inputs"].items():
        if not s.get("grad"):
            continue
        x = feeds[name].copy()
        flat = x.reshape(-1)
        fd = np.empty(flat.size, dtype="<f8")
        probe = dict(feeds)
        probe[name] = x
        for i in range(flat.size):
            original = flat[i]
            flat[i] = high = original + eps
            up = f(probe)
            flat[i] = low = original - eps
            down = f(probe)
            flat[i] = original
            fd[i] = (up - down) / (high - low)  # the step as represented, not 2 eps
        fd.tofile(os.path.join(directory, name + ".fd.bin"))
    print(json.dumps({"ok": True, "value": value}))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
