"""Where a training step's memory goes, by analysis: the values alive when its nodes run in order and each value is
freed right after its last reader (an ideal allocator: no fragmentation, no in-place reuse), for MedLabel's graph in
its own node order and in ONNX Runtime's (both written by org.medlabel.bench.TrainingGraphMemory).

usage: training_graph_memory.py DIR   (DIR holds training.onnx and training-ort.onnx)
Prints per graph: the peak of live computed values and the node at the peak, the forward values (everything the loss
depends on) that later nodes read, and what is alive at the peak by producer ("forward Conv", "backward Mul") with
the largest values. Sizes come from ONNX's shape inference; a value without a static shape counts 0 (reported).
"""
import sys
from collections import defaultdict

import onnx
from onnx import helper, shape_inference


def sizes(model):
    inferred = shape_inference.infer_shapes(model, data_prop=True)
    out = {}
    for v in list(inferred.graph.value_info) + list(inferred.graph.output):
        t = v.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim]
        if t.HasField("shape") and None not in dims:
            n = helper.tensor_dtype_to_np_dtype(t.elem_type).itemsize
            for d in dims:
                n *= d
            out[v.name] = n
    return out


def forward_nodes(nodes, loss):
    producer = {o: i for i, n in enumerate(nodes) for o in n.output}
    found, todo = set(), [loss]
    while todo:
        i = producer.get(todo.pop())
        if i is not None and i not in found:
            found.add(i)
            todo.extend(nodes[i].input)
    return found


def analyse(model, loss="loss"):
    nodes = list(model.graph.node)
    size = sizes(model)
    forward = forward_nodes(nodes, loss)
    last_read, read_by_backward = {}, set()
    for i, n in enumerate(nodes):
        for v in n.input:
            last_read[v] = i
            if i not in forward:
                read_by_backward.add(v)
    outputs = {o.name for o in model.graph.output}
    alive, live, peak, at, at_peak, held, unknown = {}, 0, -1, 0, {}, 0, set()
    for i, n in enumerate(nodes):
        for v in n.output:
            if v and v not in alive:
                alive[v] = i
                if v not in size:
                    unknown.add(v)
                live += size.get(v, 0)
                if i in forward and v in read_by_backward:
                    held += size.get(v, 0)
        if live > peak:
            peak, at, at_peak = live, i, dict(alive)
        for v in [v for v in alive if last_read.get(v, -1) <= i and v not in outputs]:
            live -= size.get(v, 0)
            del alive[v]
    by_producer = defaultdict(int)
    for v, i in at_peak.items():
        by_producer[("forward " if i in forward else "backward ") + nodes[i].op_type] += size.get(v, 0)
    largest = sorted(at_peak, key=lambda v: -size.get(v, 0))[:8]
    return {"nodes": len(nodes), "peak": peak, "at": f"{nodes[at].op_type} {nodes[at].name}", "held": held,
            "by_producer": sorted(by_producer.items(), key=lambda e: -e[1]),
            "largest": [(v, nodes[at_peak[v]].op_type, size.get(v, 0)) for v in largest], "unknown": len(unknown)}


def main(directory):
    for name, what in (("training.onnx", "MedLabel's node order"), ("training-ort.onnx", "ONNX Runtime's order")):
        r = analyse(onnx.load(f"{directory}/{name}"))
        print(f"{what} ({r['nodes']} nodes, {r['unknown']} values without a static shape): peak of live values "
              f"{r['peak'] / 1e6:.0f} MB at {r['at']}; forward values read by the backward pass {r['held'] / 1e6:.0f} MB")
        for producer, b in r["by_producer"]:
            if b >= 1e6:
                print(f"  {producer:<34} {b / 1e6:8.0f} MB")
        for v, op, b in r["largest"]:
            print(f"    {v} ({op}, {b / 1e6:.1f} MB)")


if __name__ == "__main__":
    main(sys.argv[1])
