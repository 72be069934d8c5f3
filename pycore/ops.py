"""Pure array operations of the CNN explorer: convolution, padding, pooling, activations.

Every function follows the ``torch.nn.functional`` function of the same name
(cross-correlation, torch's padding and pooling rules), but works on numpy
arrays and needs nothing but numpy, so the same code runs in CPython and in
Pyodide (numpy 2.0, no BLAS, no SIMD) inside a browser worker.

Layouts
-------
Image arrays are ``(C, H, W)`` or batched ``(N, C, H, W)``; a plain ``(H, W)``
array is one channel.  Convolution weights are ``(C_out, C_in // groups, kH,
kW)``; a transposed convolution's are ``(C_in, C_out // groups, kH, kW)``, as in
PyTorch.

Dtypes
------
float32 and float64 arrays keep their dtype; integer and bool arrays are
promoted to float64 (float16 to float32); complex, object and string arrays
raise ``TypeError``.  NaN is data: it propagates through every op.

Output size
-----------
The output-size formula lives in exactly one place, :func:`conv_output_geometry`
(wrapped by :func:`conv_output_size`); convolution and both pools call it. The
transposed convolution's is :func:`conv_transpose_output_geometry`.

Speed
-----
No Python loop runs per pixel.  Convolution copies, for a tile of output
positions, the kH*kW shifted (strided, dilated) views of the input into one
small buffer and does a single matrix product per tile ("tiled im2col").  The
buffer is bounded (about :data:`_TILE_BUDGET_BYTES`), so memory stays near the
output size even for 1024x1024 inputs.  See ``_conv2d_core`` for the measured
alternatives.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from typing import Any

import numpy as np

from . import blas, validate

# Pyodide's numpy (2.0.2 in Pyodide 0.27.7) is built without BLAS and without SIMD,
# which changes which numpy call is fastest. Measured in Chromium 156, float32, ms:
#   8x27 @ 27xT product inside conv2d, 512x512 RGB 3x3: matmul 25, einsum ~14
#   max of two 8x512x256 arrays: np.maximum 7.6, np.fmax 10.2, np.where(b > a, b, a) 1.6
#   ReLU on 8x512x512: np.maximum 15.4, np.where(x < 0, 0, x) 3.9
# In CPython with OpenBLAS and SIMD loops every one of these goes the other way
# (np.where 4.1 ms vs np.maximum 0.19 ms), so the choice is made per platform.
# Tests run both paths in CPython by switching this flag.
_NO_BLAS_NO_SIMD = sys.platform == "emscripten"

__all__ = [
    "ACTIVATIONS",
    "CONV_FFT_MODES",
    "POOL_ORDERS",
    "PADDING_MODES",
    "PAD_MODES",
    "ConvGeometry",
    "TransposedGeometry",
    "activate",
    "as_float_array",
    "avg_pool2d",
    "check_pad_fits",
    "compute_paths",
    "conv2d",
    "conv_output_geometry",
    "conv_output_size",
    "conv_pad_mode",
    "conv_transpose2d",
    "conv_transpose_output_geometry",
    "conv_transpose_output_size",
    "finite_range",
    "flip_kernel",
    "leaky_relu",
    "max_pool2d",
    "pad",
    "pool_window_counts",
    "relu",
    "resolve_conv_padding",
    "same_padding",
    "sigmoid",
    "softmax",
    "tanh",
]

# Which implementation the ops use where there is more than one (each gives the loop
# twins' numbers; see tests/unit/test_fast_paths.py). "auto" chooses by platform and
# size, as measured (the notes at _conv2d_fft_wanted and _pool_reduce);
# :func:`compute_paths` forces one.
CONV_FFT_MODES = ("auto", "on", "off")  # FFT correlation for large kernels at stride 1
POOL_ORDERS = ("auto", "rows_first", "cols_first")  # which axis pooling reduces first
_PATHS = {"fft": "auto", "pool": "auto"}


@contextlib.contextmanager
def compute_paths(gemm: str | None = None, fft: str | None = None, pool: str | None = None):
    """Within the block, force the implementation of the ops' fast paths.

    Parameters
    ----------
    gemm : {"auto", "blas", "numpy"}, optional
        Matrix products (conv's im2col tiles, the layers' passes): see :func:`pycore.blas.use`.
    fft : {"auto", "on", "off"}, optional
        "on" takes FFT correlation wherever it applies (stride 1, dilation 1, one group,
        finite input), whatever the kernel size; "off" never.
    pool : {"auto", "rows_first", "cols_first"}, optional
        The order in which pooling reduces a window's axes.

    None leaves a path as it is. The previous choice comes back on leaving the block.
    """
    if fft is not None:
        validate.choice(fft, CONV_FFT_MODES, "fft")
    if pool is not None:
        validate.choice(pool, POOL_ORDERS, "pool")
    before = dict(_PATHS)
    with contextlib.ExitStack() as stack:
        if gemm is not None:
            stack.enter_context(blas.use(gemm))
        _PATHS.update({k: v for k, v in (("fft", fft), ("pool", pool)) if v is not None})
        try:
            yield
        finally:
            _PATHS.update(before)


# How :func:`pad` can fill a border.
PAD_MODES = ("constant", "reflect", "replicate", "circular")
# How a convolution's padding is filled (torch's ``padding_mode`` names; "zeros" is
# pad's "constant", see :func:`conv_pad_mode`). Every layer, spec and page control
# that offers padding modes reads this tuple.
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
# The activations a conv or dense layer (and the page) can apply, in this order;
# :func:`activate` applies one by name.
ACTIVATIONS = ("none", "relu", "leaky_relu", "sigmoid", "tanh")


def conv_pad_mode(padding_mode: str) -> str:
    """The :func:`pad` mode that fills a convolution's ``padding_mode``.

    Parameters
    ----------
    padding_mode : {"zeros", "reflect", "replicate", "circular"}

    Returns
    -------
    str
        "constant" for "zeros", the same name otherwise.
    """
    validate.choice(padding_mode, PADDING_MODES, "padding_mode")
    return "constant" if padding_mode == "zeros" else padding_mode


def finite_range(a: Any) -> tuple[float, float]:
    """Smallest and largest finite value of ``a`` ((0.0, 0.0) when there is none).

    NaN and inf are data (they propagate through every op), but not a range to
    scale a colour map to.
    """
    a = np.asarray(a)
    finite = a[np.isfinite(a)]
    if finite.size == 0:
        return 0.0, 0.0
    return float(finite.min()), float(finite.max())


# ---------------------------------------------------------------------------
# argument helpers
# ---------------------------------------------------------------------------


def as_float_array(x: Any, name: str = "x") -> np.ndarray:
    """Return ``x`` as a float32 or float64 numpy array.

    Parameters
    ----------
    x : array_like
        Any shape.
    name : str
        Argument name used in the error message.

    Returns
    -------
    numpy.ndarray
        Same shape as ``x``.  float32/float64 input is returned as is (no
        copy); integer and bool input becomes float64; float16 becomes float32
        and longer floats float64 (numpy without BLAS has no fast path for
        either).

    Raises
    ------
    TypeError
        For complex, object, string or other non-real dtypes.
    """
    a = np.asarray(x)
    kind = a.dtype.kind
    if kind == "f":
        target = np.float32 if a.dtype.itemsize <= 4 else np.float64
        # also normalises non-native byte order
        return a if a.dtype == target else a.astype(target)
    if kind in "biu":
        return a.astype(np.float64)
    raise TypeError(f"{name} must be a real-valued (float, int or bool) array, got dtype {a.dtype}")


def _image_ndim_error(name: str, shape: tuple[int, ...]) -> ValueError:
    return ValueError(
        f"{name} must have 2, 3 or 4 dimensions ((H, W), (C, H, W) or (N, C, H, W)), got shape {shape}"
    )


# ---------------------------------------------------------------------------
# output size: the one place the formula lives
# ---------------------------------------------------------------------------


class _Fields:
    """``as_dict`` for the geometry dataclasses."""

    def as_dict(self) -> dict:
        """Plain ``dict`` of all fields (JSON-serialisable, for the web API)."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class ConvGeometry(_Fields):
    """Where the windows of a convolution or pooling fall along one axis.

    Attributes
    ----------
    size : int
        Number of output positions (windows).
    dropped : int
        Rows/cols of the padded input at the end that no window covers (the
        remainder a floor drops; 0 when the windows fit exactly).
    formula : str
        The output-size formula with the numbers substituted, e.g.
        ``"⌊(28 + 2·1 − 1·(3−1) − 1) / 2⌋ + 1 = 14"``.
    padded : int
        ``n + pad_before + pad_after``.
    span : int
        Effective kernel extent ``dilation·(kernel_size−1) + 1``.
    overhang : int
        With ``ceil_mode``, how far the last window reaches past the padded
        input (those cells are ignored by pooling); 0 otherwise.
    n, kernel_size, stride, pad_before, pad_after, dilation : int
        The inputs, normalised.
    ceil_mode : bool
    """

    size: int
    dropped: int
    formula: str
    padded: int
    span: int
    overhang: int
    n: int
    kernel_size: int
    stride: int
    pad_before: int
    pad_after: int
    dilation: int
    ceil_mode: bool


def conv_output_geometry(
    n: int,
    kernel_size: int,
    stride: int = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> ConvGeometry:
    """Output size of a convolution or pooling along one axis, with the working.

    ``size = floor_or_ceil((n + p_before + p_after − d·(k−1) − 1) / s) + 1``;
    with ``ceil_mode`` torch drops the last window when it would start in the
    right padding, i.e. when ``(size−1)·s >= n + p_before``.  So in ceil mode
    the last window may stick out of the padded input by less than a stride
    (pooling ignores those cells), even when the kernel is longer than the
    padded input.

    Parameters
    ----------
    n : int
        Input length along the axis (>= 1).
    kernel_size : int
        Kernel length along the axis (>= 1).
    stride : int
        Step between windows (>= 1).
    padding : int or (int, int)
        Padding on both sides, or ``(before, after)`` (each >= 0).
    dilation : int
        Spacing of kernel taps (>= 1).
    ceil_mode : bool
        Round up instead of down (pooling), with torch's correction.

    Returns
    -------
    ConvGeometry
        ``size``, ``dropped``, ``formula``, ``padded``, ``span``, ... .

    Raises
    ------
    TypeError
        Non-integer arguments.
    ValueError
        Out-of-range arguments, or a kernel extent larger than the padded input.
    """
    n = validate.integer(n, "input size", 1)
    k = validate.integer(kernel_size, "kernel_size", 1)
    s = validate.integer(stride, "stride", 1)
    d = validate.integer(dilation, "dilation", 1)
    pb, pa = validate.pair(padding, "padding", 0)
    ceil_mode = validate.boolean(ceil_mode, "ceil_mode")

    padded = n + pb + pa
    span = d * (k - 1) + 1
    reach = padded - span  # how far the first window can slide
    size = reach // s + 1
    corrected = False
    if ceil_mode and reach % s:
        # ceil adds one partial window; torch keeps it only if it starts inside
        # the input or the left padding.  (Within torch's pooling rules the
        # full windows never start in the right padding, so checking just the
        # added window is torch's check; it also keeps ceil >= floor when
        # callers pass a large asymmetric right padding.)
        size += 1
        corrected = (size - 1) * s >= n + pb
        if corrected:
            size -= 1
    if size < 1:
        # (ceil_mode, as torch, still accepts a kernel that sticks out of the
        # padded input by less than one stride: one partial window)
        raise ValueError(
            f"kernel size {k} (spanning {span} with its dilation) is larger than the padded input {padded}"
        )
    covered = (size - 1) * s + span
    dropped = max(0, padded - covered)
    overhang = max(0, covered - padded)

    pad_text = f"2·{pb}" if pb == pa else f"{pb} + {pa}"
    lo, hi = ("⌈", "⌉") if ceil_mode else ("⌊", "⌋")
    formula = f"{lo}({n} + {pad_text} − {d}·({k}−1) − 1) / {s}{hi} + 1"
    if corrected:
        formula += " − 1 (the last window would start in the right padding)"
    formula += f" = {size}"
    return ConvGeometry(
        size=size,
        dropped=dropped,
        formula=formula,
        padded=padded,
        span=span,
        overhang=overhang,
        n=n,
        kernel_size=k,
        stride=s,
        pad_before=pb,
        pad_after=pa,
        dilation=d,
        ceil_mode=ceil_mode,
    )


def conv_output_size(
    n: int,
    kernel_size: int,
    stride: int = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> int:
    """Number of output positions along one axis (see :func:`conv_output_geometry`).

    Returns
    -------
    int
        ``conv_output_geometry(...).size`` (>= 1).
    """
    return conv_output_geometry(n, kernel_size, stride, padding, dilation, ceil_mode).size


# ---------------------------------------------------------------------------
# padding
# ---------------------------------------------------------------------------


def _normalise_pad(p: Any) -> tuple[int, int, int, int]:
    """``int`` or F.pad-ordered tuple -> ``(left, right, top, bottom)``."""
    if validate.is_int(p):
        vals = (int(p),) * 4
    elif isinstance(p, (tuple, list)) and len(p) in (2, 4) and all(validate.is_int(e) for e in p):
        # F.pad order: last dim first; a 2-tuple pads only the width.
        vals = tuple(int(e) for e in p) + (0, 0) * (len(p) == 2)
    else:
        raise TypeError(f"pad must be an int or a tuple (left, right, top, bottom) of ints, got {p!r}")
    if min(vals) < 0:
        raise ValueError(f"pad must be >= 0, got {p!r}")
    return vals  # type: ignore[return-value]


def _pad_into(x: np.ndarray, out: np.ndarray, lrtb: tuple[int, int, int, int], mode: str) -> None:
    """Fill ``out`` (shape ``x.shape[:-2] + (H+t+b, W+l+r)``) with padded ``x``.

    Non-constant modes are separable: fill the top/bottom rows from the
    centre, then the left/right columns from the already row-padded array,
    which gets the corners right (torch pads the same way).
    """
    left, right, top, bottom = lrtb
    H, W = x.shape[-2:]
    out[..., top : top + H, left : left + W] = x
    if mode == "constant":
        return  # caller pre-filled the border
    rows = out[..., :, left : left + W]  # the centre column band, full padded height
    if mode == "replicate":
        if top:
            rows[..., :top, :] = x[..., :1, :]
        if bottom:
            rows[..., top + H :, :] = x[..., H - 1 :, :]
        if left:
            out[..., :, :left] = out[..., :, left : left + 1]
        if right:
            out[..., :, left + W :] = out[..., :, left + W - 1 : left + W]
    elif mode == "reflect":
        # row top-1-i mirrors row i+1 (the edge row is not repeated)
        if top:
            rows[..., :top, :] = x[..., top:0:-1, :]
        if bottom:
            # rows H-2 down to H-1-bottom; bottom < H keeps the start >= 0
            rows[..., top + H :, :] = x[..., H - 1 - bottom : H - 1, :][..., ::-1, :]
        if left:
            out[..., :, :left] = out[..., :, 2 * left : left : -1]
        if right:
            out[..., :, left + W :] = out[..., :, left + W - 1 - right : left + W - 1][..., ::-1]
    elif mode == "circular":
        if top:
            rows[..., :top, :] = x[..., H - top :, :]
        if bottom:
            rows[..., top + H :, :] = x[..., :bottom, :]
        if left:
            out[..., :, :left] = out[..., :, left + W - left : left + W]
        if right:
            out[..., :, left + W :] = out[..., :, left : left + right]
    else:  # the public callers validate modes first; this guards internal callers
        raise ValueError(f"mode must be one of {PAD_MODES}, got {mode!r}")


def check_pad_fits(shape: tuple[int, ...], lrtb: tuple[int, int, int, int], mode: str) -> None:
    """Raise ValueError when padding ``lrtb`` (left, right, top, bottom) in ``mode``
    (constant/reflect/replicate/circular) cannot be applied to an array of ``shape``
    (..., H, W): torch's limits. Layers call it to validate before allocating."""
    left, right, top, bottom = lrtb
    H, W = shape[-2:]
    sides = (("left", left, "width", W), ("right", right, "width", W),
             ("top", top, "height", H), ("bottom", bottom, "height", H))
    for side, p, dim, size in sides:
        if mode == "reflect" and p >= size and p > 0:
            raise ValueError(
                f"reflect padding must be smaller than the input {dim}: {side} pad {p} >= {dim} {size}"
            )
        if mode == "circular" and p > size:
            raise ValueError(
                f"circular padding must not exceed the input {dim}: {side} pad {p} > {dim} {size}"
            )
        if mode == "replicate" and p > 0 and size == 0:
            raise ValueError(f"replicate padding needs a non-empty input, got {dim} 0")


def pad(x: Any, pad: Any, mode: str = "constant", value: float = 0.0) -> np.ndarray:
    """Pad the last two axes, like ``torch.nn.functional.pad`` with a 4-tuple.

    Parameters
    ----------
    x : array_like, shape (H, W), (C, H, W) or (N, C, H, W)
    pad : int or tuple
        An int pads all four sides; ``(left, right, top, bottom)`` is F.pad's
        order (last axis first); ``(left, right)`` pads only the width.
    mode : {"constant", "reflect", "replicate", "circular"}
        ``reflect`` mirrors without repeating the edge (numpy's "reflect",
        scipy's "mirror"); ``replicate`` repeats the edge (numpy's "edge");
        ``circular`` wraps around (numpy's "wrap").
    value : float
        Fill value for ``constant``.

    Returns
    -------
    numpy.ndarray, shape (..., H + top + bottom, W + left + right)
        Same leading axes and float dtype as ``x``.

    Raises
    ------
    ValueError
        Negative pad, unknown mode, wrong ndim, reflect pad >= the axis size,
        circular pad > the axis size.
    TypeError
        Non-integer pad, non-real dtype or value.
    """
    x = as_float_array(x, "x")
    if x.ndim not in (2, 3, 4):
        raise _image_ndim_error("x", x.shape)
    mode = validate.choice(mode, PAD_MODES, "mode")
    lrtb = _normalise_pad(pad)
    value = validate.real(value, "value")
    check_pad_fits(x.shape, lrtb, mode)
    return _pad_array(x, lrtb, mode, value)


def _pad_array(x: np.ndarray, lrtb: tuple[int, int, int, int], mode: str, value: float = 0.0) -> np.ndarray:
    left, right, top, bottom = lrtb
    if not any(lrtb):
        return x
    H, W = x.shape[-2:]
    shape = x.shape[:-2] + (H + top + bottom, W + left + right)
    out = np.full(shape, value, dtype=x.dtype) if mode == "constant" else np.empty(shape, dtype=x.dtype)
    _pad_into(x, out, lrtb, mode)
    return out


# ---------------------------------------------------------------------------
# convolution
# ---------------------------------------------------------------------------

# Bytes of the per-tile im2col buffer.  Without BLAS (Pyodide) the tile size
# made no difference from 128 KiB to 4 MiB; with BLAS bigger products win
# (512x512 RGB, 8 filters 5x5, float32: 14.6 ms at 512 KiB, 7.8 ms at 4 MiB),
# and 4 MiB is still below the output size of the benchmark images.  The tile
# never drops below _MIN_TILE output positions, so the Python overhead per
# tile stays small even for large kernels.
_TILE_BUDGET_BYTES = 4 * 1024 * 1024
_MIN_TILE = 2048


def resolve_conv_padding(
    padding: Any, kernel: tuple[int, int], stride: tuple[int, int], dilation: tuple[int, int]
) -> tuple[tuple[int, int], tuple[int, int]]:
    """``padding`` argument of conv2d -> ``((top, bottom), (left, right))``."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0), (0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(f'padding "same" needs stride 1, got stride {validate.pair_text(stride)}')
            return same_padding(kernel[0], dilation[0]), same_padding(kernel[1], dilation[1])
        raise ValueError(f"padding must be an int, a pair of ints, 'valid' or 'same', got {padding!r}")
    p = validate.pair(padding, "padding", 0)
    return (p[0], p[0]), (p[1], p[1])


def same_padding(kernel_size: int, dilation: int = 1) -> tuple[int, int]:
    """``(before, after)`` padding of ``padding="same"`` along one axis (at stride 1).

    torch's rule: ``dilation * (kernel_size - 1)`` cells in all, the extra cell of an
    even kernel after (bottom/right).
    """
    total = dilation * (kernel_size - 1)
    return total // 2, total - total // 2


def _tile_plan(N: int, Ho: int, Wo: int, per_position_bytes: int) -> tuple[int, int]:
    """Pick ``(images per tile, output rows per tile)`` for a bounded buffer."""
    target = max(_MIN_TILE, _TILE_BUDGET_BYTES // max(1, per_position_bytes))
    if Ho * Wo <= target:
        # whole images per tile: batches of small images share one matmul call
        return max(1, min(N, target // (Ho * Wo))), Ho
    return 1, max(1, min(Ho, target // Wo))


def _leading_dim(T: int, itemsize: int) -> int:
    """Row pitch (in elements) of the im2col buffer for ``T`` positions.

    numpy's non-BLAS matmul (Pyodide) walks each column of the buffer, one
    element per row.  With a power-of-two pitch every row maps to the same
    cache sets and the product ran 4x slower (108 ms vs 27 ms for 8x27 @
    27x262144 in a no-SIMD/no-BLAS numpy 2.0 build), so round the pitch up to
    an odd number of 64-byte lines.
    """
    line = max(1, 64 // itemsize)
    lines = -(-T // line)
    if lines % 2 == 0:
        lines += 1
    return lines * line


# FFT correlation (overlap-save) replaces the direct product for large kernels at
# stride 1 without dilation or groups, when the output has at least _FFT_MIN_OUTPUT
# positions (small maps and the explorers stay exact and direct). Measured on
# 512x512 inputs, float32, ms direct / FFT, ratios from one run on a loaded machine:
#   Pyodide (direct = OpenBLAS sgemm): 1->1 7x7 13.8/16.6; 1->3 7x7 70/68, 11x11 226/65;
#     3->8 5x5 295/305, 7x7 906/127, 9x9 681/196, 11x11 1049/213
#   CPython (direct = numpy + OpenBLAS, SIMD): 3->8 5x5 11.6/35, 7x7 72/101, 9x9 89/113,
#     11x11 406/138; 1->3 11x11 96/36
# The direct cost grows with taps x C_in x C_out, the FFT's with (C_in + C_out) per
# output, so Pyodide switches on _fft_work (at least 60); CPython's SIMD direct path
# keeps up longer and switches at 10x10 taps. The FFT's error is about 1e-7 of the
# output's magnitude in float32 (not bit-exact).
_FFT_MIN_WORK = 60.0
_FFT_MIN_TAPS_CPYTHON = 100
_FFT_MIN_OUTPUT = 64 * 64


def _fft_work(taps: int, c_in: int, c_out: int) -> float:
    """Direct work over FFT work, up to a constant: ``taps * C_in * C_out / (C_in + C_out)``."""
    return taps * c_in * c_out / (c_in + c_out)


# FFT lengths tried per axis: products of 2, 3 and 5, where pocketfft is fastest.
_FFT_LENGTHS = (16, 24, 32, 40, 48, 64, 80, 96, 128, 160, 192, 256)


def _conv2d_fft_wanted(xp, w, stride, dilation, groups, Ho, Wo) -> bool:
    """Whether :func:`_conv2d_core` takes :func:`_conv2d_fft` (see _FFT_MIN_TAPS)."""
    mode = _PATHS["fft"]
    if mode == "off":
        return False
    if mode not in ("on", "auto"):
        raise ValueError(f"fft path must be one of {CONV_FFT_MODES}, got {mode!r}")
    if stride != (1, 1) or dilation != (1, 1) or groups != 1 or xp.shape[0] == 0:
        return False
    C_out, C_in, kH, kW = w.shape
    if mode == "auto":
        if Ho * Wo < _FFT_MIN_OUTPUT:
            return False
        if _NO_BLAS_NO_SIMD:
            if _fft_work(kH * kW, C_in, C_out) < _FFT_MIN_WORK:
                return False
        elif kH * kW < _FFT_MIN_TAPS_CPYTHON:
            return False
    # a NaN or inf would spread over its whole FFT block, not just the windows that see it:
    # such inputs (and sums that overflow) take the direct path
    return bool(np.isfinite(np.add.reduce(xp, axis=None)) and np.isfinite(np.add.reduce(w, axis=None)))


def _fft_length(n: int, k: int) -> int:
    """FFT length along one axis for ``n`` outputs of a ``k``-tap kernel.

    The shortest candidate of :data:`_FFT_LENGTHS` that holds the whole axis, or, when
    none is that short, the shortest of at least ``max(64, 4k)``: shorter blocks repeat
    too much of the input (the kernel's overlap), longer ones cost more per element
    (measured on 512x512, kernels 5..11: 64-96 fastest in Pyodide, 48-64 in CPython;
    32 and 128 up to 2x slower).
    """
    whole = n + k - 1
    for L in _FFT_LENGTHS:
        if L >= whole:
            return L if L <= max(64, 4 * k) else _fft_length_blocked(k)
    return _fft_length_blocked(k)


def _fft_length_blocked(k: int) -> int:
    floor = max(64, 4 * k)
    for L in _FFT_LENGTHS:
        if L >= floor:
            return L
    return 1 << int(np.ceil(np.log2(floor)))


def _conv2d_fft(xp: np.ndarray, w: np.ndarray, bias: np.ndarray | None, Ho: int, Wo: int) -> np.ndarray:
    """Valid cross-correlation (stride 1, one group) by overlap-save FFT.

    Parameters
    ----------
    xp : ndarray, shape (N, C_in, Hp, Wp), finite
    w : ndarray, shape (C_out, C_in, kH, kW), same dtype
    bias : ndarray, shape (C_out,), or None
    Ho, Wo : int
        ``Hp - kH + 1``, ``Wp - kW + 1``.

    Returns
    -------
    ndarray, shape (N, C_out, Ho, Wo), ``xp``'s dtype

    Notes
    -----
    The output is cut into blocks of ``(Lh - kH + 1) x (Lw - kW + 1)``; each block's
    input patch of ``Lh x Lw`` (overlapping its neighbours by the kernel) is transformed
    with ``numpy.fft.rfft2`` (float32 stays float32 in numpy 2), multiplied by the
    conjugate spectra of the kernels (circular cross-correlation) and summed over input
    channels in the frequency domain; the inverse transform's first block of each patch
    is the valid correlation there. Block rows go in bands so the spectra stay near
    :data:`_TILE_BUDGET_BYTES`.
    """
    N, C_in, Hp, Wp = xp.shape
    C_out, _, kH, kW = w.shape
    dtype = xp.dtype
    Lh, Lw = _fft_length(Ho, kH), _fft_length(Wo, kW)
    bh, bw = Lh - kH + 1, Lw - kW + 1
    nbh, nbw = -(-Ho // bh), -(-Wo // bw)
    need_h, need_w = (nbh - 1) * bh + Lh, (nbw - 1) * bw + Lw
    if need_h > Hp or need_w > Wp:
        xe = np.zeros((N, C_in, max(Hp, need_h), max(Wp, need_w)), dtype=dtype)
        xe[:, :, :Hp, :Wp] = xp
    else:
        xe = xp
    sN, sC, sH, sW = xe.strides
    patches = np.lib.stride_tricks.as_strided(
        xe, shape=(N, C_in, nbh, nbw, Lh, Lw), strides=(sN, sC, bh * sH, bw * sW, sH, sW),
        writeable=False)
    wf = np.conj(np.fft.rfft2(w, s=(Lh, Lw)))  # (C_out, C_in, Lh, Lw//2+1)
    F = Lw // 2 + 1
    per_block_row = N * (C_in + 2 * C_out) * nbw * Lh * F * wf.itemsize
    band = max(1, min(nbh, _TILE_BUDGET_BYTES // max(1, per_block_row)))
    out = np.empty((N, C_out, Ho, Wo), dtype=dtype)
    for b0 in range(0, nbh, band):
        b1 = min(nbh, b0 + band)
        r = b1 - b0
        X = np.fft.rfft2(patches[:, :, b0:b1])  # (N, C_in, r, nbw, Lh, F)
        Y = np.empty((N, C_out, r, nbw, Lh, F), dtype=X.dtype)
        tmp = np.empty_like(Y) if C_in > 1 else None
        for c in range(C_in):
            xc = X[:, c, None]
            wc = wf[None, :, c, None, None]
            if c == 0:
                np.multiply(xc, wc, out=Y)
            else:
                np.multiply(xc, wc, out=tmp)
                Y += tmp
        y = np.fft.irfft2(Y, s=(Lh, Lw))[..., :bh, :bw]  # (N, C_out, r, nbw, bh, bw)
        y = y.transpose(0, 1, 2, 4, 3, 5).reshape(N, C_out, r * bh, nbw * bw)
        h0, h1 = b0 * bh, min(Ho, b1 * bh)
        out[:, :, h0:h1] = y[:, :, : h1 - h0, :Wo]
    if bias is not None:
        out += bias[:, None, None]
    return out


def _conv2d_core(
    xp: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray | None,
    stride: tuple[int, int],
    dilation: tuple[int, int],
    Ho: int,
    Wo: int,
    groups: int,
) -> np.ndarray:
    """Valid cross-correlation of an already padded input.

    Parameters
    ----------
    xp : ndarray, shape (N, C_in, Hp, Wp)
    w : ndarray, shape (C_out, C_in // groups, kH, kW), same dtype as ``xp``
    bias : ndarray, shape (C_out,), or None
    stride, dilation : (int, int)
    Ho, Wo : int
        Output size from :func:`conv_output_geometry`.
    groups : int

    Returns
    -------
    ndarray, shape (N, C_out, Ho, Wo)

    Notes
    -----
    Tiled im2col: for each tile of output positions, copy the kH*kW shifted
    views into a buffer of shape (kH*kW*C_in_g, T) and do one
    ``(C_out_g, K) @ (K, T)`` product written straight into the output.
    Timings for 512x512 RGB, 8 filters 3x3, float32 (ms, CPython numpy 2.4
    with BLAS / numpy 2.0 built without BLAS and SIMD, which mimics Pyodide):
    per-(filter, tap, channel) axpy 17.7 / 78; per-(tap, channel) axpy
    broadcast over filters 17.1 / 76; per-tap (C_out, C_in) matmul with
    accumulation 6.5 / 44; whole-image im2col 4.4 / 140 (cache-set conflicts
    in the non-BLAS matmul); tiled im2col with an odd row pitch (this code)
    3.0 / 29.

    Depthwise-style groups (one input channel per group) use a per-tap
    multiply-add broadcast over all channels instead: one numpy call per tap
    covers every group, where im2col would need a call per group.
    """
    N, C_in, Hp, Wp = xp.shape
    C_out, Cg, kH, kW = w.shape
    G = groups
    Og = C_out // G
    sH, sW = stride
    dH, dW = dilation
    dtype = xp.dtype
    out = np.empty((N, C_out, Ho, Wo), dtype=dtype)
    if N == 0 or C_out == 0:
        return out

    def rows_slice(i: int, r0: int, r1: int) -> slice:
        return slice(i * dH + r0 * sH, i * dH + (r1 - 1) * sH + 1, sH)

    col_slices = [slice(j * dW, j * dW + (Wo - 1) * sW + 1, sW) for j in range(kW)]

    if Cg == 1 and G > 1:
        # depthwise (with channel multiplier Og): out[n, g, o] += w[g, o, i, j] * x[n, g]
        wt = w[:, 0].reshape(G, Og, kH, kW)
        out5 = out.reshape(N, G, Og, Ho, Wo)
        nb, rows = _tile_plan(N, Ho, Wo, C_out * dtype.itemsize * 2)
        tmp_full = np.empty((nb, G, Og, rows, Wo), dtype=dtype)
        for n0 in range(0, N, nb):
            n1 = min(N, n0 + nb)
            for r0 in range(0, Ho, rows):
                r1 = min(Ho, r0 + rows)
                acc = out5[n0:n1, :, :, r0:r1]
                tmp = tmp_full[: n1 - n0, :, :, : r1 - r0]
                first = True
                for i in range(kH):
                    rs = rows_slice(i, r0, r1)
                    for j in range(kW):
                        src = xp[n0:n1, :, rs, col_slices[j]][:, :, None]
                        wv = wt[None, :, :, i, j, None, None]
                        if first:
                            np.multiply(src, wv, out=acc)
                            first = False
                        else:
                            np.multiply(src, wv, out=tmp)
                            acc += tmp
        if bias is not None:
            out += bias[:, None, None]
        return out

    if _conv2d_fft_wanted(xp, w, stride, dilation, groups, Ho, Wo):
        return _conv2d_fft(xp, w, bias, Ho, Wo)

    lib = blas.library()
    if lib is not None and dtype == np.float32 and blas.mode() == "auto":
        # In Pyodide, numpy's einsum beat OpenBLAS's generic sgemm on these thin products
        # (8 x 27..300 @ 27..300 x T: 5-7 against 4-5 GFLOP/s; 512x512 RGB 8x3x3 20.7
        # against 22.4 ms, 8x5x5 132 against 172 ms), while dgemm beat einsum in float64
        # (8x3x3: 50 against 69 ms)
        lib = None
    K = kH * kW * Cg
    # buffer rows are ordered (tap i, tap j, channel): match the weights to it
    wm = np.ascontiguousarray(w.transpose(0, 2, 3, 1)).reshape(G, Og, K)
    nb, rows = _tile_plan(N, Ho, Wo, K * dtype.itemsize)
    ld = _leading_dim(rows * Wo, dtype.itemsize)
    buf = np.empty((nb, K, ld), dtype=dtype)
    for g in range(G):
        xg = xp[:, g * Cg : (g + 1) * Cg]
        og = out[:, g * Og : (g + 1) * Og]
        wg = wm[g]
        bg = None if bias is None else bias[g * Og : (g + 1) * Og, None]
        for n0 in range(0, N, nb):
            n1 = min(N, n0 + nb)
            m = n1 - n0
            for r0 in range(0, Ho, rows):
                r1 = min(Ho, r0 + rows)
                nr = r1 - r0
                T = nr * Wo
                t = 0
                for i in range(kH):
                    rs = rows_slice(i, r0, r1)
                    for j in range(kW):
                        # splitting the unit-stride last axis is always a view
                        dst = buf[:m, t * Cg : (t + 1) * Cg, :T].reshape(m, Cg, nr, Wo)
                        np.copyto(dst, xg[n0:n1, :, rs, col_slices[j]])
                        t += 1
                # merging (rows, cols) of one output plane is always a view
                o = og[n0:n1, :, r0:r1].reshape(m, Og, T)
                if lib is not None:
                    # OpenBLAS's blocked sgemm/dgemm, written straight into the output
                    # band (its row pitch is the plane's, Ho*Wo)
                    for n in range(m):
                        blas.gemm(wg, buf[n, :, :T], o[n], lib)
                elif _NO_BLAS_NO_SIMD:
                    # einsum's sum-of-products loop streams over T; numpy's
                    # non-BLAS matmul walks columns (see module note)
                    np.einsum("ok,nkt->not", wg, buf[:m, :, :T], out=o)
                else:
                    np.matmul(wg, buf[:m, :, :T], out=o)
                if bg is not None:
                    o += bg
    return out


def conv2d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> np.ndarray:
    """2-D cross-correlation, as ``torch.nn.functional.conv2d`` / ``nn.Conv2d``.

    No kernel flip (use :func:`flip_kernel` for a true convolution).

    Parameters
    ----------
    x : array_like, shape (H, W), (C_in, H, W) or (N, C_in, H, W)
        ``(H, W)`` is one channel.
    weight : array_like, shape (C_out, C_in // groups, kH, kW) or (kH, kW)
        ``(kH, kW)`` is one filter over one channel, i.e. ``(1, 1, kH, kW)``.
        Cast to ``x``'s dtype.
    bias : array_like, shape (C_out,), optional
    stride : int or (int, int)
        >= 1.
    padding : int, (int, int), "valid" or "same"
        ``(pH, pW)`` pads top/bottom by pH and left/right by pW.  "same"
        needs stride 1 and pads ``dilation*(k-1)`` in total, the odd cell of
        an even kernel at the bottom/right (torch's rule).
    dilation : int or (int, int)
        >= 1.
    groups : int
        C_in and C_out must both be divisible by it; ``groups == C_in`` is a
        depthwise convolution.
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
        How the padding is filled; as ``nn.Conv2d`` does, the input is padded
        with this mode first and then convolved without padding.

    Returns
    -------
    numpy.ndarray
        ``(C_out, H', W')`` for 2-D or 3-D ``x``, ``(N, C_out, H', W')`` for
        4-D ``x``, in ``x``'s float dtype;
        ``H' = conv_output_size(H, kH, stride, padding, dilation)``.

    Raises
    ------
    ValueError
        Wrong ndim, channel/group mismatch, bad bias shape, stride or dilation
        < 1, negative padding, unknown padding string or mode, "same" with
        stride > 1, kernel larger than the padded input, reflect/circular
        padding larger than the input.
    TypeError
        Non-integer stride/padding/dilation/groups, non-real dtypes.
    """
    x = as_float_array(x, "x")
    if x.ndim not in (2, 3, 4):
        raise _image_ndim_error("x", x.shape)
    w = as_float_array(weight, "weight")
    if w.ndim == 2:
        w = w[None, None]
    elif w.ndim != 4:
        raise ValueError(
            f"weight must have shape (C_out, C_in // groups, kH, kW) or (kH, kW), got shape {w.shape}"
        )
    # compute in x's dtype: a float32 image stays float32 even with float64 weights
    w = w.astype(x.dtype, copy=False)
    x4 = x if x.ndim == 4 else x[None] if x.ndim == 3 else x[None, None]
    N, C_in, H, W = x4.shape
    C_out, Cg, kH, kW = w.shape

    groups = validate.integer(groups, "groups", 1)
    if C_out % groups:
        raise ValueError(f"out channels (weight.shape[0] = {C_out}) must be divisible by groups = {groups}")
    if C_in != Cg * groups:
        raise ValueError(
            f"x has {C_in} channels but weight expects weight.shape[1] * groups = {Cg} * {groups} = {Cg * groups}"
        )
    b = None
    if bias is not None:
        b = as_float_array(bias, "bias").astype(x.dtype, copy=False)
        if b.shape != (C_out,):
            raise ValueError(f"bias must have shape ({C_out},) to match weight, got shape {b.shape}")

    s = validate.pair(stride, "stride", 1)
    d = validate.pair(dilation, "dilation", 1)
    padding_mode = validate.choice(padding_mode, PADDING_MODES, "padding_mode")
    (pt, pb), (pl, pr) = resolve_conv_padding(padding, (kH, kW), s, d)

    Ho = conv_output_geometry(H, kH, s[0], (pt, pb), d[0]).size
    Wo = conv_output_geometry(W, kW, s[1], (pl, pr), d[1]).size

    mode = conv_pad_mode(padding_mode)
    lrtb = (pl, pr, pt, pb)
    check_pad_fits(x4.shape, lrtb, mode)
    xp = _pad_array(x4, lrtb, mode)
    out = _conv2d_core(xp, w, b, s, d, Ho, Wo, groups)
    return out if x.ndim == 4 else out[0]


def flip_kernel(w: Any) -> np.ndarray:
    """Flip a kernel on its last two axes (rows and columns).

    True convolution is cross-correlation with the flipped kernel:
    ``conv2d(x, flip_kernel(w))`` equals ``scipy.signal.convolve2d`` (mode
    "valid") for one channel.

    Parameters
    ----------
    w : array_like, shape (..., kH, kW)
        At least 2-D.

    Returns
    -------
    numpy.ndarray, same shape and float dtype as ``w``
        A new contiguous array.
    """
    w = as_float_array(w, "w")
    if w.ndim < 2:
        raise ValueError(f"w must have at least 2 dimensions (kH, kW), got shape {w.shape}")
    return np.ascontiguousarray(w[..., ::-1, ::-1])


# ---------------------------------------------------------------------------
# transposed convolution
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class TransposedGeometry(_Fields):
    """Output size of a transposed convolution along one axis, with the working.

    Attributes
    ----------
    size : int
        ``(n − 1)·stride − 2·padding + dilation·(kernel_size − 1) + output_padding + 1``.
    formula : str
        That formula with the numbers substituted, e.g.
        ``"(3 − 1)·2 − 2·1 + 1·(3 − 1) + 1 + 1 = 6"``.
    spread : int
        ``(n − 1)·stride + 1``: the input with ``stride − 1`` zeros between its cells.
    border : int
        ``dilation·(kernel_size − 1) − padding``: the zeros on each side of the spread
        input in the equivalent direct convolution (stride 1, flipped kernel); negative
        when the padding crops more than that. ``output_padding`` more zeros go after
        (bottom/right).
    n, kernel_size, stride, padding, output_padding, dilation : int
        The inputs, normalised.
    """

    size: int
    formula: str
    spread: int
    border: int
    n: int
    kernel_size: int
    stride: int
    padding: int
    output_padding: int
    dilation: int


def conv_transpose_output_geometry(
    n: int,
    kernel_size: int,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
    dilation: int = 1,
) -> TransposedGeometry:
    """Output size of a transposed convolution along one axis, with the working.

    The one place this formula lives (:func:`conv_transpose2d` calls it).

    Parameters
    ----------
    n : int
        Input length along the axis (>= 1).
    kernel_size : int
        Kernel length (>= 1).
    stride : int
        >= 1.
    padding : int
        >= 0: cells removed from each end of the full output.
    output_padding : int
        >= 0 and smaller than ``stride`` or smaller than ``dilation`` (torch's rule):
        cells added at the end, to choose among the input sizes a stride-``stride``
        convolution maps to the same ``n``.
    dilation : int
        Spacing of kernel taps (>= 1).

    Returns
    -------
    TransposedGeometry

    Raises
    ------
    TypeError
        Non-integer arguments.
    ValueError
        Out-of-range arguments, or an output size below 1.
    """
    n = validate.integer(n, "input size", 1)
    k = validate.integer(kernel_size, "kernel_size", 1)
    s = validate.integer(stride, "stride", 1)
    p = validate.integer(padding, "padding", 0)
    op = validate.integer(output_padding, "output_padding", 0)
    d = validate.integer(dilation, "dilation", 1)
    if op >= s and op >= d:
        raise ValueError(
            f"output_padding must be smaller than stride or dilation, got output_padding {op} "
            f"with stride {s} and dilation {d}"
        )
    size = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
    formula = f"({n} − 1)·{s} − 2·{p} + {d}·({k} − 1) + {op} + 1 = {size}"
    if size < 1:
        raise ValueError(f"padding {p} is too large: the output size would be {formula}, less than 1")
    return TransposedGeometry(size=size, formula=formula, spread=(n - 1) * s + 1, border=d * (k - 1) - p, n=n,
                              kernel_size=k, stride=s, padding=p, output_padding=op, dilation=d)


def conv_transpose_output_size(
    n: int,
    kernel_size: int,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
    dilation: int = 1,
) -> int:
    """Number of output positions along one axis (see :func:`conv_transpose_output_geometry`)."""
    return conv_transpose_output_geometry(n, kernel_size, stride, padding, output_padding, dilation).size


def conv_transpose2d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    output_padding: int | tuple[int, int] = 0,
    groups: int = 1,
    dilation: int | tuple[int, int] = 1,
) -> np.ndarray:
    """2-D transposed convolution, as ``torch.nn.functional.conv_transpose2d``.

    Each input cell stamps the kernel, scaled by its value, onto the output, the stamps
    ``stride`` cells apart and added where they overlap:
    ``out[n, co, i·s − p + ki·d, j·s − p + kj·d] += x[n, ci, i, j] · w[ci, co', ki, kj]``
    (``co`` in the group of ``ci``). It is the gradient of :func:`conv2d` with respect
    to its input, and equals a stride-1 convolution of the input spread out with
    ``stride − 1`` zeros between its cells and ``dilation·(k − 1) − padding`` zeros
    around it, with the flipped kernel (see :class:`TransposedGeometry`).

    Parameters
    ----------
    x : array_like, shape (C_in, H, W) or (N, C_in, H, W)
    weight : array_like, shape (C_in, C_out // groups, kH, kW)
        Note the order: input channels first (torch's layout for transposed
        convolution, the transpose of conv2d's). Cast to ``x``'s dtype.
    bias : array_like, shape (C_out,), optional
    stride : int or (int, int)
        >= 1.
    padding : int or (int, int)
        >= 0: rows/cols removed from each side of the full output.
    output_padding : int or (int, int)
        >= 0, per axis smaller than the stride or the dilation: rows/cols added at the
        bottom/right.
    groups : int
        C_in must be divisible by it; C_out is ``groups · weight.shape[1]``.
    dilation : int or (int, int)
        >= 1.

    Returns
    -------
    numpy.ndarray
        ``(C_out, H', W')`` for 3-D ``x``, ``(N, C_out, H', W')`` for 4-D ``x``, in
        ``x``'s float dtype (float32 stays float32);
        ``H' = (H − 1)·stride − 2·padding + dilation·(kH − 1) + output_padding + 1``
        (:func:`conv_transpose_output_size`).

    Raises
    ------
    ValueError
        Wrong ndim, channel/group mismatch, bad bias shape, stride or dilation < 1,
        negative padding or output_padding, output_padding not smaller than stride or
        dilation, an output size below 1.
    TypeError
        Non-integer stride/padding/output_padding/dilation/groups, non-real dtypes.

    Notes
    -----
    One matrix product gives every (input cell, output channel, tap) product at once,
    ``(C_out/g·kH·kW, C_in/g) @ (C_in/g, H·W)`` per group; then each of the kH·kW taps
    is added into a strided slice of the full (uncropped) output, and the padding is
    cropped off. No loop runs per pixel.
    """
    x = as_float_array(x, "x")
    if x.ndim not in (3, 4):
        raise ValueError(f"x must have 3 or 4 dimensions ((C_in, H, W) or (N, C_in, H, W)), got shape {x.shape}")
    w = as_float_array(weight, "weight")
    if w.ndim != 4:
        raise ValueError(f"weight must have shape (C_in, C_out // groups, kH, kW), got shape {w.shape}")
    w = w.astype(x.dtype, copy=False)
    x4 = x if x.ndim == 4 else x[None]
    N, C_in, H, W = x4.shape
    Cw, Og, kH, kW = w.shape
    groups = validate.integer(groups, "groups", 1)
    if Cw != C_in:
        raise ValueError(f"x has {C_in} channels but weight.shape[0] is {Cw}: the weight of a transposed "
                         "convolution is (C_in, C_out // groups, kH, kW)")
    if C_in % groups:
        raise ValueError(f"in channels ({C_in}) must be divisible by groups = {groups}")
    C_out = Og * groups
    b = None
    if bias is not None:
        b = as_float_array(bias, "bias").astype(x.dtype, copy=False)
        if b.shape != (C_out,):
            raise ValueError(f"bias must have shape ({C_out},) to match weight and groups, got shape {b.shape}")
    s = validate.pair(stride, "stride", 1)
    p = validate.pair(padding, "padding", 0)
    op = validate.pair(output_padding, "output_padding", 0)
    d = validate.pair(dilation, "dilation", 1)
    gh = conv_transpose_output_geometry(H, kH, s[0], p[0], op[0], d[0])
    gw = conv_transpose_output_geometry(W, kW, s[1], p[1], op[1], d[1])

    G, Cg = groups, C_in // groups
    # every product at once: (G, Og·kH·kW, Cg) @ (N, G, Cg, H·W) -> (N, G, Og·kH·kW, H·W)
    wt = w.reshape(G, Cg, Og * kH * kW).transpose(0, 2, 1)
    taps = np.matmul(wt, x4.reshape(N, G, Cg, H * W)).reshape(N, C_out, kH, kW, H, W)
    # the full output before the padding is cropped: p + H' + p rows (output_padding included)
    full = np.zeros((N, C_out, gh.size + 2 * p[0], gw.size + 2 * p[1]), dtype=x.dtype)
    for i in range(kH):
        rows = slice(i * d[0], i * d[0] + (H - 1) * s[0] + 1, s[0])
        for j in range(kW):
            full[:, :, rows, j * d[1] : j * d[1] + (W - 1) * s[1] + 1 : s[1]] += taps[:, :, i, j]
    out = np.ascontiguousarray(full[:, :, p[0] : p[0] + gh.size, p[1] : p[1] + gw.size])
    if b is not None:
        out += b[:, None, None]
    return out if x.ndim == 4 else out[0]


# ---------------------------------------------------------------------------
# pooling
# ---------------------------------------------------------------------------


def _pool_args(kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: Any):
    k = validate.pair(kernel_size, "kernel_size", 1)
    if stride is None:
        s = k
    else:
        s = validate.pair(stride, "stride", 1)
    p = validate.pair(padding, "padding", 0)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(
            f"padding must be at most half the window: the window is {validate.pair_text(k)} and the padding "
            f"{validate.pair_text(p)}"
        )
    d = validate.pair(dilation, "dilation", 1)
    ceil_mode = validate.boolean(ceil_mode, "ceil_mode")
    return k, s, p, d, ceil_mode


def _as_pool_input(x: Any) -> tuple[np.ndarray, int]:
    x = as_float_array(x, "x")
    if x.ndim not in (2, 3, 4):
        raise _image_ndim_error("x", x.shape)
    x4 = x if x.ndim == 4 else x[None] if x.ndim == 3 else x[None, None]
    return x4, x.ndim


def _restore_layout(out: np.ndarray, ndim: int) -> np.ndarray:
    return out if ndim == 4 else out[0] if ndim == 3 else out[0, 0]


def _pool_reduce(x4: np.ndarray, k, s, p, d, geo_h: ConvGeometry, geo_w: ConvGeometry, fill: float,
                 combine) -> np.ndarray:
    """Reduce every pooling window of ``x4`` with the binary ``ufunc``.

    Parameters
    ----------
    x4 : ndarray, shape (N, C, H, W)
    k, s, p, d : (int, int)
        Kernel size, stride, padding, dilation.
    geo_h, geo_w : ConvGeometry
        Output geometry along H and W.
    fill : float
        Value read at cells outside the input (padding and ceil_mode's
        overhang): -inf for max, 0 for sum.
    combine : callable ``(a, b, out) -> array``
        Combines two taps, into ``out`` when it is an array (it may also return a new
        one) or into a new array when ``out`` is None; associative and commutative,
        e.g. :func:`_add_into`, :func:`_max_into`.

    Returns
    -------
    ndarray, shape (N, C, H', W')

    Notes
    -----
    The window is separable: reduce the taps along one axis, then along the
    other: kW-1 + kH-1 whole-array ufunc calls instead of kH*kW-1, each over a
    strided view, never a per-pixel loop. Which axis goes first is the pool order
    (:func:`compute_paths`); the first two taps are combined straight into a new
    array rather than the first copied. Measured in Pyodide (2x2 on 8x512x512, best
    of 30 interleaved runs, ms): max 3.7 width first / 4.4 height first, avg 1.5 /
    2.0 (the copy of the first tap made avg 2.2); CPython is fastest width first too,
    so "auto" is width first everywhere and the other order stays for measuring.
    """
    Ho, Wo = geo_h.size, geo_w.size
    N, C, H, W = x4.shape
    # the region of padded coordinates the windows touch: [0, covered)
    need_h = (Ho - 1) * s[0] + geo_h.span
    need_w = (Wo - 1) * s[1] + geo_w.span
    if p == (0, 0) and need_h <= H and need_w <= W:
        src = x4  # windows stay inside the input: no copy
    else:
        src = np.full((N, C, need_h, need_w), fill, dtype=x4.dtype)
        h = min(H, need_h - p[0])
        w_ = min(W, need_w - p[1])
        src[:, :, p[0] : p[0] + h, p[1] : p[1] + w_] = x4[:, :, :h, :w_]
    order = _PATHS["pool"]
    if order == "auto":
        order = "cols_first"
    col_views = [(lambda a, j=j: a[:, :, :, j * d[1] : j * d[1] + (Wo - 1) * s[1] + 1 : s[1]])
                 for j in range(k[1])]
    row_views = [(lambda a, i=i: a[:, :, i * d[0] : i * d[0] + (Ho - 1) * s[0] + 1 : s[0]])
                 for i in range(k[0])]
    if order == "cols_first":
        # the width taps first (at output width, full height), then the height taps
        return _fold(combine, row_views, _fold(combine, col_views, src[:, :, :need_h]))
    if order == "rows_first":
        # the height taps first, over whole rows (contiguous), then the width taps
        return _fold(combine, col_views, _fold(combine, row_views, src[:, :, :, :need_w]))
    raise ValueError(f"pool order must be one of {POOL_ORDERS}, got {order!r}")


def _fold(combine, views, a: np.ndarray) -> np.ndarray:
    """Combine the views of ``a`` into a new array: the first two taps straight into it
    (no copy of the first), the others folded in place."""
    if len(views) == 1:
        return views[0](a).copy()
    acc = combine(views[0](a), views[1](a), None)
    for view in views[2:]:
        acc = combine(acc, view(a), acc)
    return acc


def _add_into(a: np.ndarray, b: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    return np.add(a, b, out=out)


def _max_into(a: np.ndarray, b: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    # np.maximum propagates NaN, as torch does.
    return np.maximum(a, b, out=out)


def _max_into_no_nan(a: np.ndarray, b: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    # Only for inputs without NaN (np.where would drop a NaN in `b`).
    # Without SIMD (Pyodide) a select is 5x faster than np.maximum; see module note.
    if _NO_BLAS_NO_SIMD:
        return np.where(b > a, b, a)
    return np.maximum(a, b, out=out)


def max_pool2d(
    x: Any,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
    ceil_mode: bool = False,
) -> np.ndarray:
    """2-D max pooling, as ``torch.nn.functional.max_pool2d``.

    Parameters
    ----------
    x : array_like, shape (H, W), (C, H, W) or (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int)
        Implicit -inf padding on both sides; at most ``kernel_size // 2``.
    dilation : int or (int, int)
    ceil_mode : bool
        Round the output size up; a last window that would start in the right
        padding is dropped (torch's rule).

    Returns
    -------
    numpy.ndarray
        Same layout and float dtype as ``x``: ``(H', W')``, ``(C, H', W')`` or
        ``(N, C, H', W')``.  A window containing NaN gives NaN (as torch).
    """
    x4, ndim = _as_pool_input(x)
    k, s, p, d, ceil_mode = _pool_args(kernel_size, stride, padding, dilation, ceil_mode)
    N, C, H, W = x4.shape
    gh = conv_output_geometry(H, k[0], s[0], p[0], d[0], ceil_mode)
    gw = conv_output_geometry(W, k[1], s[1], p[1], d[1], ceil_mode)
    # The select-based max is faster in Pyodide but would drop NaN, so it is only
    # used when the input has none; the check is one cheap sum (an inf or an
    # overflowing sum just takes the exact path).
    no_nan = bool(np.isfinite(np.add.reduce(x4, axis=None)))
    out = _pool_reduce(x4, k, s, p, d, gh, gw, -np.inf, _max_into_no_nan if no_nan else _max_into)
    return _restore_layout(out, ndim)


def avg_pool2d(
    x: Any,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> np.ndarray:
    """2-D average pooling, as ``torch.nn.functional.avg_pool2d``.

    Parameters
    ----------
    x : array_like, shape (H, W), (C, H, W) or (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int)
        Implicit zero padding on both sides; at most ``kernel_size // 2``.
    ceil_mode : bool
        Round the output size up (torch's rule, see :func:`max_pool2d`).
    count_include_pad : bool
        True: divide by the window's cells inside the padded input (padding
        counts, ceil_mode's overhang past the padding does not). False: divide
        by the number of real input cells in the window.

    Returns
    -------
    numpy.ndarray
        Same layout and float dtype as ``x``: ``(H', W')``, ``(C, H', W')`` or
        ``(N, C, H', W')``.
    """
    x4, ndim = _as_pool_input(x)
    k, s, p, _, ceil_mode = _pool_args(kernel_size, stride, padding, 1, ceil_mode)
    count_include_pad = validate.boolean(count_include_pad, "count_include_pad")
    N, C, H, W = x4.shape
    gh = conv_output_geometry(H, k[0], s[0], p[0], 1, ceil_mode)
    gw = conv_output_geometry(W, k[1], s[1], p[1], 1, ceil_mode)
    out = _pool_reduce(x4, k, s, p, (1, 1), gh, gw, 0.0, _add_into)

    if p == (0, 0) and gh.overhang == 0 and gw.overhang == 0:
        out /= k[0] * k[1]  # every window is full
    else:
        divisor = np.outer(
            pool_window_counts(H, k[0], s[0], p[0], gh.size, count_include_pad),
            pool_window_counts(W, k[1], s[1], p[1], gw.size, count_include_pad),
        )
        out /= divisor.astype(x4.dtype)
    return _restore_layout(out, ndim)


def pool_window_counts(n: int, k: int, s: int, p: int, size: int, include_pad: bool) -> np.ndarray:
    """Cells each window counts along one axis (torch's avg_pool2d divisor).

    Returns
    -------
    ndarray of int, shape (size,)
    """
    start = np.arange(size) * s - p
    if include_pad:
        # padding counts, but the overhang past the padded border does not
        return np.minimum(start + k, n + p) - start
    return np.minimum(start + k, n) - np.maximum(start, 0)


# ---------------------------------------------------------------------------
# activations
# ---------------------------------------------------------------------------


def relu(x: Any) -> np.ndarray:
    """``max(x, 0)`` elementwise (NaN stays NaN).

    Parameters
    ----------
    x : array_like, any shape

    Returns
    -------
    numpy.ndarray, same shape and float dtype as ``x``
    """
    x = as_float_array(x, "x")
    zero = x.dtype.type(0)
    if _NO_BLAS_NO_SIMD:
        # a select is ~4x faster than np.maximum without SIMD; NaN < 0 is False,
        # so NaN stays NaN (see module note)
        return np.where(x < zero, zero, x)
    return np.maximum(x, zero)


def sigmoid(x: Any) -> np.ndarray:
    """``1 / (1 + exp(-x))`` elementwise, without overflow for large ``|x|``.

    Parameters
    ----------
    x : array_like, any shape

    Returns
    -------
    numpy.ndarray, same shape and float dtype as ``x``
    """
    x = as_float_array(x, "x")
    # exp(-|x|) is in [0, 1]: never overflows; it may underflow to 0, which
    # is the right limit, so keep a caller's np.errstate(all="raise") quiet
    with np.errstate(under="ignore"):
        z = np.exp(-np.abs(x))
        out = 1.0 / (1.0 + z)
        # for x < 0, sigmoid(x) = exp(x) / (1 + exp(x)) = z / (1 + z)
        np.multiply(out, z, out=out, where=x < 0)
    return out.astype(x.dtype, copy=False)


def tanh(x: Any) -> np.ndarray:
    """Hyperbolic tangent elementwise.

    Parameters
    ----------
    x : array_like, any shape

    Returns
    -------
    numpy.ndarray, same shape and float dtype as ``x``
    """
    return np.tanh(as_float_array(x, "x"))


def leaky_relu(x: Any, negative_slope: float = 0.01) -> np.ndarray:
    """``x`` where ``x > 0``, else ``negative_slope * x`` (as torch).

    Parameters
    ----------
    x : array_like, any shape
    negative_slope : float

    Returns
    -------
    numpy.ndarray, same shape and float dtype as ``x``
    """
    x = as_float_array(x, "x")
    slope = x.dtype.type(validate.real(negative_slope, "negative_slope"))
    return np.where(x > 0, x, x * slope)


def softmax(x: Any, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``, stable for large inputs (the max is subtracted).

    Parameters
    ----------
    x : array_like, at least 1-D
    axis : int

    Returns
    -------
    numpy.ndarray, same shape and float dtype as ``x``; sums to 1 along ``axis``
    """
    x = as_float_array(x, "x")
    if not validate.is_int(axis):
        raise TypeError(f"axis must be an int, got {axis!r}")
    if x.ndim == 0 or not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis {axis} is out of range for an array of shape {x.shape}")
    # after subtracting the max every exponent is <= 0: no overflow; tiny
    # terms may underflow to 0, which is harmless
    with np.errstate(under="ignore"):
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
        e /= np.sum(e, axis=axis, keepdims=True)
    return e


def activate(x: Any, name: str, negative_slope: float = 0.01) -> np.ndarray:
    """Apply the activation named ``name`` (one of :data:`ACTIVATIONS`).

    Parameters
    ----------
    x : array_like, any shape
    name : {"none", "relu", "leaky_relu", "sigmoid", "tanh"}
    negative_slope : float
        For "leaky_relu".

    Returns
    -------
    numpy.ndarray, same shape as ``x`` ("none" returns ``x`` as a float array)
    """
    if name == "none":
        return as_float_array(x, "x")
    if name == "relu":
        return relu(x)
    if name == "leaky_relu":
        return leaky_relu(x, negative_slope=negative_slope)
    if name == "sigmoid":
        return sigmoid(x)
    if name == "tanh":
        return tanh(x)
    raise ValueError(f"unknown activation {name!r}; valid: {', '.join(ACTIVATIONS)}")
