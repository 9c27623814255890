"""ctypes declarations of the runtime's C API (runtime/include/tessera/runtime.h) and library lookup.

Only libtessera_runtime.so is loaded: it depends on the C/C++ standard libraries and libdl, never on the
compiler's LLVM/MLIR libraries. Calls go through ctypes.CDLL, which releases the GIL for the duration of
each foreign call, so a model running in one thread does not block other Python threads.
"""
import ctypes
import os

LIBRARY_NAME = "libtessera_runtime.so"
SONAME = "libtessera_runtime.so.0"


class TensorInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_uint32), ("rank", ctypes.c_uint32),
                ("dims", ctypes.POINTER(ctypes.c_int64))]


class Tensor(ctypes.Structure):
    _fields_ = [("dtype", ctypes.c_uint32), ("rank", ctypes.c_uint32), ("dims", ctypes.POINTER(ctypes.c_int64)),
                ("data", ctypes.c_void_p), ("byte_size", ctypes.c_size_t)]


class Allocator(ctypes.Structure):
    _fields_ = [("self", ctypes.c_void_p), ("alloc", ctypes.c_void_p), ("free", ctypes.c_void_p)]


class SessionOptions(ctypes.Structure):
    _fields_ = [("allocator", Allocator), ("thread_count", ctypes.c_uint32), ("scratch_size", ctypes.c_uint64)]


_status = ctypes.c_void_p
_model = ctypes.c_void_p
_session = ctypes.c_void_p
_size = ctypes.c_size_t

# name: (restype, argtypes)
_SIGNATURES = {
    "tsr_status_code": (ctypes.c_int, [_status]),
    "tsr_status_message": (ctypes.c_char_p, [_status]),
    "tsr_status_free": (None, [_status]),
    "tsr_code_name": (ctypes.c_char_p, [ctypes.c_int]),
    "tsr_dtype_name": (ctypes.c_char_p, [ctypes.c_uint32]),
    "tsr_model_load_file": (_status, [ctypes.c_char_p, ctypes.c_void_p, ctypes.POINTER(_model)]),
    "tsr_model_load_memory": (_status, [ctypes.c_void_p, _size, ctypes.c_void_p, ctypes.POINTER(_model)]),
    "tsr_model_release": (None, [_model]),
    "tsr_model_input_count": (_size, [_model]),
    "tsr_model_output_count": (_size, [_model]),
    "tsr_model_input_info": (_status, [_model, _size, ctypes.POINTER(TensorInfo)]),
    "tsr_model_output_info": (_status, [_model, _size, ctypes.POINTER(TensorInfo)]),
    "tsr_model_symbol_count": (_size, [_model]),
    "tsr_model_symbol_info": (_status, [_model, _size, ctypes.POINTER(ctypes.c_char_p),
                                        ctypes.POINTER(ctypes.c_int64), ctypes.POINTER(ctypes.c_int64)]),
    "tsr_model_info_string": (_size, [_model, ctypes.c_char_p, _size]),
    "tsr_session_options_initialize": (None, [ctypes.POINTER(SessionOptions)]),
    "tsr_session_create": (_status, [_model, ctypes.POINTER(SessionOptions), ctypes.POINTER(_session)]),
    "tsr_session_release": (None, [_session]),
    "tsr_session_thread_count": (ctypes.c_uint32, [_session]),
    "tsr_session_run": (_status, [_session, ctypes.POINTER(Tensor), _size, ctypes.POINTER(Tensor), _size]),
}


def _candidates():
    """Paths to try, best first: $TESSERA_RUNTIME_LIBRARY, next to this package (build tree or install
    prefix, from the generated _location.py), then the system loader's search."""
    override = os.environ.get("TESSERA_RUNTIME_LIBRARY")
    if override:
        return [override], True
    paths = []
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        from . import _location
        paths.append(os.path.normpath(os.path.join(here, _location.LIBDIR, LIBRARY_NAME)))
    except ImportError:
        pass  # a source checkout: no generated location file
    paths += [SONAME, LIBRARY_NAME]
    return paths, False


def _load():
    paths, explicit = _candidates()
    tried = []
    for path in paths:
        if os.sep in path and not os.path.exists(path):
            tried.append(f"{path} (no such file)")
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            tried.append(f"{path} ({e})")
            continue
        for name, (restype, argtypes) in _SIGNATURES.items():
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = restype, argtypes
        return lib, path
    hint = ("check TESSERA_RUNTIME_LIBRARY" if explicit else
            "set TESSERA_RUNTIME_LIBRARY to its path, or install Tessera (cmake --install) and use its package")
    raise ImportError(f"tessera: cannot load the runtime library {LIBRARY_NAME}; {hint}. Tried: " + "; ".join(tried))


lib, library_path = _load()
