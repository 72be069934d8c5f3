"""The convolution panel (first tab): the kernel library and the filters over the image.

``library(image, params)``  the named kernels, with their values
``kernel(image, params)``   one named kernel at a size (a seeded draw for ``random``)
``convolve(image, params)`` filters over one input plane, activation, then pooling

The panel's controls and their limits are defined here once (``options`` in
:mod:`pycore.page` reports them to the page). Each problem with a setting is tied to its
control (:func:`pycore.page.params.at`): ``kernels`` (the list), ``kernels.<i>`` (filter i,
from 0), ``stride``, ``padding``, ..., and ``pool.kernel_size``, ``pool.stride``,
``pool.padding`` for pooling (whose problems come back as ``meta.pool_error`` and
``meta.pool_field``, so the maps are still drawn).
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from .. import image as img
from .. import kernels, ops
from . import params as P

__all__ = ["POOL_TYPES", "MAX_KERNEL_SIDE", "MAX_FILTERS", "MAX_STRIDE", "MAX_DILATION", "MAX_PADDING", "MAX_POOL",
           "MAX_SEED", "library", "kernel", "convolve", "conv_settings", "pool_settings"]

POOL_TYPES = ("none", "max", "avg")
MAX_KERNEL_SIDE = 11
MAX_FILTERS = 16
# The controls' ranges. Beyond them nothing teaches more, and a huge padding would
# allocate hundreds of MB in the browser (padding 5000 on a 512 px image: 440 MB).
MAX_STRIDE = 64
MAX_DILATION = 16
MAX_PADDING = 64
MAX_POOL = 32
MAX_SEED = 2**31 - 1  # the random kernel's seed (the page counts up from 1)


def library(image, params) -> dict:
    """The kernel library.

    Returns
    -------
    meta ``{"kernels": [{"name", "description", "look_for", "rows", "cols", "array"}]}``
    arrays ``{name: (rows, cols)}``: each kernel's default-size values (``array`` is
    the kernel's name; ``random`` is the draw of seed 0).
    """
    entries, arrays = [], {}
    for entry in kernels.describe_kernels():
        name = entry["name"]
        k = kernels.get_kernel(name, seed=0)
        entries.append({"name": name, "description": entry["description"], "look_for": entry["look_for"],
                        "rows": int(k.shape[0]), "cols": int(k.shape[1]), "array": name})
        arrays[name] = k
    return P.result({"kernels": entries}, arrays)


def kernel(image, params) -> dict:
    """One named kernel, for the panel's "Add filter": a fresh draw for ``random``.

    Parameters
    ----------
    params : dict
        ``name`` (a library name), ``size`` (side; None for the kernel's default),
        ``seed`` (for ``random``; the page counts it up so each draw differs).

    Returns
    -------
    meta ``{"name", "rows", "cols", "seed", "look_for", "array": "kernel"}``
    arrays ``{"kernel": (rows, cols)}``
    """
    params = P.settings(params, "kernel")
    name = P.choice(params, "name", "random", tuple(kernels.kernel_names()), "kernel")
    size = None if P.get(params, "size", None) is None else P.integer(
        params, "size", 3, "kernel size", minimum=1, maximum=MAX_KERNEL_SIDE)
    seed = P.integer(params, "seed", 0, "random seed", minimum=0, maximum=MAX_SEED)
    with P.at("size"):
        k = kernels.get_kernel(name, size, seed=seed)
    meta = {"name": name, "rows": int(k.shape[0]), "cols": int(k.shape[1]), "seed": seed,
            "look_for": kernels.look_for(k), "array": "kernel"}
    return P.result(meta, {"kernel": k})


def _parse_kernels(params: dict) -> list[tuple[str, np.ndarray]]:
    """``params["kernels"]`` -> [(name, (rows, cols) float64)]; a problem is tied to
    ``kernels.<i>`` (the filter's editor) or, for the list itself, ``kernels``."""
    specs = P.get(params, "kernels", [])
    if not isinstance(specs, (list, tuple)) or not specs:
        raise P.problem("Add at least one filter.", "kernels")
    if len(specs) > MAX_FILTERS:
        raise P.problem(f"At most {MAX_FILTERS} filters at once; there are {len(specs)}.", "kernels")
    out = []
    for i, spec in enumerate(specs):
        with P.at(f"kernels.{i}"):
            spec = P.plain(spec)
            if not isinstance(spec, dict):
                raise TypeError(f"Filter {i + 1} must be a dict with name, rows, cols and values")
            name = str(P.get(spec, "name", f"filter {i + 1}"))
            who = f"Filter {i + 1} ({name})"
            rows = P.whole(P.get(spec, "rows", 0), f"{who} rows", 1)
            cols = P.whole(P.get(spec, "cols", 0), f"{who} columns", 1)
            if rows > MAX_KERNEL_SIDE or cols > MAX_KERNEL_SIDE:
                raise ValueError(f"{who} is {rows}×{cols}; a kernel can be at most "
                                 f"{MAX_KERNEL_SIDE}×{MAX_KERNEL_SIDE}")
            values = np.asarray(P.get(spec, "values", []), dtype=np.float64).ravel()
            if values.size != rows * cols:
                raise ValueError(f"{who} has {values.size} values for a {rows}×{cols} kernel")
            if not np.all(np.isfinite(values)):
                bad = int(np.flatnonzero(~np.isfinite(values))[0])
                raise ValueError(f"{who}, row {bad // cols + 1}, column {bad % cols + 1} is not a finite number")
            out.append((name, values.reshape(rows, cols)))
    return out


def conv_settings(params: dict) -> dict:
    """The panel's convolution controls as ``ops.conv2d`` keyword arguments."""
    conv = {
        "stride": P.integer(params, "stride", 1, "stride", minimum=1, maximum=MAX_STRIDE),
        "padding": P.padding(params, "padding", "padding", MAX_PADDING),
        "padding_mode": P.choice(params, "padding_mode", "zeros", ops.PADDING_MODES, "padding mode"),
        "dilation": P.integer(params, "dilation", 1, "dilation", minimum=1, maximum=MAX_DILATION),
    }
    if conv["padding"] == "same" and conv["stride"] != 1:
        # ops says it for programmers; here it is the panel's words
        raise P.problem(f'Padding "same" keeps the output as large as the input, so it works only with '
                        f'stride 1; the stride is {conv["stride"]}.', "padding")
    return conv


@contextmanager
def _pool_field():
    """The pooling settings are nested under ``pool``: a problem P ties to ``stride``
    is about ``pool.stride``."""
    try:
        yield
    except (ValueError, TypeError) as error:
        error.field = f"pool.{getattr(error, 'field', None) or 'type'}"
        raise


def pool_settings(params: dict) -> dict | None:
    """The panel's pooling controls; None when pooling is off. A problem is tied to
    ``pool.type``, ``pool.kernel_size``, ``pool.stride`` or ``pool.padding``."""
    pool = P.plain(P.get(params, "pool", {})) or {}
    with _pool_field():
        kind = P.choice(pool, "type", "none", POOL_TYPES, "Pooling type")
        if kind == "none":
            return None
        k = P.integer(pool, "kernel_size", 2, "Pooling window", minimum=1, maximum=MAX_POOL)
        settings = {
            "type": kind,
            "kernel_size": k,
            "stride": P.integer(pool, "stride", k, "Pooling stride", minimum=1, maximum=MAX_POOL),
            "padding": P.integer(pool, "padding", 0, "Pooling padding", minimum=0, maximum=MAX_POOL // 2),
            "ceil_mode": P.flag(pool, "ceil_mode"),
        }
    if settings["padding"] > k // 2:
        # a window centred on the first padded cell must still cover a real one
        raise P.problem(f"Pooling padding can be at most half the window ({k // 2} for a window of {k}); "
                        f"it is {settings['padding']}.", "pool.padding")
    return settings


def _axis(n: int, k: int, stride: int, padding, dilation: int, ceil_mode: bool = False) -> dict:
    """One axis of a sliding window, from ops' single output-size formula."""
    return ops.conv_output_geometry(n, k, stride=stride, padding=padding, dilation=dilation,
                                    ceil_mode=ceil_mode).as_dict()


def _conv_geometry(h: int, w: int, k: np.ndarray, conv: dict, i: int, name: str) -> dict:
    """Both axes' geometry of filter ``i``; a filter that does not fit or a padding its
    mode cannot make is said in the panel's words, tied to the filter or the padding."""
    # ops owns the padding rules ("same" included): ((top, bottom), (left, right))
    s, d = conv["stride"], conv["dilation"]
    rows, cols = ops.resolve_conv_padding(conv["padding"], k.shape, (s, s), (d, d))
    for axis, n, side, (before, after), word in (("rows", h, k.shape[0], rows, "tall"),
                                                 ("columns", w, k.shape[1], cols, "wide")):
        span = d * (side - 1) + 1
        if span > n + before + after:
            size = (f"dilation {d} spreads its {side} {axis} over {span}" if d > 1 else f"{side} {axis}")
            fix = "make it smaller, lower the dilation or add padding" if d > 1 else "make it smaller or add padding"
            raise P.problem(f"Filter {i + 1} ({name}) is larger than the padded input: {size}, but the input "
                            f"has {n + before + after} {axis} with its padding. To fix it, {fix}.", f"kernels.{i}")
        mode = conv["padding_mode"]
        if (mode == "reflect" and max(before, after) >= n) or (mode == "circular" and max(before, after) > n):
            limit = "less than" if mode == "reflect" else "at most"
            raise P.problem(f"{mode.capitalize()} padding of {max(before, after)} needs padding {limit} the "
                            f"input's size: it is {n} pixels {word}.", "padding")
    return {"rows": _axis(h, k.shape[0], s, rows, d), "cols": _axis(w, k.shape[1], s, cols, d)}


def _pool_one(a: np.ndarray, pool: dict, name: str) -> tuple[dict, np.ndarray]:
    """Pool one (H, W) map; meta carries shape, range and per-axis geometry. A window
    that does not fit the map raises a problem tied to ``pool.kernel_size``."""
    k, s, p, ceil = pool["kernel_size"], pool["stride"], pool["padding"], pool["ceil_mode"]
    try:
        geo = {axis: _axis(n, k, s, p, 1, ceil) for axis, n in (("rows", a.shape[0]), ("cols", a.shape[1]))}
    except ValueError:
        h, w = a.shape
        padded = f"{h + 2 * p}×{w + 2 * p} with padding {p}" if p else f"{h}×{w}"
        raise P.problem(f"Pooling the {h}×{w} map of {name}: the {k}×{k} window is larger than the padded input "
                        f"({padded}). Use a smaller window.", "pool.kernel_size") from None
    if pool["type"] == "max":
        out = ops.max_pool2d(a, k, stride=s, padding=p, ceil_mode=ceil)
    elif pool["type"] == "avg":
        out = ops.avg_pool2d(a, k, stride=s, padding=p, ceil_mode=ceil)
    else:
        raise ValueError(f"unknown pooling type {pool['type']!r}")
    return {"shape": list(out.shape), **img.map_stats(out), "geometry": geo}, out


def convolve(image: np.ndarray, params) -> dict:
    """The convolution panel: filters over one input plane, activation, then pooling.

    Parameters
    ----------
    image : ndarray (3, H, W) float32 in [0, 1], from :func:`pycore.page.prepare_image`
    params : dict
        ``channel`` (gray|red|green|blue), ``kernels`` [{name, rows, cols, values}],
        ``stride``, ``padding`` (int, "same", "valid"), ``padding_mode``, ``dilation``,
        ``activation``, ``negative_slope``, ``pool`` {type, kernel_size, stride, padding,
        ceil_mode}, ``pre_activation`` (bool, default False: also return each map before
        the activation, when there is one).

    Returns
    -------
    meta ``{"input": {shape, channel}, "settings", "maps": [...], "pooled": [...],
    "pool_error", "pool_field"}``: each map has ``label``, ``shape`` [h, w], ``vmin``,
    ``vmax``, ``nonfinite``, ``array``, ``geometry`` {rows, cols}, ``kernel`` [kh, kw],
    ``look_for`` (one line: :func:`pycore.kernels.look_for`) and ``pre`` (None, or the
    map before the activation: ``vmin``, ``vmax``, ``nonfinite``, ``array``); each
    pooled map ``label``, ``shape``, ``vmin``, ``vmax``, ``nonfinite``, ``array``,
    ``geometry``. ``vmin``/``vmax`` cover the finite cells only (None when there are
    none); ``nonfinite`` counts the others (:func:`pycore.page.params.nonfinite`).
    ``pool_error`` is why there are no pooled maps (None when pooling is off or worked)
    and ``pool_field`` the control it is about (``pool.kernel_size``, ...).
    arrays ``{"map<i>": (h, w), "pre<i>": (h, w) (when asked), "pooled<i>": (h', w')}``,
    i = the filter's index.
    """
    params = P.settings(params, "convolve")
    channel = P.choice(params, "channel", "gray", img.CHANNELS, "input channel")
    filters = _parse_kernels(params)
    conv = conv_settings(params)
    activation = P.choice(params, "activation", "relu", ops.ACTIVATIONS, "activation")
    slope = P.number(params, "negative_slope", 0.01, "leaky ReLU slope")
    pre_activation = P.flag(params, "pre_activation") and activation != "none"
    # A pooling problem must not hide the feature maps: they are drawn, and the
    # pooling panel reports why it has nothing to show.
    pool_error = pool_field = None
    try:
        pool = pool_settings(params)
    except (ValueError, TypeError) as e:
        pool, pool_error, pool_field = None, str(e), getattr(e, "field", None) or "pool.type"
    if image is None:
        raise ValueError("no image yet: choose one, drop one, or use the sample photo")

    x = img.input_plane(image, channel)  # (1, H, W)
    _, h, w = x.shape
    maps, pooled, arrays = [], [], {}
    for i, (name, k) in enumerate(filters):
        geo = _conv_geometry(h, w, k, conv, i, name)
        z = ops.conv2d(x, k, **conv)[0]  # (H', W')
        a = ops.activate(z, activation, slope)
        pre = None
        if pre_activation:
            pre = {**img.map_stats(z), "array": f"pre{i}"}
            arrays[f"pre{i}"] = z
        maps.append({"label": name, "shape": list(a.shape), **img.map_stats(a),
                     "array": f"map{i}", "geometry": geo, "kernel": [int(k.shape[0]), int(k.shape[1])],
                     "look_for": kernels.look_for(k), "pre": pre})
        arrays[f"map{i}"] = a
        if pool is not None and pool_error is None:
            try:
                pmeta, p = _pool_one(a, pool, name)
            except ValueError as e:
                pool_error, pool_field = str(e), getattr(e, "field", None) or "pool.kernel_size"
                for entry in pooled:
                    del arrays[entry["array"]]
                pooled.clear()
                continue
            pmeta.update(label=name, array=f"pooled{i}")
            pooled.append(pmeta)
            arrays[f"pooled{i}"] = p
    meta = {
        "input": {"shape": [h, w], "channel": channel},
        "settings": {**conv, "activation": activation, "pool": pool, "pre_activation": pre_activation},
        "maps": maps,
        "pooled": [] if pool_error else pooled,
        "pool_error": pool_error,
        "pool_field": pool_field,
    }
    return P.result(meta, arrays)
