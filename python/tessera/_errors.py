"""Exceptions: one class per runtime status code, all subclasses of tessera.Error."""


class Error(Exception):
    """A failure reported by the Tessera runtime (or the compiler, see CompileError).

    `code` is the runtime's tsr_code value and `code_name` its name ("invalid_argument", ...), as
    tsr_code_name returns it; `message` is the runtime's message.
    """

    def __init__(self, message, code=None, code_name=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.code_name = code_name

    def __str__(self):
        return f"{self.message} [{self.code_name}]" if self.code_name else self.message


class InvalidArgumentError(Error, ValueError):
    """Bad call: wrong input count, dtype or shape, a value a kernel rejected."""


class NotFoundError(Error):
    """The artifact file does not exist, or a kernel symbol is missing."""


class IoError(Error, OSError):
    """open/read/mmap failed."""


class InvalidArtifactError(Error):
    """Corrupt or inconsistent artifact."""


class UnsupportedError(Error):
    """A valid artifact this runtime or CPU cannot run (format version, architecture, CPU features)."""


class OutOfMemoryError(Error, MemoryError):
    pass


class KernelFailedError(Error):
    pass


class InternalError(Error):
    pass


class CompileError(Error):
    """tessera-compile failed; `stderr` holds its diagnostics (also the message) and `returncode` its exit
    status."""

    def __init__(self, message, stderr="", returncode=None):
        super().__init__(message, code_name="compile_error")
        self.stderr = stderr
        self.returncode = returncode


# tsr_code values (runtime.h) -> class.
ERROR_CLASSES = {
    1: InvalidArgumentError,
    2: NotFoundError,
    3: IoError,
    4: InvalidArtifactError,
    5: UnsupportedError,
    6: OutOfMemoryError,
    7: KernelFailedError,
    8: InternalError,
}
