#!/usr/bin/env python3
"""Does int8 make the spleen UNet faster on this CPU? Times ONNX Runtime (CPU, 2 threads) on the MONAI spleen UNet
(the seed-0 model bench's UNetModels writes, optimised) in fp32 against two int8 forms made by ONNX Runtime's own
quantisation tool: dynamic (ConvInteger) and static QDQ per-channel (QLinearConv after fusion; calibrated on two
random crops: only the speed is measured, not the accuracy). Input 1x1x96x256x256; one warm-up run, then timed runs.

    java -cp bench/target/benchmarks.jar org.medlabel.bench.UNetModels DIR
    python3 bench/quantization_probe.py DIR [--runs 2]
"""
import argparse
import time

import numpy as np
import onnxruntime as ort
from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType, quantize_dynamic,
                                      quantize_static)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir", help="where UNetModels wrote spleen-unet-optimised.onnx")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    fp32 = f"{args.dir}/spleen-unet-optimised.onnx"
    name = ort.InferenceSession(fp32).get_inputs()[0].name

    class Crops(CalibrationDataReader):
        def __init__(self):
            self.crops = iter([{name: np.random.default_rng(i).standard_normal((1, 1, 32, 64, 64), np.float32)}
                               for i in range(2)])

        def get_next(self):
            return next(self.crops, None)

    quantize_dynamic(fp32, f"{args.dir}/spleen-int8-dynamic.onnx", op_types_to_quantize=["Conv"],
                     weight_type=QuantType.QUInt8)
    quantize_static(fp32, f"{args.dir}/spleen-int8-qdq.onnx", Crops(), quant_format=QuantFormat.QDQ,
                    op_types_to_quantize=["Conv"], activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    per_channel=True)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    x = np.random.default_rng(0).standard_normal((1, 1, 96, 256, 256), np.float32)
    reference = None
    for form in ["optimised", "int8-dynamic", "int8-qdq"]:
        session = ort.InferenceSession(f"{args.dir}/spleen-{'unet-' if form == 'optimised' else ''}{form}.onnx",
                                       options, providers=["CPUExecutionProvider"])
        out = session.run(None, {name: x})[0]
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            session.run(None, {name: x})
            times.append(time.perf_counter() - start)
        labels = out.argmax(1)
        agreement = 1.0 if reference is None else float((labels == reference).mean())
        reference = labels if reference is None else reference
        print(f"{form}: {min(times):.2f} s per run (runs {[round(t, 2) for t in times]}), argmax agreement with fp32 "
              f"{agreement:.4f}")


if __name__ == "__main__":
    main()
