"""The explorers (second tab): every step of a sliding window, computed at once.

Each public function is ``f(image, params)``: ``image`` is the page's current image,
an ndarray (3, H, W) float32 in [0, 1], or None; ``params`` a dict of settings. Each
returns ``{"meta": dict, "arrays": {name: float32 ndarray}}`` (see each docstring for
the names and shapes; meta refers to arrays by name).

The stepping explorers compute *all* window positions in one vectorized pass
(windows ``(P, kh, kw)``, products, sums, outputs), so the page animates them
without a round trip per step. Output sizes always come from
:func:`pycore.ops.conv_output_geometry`, the one place that formula lives.

multiply_sum        two small matrices -> elementwise products and their sum
window_steps        the sliding window: windows, products, sums, bias, activation
pool_steps          a pooling window: windows, values, overlap, leftovers
padded_view         one input padded in each mode; the "same" rule with numbers
receptive_field     input regions of every pixel of a conv/pool stack
flip_compare        cross-correlation against true convolution (flipped kernel)
rgb_filter          a 3-D filter over RGB: per-channel partial sums, bias, total
param_counts        fully connected weights against convolution weights

Helpers the tests use directly: :func:`digit`, :func:`notebook_random_filter`,
:func:`stack_from_params`, :func:`stack_kernel`.
"""

from __future__ import annotations

import math
from contextlib import contextmanager

import numpy as np

from .. import image as img
from .. import kernels, network, ops, windows
from . import params as P

__all__ = [
    "DIGITS", "SOURCES", "SCALES", "STEP_GRID_MAX", "VIEW_GRID_MAX", "MAX_EXPLORER_KERNEL", "MAX_PAD",
    "MAX_SEED", "MAX_LAYERS", "STACK_LIMITS", "SLIDING_LIMITS", "POOLING_LIMITS", "PADDING_LIMITS",
    "PARAM_COUNT_LIMITS", "PREFILTERS", "RGB_PRESETS", "DEFAULT_STACK", "digit", "notebook_random_filter",
    "stack_from_params", "stack_kernel", "multiply_sum", "window_steps", "pool_steps", "padded_view",
    "receptive_field", "flip_compare", "rgb_filter", "param_counts",
]

SOURCES = ("random", "digit", "image")
CHANNELS_RGB = ("rgb", *img.CHANNELS)
STEP_GRID_MAX = 32  # the stepping explorers (sliding window, pooling)
VIEW_GRID_MAX = 64  # the others
SCALES = (1, 2, 4, 8, 16, 32)
MAX_EXPLORER_KERNEL = 7
MAX_PAD = 8
MAX_SEED = 2**31 - 1
# the receptive field's stack: at most this many layers, each within these limits
MAX_LAYERS = 8
STACK_LIMITS = {"kernel_size": 11, "stride": 8, "dilation": 4, "padding": 16}
# each explorer's largest settings (the smallest is 1, or 0 for padding)
SLIDING_LIMITS = {"kernel_size": MAX_EXPLORER_KERNEL, "stride": 8, "dilation": 4, "padding": MAX_PAD}
POOLING_LIMITS = {"window": 8, "stride": 8}
PADDING_LIMITS = {"padding": MAX_PAD, "kernel_size": 11, "dilation": 4}
PARAM_COUNT_LIMITS = {"height": 100_000, "width": 100_000, "channels": 4096, "filters": 100_000,
                      "kernel_size": 1000, "neurons": 100_000}


@contextmanager
def _within(prefix: str):
    """Tie a problem raised inside to a control of the nested setting ``prefix`` (the page's
    settings key): a problem tied to its own ``key`` becomes ``prefix.key``, an untied one
    ``prefix`` (so "size" inside the kernel's settings is "kernel.size", not the grid size)."""
    try:
        yield
    except (ValueError, TypeError) as error:
        inner = getattr(error, "field", None)
        error.field = f"{prefix}.{inner}" if inner else prefix
        raise


def _vrange(a):
    return img.value_range(np.asarray(a, dtype=np.float64))


def _ranges(**named) -> dict:
    """``{"ranges": {name: [lo, hi]}, "nonfinite": {name: counts}}`` of the named arrays:
    finite-only ranges (None when nothing is finite) and the cells that are not."""
    return {"ranges": {k: _vrange(a) for k, a in named.items()},
            "nonfinite": {k: img.nonfinite(a) for k, a in named.items()}}


def _range(a) -> dict:
    """``{"range": [lo, hi], "nonfinite": counts}`` of one array (see :func:`_ranges`)."""
    return {"range": _vrange(a), "nonfinite": img.nonfinite(a)}


def _pad(x, rows, cols, mode):
    """Pad (..., H, W) by ((top, bottom), (left, right)) in a conv padding mode."""
    return ops.pad(x, (cols[0], cols[1], rows[0], rows[1]), ops.conv_pad_mode(mode))


# --------------------------------------------------------------------------- digits

# Ten hand-drawn 8x8 digits (0-4 ink levels), like the 8x8 handwritten-digit set the
# notebook mentions; drawn here so nothing is downloaded.
_DIGIT_ROWS = {
    0: ["..2442..", ".34..43.", ".4....4.", "34....43", "34....43", ".4....4.", ".34..43.", "..2442.."],
    1: ["...24...", "..344...", ".3.44...", "...44...", "...44...", "...44...", "...44...", ".244442."],
    2: ["..3443..", ".43..34.", "......4.", ".....43.", "...343..", "..34....", ".43.....", ".444444."],
    3: [".34443..", "4....34.", "......4.", "...443..", ".....34.", "......4.", "4....34.", ".34443.."],
    4: [".....4..", "....44..", "...4.4..", "..4..4..", ".4...4..", "4444444.", ".....4..", ".....4.."],
    5: [".444444.", ".4......", ".4......", ".44443..", ".....34.", "......4.", ".4...34.", "..4443.."],
    6: ["...343..", "..4.....", ".4......", ".4.343..", ".43..34.", ".4....4.", ".34..43.", "..3443.."],
    7: [".444444.", "......4.", ".....4..", "....43..", "...34...", "...4....", "..34....", "..4....."],
    8: ["..3443..", ".4....4.", ".4....4.", "..3443..", ".43..34.", ".4....4.", ".43..34.", "..3443.."],
    9: ["..3443..", ".43..34.", ".4....4.", ".34..344", "..343.4.", "......4.", ".....4..", "..343..."],
}
DIGITS = {
    d: np.array([[0 if ch == "." else int(ch) for ch in row] for row in rows], dtype=np.float64) / 4.0
    for d, rows in _DIGIT_ROWS.items()
}


def digit(d: int) -> np.ndarray:
    """An 8x8 bitmap of the digit ``d`` (0-9), ink in [0, 1], background 0."""
    return DIGITS[int(d)].copy()


# --------------------------------------------------------------------------- inputs


def _source(image, params, max_size, rgb=False, digits=True):
    """The explorer's input grid from the ``source`` control.

    Returns (x, meta): x is (H, W) float64, or (3, H, W) when ``rgb``. ``digits``:
    whether the explorer offers digits (for the advice when the image is too small).
    """
    src = P.choice(params, "source", "random", SOURCES, "input")
    meta = {"source": src}
    if src == "random":
        n = P.integer(params, "size", 10, "grid size", 2, max_size)
        seed = P.integer(params, "seed", 0, "seed", 0, MAX_SEED)
        rng = np.random.default_rng(seed)
        # the notebook's toy image: uniform values in [0, 1)
        x = rng.random((3, n, n)) if rgb else rng.random((n, n))
        meta.update(seed=seed, size=n)
    elif src == "digit":
        d = P.integer(params, "digit", 3, "digit", 0, 9)
        x = digit(d)
        if rgb:
            x = np.stack([x, x, x])
        meta.update(digit=d, size=8)
    elif src == "image":
        if image is None:
            raise P.problem("the input “your image” needs an image first: choose one, drop one, or use the "
                            "sample photo in the “Convolution & pooling” tab", "source")
        _, h, w = np.shape(image)
        n = P.integer(params, "size", 16, "grid size", 2, max_size)
        scale = P.integer(params, "scale", 1, "zoom out", minimum=1)
        if scale not in SCALES:
            raise P.problem(f"zoom out must be one of {', '.join(map(str, SCALES))}; got {P.shown(scale)}", "scale")
        side = n * scale
        if side > h or side > w:
            raise P.problem(_crop_error(n, scale, h, w, digits), "size")
        row = min(max(P.integer(params, "row", 0, "crop row", minimum=0), 0), h - side)
        col = min(max(P.integer(params, "col", 0, "crop column", minimum=0), 0), w - side)
        channels = CHANNELS_RGB if rgb else img.CHANNELS
        channel = P.choice(params, "channel", "rgb" if rgb else "gray", channels, "channel")
        cells = img.block_cells(image, row, col, n, scale)  # block means, (3, n, n)
        if channel == "rgb":
            x = cells
        else:
            x = img.input_plane(cells.astype(np.float32), channel)[0].astype(np.float64)
            x = np.stack([x, x, x]) if rgb else x
        meta.update(size=n, scale=scale, row=row, col=col, channel=channel, image=[h, w])
    else:
        raise P.problem(f"the input must be a random grid, a digit or your image; got {P.shown(src)}", "source")
    x = np.ascontiguousarray(x, dtype=np.float64)
    meta["shape"] = list(x.shape[-2:])
    return x, meta


def _crop_error(n, scale, h, w, digits=True):
    """Why an n×n crop of scale×scale blocks does not fit an h×w image, and what helps.

    Sizes of images are given as width × height, and said so.
    """
    size = f"{w}×{h} pixels (width × height)"
    other = "a random grid or a digit" if digits else "a random grid"
    if min(h, w) < 2:
        return (f"your image is {size}: too small for a crop, which needs at least 2×2 pixels; "
                f"choose {other} as the input instead")
    fits = min(h, w) // scale  # the largest grid size at this zoom-out
    advice = []
    if fits >= 2:
        advice.append(f"a grid size of at most {fits}")
    if scale > 1:
        best = max(s for s in SCALES if s * n <= min(h, w)) if n <= min(h, w) else None
        if best == 1:
            advice.append("set zoom out to none")
        else:
            advice.append(f"zoom out less ({best}×{best} px → 1 fits)" if best else "zoom out less")
    crop = f"{n}×{n} cells of {scale}×{scale} px = {n * scale}×{n * scale} pixels" if scale > 1 else f"{n}×{n} pixels"
    return f"the crop is {crop}, larger than your image of {size}: choose " + " or ".join(advice)


def _kernel(params, key="kernel", default="edge", label="kernel"):
    """A kernel from ``{"preset", "size", "seed"}`` or ``{"rows", "cols", "values"}``.

    A problem is tied to the control ``key`` (``key.size``, ``key.preset``, ... when it is
    one of the preset's settings). Returns (kernel (k, k) float64, meta).
    """
    with _within(key):
        spec = P.plain(P.get(params, key, {})) or {}
        if not isinstance(spec, dict):
            raise TypeError(f"the {label} must be a preset or a grid of numbers")
        if "values" in spec and spec.get("values") is not None:
            return P.matrix(spec, label, MAX_EXPLORER_KERNEL), {"preset": None}
        name = P.get(spec, "preset", default)
        if name not in kernels.KERNELS:
            raise P.problem(f"{label} preset {P.shown(name)} is not one of pycore's kernels; choose one from the list",
                            "preset")
        size = P.integer(spec, "size", kernels.KERNELS[name].default_size, f"{label} size", 1, MAX_EXPLORER_KERNEL)
        seed = P.integer(spec, "seed", 0, f"{label} seed", 0, MAX_SEED)
        try:
            k = kernels.get_kernel(name, size=size, seed=seed)
        except ValueError as e:
            raise P.problem(f"{label}: {e}", "size") from None
        return k, {"preset": name, "size": size, "seed": seed}


def _conv_pads(params, k, dilation, stride):
    """Padding control -> ((top, bottom), (left, right)) and its description."""
    pad = P.padding(params, "padding", "padding", MAX_PAD)
    if pad == "same":
        if stride != 1:
            raise P.problem("padding “same” needs stride 1 (the output can only match the input at stride 1); "
                            f"the stride is {stride}", "padding")
        rows = ops.same_padding(k.shape[0], dilation)
        cols = ops.same_padding(k.shape[1], dilation)
    else:
        p = 0 if pad == "valid" else pad
        rows = cols = (p, p)
    return rows, cols, pad


# --------------------------------------------------------------------------- multiply and sum


def multiply_sum(image, params) -> dict:
    """Elementwise products of two equal-size matrices and their sum.

    params: ``a`` and ``b`` as ``{rows, cols, values}``. The defaults are the
    notebook's 1..9 and 9..1, whose sum of products is 165.

    Returns meta ``{"shape", "sum"}`` and arrays ``a``, ``b``, ``products``, each
    (rows, cols).
    """
    params = P.settings(params, "multiply_sum")
    default_a = {"rows": 3, "cols": 3, "values": list(range(1, 10))}
    default_b = {"rows": 3, "cols": 3, "values": list(range(9, 0, -1))}
    with _within("a"):
        a = P.matrix(P.get(params, "a", default_a), "matrix A", MAX_EXPLORER_KERNEL)
    with _within("b"):
        b = P.matrix(P.get(params, "b", default_b), "matrix B", MAX_EXPLORER_KERNEL)
    if a.shape != b.shape:
        raise P.problem(f"matrix A is {a.shape[0]}×{a.shape[1]} but matrix B is {b.shape[0]}×{b.shape[1]}: "
                        "they must match", "b")
    products = a * b
    total = float(products.sum())
    meta = {"shape": list(a.shape), "sum": total}
    return P.result(meta, {"a": a, "b": b, "products": products})


# --------------------------------------------------------------------------- sliding window


def window_steps(image, params) -> dict:
    """Every position of a filter sliding over a small grid, with its arithmetic.

    params: the input (``source`` random|digit|image, ``size``, ``seed``, ``digit``,
    ``row``, ``col``, ``scale``, ``channel``), ``kernel`` ({preset, size, seed} or
    {rows, cols, values}), ``bias``, ``stride``, ``padding`` (int or "same"),
    ``padding_mode``, ``dilation``, ``activation``, ``negative_slope``.

    Returns arrays (P = number of positions, row-major over the output):
    ``input`` (H, W); ``padded`` (Hp, Wp); ``kernel`` (kh, kw); ``windows`` (P, kh, kw);
    ``products`` (P, kh, kw); ``sums`` (P,); ``z`` = sums + bias (P,); ``outputs`` after
    the activation (P,); ``rows`` and ``cols``: each window's top row and left column in
    padded coordinates (P,).
    meta: ``input``, ``out_shape``, ``positions``, ``pads`` {top, bottom, left, right},
    ``geometry`` {rows, cols} (ops.conv_output_geometry), settings and value ranges,
    ``agrees_with_conv2d``.
    """
    params = P.settings(params, "window_steps")
    x, src = _source(image, params, STEP_GRID_MAX)
    k, kmeta = _kernel(params)
    bias = P.number(params, "bias", 0.0, "bias")
    stride = P.integer(params, "stride", 1, "stride", 1, SLIDING_LIMITS["stride"])
    dilation = P.integer(params, "dilation", 1, "dilation", 1, SLIDING_LIMITS["dilation"])
    mode = P.choice(params, "padding_mode", "zeros", ops.PADDING_MODES, "padding mode")
    activation = P.choice(params, "activation", "none", ops.ACTIVATIONS, "activation")
    slope = P.number(params, "negative_slope", 0.01, "leaky ReLU slope")
    rows, cols, pad_setting = _conv_pads(params, k, dilation, stride)

    h, w = x.shape
    kh, kw = k.shape
    try:
        gr = ops.conv_output_geometry(h, kh, stride, rows, dilation)
        gc = ops.conv_output_geometry(w, kw, stride, cols, dilation)
    except ValueError as e:
        raise ValueError(windows.fit_error("kernel", kh, kw, dilation, h, w, rows, cols) or str(e)) from None
    padded = _pad(x, rows, cols, mode)
    win, r0, c0 = windows.gather_windows(padded, kh, kw, stride, dilation, gr.size, gc.size)
    products = win * k
    sums = products.sum(axis=(1, 2))
    z = sums + bias
    out = np.asarray(ops.activate(z, activation, slope), dtype=np.float64)

    # The same numbers from pycore's convolution, as a check the page can show.
    ref = ops.conv2d(x, k, bias=np.array([bias]), stride=stride,
                     padding="same" if pad_setting == "same" else rows[0],
                     dilation=dilation, padding_mode=mode)[0]
    agrees = bool(np.allclose(ref.ravel(), z, rtol=1e-9, atol=1e-9))

    meta = {
        "input": src,
        "in_shape": [h, w],
        "padded_shape": list(padded.shape),
        "kernel_shape": [kh, kw],
        "kernel": kmeta,
        "out_shape": [gr.size, gc.size],
        "positions": int(gr.size * gc.size),
        "pads": {"top": rows[0], "bottom": rows[1], "left": cols[0], "right": cols[1]},
        "geometry": {"rows": gr.as_dict(), "cols": gc.as_dict()},
        "stride": stride,
        "dilation": dilation,
        "padding": pad_setting,
        "padding_mode": mode,
        "bias": bias,
        "activation": activation,
        "negative_slope": slope,
        **_ranges(input=padded, output=out, z=z),
        "agrees_with_conv2d": agrees,
    }
    return P.result(meta, {"input": x, "padded": padded, "kernel": k, "windows": win, "products": products,
                           "sums": sums, "z": z, "outputs": out, "rows": r0, "cols": c0})


# --------------------------------------------------------------------------- pooling


PREFILTERS = ("none", "edge", "sobel_x", "sobel_y", "laplacian")


def pool_steps(image, params) -> dict:
    """Every position of a pooling window, with the overlap and the leftovers.

    params: the input as for :func:`window_steps` (``prefilter`` names a 3x3 kernel
    that first turns it into a ReLU feature map, "none" pools the grid itself),
    ``type`` (max|avg), ``window``, ``stride`` (defaults to the window),
    ``ceil_mode``.

    Returns arrays: ``input`` the map pooled (H, W); ``windows`` (P, k, k), NaN where a
    window reaches past the map (ceil mode's partial windows); ``values`` (P,);
    ``rows`` top rows, ``cols`` left columns (P,); ``argmax`` inside each window (P,),
    -1 for average; ``coverage`` (H, W): how many windows read each cell (> 1 = overlap,
    0 = dropped); ``counts``: cells counted by each window (P,); ``output`` (Ho, Wo).
    meta: geometry rows/cols (ops.conv_output_geometry, with ``dropped`` and
    ``overhang``), dropped rows/columns, partial windows, overlap.
    """
    params = P.settings(params, "pool_steps")
    x, src = _source(image, params, STEP_GRID_MAX)
    pre = P.choice(params, "prefilter", "none", PREFILTERS, "feature map filter")
    if pre != "none":
        x = ops.relu(ops.conv2d(x, kernels.get_kernel(pre), padding=1))[0]
    kind = P.choice(params, "type", "max", ("max", "avg"), "pooling type")
    h, w = x.shape
    k = P.integer(params, "window", 2, "pooling window", 1, min(POOLING_LIMITS["window"], h, w))
    s = P.integer(params, "stride", k, "pooling stride", 1, POOLING_LIMITS["stride"])
    ceil = P.flag(params, "ceil_mode")
    gr = ops.conv_output_geometry(h, k, s, 0, 1, ceil)
    gc = ops.conv_output_geometry(w, k, s, 0, 1, ceil)
    # Cells past the map (ceil mode's overhang) read NaN: drawn, but not counted.
    need_h = (gr.size - 1) * s + k
    need_w = (gc.size - 1) * s + k
    ext = np.full((max(h, need_h), max(w, need_w)), np.nan)
    ext[:h, :w] = x
    win, r0, c0 = windows.gather_windows(ext, k, k, s, 1, gr.size, gc.size)
    flat = win.reshape(len(win), -1)
    counts = np.isfinite(flat).sum(axis=1)
    if kind == "max":
        values = np.nanmax(flat, axis=1)
        arg = np.nanargmax(flat, axis=1).astype(np.float64)
        ref = ops.max_pool2d(x, k, stride=s, ceil_mode=ceil)
    else:
        values = np.nansum(flat, axis=1) / counts
        arg = np.full(len(flat), -1.0)
        ref = ops.avg_pool2d(x, k, stride=s, ceil_mode=ceil)
    out = values.reshape(gr.size, gc.size)

    def cover(n, size):
        c = np.zeros(n)
        idx = (np.arange(size)[:, None] * s + np.arange(k)).ravel()
        np.add.at(c, idx[idx < n], 1)
        return c

    coverage = np.outer(cover(h, gr.size), cover(w, gc.size))
    meta = {
        "input": src,
        "prefilter": pre,
        "type": kind,
        "window": k,
        "stride": s,
        "ceil_mode": ceil,
        "in_shape": [h, w],
        "out_shape": [gr.size, gc.size],
        "positions": int(gr.size * gc.size),
        "geometry": {"rows": gr.as_dict(), "cols": gc.as_dict()},
        "overlap": s < k,
        "gap": s > k,
        "dropped_rows": int(gr.dropped),
        "dropped_cols": int(gc.dropped),
        "partial_rows": int(gr.overhang),
        "partial_cols": int(gc.overhang),
        "partial_windows": int((counts < k * k).sum()),
        "max_coverage": int(coverage.max()),
        **_ranges(input=x, output=out),
        "agrees_with_ops": bool(np.allclose(ref, out, rtol=1e-9, atol=1e-12, equal_nan=True)),
    }
    return P.result(meta, {"input": x, "windows": win, "values": values, "rows": r0, "cols": c0, "argmax": arg,
                           "coverage": coverage, "counts": counts, "output": out})


# --------------------------------------------------------------------------- padding


def padded_view(image, params) -> dict:
    """The input padded in each of the four modes, and the "same" rule with numbers.

    params: the input as for :func:`window_steps` (an image crop keeps its colours
    with ``channel`` "rgb"), ``padding`` (0..MAX_PAD), ``kernel_size`` (for the
    "same" explanation), ``dilation``.

    Returns arrays: ``input`` (C, H, W) (C = 3 or 1) and one padded array
    (C, H + 2p, W + 2p) per mode, named by the mode (``zeros``, ``reflect``, ...;
    meta ``modes`` [{mode, array, error}]); a mode that cannot pad this much
    (reflect needs p < size) has ``array`` None and an ``error``.
    meta ``same``: the numbers of the rule p = d(k-1)/2 at stride 1.
    """
    params = P.settings(params, "padded_view")
    x, src = _source(image, params, VIEW_GRID_MAX, rgb=True)
    if src.get("channel", "rgb") != "rgb" or src["source"] != "image":
        x = x[:1]  # one plane is enough for gray inputs
    p = P.integer(params, "padding", 2, "padding", 0, PADDING_LIMITS["padding"])
    k = P.integer(params, "kernel_size", 3, "kernel size", 1, PADDING_LIMITS["kernel_size"])
    d = P.integer(params, "dilation", 1, "dilation", 1, PADDING_LIMITS["dilation"])
    c, h, w = x.shape
    arrays = {"input": x}
    modes = []
    for mode in ops.PADDING_MODES:
        entry = {"mode": mode, "array": None, "error": None}
        try:
            arrays[mode] = _pad(x, (p, p), (p, p), mode)
            entry["array"] = mode
        except ValueError as e:
            entry["error"] = str(e)
        modes.append(entry)
    span = d * (k - 1) + 1
    total = d * (k - 1)
    same_before, same_after = ops.same_padding(k, d)
    same = {
        "kernel_size": k,
        "dilation": d,
        "span": span,
        "total": total,
        "odd": k % 2 == 1,
        "before": same_before,
        "after": same_after,
        "symmetric": same_before == same_after,
        "rows": ops.conv_output_geometry(h, k, 1, (same_before, same_after), d).as_dict(),
        "cols": ops.conv_output_geometry(w, k, 1, (same_before, same_after), d).as_dict(),
    }
    try:
        current = {
            "rows": ops.conv_output_geometry(h, k, 1, p, d).as_dict(),
            "cols": ops.conv_output_geometry(w, k, 1, p, d).as_dict(),
        }
    except ValueError as e:
        current = {"error": windows.fit_error("kernel", k, k, d, h, w, (p, p), (p, p)) or str(e)}
    meta = {
        "input": src,
        "channels": c,
        "in_shape": [h, w],
        "padding": p,
        "padded_shape": [h + 2 * p, w + 2 * p],
        "modes": modes,
        "same": same,
        "current": current,
        **_range(x),
    }
    return P.result(meta, arrays)


# --------------------------------------------------------------------------- receptive field

DEFAULT_STACK = [
    {"type": "conv2d", "kernel_size": 3, "stride": 1, "padding": 1, "dilation": 1},
    {"type": "maxpool", "kernel_size": 2, "stride": 2},
    {"type": "conv2d", "kernel_size": 3, "stride": 1, "padding": 1, "dilation": 1},
    {"type": "maxpool", "kernel_size": 2, "stride": 2},
]


def _side_or_pair(spec, key, default, label, lo, hi):
    """An int, or a [height, width] pair of ints, each in [lo, hi]; its form kept."""
    value = P.get(spec, key, default)
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return [P.whole(P.plain(v), label, lo, hi) for v in value]
    return P.integer(spec, key, default, label, lo, hi)


def stack_from_params(params: dict) -> list[dict]:
    """The ``layers`` control -> a normalized network spec of conv2d/maxpool/avgpool entries.

    Each layer is a :mod:`pycore.network` spec entry; here a conv layer's ``filters``
    is 1 and its ``activation`` defaults to "none" (the explorer shows the raw
    sums). The explorer's limits apply (``STACK_LIMITS``, ``MAX_LAYERS``), and every
    message names the layer counting from 1.
    """
    specs = P.get(params, "layers", None)
    if specs is None:
        specs = DEFAULT_STACK
    if not isinstance(specs, (list, tuple)) or not specs:
        raise P.problem("add at least one layer", "layers")
    if len(specs) > MAX_LAYERS:
        raise P.problem(f"at most {MAX_LAYERS} layers; there are {len(specs)}", "layers")
    lim = STACK_LIMITS
    stack = []
    for i, spec in enumerate(specs):
        with _within(f"layers.{i}"):
            stack.append(_stack_entry(P.plain(spec), f"layer {i + 1}", lim))
    try:
        return network.normalize_spec(stack)
    except ValueError as error:
        raise P.problem(str(error), "layers") from None


def _stack_entry(spec, name: str, lim: dict) -> dict:
    """One layer of :func:`stack_from_params` (``name`` is "layer 3"); problems tied to its keys."""
    if not isinstance(spec, dict):
        raise TypeError(f"{name} must be a conv or pooling layer")
    kind = P.choice(spec, "type", "conv2d", windows.STACK_TYPES, f"{name} type")
    conv = kind == "conv2d"
    k = _side_or_pair(spec, "kernel_size", 3 if conv else 2, f"{name} kernel size", 1, lim["kernel_size"])
    first_side = k[0] if isinstance(k, list) else k
    stride = P.integer(spec, "stride", 1 if conv else first_side, f"{name} stride", 1, lim["stride"])
    if P.get(spec, "padding", 0) == "same":
        if not conv or stride != 1:
            raise P.problem(f"{name}: padding “same” is for convolutions at stride 1", "padding")
        pad = "same"
    else:
        pad = _side_or_pair(spec, "padding", 0, f"{name} padding", 0, lim["padding"])
    if conv:
        entry = {"type": kind, "filters": 1, "kernel_size": k, "stride": stride, "padding": pad,
                 "dilation": P.integer(spec, "dilation", 1, f"{name} dilation", 1, lim["dilation"]),
                 "activation": P.choice(spec, "activation", "none", ops.ACTIVATIONS, f"{name} activation")}
    else:
        sides = k if isinstance(k, list) else [k, k]
        pads = pad if isinstance(pad, list) else [pad, pad]
        if any(p > side // 2 for p, side in zip(pads, sides)):
            raise P.problem(f"{name} padding must be at most half the pooling window ({sides[0] // 2})", "padding")
        entry = {"type": kind, "kernel_size": k, "stride": stride, "padding": pad,
                 "ceil_mode": P.flag(spec, "ceil_mode")}
    return entry


STACK_3X3 = ("edge", "sobel_y", "sobel_x", "laplacian", "emboss", "outline")


def stack_kernel(entry: dict, i: int, seed: int):
    """The explorer's filter for conv layer ``i`` of the stack: (name, kernel (kh, kw)).

    3x3 layers take the library's edge-like kernels in turn (so deep maps stay
    visible), other odd squares a Gaussian, anything else seeded uniform(-1, 1).
    """
    kh, kw = windows.window_axes(entry)[0]["k"], windows.window_axes(entry)[1]["k"]
    if (kh, kw) == (3, 3):
        name = STACK_3X3[i % len(STACK_3X3)]
        return name, kernels.get_kernel(name)
    if kh == kw and kh % 2:
        return "gaussian", kernels.get_kernel("gaussian", size=kh)
    return "random", np.random.default_rng(seed + i).uniform(-1.0, 1.0, size=(kh, kw))


def receptive_field(image, params) -> dict:
    """Which input cells each pixel of each layer depends on.

    params: the input as for :func:`window_steps`, or ``source`` "full": the whole
    image in one ``channel`` (the convolution panel's maps); ``layers``: network spec
    entries of type conv2d|maxpool|avgpool (``kernel_size``, ``stride``, ``padding``
    (int, [h, w] or "same" for conv), ``dilation``, ``ceil_mode``, ``activation``;
    see :func:`stack_from_params`); ``padding_mode`` fills the conv layers' padding
    (the region is the same whatever fills it); ``maps`` (bool, default True): also
    compute the feature maps (one filter per conv layer, see :func:`stack_kernel`)
    and every first-layer window; ``seed``; ``target`` {layer, row, col, kernel?}:
    one pixel, with ``kernel`` {rows, cols, values} the filter for its first-layer
    window.

    Returns
    -------
    meta ``layers``: per layer its normalized spec entry plus ``shape``, ``geometry``
    {rows, cols}, ``full_size``, the names of its arrays ``rs``/``re``/``cs``/``ce``
    (the input region [rs, re) × [cs, ce) of each output row / column, clipped to real
    cells) and ``frs``/``fre``/``fcs``/``fce`` (the textbook region, reaching into
    padding), ``map`` and ``kernel`` (array names or None), ``range``, ``kernel_name``;
    ``first``: the first conv layer's ``windows``, ``products``, ``sums``, ``kernel``
    (array names), ``single``, ``kernel_shape``; ``target``: the chosen pixel's
    region and size; ``input``, ``in_shape``, ``range``.

    arrays (layer i from 0; h_i × w_i its output):
    ``input`` (H, W), when ``maps``; ``layer<i>.rs``/``.re``/``.frs``/``.fre`` (h_i,),
    ``layer<i>.cs``/``.ce``/``.fcs``/``.fce`` (w_i,); ``layer<i>.map`` (h_i, w_i) and
    ``layer<i>.kernel`` (kh, kw) when ``maps``; ``first.windows`` and
    ``first.products`` (P, kh, kw), ``first.sums`` (P,), ``first.kernel`` (kh, kw),
    P = h_0 · w_0, or 1 for a hovered pixel without ``maps``.
    """
    params = P.settings(params, "receptive_field")
    stack = stack_from_params(params)
    if P.get(params, "source", "random") == "full":
        if image is None:
            raise ValueError("the receptive field of the convolution panel needs an image")
        channel = P.choice(params, "channel", "gray", img.CHANNELS, "input channel")
        x = img.input_plane(np.asarray(image, dtype=np.float32), channel)[0].astype(np.float64)
        src = {"source": "full", "channel": channel, "shape": list(x.shape)}
    else:
        x, src = _source(image, params, VIEW_GRID_MAX)
    h, w = x.shape
    try:
        boxes = windows.receptive_boxes(stack, h, w)
    except ValueError as error:
        if getattr(error, "layer", None) is not None:  # the layer that no longer fits: its size field
            error.field = f"layers.{error.layer}.kernel_size"
        raise
    geo = windows.stack_shapes(stack, h, w)
    want_maps = P.flag(params, "maps", True)
    seed = P.integer(params, "seed", 0, "seed", 0, MAX_SEED)
    tgt = P.plain(P.get(params, "target", None)) or None
    mode = P.choice(params, "padding_mode", "zeros", ops.PADDING_MODES, "padding mode")
    arrays = {"input": x} if want_maps else {}
    kerns = [stack_kernel(entry, i, seed) if entry["type"] == "conv2d" else (None, None)
             for i, entry in enumerate(stack)]
    maps = windows.run_stack(x, stack, [k for _, k in kerns], mode) if want_maps else [None] * len(stack)
    info = []
    for i, (entry, B, (gr, gc)) in enumerate(zip(stack, boxes, geo)):
        frs, fre, irs, ire = B["rows"]
        fcs, fce, ics, ice = B["cols"]
        names = {key: f"layer{i}.{key}" for key in ("rs", "re", "cs", "ce", "frs", "fre", "fcs", "fce")}
        arrays.update({names["rs"]: irs, names["re"]: ire, names["cs"]: ics, names["ce"]: ice,
                       names["frs"]: frs, names["fre"]: fre, names["fcs"]: fcs, names["fce"]: fce})
        layer = {**entry, "shape": [gr.size, gc.size], "geometry": {"rows": gr.as_dict(), "cols": gc.as_dict()},
                 **names, "full_size": [int(fre[0] - frs[0]), int(fce[0] - fcs[0])], "map": None, "kernel": None}
        if maps[i] is not None:
            layer["map"] = f"layer{i}.map"
            layer.update(_range(maps[i]))
            arrays[layer["map"]] = maps[i]
            if entry["type"] == "conv2d":
                layer["kernel_name"] = kerns[i][0]
                layer["kernel"] = f"layer{i}.kernel"
                arrays[layer["kernel"]] = kerns[i][1]
        info.append(layer)
    meta = {"input": src, "in_shape": [h, w], "layers": info, "first": None, "target": None, **_range(x)}

    if tgt:
        li = P.integer(tgt, "layer", 0, "layer", 0, len(stack) - 1)
        B = boxes[li]
        r = P.integer(tgt, "row", 0, "row", 0, B["shape"][0] - 1)
        c = P.integer(tgt, "col", 0, "column", 0, B["shape"][1] - 1)
        frs, fre, irs, ire = (int(v[r]) for v in B["rows"])
        fcs, fce, ics, ice = (int(v[c]) for v in B["cols"])
        meta["target"] = {"layer": li, "row": r, "col": c,
                          "region": [irs, ire, ics, ice], "size": [ire - irs, ice - ics],
                          "full": [frs, fre, fcs, fce], "full_size": [fre - frs, fce - fcs]}

    first = stack[0]
    first_target = tgt and meta["target"]["layer"] == 0
    if first["type"] == "conv2d" and (want_maps or first_target):
        ar, ac = windows.window_axes(first)
        kspec = P.get(tgt or {}, "kernel", None)
        k = P.matrix(kspec, "kernel", STACK_LIMITS["kernel_size"]) if kspec is not None else kerns[0][1]
        if tuple(k.shape) != (ar["k"], ac["k"]):
            raise ValueError(f"the kernel is {k.shape[0]}×{k.shape[1]} but layer 1 is {ar['k']}×{ac['k']}")
        xp = _pad(x, ar["pads"], ac["pads"], mode)
        gr, gc = geo[0]
        single = bool(first_target and not want_maps)
        if single:
            # one window is all a hover needs on a big image
            r, c = meta["target"]["row"], meta["target"]["col"]
            r0, c0 = r * ar["s"], c * ac["s"]
            rows = slice(r0, r0 + ar["d"] * (ar["k"] - 1) + 1, ar["d"])
            cols = slice(c0, c0 + ac["d"] * (ac["k"] - 1) + 1, ac["d"])
            win = xp[rows, cols][None]
        else:
            # the explorers dilate and stride square: one stride and dilation for both axes
            win, _, _ = windows.gather_windows(xp, ar["k"], ac["k"], ar["s"], ar["d"], gr.size, gc.size)
        prods = win * k
        sums = prods.sum(axis=(1, 2))
        meta["first"] = {"windows": "first.windows", "products": "first.products", "sums": "first.sums",
                         "kernel": "first.kernel", "single": single, "kernel_shape": list(k.shape)}
        arrays.update({"first.windows": win, "first.products": prods, "first.sums": sums, "first.kernel": k})
        if first_target:
            i = 0 if single else meta["target"]["row"] * gc.size + meta["target"]["col"]
            meta["target"]["sum"] = float(sums[i])
    return P.result(meta, arrays)

# --------------------------------------------------------------------------- flip


def flip_compare(image, params) -> dict:
    """Cross-correlation (what CNNs compute) against true convolution.

    params: the input as for :func:`window_steps`, ``kernel`` (default sobel_x,
    which is not symmetric), ``flip`` (bool: the switch's position).

    Returns arrays: ``input`` (H, W); ``kernel`` (k, k); ``flipped`` kernel (k, k);
    ``cross`` the cross-correlation output (H', W'); ``conv`` the convolution output
    (cross-correlation with the flipped kernel) (H', W'); ``diff`` convolution −
    cross-correlation (H', W'). Zero padding keeps the size
    for odd kernels. meta: ``symmetric`` (kernel equals its flip), ``max_change``.
    """
    params = P.settings(params, "flip_compare")
    x, src = _source(image, params, VIEW_GRID_MAX)
    k, kmeta = _kernel(params, default="sobel_x")
    flip = P.flag(params, "flip")
    flipped = ops.flip_kernel(k)
    ph, pw = (k.shape[0] - 1) // 2, (k.shape[1] - 1) // 2
    cross = ops.conv2d(x, k, padding=(ph, pw))[0]
    conv = ops.conv2d(x, flipped, padding=(ph, pw))[0]
    diff = conv - cross
    meta = {
        "input": src,
        "kernel": kmeta,
        "flip": flip,
        "symmetric": bool(np.array_equal(k, flipped)),
        "max_change": float(np.abs(diff).max()),
        "changed_pixels": int((np.abs(diff) > 1e-9).sum()),
        "out_shape": list(cross.shape),
        **_ranges(input=x, output=np.concatenate([cross.ravel(), conv.ravel()]), diff=diff),
    }
    return P.result(meta, {"input": x, "kernel": k, "flipped": flipped, "cross": cross, "conv": conv,
                           "diff": diff})


# --------------------------------------------------------------------------- RGB


def notebook_random_filter(seed: int = 0, size: int = 3, channels: int = 3) -> np.ndarray:
    """The notebook's 3-D filter: uniform(-1, 1), shape (channels, size, size), seeded."""
    return np.random.default_rng(seed).uniform(-1.0, 1.0, size=(channels, size, size))


RGB_PRESETS = ("notebook", "red_minus_blue", "gray_edge")


def _rgb_kernel(params):
    with _within("kernel"):
        return _rgb_kernel_spec(P.plain(P.get(params, "kernel", {})) or {})


def _rgb_kernel_spec(spec):
    """The 3-D filter of :func:`rgb_filter` from its ``kernel`` settings: (w (3, k, k), meta)."""
    if not isinstance(spec, dict):
        raise TypeError("the filter must be a preset or three grids of numbers")
    if spec.get("values") is not None:
        size = P.integer(spec, "size", 3, "filter size", 1, MAX_EXPLORER_KERNEL)
        v = np.asarray(P.plain(spec["values"]), dtype=np.float64).ravel()
        if v.size != 3 * size * size:
            raise ValueError(f"a {size}×{size}×3 filter has {3 * size * size} weights, got {v.size}")
        if not np.all(np.isfinite(v)):
            i = int(np.flatnonzero(~np.isfinite(v))[0])
            ch, rem = divmod(i, size * size)
            raise ValueError(f"filter {'RGB'[ch]} slice, row {rem // size + 1}, column {rem % size + 1} "
                             "is not a finite number")
        return v.reshape(3, size, size), {"preset": None, "size": size}
    name = P.choice(spec, "preset", "notebook", RGB_PRESETS, "filter preset")
    size = P.integer(spec, "size", 3, "filter size", 1, MAX_EXPLORER_KERNEL)
    seed = P.integer(spec, "seed", 0, "filter seed", 0, 2**31 - 1)
    if name == "notebook":
        w = notebook_random_filter(seed, size)
    elif name == "red_minus_blue":
        w = np.zeros((3, size, size))
        w[0] = 1.0 / (size * size)
        w[2] = -1.0 / (size * size)
    else:
        if size != 3:
            raise ValueError("the gray edge preset is 3×3")
        w = np.stack([kernels.get_kernel("sobel_x") / 3.0] * 3)
    return w, {"preset": name, "size": size, "seed": seed}


def rgb_filter(image, params) -> dict:
    """A k×k×3 filter over an RGB input: per-channel partial sums, bias, total.

    params: the input as for :func:`window_steps` with colours kept (``channel``
    "rgb"; a random grid is random in each channel), ``kernel`` ({preset
    notebook|red_minus_blue|gray_edge, size, seed} or {size, values: 3·k·k}),
    ``bias``, ``padding`` (int or "same"; the notebook used "same"),
    ``activation``, ``position`` {row, col} in output coordinates.

    Returns arrays: ``input`` (3, H, W); ``filter`` (3, k, k); ``partial``: per-channel
    partial sums (3, Ho, Wo); ``z`` = partial sums + bias (Ho, Wo); ``output`` after the
    activation (Ho, Wo); ``windows``: the chosen position's windows (3, k, k);
    ``products`` its products (3, k, k).
    meta ``at``: the position, its three partial sums, bias, z and output.
    """
    params = P.settings(params, "rgb_filter")
    x, src = _source(image, params, VIEW_GRID_MAX, rgb=True, digits=False)
    w, kmeta = _rgb_kernel(params)
    bias = P.number(params, "bias", 0.0, "bias")
    activation = P.choice(params, "activation", "none", ops.ACTIVATIONS, "activation")
    rows, cols, pad_setting = _conv_pads({"padding": P.get(params, "padding", "same")}, w[0], 1, 1)
    _, h, wd = x.shape
    k = w.shape[1]
    try:
        gr = ops.conv_output_geometry(h, k, 1, rows, 1)
        gc = ops.conv_output_geometry(wd, k, 1, cols, 1)
    except ValueError as e:
        raise ValueError(windows.fit_error("filter", k, k, 1, h, wd, rows, cols) or str(e)) from None
    xp = _pad(x, rows, cols, "zeros")
    # each channel's slice over its own plane: (3, Ho, Wo), summed over channels = conv2d
    partial = ops.conv2d(xp, w[:, None], groups=3)
    z = partial.sum(axis=0) + bias
    out = np.asarray(ops.activate(z, activation, 0.01), dtype=np.float64)
    pos = P.plain(P.get(params, "position", {})) or {}
    with _within("position"):
        r = min(P.integer(pos, "row", gr.size // 2, "row", minimum=0), gr.size - 1)
        c = min(P.integer(pos, "col", gc.size // 2, "column", minimum=0), gc.size - 1)
    win = xp[:, r : r + k, c : c + k]
    prods = win * w
    sums = prods.sum(axis=(1, 2))
    meta = {
        "input": src,
        "kernel": kmeta,
        "k": k,
        "bias": bias,
        "activation": activation,
        "padding": pad_setting,
        "pads": {"top": rows[0], "bottom": rows[1], "left": cols[0], "right": cols[1]},
        "in_shape": [h, wd],
        "out_shape": [gr.size, gc.size],
        "geometry": {"rows": gr.as_dict(), "cols": gc.as_dict()},
        "at": {"row": r, "col": c, "partials": [float(v) for v in sums], "bias": bias,
               "z": float(sums.sum() + bias), "output": float(out[r, c])},
        **_ranges(output=out, partial=partial, filter=w),
    }
    return P.result(meta, {"input": x, "filter": w, "partial": partial, "z": z, "output": out, "windows": win,
                           "products": prods})


# --------------------------------------------------------------------------- parameter counts


def param_counts(image, params) -> dict:
    """Weights of one fully connected neuron against a convolution layer's.

    params: ``height``, ``width``, ``channels`` (the input), ``filters``,
    ``kernel_size``, ``neurons`` (how many fully connected neurons to compare).

    Returns meta with ``fc`` {inputs, weights_per_neuron, weights, biases, total}
    and ``conv`` {weights_per_filter, weights, biases, total}, and ``ratio``.
    """
    params = P.settings(params, "param_counts")
    lim = PARAM_COUNT_LIMITS
    h = P.integer(params, "height", 100, "image height", 1, lim["height"])
    w = P.integer(params, "width", 100, "image width", 1, lim["width"])
    c = P.integer(params, "channels", 1, "channels", 1, lim["channels"])
    n = P.integer(params, "filters", 20, "number of filters", 1, lim["filters"])
    k = P.integer(params, "kernel_size", 5, "filter size", 1, lim["kernel_size"])
    m = P.integer(params, "neurons", 1, "number of neurons", 1, lim["neurons"])
    inputs = h * w * c
    fc = {"inputs": inputs, "weights_per_neuron": inputs, "neurons": m, "weights": inputs * m,
          "biases": m, "total": inputs * m + m}
    per_filter = k * k * c
    conv = {"weights_per_filter": per_filter, "filters": n, "weights": per_filter * n, "biases": n,
            "total": per_filter * n + n}
    meta = {"height": h, "width": w, "channels": c, "kernel_size": k, "fc": fc, "conv": conv,
            "ratio": fc["weights"] / conv["weights"], "log10_ratio": math.log10(fc["weights"] / conv["weights"])}
    return P.result(meta)


# --------------------------------------------------------------------------- transposed convolution

# The transposed-convolution explorer's largest settings (the smallest is 1, or 0 for the
# paddings); dilation is 1 there (pycore.conv_transpose2d takes any).
TRANSPOSED_LIMITS = {"size": 6, "kernel_size": 5, "stride": 4, "padding": 4, "output_padding": 3}
TRANSPOSED_INPUTS = ("count", "random")  # the input's values: 1, 2, 3, ... or seeded whole numbers
TRANSPOSED_KERNELS = ("ones", "count", "random")
# what each cell of the spread-out input is (the values of the ``kinds`` array, by index)
SPREAD_KINDS = ("input", "inserted", "border", "output_padding")


def transposed_values(kind: str, side: int, seed: int) -> np.ndarray:
    """A (side, side) float64 grid of whole numbers: "ones", "count" (1, 2, 3, ... row by
    row) or "random" (seeded, from −3 to 3), so every sum of the explorer reads exactly."""
    if kind == "ones":
        return np.ones((side, side))
    elif kind == "count":
        return np.arange(1, side * side + 1, dtype=np.float64).reshape(side, side)
    elif kind == "random":
        return np.random.default_rng(seed).integers(-3, 4, size=(side, side)).astype(np.float64)
    else:
        raise ValueError(f"unknown values {kind!r}; valid: ones, count, random")


def transposed_steps(image, params) -> dict:
    """A stride-s transposed convolution as a sliding window over the spread-out input.

    A transposed convolution stamps the kernel onto the output once per input cell, the
    stamps ``stride`` apart (:func:`pycore.ops.conv_transpose2d`). The same numbers come
    from the input spread out with ``stride − 1`` zeros between its cells, a border of
    ``kernel_size − 1 − padding`` zeros (``output_padding`` more at the bottom and right),
    and the flipped kernel sliding over that with stride 1: what this explorer steps through.

    params: ``size`` (the input is size × size), ``input`` (count|random), ``kernel_size``,
    ``kernel`` (ones|count|random), ``seed`` (the random values; the kernel's is seed + 1),
    ``stride``, ``padding`` (at most ``kernel_size − 1`` here, so the border is not
    negative), ``output_padding`` (smaller than the stride; the dilation is 1).

    Returns arrays (P = Ho·Wo positions, row-major over the output): ``input`` (n, n);
    ``kernel`` and ``flipped`` (k, k); ``spread`` (S, S) the spread-out, bordered input;
    ``kinds`` (S, S) each cell's index into :data:`SPREAD_KINDS`; ``windows`` and
    ``products`` (window × flipped kernel) (P, k, k); ``output`` (Ho, Wo). The window of
    position i has its top-left cell at spread row ``i // Wo``, column ``i % Wo``.
    meta: the settings, ``in_shape``, ``out_shape``, ``positions``, ``spread_shape``,
    ``border``, ``kinds`` (SPREAD_KINDS), ``geometry`` {rows, cols}
    (ops.conv_transpose_output_geometry), value ranges, ``agrees_with_conv_transpose2d``.
    """
    params = P.settings(params, "transposed_steps")
    lim = TRANSPOSED_LIMITS
    n = P.integer(params, "size", 3, "input size", 2, lim["size"])
    input_kind = P.choice(params, "input", "count", TRANSPOSED_INPUTS, "input values")
    k = P.integer(params, "kernel_size", 3, "kernel size", 1, lim["kernel_size"])
    kernel_kind = P.choice(params, "kernel", "ones", TRANSPOSED_KERNELS, "kernel values")
    seed = P.integer(params, "seed", 0, "seed", 0, MAX_SEED - 1)
    s = P.integer(params, "stride", 2, "stride", 1, lim["stride"])
    p = P.integer(params, "padding", 0, "padding", 0, lim["padding"])
    op = P.integer(params, "output_padding", 0, "output padding", 0, lim["output_padding"])
    if op >= s:
        raise P.problem(f"output padding must be smaller than the stride ({s}); got {op}", "output_padding")
    if p > k - 1:
        raise P.problem(f"padding must be at most kernel size − 1 = {k - 1} in this view (it draws a border of "
                        f"kernel size − 1 − padding zeros); got {p}", "padding")
    with P.at("padding"):
        g = ops.conv_transpose_output_geometry(n, k, s, p, op)
    x = transposed_values(input_kind, n, seed)
    w = transposed_values(kernel_kind, k, seed + 1)
    b = g.border
    side = g.spread + 2 * b + op
    spread = np.zeros((side, side))
    spread[b : b + g.spread : s, b : b + g.spread : s] = x
    kinds = np.full((side, side), float(SPREAD_KINDS.index("border")))
    kinds[b : b + g.spread, b : b + g.spread] = SPREAD_KINDS.index("inserted")
    kinds[b : b + g.spread : s, b : b + g.spread : s] = SPREAD_KINDS.index("input")
    if op:
        kinds[side - op :, :] = kinds[:, side - op :] = SPREAD_KINDS.index("output_padding")
    ho = wo = g.size
    flipped = ops.flip_kernel(w)
    win, _, _ = windows.gather_windows(spread, k, k, 1, 1, ho, wo)
    products = win * flipped
    output = products.sum(axis=(1, 2)).reshape(ho, wo)
    # the same numbers from pycore's transposed convolution, as a check the page shows
    ref = ops.conv_transpose2d(x[None, None], w[None, None], stride=s, padding=p, output_padding=op)[0, 0]
    meta = {
        "size": n, "input": input_kind, "kernel_size": k, "kernel": kernel_kind, "seed": seed, "stride": s,
        "padding": p, "output_padding": op, "dilation": 1,
        "in_shape": [n, n], "out_shape": [ho, wo], "positions": ho * wo, "spread_shape": [side, side],
        "border": b, "kinds": list(SPREAD_KINDS),
        "geometry": {"rows": g.as_dict(), "cols": g.as_dict()},
        **_ranges(input=x, spread=spread, output=output, kernel=w),
        "agrees_with_conv_transpose2d": bool(np.array_equal(ref, output)),
    }
    return P.result(meta, {"input": x, "kernel": w, "flipped": flipped, "spread": spread, "kinds": kinds,
                           "windows": win, "products": products, "output": output})


__all__ += ["TRANSPOSED_LIMITS", "TRANSPOSED_INPUTS", "TRANSPOSED_KERNELS", "SPREAD_KINDS", "transposed_values",
            "transposed_steps"]
