"""Importing tessera loads the runtime library only, never the compiler's LLVM/MLIR libraries."""
import os
import subprocess
import sys

import tessera

CHECK_MAPS = r"""
import re, sys
import numpy as np

def compiler_libraries():
    with open("/proc/self/maps") as f:
        maps = f.read()
    assert "libtessera_runtime.so" in maps, "the runtime library is not mapped"
    return sorted(set(re.findall(r"\S*lib(?:MLIR|LLVM)[^\s/]*", maps)))

import tessera
assert compiler_libraries() == [], compiler_libraries()
model = tessera.load(sys.argv[1])
model(np.load(sys.argv[2]))
assert compiler_libraries() == [], compiler_libraries()
print("clean")
"""


def test_import_and_run_map_no_llvm_or_mlir(tiny_cnn, workdir, image):
    import numpy as np
    np.save(workdir / "image-for-maps.npy", image)
    result = subprocess.run([sys.executable, "-c", CHECK_MAPS, tiny_cnn, str(workdir / "image-for-maps.npy")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "clean", result.stdout


def test_runtime_library_override():
    env = dict(os.environ, TESSERA_RUNTIME_LIBRARY=tessera.library_path)
    result = subprocess.run([sys.executable, "-c", "import tessera; print(tessera.library_path)"], env=env,
                            stdout=subprocess.PIPE, text=True, check=True)
    assert result.stdout.strip() == tessera.library_path


def test_the_library_and_compiler_are_found_next_to_the_package():
    # The generated _location.py (build tree: build/lib and build/bin; install: <prefix>/lib and <prefix>/bin)
    # wins over the system loader and PATH unless the environment overrides it.
    from tessera import _location
    package = os.path.dirname(os.path.abspath(tessera.__file__))
    if "TESSERA_RUNTIME_LIBRARY" not in os.environ:
        assert tessera.library_path == os.path.normpath(os.path.join(package, _location.LIBDIR, "libtessera_runtime.so"))
    if "TESSERA_COMPILE" not in os.environ:
        assert tessera.find_compiler() == os.path.normpath(os.path.join(package, _location.BINDIR, "tessera-compile"))
