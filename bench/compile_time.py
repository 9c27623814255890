#!/usr/bin/python3
"""Compile time and peak memory of tessera-compile against model size.

Builds chains of N nodes (MatMul with a shared 16x16 weight alternating with Relu, so every MatMul is its
own dispatch) for each N, compiles each with tessera-compile and prints seconds and peak RSS; the time
per node should stay flat as N grows.

  bench/compile_time.py [--nodes 1000,5000,20000] [--build DIR]
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def chain(n, path):
    nodes, prev = [], "x"
    for i in range(n):
        out = "y" if i == n - 1 else f"t{i}"
        if i % 2 == 0:
            nodes.append(helper.make_node("MatMul", [prev, "w"], [out], name=f"matmul{i}"))
        else:
            nodes.append(helper.make_node("Relu", [prev], [out], name=f"relu{i}"))
        prev = out
    weight = numpy_helper.from_array(np.random.default_rng(0).random((16, 16), dtype=np.float32), "w")
    graph = helper.make_graph(nodes, "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [16, 16])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [16, 16])], [weight])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", default="1000,2000,5000,10000,20000")
    ap.add_argument("--build", default=os.path.join(root, "build"))
    args = ap.parse_args()
    compiler = os.path.join(args.build, "bin", "tessera-compile")
    print("| nodes | seconds | us per node | peak MiB |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in [int(v) for v in args.nodes.split(",")]:
            model = os.path.join(tmp, f"chain{n}.onnx")
            chain(n, model)
            start = time.perf_counter()
            proc = subprocess.Popen([compiler, model, "--target=cpu", "-o", os.path.join(tmp, "out.tsr")])
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - start
            if status != 0:
                print(f"tessera-compile failed on {n} nodes", file=sys.stderr)
                return 1
            print(f"| {n} | {seconds:.2f} | {seconds / n * 1e6:.0f} | {usage.ru_maxrss / 1024:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
