"""Sliding windows of a layer stack: every window at once, and the receptive field of
every output pixel.

A stack is a list of :mod:`pycore.network` spec entries of type ``conv2d``,
``maxpool`` or ``avgpool`` (normalized by :func:`pycore.network.normalize_spec`), so
the explorers, the builder and the CLI share one layer format. Output sizes come
from :func:`pycore.ops.conv_output_geometry`, the one place that formula lives.

gather_windows      every window of a padded (H, W) array, in raster order
window_axes         a stack entry's per-axis window: kernel, stride, dilation, padding
fit_error           why a window does not fit its padded input, every size stated once
stack_shapes        each layer's per-axis geometry for an (h, w) input
receptive_boxes     the input region of every pixel of every layer
run_stack           the maps of an (H, W) input through a stack, one filter per conv
"""

from __future__ import annotations

import numpy as np

from . import network, ops, validate

__all__ = ["STACK_TYPES", "gather_windows", "window_axes", "fit_error", "stack_shapes", "receptive_boxes",
           "run_stack"]

# the layer types a window stack may hold
STACK_TYPES = ("conv2d", "maxpool", "avgpool")
# what the messages call each type ("layer 2 (conv): ...")
_TYPE_WORDS = {"conv2d": "conv", "maxpool": "maxpool", "avgpool": "avgpool"}


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


def window_axes(entry: dict) -> list[dict]:
    """The window of one normalized stack entry along (rows, cols).

    Returns
    -------
    list of two dicts ``{"k", "s", "d", "pads": (before, after), "ceil_mode"}``
        Conv padding resolved by ops' rules ("same" included); a pool's stride
        defaults to its window and its dilation is 1.
    """
    kind = entry["type"]
    if kind not in STACK_TYPES:
        raise ValueError(f"a window stack holds {', '.join(STACK_TYPES)} layers, not {kind!r}")
    k = validate.pair(entry["kernel_size"], "kernel_size", 1)
    if kind == "conv2d":
        s = validate.pair(entry["stride"], "stride", 1)
        d = validate.pair(entry["dilation"], "dilation", 1)
        pads = ops.resolve_conv_padding(entry["padding"], k, s, d)
        ceil = False
    elif kind in ("maxpool", "avgpool"):
        s = k if entry["stride"] is None else validate.pair(entry["stride"], "stride", 1)
        d = (1, 1)
        p = validate.pair(entry["padding"], "padding", 0)
        pads = ((p[0], p[0]), (p[1], p[1]))
        ceil = entry["ceil_mode"]
    else:
        raise ValueError(f"unhandled stack layer type {kind!r}")
    return [{"k": k[a], "s": s[a], "d": d[a], "pads": pads[a], "ceil_mode": ceil} for a in (0, 1)]


def fit_error(what, kh, kw, d, h, w, rows, cols, src="input"):
    """A kernel (or window) larger than its padded input, with every size stated once, consistently.

    ``rows``/``cols`` are (before, after) padding. None when it does fit (the
    caller's error was something else).
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


def stack_shapes(stack: list[dict], h: int, w: int) -> list[tuple[ops.ConvGeometry, ops.ConvGeometry]]:
    """Each layer's per-axis geometry for an (h, w) input: ``[(rows, cols), ...]``.

    Raises ValueError naming the layer (from 1) whose window no longer fits; its ``layer``
    attribute is that layer's index (from 0).
    """
    out = []
    for i, entry in enumerate(stack):
        ar, ac = window_axes(entry)
        try:
            gr = ops.conv_output_geometry(h, ar["k"], ar["s"], ar["pads"], ar["d"], ar["ceil_mode"])
            gc = ops.conv_output_geometry(w, ac["k"], ac["s"], ac["pads"], ac["d"], ac["ceil_mode"])
        except ValueError as e:
            what = "kernel" if entry["type"] == "conv2d" else "pooling window"
            src = f"map from layer {i}" if i else "input"
            # one dilation names both axes' spans (the explorers dilate square)
            fit = fit_error(what, ar["k"], ac["k"], ar["d"], h, w, ar["pads"], ac["pads"], src)
            error = ValueError(f"layer {i + 1} ({_TYPE_WORDS[entry['type']]}): {fit or e}")
            error.layer = i  # which layer (from 0) breaks the stack, for a caller that points at it
            raise error from None
        out.append((gr, gc))
        h, w = gr.size, gc.size
    return out


def _axis_boxes(axes, sizes, axis_n, upto):
    """Input interval [start, end) of every index of layer ``upto`` along one axis.

    ``axes[i]`` is layer i's window on this axis, ``sizes[i]`` its output size,
    ``axis_n`` the input size. Returns (full_start, full_end, in_start, in_end):
    ``full`` ignores the borders (the textbook receptive field, which may reach into
    padding); ``in`` clips to the real cells of every layer's input (padding depends
    on nothing, and ceil mode's overhang reads nothing).
    """
    idx = np.arange(sizes[upto])
    fs, fe = idx.copy(), idx + 1  # half-open, in layer-``upto`` output coordinates
    cs, ce = idx.copy(), idx + 1
    for i in range(upto, -1, -1):
        a = axes[i]
        k, s, d, pb = a["k"], a["s"], a["d"], a["pads"][0]
        n_in = axis_n if i == 0 else sizes[i - 1]
        span = d * (k - 1) + 1
        fs, fe = fs * s - pb, (fe - 1) * s - pb + span
        cs, ce = cs * s - pb, (ce - 1) * s - pb + span
        cs, ce = np.clip(cs, 0, n_in), np.clip(ce, 0, n_in)
    return fs, fe, cs, ce


def receptive_boxes(stack: list[dict], h: int, w: int) -> list[dict]:
    """Receptive fields of every pixel of every layer, per axis.

    Returns
    -------
    list of dict, one per layer
        ``shape`` (out_h, out_w) and, for ``rows`` and ``cols``, the int arrays
        (full_start, full_end, in_start, in_end), half-open, of length out_h / out_w.
    """
    geo = stack_shapes(stack, h, w)
    axes = [window_axes(entry) for entry in stack]
    rs = [g[0].size for g in geo]
    cs = [g[1].size for g in geo]
    return [{"shape": (rs[i], cs[i]),
             "rows": _axis_boxes([a[0] for a in axes], rs, h, i),
             "cols": _axis_boxes([a[1] for a in axes], cs, w, i)} for i in range(len(stack))]


def run_stack(x: np.ndarray, stack: list[dict], kernels: list, padding_mode: str = "zeros") -> list[np.ndarray]:
    """Feature maps of an (H, W) input through the stack, one filter per conv layer.

    Parameters
    ----------
    x : ndarray (H, W)
    stack : list of normalized spec entries (see the module docstring); each conv's
        ``activation`` is applied, its ``filters`` is taken as 1.
    kernels : list, one per entry: the conv layer's (kh, kw) kernel, None for pools.
    padding_mode : what fills the conv layers' padding (``ops.PADDING_MODES``).

    Returns
    -------
    list of ndarray (h_i, w_i), float64: each layer's output (after its activation).
    """
    spec = [{**entry, "filters": 1} if entry["type"] == "conv2d" else entry for entry in stack]
    net = network.build(spec, (1, *np.shape(x)), seed=0, padding_mode=padding_mode)
    conv_layers = [layer for layer in net.layers if layer.type == "conv2d"]
    conv_kernels = [k for entry, k in zip(stack, kernels) if entry["type"] == "conv2d"]
    for layer, k in zip(conv_layers, conv_kernels):
        layer.weight[...] = np.asarray(k, dtype=np.float64)  # (1, 1, kh, kw) <- (kh, kw)
    by_layer = {}
    for name, out in net.forward_with_activations(np.asarray(x, dtype=np.float64)[np.newaxis]):
        by_layer[name.split(".")[0]] = out[0]  # the activation's output replaces its layer's
    return list(by_layer.values())
