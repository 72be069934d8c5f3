"""The explorers' numbers: every step of a sliding window, computed at once.

Each public function here is an entry point of the page's "Explorers" tab (imported
into :mod:`pycore.api`, the one module the worker calls). Each takes a dict of
settings, or ``(image, settings)`` when the page sends the current image (an ndarray
(3, H, W) float32 in [0, 1]), and returns ``{"meta": dict, "arrays": [float32]}``
with ``meta`` naming arrays by index.

The stepping explorers compute *all* window positions in one vectorized pass
(windows ``(P, kh, kw)``, products, sums, outputs), so the page animates them
without a round trip per step. Output sizes always come from
:func:`pycore.ops.conv_output_geometry`, the one place that formula lives.

Public entry points
-------------------
multiply_sum        two small matrices -> elementwise products and their sum
window_steps        the sliding window: windows, products, sums, bias, activation
pool_steps          a pooling window: windows, values, overlap, leftovers
padded_view         one input padded in each mode; the "same" rule with numbers
receptive_field     input regions of every pixel of a conv/pool stack
flip_compare        cross-correlation against true convolution (flipped kernel)
rgb_filter          a 3-D filter over RGB: per-channel partial sums, bias, total
param_counts        fully connected weights against convolution weights

Helpers the tests use directly: :func:`digit`, :func:`gather_windows`,
:func:`receptive_boxes`, :func:`stack_shapes`, :func:`notebook_random_filter`.
"""

from __future__ import annotations

import math

import numpy as np

from . import kernels, ops

__all__ = [
    "DIGITS",
    "digit",
    "flip_compare",
    "gather_windows",
    "multiply_sum",
    "notebook_random_filter",
    "padded_view",
    "param_counts",
    "pool_steps",
    "receptive_boxes",
    "receptive_field",
    "run_stack",
    "rgb_filter",
    "stack_shapes",
    "window_steps",
]

SOURCES = ("random", "digit", "image")
CHANNELS_RGB = ("rgb", "gray", "red", "green", "blue")
STEP_GRID_MAX = 32  # the stepping explorers (sliding window, pooling)
VIEW_GRID_MAX = 64  # the others
SCALES = (1, 2, 4, 8, 16, 32)
MAX_EXPLORER_KERNEL = 7
MAX_PAD = 8
PAD_MODES = ("zeros", "reflect", "replicate", "circular")
LAYER_TYPES = ("conv", "maxpool", "avgpool")
MAX_LAYERS = 8


def _api():
    # pycore.api imports this module at its end; importing it lazily keeps either
    # import order working.
    from . import api

    return api


def _args(image, params):
    """``f(params)`` or ``f(image, params)``: the worker passes the image first."""
    if params is None:
        image, params = None, image
    params = _api()._plain(params)
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise TypeError(f"expected a dict of settings, got {type(params).__name__}")
    return image, params


def _result(meta, arrays):
    return _api()._result(meta, arrays)


def _bounded(params, key, default, label, lo, hi):
    raw = _api()._get(params, key, default)
    if raw is None or (isinstance(raw, float) and math.isnan(raw)) or (isinstance(raw, str) and not raw.strip()):
        # an emptied number field reaches here as NaN (or None): say so, not "got nan"
        raise ValueError(f"{label} is empty or not a number: type a whole number from {lo} to {hi}")
    v = _api()._int(params, key, default, label, minimum=lo)
    if v > hi:
        raise ValueError(f"{label} must be at most {hi}, got {v}")
    return v


def _vrange(a):
    lo, hi = _api()._range(np.asarray(a, dtype=np.float64))
    return [lo, hi]


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

    Returns (x, meta): x is (H, W) float64, or (3, H, W) when ``rgb`` and the
    channel is "rgb". ``digits``: whether the explorer offers digits (for the advice
    when the image is too small).
    """
    a = _api()
    src = a._choice(params, "source", "random", SOURCES, "input")
    meta = {"source": src}
    if src == "random":
        n = _bounded(params, "size", 10, "grid size", 2, max_size)
        seed = _bounded(params, "seed", 0, "seed", 0, 2**31 - 1)
        rng = np.random.default_rng(seed)
        # the notebook's toy image: uniform values in [0, 1)
        x = rng.random((3, n, n)) if rgb else rng.random((n, n))
        meta.update(seed=seed, size=n)
    elif src == "digit":
        d = _bounded(params, "digit", 3, "digit", 0, 9)
        x = digit(d)
        if rgb:
            x = np.stack([x, x, x])
        meta.update(digit=d, size=8)
    else:
        if image is None:
            raise ValueError("input 'your image' needs an image first: choose one, drop one, or use the sample photo")
        img = np.asarray(image, dtype=np.float64)
        _, h, w = img.shape
        n = _bounded(params, "size", 16, "grid size", 2, max_size)
        scale = a._int(params, "scale", 1, "zoom out", minimum=1)
        if scale not in SCALES:
            raise ValueError(f"zoom out must be one of {', '.join(map(str, SCALES))}; got {scale}")
        side = n * scale
        if side > h or side > w:
            raise ValueError(_crop_error(n, scale, h, w, digits))
        row = min(max(a._int(params, "row", 0, "crop row", minimum=0), 0), h - side)
        col = min(max(a._int(params, "col", 0, "crop column", minimum=0), 0), w - side)
        channel = a._choice(params, "channel", "rgb" if rgb else "gray", CHANNELS_RGB if rgb else a.CHANNELS, "channel")
        region = img[:, row : row + side, col : col + side]
        cells = region.reshape(3, n, scale, n, scale).mean(axis=(2, 4))  # block means, (3, n, n)
        if channel == "rgb":
            x = cells
        else:
            x = a.input_plane(cells.astype(np.float32), channel)[0].astype(np.float64)
            x = np.stack([x, x, x]) if rgb else x
        meta.update(size=n, scale=scale, row=row, col=col, channel=channel, image=[h, w])
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
        return f"your image is {size}: too small for a crop, which needs at least 2×2 pixels; choose {other} as the input instead"
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


def _fit_error(what, kh, kw, d, h, w, rows, cols, src="input"):
    """A kernel (or window) larger than its padded input, with every size stated once, consistently.

    None when it does fit (the caller's error was something else).
    """
    sh, sw = d * (kh - 1) + 1, d * (kw - 1) + 1
    hp, wp = h + rows[0] + rows[1], w + cols[0] + cols[1]
    if sh <= hp and sw <= wp:
        return None
    kernel = f"the {kh}×{kw} {what}" + (f" with dilation {d} spans {sh}×{sw} cells, which" if d > 1 else "")
    if (hp, wp) == (h, w):
        return f"{kernel} does not fit in the {h}×{w} {src} (no padding)"
    if rows[0] == rows[1] == cols[0] == cols[1]:
        pad = f"{rows[0]} cell{'s' if rows[0] != 1 else ''} of padding on each side"
    else:
        pad = f"padding {rows[0]}+{rows[1]} rows, {cols[0]}+{cols[1]} columns"
    return f"{kernel} does not fit in the {hp}×{wp} padded {src} ({h}×{w} plus {pad})"


def _matrix(spec, label, max_side=MAX_EXPLORER_KERNEL):
    """{rows, cols, values} -> (rows, cols) float64, validated."""
    a = _api()
    spec = a._plain(spec) or {}
    if not isinstance(spec, dict):
        raise TypeError(f"{label} must be a dict with rows, cols and values")
    rows = _bounded(spec, "rows", 3, f"{label} rows", 1, max_side)
    cols = _bounded(spec, "cols", 3, f"{label} columns", 1, max_side)
    values = np.asarray(a._get(spec, "values", []), dtype=np.float64).ravel()
    if values.size != rows * cols:
        raise ValueError(f"{label} has {values.size} values for a {rows}×{cols} grid")
    if not np.all(np.isfinite(values)):
        bad = int(np.flatnonzero(~np.isfinite(values))[0])
        raise ValueError(f"{label} row {bad // cols + 1}, column {bad % cols + 1} is not a finite number")
    return values.reshape(rows, cols)


def _kernel(params, key="kernel", default="edge", label="kernel"):
    """A kernel from ``{"preset", "size", "seed"}`` or ``{"rows", "cols", "values"}``.

    Returns (kernel (k, k) float64, meta).
    """
    a = _api()
    spec = a._plain(a._get(params, key, {})) or {}
    if not isinstance(spec, dict):
        raise TypeError(f"{label} must be a dict")
    if "values" in spec and spec.get("values") is not None:
        return _matrix(spec, label), {"preset": None}
    name = a._get(spec, "preset", default)
    if name not in kernels.KERNELS:
        raise ValueError(f"{label} preset must be one of {', '.join(kernels.kernel_names())}; got {name!r}")
    size = _bounded(spec, "size", kernels.KERNELS[name].default_size, f"{label} size", 1, MAX_EXPLORER_KERNEL)
    seed = _bounded(spec, "seed", 0, f"{label} seed", 0, 2**31 - 1)
    try:
        k = kernels.get_kernel(name, size=size, seed=seed)
    except ValueError as e:
        raise ValueError(f"{label}: {e}") from None
    return k, {"preset": name, "size": size, "seed": seed}


def _conv_pads(params, k, dilation, stride):
    """Padding control -> ((top, bottom), (left, right)) and its description."""
    a = _api()
    pad = a._padding(params, "padding", "padding")
    if pad == "same":
        if stride != 1:
            raise ValueError(f'padding "same" needs stride 1 (the output can only match the input at stride 1); stride is {stride}')
        rows = a._same_pads(k.shape[0], dilation)
        cols = a._same_pads(k.shape[1], dilation)
    else:
        p = 0 if pad == "valid" else pad
        if p > MAX_PAD:
            raise ValueError(f"padding must be at most {MAX_PAD} here, got {p}")
        rows = cols = (p, p)
    return rows, cols, pad


def _pad(x, rows, cols, mode):
    """Pad (..., H, W) with ops.pad; the conv panel's "zeros" is ops' "constant"."""
    return ops.pad(x, (cols[0], cols[1], rows[0], rows[1]), "constant" if mode == "zeros" else mode)


def gather_windows(padded: np.ndarray, kh: int, kw: int, stride: int, dilation: int, out_h: int, out_w: int):
    """Every window of a padded (H, W) array, in raster order.

    Returns
    -------
    windows : ndarray (out_h * out_w, kh, kw)
    rows, cols : ndarray (out_h * out_w,) of int: each window's top-left cell in
        ``padded`` coordinates.
    """
    r0 = np.arange(out_h) * stride
    c0 = np.arange(out_w) * stride
    rr = r0[:, None] + dilation * np.arange(kh)  # (Ho, kh)
    cc = c0[:, None] + dilation * np.arange(kw)  # (Wo, kw)
    win = padded[rr[:, None, :, None], cc[None, :, None, :]]  # (Ho, Wo, kh, kw)
    rows = np.repeat(r0, out_w)
    cols = np.tile(c0, out_h)
    return win.reshape(out_h * out_w, kh, kw), rows, cols


# --------------------------------------------------------------------------- multiply and sum


def multiply_sum(image, params=None) -> dict:
    """Elementwise products of two equal-size matrices and their sum.

    params: ``a`` and ``b`` as ``{rows, cols, values}``. The defaults are the
    notebook's 1..9 and 9..1, whose sum of products is 165.

    Returns meta ``{"shape", "sum", "a", "b", "products"}`` (array indices) and
    arrays a, b, products (rows, cols).
    """
    _, params = _args(image, params)
    default_a = {"rows": 3, "cols": 3, "values": list(range(1, 10))}
    default_b = {"rows": 3, "cols": 3, "values": list(range(9, 0, -1))}
    a = _matrix(_api()._get(params, "a", default_a), "matrix A")
    b = _matrix(_api()._get(params, "b", default_b), "matrix B")
    if a.shape != b.shape:
        raise ValueError(f"matrix A is {a.shape[0]}×{a.shape[1]} but matrix B is {b.shape[0]}×{b.shape[1]}: they must match")
    products = a * b
    total = float(products.sum())
    meta = {"shape": list(a.shape), "sum": total, "a": 0, "b": 1, "products": 2}
    return _result(meta, [a, b, products])


# --------------------------------------------------------------------------- sliding window


def window_steps(image, params=None) -> dict:
    """Every position of a filter sliding over a small grid, with its arithmetic.

    params: the input (``source`` random|digit|image, ``size``, ``seed``, ``digit``,
    ``row``, ``col``, ``scale``, ``channel``), ``kernel`` ({preset, size, seed} or
    {rows, cols, values}), ``bias``, ``stride``, ``padding`` (int or "same"),
    ``padding_mode``, ``dilation``, ``activation``, ``negative_slope``.

    Returns arrays (P = number of positions, row-major over the output):
    0 input (H, W); 1 padded (Hp, Wp); 2 kernel (kh, kw); 3 windows (P, kh, kw);
    4 products (P, kh, kw); 5 sums (P,); 6 z = sums + bias (P,); 7 outputs after the
    activation (P,); 8 window top rows and 9 left columns in padded coordinates (P,).
    meta: ``input``, ``out_shape``, ``positions``, ``pads`` {top, bottom, left, right},
    ``geometry`` {rows, cols} (ops.conv_output_geometry), settings and value ranges,
    ``agrees_with_conv2d``.
    """
    image, params = _args(image, params)
    a = _api()
    x, src = _source(image, params, STEP_GRID_MAX)
    k, kmeta = _kernel(params)
    bias = a._float(params, "bias", 0.0, "bias")
    stride = _bounded(params, "stride", 1, "stride", 1, 8)
    dilation = _bounded(params, "dilation", 1, "dilation", 1, 4)
    mode = a._choice(params, "padding_mode", "zeros", PAD_MODES, "padding mode")
    activation = a._choice(params, "activation", "none", a.ACTIVATIONS, "activation")
    slope = a._float(params, "negative_slope", 0.01, "leaky ReLU slope")
    rows, cols, pad_setting = _conv_pads(params, k, dilation, stride)

    h, w = x.shape
    kh, kw = k.shape
    try:
        gr = ops.conv_output_geometry(h, kh, stride, rows, dilation)
        gc = ops.conv_output_geometry(w, kw, stride, cols, dilation)
    except ValueError as e:
        raise ValueError(_fit_error("kernel", kh, kw, dilation, h, w, rows, cols) or str(e)) from None
    padded = _pad(x, rows, cols, mode)
    win, r0, c0 = gather_windows(padded, kh, kw, stride, dilation, gr.size, gc.size)
    products = win * k
    sums = products.sum(axis=(1, 2))
    z = sums + bias
    out = np.asarray(a._activate(z, activation, slope), dtype=np.float64)

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
        "ranges": {"input": _vrange(padded), "output": _vrange(out), "z": _vrange(z)},
        "agrees_with_conv2d": agrees,
        "arrays": ["input", "padded", "kernel", "windows", "products", "sums", "z", "outputs", "rows", "cols"],
    }
    return _result(meta, [x, padded, k, win, products, sums, z, out, r0, c0])


# --------------------------------------------------------------------------- pooling


PREFILTERS = ("none", "edge", "sobel_x", "sobel_y", "laplacian")


def pool_steps(image, params=None) -> dict:
    """Every position of a pooling window, with the overlap and the leftovers.

    params: the input as for :func:`window_steps` (``prefilter`` names a 3x3 kernel
    that first turns it into a ReLU feature map, "none" pools the grid itself),
    ``type`` (max|avg), ``window``, ``stride`` (defaults to the window),
    ``ceil_mode``.

    Returns arrays: 0 the map pooled (H, W); 1 windows (P, k, k), NaN where a
    window reaches past the map (ceil mode's partial windows); 2 values (P,);
    3 top rows, 4 left columns (P,); 5 argmax inside each window (P,), -1 for
    average; 6 coverage (H, W): how many windows read each cell (> 1 = overlap,
    0 = dropped); 7 cells counted by each window (P,); 8 output (Ho, Wo).
    meta: geometry rows/cols (ops.conv_output_geometry, with ``dropped`` and
    ``overhang``), dropped rows/columns, partial windows, overlap.
    """
    image, params = _args(image, params)
    a = _api()
    x, src = _source(image, params, STEP_GRID_MAX)
    pre = a._choice(params, "prefilter", "none", PREFILTERS, "feature map filter")
    if pre != "none":
        x = ops.relu(ops.conv2d(x, kernels.get_kernel(pre), padding=1))[0]
    kind = a._choice(params, "type", "max", ("max", "avg"), "pooling type")
    h, w = x.shape
    k = _bounded(params, "window", 2, "pooling window", 1, min(8, h, w))
    s = _bounded(params, "stride", k, "pooling stride", 1, 8)
    ceil = bool(a._get(params, "ceil_mode", False))
    gr = ops.conv_output_geometry(h, k, s, 0, 1, ceil)
    gc = ops.conv_output_geometry(w, k, s, 0, 1, ceil)
    # Cells past the map (ceil mode's overhang) read NaN: drawn, but not counted.
    need_h = (gr.size - 1) * s + k
    need_w = (gc.size - 1) * s + k
    ext = np.full((max(h, need_h), max(w, need_w)), np.nan)
    ext[:h, :w] = x
    win, r0, c0 = gather_windows(ext, k, k, s, 1, gr.size, gc.size)
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
        "ranges": {"input": _vrange(x), "output": _vrange(out)},
        "agrees_with_ops": bool(np.allclose(ref, out, rtol=1e-9, atol=1e-12, equal_nan=True)),
        "arrays": ["input", "windows", "values", "rows", "cols", "argmax", "coverage", "counts", "output"],
    }
    return _result(meta, [x, win, values, r0, c0, arg, coverage, counts, out])


# --------------------------------------------------------------------------- padding


def padded_view(image, params=None) -> dict:
    """The input padded in each of the four modes, and the "same" rule with numbers.

    params: the input as for :func:`window_steps` (an image crop keeps its colours
    with ``channel`` "rgb"), ``padding`` (0..MAX_PAD), ``kernel_size`` (for the
    "same" explanation), ``dilation``.

    Returns arrays: 0 the input (C, H, W) (C = 3 or 1) and one padded array
    (C, H + 2p, W + 2p) per mode in meta ``modes`` order; a mode that cannot pad
    this much (reflect needs p < size) has ``array`` None and an ``error``.
    meta ``same``: the numbers of the rule p = d(k-1)/2 at stride 1.
    """
    image, params = _args(image, params)
    a = _api()
    x, src = _source(image, params, VIEW_GRID_MAX, rgb=True)
    if src.get("channel", "rgb") != "rgb" or src["source"] != "image":
        x = x[:1]  # one plane is enough for gray inputs
    p = _bounded(params, "padding", 2, "padding", 0, MAX_PAD)
    k = _bounded(params, "kernel_size", 3, "kernel size", 1, 11)
    d = _bounded(params, "dilation", 1, "dilation", 1, 4)
    c, h, w = x.shape
    arrays = [x]
    modes = []
    for mode in PAD_MODES:
        entry = {"mode": mode, "array": None, "error": None}
        try:
            entry["array"] = len(arrays)
            arrays.append(_pad(x, (p, p), (p, p), mode))
        except ValueError as e:
            entry["array"] = None
            entry["error"] = str(e)
        modes.append(entry)
    span = d * (k - 1) + 1
    total = d * (k - 1)
    same_before, same_after = a._same_pads(k, d)
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
        current = {"error": _fit_error("kernel", k, k, d, h, w, (p, p), (p, p)) or str(e)}
    meta = {
        "input": src,
        "channels": c,
        "in_shape": [h, w],
        "padding": p,
        "padded_shape": [h + 2 * p, w + 2 * p],
        "modes": modes,
        "same": same,
        "current": current,
        "range": _vrange(x),
    }
    return _result(meta, arrays)


# --------------------------------------------------------------------------- receptive field


def _layer_list(params):
    """Validate ``layers``; each gets per-axis ``kk`` (kh, kw) and ``pp`` ((top, bottom), (left, right))."""
    a = _api()
    specs = a._get(params, "layers", None)
    if specs is None:
        specs = DEFAULT_STACK
    if not isinstance(specs, (list, tuple)) or not specs:
        raise ValueError("add at least one layer")
    if len(specs) > MAX_LAYERS:
        raise ValueError(f"at most {MAX_LAYERS} layers; got {len(specs)}")
    layers = []
    for i, spec in enumerate(specs):
        spec = a._plain(spec)
        name = f"layer {i + 1}"
        kind = a._choice(spec, "type", "conv", LAYER_TYPES, f"{name} type")
        kval = a._get(spec, "k", 3 if kind == "conv" else 2)
        if isinstance(kval, (list, tuple)) and len(kval) == 2:
            kk = tuple(_bounded({"v": v}, "v", 3, f"{name} kernel size", 1, 11) for v in kval)
        else:
            kk = (_bounded(spec, "k", 3 if kind == "conv" else 2, f"{name} kernel size", 1, 11),) * 2
        s = _bounded(spec, "s", 1 if kind == "conv" else kk[0], f"{name} stride", 1, 8)
        d = _bounded(spec, "d", 1, f"{name} dilation", 1, 4) if kind == "conv" else 1
        p = a._get(spec, "p", 0)
        if p == "same":
            if kind != "conv" or s != 1:
                raise ValueError(f'{name}: padding "same" is for convolutions at stride 1')
            pp = (a._same_pads(kk[0], d), a._same_pads(kk[1], d))
        elif isinstance(p, (list, tuple)) and len(p) == 2:
            pb = _bounded({"v": p[0]}, "v", 0, f"{name} padding", 0, 16)
            pa = _bounded({"v": p[1]}, "v", 0, f"{name} padding", 0, 16)
            pp = ((pb, pa), (pb, pa))
        else:
            pb = _bounded(spec, "p", 0, f"{name} padding", 0, 16)
            pp = ((pb, pb), (pb, pb))
        if kind != "conv":
            if pp[0][0] != pp[0][1] or max(pp[0]) > kk[0] // 2:
                raise ValueError(f"{name} padding must be the same on both sides and at most half the pooling window ({kk[0] // 2})")
        ceil = bool(a._get(spec, "ceil_mode", False)) if kind != "conv" else False
        layers.append({"type": kind, "k": list(kk), "s": s, "d": d, "p": [list(pp[0]), list(pp[1])],
                       "ceil_mode": ceil, "kk": kk, "pp": pp})
    return layers


DEFAULT_STACK = [
    {"type": "conv", "k": 3, "s": 1, "p": 1, "d": 1},
    {"type": "maxpool", "k": 2, "s": 2},
    {"type": "conv", "k": 3, "s": 1, "p": 1, "d": 1},
    {"type": "maxpool", "k": 2, "s": 2},
]


def _norm_layers(layers):
    """Accept plain specs (tests) or validated layers."""
    if layers and "kk" in layers[0]:
        return layers
    return _layer_list({"layers": layers})


def stack_shapes(layers, h: int, w: int):
    """Each layer's per-axis geometry for an (h, w) input: [(rows, cols), ...].

    Raises ValueError naming the layer whose window no longer fits.
    """
    layers = _norm_layers(layers)
    out = []
    for i, L in enumerate(layers):
        try:
            gr = ops.conv_output_geometry(h, L["kk"][0], L["s"], L["pp"][0], L["d"], L["ceil_mode"])
            gc = ops.conv_output_geometry(w, L["kk"][1], L["s"], L["pp"][1], L["d"], L["ceil_mode"])
        except ValueError as e:
            what = "kernel" if L["type"] == "conv" else "pooling window"
            src = f"map from layer {i}" if i else "input"
            fit = _fit_error(what, L["kk"][0], L["kk"][1], L["d"], h, w, L["pp"][0], L["pp"][1], src)
            raise ValueError(f"layer {i + 1} ({L['type']}): {fit or e}") from None
        out.append((gr, gc))
        h, w = gr.size, gc.size
    return out


def _axis_boxes(layers, sizes, axis, axis_n, upto):
    """Input interval [start, end) of every index of layer ``upto`` along one axis.

    ``sizes[i]`` is layer i's output size on this axis, ``axis_n`` the input size.
    Returns (full_start, full_end, in_start, in_end): ``full`` ignores the borders
    (the textbook receptive field, which may reach into padding); ``in`` clips to
    the real cells of every layer's input (padding depends on nothing, and ceil
    mode's overhang reads nothing).
    """
    idx = np.arange(sizes[upto])
    fs, fe = idx.copy(), idx + 1  # half-open, in layer-``upto`` output coordinates
    cs, ce = idx.copy(), idx + 1
    for i in range(upto, -1, -1):
        L = layers[i]
        k, s, d, pb = L["kk"][axis], L["s"], L["d"], L["pp"][axis][0]
        n_in = axis_n if i == 0 else sizes[i - 1]
        span = d * (k - 1) + 1
        fs, fe = fs * s - pb, (fe - 1) * s - pb + span
        cs, ce = cs * s - pb, (ce - 1) * s - pb + span
        cs, ce = np.clip(cs, 0, n_in), np.clip(ce, 0, n_in)
    return fs, fe, cs, ce


def receptive_boxes(layers, h: int, w: int):
    """Receptive fields of every pixel of every layer, per axis.

    Returns a list, one entry per layer, of dicts with ``shape`` and, for ``rows``
    and ``cols``, (full_start, full_end, in_start, in_end) int arrays (half-open).
    """
    layers = _norm_layers(layers)
    geo = stack_shapes(layers, h, w)
    rs = [g[0].size for g in geo]
    cs = [g[1].size for g in geo]
    return [{"shape": (rs[i], cs[i]),
             "rows": _axis_boxes(layers, rs, 0, h, i),
             "cols": _axis_boxes(layers, cs, 1, w, i)} for i in range(len(layers))]


STACK_3X3 = ("edge", "sobel_y", "sobel_x", "laplacian", "emboss", "outline")


def _stack_kernel(L, i, seed):
    """The explorer's filter for conv layer i: (name, kernel).

    3x3 layers take the library's edge-like kernels in turn (so deep maps stay
    visible), other odd squares a Gaussian, anything else seeded uniform(-1, 1).
    """
    kh, kw = L["kk"]
    if (kh, kw) == (3, 3):
        name = STACK_3X3[i % len(STACK_3X3)]
        return name, kernels.get_kernel(name)
    if kh == kw and kh % 2:
        return "gaussian", kernels.get_kernel("gaussian", size=kh)
    return "random", np.random.default_rng(seed + i).uniform(-1.0, 1.0, size=(kh, kw))


def run_stack(x, layers, seed=0, kernels_=None, activation="none", padding_mode="zeros"):
    """Feature maps of an (H, W) input through the stack (one filter per conv layer).

    ``kernels_`` optionally gives each conv layer's kernel (None entries use
    :func:`_stack_kernel`'s); ``activation`` "relu" or "none" after each conv.
    Returns (maps, kernels).
    """
    layers = _norm_layers(layers)
    maps, kerns = [], []
    for i, L in enumerate(layers):
        if L["type"] == "conv":
            k = kernels_[i] if kernels_ is not None and kernels_[i] is not None else _stack_kernel(L, i, seed)[1]
            kerns.append(k)
            (pt, pb), (pl, pr) = L["pp"]
            xp = _pad(x, (pt, pb), (pl, pr), padding_mode)
            x = ops.conv2d(xp, k, stride=L["s"], dilation=L["d"])[0]
            if activation == "relu":
                x = ops.relu(x)
        else:
            kerns.append(None)
            if L["type"] == "maxpool":
                x = ops.max_pool2d(x, tuple(L["kk"]), stride=L["s"], padding=L["pp"][0][0], ceil_mode=L["ceil_mode"])
            else:
                x = ops.avg_pool2d(x, tuple(L["kk"]), stride=L["s"], padding=L["pp"][0][0], ceil_mode=L["ceil_mode"])
        maps.append(np.asarray(x, dtype=np.float64))
    return maps, kerns


def receptive_field(image, params=None) -> dict:
    """Which input cells each pixel of each layer depends on.

    params: the input as for :func:`window_steps`, or ``source`` "full": the whole
    image in one ``channel`` (the convolution panel's maps); ``layers``
    [{type conv|maxpool|avgpool, k (int or [kh, kw]), s, p (int, [before, after]
    or "same"), d, ceil_mode}]; ``maps`` (bool, default True): also compute the
    feature maps (one filter per conv layer, no activation, see _stack_kernel) and every
    first-layer window; ``seed``; ``target`` {layer, row, col, kernel?}: one pixel,
    with ``kernel`` {rows, cols, values} the filter for its first-layer window.

    Returns meta ``layers``: per layer its settings, ``shape``, ``geometry`` and the
    array indices ``rs``/``re``/``cs``/``ce`` (the input region [rs, re) × [cs, ce)
    of each output row / column, clipped to real cells) and ``frs``/``fre``/
    ``fcs``/``fce`` (the textbook region, reaching into padding); ``first``: the
    first conv layer's windows, products and sums (every pixel, or the target's);
    ``target``: the chosen pixel's region and size. ``padding_mode`` fills the conv
    layers' padding (the region is the same whatever fills it).
    """
    image, params = _args(image, params)
    a = _api()
    layers = _layer_list(params)
    if a._get(params, "source", "random") == "full":
        if image is None:
            raise ValueError("the receptive field of the convolution panel needs an image")
        channel = a._choice(params, "channel", "gray", a.CHANNELS, "input channel")
        x = a.input_plane(np.asarray(image, dtype=np.float32), channel)[0].astype(np.float64)
        src = {"source": "full", "channel": channel, "shape": list(x.shape)}
    else:
        x, src = _source(image, params, VIEW_GRID_MAX)
    h, w = x.shape
    boxes = receptive_boxes(layers, h, w)
    geo = stack_shapes(layers, h, w)
    want_maps = bool(a._get(params, "maps", True))
    seed = _bounded(params, "seed", 0, "seed", 0, 2**31 - 1)
    tgt = a._plain(a._get(params, "target", None)) or None
    arrays = [x] if want_maps else [np.zeros(0)]
    info = []
    mode = a._choice(params, "padding_mode", "zeros", PAD_MODES, "padding mode")
    maps, kerns = run_stack(x, layers, seed, padding_mode=mode) if want_maps else ([None] * len(layers), [None] * len(layers))
    for i, (L, B, (gr, gc)) in enumerate(zip(layers, boxes, geo)):
        frs, fre, irs, ire = B["rows"]
        fcs, fce, ics, ice = B["cols"]
        base = len(arrays)
        arrays += [irs, ire, ics, ice, frs, fre, fcs, fce]
        entry = {key: L[key] for key in ("type", "k", "s", "d", "p", "ceil_mode")}
        entry.update({
            "shape": [gr.size, gc.size],
            "geometry": {"rows": gr.as_dict(), "cols": gc.as_dict()},
            "rs": base, "re": base + 1, "cs": base + 2, "ce": base + 3,
            "frs": base + 4, "fre": base + 5, "fcs": base + 6, "fce": base + 7,
            "full_size": [int(fre[0] - frs[0]), int(fce[0] - fcs[0])],
            "map": None, "kernel": None,
        })
        if maps[i] is not None:
            entry["map"] = len(arrays)
            entry["range"] = _vrange(maps[i])
            arrays.append(maps[i])
        if kerns[i] is not None:
            entry["kernel_name"] = _stack_kernel(L, i, seed)[0]
            entry["kernel"] = len(arrays)
            arrays.append(kerns[i])
        info.append(entry)
    meta = {"input": src, "in_shape": [h, w], "layers": info, "first": None, "target": None,
            "range": _vrange(x)}

    if tgt:
        li = _bounded(tgt, "layer", 0, "layer", 0, len(layers) - 1)
        B = boxes[li]
        r = _bounded(tgt, "row", 0, "row", 0, B["shape"][0] - 1)
        c = _bounded(tgt, "col", 0, "column", 0, B["shape"][1] - 1)
        frs, fre, irs, ire = (int(v[r]) for v in B["rows"])
        fcs, fce, ics, ice = (int(v[c]) for v in B["cols"])
        meta["target"] = {"layer": li, "row": r, "col": c,
                          "region": [irs, ire, ics, ice], "size": [ire - irs, ice - ics],
                          "full": [frs, fre, fcs, fce], "full_size": [fre - frs, fce - fcs]}

    L = layers[0]
    first_target = tgt and meta["target"]["layer"] == 0
    if L["type"] == "conv" and (want_maps or first_target):
        kspec = a._get(tgt or {}, "kernel", None)
        k = _matrix(kspec, "kernel", 11) if kspec is not None else (kerns[0] if kerns[0] is not None else _stack_kernel(L, 0, seed)[1])
        if tuple(k.shape) != tuple(L["kk"]):
            raise ValueError(f"the kernel is {k.shape[0]}×{k.shape[1]} but layer 1 is {L['kk'][0]}×{L['kk'][1]}")
        (pt, pb), (pl, pr) = L["pp"]
        xp = _pad(x, (pt, pb), (pl, pr), mode)
        gr, gc = geo[0]
        if first_target and not want_maps:
            # one window is all a hover needs on a big image
            r, c = meta["target"]["row"], meta["target"]["col"]
            s, d = L["s"], L["d"]
            win = xp[r * s : r * s + d * (k.shape[0] - 1) + 1 : d, c * s : c * s + d * (k.shape[1] - 1) + 1 : d][None]
        else:
            win, _, _ = gather_windows(xp, k.shape[0], k.shape[1], L["s"], L["d"], gr.size, gc.size)
        prods = win * k
        sums = prods.sum(axis=(1, 2))
        meta["first"] = {"windows": len(arrays), "products": len(arrays) + 1, "sums": len(arrays) + 2,
                         "kernel": len(arrays) + 3, "single": bool(first_target and not want_maps),
                         "kernel_shape": list(k.shape)}
        arrays += [win, prods, sums, k]
        if first_target:
            i = 0 if meta["first"]["single"] else meta["target"]["row"] * gc.size + meta["target"]["col"]
            meta["target"]["sum"] = float(sums[i])
    return _result(meta, arrays)


# --------------------------------------------------------------------------- flip


def flip_compare(image, params=None) -> dict:
    """Cross-correlation (what CNNs compute) against true convolution.

    params: the input as for :func:`window_steps`, ``kernel`` (default sobel_x,
    which is not symmetric), ``flip`` (bool: the switch's position).

    Returns arrays: 0 input; 1 kernel; 2 flipped kernel; 3 cross-correlation
    output; 4 convolution output (cross-correlation with the flipped kernel);
    5 difference (convolution − cross-correlation). Zero padding keeps the size
    for odd kernels. meta: ``symmetric`` (kernel equals its flip), ``max_change``.
    """
    image, params = _args(image, params)
    a = _api()
    x, src = _source(image, params, VIEW_GRID_MAX)
    k, kmeta = _kernel(params, default="sobel_x")
    flip = bool(a._get(params, "flip", False))
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
        "ranges": {"input": _vrange(x), "output": _vrange(np.concatenate([cross.ravel(), conv.ravel()])),
                   "diff": _vrange(diff)},
    }
    return _result(meta, [x, k, flipped, cross, conv, diff])


# --------------------------------------------------------------------------- RGB


def notebook_random_filter(seed: int = 0, size: int = 3, channels: int = 3) -> np.ndarray:
    """The notebook's 3-D filter: uniform(-1, 1), shape (channels, size, size), seeded."""
    return np.random.default_rng(seed).uniform(-1.0, 1.0, size=(channels, size, size))


RGB_PRESETS = ("notebook", "red_minus_blue", "gray_edge")


def _rgb_kernel(params):
    a = _api()
    spec = a._plain(a._get(params, "kernel", {})) or {}
    if spec.get("values") is not None:
        size = _bounded(spec, "size", 3, "filter size", 1, MAX_EXPLORER_KERNEL)
        v = np.asarray(a._plain(spec["values"]), dtype=np.float64).ravel()
        if v.size != 3 * size * size:
            raise ValueError(f"a {size}×{size}×3 filter has {3 * size * size} weights, got {v.size}")
        if not np.all(np.isfinite(v)):
            i = int(np.flatnonzero(~np.isfinite(v))[0])
            ch, rem = divmod(i, size * size)
            raise ValueError(f"filter {'RGB'[ch]} slice, row {rem // size + 1}, column {rem % size + 1} is not a finite number")
        return v.reshape(3, size, size), {"preset": None, "size": size}
    name = a._choice(spec, "preset", "notebook", RGB_PRESETS, "filter preset")
    size = _bounded(spec, "size", 3, "filter size", 1, MAX_EXPLORER_KERNEL)
    seed = _bounded(spec, "seed", 0, "filter seed", 0, 2**31 - 1)
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


def rgb_filter(image, params=None) -> dict:
    """A k×k×3 filter over an RGB input: per-channel partial sums, bias, total.

    params: the input as for :func:`window_steps` with colours kept (``channel``
    "rgb"; a random grid is random in each channel), ``kernel`` ({preset
    notebook|red_minus_blue|gray_edge, size, seed} or {size, values: 3·k·k}),
    ``bias``, ``padding`` (int or "same"; the notebook used "same"),
    ``activation``, ``position`` {row, col} in output coordinates.

    Returns arrays: 0 input (3, H, W); 1 filter (3, k, k); 2 per-channel partial
    sums (3, Ho, Wo); 3 z = partial sums + bias (Ho, Wo); 4 output after the
    activation; 5 the chosen position's windows (3, k, k); 6 its products (3, k, k).
    meta ``at``: the position, its three partial sums, bias, z and output.
    """
    image, params = _args(image, params)
    a = _api()
    x, src = _source(image, params, VIEW_GRID_MAX, rgb=True, digits=False)
    w, kmeta = _rgb_kernel(params)
    bias = a._float(params, "bias", 0.0, "bias")
    activation = a._choice(params, "activation", "none", a.ACTIVATIONS, "activation")
    rows, cols, pad_setting = _conv_pads({"padding": a._get(params, "padding", "same")}, w[0], 1, 1)
    _, h, wd = x.shape
    k = w.shape[1]
    try:
        gr = ops.conv_output_geometry(h, k, 1, rows, 1)
        gc = ops.conv_output_geometry(wd, k, 1, cols, 1)
    except ValueError as e:
        raise ValueError(_fit_error("filter", k, k, 1, h, wd, rows, cols) or str(e)) from None
    xp = _pad(x, rows, cols, "zeros")
    # each channel's slice over its own plane: (3, Ho, Wo), summed over channels = conv2d
    partial = ops.conv2d(xp, w[:, None], groups=3)
    z = partial.sum(axis=0) + bias
    out = np.asarray(a._activate(z, activation, 0.01), dtype=np.float64)
    pos = a._plain(a._get(params, "position", {})) or {}
    r = min(_api()._int(pos, "row", gr.size // 2, "row", minimum=0), gr.size - 1)
    c = min(_api()._int(pos, "col", gc.size // 2, "column", minimum=0), gc.size - 1)
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
        "ranges": {"output": _vrange(out), "partial": _vrange(partial), "filter": _vrange(w)},
    }
    return _result(meta, [x, w, partial, z, out, win, prods])


# --------------------------------------------------------------------------- parameter counts


def param_counts(image, params=None) -> dict:
    """Weights of one fully connected neuron against a convolution layer's.

    params: ``height``, ``width``, ``channels`` (the input), ``filters``,
    ``kernel_size``, ``neurons`` (how many fully connected neurons to compare).

    Returns meta with ``fc`` {inputs, weights_per_neuron, weights, biases, total}
    and ``conv`` {weights_per_filter, weights, biases, total}, and ``ratio``.
    """
    _, params = _args(image, params)
    h = _bounded(params, "height", 100, "image height", 1, 100_000)
    w = _bounded(params, "width", 100, "image width", 1, 100_000)
    c = _bounded(params, "channels", 1, "channels", 1, 4096)
    n = _bounded(params, "filters", 20, "number of filters", 1, 100_000)
    k = _bounded(params, "kernel_size", 5, "filter size", 1, 1000)
    m = _bounded(params, "neurons", 1, "number of neurons", 1, 100_000)
    inputs = h * w * c
    fc = {"inputs": inputs, "weights_per_neuron": inputs, "neurons": m, "weights": inputs * m,
          "biases": m, "total": inputs * m + m}
    per_filter = k * k * c
    conv = {"weights_per_filter": per_filter, "filters": n, "weights": per_filter * n, "biases": n,
            "total": per_filter * n + n}
    meta = {"height": h, "width": w, "channels": c, "kernel_size": k, "fc": fc, "conv": conv,
            "ratio": fc["weights"] / conv["weights"], "log10_ratio": math.log10(fc["weights"] / conv["weights"])}
    return _result(meta, [])
