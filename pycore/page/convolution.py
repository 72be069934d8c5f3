"""The convolution panel (first tab): the kernel library and the filters over the image.

``library(image, params)``  the named kernels, with their values
``convolve(image, params)`` filters over one input plane, activation, then pooling

The panel's controls and their limits are defined here once (``options`` in
:mod:`pycore.page` reports them to the page).
"""

from __future__ import annotations

import numpy as np

from .. import image as img
from .. import kernels, ops
from . import params as P

__all__ = ["POOL_TYPES", "MAX_KERNEL_SIDE", "MAX_FILTERS", "MAX_STRIDE", "MAX_DILATION", "MAX_PADDING", "MAX_POOL",
           "library", "convolve", "conv_settings", "pool_settings"]

POOL_TYPES = ("none", "max", "avg")
MAX_KERNEL_SIDE = 11
MAX_FILTERS = 16
# The controls' ranges. Beyond them nothing teaches more, and a huge padding would
# allocate hundreds of MB in the browser (padding 5000 on a 512 px image: 440 MB).
MAX_STRIDE = 64
MAX_DILATION = 16
MAX_PADDING = 64
MAX_POOL = 32


def library(image, params) -> dict:
    """The kernel library.

    Returns
    -------
    meta ``{"kernels": [{"name", "description", "rows", "cols", "array"}]}``
    arrays ``{name: (rows, cols)}``: each kernel's default-size values (``array`` is
    the kernel's name).
    """
    entries, arrays = [], {}
    for name in kernels.kernel_names():
        k = kernels.get_kernel(name)
        entries.append({"name": name, "description": kernels.kernel_description(name),
                        "rows": int(k.shape[0]), "cols": int(k.shape[1]), "array": name})
        arrays[name] = k
    return P.result({"kernels": entries}, arrays)


def _parse_kernels(params: dict) -> list[tuple[str, np.ndarray]]:
    specs = P.get(params, "kernels", [])
    if not isinstance(specs, (list, tuple)) or not specs:
        raise ValueError("add at least one filter")
    if len(specs) > MAX_FILTERS:
        raise ValueError(f"at most {MAX_FILTERS} filters; got {len(specs)}")
    out = []
    for i, spec in enumerate(specs):
        spec = P.plain(spec)
        name = str(P.get(spec, "name", f"filter {i + 1}"))
        rows = P.integer(spec, "rows", 0, f"filter {i + 1} ({name}) rows", minimum=1)
        cols = P.integer(spec, "cols", 0, f"filter {i + 1} ({name}) columns", minimum=1)
        if rows > MAX_KERNEL_SIDE or cols > MAX_KERNEL_SIDE:
            raise ValueError(f"filter {i + 1} ({name}) is {rows}x{cols}; the largest kernel is "
                             f"{MAX_KERNEL_SIDE}x{MAX_KERNEL_SIDE}")
        values = np.asarray(P.get(spec, "values", []), dtype=np.float64).ravel()
        if values.size != rows * cols:
            raise ValueError(f"filter {i + 1} ({name}) has {values.size} values for a {rows}x{cols} kernel")
        if not np.all(np.isfinite(values)):
            raise ValueError(f"filter {i + 1} ({name}) has a value that is not a finite number")
        out.append((name, values.reshape(rows, cols)))
    return out


def conv_settings(params: dict) -> dict:
    """The panel's convolution controls as ``ops.conv2d`` keyword arguments."""
    return {
        "stride": P.integer(params, "stride", 1, "stride", minimum=1, maximum=MAX_STRIDE),
        "padding": P.padding(params, "padding", "padding", MAX_PADDING),
        "padding_mode": P.choice(params, "padding_mode", "zeros", ops.PADDING_MODES, "padding mode"),
        "dilation": P.integer(params, "dilation", 1, "dilation", minimum=1, maximum=MAX_DILATION),
    }


def pool_settings(params: dict) -> dict | None:
    """The panel's pooling controls; None when pooling is off."""
    pool = P.plain(P.get(params, "pool", {})) or {}
    kind = P.choice(pool, "type", "none", POOL_TYPES, "pooling type")
    if kind == "none":
        return None
    k = P.integer(pool, "kernel_size", 2, "pooling window", minimum=1, maximum=MAX_POOL)
    return {
        "type": kind,
        "kernel_size": k,
        "stride": P.integer(pool, "stride", k, "pooling stride", minimum=1, maximum=MAX_POOL),
        "padding": P.integer(pool, "padding", 0, "pooling padding", minimum=0, maximum=MAX_POOL // 2),
        "ceil_mode": P.flag(pool, "ceil_mode"),
    }


def _axis(n: int, k: int, stride: int, padding, dilation: int, ceil_mode: bool = False) -> dict:
    """One axis of a sliding window, from ops' single output-size formula."""
    return ops.conv_output_geometry(n, k, stride=stride, padding=padding, dilation=dilation,
                                    ceil_mode=ceil_mode).as_dict()


def _conv_geometry(h: int, w: int, k: np.ndarray, conv: dict) -> dict:
    # ops owns the padding rules ("same" included): ((top, bottom), (left, right))
    s, d = conv["stride"], conv["dilation"]
    rows, cols = ops.resolve_conv_padding(conv["padding"], k.shape, (s, s), (d, d))
    return {"rows": _axis(h, k.shape[0], s, rows, d), "cols": _axis(w, k.shape[1], s, cols, d)}


def _pool_one(a: np.ndarray, pool: dict) -> tuple[dict, np.ndarray]:
    """Pool one (H, W) map; meta carries shape, range and per-axis geometry."""
    k, s, p, ceil = pool["kernel_size"], pool["stride"], pool["padding"], pool["ceil_mode"]
    geo = {axis: _axis(n, k, s, p, 1, ceil) for axis, n in (("rows", a.shape[0]), ("cols", a.shape[1]))}
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
        ceil_mode}.

    Returns
    -------
    meta ``{"input": {shape, channel}, "settings", "maps": [...], "pooled": [...],
    "pool_error"}``: each map has ``label``, ``shape`` [h, w], ``vmin``, ``vmax``,
    ``nonfinite``, ``array``, ``geometry`` {rows, cols} and ``kernel`` [kh, kw]; each
    pooled map ``label``, ``shape``, ``vmin``, ``vmax``, ``nonfinite``, ``array``,
    ``geometry``. ``vmin``/``vmax`` cover the finite cells only (None when there are
    none); ``nonfinite`` counts the others (:func:`pycore.page.params.nonfinite`).
    arrays ``{"map<i>": (h, w), "pooled<i>": (h', w')}``, i = the filter's index.
    """
    params = P.settings(params, "convolve")
    channel = P.choice(params, "channel", "gray", img.CHANNELS, "input channel")
    filters = _parse_kernels(params)
    conv = conv_settings(params)
    activation = P.choice(params, "activation", "relu", ops.ACTIVATIONS, "activation")
    slope = P.number(params, "negative_slope", 0.01, "leaky ReLU slope")
    # A pooling problem must not hide the feature maps: they are drawn, and the
    # pooling panel reports why it has nothing to show.
    pool_error = None
    try:
        pool = pool_settings(params)
    except (ValueError, TypeError) as e:
        pool, pool_error = None, f"Pooling: {e}"
    if image is None:
        raise ValueError("no image yet: choose one, drop one, or use the sample photo")

    x = img.input_plane(image, channel)  # (1, H, W)
    _, h, w = x.shape
    maps, pooled, arrays = [], [], {}
    for i, (name, k) in enumerate(filters):
        geo = _conv_geometry(h, w, k, conv)
        z = ops.conv2d(x, k, **conv)[0]  # (H', W')
        a = ops.activate(z, activation, slope)
        maps.append({"label": name, "shape": list(a.shape), **img.map_stats(a),
                     "array": f"map{i}", "geometry": geo, "kernel": [int(k.shape[0]), int(k.shape[1])]})
        arrays[f"map{i}"] = a
        if pool is not None and pool_error is None:
            try:
                pmeta, p = _pool_one(a, pool)
            except ValueError as e:
                pool_error = f"Pooling the {a.shape[0]}x{a.shape[1]} map of {name}: {e}"
                for entry in pooled:
                    del arrays[entry["array"]]
                pooled.clear()
                continue
            pmeta.update(label=name, array=f"pooled{i}")
            pooled.append(pmeta)
            arrays[f"pooled{i}"] = p
    meta = {
        "input": {"shape": [h, w], "channel": channel},
        "settings": {**conv, "activation": activation, "pool": pool},
        "maps": maps,
        "pooled": [] if pool_error else pooled,
        "pool_error": pool_error,
    }
    return P.result(meta, arrays)
