#!/usr/bin/python3
"""Compile time and peak memory of tessera-compile against model size.

Builds models of about N nodes for each N, compiles each with tessera-compile and prints seconds and
peak RSS; the time per node should stay flat as N grows. Three graph shapes:
  chain        MatMul with a shared 16x16 weight alternating with Relu (every MatMul its own dispatch)
  elementwise  Relu, Neg and Abs in turn: one chain that elementwise fusion would make a single loop nest
  transformer  decoder blocks as exporters write them (42 nodes each): LayerNorm and GELU decomposed
               into elementwise ops, attention with Softmax, residual adds, each block its own weights

  bench/compile_time.py [--graph chain|elementwise|transformer] [--nodes 1000,5000,20000] [--build DIR]
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


def elementwise(n, path):
    ops = ["Relu", "Neg", "Abs"]
    nodes = [helper.make_node(ops[i % 3], ["x" if i == 0 else f"t{i - 1}"], ["y" if i == n - 1 else f"t{i}"],
                              name=f"op{i}") for i in range(n)]
    graph = helper.make_graph(nodes, "elementwise", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 64])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)


def transformer(n, path, seq=8, hidden=16):
    """About n nodes of decoder blocks on a [seq, hidden] activation."""
    rng = np.random.default_rng(0)
    nodes, inits = [], []

    def const(name, value):
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))
        return name

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    one, half, eps = const("one", 1.0), const("half", 0.5), const("eps", 1e-5)
    two, sqrt2, scale = const("two", 2.0), const("sqrt2", np.sqrt(2.0)), const("scale", np.sqrt(hidden))

    def layer_norm(x, p):
        mean = node("ReduceMean", [x], f"{p}_mean", axes=[-1])
        centered = node("Sub", [x, mean], f"{p}_centered")
        var = node("ReduceMean", [node("Pow", [centered, two], f"{p}_sq")], f"{p}_var", axes=[-1])
        std = node("Sqrt", [node("Add", [var, eps], f"{p}_vareps")], f"{p}_std")
        normed = node("Div", [centered, std], f"{p}_normed")
        return node("Add", [node("Mul", [normed, const(f"{p}_g", rng.random(hidden))], f"{p}_scaled"),
                            const(f"{p}_b", rng.random(hidden))], f"{p}_out")

    def linear(x, p, out=hidden):
        w = const(f"{p}_w", rng.random((hidden if not p.endswith("down") else 4 * hidden, out)) * 0.1)
        return node("Add", [node("MatMul", [x, w], f"{p}_mm"), const(f"{p}_bias", rng.random(out))], f"{p}_add")

    x = "x"
    layers = max(1, n // 42)
    for i in range(layers):
        p = f"l{i}"
        h = layer_norm(x, f"{p}_ln1")
        q, k, v = (linear(h, f"{p}_{name}") for name in "qkv")
        scores = node("Div", [node("MatMul", [q, node("Transpose", [k], f"{p}_kt", perm=[1, 0])], f"{p}_qk"), scale],
                      f"{p}_scores")
        attn = node("MatMul", [node("Softmax", [scores], f"{p}_softmax", axis=-1), v], f"{p}_attn")
        x = node("Add", [x, linear(attn, f"{p}_o")], f"{p}_res1")
        h = layer_norm(x, f"{p}_ln2")
        up = linear(h, f"{p}_up", 4 * hidden)
        erf = node("Erf", [node("Div", [up, sqrt2], f"{p}_gelu_div")], f"{p}_gelu_erf")
        gelu = node("Mul", [node("Mul", [up, node("Add", [erf, one], f"{p}_gelu_add")], f"{p}_gelu_mul"), half],
                    f"{p}_gelu")
        x = node("Add", [x, linear(gelu, f"{p}_down")], f"{p}_res2")
    nodes.append(helper.make_node("Identity", [x], ["y"], name="out"))
    graph = helper.make_graph(nodes, "decoder", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [seq, hidden])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [seq, hidden])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return len(nodes)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--graph", choices=["chain", "elementwise", "transformer"], default="chain")
    ap.add_argument("--nodes", default="1000,2000,5000,10000,20000")
    ap.add_argument("--build", default=os.path.join(root, "build"))
    args = ap.parse_args()
    compiler = os.path.join(args.build, "bin", "tessera-compile")
    print("| nodes | seconds | us per node | peak MiB |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in [int(v) for v in args.nodes.split(",")]:
            model = os.path.join(tmp, f"{args.graph}{n}.onnx")
            if args.graph == "chain":
                chain(n, model)
            elif args.graph == "elementwise":
                elementwise(n, model)
            else:
                n = transformer(n, model)
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
