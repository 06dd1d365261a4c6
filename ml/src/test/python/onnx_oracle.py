"""Test oracle for the ml module: Python's onnx package checks and makes models.

usage:
  onnx_oracle.py check MODEL             run onnx.checker.check_model (full check, external data followed); print "ok"
  onnx_oracle.py make-with-function OUT  save a model holding a local function and metadata (fields MedLabel's
                                         .proto subset does not declare)
  onnx_oracle.py describe MODEL          print JSON: local functions, metadata, initializer names and sizes
"""
import json
import sys

import onnx
from onnx import TensorProto, helper


def check(path):
    onnx.checker.check_model(path, full_check=True)
    print("ok")


def make_with_function(out):
    fn = helper.make_function(
        "medlabel.test", "AddTwice", ["a", "b"], ["c"],
        [helper.make_node("Add", ["a", "b"], ["t"]), helper.make_node("Add", ["t", "b"], ["c"])],
        [helper.make_opsetid("", 18)])
    node = helper.make_node("AddTwice", ["x", "y"], ["z"], domain="medlabel.test")
    graph = helper.make_graph(
        [node], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2]), helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [2])])
    model = helper.make_model(
        graph, functions=[fn],
        opset_imports=[helper.make_opsetid("", 18), helper.make_opsetid("medlabel.test", 1)])
    helper.set_model_props(model, {"origin": "onnx_oracle"})
    onnx.checker.check_model(model)
    onnx.save(model, out)


def describe(path):
    model = onnx.load(path)
    print(json.dumps({
        "functions": [f.name for f in model.functions],
        "metadata": {p.key: p.value for p in model.metadata_props},
        "initializers": {t.name: len(t.raw_data) for t in model.graph.initializer},
    }))


if __name__ == "__main__":
    {"check": check, "make-with-function": make_with_function, "describe": describe}[sys.argv[1]](sys.argv[2])
