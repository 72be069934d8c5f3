"""Matrix products through OpenBLAS's ``cblas_sgemm`` / ``cblas_dgemm``, where one is loaded.

Pyodide's numpy has no BLAS, but Pyodide ships OpenBLAS as a package of its own
(``openblas``: ``libopenblas.so``, loaded by the worker with
``pyodide.loadPackage("openblas")``). Called through :mod:`ctypes`, its blocked
``sgemm`` took the im2col product of a 512x512 RGB 8x3x3 convolution from 23.9 ms
(numpy's einsum) to 15.5 ms in Chromium with the same numbers. In CPython numpy's
``matmul`` already calls the OpenBLAS it bundles, so :func:`matmul` uses this
binding only in Pyodide unless told otherwise (:func:`use`); the tests bind numpy's
own bundled OpenBLAS (``numpy.libs/libscipy_openblas64_*.so``) to run the very same
ctypes code in CPython.

Every call is checked before it is made: both operands and the output are 2-D,
of one dtype (float32 or float64), with unit stride along their last axis and
non-negative row strides of whole elements (a row pitch of at least the row
length, as BLAS's leading dimension needs), shapes that fit ``(M, K) @ (K, N) ->
(M, N)`` and the library's integer type, a writeable output that shares no
memory with the operands. A call that fails a check raises ``ValueError`` or
``TypeError``; nothing reaches C that could write outside ``out``.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import sys

import numpy as np

__all__ = ["Library", "active", "gemm", "library", "load", "matmul", "mode", "use", "MODES"]

# How :func:`matmul` computes: "auto" (BLAS in Pyodide when its openblas is loaded, numpy
# elsewhere), "blas" (this binding; raises when no library is found), "numpy".
MODES = ("auto", "blas", "numpy")

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112


class Library:
    """One loaded OpenBLAS: its ``?gemm`` entry points and integer width.

    Parameters
    ----------
    cdll : ctypes.CDLL
    names : (str, str)
        The symbols of cblas_sgemm and cblas_dgemm in this build (numpy's bundled
        OpenBLAS prefixes and suffixes them).
    int_type : ctypes integer type
        ``blasint``: c_int (LP64, Pyodide) or c_int64 (ILP64, numpy's bundle).
    path : str
    """

    def __init__(self, cdll, names, int_type, path):
        self.path = path
        self.int_type = int_type
        self.int_max = 2 ** (8 * ctypes.sizeof(int_type) - 1) - 1
        self._gemm = {}
        for dtype, name, real in ((np.dtype(np.float32), names[0], ctypes.c_float),
                                  (np.dtype(np.float64), names[1], ctypes.c_double)):
            fn = cdll[name]  # a function object of its own (attribute access shares one)
            i, p = int_type, ctypes.c_void_p
            # (order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc); the enums are C ints
            fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, i, i, i, real, p, i, p, i, real, p, i]
            fn.restype = None
            self._gemm[dtype] = fn

    def gemm_function(self, dtype):
        return self._gemm[np.dtype(dtype)]

    def __repr__(self):
        return f"Library({os.path.basename(self.path)!r}, {ctypes.sizeof(self.int_type) * 8}-bit ints)"


def _candidates():
    """(path, (sgemm, dgemm) symbols, int type) to try, in order."""
    if sys.platform == "emscripten":
        # Pyodide's openblas package, once loaded, is found by its soname
        return [("libopenblas.so", ("cblas_sgemm", "cblas_dgemm"), ctypes.c_int)]
    out = []
    numpy_libs = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    for path in sorted(glob.glob(os.path.join(numpy_libs, "libscipy_openblas64_*.so*"))):
        out.append((path, ("scipy_cblas_sgemm64_", "scipy_cblas_dgemm64_"), ctypes.c_int64))
    for path in sorted(glob.glob(os.path.join(numpy_libs, "libscipy_openblas-*.so*"))):
        out.append((path, ("scipy_cblas_sgemm", "scipy_cblas_dgemm"), ctypes.c_int))
    return out


_LOADED: dict = {}


def load() -> Library | None:
    """The OpenBLAS this process can call, or None (looked up once)."""
    if "lib" not in _LOADED:
        lib = None
        for path, names, int_type in _candidates():
            try:
                cdll = ctypes.CDLL(path)
                lib = Library(cdll, names, int_type, path)
                break
            except (OSError, AttributeError):
                continue
        _LOADED["lib"] = lib
    return _LOADED["lib"]


_MODE = ["auto"]


@contextlib.contextmanager
def use(mode: str):
    """Within the block :func:`matmul` computes by ``mode`` (one of :data:`MODES`)."""
    if mode not in MODES:
        raise ValueError(f"BLAS mode must be one of {MODES}, got {mode!r}")
    before = _MODE[0]
    _MODE[0] = mode
    try:
        yield
    finally:
        _MODE[0] = before


def mode() -> str:
    """The mode :func:`use` set (one of :data:`MODES`; "auto" outside any block)."""
    return _MODE[0]


def library() -> Library | None:
    """The library :func:`matmul` calls now, or None when it uses numpy."""
    mode = _MODE[0]
    if mode == "numpy":
        return None
    if mode == "blas":
        lib = load()
        if lib is None:
            raise RuntimeError("BLAS mode 'blas' was asked for but no OpenBLAS library was found "
                               f"(tried {[c[0] for c in _candidates()]})")
        return lib
    if mode == "auto":
        return load() if sys.platform == "emscripten" else None
    raise ValueError(f"BLAS mode must be one of {MODES}, got {mode!r}")


def active() -> bool:
    """Whether :func:`matmul` calls BLAS now."""
    return library() is not None


def _row_pitch(a: np.ndarray, name: str) -> int:
    """Leading dimension (elements) of a 2-D row-major operand; raises if it has none."""
    if a.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {a.shape}")
    item = a.itemsize
    rs, cs = a.strides
    rows, cols = a.shape
    if a.size == 0:
        return max(1, cols)  # nothing is read or written (gemm returns before the call)
    if cols > 1 and cs != item:
        raise ValueError(f"{name} needs unit stride along its last axis, got strides {a.strides}")
    if rows <= 1:
        return max(1, cols)
    if rs < 0 or rs % item or rs // item < cols:
        raise ValueError(f"{name}'s row stride {rs} is not a row pitch of at least {cols} elements")
    return max(1, rs // item)


def gemm(a: np.ndarray, b: np.ndarray, out: np.ndarray, lib: Library | None = None,
         trans_a: bool = False, trans_b: bool = False, accumulate: bool = False) -> np.ndarray:
    """``out = op(a) @ op(b)`` (``+= `` with ``accumulate``) through ``cblas_?gemm``.

    Parameters
    ----------
    a : ndarray, shape (M, K), or (K, M) with ``trans_a``
    b : ndarray, shape (K, N), or (N, K) with ``trans_b``
    out : ndarray, shape (M, N), written in place
        All three of one dtype, float32 or float64, each row-major with unit stride
        along the last axis (a row pitch larger than the row is fine: views into a
        bigger buffer are passed as they are).
    lib : Library, optional
        Defaults to :func:`load`.

    Returns
    -------
    out

    Raises
    ------
    TypeError
        Not ndarrays, mixed or unsupported dtypes.
    ValueError
        Wrong ndim, strides BLAS cannot take, shapes that do not fit, sizes beyond the
        library's integer type, a read-only output or one that overlaps an operand.
    RuntimeError
        No library.
    """
    lib = load() if lib is None else lib
    if lib is None:
        raise RuntimeError("no OpenBLAS library is loaded")
    for name, v in (("a", a), ("b", b), ("out", out)):
        if not isinstance(v, np.ndarray):
            raise TypeError(f"{name} must be a numpy array, got {type(v).__name__}")
    dtype = out.dtype
    if dtype not in (np.float32, np.float64) or not dtype.isnative:
        raise TypeError(f"gemm computes in native float32 or float64, got out dtype {dtype}")
    if a.dtype != dtype or b.dtype != dtype:
        raise TypeError(f"a, b and out must share one dtype, got {a.dtype}, {b.dtype}, {dtype}")
    lda, ldb, ldc = _row_pitch(a, "a"), _row_pitch(b, "b"), _row_pitch(out, "out")
    M, K = a.shape[::-1] if trans_a else a.shape
    Kb, N = b.shape[::-1] if trans_b else b.shape
    if K != Kb or out.shape != (M, N):
        raise ValueError(f"shapes do not fit: op(a) {(M, K)} @ op(b) {(Kb, N)} -> out {out.shape}")
    if not out.flags.writeable:
        raise ValueError("out is read-only")
    if np.may_share_memory(out, a) or np.may_share_memory(out, b):
        raise ValueError("out must not overlap a or b")
    if max(M, N, K, lda, ldb, ldc) > lib.int_max:
        raise ValueError(f"sizes {(M, N, K)} exceed the library's {lib.int_type.__name__}")
    if M == 0 or N == 0:
        return out
    if K == 0:
        if not accumulate:
            out[...] = 0
        return out
    fn = lib.gemm_function(dtype)
    fn(_ROW_MAJOR, _TRANS if trans_a else _NO_TRANS, _TRANS if trans_b else _NO_TRANS,
       M, N, K, 1.0, a.ctypes.data, lda, b.ctypes.data, ldb, 1.0 if accumulate else 0.0,
       out.ctypes.data, ldc)
    return out


def _as_blas_operand(a: np.ndarray) -> tuple[np.ndarray, bool]:
    """A 2-D view BLAS can take as it is, transposed if that is what fits, else a copy."""
    for view, transposed in ((a, False), (a.T, True)):
        try:
            _row_pitch(view, "operand")
            return view, transposed
        except ValueError:
            continue
    return np.ascontiguousarray(a), False


def _writable_target(out: np.ndarray, dtype, operands) -> bool:
    """Whether BLAS can write into ``out`` directly (else :func:`matmul` uses a new array)."""
    if out.dtype != dtype or not out.flags.writeable:
        return False
    try:
        _row_pitch(out, "out")
    except ValueError:
        return False
    return not any(np.may_share_memory(out, op) for op in operands)


def matmul(a, b, out: np.ndarray | None = None) -> np.ndarray:
    """``a @ b`` for 2-D float arrays of one dtype, through BLAS when :func:`library` has one.

    Parameters
    ----------
    a : ndarray, shape (M, K)
    b : ndarray, shape (K, N)
    out : ndarray, shape (M, N), optional
        Written in place when given (it may be a strided view, e.g. a band of a larger output).

    Returns
    -------
    ndarray, shape (M, N), of ``a``'s dtype

    Notes
    -----
    Transposed views (``w.T``) go to BLAS as they are, with its transpose flag; any
    other layout is copied first. Without a library (CPython by default) this is
    ``np.matmul``.
    """
    lib = library()
    a, b = np.asarray(a), np.asarray(b)
    if (lib is None or a.ndim != 2 or b.ndim != 2 or a.dtype != b.dtype
            or a.dtype not in (np.float32, np.float64)):
        return np.matmul(a, b, out=out)
    a2, ta = _as_blas_operand(a)
    b2, tb = _as_blas_operand(b)
    target = out if out is not None and _writable_target(out, a.dtype, (a2, b2)) else None
    if target is None:
        target = np.empty((a.shape[0], b.shape[1]), dtype=a.dtype)
    gemm(a2, b2, target, lib, trans_a=ta, trans_b=tb)
    if out is not None and target is not out:
        out[...] = target
        return out
    return target
