#!/usr/bin/python3
"""Training-mode Dropout: make the models and input (make OUT_DIR), check two runs' outputs
(check RUN1 RUN2), or check a run of the ratio-0 model (check-ratio0 RUN).

The model drops x = ones(4096) with ratio 0.25, seed 7 (dropout.onnx; dropout_ratio0.onnx has ratio 0): kept elements are scaled to 1 / 0.75, dropped ones
are 0, the mask marks the kept ones, about 3/4 are kept, and a second run keeps the same elements."""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def make(out, ratio=0.25, name="dropout.onnx"):
    os.makedirs(out, exist_ok=True)
    node = helper.make_node("Dropout", ["x", "ratio", "training"], ["y", "mask"], seed=7)
    graph = helper.make_graph(
        [node], "dropout", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4096])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4096]),
         helper.make_tensor_value_info("mask", TensorProto.BOOL, [4096])],
        [numpy_helper.from_array(np.array(ratio, np.float32), "ratio"),
         numpy_helper.from_array(np.array(True), "training")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    with open(os.path.join(out, name), "wb") as f:
        f.write(model.SerializeToString())
    np.save(os.path.join(out, "x.npy"), np.ones(4096, np.float32))


def check(first, second):
    y, mask = np.load(os.path.join(first, "y.npy")), np.load(os.path.join(first, "mask.npy"))
    kept = np.isclose(y, 1 / 0.75)
    assert np.all(kept | (y == 0)), "values other than 0 and 1 / (1 - ratio)"
    assert np.array_equal(kept, mask), "the mask differs from the kept elements"
    fraction = kept.mean()
    assert 0.70 <= fraction <= 0.80, "kept %.3f of the elements, expected about 0.75" % fraction
    assert np.array_equal(y, np.load(os.path.join(second, "y.npy"))), "a second run kept other elements"
    print("dropout ok: kept %.3f" % fraction)


def check_kept_all(run):
    """Ratio 0: every element kept unscaled, the mask all true."""
    y, mask = np.load(os.path.join(run, "y.npy")), np.load(os.path.join(run, "mask.npy"))
    assert np.array_equal(y, np.ones(4096, np.float32)), "a ratio of 0 changed the input"
    assert mask.dtype == np.bool_ and mask.all(), "a ratio of 0 dropped elements from the mask"
    print("ratio 0 ok")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
        make(sys.argv[2], 0.0, "dropout_ratio0.onnx")
    elif sys.argv[1] == "check-ratio0":
        check_kept_all(sys.argv[2])
    else:
        check(sys.argv[2], sys.argv[3])
