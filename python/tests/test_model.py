"""Compiling, loading, running and metadata."""
import os
import pathlib
import subprocess
import weakref

import numpy as np
import pytest
import tessera
from tessera import _model


def test_compile_returns_the_artifact_bytes_or_writes_output(tiny_cnn, tiny_cnn_onnx, workdir):
    data = tessera.compile(tiny_cnn_onnx)
    assert isinstance(data, bytes) and data.startswith(b"TESSERA\x1a")
    with open(tiny_cnn, "rb") as f:
        assert f.read() == data  # compilation is deterministic
    out = workdir / "again.tsr"
    assert tessera.compile(tiny_cnn_onnx, output=out, extra_args=["--strip-sources"]) == out
    assert out.read_bytes().startswith(b"TESSERA\x1a")


def test_forward_matches_the_numpy_reference_and_tessera_run(tiny_cnn, image, tiny_cnn_reference, workdir):
    model = tessera.load(tiny_cnn)
    (probs,) = model.forward(image)
    assert probs.dtype == np.float32 and probs.shape == (1, 10)
    np.testing.assert_allclose(probs, tiny_cnn_reference, rtol=1e-4, atol=1e-6)
    tessera_run = os.path.join(os.path.dirname(tessera.find_compiler()), "tessera-run")
    subprocess.run([tessera_run, tiny_cnn, "--input", _save_npy(workdir, image), "--output-dir", str(workdir / "run")],
                   check=True)
    np.testing.assert_array_equal(probs, np.load(workdir / "run" / "probs.npy"))


def _save_npy(workdir, array):
    path = str(workdir / "input.npy")
    np.save(path, array)
    return path


def test_load_from_path_pathlike_bytes_bytearray_memoryview(tiny_cnn, image):
    expected = tessera.load(tiny_cnn).forward(image)[0]
    data = pathlib.Path(tiny_cnn).read_bytes()
    for source in (pathlib.Path(tiny_cnn), data, bytearray(data), memoryview(data)):
        np.testing.assert_array_equal(tessera.load(source).forward(image)[0], expected)


def test_forward_by_position_by_name_and_call(tiny_cnn, image):
    model = tessera.load(tiny_cnn)
    expected = model.forward(image)[0]
    np.testing.assert_array_equal(model(image)[0], expected)
    np.testing.assert_array_equal(model.forward({"image": image})[0], expected)
    assert list(model.forward_dict(image)) == ["probs"]
    np.testing.assert_array_equal(model.forward_dict({"image": image})["probs"], expected)


def test_static_metadata(tiny_cnn):
    model = tessera.load(tiny_cnn)
    (x,), (y,) = model.inputs, model.outputs
    assert (x.name, x.dtype, x.dtype_name, x.shape) == ("image", np.dtype(np.float32), "float32", (1, 3, 32, 32))
    assert (y.name, y.dtype, y.shape) == ("probs", np.dtype(np.float32), (1, 10))
    assert model.symbols == {}
    if os.environ.get("TESSERA_TEST_SMALL_RUNTIME"):  # the size-optimized runtime leaves the text out
        assert model.info() == "model info is not available in this build (size-optimized runtime)\n"
    else:
        assert "probs" in model.info()


def test_symbolic_dims_and_several_inputs(mlp):
    artifact, reference = mlp
    model = tessera.load(artifact)
    assert [(i.name, i.dtype, i.shape) for i in model.inputs] == [("x", np.float32, ("batch", 16)),
                                                                   ("shift", np.float32, (8,))]
    assert [(o.name, o.shape) for o in model.outputs] == [("y", ("batch", 8)), ("s", ("batch", 1))]
    lo, hi = model.symbols["batch"]
    assert lo <= 1 and hi >= 7
    rng = np.random.default_rng(0)
    shift = rng.standard_normal(8).astype(np.float32)
    for batch in (1, 3, 7):
        x = rng.standard_normal((batch, 16)).astype(np.float32)
        y, s = model.forward(x, shift)
        assert y.shape == (batch, 8) and s.shape == (batch, 1)
        for got, want in zip((y, s), reference(x, shift)):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
        by_name = model.forward({"shift": shift, "x": x})
        np.testing.assert_array_equal(by_name[0], y)


def test_contiguous_inputs_of_the_right_dtype_are_used_without_a_copy(tiny_cnn, image):
    info = tessera.load(tiny_cnn).inputs[0]
    assert _model._as_input(image, info) is image
    fortran = np.asfortranarray(image)
    converted = _model._as_input(fortran, info)
    assert converted is not fortran and converted.flags.c_contiguous


def test_non_contiguous_safely_castable_and_list_inputs(tiny_cnn, image):
    model = tessera.load(tiny_cnn)
    expected = model(image)[0]
    np.testing.assert_array_equal(model(np.asfortranarray(image))[0], expected)
    strided = np.zeros((1, 3, 32, 64), np.float32)
    strided[..., ::2] = image
    np.testing.assert_array_equal(model(strided[..., ::2])[0], expected)
    half = image.astype(np.float16)  # float16 -> float32 is a safe cast
    np.testing.assert_array_equal(model(half)[0], model(half.astype(np.float32))[0])
    np.testing.assert_allclose(model(image.tolist())[0], expected, rtol=1e-6)


def test_outputs_are_copies_that_later_runs_do_not_overwrite(tiny_cnn, image):
    model = tessera.load(tiny_cnn)
    session = model.session(threads=1)
    first = session.run(image)[0]
    kept = first.copy()
    second = session.run(np.zeros_like(image))[0]
    np.testing.assert_array_equal(first, kept)
    assert not np.array_equal(first, second)
    assert first.flags.owndata and first.flags.writeable


def test_sessions(tiny_cnn, image):
    model = tessera.load(tiny_cnn)
    expected = model(image)[0]
    with model.session(threads=2) as session:
        assert session.threads == 2
        np.testing.assert_array_equal(session.run(image)[0], expected)
        np.testing.assert_array_equal(session(image)[0], expected)
        np.testing.assert_array_equal(session.forward({"image": image})[0], expected)
    assert model.session(threads=1).threads == 1
    assert model.session().threads >= 1
    model.close()
    with pytest.raises(ValueError):
        model.session()


def test_a_dropped_model_is_freed_at_once(tiny_cnn, image):
    model = tessera.load(tiny_cnn)
    model(image)  # fills the session pool
    session = model.session(threads=1)
    ref = weakref.ref(model)
    del model
    assert ref() is None  # no reference cycle: freed without waiting for the cycle collector
    assert session.run(image)[0].shape == (1, 10)  # a session keeps the runtime's model alive
