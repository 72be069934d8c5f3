"""The network builder panel's entry points (imported into :mod:`pycore.api`).

Four calls, each following the api convention (a plain dict of params in,
``{"meta": JSON-able dict, "arrays": [float32 ndarray]}`` out):

``network_presets(params)``
    The presets, the layer types with their defaults, the activations, inits and
    limits the page offers.
``network_trace(params)``
    Shapes, parameters and multiply-adds of every layer with the working shown,
    computed without running anything (fast: the page calls it on every edit). A
    stack that does not fit together never raises: the first breaking layer
    carries the reason.
``network_run(image, params)``
    Fits the current image to the network's input (grayscale or RGB; resized or
    cropped), builds the network with seeded weights, runs it layer by layer with
    each layer's time, and returns every layer's output for drawing.
``network_export(params)``
    The stack as JSON, as PyTorch code (``torch.nn.Sequential``) and as pycore code.

The builder state
-----------------
Every call takes the same keys (missing ones get the defaults):

``spec``   a network spec, see :mod:`pycore.network`;
``input``  ``{"color": "rgb" | "gray", "height": int, "width": int,
           "fit": "resize" | "crop"}``; the input shape is
           ``(3 if rgb else 1, height, width)``;
``seed``   int in ``[0, 2**32)``, draws every weight (one generator, layer by layer);
``init``   ``"he"`` (default), ``"glorot"`` or ``"uniform"`` (the tutorial's U(-1, 1)).

Fitting the image (:func:`fit_image`)
-------------------------------------
The page's image is ``(3, H, W)`` float32 in [0, 1]. Grayscale is the mean of R,
G and B (the tutorial's). ``"resize"`` stretches the whole image to exactly
``height x width`` (the aspect ratio may change). ``"crop"`` keeps the aspect
ratio: it scales the image by the smallest factor that makes it cover the target
(``max(height / H, width / W)``) and keeps the centre; when that factor is 1 it
is a plain crop of whole pixels, as the tutorial's ``img[:352]``.

Resampling is area averaging (a box filter): each output pixel is the mean of the
source area it covers, partly covered source pixels weighted by the covered
fraction. It is exact for whole-pixel crops, never aliases when shrinking, and is
blocky (nearest-like, blended at block edges) when enlarging. It runs as a few
vectorized gathers per axis (one per source pixel a destination pixel can touch).
"""

from __future__ import annotations

import json
import math
import re
import time
from numbers import Integral
from typing import Any

import numpy as np

from . import layers as L
from . import network as N
from . import ops
from .presets import PRESETS

__all__ = [
    "network_presets", "network_trace", "network_run", "network_export",
    "fit_image", "area_weights", "torch_code", "pycore_code", "DEFAULT_INPUT",
]

COLORS = ("rgb", "gray")
FITS = ("resize", "crop")
INITS = L.INITS
DEFAULT_INPUT = {"color": "rgb", "height": 352, "width": 480, "fit": "crop"}

MAX_INPUT_SIDE = 1024
MAX_LAYERS = 40
MAX_SEED = 2**32 - 1
# What the page agrees to run in its worker (a run cannot be interrupted): the
# tutorial's network needs 96 million multiply-adds and 854 thousand parameters.
MAX_RUN_MACS = 1_500_000_000
MAX_RUN_PARAMS = 10_000_000
MAX_LAYER_VALUES = 16_000_000
# Drawing budget (float32 values sent back): per layer and in all. A layer above
# its share is averaged down by a whole factor for display, and the page says so.
LAYER_DISPLAY_BUDGET = 3_000_000
TOTAL_DISPLAY_BUDGET = 8_000_000
STRIP_MAX = 4096  # the flatten strip shows at most this many values (bin means)

PRESET_LABELS = {"seed": "The notebook's network", "lenet": "LeNet-like",
                 "tiny": "Tiny", "digits": "Digits (8×8)"}
# How each preset fits the image by default: the tutorial crops its photo.
PRESET_FIT = {"seed": "crop"}


# --------------------------------------------------------------------------- params

def _plain(value: Any) -> Any:
    """Unwrap a Pyodide JsProxy (it has ``to_py``); leave Python values alone."""
    to_py = getattr(value, "to_py", None)
    return to_py() if callable(to_py) else value


def _deep_plain(value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, dict):
        return {str(_plain(k)): _deep_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_deep_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer() and math.isfinite(value):
        # JS numbers: 3 may arrive as 3.0 through some paths; a spec wants ints
        return int(value)
    return value


def _whole(value: Any, label: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (Integral, float)):
        raise ValueError(f"{label} must be a whole number from {lo} to {hi}, got {value!r}")
    if isinstance(value, float):
        if not (math.isfinite(value) and value.is_integer()):
            raise ValueError(f"{label} must be a whole number from {lo} to {hi}, got {value!r}")
        value = int(value)
    if not lo <= value <= hi:
        raise ValueError(f"{label} must be a whole number from {lo} to {hi}, got {value}")
    return int(value)


def _params(params: Any) -> dict:
    params = _deep_plain(params if params is not None else {})
    if not isinstance(params, dict):
        raise TypeError(f"the builder expects a dict of settings, got {type(params).__name__}")
    return params


def _spec(params: dict) -> list:
    spec = params.get("spec")
    if not isinstance(spec, list):
        raise ValueError(f"the layer stack must be a list of layers, got {spec!r}")
    if len(spec) > MAX_LAYERS:
        raise ValueError(f"the layer stack has {len(spec)} layers; the builder allows at "
                         f"most {MAX_LAYERS}")
    return spec


def _input(params: dict) -> dict:
    raw = params.get("input") or {}
    if not isinstance(raw, dict):
        raise ValueError(f"input settings must be a dict, got {raw!r}")
    raw = {**DEFAULT_INPUT, **{k: v for k, v in raw.items() if v is not None}}
    color, fit = raw["color"], raw["fit"]
    if color not in COLORS:
        raise ValueError(f"input colour must be rgb or gray, got {color!r}")
    if fit not in FITS:
        raise ValueError(f"input fit must be resize or crop, got {fit!r}")
    return {"color": color, "fit": fit,
            "height": _whole(raw["height"], "input height", 1, MAX_INPUT_SIDE),
            "width": _whole(raw["width"], "input width", 1, MAX_INPUT_SIDE)}


def _input_shape(inp: dict) -> tuple[int, int, int]:
    return (3 if inp["color"] == "rgb" else 1, inp["height"], inp["width"])


def _seed(params: dict) -> int:
    value = params.get("seed", 0)
    return _whole(0 if value is None else value, "seed", 0, MAX_SEED)


def _init(params: dict) -> str:
    init = params.get("init") or "he"
    if init not in INITS:
        raise ValueError(f"weight init must be one of {', '.join(INITS)}, got {init!r}")
    return init


# --------------------------------------------------------------------------- presets

def _defaults(keys: dict) -> dict:
    # the spec's "required" marker is not JSON: required keys get None
    return {k: (None if v is N._REQUIRED else v) for k, v in keys.items()}


def network_presets(_params: Any = None) -> dict:
    """The builder's options.

    Returns
    -------
    dict
        meta ``{"presets": [{"name", "label", "description", "input": {color,
        height, width, fit}, "spec"}], "types": {type: {key: default}}, "required":
        {type: [keys]}, "activations", "inits", "colors", "fits", "limits"}``; no arrays.
    """
    presets = []
    for name, p in PRESETS.items():
        c, h, w = p["input_shape"]
        presets.append({
            "name": name, "label": PRESET_LABELS.get(name, name),
            "description": p["description"],
            "input": {"color": "rgb" if c == 3 else "gray", "height": h, "width": w,
                      "fit": PRESET_FIT.get(name, "resize")},
            "spec": json.loads(json.dumps(p["spec"])),
        })
    meta = {
        "presets": presets,
        "types": {t: _defaults(keys) for t, keys in N.SPEC_KEYS.items()},
        "required": {t: [k for k, v in keys.items() if v is N._REQUIRED]
                     for t, keys in N.SPEC_KEYS.items()},
        "activations": list(N.ACTIVATIONS),
        "inits": list(INITS),
        "colors": list(COLORS),
        "fits": list(FITS),
        "limits": {"max_input_side": MAX_INPUT_SIDE, "max_layers": MAX_LAYERS,
                   "max_seed": MAX_SEED, "max_run_macs": MAX_RUN_MACS,
                   "max_run_params": MAX_RUN_PARAMS, "max_layer_values": MAX_LAYER_VALUES},
    }
    return {"meta": meta, "arrays": []}


# --------------------------------------------------------------------------- trace

def _n(v: int) -> str:
    """1234567 -> '1,234,567'."""
    return f"{v:,}"


def _dims(shape) -> str:
    return "×".join(str(s) for s in shape)


def _conv_pads(cfg: dict) -> tuple:
    """((top, bottom), (left, right)) of a normalized conv entry, by ops' padding rules."""
    return ops.resolve_conv_padding(cfg["padding"], ops.pair(cfg["kernel_size"], "kernel_size"),
                                    ops.pair(cfg["stride"], "stride"), ops.pair(cfg["dilation"], "dilation"))


def _explain(cfg: dict, in_shape, row: dict) -> dict:
    """The working behind a row's shape, parameters and multiply-adds, as short text."""
    kind, out = cfg["type"], row["output_shape"]
    ex = {"shape": None, "params": None, "macs": None}
    if kind == "conv2d":
        c = in_shape[0]
        kh, kw = ops.pair(cfg["kernel_size"], "kernel_size")
        sh, sw = ops.pair(cfg["stride"], "stride")
        dh, dw = ops.pair(cfg["dilation"], "dilation")
        (pt, pb), (pl, pr) = _conv_pads(cfg)
        gh = ops.conv_output_geometry(in_shape[1], kh, sh, (pt, pb), dh)
        gw = ops.conv_output_geometry(in_shape[2], kw, sw, (pl, pr), dw)
        f = cfg["filters"]
        ex["shape"] = (f"{f} filters, one map each; height {gh.formula}; "
                       f"width {gw.formula}")
        ex["params"] = (f"{f} filters × ({c}×{kh}×{kw} = {c * kh * kw} weights) + {f} biases "
                        f"= {_n(row['params'])}")
        ex["macs"] = (f"{_dims(out)} = {_n(math.prod(out))} outputs × {c * kh * kw} "
                      f"multiply-adds each = {_n(row['macs'])}")
    elif kind in ("maxpool", "avgpool"):
        kh, kw = ops.pair(cfg["kernel_size"], "kernel_size")
        stride = cfg["stride"] if cfg["stride"] is not None else cfg["kernel_size"]
        sh, sw = ops.pair(stride, "stride")
        gh = ops.conv_output_geometry(in_shape[1], kh, sh, 0, 1, cfg["ceil_mode"])
        gw = ops.conv_output_geometry(in_shape[2], kw, sw, 0, 1, cfg["ceil_mode"])
        what = "largest value" if kind == "maxpool" else "mean"
        ex["shape"] = (f"each {kh}×{kw} window keeps its {what}, per channel; height "
                       f"{gh.formula}; width {gw.formula}")
        dropped = [f"{g.dropped} {axis}" for g, axis in ((gh, "rows"), (gw, "columns"))
                   if g.dropped]
        if dropped:
            ex["shape"] += f" ({' and '.join(dropped)} at the edge fit no window and are dropped)"
        ex["params"] = "pooling has no weights"
        ex["macs"] = "no multiplications by weights"
    elif kind == "flatten":
        ex["shape"] = (f"{' × '.join(str(s) for s in in_shape)} = {_n(out[0])} values "
                       f"in one row (channel by channel, then row by row)")
        ex["params"] = "only rearranges values"
        ex["macs"] = "no arithmetic"
    elif kind == "dense":
        n_in, u = in_shape[0], cfg["units"]
        ex["shape"] = f"{u} units, one output each"
        ex["params"] = (f"{u} units × {_n(n_in)} inputs + {u} biases = {_n(row['params'])}")
        ex["macs"] = f"{u} units × {_n(n_in)} inputs = {_n(row['macs'])}"
    elif kind == "softmax":
        ex["shape"] = "same shape: turns scores into probabilities that sum to 1"
        ex["params"] = "no weights"
        ex["macs"] = "no multiplications by weights"
    return ex


def _source_conv(rows: list, i: int) -> dict | None:
    """The last conv row before row ``i``: the layer whose filters are row i's channels."""
    return next((r for r in reversed(rows[1:i]) if r["type"] == "conv2d"), None)


def _culprit(rows: list, cfgs: list, i: int, what: str) -> str:
    """What makes row ``i`` big (its numbers) and what to change, naming the layers.

    ``what`` is "params", "macs" or "values": the limit that is exceeded."""
    row, cfg = rows[i], cfgs[i - 1]
    in_shape = rows[i - 1]["output_shape"]
    name = row["name"]
    src = _source_conv(rows, i)
    if row["type"] == "conv2d":
        f, c = cfg["filters"], in_shape[0]
        kh, kw = ops.pair(cfg["kernel_size"], "kernel_size")
        maps = f"{_n(f)} maps of {_dims(row['output_shape'][1:])}"
        if what == "params":
            why = f"{_n(f)} filters × ({_n(c)} input channels × {kh}×{kw} weights)"
        elif what == "macs":
            why = f"{maps}, each value {_n(c)} input channels × {kh}×{kw} multiply-adds"
        else:
            why = maps
        fix = f"use fewer filters in {name}"
        if src is not None and what != "values" and c > f:
            fix = (f"use fewer filters in {src['name']} (its {_n(c)} maps are {name}'s "
                   f"input channels) or in {name}")
        if what != "params":
            fix += f", a smaller input, or more pooling before {name}"
        return f"{name} alone: {why}; {fix}"
    if row["type"] == "dense":
        u, n = cfg["units"], in_shape[0]
        why = f"{_n(u)} units × {_n(n)} inputs"
        if n >= u and rows[i - 1]["type"] == "flatten" and i >= 2:
            shape = rows[i - 2]["output_shape"]
            if len(shape) == 3:
                why += f" ({_n(shape[0])} maps of {_dims(shape[1:])}, flattened)"
            fix = "pool more before flatten"
            if src is not None:
                fix = f"use fewer filters in {src['name']} or {fix}"
            fix += f" to give {name} fewer inputs"
        elif n >= u:
            fix = f"give {name} fewer inputs"
        else:
            fix = f"use fewer units in {name}"
        return f"{name} alone: {why}; {fix}"
    return f"{name}: use a smaller input or more pooling before it"


def _limit_problem(totals: dict, rows: list, cfgs: list) -> str | None:
    """Why a valid stack is too big to run in the page, or None. The advice names the
    layer that is too big and the setting to change (filters, units, pooling)."""
    layers = list(range(1, len(rows)))
    if totals["macs"] > MAX_RUN_MACS:
        i = max(layers, key=lambda j: rows[j]["macs"])
        return (f"this network needs {_n(totals['macs'])} multiply-adds per image; the page "
                f"runs at most {_n(MAX_RUN_MACS)}. {_n(rows[i]['macs'])} of them are in "
                f"{_culprit(rows, cfgs, i, 'macs')}")
    if totals["params"] > MAX_RUN_PARAMS:
        i = max(layers, key=lambda j: rows[j]["params"])
        return (f"this network has {_n(totals['params'])} parameters; the page runs at most "
                f"{_n(MAX_RUN_PARAMS)}. {_n(rows[i]['params'])} of them are in "
                f"{_culprit(rows, cfgs, i, 'params')}")
    for i in layers:
        r = rows[i]
        if r["output_shape"] and math.prod(r["output_shape"]) > MAX_LAYER_VALUES:
            return (f"layer {r['index'] + 1} ({r['name']}) outputs "
                    f"{_n(math.prod(r['output_shape']))} values; the page runs at most "
                    f"{_n(MAX_LAYER_VALUES)} per layer. {_culprit(rows, cfgs, i, 'values')}")
    return None


_LAYER_PREFIX = re.compile(r"^layer (\d+)( \([^)]*\))?(: |, )")
_PAIR_TEXT = re.compile(r"key '(kernel_size|stride|dilation|padding)': .*; got the text "
                        r"('.*'), not a number$")


def _page_numbers(rows: list) -> None:
    """Count layers from 1 in error messages, as the page does (pycore counts from 0),
    and give each broken row its ``reason`` without the "layer N (name): " prefix."""
    for row in rows:
        row["reason"] = None
        if row["error"] is None or row["error"] == N.AFTER_ERROR:
            continue
        m = _PAIR_TEXT.search(row["error"])
        if m:  # text the page could not read as a size: show the forms its field takes
            low = "0" if m.group(1) == "padding" else "1"
            row["error"] = (f"{row['error'][:m.start()]}key '{m.group(1)}': {m.group(2)} is not "
                            f"a size; type one whole number >= {low} for both height and width, or "
                            f"two: 3,5 (also 3x5 or [3, 5]) for height 3 and width 5")
        m = _LAYER_PREFIX.match(row["error"])
        if m and int(m.group(1)) == row["index"]:
            rest = row["error"][m.end():]
            row["reason"] = rest
            row["error"] = f"layer {row['index'] + 1}{m.group(2) or ''}{m.group(3)}{rest}"
        else:
            row["reason"] = row["error"]


def _trace(params: dict) -> dict:
    spec = _spec(params)
    inp = _input(params)
    shape = _input_shape(inp)
    rows = N.trace(spec, shape)
    for row in rows[1:]:
        if row["type"] is None:  # not a known layer type: pycore's placeholder counts from 0
            row["name"] = f"layer{row['index'] + 1}"
    _page_numbers(rows)
    totals = N.trace_totals(rows)
    bad = next((i for i, r in enumerate(rows) if r["error"] is not None), None)
    # every entry before the first broken row is valid, so it normalizes
    n_valid = len(spec) if bad is None else bad - 1
    cfgs = N.normalize_spec(spec[:n_valid])
    for i, row in enumerate(rows):
        row["explain"] = None
        if i == 0:
            c = shape[0]
            row["explain"] = {"shape": f"{'RGB: 3 channels' if c == 3 else 'grayscale: 1 channel'}"
                                       f", {inp['height']}×{inp['width']} pixels, values 0–1",
                              "params": None, "macs": None}
        elif i - 1 < n_valid:
            row["explain"] = _explain(cfgs[i - 1], rows[i - 1]["output_shape"], row)
    error_index = None if bad is None else rows[bad]["index"]
    runnable_error = totals["error"] or _limit_problem(totals, rows, cfgs)
    if not spec:
        runnable_error = "add a layer to the stack"
    return {"input": inp, "input_shape": list(shape), "rows": rows, "totals": totals,
            "valid": totals["valid"], "error": totals["error"], "error_index": error_index,
            "runnable": runnable_error is None, "run_error": runnable_error,
            "spec": N.normalize_spec(spec) if totals["valid"] else None}


def network_trace(params: Any) -> dict:
    """Shapes, parameters and multiply-adds of the stack, without running it.

    Parameters
    ----------
    params : dict
        ``spec``, ``input`` (see the module docstring).

    Returns
    -------
    dict
        meta ``{"input", "input_shape", "rows", "totals", "valid", "error",
        "error_index", "runnable", "run_error", "spec"}``: ``rows`` are
        :func:`pycore.network.trace` rows (the input row first) plus ``explain``
        ``{"shape", "params", "macs"}`` (text, or None after a break) and ``reason``
        (a broken row's error without its "layer N (name): " prefix); ``error_index``
        is the spec index (from 0) of the first broken layer; ``spec`` is the
        normalized spec (every default filled in) when valid. No arrays.

        Error messages count layers from 1, as the page numbers them ("layer 11
        (dense1): dense needs a flat input ..."), where pycore.network counts from 0.

    Raises
    ------
    ValueError
        Only for a malformed call (the stack not a list, a bad input size); a stack
        whose layers do not fit together is reported in the rows instead.
    """
    return {"meta": _trace(_params(params)), "arrays": []}


# --------------------------------------------------------------------------- image fit

def area_weights(n_in: int, start: float, stop: float, n_out: int):
    """Box-filter resampling of one axis.

    Parameters
    ----------
    n_in : int
        Source length.
    start, stop : float
        The source interval ``[start, stop)`` (within ``[0, n_in]``) that maps onto
        the output.
    n_out : int
        Output length.

    Returns
    -------
    idx : ndarray of intp, shape (n_out, taps)
        Source indices each output reads.
    w : ndarray of float64, shape (n_out, taps)
        Their weights (covered fraction of the output's source interval); each row
        sums to 1.
    """
    d = (stop - start) / n_out
    lo = start + d * np.arange(n_out)
    hi = lo + d
    # intp: numpy's index type (int32 in Pyodide's wasm32), which np.take requires
    first = np.floor(lo).astype(np.intp)
    taps = int(np.max(np.ceil(hi - 1e-9).astype(np.intp) - first)) if n_out else 1
    taps = max(taps, 1)
    idx = first[:, None] + np.arange(taps, dtype=np.intp)[None, :]
    overlap = np.minimum(idx + 1, hi[:, None]) - np.maximum(idx, lo[:, None])
    w = np.clip(overlap, 0.0, None)
    w /= w.sum(axis=1, keepdims=True)
    return np.clip(idx, 0, n_in - 1), w


def _resample_axis(x: np.ndarray, axis: int, idx: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Apply area weights along ``axis`` of ``x``: one gather per tap.

    Fancy indexing (a fresh copy, scaled and summed in place) is about twice as fast
    as ``np.take`` along the last axis in Pyodide.
    """
    where = [slice(None)] * x.ndim
    shape = [1] * x.ndim
    shape[axis] = idx.shape[0]
    out = None
    for t in range(idx.shape[1]):
        where[axis] = idx[:, t]
        part = x[tuple(where)]
        part *= w[:, t].reshape(shape).astype(x.dtype)
        if out is None:
            out = part
        else:
            out += part
    return out


def fit_image(image: np.ndarray, color: str, height: int, width: int, fit: str):
    """Fit the page's image to a network input.

    Parameters
    ----------
    image : ndarray, shape (3, H, W), values in [0, 1]
    color : {"rgb", "gray"}
        Gray is the mean of R, G and B.
    height, width : int
        The network's input size.
    fit : {"resize", "crop"}
        See the module docstring.

    Returns
    -------
    x : ndarray, shape (3 or 1, height, width), float32 in [0, 1]
    info : dict
        JSON-able: ``fit``, ``source`` [H, W], ``scale`` [sy, sx] (output pixels per
        source pixel), ``window`` {top, left, height, width} (the source area used, in
        source pixels, possibly fractional) and ``text`` (a sentence for the page).
    """
    img = np.asarray(image, dtype=np.float32)
    if img.ndim != 3 or img.shape[0] != 3 or img.shape[1] < 1 or img.shape[2] < 1:
        raise ValueError(f"the image must be (3, H, W), got shape {img.shape}")
    if color not in COLORS:
        raise ValueError(f"input colour must be rgb or gray, got {color!r}")
    if fit not in FITS:
        raise ValueError(f"input fit must be resize or crop, got {fit!r}")
    _, H, W = img.shape
    if color == "gray":
        img = img.mean(axis=0, keepdims=True, dtype=np.float32)
    if fit == "resize":
        top, left, wh, ww = 0.0, 0.0, float(H), float(W)
        sy, sx = height / H, width / W
        if (H, W) == (height, width):
            text = f"The {W}×{H} image (width × height) is used as it is."
        else:
            text = (f"Resized: the whole {W}×{H} image (width × height) is stretched to "
                    f"{width}×{height}"
                    + ("; its shape is kept." if math.isclose(sy, sx, rel_tol=1e-3) else
                       f"; width ×{sx:.3g}, height ×{sy:.3g}, so its shape changes."))
    else:
        s = max(height / H, width / W)
        wh, ww = height / s, width / s
        top, left = (H - wh) / 2, (W - ww) / 2
        if s == 1.0:  # a plain crop of whole pixels
            top, left = float(math.floor(top)), float(math.floor(left))
        sy = sx = s
        # what is cut off, in pixels of the scaled image
        sh, sw = H * s, W * s
        cut = []
        if sh - height > 0.05:
            cut.append(f"{_px(top * s)} rows at the top and {_px(sh - height - top * s)} "
                       f"at the bottom")
        if sw - width > 0.05:
            cut.append(f"{_px(left * s)} columns at the left and "
                       f"{_px(sw - width - left * s)} at the right")
        if s == 1.0:
            start = f"Cropped: of the {W}×{H} image (width × height), the centre"
        else:
            start = (f"Cropped: the {W}×{H} image (width × height) is scaled by {s:.4g} to "
                     f"{_px(sw)}×{_px(sh)}, keeping its shape, and its centre")
        text = (f"{start} {width}×{height} is used"
                + (f"; {' and '.join(cut)} are cut off." if cut else "."))
    iy, wy = area_weights(H, top, top + wh, height)
    ix, wx = area_weights(W, left, left + ww, width)
    out = _resample_axis(_resample_axis(img, 1, iy, wy), 2, ix, wx)
    out = np.clip(out, 0.0, 1.0).astype(np.float32)
    info = {"fit": fit, "color": color, "source": [H, W], "scale": [sy, sx],
            "window": {"top": top, "left": left, "height": wh, "width": ww}, "text": text}
    return np.ascontiguousarray(out), info


def _px(v: float) -> str:
    return str(int(round(v))) if abs(v - round(v)) < 0.05 else f"{v:.1f}"


# --------------------------------------------------------------------------- run

def _finite_range(a: np.ndarray) -> tuple[float, float]:
    finite = a[np.isfinite(a)]
    if finite.size == 0:
        return 0.0, 0.0
    return float(finite.min()), float(finite.max())


def _display_factors(shapes: list) -> list[int]:
    """Whole downsampling factors so each map layer and all of them fit the budgets."""
    budget = LAYER_DISPLAY_BUDGET
    while True:
        factors = []
        for shape in shapes:
            if shape is None or len(shape) != 3:
                factors.append(1)
                continue
            c, h, w = shape
            f = 1
            while c * math.ceil(h / f) * math.ceil(w / f) > budget and (h > f or w > f):
                f += 1
            factors.append(f)
        total = sum(math.prod(s) if (s is not None and len(s) != 3) else
                    s[0] * math.ceil(s[1] / f) * math.ceil(s[2] / f)
                    for s, f in zip(shapes, factors) if s is not None)
        if total <= TOTAL_DISPLAY_BUDGET or budget < 1000:
            return factors
        budget //= 2


def _shrink(maps: np.ndarray, f: int) -> np.ndarray:
    """(C, H, W) averaged over f×f blocks (area resample to ceil(H/f) × ceil(W/f))."""
    if f == 1:
        return maps
    _, h, w = maps.shape
    oh, ow = math.ceil(h / f), math.ceil(w / f)
    iy, wy = area_weights(h, 0.0, float(h), oh)
    ix, wx = area_weights(w, 0.0, float(w), ow)
    return _resample_axis(_resample_axis(maps, 1, iy, wy), 2, ix, wx)


def network_run(image: np.ndarray, params: Any) -> dict:
    """Run the stack on the current image.

    Parameters
    ----------
    image : ndarray (3, H, W) float32 in [0, 1] (the page's current image)
    params : dict
        ``spec``, ``input``, ``seed``, ``init`` (see the module docstring).

    Returns
    -------
    dict
        meta::

            {"input": {"shape", "fit": fit_image info, "array", "vmin", "vmax"},
             "layers": [{"index", "name", "type", "activation", "shape",
                         "ms",                # this layer's time (with its activation)
                         "kind": "maps" | "strip" | "vector",
                         "array",             # index into arrays (None: see "same_as")
                         "same_as",           # flatten of full-size maps: that array
                         "display_shape",     # maps: [C, h, w] as sent; strip: [n]
                         "factor",            # maps: averaged over factor×factor blocks
                         "bin",               # strip: values per shown cell
                         "vmin", "vmax", "channel_ranges": [[lo, hi], ...] (maps)}],
             "scores": None | {"logits": [...], "probabilities": [...],
                               "softmax_layer": bool},
             "total_ms", "fit_ms", "build_ms", "seed", "init", "trace": network_trace meta}

        arrays: the input (C, h, w), then each layer's display data, float32.

    Raises
    ------
    ValueError
        An invalid stack (the first broken layer's reason), a network too big for
        the page, or a bad setting (named).
    """
    p = _params(params)
    tr = _trace(p)
    if not tr["runnable"]:
        raise ValueError(tr["run_error"])
    inp = tr["input"]
    seed, init = _seed(p), _init(p)
    if image is None:
        raise ValueError("no image yet: choose one first")

    t0 = time.perf_counter()
    x, fit_info = fit_image(image, inp["color"], inp["height"], inp["width"], inp["fit"])
    fit_ms = (time.perf_counter() - t0) * 1000

    t0 = time.perf_counter()
    net = N.build(tr["spec"], tr["input_shape"], seed=seed, init=init)
    build_ms = (time.perf_counter() - t0) * 1000

    # run layer by layer; an activation layer ("conv1.relu") counts with its layer
    y = x[np.newaxis].astype(np.float64)
    outputs, times = {}, {}
    for name, layer in zip(net.names, net.layers):
        t0 = time.perf_counter()
        y = layer.forward(y)
        dt = time.perf_counter() - t0
        key = name.split(".")[0]
        times[key] = times.get(key, 0.0) + dt
        outputs[key] = y[0]

    rows = tr["rows"][1:]
    factors = _display_factors([r["output_shape"] for r in rows])
    arrays = [x]
    vmin, vmax = _finite_range(x)
    meta_input = {"shape": list(x.shape), "fit": fit_info, "array": 0, "vmin": vmin,
                  "vmax": vmax}
    layers_meta = []
    prev = {"array": 0, "factor": 1, "kind": "maps"}
    logits = probs = None
    softmax_layer = False
    for row, f in zip(rows, factors):
        out = outputs[row["name"]]
        entry = {"index": row["index"], "name": row["name"], "type": row["type"],
                 "activation": row["activation"], "shape": list(out.shape),
                 "ms": times[row["name"]] * 1000, "array": None, "same_as": None,
                 "factor": 1, "bin": 1}
        lo, hi = _finite_range(out)
        entry["vmin"], entry["vmax"] = lo, hi
        if out.ndim == 3:
            shown = _shrink(out, f)
            entry.update(kind="maps", factor=f, display_shape=list(shown.shape),
                         channel_ranges=[list(_finite_range(m)) for m in shown],
                         array=len(arrays))
            arrays.append(shown)
        elif row["type"] == "flatten":
            n = out.shape[0]
            if n <= STRIP_MAX and prev["kind"] == "maps" and prev["factor"] == 1:
                entry.update(kind="strip", display_shape=[n], same_as=prev["array"])
            elif n <= STRIP_MAX:
                entry.update(kind="strip", display_shape=[n], array=len(arrays))
                arrays.append(out)
            else:
                b = math.ceil(n / STRIP_MAX)
                padded = np.full(math.ceil(n / b) * b, np.nan)
                padded[:n] = out
                shown = np.nanmean(padded.reshape(-1, b), axis=1)
                entry.update(kind="strip", display_shape=[shown.size], bin=b,
                             array=len(arrays))
                arrays.append(shown)
        else:
            entry.update(kind="vector", display_shape=[out.size], array=len(arrays))
            arrays.append(out)
            if row["type"] == "dense":
                logits, probs, softmax_layer = out, ops.softmax(out), False
            elif row["type"] == "softmax" and logits is not None:
                probs, softmax_layer = out, True
        layers_meta.append(entry)
        prev = {"array": entry["array"] if entry["array"] is not None else entry["same_as"],
                "factor": entry["factor"], "kind": entry["kind"]}
        if row["type"] not in ("dense", "softmax"):
            logits = probs = None  # scores only come from the network's dense end

    scores = None
    if logits is not None:
        scores = {"logits": [float(v) for v in logits],
                  "probabilities": [float(v) for v in probs], "softmax_layer": softmax_layer}
    meta = {"input": meta_input, "layers": layers_meta, "scores": scores,
            "total_ms": sum(times.values()) * 1000, "fit_ms": fit_ms, "build_ms": build_ms,
            "seed": seed, "init": init, "trace": tr}
    return {"meta": meta,
            "arrays": [np.ascontiguousarray(a, dtype=np.float32) for a in arrays]}


# --------------------------------------------------------------------------- export

def _py(v) -> str:
    """A spec value as Python source: pairs become tuples."""
    if isinstance(v, (list, tuple)):
        return f"({_py(v[0])}, {_py(v[1])})"
    return repr(v)


_TORCH_ACT = {"relu": "torch.nn.ReLU()", "leaky_relu": "torch.nn.LeakyReLU(0.01)",
              "sigmoid": "torch.nn.Sigmoid()", "tanh": "torch.nn.Tanh()"}
_PYCORE_ACT = {"relu": "ReLU()", "leaky_relu": "LeakyReLU(0.01)", "sigmoid": "Sigmoid()",
               "tanh": "Tanh()"}


def _valid_walk(tr: dict):
    """(cfg, input shape, row) per layer of a valid trace."""
    if not tr["valid"]:
        raise ValueError(f"the stack is invalid, so there is no code for it: {tr['error']}")
    rows = tr["rows"]
    for i, cfg in enumerate(tr["spec"]):
        yield cfg, rows[i]["output_shape"], rows[i + 1]


def torch_code(tr: dict) -> str:
    """PyTorch source for a valid trace (``_trace`` output): ``torch.nn.Sequential``."""
    c, h, w = tr["input_shape"]
    lines = ["import torch", "",
             f"# Input: a batch of shape (N, {c}, {h}, {w}), values in [0, 1].",
             "# torch draws its own initial weights; pycore's (seeded He-uniform) differ.",
             "model = torch.nn.Sequential("]
    for cfg, in_shape, row in _valid_walk(tr):
        out = _dims(row["output_shape"])
        kind = cfg["type"]
        if kind == "conv2d":
            call = (f"torch.nn.Conv2d({in_shape[0]}, {cfg['filters']}, "
                    f"kernel_size={_py(cfg['kernel_size'])}, stride={_py(cfg['stride'])}, "
                    f"padding={_py(cfg['padding'])}, dilation={_py(cfg['dilation'])})")
        elif kind in ("maxpool", "avgpool"):
            cls = "MaxPool2d" if kind == "maxpool" else "AvgPool2d"
            stride = cfg["stride"] if cfg["stride"] is not None else cfg["kernel_size"]
            call = (f"torch.nn.{cls}(kernel_size={_py(cfg['kernel_size'])}, "
                    f"stride={_py(stride)}, ceil_mode={cfg['ceil_mode']})")
        elif kind == "flatten":
            call = "torch.nn.Flatten()"
        elif kind == "dense":
            call = f"torch.nn.Linear({in_shape[0]}, {cfg['units']})"
        else:
            call = "torch.nn.Softmax(dim=1)"
        lines.append(f"    {call},  # {row['name']}: {out}")
        act = cfg.get("activation", "none")
        if act != "none":
            lines.append(f"    {_TORCH_ACT[act]},")
    lines += [")", "",
              f"x = torch.rand(1, {c}, {h}, {w})  # replace with your image",
              "print(model(x).shape)", ""]
    return "\n".join(lines)


def pycore_code(tr: dict, seed: int, init: str) -> str:
    """pycore source building the same network, with the same weights as the page."""
    c, h, w = tr["input_shape"]
    used = {"Sequential"}
    body, names = [], []
    for cfg, in_shape, row in _valid_walk(tr):
        kind = cfg["type"]
        if kind == "conv2d":
            used.add("Conv2d")
            call = (f"Conv2d({in_shape[0]}, {cfg['filters']}, "
                    f"kernel_size={_py(cfg['kernel_size'])}, stride={_py(cfg['stride'])}, "
                    f"padding={_py(cfg['padding'])}, dilation={_py(cfg['dilation'])}, "
                    f"init={init!r}, seed=rng)")
        elif kind in ("maxpool", "avgpool"):
            cls = "MaxPool2d" if kind == "maxpool" else "AvgPool2d"
            used.add(cls)
            call = (f"{cls}(kernel_size={_py(cfg['kernel_size'])}, "
                    f"stride={_py(cfg['stride'])}, ceil_mode={cfg['ceil_mode']})")
        elif kind == "flatten":
            used.add("Flatten")
            call = "Flatten()"
        elif kind == "dense":
            used.add("Dense")
            call = f"Dense({in_shape[0]}, {cfg['units']}, init={init!r}, seed=rng)"
        else:
            used.add("Softmax")
            call = "Softmax(axis=1)"
        body.append(f"    {call},  # {row['name']}: {_dims(row['output_shape'])}")
        names.append(row["name"])
        act = cfg.get("activation", "none")
        if act != "none":
            cls = _PYCORE_ACT[act]
            used.add(cls.split("(")[0])
            body.append(f"    {cls},")
            names.append(f"{row['name']}.{act}")
    layer_names = sorted(used - {"Sequential"})
    lines = ["import numpy as np", "",
             f"from pycore.layers import {', '.join(layer_names)}",
             "from pycore.network import Sequential", "",
             f"# One generator draws every layer's weights in order: seed {seed} gives the",
             "# same weights as the page.",
             f"rng = np.random.default_rng({seed})",
             "layers = ["] + body + ["]",
             f"names = {names!r}",
             f"net = Sequential(layers, names, input_shape=({c}, {h}, {w}))", "",
             f"x = np.random.default_rng(1).random(({c}, {h}, {w}))  # replace with your "
             "image, values in [0, 1]",
             "for name, out in net.forward_with_activations(x):",
             "    print(name, out.shape)", ""]
    return "\n".join(lines)


def network_export(params: Any) -> dict:
    """The stack as JSON, PyTorch code and pycore code.

    Parameters
    ----------
    params : dict
        ``spec``, ``input``, ``seed``, ``init``.

    Returns
    -------
    dict
        meta ``{"json": str, "torch": str | None, "pycore": str | None, "error": str |
        None}``: the JSON always (the stack as given, with the input and seed); the
        code only for a valid stack (else ``error`` says why). No arrays.
    """
    p = _params(params)
    tr = _trace(p)
    seed, init = _seed(p), _init(p)
    doc = {"input_shape": tr["input_shape"], "input": tr["input"], "seed": seed, "init": init,
           "spec": tr["spec"] if tr["valid"] else _spec(p)}
    meta = {"json": json.dumps(doc, indent=2) + "\n", "torch": None, "pycore": None,
            "error": tr["error"]}
    if tr["valid"] and tr["spec"]:
        meta["torch"] = torch_code(tr)
        meta["pycore"] = pycore_code(tr, seed, init)
    elif tr["valid"]:
        meta["error"] = "add a layer to the stack"
    return {"meta": meta, "arrays": []}
