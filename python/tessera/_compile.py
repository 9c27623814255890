"""tessera.compile: runs the tessera-compile tool (the compiler is a separate program; the Python package
only loads the runtime)."""
import os
import shutil
import subprocess
import tempfile

from ._errors import CompileError

TOOL = "tessera-compile"


def find_compiler():
    """$TESSERA_COMPILE, else tessera-compile next to the runtime library (the build tree's bin/ or the
    install prefix's bin/), else the one on PATH. Raises CompileError when there is none."""
    override = os.environ.get("TESSERA_COMPILE")
    if override:
        if not os.access(override, os.X_OK):
            raise CompileError(f"tessera: TESSERA_COMPILE={override} is not an executable file")
        return override
    try:
        from . import _location
        here = os.path.dirname(os.path.abspath(__file__))
        candidate = os.path.normpath(os.path.join(here, _location.BINDIR, TOOL))
        if os.access(candidate, os.X_OK):
            return candidate
    except ImportError:
        pass
    found = shutil.which(TOOL)
    if found:
        return found
    raise CompileError(f"tessera: cannot find {TOOL}; set TESSERA_COMPILE to its path or put it on PATH")


def compile(onnx_path, output=None, target="cpu", extra_args=()):
    """Compiles an ONNX model. With `output` (a path), writes the artifact there and returns the path;
    without, returns the artifact's bytes (for tessera.load). `extra_args` go to tessera-compile as they
    are (e.g. ["--strip-sources"]). Failures raise CompileError carrying the tool's stderr."""
    tool = find_compiler()
    with tempfile.TemporaryDirectory(prefix="tessera-compile-") as tmp:
        destination = os.fspath(output) if output is not None else os.path.join(tmp, "model.tsr")
        command = [tool, os.fspath(onnx_path), f"--target={target}", "-o", destination, *extra_args]
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if result.returncode != 0:
            stderr = result.stderr.strip()
            raise CompileError(stderr or f"{TOOL} exited with status {result.returncode}", stderr, result.returncode)
        if output is not None:
            return output
        with open(destination, "rb") as f:
            return f.read()
