"""The network builder (third tab): presets, the live table, running and exporting.

Four calls, each ``f(image, params)`` returning ``{"meta": JSON-able dict, "arrays":
{name: float32 ndarray}}``:

``network_presets``  the presets, the layer types with their defaults, the activations,
                     inits and limits the page offers (meta only)
``network_trace``    shapes, parameters and multiply-adds of every layer with the
                     working shown, without running anything (the page calls it on
                     every edit); a stack that does not fit together never raises: the
                     first breaking layer carries the reason
``network_run``      fits the image to the network's input (:func:`pycore.image.fit_image`),
                     builds the network with seeded weights, runs it layer by layer with
                     each layer's time, and returns every layer's output for drawing
``network_export``   the stack as JSON, PyTorch code and pycore code (meta only)

The builder state
-----------------
Every call takes the same keys (missing ones get the defaults):

``spec``   a network spec, see :mod:`pycore.network`;
``input``  ``{"color": "rgb" | "gray", "height": int, "width": int,
           "fit": "resize" | "crop"}``; the input shape is
           ``(3 if rgb else 1, height, width)``;
``seed``   int in ``[0, 2**32)``, draws every weight (one generator, layer by layer);
``init``   ``"he"`` (default), ``"glorot"`` or ``"uniform"`` (the tutorial's U(-1, 1)).

Error messages count layers from 1, as the page numbers them, where pycore.network
counts from 0; they are made from the trace's structured ``problem``.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

import numpy as np

from .. import codegen, ops, validate
from .. import image as img
from .. import layers as L
from .. import network as N
from ..presets import PRESETS
from . import params as P

__all__ = ["DEFAULT_INPUT", "LIMITS", "network_presets", "network_trace", "display_factors", "run_layers",
           "layer_results",
           "network_run", "network_export"]

DEFAULT_INPUT = {"color": "rgb", "height": 352, "width": 480, "fit": "crop"}

MAX_INPUT_SIDE = 1024
MAX_LAYERS = 40
MAX_SEED = 2**32 - 1
# What the page agrees to run in its worker (a run cannot be interrupted): the
# tutorial's network needs 96 million multiply-adds and 854 thousand parameters.
MAX_RUN_MACS = 1_500_000_000
MAX_RUN_PARAMS = 10_000_000
MAX_LAYER_VALUES = 16_000_000
LIMITS = {"max_input_side": MAX_INPUT_SIDE, "max_layers": MAX_LAYERS, "max_seed": MAX_SEED,
          "max_run_macs": MAX_RUN_MACS, "max_run_params": MAX_RUN_PARAMS, "max_layer_values": MAX_LAYER_VALUES}
# Drawing budget (float32 values sent back): per layer and in all. A layer above
# its share is averaged down by a whole factor for display, and the page says so.
LAYER_DISPLAY_BUDGET = 3_000_000
TOTAL_DISPLAY_BUDGET = 8_000_000
STRIP_MAX = 4096  # the flatten strip shows at most this many values (bin means)

PRESET_LABELS = {"seed": "The notebook's network", "lenet": "LeNet-like",
                 "tiny": "Tiny", "digits": "Digits (8×8)"}
# How each preset fits the image by default: the tutorial crops its photo.
PRESET_FIT = {"seed": "crop"}
# the spec keys whose field takes a size: one number or a height, width pair
PAIR_KEYS = ("kernel_size", "stride", "dilation", "padding")


# --------------------------------------------------------------------------- params

def _params(params: Any, who: str) -> dict:
    return P.settings(P.deep_plain(params), who)


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
    try:
        return {"color": P.choice(raw, "color", "rgb", img.COLORS, "input colour"),
                "fit": P.choice(raw, "fit", "crop", img.FITS, "input fit"),
                "height": P.integer(raw, "height", 0, "input height", 1, MAX_INPUT_SIDE),
                "width": P.integer(raw, "width", 0, "input width", 1, MAX_INPUT_SIDE)}
    except (ValueError, TypeError) as error:
        # the keys are nested in the settings: the page's control is "input.height"
        if getattr(error, "field", None) is not None:
            error.field = f"input.{error.field}"
        raise


def _input_shape(inp: dict) -> tuple[int, int, int]:
    return (3 if inp["color"] == "rgb" else 1, inp["height"], inp["width"])


def _seed(params: dict) -> int:
    return P.integer(params, "seed", 0, "seed", 0, MAX_SEED)


def _init(params: dict) -> str:
    return P.choice({"init": params.get("init") or "he"}, "init", "he", L.INITS, "weight init")


# --------------------------------------------------------------------------- presets

def _defaults(keys: dict) -> dict:
    # the spec's "required" marker is not JSON: required keys get None
    return {k: (None if v is N.REQUIRED else v) for k, v in keys.items()}


def network_presets(image, params) -> dict:
    """The builder's options.

    Returns
    -------
    dict
        meta ``{"presets": [{"name", "label", "description", "input": {color,
        height, width, fit}, "spec"}], "types": {type: {key: default}}, "required":
        {type: [keys]}, "activations", "inits", "colors", "fits", "limits"}``; no arrays.
        ``image`` and ``params`` are not used.
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
        "required": {t: [k for k, v in keys.items() if v is N.REQUIRED]
                     for t, keys in N.SPEC_KEYS.items()},
        "activations": list(ops.ACTIVATIONS),
        "inits": list(L.INITS),
        "colors": list(img.COLORS),
        "fits": list(img.FITS),
        "limits": dict(LIMITS),
    }
    return P.result(meta)


# --------------------------------------------------------------------------- trace

def _n(v: int) -> str:
    """1234567 -> '1,234,567'."""
    return f"{v:,}"


def _conv_pads(cfg: dict) -> tuple:
    """((top, bottom), (left, right)) of a normalized conv entry, by ops' padding rules."""
    return ops.resolve_conv_padding(cfg["padding"], validate.pair(cfg["kernel_size"], "kernel_size"),
                                    validate.pair(cfg["stride"], "stride"), validate.pair(cfg["dilation"], "dilation"))


def _explain(cfg: dict, in_shape, row: dict) -> dict:
    """The working behind a row's shape, parameters and multiply-adds, as short text."""
    kind, out = cfg["type"], row["output_shape"]
    ex = {"shape": None, "params": None, "macs": None}
    if kind == "conv2d":
        c = in_shape[0]
        kh, kw = validate.pair(cfg["kernel_size"], "kernel_size")
        sh, sw = validate.pair(cfg["stride"], "stride")
        dh, dw = validate.pair(cfg["dilation"], "dilation")
        (pt, pb), (pl, pr) = _conv_pads(cfg)
        gh = ops.conv_output_geometry(in_shape[1], kh, sh, (pt, pb), dh)
        gw = ops.conv_output_geometry(in_shape[2], kw, sw, (pl, pr), dw)
        f = cfg["filters"]
        ex["shape"] = (f"{f} filters, one map each; height {gh.formula}; "
                       f"width {gw.formula}")
        ex["params"] = (f"{f} filters × ({c}×{kh}×{kw} = {c * kh * kw} weights) + {f} biases "
                        f"= {_n(row['params'])}")
        ex["macs"] = (f"{codegen.shape_text(out)} = {_n(math.prod(out))} outputs × {c * kh * kw} "
                      f"multiply-adds each = {_n(row['macs'])}")
    elif kind in ("maxpool", "avgpool"):
        kh, kw = validate.pair(cfg["kernel_size"], "kernel_size")
        stride = cfg["stride"] if cfg["stride"] is not None else cfg["kernel_size"]
        sh, sw = validate.pair(stride, "stride")
        ph, pw = validate.pair(cfg["padding"], "padding")
        gh = ops.conv_output_geometry(in_shape[1], kh, sh, ph, 1, cfg["ceil_mode"])
        gw = ops.conv_output_geometry(in_shape[2], kw, sw, pw, 1, cfg["ceil_mode"])
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
        kh, kw = validate.pair(cfg["kernel_size"], "kernel_size")
        maps = f"{_n(f)} maps of {codegen.shape_text(row['output_shape'][1:])}"
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
                why += f" ({_n(shape[0])} maps of {codegen.shape_text(shape[1:])}, flattened)"
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


def _page_numbers(rows: list, spec: list) -> None:
    """Count layers from 1 in error messages, as the page does (pycore counts from 0),
    and give each broken row its ``reason``: the message without "layer N (name): "."""
    for row in rows:
        row["reason"] = None
        problem = row["problem"]
        if problem is None:
            continue
        key, reason = problem["key"], problem["reason"]
        entry = spec[problem["layer"]]
        value = entry.get(key) if key in PAIR_KEYS and isinstance(entry, dict) else None
        if isinstance(value, str) and value not in ("same", "valid"):
            # text the page could not read as a size: show the forms its field takes
            low = "0" if key == "padding" else "1"
            reason = (f"{N.setting_name(key)} {N.quoted(value)} is not a size: type one whole number "
                      f"(at least {low}) for both height and width, or two: 3,5 (also 3x5 or [3, 5]) "
                      f"for height 3 and width 5")
        shown = {**problem, "reason": reason}
        row["error"] = N.problem_message(shown, first=1)
        row["reason"] = reason


def _trace(params: dict) -> dict:
    spec = _spec(params)
    inp = _input(params)
    shape = _input_shape(inp)
    rows = N.trace(spec, shape)
    for row in rows[1:]:
        if row["type"] is None:  # not a known layer type: pycore's placeholder counts from 0
            row["name"] = f"layer{row['index'] + 1}"
    _page_numbers(rows, spec)
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


def network_trace(image, params) -> dict:
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
        Only for a malformed call (the stack not a list, a bad input size, a seed or
        initialization :func:`network_run` would refuse, so the page says so before
        running); a stack whose layers do not fit together is reported in the rows instead.
    """
    p = _params(params, "the builder")
    _seed(p)
    _init(p)
    return P.result(_trace(p))


# --------------------------------------------------------------------------- run

def display_factors(shapes: list) -> list[int]:
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


def _set_weights(net: N.Sequential, weights: Any) -> None:
    """Put ``weights`` (parameter name -> flat numbers or an array) into ``net``, every
    parameter given with its size."""
    if not isinstance(weights, dict):
        raise ValueError(f"weights must be a dict of parameter name -> numbers, got {type(weights).__name__}")
    params = net.params()
    missing = [k for k in params if k not in weights]
    extra = [k for k in weights if k not in params]
    if missing or extra:
        raise ValueError(f"the weights do not fit the stack: missing {missing}, unexpected {extra}")
    for name, layer in zip(net.names, net.layers):
        for key, value in layer.params().items():
            given = np.asarray(P.plain(weights[f"{name}.{key}"]), dtype=np.float64).ravel()
            if given.size != value.size or not np.all(np.isfinite(given)):
                raise ValueError(f"weights {name}.{key}: need {value.size} finite numbers "
                                 f"({codegen.shape_text(value.shape)}), got {given.size}")
            setattr(layer, key, given.reshape(value.shape))
    net.zero_grads()


def run_layers(net: N.Sequential, x: np.ndarray) -> tuple[dict, dict]:
    """Run one example through ``net`` layer by layer, in ``x``'s dtype.

    Parameters
    ----------
    net : Sequential
        Built from a spec (its layer names are the spec's, activations ``"conv1.relu"``).
    x : ndarray (C, H, W)

    Returns
    -------
    outputs : dict
        Spec layer name -> its output for the example (an activation layer such as
        ``"conv1.relu"`` counts with its layer: the output after the activation).
    seconds : dict
        Spec layer name -> its time in seconds (with its activation).
    """
    y = x[np.newaxis]
    outputs, times = {}, {}
    for name, layer in zip(net.names, net.layers):
        t0 = time.perf_counter()
        y = layer.forward(y)
        dt = time.perf_counter() - t0
        key = name.split(".")[0]
        times[key] = times.get(key, 0.0) + dt
        outputs[key] = y[0]
    return outputs, times


def layer_results(rows: list, outputs: dict, seconds: dict) -> tuple[list, dict, dict | None]:
    """What the page draws of every layer's output (:func:`network_run`'s ``layers``).

    Parameters
    ----------
    rows : list of dict
        The trace rows of the layers (without the input row), in order.
    outputs, seconds : dict
        From :func:`run_layers`.

    Returns
    -------
    layers : list of dict
        One entry per row, as in :func:`network_run`'s meta ``layers``; a flatten of
        full-size maps refers to the maps' array (``same_as``), the first row's to ``"input"``.
    arrays : dict
        Layer name -> display array (maps (C, h, w), a strip (n,) or a vector (units,)).
    scores : dict or None
        ``{"logits", "probabilities", "softmax_layer"}`` when the network ends in dense
        (and softmax) layers.
    """
    factors = display_factors([r["output_shape"] for r in rows])
    arrays = {}
    layers_meta = []
    prev = {"array": "input", "factor": 1, "kind": "maps"}
    logits = probs = None
    softmax_layer = False
    for row, f in zip(rows, factors):
        out = outputs[row["name"]]
        entry = {"index": row["index"], "name": row["name"], "type": row["type"],
                 "activation": row["activation"], "shape": list(out.shape),
                 "ms": seconds[row["name"]] * 1000, "array": None, "same_as": None,
                 "factor": 1, "bin": 1}
        entry.update(img.map_stats(out))
        if out.ndim == 3:
            shown = img.block_mean(out, f)
            entry.update(kind="maps", factor=f, display_shape=list(shown.shape),
                         channel_ranges=[img.value_range(m) for m in shown],
                         array=row["name"])
            arrays[row["name"]] = shown
        elif row["type"] == "flatten":
            n = out.shape[0]
            if n <= STRIP_MAX and prev["kind"] == "maps" and prev["factor"] == 1:
                entry.update(kind="strip", display_shape=[n], same_as=prev["array"])
            elif n <= STRIP_MAX:
                entry.update(kind="strip", display_shape=[n], array=row["name"])
                arrays[row["name"]] = out
            else:
                b = math.ceil(n / STRIP_MAX)
                padded = np.full(math.ceil(n / b) * b, np.nan)
                padded[:n] = out
                shown = np.nanmean(padded.reshape(-1, b), axis=1)
                entry.update(kind="strip", display_shape=[shown.size], bin=b,
                             array=row["name"])
                arrays[row["name"]] = shown
        else:
            entry.update(kind="vector", display_shape=[out.size], array=row["name"])
            arrays[row["name"]] = out
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
    return layers_meta, arrays, scores


def network_run(image: np.ndarray, params: Any) -> dict:
    """Run the stack on the current image.

    Parameters
    ----------
    image : ndarray (3, H, W) float32 in [0, 1] (the page's current image)
    params : dict
        ``spec``, ``input``, ``seed``, ``init`` (see the module docstring), and optionally
        ``weights``: ``{"<layer>.<param>": flat numbers}`` for every parameter (what the
        Train tab's ``train_export`` sends), used instead of the seeded ones.

    Returns
    -------
    dict
        meta::

            {"input": {"shape", "fit": fit_image info, "array", "vmin", "vmax", "nonfinite"},
             "layers": [{"index", "name", "type", "activation", "shape",
                         "ms",                # this layer's time (with its activation)
                         "kind": "maps" | "strip" | "vector",
                         "array",             # its array's name: the layer's (None: see "same_as")
                         "same_as",           # flatten of full-size maps: that array's name
                         "display_shape",     # maps: [C, h, w] as sent; strip: [n]
                         "factor",            # maps: averaged over factor×factor blocks
                         "bin",               # strip: values per shown cell
                         "vmin", "vmax", "nonfinite",  # of the whole output (finite-only
                                                       # range, None if nothing is finite)
                         "channel_ranges": [[lo, hi], ...] (maps)}],
             "scores": None | {"logits": [...], "probabilities": [...],
                               "softmax_layer": bool},
             "total_ms", "fit_ms", "build_ms", "seed", "init",
             "trained": bool (``weights`` given), "trace": network_trace meta}

        arrays: ``input`` (C, h, w), the fitted image; then, named by layer (``conv1``,
        ``maxpool1``, ``flatten``, ``dense1``, ``softmax``...), each layer's display data:
        maps (C, ceil(H/factor), ceil(W/factor)), a strip (n,) or a vector (units,).
        A flatten with ``same_as`` has no array of its own.

    Raises
    ------
    ValueError
        An invalid stack (the first broken layer's reason), a network too big for
        the page, or a bad setting (named).
    """
    p = _params(params, "the builder")
    tr = _trace(p)
    if not tr["runnable"]:
        raise ValueError(tr["run_error"])
    inp = tr["input"]
    seed, init = _seed(p), _init(p)
    if image is None:
        raise ValueError("no image yet: choose one first")

    t0 = time.perf_counter()
    x, fit_info = img.fit_image(image, inp["color"], inp["height"], inp["width"], inp["fit"])
    fit_ms = (time.perf_counter() - t0) * 1000

    t0 = time.perf_counter()
    net = N.build(tr["spec"], tr["input_shape"], seed=seed, init=init)
    trained = p.get("weights") is not None
    if trained:
        _set_weights(net, p["weights"])
    build_ms = (time.perf_counter() - t0) * 1000

    outputs, times = run_layers(net, x.astype(np.float64))
    layers_meta, arrays, scores = layer_results(tr["rows"][1:], outputs, times)
    meta_input = {"shape": list(x.shape), "fit": fit_info, "array": "input", **img.map_stats(x)}
    arrays = {"input": x, **arrays}
    meta = {"input": meta_input, "layers": layers_meta, "scores": scores,
            "total_ms": sum(times.values()) * 1000, "fit_ms": fit_ms, "build_ms": build_ms,
            "seed": seed, "init": init, "trained": trained, "trace": tr}
    return P.result(meta, arrays)


# --------------------------------------------------------------------------- export

def network_export(image, params) -> dict:
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
    p = _params(params, "the builder")
    tr = _trace(p)
    seed, init = _seed(p), _init(p)
    doc = {"input_shape": tr["input_shape"], "input": tr["input"], "seed": seed, "init": init,
           "spec": tr["spec"] if tr["valid"] else _spec(p)}
    meta = {"json": json.dumps(doc, indent=2) + "\n", "torch": None, "pycore": None,
            "error": tr["error"]}
    if tr["valid"] and tr["spec"]:
        meta["torch"] = codegen.torch_code(tr["spec"], tr["input_shape"])
        meta["pycore"] = codegen.pycore_code(tr["spec"], tr["input_shape"], seed, init)
    elif tr["valid"]:
        meta["error"] = "add a layer to the stack"
    return P.result(meta)
