"""Every failure is a tessera.Error carrying the runtime's message and code name."""
import os
import subprocess
import sys

import numpy as np
import pytest
import tessera


@pytest.fixture(scope="module")
def model(tiny_cnn):
    return tessera.load(tiny_cnn)


def test_wrong_shape(model, image):
    with pytest.raises(tessera.InvalidArgumentError) as e:
        model(image[:, :2])
    assert "input 'image': expected shape [1,3,32,32] but got [1,2,32,32]" in e.value.message
    assert (e.value.code, e.value.code_name) == (1, "invalid_argument")
    assert isinstance(e.value, tessera.Error) and "[invalid_argument]" in str(e.value)


def test_wrong_dtype(model, image):
    with pytest.raises(tessera.InvalidArgumentError, match="expected dtype float32 but got int64"):
        model(image.astype(np.int64))  # int64 -> float32 is not a safe cast: the runtime rejects it
    with pytest.raises(tessera.InvalidArgumentError, match="expected dtype float32 but got float64"):
        model(image.astype(np.float64))
    with pytest.raises(tessera.InvalidArgumentError, match="numpy dtype complex64 has no Tessera equivalent"):
        model(image.astype(np.complex64))


def test_wrong_input_count(model, image):
    with pytest.raises(tessera.InvalidArgumentError, match="expected 1 inputs but got 2"):
        model(image, image)
    with pytest.raises(tessera.InvalidArgumentError, match="expected 1 inputs but got 0"):
        model()


def test_inputs_by_unknown_or_missing_name(model, image):
    with pytest.raises(tessera.InvalidArgumentError, match=r"unknown \['img'\], missing \['image'\]"):
        model({"img": image})


def test_corrupt_artifacts(tiny_cnn, workdir):
    with open(tiny_cnn, "rb") as f:
        data = bytearray(f.read())
    flipped = bytearray(data)
    flipped[len(flipped) // 2] ^= 0xFF
    for bad in (bytes(flipped), bytes(data[: len(data) // 2]), b"", b"not an artifact at all"):
        with pytest.raises(tessera.InvalidArtifactError) as e:
            tessera.load(bad)
        assert e.value.code_name == "invalid_artifact" and e.value.message
    path = workdir / "corrupt.tsr"
    path.write_bytes(bytes(flipped))
    with pytest.raises(tessera.InvalidArtifactError, match="corrupt.tsr"):
        tessera.load(str(path))


def test_missing_file(workdir):
    with pytest.raises(tessera.Error) as e:
        tessera.load(str(workdir / "does-not-exist.tsr"))
    assert isinstance(e.value, tessera.NotFoundError) and "does-not-exist.tsr" in e.value.message


def test_compile_error_carries_the_tools_stderr(workdir):
    bad = workdir / "bad.onnx"
    bad.write_bytes(b"this is not a protobuf")
    with pytest.raises(tessera.CompileError) as e:
        tessera.compile(str(bad))
    assert e.value.returncode != 0 and e.value.stderr and e.value.stderr in str(e.value)
    assert "bad.onnx" in e.value.stderr
    assert isinstance(e.value, tessera.Error)


def test_compiler_override_that_is_not_a_program(monkeypatch, tiny_cnn_onnx, workdir):
    monkeypatch.setenv("TESSERA_COMPILE", str(workdir / "no-such-tool"))
    with pytest.raises(tessera.CompileError, match="TESSERA_COMPILE=.*no-such-tool is not an executable"):
        tessera.compile(tiny_cnn_onnx)


def test_missing_runtime_library_is_a_clear_import_error():
    env = dict(os.environ, TESSERA_RUNTIME_LIBRARY="/nonexistent/libtessera_runtime.so")
    result = subprocess.run([sys.executable, "-c", "import tessera"], env=env, stderr=subprocess.PIPE, text=True)
    assert result.returncode != 0
    assert "cannot load the runtime library libtessera_runtime.so; check TESSERA_RUNTIME_LIBRARY" in result.stderr
    assert "/nonexistent/libtessera_runtime.so (no such file)" in result.stderr
