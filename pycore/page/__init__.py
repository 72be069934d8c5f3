"""The adapters the web page's worker calls (through Pyodide); the worker's only entry.

The worker keeps the current image (from :func:`prepare_image`) and calls
``call(fn, image, params)``: ``fn`` names a function of :data:`CALLS`, ``image`` is
that image or None, ``params`` a dict of settings (or a Pyodide JsProxy of one).
Every result is ``{"meta": dict of JSON-able values, "arrays": {name: float32
C-contiguous ndarray}}``; meta refers to arrays by name. Problems raise
``ValueError``/``TypeError`` whose message the page shows as is.

This package may import the core (``pycore.*``); the core never imports it.
"""

from __future__ import annotations

import numpy as np

from .. import __version__, kernels, ops, windows
from .. import image as img
from . import builder, code, convolution, explorers, files, training
from . import params as P

__all__ = ["CALLS", "call", "worker_call", "prepare_image", "options"]

# The convolution panel's options, in the page's words: (value, label)
ACTIVATION_LABELS = {
    "none": "none (raw sums)",
    "relu": "ReLU: max(0, x)",
    "leaky_relu": "leaky ReLU: x, or slope·x below 0",
    "sigmoid": "sigmoid: 1 / (1 + e^−x)",
    "tanh": "tanh",
}
# the same activations where there is little room (the explorers' selects)
ACTIVATION_SHORT = {"none": "none", "relu": "ReLU", "leaky_relu": "leaky ReLU", "sigmoid": "sigmoid", "tanh": "tanh"}
PADDING_MODE_LABELS = {
    "zeros": "zeros",
    "reflect": "reflect (mirror, edge not repeated)",
    "replicate": "replicate (repeat the edge pixel)",
    "circular": "circular (wrap around)",
}
CHANNEL_LABELS = {"gray": "Grayscale (mean of R, G, B)", "red": "Red channel", "green": "Green channel",
                  "blue": "Blue channel"}
POOL_TYPE_LABELS = {"none": "off", "max": "max", "avg": "average"}
# The explorers' own lists
SOURCE_LABELS = {"image": "a crop of your image", "random": "a random grid", "digit": "a handwritten-style digit (8×8)"}
EXPLORER_CHANNEL_LABELS = {"rgb": "colour (R, G, B)", "gray": "gray (mean of R, G, B)", "red": "red", "green": "green",
                           "blue": "blue"}
PREFILTER_LABELS = {"none": "the input itself", "edge": "ReLU(edge filter) of the input",
                    "sobel_x": "ReLU(Sobel x) of the input", "sobel_y": "ReLU(Sobel y) of the input",
                    "laplacian": "ReLU(Laplacian) of the input"}
RGB_PRESET_LABELS = {"notebook": "random uniform(−1, 1), seeded", "red_minus_blue": "red minus blue (mean)",
                     "gray_edge": "Sobel x on every channel / 3"}
STACK_TYPE_LABELS = {"conv2d": "conv", "maxpool": "max pool", "avgpool": "avg pool"}
TRANSPOSED_INPUT_LABELS = {"count": "1, 2, 3, …", "random": "random −3…3"}
TRANSPOSED_KERNEL_LABELS = {"ones": "all ones", "count": "1, 2, 3, …", "random": "random −3…3"}
# How the feature maps are coloured (the page draws them; the list lives here once).
COLOR_MODES = [
    {"value": "gray", "label": "Gray, min–max", "help": "Smallest value black, largest white."},
    {"value": "diverging", "label": "Diverging",
     "help": "Zero is white, negative blue, positive red: for maps with a sign."},
    {"value": "abs", "label": "Absolute value",
     "help": "Size of the response, whatever its sign: zero black, largest |value| white."},
]


def _labelled(values, labels: dict) -> list[dict]:
    """[{value, label}] in ``values`` order; every value must have a label."""
    missing = [v for v in values if v not in labels]
    if missing:
        raise KeyError(f"no label for {missing}")
    return [{"value": v, "label": labels[v]} for v in values]


def options(image, params) -> dict:
    """Every option list and limit the page shows, defined once in pycore.

    Returns
    -------
    meta ``{"version", "activations", "activations_short", "padding_modes", "channels",
    "pool_types", "color_modes", "sources", "explorer_channels", "scales", "prefilters",
    "rgb_presets", "stack_types", "kernels", "limits": {"convolution", "explorers",
    "builder", "image"}, "training": pycore.page.training.training_options()}``; each list holds
    ``{"value", "label"}`` dicts (colour modes add
    ``help``, kernels ``description``, ``rows``, ``cols``, ``default_size``,
    ``sizes``). No arrays; ``image`` and ``params`` are not used.
    """
    meta = {
        "version": __version__,
        "activations": _labelled(ops.ACTIVATIONS, ACTIVATION_LABELS),
        "activations_short": _labelled(ops.ACTIVATIONS, ACTIVATION_SHORT),
        "padding_modes": _labelled(ops.PADDING_MODES, PADDING_MODE_LABELS),
        "channels": _labelled(img.CHANNELS, CHANNEL_LABELS),
        "pool_types": _labelled(convolution.POOL_TYPES, POOL_TYPE_LABELS),
        "color_modes": [dict(m) for m in COLOR_MODES],
        "sources": _labelled(("image", "random", "digit"), SOURCE_LABELS),
        "explorer_channels": _labelled(explorers.CHANNELS_RGB, EXPLORER_CHANNEL_LABELS),
        "scales": [{"value": s, "label": "none (1 px)" if s == 1 else f"{s}×{s} px → 1"} for s in explorers.SCALES],
        "prefilters": _labelled(explorers.PREFILTERS, PREFILTER_LABELS),
        "rgb_presets": _labelled(explorers.RGB_PRESETS, RGB_PRESET_LABELS),
        "stack_types": _labelled(windows.STACK_TYPES, STACK_TYPE_LABELS),
        "transposed_inputs": _labelled(explorers.TRANSPOSED_INPUTS, TRANSPOSED_INPUT_LABELS),
        "transposed_kernels": _labelled(explorers.TRANSPOSED_KERNELS, TRANSPOSED_KERNEL_LABELS),
        "kernels": [{"value": k["name"], "label": k["name"], "description": k["description"],
                     "default_size": k["default_size"], "sizes": k["sizes"]} for k in kernels.describe_kernels()],
        "limits": {
            "convolution": {
                "MAX_KERNEL_SIDE": convolution.MAX_KERNEL_SIDE, "MAX_FILTERS": convolution.MAX_FILTERS,
                "MAX_STRIDE": convolution.MAX_STRIDE, "MAX_DILATION": convolution.MAX_DILATION,
                "MAX_PADDING": convolution.MAX_PADDING, "MAX_POOL": convolution.MAX_POOL,
                "MAX_POOL_PADDING": convolution.MAX_POOL // 2,
            },
            "explorers": {
                "STEP_GRID_MAX": explorers.STEP_GRID_MAX, "VIEW_GRID_MAX": explorers.VIEW_GRID_MAX,
                "MAX_KERNEL": explorers.MAX_EXPLORER_KERNEL, "MAX_PAD": explorers.MAX_PAD,
                "MAX_SEED": explorers.MAX_SEED, "MAX_LAYERS": explorers.MAX_LAYERS,
                "SCALES": list(explorers.SCALES), "STACK": dict(explorers.STACK_LIMITS),
                "SLIDING": dict(explorers.SLIDING_LIMITS), "POOLING": dict(explorers.POOLING_LIMITS),
                "PADDING": dict(explorers.PADDING_LIMITS), "PARAM_COUNTS": dict(explorers.PARAM_COUNT_LIMITS),
                "TRANSPOSED": dict(explorers.TRANSPOSED_LIMITS),
            },
            "builder": dict(builder.LIMITS),
            "image": {"MAX_SOURCE_PIXELS": img.MAX_SOURCE_PIXELS, "DEFAULT_MAX_SIDE": img.DEFAULT_MAX_SIDE},
        },
        "training": training.training_options(),
    }
    return P.result(meta)


# The table of functions the worker may call: name -> f(image, params).
CALLS = {
    "options": options,
    "library": convolution.library,
    "kernel": convolution.kernel,
    "convolve": convolution.convolve,
    "multiply_sum": explorers.multiply_sum,
    "window_steps": explorers.window_steps,
    "pool_steps": explorers.pool_steps,
    "padded_view": explorers.padded_view,
    "receptive_field": explorers.receptive_field,
    "flip_compare": explorers.flip_compare,
    "rgb_filter": explorers.rgb_filter,
    "param_counts": explorers.param_counts,
    "transposed_steps": explorers.transposed_steps,
    "network_presets": builder.network_presets,
    "network_trace": builder.network_trace,
    "network_run": builder.network_run,
    "network_export": builder.network_export,
    "image_header": files.image_header,
    "decode_file": files.decode_file,
    "train_setup": training.train_setup,
    "train_step": training.train_step,
    "train_filters": training.train_filters,
    "train_predict": training.train_predict,
    "train_pad_input": training.train_pad_input,
    "train_save": training.train_save,
    "train_load": training.train_load,
    "train_export": training.train_export,
    "train_reset": training.train_reset,
    "view_code": code.view_code,
    "view_script": code.view_script,
    "view_notebook": code.view_notebook,
    "run_code": code.run_code,
}


def call(fn: str, image, params) -> dict:
    """Run ``CALLS[fn](image, params)``.

    Parameters
    ----------
    fn : str
        A key of :data:`CALLS`.
    image : ndarray (3, H, W) float32 in [0, 1], or None
    params : dict, a Pyodide JsProxy of one, or None

    Returns
    -------
    ``{"meta": dict, "arrays": {name: float32 ndarray}}``

    Raises
    ------
    ValueError
        ``fn`` is not in the table (the message names it), a bad setting, or memory
        ran out (the message says what to make smaller).

    Overflow is data, not an error: numpy's floating-point warnings are silenced here
    (each map's meta counts its ±inf and NaN cells instead).
    """
    fn = P.plain(fn)
    if not isinstance(fn, str) or fn not in CALLS:
        raise ValueError(f"unknown page call {fn!r}; the page may call {', '.join(CALLS)}")
    try:
        with np.errstate(all="ignore"):
            return CALLS[fn](image, P.plain(params))
    except MemoryError:  # numpy's _ArrayMemoryError too; the worker survives, this call does not
        raise ValueError(out_of_memory_message(fn)) from None


def worker_call(fn: str, image, params) -> dict:
    """:func:`call` as the worker makes it: a bad setting (ValueError or TypeError) comes
    back as data, ``{"problem": {"error": message, "kind": "ValueError", "field": key or
    None}}``, because a Python exception reaches JavaScript as text only and the page needs
    ``field`` (see :func:`params.at`) to show the message next to its control. (Not in
    ``meta``: a result's meta may hold an ``error`` of its own, as network_trace's does.)
    """
    try:
        return call(fn, image, params)
    except (ValueError, TypeError) as error:
        return {"problem": {"error": str(error), "kind": type(error).__name__, "field": getattr(error, "field", None)}}


# What each call can make smaller when memory runs out, in the page's words.
_SMALLER = {
    "convolve": "a smaller working size for the image, fewer filters, or less padding",
    "network_run": "a smaller working size for the image, or a smaller network (smaller input, fewer filters "
                   "or layers)",
    "decode_file": "a smaller working size, or a smaller image file (fewer pixels)",
    "prepare_image": "a smaller working size, or a smaller image file (fewer pixels)",
}


def out_of_memory_message(fn: str) -> str:
    """The one-line message for a call that ran out of memory."""
    what = _SMALLER.get(fn, "a smaller working size for the image or smaller settings")
    return (f"Out of memory in {fn}: the browser could not allocate enough memory for this. "
            f"Try {what}.")


def prepare_image(rgba, height, width, max_side=0) -> np.ndarray:
    """RGBA bytes from a canvas -> the working image (the worker's ``set_image``).

    Parameters
    ----------
    rgba : bytes-like of length height*width*4 (a ``Uint8ClampedArray`` from JS),
        drawn on a white canvas
    height, width : int
    max_side : int
        The "Working size" (longest side; 0 keeps the size): the image is scaled here,
        by :func:`pycore.image.from_pixels`, as ``pycore apply --max-side`` does, so the
        page and the command line see the same pixels. Send the decoded image at its
        source size.

    Returns
    -------
    ndarray, shape (3, h, w), float32, values in [0, 1]; (h, w) is
    :func:`pycore.image.working_size` of (width, height)
    """
    height = P.whole(P.plain(height), "image height", minimum=1)
    width = P.whole(P.plain(width), "image width", minimum=1)
    max_side = P.whole(P.plain(max_side), "working size", minimum=0)
    try:
        with np.errstate(all="ignore"):
            return img.from_rgba(P.plain(rgba), height, width, max_side)
    except MemoryError:
        raise ValueError(out_of_memory_message("prepare_image")) from None
