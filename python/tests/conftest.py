"""Shared fixtures: models compiled once per test session with tessera.compile.

Run with the package and the tools of a build on the path, e.g. (what the tessera-python-tests ctest does):
    PYTHONPATH=build/python /usr/bin/python3 -m pytest -q python/tests
"""
import importlib.util
import os

import numpy as np
import pytest
import tessera

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(REPO, "examples")


def _example_module():
    spec = importlib.util.spec_from_file_location("make_example_model", os.path.join(EXAMPLES, "make_example_model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("tessera")


@pytest.fixture(scope="session")
def tiny_cnn_onnx():
    return os.path.join(EXAMPLES, "tiny_cnn.onnx")


@pytest.fixture(scope="session")
def tiny_cnn(workdir, tiny_cnn_onnx):
    """Path of examples/tiny_cnn.onnx compiled for the CPU."""
    return tessera.compile(tiny_cnn_onnx, output=str(workdir / "tiny_cnn.tsr"))


@pytest.fixture(scope="session")
def image():
    return np.load(os.path.join(EXAMPLES, "image.npy"))


@pytest.fixture(scope="session")
def tiny_cnn_reference(image):
    """tiny_cnn's output for `image`, from the plain numpy forward pass in make_example_model.py."""
    module = _example_module()
    params, _ = module.parameters()
    return module.reference(params, image)


def _save(graph, path):
    import onnx
    from onnx import helper
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    return path


@pytest.fixture(scope="session")
def mlp(workdir):
    """A model with a symbolic batch dim and two inputs: x float32 [batch,16] and shift float32 [8];
    outputs y = relu(x @ W + shift) [batch,8] and s = sum(y, axis 1) [batch,1]. Returns (artifact, reference)."""
    from onnx import TensorProto, helper, numpy_helper
    w = np.random.default_rng(1).standard_normal((16, 8)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["m"]), helper.make_node("Add", ["m", "shift"], ["a"]),
         helper.make_node("Relu", ["a"], ["y"]), helper.make_node("ReduceSum", ["y", "axes"], ["s"], keepdims=1)],
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 16]),
         helper.make_tensor_value_info("shift", TensorProto.FLOAT, [8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 8]),
         helper.make_tensor_value_info("s", TensorProto.FLOAT, ["batch", 1])],
        [numpy_helper.from_array(w, "W"), numpy_helper.from_array(np.array([1], np.int64), "axes")])
    artifact = tessera.compile(_save(graph, str(workdir / "mlp.onnx")), output=str(workdir / "mlp.tsr"))

    def reference(x, shift):
        y = np.maximum(x.astype(np.float64) @ w + shift, 0)
        return [y, y.sum(axis=1, keepdims=True)]
    return artifact, reference


@pytest.fixture(scope="session")
def slow_model(workdir):
    """Sixteen chained [512,1024] x [1024,1024] MatMuls with ReLUs (about 17 GFLOP): long enough a run to
    observe other Python threads while it executes."""
    from onnx import TensorProto, helper, numpy_helper
    w = (np.random.default_rng(2).standard_normal((1024, 1024)) / 32).astype(np.float32)
    nodes, last = [], "x"
    for i in range(16):
        nodes += [helper.make_node("MatMul", [last, "W"], [f"m{i}"]), helper.make_node("Relu", [f"m{i}"], [f"r{i}"])]
        last = f"r{i}"
    graph = helper.make_graph(nodes, "slow", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [512, 1024])],
                              [helper.make_tensor_value_info(last, TensorProto.FLOAT, [512, 1024])],
                              [numpy_helper.from_array(w, "W")])
    return tessera.compile(_save(graph, str(workdir / "slow.onnx")), output=str(workdir / "slow.tsr"))
