"""Tessera: run compiled neural network artifacts from Python.

    import tessera
    model = tessera.load(tessera.compile("model.onnx"))   # or tessera.load("model.tsr")
    outputs = model(image)                                # list of numpy arrays, in output order

Pure Python over the runtime's C API (ctypes): importing it loads libtessera_runtime.so only, never the
compiler's LLVM/MLIR libraries; tessera.compile runs the tessera-compile tool as a subprocess.
"""
from ._errors import (CompileError, Error, InternalError, InvalidArgumentError, InvalidArtifactError, IoError,
                      KernelFailedError, NotFoundError, OutOfMemoryError, UnsupportedError)
from ._lib import library_path
from ._model import Model, Session, TensorInfo, load
from ._compile import compile, find_compiler

__version__ = "0.1.0"

__all__ = ["load", "compile", "find_compiler", "Model", "Session", "TensorInfo", "Error", "CompileError",
           "InvalidArgumentError", "NotFoundError", "IoError", "InvalidArtifactError", "UnsupportedError",
           "OutOfMemoryError", "KernelFailedError", "InternalError", "library_path"]
