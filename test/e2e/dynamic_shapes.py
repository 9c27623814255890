#!/usr/bin/env python3
"""Models with a symbolic batch dim, compiled once and run at several batch sizes.

Each model is built with the ONNX helper API, compiled by tessera-compile from the model alone, and run
by tessera-run with batch sizes 1, 3 and 7; outputs are compared with a numpy reference.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def conv2d(x, w, b, pad):
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((n, f, h + 2 * pad - kh + 1, wd + 2 * pad - kw + 1), np.float64)
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i:i + out.shape[2], j:j + out.shape[3]]
            out += np.einsum("nchw,fc->nfhw", patch, w[:, :, i, j])
    return out + b[None, :, None, None]


def mlp(rng):
    w = rng.standard_normal((16, 8)).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "W"], ["m"]), helper.make_node("Add", ["m", "B"], ["a"]),
             helper.make_node("Relu", ["a"], ["r"]), helper.make_node("Softmax", ["r"], ["y"], axis=-1),
             helper.make_node("ReduceSum", ["r", "axes"], ["s"], keepdims=1)]
    graph = helper.make_graph(
        nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 8]),
         helper.make_tensor_value_info("s", TensorProto.FLOAT, ["N", 1])],
        [numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "B"),
         numpy_helper.from_array(np.array([1], np.int64), "axes")])

    def reference(x):
        r = np.maximum(x.astype(np.float64) @ w + b, 0)
        e = np.exp(r - r.max(-1, keepdims=True))
        return {"y": e / e.sum(-1, keepdims=True), "s": r.sum(-1, keepdims=True)}
    return graph, (16,), reference


def cnn(rng):
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    g = rng.standard_normal((4, 5)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "W", "B"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("GlobalAveragePool", ["p"], ["q"]), helper.make_node("Flatten", ["q"], ["f"]),
             helper.make_node("Gemm", ["f", "G"], ["y"])]
    graph = helper.make_graph(
        nodes, "cnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 5])],
        [numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "B"), numpy_helper.from_array(g, "G")])

    def reference(x):
        r = np.maximum(conv2d(x.astype(np.float64), w, b, 1), 0)
        n, c, h, wd = r.shape
        p = r.reshape(n, c, h // 2, 2, wd // 2, 2).max(axis=(3, 5))
        return {"y": p.mean(axis=(2, 3)) @ g}
    return graph, (3, 8, 8), reference


def main():
    bindir = sys.argv[1]
    rng = np.random.default_rng(0)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in (("mlp", mlp), ("cnn", cnn)):
            graph, sample_shape, reference = build(rng)
            model = os.path.join(tmp, name + ".onnx")
            onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), model)
            artifact = os.path.join(tmp, name + ".tsr")
            subprocess.run([os.path.join(bindir, "tessera-compile"), model, "-o", artifact], check=True)
            for batch in (1, 3, 7):
                x = rng.standard_normal((batch,) + sample_shape).astype(np.float32)
                np.save(os.path.join(tmp, "x.npy"), x)
                out = os.path.join(tmp, "out")
                subprocess.run([os.path.join(bindir, "tessera-run"), artifact, "--input",
                                os.path.join(tmp, "x.npy"), "--output-dir", out], check=True)
                for key, want in reference(x).items():
                    got = np.load(os.path.join(out, key + ".npy"))
                    ok = got.shape == want.shape and np.allclose(got, want, rtol=1e-4, atol=1e-5)
                    err = float(np.max(np.abs(got - want))) if got.shape == want.shape else float("nan")
                    print("%s batch %d output %s: shape %s, max abs error %.3g: %s" %
                          (name, batch, key, got.shape, err, "ok" if ok else "MISMATCH"))
                    failures += not ok
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
