#!/usr/bin/python3
"""Builds the bundled example: tiny_cnn.onnx (a small image classifier with fixed random weights) and
image.npy (a fixed random input), both deterministic.

  make_example_model.py [--out-dir DIR]     write DIR/tiny_cnn.onnx and DIR/image.npy (default: this folder)
  make_example_model.py --check OUTPUT.npy  compare OUTPUT.npy (tessera-run's output for image.npy)
                                            with a plain numpy forward pass; exit 1 on mismatch
"""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20240601


def parameters():
    """Weights and the input from one seeded generator, in a fixed order, so every run agrees."""
    rng = np.random.default_rng(SEED)

    def normal(shape, fan_in):
        return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)

    p = {
        "conv1.w": normal((8, 3, 3, 3), 3 * 9),
        "conv1.b": (rng.standard_normal(8) * 0.1).astype(np.float32),
        "conv2.w": normal((16, 8, 3, 3), 8 * 9),
        "conv2.b": (rng.standard_normal(16) * 0.1).astype(np.float32),
        "fc.w": normal((10, 16), 16),  # Gemm with transB=1: [out, in]
        "fc.b": (rng.standard_normal(10) * 0.1).astype(np.float32),
    }
    image = rng.random((1, 3, 32, 32), dtype=np.float32)
    return p, image


def build_model(p):
    nodes = [
        helper.make_node("Conv", ["image", "conv1.w", "conv1.b"], ["c1"], name="conv1",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "conv2.w", "conv2.b"], ["c2"], name="conv2",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        # Clip-11+ takes min and max as inputs; these are the ReLU6 bounds.
        helper.make_node("Clip", ["c2", "clip.min", "clip.max"], ["r2"], name="relu6"),
        helper.make_node("GlobalAveragePool", ["r2"], ["gap"], name="gap"),
        helper.make_node("Flatten", ["gap"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "fc.w", "fc.b"], ["logits"], name="fc", transB=1),
        helper.make_node("Softmax", ["logits"], ["probs"], name="softmax", axis=1),
    ]
    inits = [numpy_helper.from_array(v, k) for k, v in p.items()]
    inits += [numpy_helper.from_array(np.array(0, np.float32), "clip.min"),
              numpy_helper.from_array(np.array(6, np.float32), "clip.max")]
    graph = helper.make_graph(
        nodes, "tiny_cnn",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, 10])],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="tessera-examples")
    model.ir_version = 7  # the IR version that goes with opset 13, for older ONNX readers
    onnx.checker.check_model(model)
    return model


# Independent numpy reference of the same network, in float64.
def conv2d(x, w, b, pad):
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = h + 2 * pad - kh + 1, wd + 2 * pad - kw + 1
    out = np.zeros((n, o, oh, ow))
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i:i + oh, j:j + ow]  # [n, c, oh, ow]
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
    return out + b[None, :, None, None]


def reference(p, image):
    p = {k: v.astype(np.float64) for k, v in p.items()}
    x = image.astype(np.float64)
    x = np.maximum(conv2d(x, p["conv1.w"], p["conv1.b"], 1), 0)
    n, c, h, w = x.shape
    x = x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))
    x = np.clip(conv2d(x, p["conv2.w"], p["conv2.b"], 1), 0, 6)
    x = x.mean(axis=(2, 3))
    logits = x @ p["fc.w"].T + p["fc.b"]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", default=HERE)
    ap.add_argument("--check", metavar="OUTPUT.npy")
    ap.add_argument("--rtol", type=float, default=1e-4)
    ap.add_argument("--atol", type=float, default=1e-6)
    args = ap.parse_args()
    p, image = parameters()

    if args.check:
        got = np.load(args.check)
        want = reference(p, image)
        if got.shape != want.shape:
            print(f"shape mismatch: got {got.shape}, expected {want.shape}")
            return 1
        err = np.abs(got.astype(np.float64) - want)
        ok = bool(np.all(err <= args.atol + args.rtol * np.abs(want)))
        print(f"{'match' if ok else 'MISMATCH'}: max abs error {err.max():.3g}, "
              f"max rel error {(err / np.abs(want)).max():.3g} (rtol {args.rtol}, atol {args.atol}); "
              f"argmax got {int(got.argmax())}, expected {int(want.argmax())}")
        return 0 if ok else 1

    os.makedirs(args.out_dir, exist_ok=True)
    onnx.save(build_model(p), os.path.join(args.out_dir, "tiny_cnn.onnx"))
    np.save(os.path.join(args.out_dir, "image.npy"), image)
    return 0


if __name__ == "__main__":
    sys.exit(main())
