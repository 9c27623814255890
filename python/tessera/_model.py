"""Model and Session over the C API."""
import ctypes
import os
import threading

import numpy as np

from . import _errors
from ._lib import Tensor, TensorInfo as _CTensorInfo, SessionOptions, lib

# TSR_DTYPE_* (artifact_format.h, the ONNX TensorProto values) <-> numpy. bfloat16 has no numpy dtype; its
# tensors are uint16 arrays of bit patterns.
_NUMPY_DTYPES = {
    1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32, 7: np.int64, 9: np.bool_,
    10: np.float16, 11: np.float64, 12: np.uint32, 13: np.uint64, 16: np.uint16,
}
_TSR_DTYPES = {np.dtype(t): code for code, t in _NUMPY_DTYPES.items() if code != 16}
_BFLOAT16 = 16


def _check(status):
    """Raises the tessera.Error subclass for a non-NULL tsr_status* (and frees it)."""
    if not status:
        return
    try:
        code = lib.tsr_status_code(status)
        message = lib.tsr_status_message(status).decode("utf-8", "replace")
        name = lib.tsr_code_name(code).decode()
    finally:
        lib.tsr_status_free(status)
    raise _errors.ERROR_CLASSES.get(code, _errors.Error)(message, code, name)


def _invalid_argument(message):
    return _errors.InvalidArgumentError(message, 1, lib.tsr_code_name(1).decode())


class TensorInfo:
    """A model input or output: `name`, `dtype` (numpy dtype), `dtype_name` (the runtime's name, e.g.
    "bfloat16"), `shape` (a tuple of ints for static dims and symbol names, str, for symbolic ones)."""

    def __init__(self, name, dtype_code, shape):
        self.name = name
        self.dtype_code = dtype_code
        self.dtype_name = lib.tsr_dtype_name(dtype_code).decode()
        self.dtype = np.dtype(_NUMPY_DTYPES[dtype_code]) if dtype_code in _NUMPY_DTYPES else None
        self.shape = shape

    def __repr__(self):
        dims = ", ".join(str(d) for d in self.shape)
        return f"TensorInfo({self.name!r}, {self.dtype_name}[{dims}])"


class Model:
    """A loaded artifact: immutable, safe to share between threads. Use tessera.load() to make one.

    forward() borrows an idle session from a small per-model pool (creating one when all are busy), so
    several Python threads may call it concurrently; the GIL is released while the model runs.
    """

    def __init__(self, handle, threads=0):
        self._handle = ctypes.c_void_p(handle)
        self._threads = threads
        self._pool = []
        self._pool_lock = threading.Lock()
        self.inputs = self._infos(lib.tsr_model_input_count, lib.tsr_model_input_info)
        self.outputs = self._infos(lib.tsr_model_output_count, lib.tsr_model_output_info)

    def _symbols(self):
        names = []
        for i in range(lib.tsr_model_symbol_count(self._handle)):
            name, lo, hi = ctypes.c_char_p(), ctypes.c_int64(), ctypes.c_int64()
            _check(lib.tsr_model_symbol_info(self._handle, i, ctypes.byref(name), ctypes.byref(lo), ctypes.byref(hi)))
            names.append((name.value.decode(), lo.value, hi.value))
        return names

    @property
    def symbols(self):
        """Dim symbols: {name: (min, max)} (inclusive bounds)."""
        return {name: (lo, hi) for name, lo, hi in self._symbols()}

    def _infos(self, count_fn, info_fn):
        symbols = self._symbols()
        infos = []
        for i in range(count_fn(self._handle)):
            ti = _CTensorInfo()
            _check(info_fn(self._handle, i, ctypes.byref(ti)))
            dims = tuple(ti.dims[d] if ti.dims[d] >= 0 else symbols[-ti.dims[d] - 1][0] for d in range(ti.rank))
            infos.append(TensorInfo(ti.name.decode(), ti.dtype, dims))
        return infos

    def info(self):
        """The metadata and schedule as text (what `tessera-run --info` prints)."""
        size = lib.tsr_model_info_string(self._handle, None, 0)
        buf = ctypes.create_string_buffer(size + 1)
        lib.tsr_model_info_string(self._handle, buf, size + 1)
        return buf.value.decode("utf-8", "replace")

    def session(self, threads=0):
        """A new Session; `threads` per dispatch, the caller included (0: one per CPU, at most 16)."""
        return Session(self, threads)

    def forward(self, *inputs):
        """Runs the model: forward(x), forward(x1, x2) in input order, or forward({"name": x, ...}).
        Returns the outputs as a list of numpy arrays (owned by the caller) in output order."""
        with self._pool_lock:
            session = self._pool.pop() if self._pool else None
        if session is None:
            session = Session(self, self._threads)
        try:
            return session.run(*inputs)
        finally:
            with self._pool_lock:
                self._pool.append(session)

    __call__ = forward

    def forward_dict(self, *inputs):
        """forward(), with the outputs as {output name: array}."""
        return {info.name: array for info, array in zip(self.outputs, self.forward(*inputs))}

    def close(self):
        """Releases the pooled sessions and the model handle now rather than at garbage collection."""
        with self._pool_lock:
            pool, self._pool = self._pool, []
        for session in pool:
            session.close()
        if self._handle:
            lib.tsr_model_release(self._handle)
            self._handle = ctypes.c_void_p()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass  # interpreter shutdown: the library may already be gone

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"Model(inputs={self.inputs}, outputs={self.outputs})"


class Session:
    """One execution context of a model, for one thread at a time (concurrent use raises RuntimeError).
    Output memory inside the session is reused by the next run; run() returns copies."""

    def __init__(self, model, threads=0):
        if not model._handle:
            raise ValueError("tessera: the model is closed")
        if threads < 0:
            raise ValueError("tessera: threads must be >= 0")
        options = SessionOptions()
        lib.tsr_session_options_initialize(ctypes.byref(options))
        options.thread_count = min(threads, 2**32 - 1)
        handle = ctypes.c_void_p()
        _check(lib.tsr_session_create(model._handle, ctypes.byref(options), ctypes.byref(handle)))
        self._handle = handle
        # The metadata, not the Model: the C session keeps the model alive, and a reference back to the
        # Model would make a cycle (Model -> pool -> Session -> Model) that delays freeing both.
        self._inputs = model.inputs
        self._output_count = len(model.outputs)
        self._busy = threading.Lock()

    @property
    def threads(self):
        """Threads this session's dispatches run on, the caller included."""
        return lib.tsr_session_thread_count(self._handle)

    def run(self, *inputs):
        """Like Model.forward, on this session."""
        if not self._busy.acquire(blocking=False):
            raise RuntimeError("tessera: a Session is used by one thread at a time; use Model.forward or "
                               "one session per thread")
        try:
            return self._run(_arrange(self._inputs, inputs))
        finally:
            self._busy.release()

    forward = run
    __call__ = run

    def _run(self, arrays):
        c_inputs = (Tensor * max(len(arrays), 1))()
        keep = []  # the arrays and dims must outlive the call
        for c, info, array in zip(c_inputs, list(self._inputs) + [None] * len(arrays), arrays):
            array = _as_input(array, info)
            dims = (ctypes.c_int64 * max(array.ndim, 1))(*array.shape)
            keep.append((array, dims))
            c.dtype = _dtype_code(array, info)
            c.rank = array.ndim
            c.dims = dims
            c.data = array.ctypes.data
            c.byte_size = array.nbytes
        c_outputs = (Tensor * max(self._output_count, 1))()  # zeroed: session-owned outputs
        _check(lib.tsr_session_run(self._handle, c_inputs, len(arrays), c_outputs, self._output_count))
        results = []
        for c in c_outputs[:self._output_count]:
            dtype = np.dtype(_NUMPY_DTYPES.get(c.dtype, np.uint8))
            out = np.empty(tuple(c.dims[d] for d in range(c.rank)), dtype)
            if out.nbytes != c.byte_size:
                raise _errors.InternalError(f"tessera: output of {c.byte_size} bytes does not match its shape "
                                            f"{out.shape} and dtype {dtype}")
            if out.nbytes:
                ctypes.memmove(out.ctypes.data, c.data, out.nbytes)
            results.append(out)
        return results

    def close(self):
        """Releases the session (and its worker threads) now."""
        if self._handle:
            lib.tsr_session_release(self._handle)
            self._handle = ctypes.c_void_p()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _arrange(infos, inputs):
    """The inputs in model input order: positional as given, or one dict by name."""
    if len(inputs) == 1 and isinstance(inputs[0], dict):
        by_name = dict(inputs[0])
        names = [info.name for info in infos]
        unknown = [name for name in by_name if name not in names]
        missing = [name for name in names if name not in by_name]
        if unknown or missing:
            raise _invalid_argument(f"tessera: inputs by name: unknown {unknown}, missing {missing}; "
                                    f"the model's inputs are {names}")
        return [by_name[name] for name in names]
    return list(inputs)


def _as_input(value, info):
    """A C-contiguous array for one input, without a copy when it already is one of the input's dtype.
    Arrays of another dtype are cast only when numpy's "safe" casting allows it; otherwise they are passed
    as they are and the runtime reports the mismatch. Non-arrays (lists, scalars) take the input's dtype."""
    expected = info.dtype if info is not None else None
    if not isinstance(value, np.ndarray):
        value = np.asarray(value, dtype=expected)
    if expected is not None and value.dtype != expected and np.can_cast(value.dtype, expected, "safe"):
        value = value.astype(expected)
    return np.ascontiguousarray(value)


def _dtype_code(array, info):
    if info is not None and info.dtype_code == _BFLOAT16 and array.dtype == np.uint16:
        return _BFLOAT16
    code = _TSR_DTYPES.get(array.dtype)
    if code is None:
        name = info.name if info is not None else "?"
        raise _invalid_argument(f"tessera: input '{name}': numpy dtype {array.dtype} has no Tessera equivalent")
    return code


def load(source, threads=0):
    """Loads an artifact from a path (str or os.PathLike) or from bytes (bytes, bytearray, memoryview; the
    bytes are copied). `threads` is the thread count of the sessions Model.forward uses (0: one per CPU)."""
    handle = ctypes.c_void_p()
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = memoryview(source).cast("B")
        if isinstance(source, bytes):
            buf = source  # ctypes passes a pointer to the bytes object's own buffer
        elif data.readonly:
            buf = data.tobytes()
        else:
            buf = (ctypes.c_char * len(data)).from_buffer(data)
        _check(lib.tsr_model_load_memory(buf, len(data), None, ctypes.byref(handle)))
    else:
        _check(lib.tsr_model_load_file(os.fsencode(source), None, ctypes.byref(handle)))
    return Model(handle.value, threads)
