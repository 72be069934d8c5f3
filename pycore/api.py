"""The only module the web page calls (from its Web Worker, through Pyodide).

Everything that crosses the JavaScript boundary is plain: arguments are dicts of
numbers, strings and flat numeric buffers (typed arrays arrive as ``memoryview``);
every result is ``{"meta": dict, "arrays": [float32 ndarray, ...]}``, where ``meta``
holds only JSON-able values and refers to arrays by their index in ``arrays``.
The worker turns each array into a ``Float32Array`` and frees the proxies.

Every argument is validated here, and problems raise ``ValueError``/``TypeError``
whose message is shown to the user as is, so messages name the control and value.
The same functions run in CPython, which is how the tests check the page's numbers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import kernels, ops

__version__ = "0.1.0"

ACTIVATIONS = ("none", "relu", "leaky_relu", "sigmoid", "tanh")
CHANNELS = ("gray", "red", "green", "blue")
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
POOL_TYPES = ("none", "max", "avg")
MAX_KERNEL_SIDE = 11
MAX_FILTERS = 16
# The controls' ranges. Beyond them nothing teaches more, and a huge padding would
# allocate hundreds of MB in the browser (padding 5000 on a 512 px image: 440 MB).
MAX_STRIDE = 64
MAX_DILATION = 16
MAX_PADDING = 64
MAX_POOL = 32


# --------------------------------------------------------------------------- helpers


def _result(meta: dict, arrays=()) -> dict:
    """Package a result: float32, C-contiguous arrays so JS can read them as-is."""
    return {"meta": meta, "arrays": [np.ascontiguousarray(a, dtype=np.float32) for a in arrays]}


def _plain(value: Any) -> Any:
    """Unwrap a Pyodide JsProxy (it has ``to_py``); leave Python values alone."""
    to_py = getattr(value, "to_py", None)
    return to_py() if callable(to_py) else value


def _get(params: dict, key: str, default: Any) -> Any:
    value = params.get(key, default)
    return default if value is None else _plain(value)


def _int(params: dict, key: str, default: int, label: str, minimum: int | None = None,
         maximum: int | None = None) -> int:
    return _whole(_get(params, key, default), label, minimum, maximum)


def _whole(value: Any, label: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """A whole number (JS numbers arrive as float) in [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{label} must be a whole number, got {value!r}")
    if isinstance(value, float):
        if math.isnan(value):
            # what an empty or unparsable number box sends
            raise ValueError(f"{label} is empty or not a number")
        if not value.is_integer():
            raise ValueError(f"{label} must be a whole number, got {value!r}")
        value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{label} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{label} must be at most {maximum}, got {value}")
    return value


def _float(params: dict, key: str, default: float, label: str) -> float:
    value = _get(params, key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{label} must be a finite number, got {value!r}")
    return float(value)


def _choice(params: dict, key: str, default: str, options: tuple, label: str) -> str:
    value = _get(params, key, default)
    if value not in options:
        raise ValueError(f"{label} must be one of {', '.join(options)}; got {value!r}")
    return value


def _padding(params: dict, key: str, label: str):
    """An int >= 0, or "same"/"valid"."""
    value = _get(params, key, 0)
    if isinstance(value, str):
        if value in ("same", "valid"):
            return value
        text = value.strip()
        if text.isdigit():
            return _whole(int(text), label, 0, MAX_PADDING)
        raise ValueError(f"{label} must be a whole number >= 0, 'same' or 'valid'; got {value!r}")
    return _int(params, key, 0, label, minimum=0, maximum=MAX_PADDING)


def _range(a: np.ndarray) -> tuple[float, float]:
    """Smallest and largest finite value (NaN and inf are data, but not a range)."""
    finite = a[np.isfinite(a)]
    if finite.size == 0:
        return 0.0, 0.0
    return float(finite.min()), float(finite.max())


def _activate(z: np.ndarray, name: str, slope: float) -> np.ndarray:
    if name == "none":
        return z
    if name == "relu":
        return ops.relu(z)
    if name == "leaky_relu":
        return ops.leaky_relu(z, negative_slope=slope)
    if name == "sigmoid":
        return ops.sigmoid(z)
    if name == "tanh":
        return ops.tanh(z)
    raise ValueError(f"unknown activation {name!r}")


def _geometry(n: int, k: int, stride: int, padding, dilation: int, ceil_mode: bool = False) -> dict:
    """One axis of a sliding window, from ops' single output-size formula."""
    return ops.conv_output_geometry(n, k, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode).as_dict()


def _same_pads(k: int, dilation: int) -> tuple[int, int]:
    """(before, after) padding of ``padding="same"`` for one axis (ops' rule, at stride 1)."""
    return ops.resolve_conv_padding("same", (k, k), (1, 1), (dilation, dilation))[0]


# --------------------------------------------------------------------------- calls


def library(_params: dict | None = None) -> dict:
    """The kernel library and the option lists the page offers.

    Returns meta ``{"kernels": [{"name", "description", "rows", "cols", "array"}],
    "activations", "channels", "padding_modes", "pool_types", "max_kernel", "version"}``;
    ``arrays[k["array"]]`` holds each kernel's values, row-major (rows, cols).
    """
    entries, arrays = [], []
    for name in kernels.kernel_names():
        k = kernels.get_kernel(name)
        entries.append(
            {
                "name": name,
                "description": kernels.describe(name),
                "rows": int(k.shape[0]),
                "cols": int(k.shape[1]),
                "array": len(arrays),
            }
        )
        arrays.append(k)
    meta = {
        "kernels": entries,
        "activations": list(ACTIVATIONS),
        "channels": list(CHANNELS),
        "padding_modes": list(PADDING_MODES),
        "pool_types": list(POOL_TYPES),
        "max_kernel": MAX_KERNEL_SIDE,
        "version": __version__,
    }
    return _result(meta, arrays)


def prepare_image(rgba, height: int, width: int) -> np.ndarray:
    """RGBA bytes from a canvas -> the working image.

    Parameters
    ----------
    rgba : bytes-like of length height*width*4 (a ``Uint8ClampedArray`` from JS)
    height, width : int

    Returns
    -------
    ndarray, shape (3, height, width), float32, values in [0, 1]
    """
    height = _whole(_plain(height), "image height", minimum=1)
    width = _whole(_plain(width), "image width", minimum=1)
    buf = np.frombuffer(_plain(rgba), dtype=np.uint8)
    if buf.size != height * width * 4:
        raise ValueError(f"image data has {buf.size} bytes; a {width}x{height} RGBA image needs {height * width * 4}")
    rgb = buf.reshape(height, width, 4)[:, :, :3]  # (H, W, 3)
    return np.ascontiguousarray(rgb.transpose(2, 0, 1), dtype=np.float32) / np.float32(255)  # (3, H, W)


def input_plane(image: np.ndarray, channel: str) -> np.ndarray:
    """(3, H, W) image -> (1, H, W): the RGB mean (the notebook's grayscale) or one channel."""
    if channel == "gray":
        return image.mean(axis=0, keepdims=True, dtype=np.float32)
    if channel in ("red", "green", "blue"):
        i = CHANNELS.index(channel) - 1
        return image[i : i + 1]
    raise ValueError(f"input channel must be one of {', '.join(CHANNELS)}; got {channel!r}")


def _parse_kernels(params: dict) -> list[tuple[str, np.ndarray]]:
    specs = _get(params, "kernels", [])
    if not isinstance(specs, (list, tuple)) or not specs:
        raise ValueError("add at least one filter")
    if len(specs) > MAX_FILTERS:
        raise ValueError(f"at most {MAX_FILTERS} filters; got {len(specs)}")
    out = []
    for i, spec in enumerate(specs):
        spec = _plain(spec)
        name = str(_get(spec, "name", f"filter {i + 1}"))
        rows = _int(spec, "rows", 0, f"filter {i + 1} ({name}) rows", minimum=1)
        cols = _int(spec, "cols", 0, f"filter {i + 1} ({name}) columns", minimum=1)
        if rows > MAX_KERNEL_SIDE or cols > MAX_KERNEL_SIDE:
            raise ValueError(f"filter {i + 1} ({name}) is {rows}x{cols}; the largest kernel is {MAX_KERNEL_SIDE}x{MAX_KERNEL_SIDE}")
        values = np.asarray(_get(spec, "values", []), dtype=np.float64).ravel()
        if values.size != rows * cols:
            raise ValueError(f"filter {i + 1} ({name}) has {values.size} values for a {rows}x{cols} kernel")
        if not np.all(np.isfinite(values)):
            raise ValueError(f"filter {i + 1} ({name}) has a value that is not a finite number")
        out.append((name, values.reshape(rows, cols)))
    return out


def conv_settings(params: dict) -> dict:
    """Validate the convolution panel's controls into keyword arguments."""
    return {
        "stride": _int(params, "stride", 1, "stride", minimum=1, maximum=MAX_STRIDE),
        "padding": _padding(params, "padding", "padding"),
        "padding_mode": _choice(params, "padding_mode", "zeros", PADDING_MODES, "padding mode"),
        "dilation": _int(params, "dilation", 1, "dilation", minimum=1, maximum=MAX_DILATION),
    }


def pool_settings(params: dict) -> dict | None:
    """Validate the pooling panel's controls; None when pooling is off."""
    pool = _plain(_get(params, "pool", {})) or {}
    kind = _choice(pool, "type", "none", POOL_TYPES, "pooling type")
    if kind == "none":
        return None
    k = _int(pool, "kernel_size", 2, "pooling window", minimum=1, maximum=MAX_POOL)
    return {
        "type": kind,
        "kernel_size": k,
        "stride": _int(pool, "stride", k, "pooling stride", minimum=1, maximum=MAX_POOL),
        "padding": _int(pool, "padding", 0, "pooling padding", minimum=0, maximum=MAX_POOL // 2),
        "ceil_mode": bool(_get(pool, "ceil_mode", False)),
    }


def _conv_geometry(h: int, w: int, k: np.ndarray, conv: dict) -> dict:
    # ops owns the padding rules ("same" included): ((top, bottom), (left, right))
    s, d = conv["stride"], conv["dilation"]
    rows, cols = ops.resolve_conv_padding(conv["padding"], k.shape, (s, s), (d, d))
    return {"rows": _geometry(h, k.shape[0], s, rows, d), "cols": _geometry(w, k.shape[1], s, cols, d)}


def convolve(image: np.ndarray, params: dict) -> dict:
    """The convolution panel: filters over one input plane, activation, then pooling.

    Parameters
    ----------
    image : ndarray (3, H, W) float32 in [0, 1], from :func:`prepare_image`
    params : dict
        ``channel`` (gray|red|green|blue), ``kernels`` [{name, rows, cols, values}],
        ``stride``, ``padding`` (int, "same", "valid"), ``padding_mode``, ``dilation``,
        ``activation``, ``negative_slope``, ``pool`` {type, kernel_size, stride, padding,
        ceil_mode}.

    Returns
    -------
    meta ``{"input": {...}, "maps": [...], "pooled": [...]}``: each map has ``label``,
    ``shape`` [h, w], ``vmin``, ``vmax``, ``array`` and ``geometry`` {rows, cols};
    arrays are the (h, w) float32 maps.
    """
    params = _plain(params)
    if not isinstance(params, dict):
        raise TypeError(f"convolve expects a dict of settings, got {type(params).__name__}")
    channel = _choice(params, "channel", "gray", CHANNELS, "input channel")
    filters = _parse_kernels(params)
    conv = conv_settings(params)
    activation = _choice(params, "activation", "relu", ACTIVATIONS, "activation")
    slope = _float(params, "negative_slope", 0.01, "leaky ReLU slope")
    # A pooling problem must not hide the feature maps: they are drawn, and the
    # pooling panel reports why it has nothing to show.
    pool_error = None
    try:
        pool = pool_settings(params)
    except (ValueError, TypeError) as e:
        pool, pool_error = None, f"Pooling: {e}"

    x = input_plane(image, channel)  # (1, H, W)
    _, h, w = x.shape
    maps, pooled, arrays = [], [], []
    for name, k in filters:
        geo = _conv_geometry(h, w, k, conv)
        z = ops.conv2d(x, k, **conv)[0]  # (H', W')
        a = _activate(z, activation, slope)
        vmin, vmax = _range(a)
        maps.append({"label": name, "shape": list(a.shape), "vmin": vmin, "vmax": vmax,
                     "array": len(arrays), "geometry": geo, "kernel": [int(k.shape[0]), int(k.shape[1])]})
        arrays.append(a)
        if pool is not None and pool_error is None:
            try:
                pmeta, p = _pool_one(a, pool)
            except ValueError as e:
                pool_error = f"Pooling the {a.shape[0]}x{a.shape[1]} map of {name}: {e}"
                pooled.clear()
                continue
            pmeta.update(label=name, array=len(arrays))
            pooled.append(pmeta)
            arrays.append(p)
    meta = {
        "input": {"shape": [h, w], "channel": channel},
        "settings": {**conv, "activation": activation, "pool": pool},
        "maps": maps,
        "pooled": [] if pool_error else pooled,
        "pool_error": pool_error,
    }
    return _result(meta, arrays)


def _pool_one(a: np.ndarray, pool: dict) -> tuple[dict, np.ndarray]:
    """Pool one (H, W) map; meta carries shape, range and per-axis geometry."""
    k, s, p, ceil = pool["kernel_size"], pool["stride"], pool["padding"], pool["ceil_mode"]
    geo = {axis: _geometry(n, k, s, p, 1, ceil) for axis, n in (("rows", a.shape[0]), ("cols", a.shape[1]))}
    if pool["type"] == "max":
        out = ops.max_pool2d(a, k, stride=s, padding=p, ceil_mode=ceil)
    elif pool["type"] == "avg":
        out = ops.avg_pool2d(a, k, stride=s, padding=p, ceil_mode=ceil)
    else:
        raise ValueError(f"unknown pooling type {pool['type']!r}")
    vmin, vmax = _range(out)
    return {"shape": list(out.shape), "vmin": vmin, "vmax": vmax, "geometry": geo}, out


# --------------------------------------------------------------------------- panels
# The explorers and the network builder keep their code in modules of their own;
# importing their entry points here keeps this module the one face the worker calls.
from .builder_api import network_export, network_presets, network_run, network_trace  # noqa: E402,F401
from .explain import flip_compare, multiply_sum, padded_view, param_counts, pool_steps, receptive_field, rgb_filter, window_steps  # noqa: E402,F401
