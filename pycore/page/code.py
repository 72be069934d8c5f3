"""The Python behind every view: its code, run in the page, downloaded as a script or notebook.

``view_code(image, {view, settings})``     the short pycore code computing what a view shows
``view_script(image, {view, settings})``   that code as a command-line script (CPython)
``view_notebook(image, {view, settings})`` that code as a Jupyter notebook (.ipynb)
``run_code(image, {code})``                runs the learner's (edited) code in the worker

Views and the settings they take (the same params as the view's own page call):

================== ======================= ============================================
view               settings of             arrays the code shows (meta ``names``)
================== ======================= ============================================
convolution        ``convolve``            ``pre<i>`` (with ``pre_activation``), ``map<i>``,
                                           ``pooled<i>``
multiply_sum       ``multiply_sum``        ``a``, ``b``, ``products``
window_steps       ``window_steps``        ``padded``, ``kernel``, ``outputs``
pool_steps         ``pool_steps``          ``input``, ``output``
padded_view        ``padded_view``         ``input``, one per mode that can pad
receptive_field    ``receptive_field``     ``input``, ``layer<i>.map``
flip_compare       ``flip_compare``        ``input``, ``kernel``, ``flipped``, ``cross``,
                                           ``conv``, ``diff``
rgb_filter         ``rgb_filter``          ``input``, ``filter``, ``partial``, ``output``
param_counts       ``param_counts``        none (it prints the counts)
transposed_steps   ``transposed_steps``    ``input``, ``kernel``, ``spread``, ``output``
builder            ``network_run``         ``input`` and each drawn layer's array
training           ``train_setup``         ``samples``, ``filters`` (before training, as
                                           ``train_setup``), ``filters`` (after the last
                                           epoch, as ``train_step`` when done)
================== ======================= ============================================

``image`` is the worker's current image, (3, H, W) float32 in [0, 1], as for the view's own
call: pass it (the Convolution tab, the image crops and the builder read it; the others
ignore it). To get its numbers exactly, the code uses the same public pycore functions as
the view's adapter, so ``exec`` of the code gives the adapter's arrays, bit for bit.
``view_code`` validates the settings through the view's own call where that call is cheap
(the explorers, the Convolution tab: one more ``convolve``), so a bad setting gives the
view's own message; the builder uses ``network_trace`` and ``network_export`` (nothing is
run) and training the builder's trace and :class:`pycore.train.TrainSettings`.

Running code
------------
``run_code`` executes the learner's own code, typed in their own browser, in that browser's
worker (the page never sends it anywhere): it is the same trust as a notebook cell. It runs
in a fresh namespace holding ``image`` (a copy of the worker's image, (3, H, W) float32 in
[0, 1], or None before an image is chosen: the whole image, not the one plane the
Convolution tab's filters see), ``np``, ``pycore`` and ``show``. Names rebound in pycore's
modules (``pycore.conv2d = ...``) are put back after the run, so the page keeps working;
objects changed in place are not. Kernel cells and number fields of the views stay numbers
and are never evaluated: only this call runs code.

``show(array, title=None, rgb=False)`` keeps a float32 copy of ``array`` to draw: 1-D (a
one-row strip), 2-D (one map) or 3-D (C, H, W): C maps side by side, or with ``rgb=True``
(C must be 3, values 0..1) one colour image. At most :data:`MAX_SHOWS` shows and
:data:`MAX_SHOW_VALUES` values in all per run.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import linecache
import sys
import traceback
import types
import warnings

import numpy as np

from .. import codegen, datasets, kernels, network, ops, validate
from .. import image as img
from .. import train as T
from . import builder, convolution, explorers, training
from . import params as P

__all__ = ["VIEWS", "MAX_SHOWS", "MAX_SHOW_VALUES", "MAX_OUTPUT_CHARS", "MAX_CODE_CHARS", "USER_FILENAME",
           "view_code", "view_script", "view_notebook", "run_code", "generate"]

MAX_SHOWS = 64
MAX_SHOW_VALUES = 16_000_000
MAX_OUTPUT_CHARS = 100_000
MAX_CODE_CHARS = 200_000
USER_FILENAME = "<python panel>"  # the user's code in tracebacks


# --------------------------------------------------------------------------- writing code

class _Code:
    """Lines of generated code and, in show order, what each show is on the page."""

    def __init__(self):
        self.lines: list[str] = []
        self.names: list[dict] = []
        self.imports: set[str] = set()

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def name(self, array: str, label: str, call: str, shape, rgb: bool = False, **extra) -> None:
        """Record the next show: the page call's array ``array`` (reshaped to ``shape``)."""
        self.names.append({"array": array, "label": label, "call": call,
                           "shape": [int(s) for s in shape], "rgb": rgb, **extra})

    def show(self, expr: str, label: str, array: str, call: str, shape, comment: str = "", rgb: bool = False,
             **extra) -> None:
        rgb_arg = ", rgb=True" if rgb else ""
        self.add(f"show({expr}, title={label!r}{rgb_arg}){_comment(comment)}")
        self.name(array, label, call, shape, rgb=rgb, **extra)

    def text(self) -> str:
        head = ["import numpy as np", ""] + [f"import {m}" for m in sorted({"pycore", *self.imports})]
        return "\n".join(head + [""] + self.lines).rstrip() + "\n"


def _comment(text: str) -> str:
    return f"  # {text}" if text else ""


def _shape(shape) -> str:
    """(3, 255, 255) as source text."""
    shape = tuple(int(s) for s in shape)
    return f"({shape[0]},)" if len(shape) == 1 else "(" + ", ".join(map(str, shape)) + ")"


def _num(v) -> str:
    """A float as the shortest source text that reads back to it: 2 for 2.0, 0.1 for 0.1."""
    v = float(v)
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)


def _nested(a) -> str:
    if a.ndim == 0:
        return _num(a)
    return "[" + ", ".join(_nested(v) for v in a) + "]"


def _matrix(a) -> str:
    """An array as an ``np.array`` literal of the shortest numbers that read back exactly."""
    return f"np.array({_nested(np.asarray(a, dtype=np.float64))})"



def _plain_size(v):
    """A spec size as source: [2, 2] -> 2, [2, 3] -> (2, 3)."""
    if isinstance(v, (list, tuple)):
        return v[0] if len(set(v)) == 1 else tuple(v)
    return v


def _kwargs(**kw) -> str:
    """', k=v' for each keyword given as (value, default), leaving out defaults."""
    parts = [f"{k}={_plain_size(v[0])!r}" for k, v in kw.items() if _plain_size(v[0]) != v[1]]
    return "".join(", " + p for p in parts)


def _activation(expr: str, activation: str, slope: float) -> str:
    if activation == "none":
        return expr
    elif activation == "relu":
        return f"pycore.relu({expr})"
    elif activation == "leaky_relu":
        return f"pycore.leaky_relu({expr}, negative_slope={_num(slope)})"
    elif activation in ("sigmoid", "tanh"):
        return f"pycore.{activation}({expr})"
    else:
        raise ValueError(f"unknown activation {activation!r}")


def _pool_call(expr: str, kind: str, k, stride, padding, ceil_mode: bool) -> str:
    if kind in ("max", "maxpool"):
        fn = "max_pool2d"
    elif kind in ("avg", "avgpool"):
        fn = "avg_pool2d"
    else:
        raise ValueError(f"unknown pooling type {kind!r}")
    rest = _kwargs(stride=(stride, _plain_size(k)), padding=(padding, 0), ceil_mode=(ceil_mode, False))
    return f"pycore.{fn}({expr}, {_plain_size(k)!r}{rest})"


# --------------------------------------------------------------------------- the views


def _convolution(image, settings) -> _Code:
    r = convolution.convolve(image, settings)  # the view's own checks and shapes
    meta, params = r["meta"], P.settings(settings, "convolve")
    s = meta["settings"]
    h, w = meta["input"]["shape"]
    channel = meta["input"]["channel"]
    c = _Code()
    if channel == "gray":
        c.add("# The input the filters see: grayscale, the mean of R, G and B.",
              f"x = image.mean(axis=0, keepdims=True)  # (1, {h}, {w})")
    elif channel in ("red", "green", "blue"):
        i = img.CHANNELS.index(channel) - 1
        c.add(f"# The input the filters see: the {channel} channel.", f"x = image[{i}:{i + 1}]  # (1, {h}, {w})")
    else:
        raise ValueError(f"unknown input channel {channel!r}")
    specs = P.get(params, "kernels", [])
    shapes = {tuple(m["shape"]) for m in meta["maps"]}
    c.add("", "filters = [")
    for m, spec in zip(meta["maps"], specs):
        k = np.asarray(P.get(P.plain(spec), "values", []), dtype=np.float64).reshape(m["kernel"])
        note = f"{m['kernel'][0]}×{m['kernel'][1]}" + ("" if len(shapes) == 1 else f" -> {_shape(m['shape'])}")
        c.add(f"    ({m['label']!r}, {_matrix(k)}),  # {note}")
    c.add("]")
    conv = _kwargs(stride=(s["stride"], 1), padding=(s["padding"], 0), padding_mode=(s["padding_mode"], "zeros"),
                   dilation=(s["dilation"], 1))
    slope = P.number(params, "negative_slope", 0.01, "leaky ReLU slope")
    fmap_shape = _shape(meta["maps"][0]["shape"]) if len(shapes) == 1 else "shapes as listed above"
    before = " before the activation"
    if s["pre_activation"]:  # the view draws each map before the activation too
        c.add("for name, kernel in filters:",
              f"    before = pycore.conv2d(x, kernel{conv})[0]  # {fmap_shape}",
              f'    show(before, title=f"{{name}},{before}")',
              f"    fmap = {_activation('before', s['activation'], slope)}",
              "    show(fmap, title=name)")
    else:
        fmap = _activation(f"pycore.conv2d(x, kernel{conv})", s["activation"], slope) + "[0]"
        c.add("for name, kernel in filters:",
              f"    fmap = {fmap}  # {fmap_shape}",
              "    show(fmap, title=name)")
    pool, pooled = s["pool"], {p["array"]: p for p in meta["pooled"]}
    if pool is not None and not meta["pool_error"]:
        k = pool["kernel_size"]
        title = {"max": "max pool", "avg": "average pool"}[pool["type"]] + f" {k}×{k}"
        pshapes = {tuple(p["shape"]) for p in meta["pooled"]}
        call = _pool_call("fmap", pool["type"], pool["kernel_size"], pool["stride"], pool["padding"],
                          pool["ceil_mode"])
        c.add(f"    pooled = {call}{_comment(_shape(meta['pooled'][0]['shape']) if len(pshapes) == 1 else '')}",
              f"    show(pooled, title=f\"{{name}}, {title}\")")
    elif meta["pool_error"]:
        c.add(f"    # no pooling: {meta['pool_error']}")
    for i, m in enumerate(meta["maps"]):
        if m["pre"] is not None:
            c.name(m["pre"]["array"], f"{m['label']},{before}", "convolve", m["shape"])
        c.name(m["array"], m["label"], "convolve", m["shape"])
        if f"pooled{i}" in pooled:
            p = pooled[f"pooled{i}"]
            c.name(p["array"], f"{m['label']}, {title}", "convolve", p["shape"])
    return c


def _source(c: _Code, src: dict, rgb: bool, keep_planes: int | None = None) -> None:
    """Lines that set ``x``: the explorer's input as its adapter made it (``src`` is its meta)."""
    kind = src["source"]
    if kind == "random":
        n = src["size"]
        shape = f"(3, {n}, {n})" if rgb else f"({n}, {n})"
        cut = f"[:{keep_planes}]" if keep_planes else ""
        c.add(f"x = np.random.default_rng({src['seed']}).random({shape}){cut}  # uniform in [0, 1)")
    elif kind == "digit":
        d = src["digit"]
        levels = (explorers.digit(d) * 4).astype(int)
        c.add(f"# the digit {d}, 8×8, ink levels 0..4 scaled to 0..1",
              "x = np.array([", *[f"    {list(map(int, row))}," for row in levels], "]) / 4")
        if rgb and not keep_planes:
            c.add("x = np.stack([x, x, x])  # the same plane in R, G and B")
        elif keep_planes:
            c.add("x = x[np.newaxis]  # one plane: (1, 8, 8)")
    elif kind == "image":
        n, s, r, col, ch = src["size"], src["scale"], src["row"], src["col"], src["channel"]
        side = n * s
        c.add(f"# the input: {n}×{n} cells cropped from your image at row {r}, column {col}"
              + (f", each the mean of {s}×{s} pixels" if s > 1 else ""))
        if s > 1:
            c.add(f"crop = image[:, {r}:{r + side}, {col}:{col + side}].astype(np.float64)  # (3, {side}, {side})",
                  f"cells = crop.reshape(3, {n}, {s}, {n}, {s}).mean(axis=(2, 4))  # (3, {n}, {n})")
        else:
            c.add(f"cells = image[:, {r}:{r + n}, {col}:{col + n}].astype(np.float64)  # (3, {n}, {n})")
        if ch == "rgb":
            c.add("x = cells")
        elif ch in img.CHANNELS:
            # the page takes the plane of the float32 cells (pycore.image.input_plane)
            plane = ("cells.astype(np.float32).mean(axis=0)" if ch == "gray"
                     else f"cells.astype(np.float32)[{img.CHANNELS.index(ch) - 1}]")
            what = "gray: the mean of R, G and B" if ch == "gray" else f"the {ch} channel"
            c.add(f"x = {plane}.astype(np.float64)  # {what} (in float32, as the page), ({n}, {n})")
            if rgb and not keep_planes:
                c.add("x = np.stack([x, x, x])")
            elif keep_planes:
                c.add("x = x[np.newaxis]  # one plane")
        else:
            raise ValueError(f"unknown channel {ch!r}")
    else:
        raise ValueError(f"unknown input {kind!r}")


def _kernel_line(c: _Code, kmeta: dict, k: np.ndarray, settings, name: str = "kernel") -> None:
    if kmeta.get("preset") is None:
        c.add(f"{name} = {_matrix(_given(P.settings(settings, 'kernel').get('kernel'), k.shape))}")
    else:
        preset, size, seed = kmeta["preset"], kmeta["size"], kmeta["seed"]
        default = kernels.KERNELS[preset].default_size
        args = repr(preset) + ("" if size == default else f", size={size}") + (
            f", seed={seed}" if preset == "random" else "")
        c.add(f"{name} = pycore.get_kernel({args})  # {k.shape[0]}×{k.shape[1]}")


def _given(spec, shape) -> np.ndarray | None:
    """The float64 values of a ``{rows, cols, values}`` setting the adapter accepted (the
    adapter's own arrays are float32, which would round them), or None when not given."""
    spec = P.plain(spec) or {}
    values = P.plain(spec.get("values")) if isinstance(spec, dict) else None
    return None if values is None else np.asarray(values, dtype=np.float64).reshape(shape)


def _multiply_sum(image, settings) -> _Code:
    r = explorers.multiply_sum(image, settings)
    params, a = P.settings(settings, "multiply_sum"), r["arrays"]
    c = _Code()
    for name in ("a", "b"):
        given = _given(params.get(name), a[name].shape)
        c.add(f"{name} = {_matrix(a[name] if given is None else given)}")  # the defaults are whole numbers
    c.add("products = a * b  # elementwise", 'print("sum of products:", products.sum())')
    for name in ("a", "b", "products"):
        c.show(name, name, name, "multiply_sum", a[name].shape)
    return c


def _window_steps(image, settings) -> _Code:
    r = explorers.window_steps(image, settings)
    m, a = r["meta"], r["arrays"]
    c = _Code()
    c.imports.add("pycore.windows")
    _source(c, m["input"], rgb=False)
    _kernel_line(c, m["kernel"], a["kernel"], settings)
    pads, (ho, wo), (kh, kw) = m["pads"], m["out_shape"], m["kernel_shape"]
    mode = ops.conv_pad_mode(m["padding_mode"])
    c.add(f"# pad (top, bottom, left, right) = ({pads['top']}, {pads['bottom']}, {pads['left']}, {pads['right']})"
          + (f", padding {m['padding']!r}" if m["padding"] == "same" else ""),
          f"padded = pycore.pad(x, ({pads['left']}, {pads['right']}, {pads['top']}, {pads['bottom']}), {mode!r})"
          f"  # {_shape(m['padded_shape'])}",
          f"# every window position at once: stride {m['stride']}, dilation {m['dilation']}",
          f"windows, rows, cols = pycore.windows.gather_windows(padded, {kh}, {kw}, {m['stride']}, {m['dilation']}, "
          f"{ho}, {wo})  # ({ho * wo}, {kh}, {kw})",
          "products = windows * kernel",
          f"bias = {_num(m['bias'])}",
          "sums = products.sum(axis=(1, 2)) + bias  # each window's sum of products, plus the bias",
          f"outputs = {_activation('sums', m['activation'], m['negative_slope'])}.reshape({ho}, {wo})"
          "  # the feature map",
          'print("first window:", windows[0], "sum", sums[0], sep="\\n")')
    c.show("padded", "padded input", "padded", "window_steps", m["padded_shape"])
    c.show("kernel", "kernel", "kernel", "window_steps", a["kernel"].shape)
    c.show("outputs", "feature map", "outputs", "window_steps", (ho, wo))
    return c


def _pool_steps(image, settings) -> _Code:
    r = explorers.pool_steps(image, settings)
    m = r["meta"]
    c = _Code()
    _source(c, m["input"], rgb=False)
    if m["prefilter"] != "none":
        c.add(f"x = pycore.relu(pycore.conv2d(x, pycore.get_kernel({m['prefilter']!r}), padding=1))[0]"
              f"  # a feature map to pool, {_shape(m['in_shape'])}")
    call = _pool_call("x", m["type"], m["window"], m["stride"], 0, m["ceil_mode"])
    c.add(f"output = {call}  # {_shape(m['out_shape'])}")
    if m["dropped_rows"] or m["dropped_cols"]:
        c.add(f"# {m['dropped_rows']} rows and {m['dropped_cols']} columns at the edge fit no window")
    c.show("x", "input", "input", "pool_steps", m["in_shape"])
    c.show("output", "pooled", "output", "pool_steps", m["out_shape"])
    return c


def _padded_view(image, settings) -> _Code:
    r = explorers.padded_view(image, settings)
    m = r["meta"]
    c = _Code()
    src = m["input"]
    one_plane = src.get("channel", "rgb") != "rgb" or src["source"] != "image"
    _source(c, src, rgb=True, keep_planes=1 if one_plane else None)
    p = m["padding"]
    c.show("x", "input", "input", "padded_view", (m["channels"], *m["in_shape"]))
    for entry in m["modes"]:
        mode = entry["mode"]
        if entry["array"] is None:
            c.add(f"# {mode}: {entry['error']}")
            continue
        var = f"padded_{mode}"
        c.add(f"{var} = pycore.pad(x, ({p}, {p}, {p}, {p}), {ops.conv_pad_mode(mode)!r})"
              f"  # {_shape((m['channels'], *m['padded_shape']))}")
        c.show(var, f"{mode} padding", entry["array"], "padded_view", (m["channels"], *m["padded_shape"]))
    same = m["same"]
    c.add(f'print("same padding for a {same["kernel_size"]}×{same["kernel_size"]} kernel, dilation '
          f'{same["dilation"]}:", {same["before"]}, "before,", {same["after"]}, "after")')
    return c


def _receptive_field(image, settings) -> _Code:
    r = explorers.receptive_field(image, {**P.settings(settings, "receptive_field"), "target": None})
    m, a = r["meta"], r["arrays"]
    c = _Code()
    src = m["input"]
    if src["source"] == "full":
        ch = src["channel"]
        plane = ("image.mean(axis=0)" if ch == "gray" else f"image[{img.CHANNELS.index(ch) - 1}]")
        c.add(f"x = {plane}.astype(np.float64)  # the whole image, {ch}, {_shape(src['shape'])}")
    else:
        _source(c, src, rgb=False)
    if "input" not in a:
        raise ValueError("the receptive field's code draws the maps: turn maps on")
    c.show("x", "input", "input", "receptive_field", a["input"].shape)
    mode = P.choice(P.settings(settings, "receptive_field"), "padding_mode", "zeros", ops.PADDING_MODES,
                    "padding mode")
    seed = P.integer(P.settings(settings, "receptive_field"), "seed", 0, "seed", 0, explorers.MAX_SEED)
    prev = "x"
    for i, layer in enumerate(m["layers"]):
        var = f"layer{i + 1}"
        shape = _shape(layer["shape"])
        note = f"{shape}, receptive field {layer['full_size'][0]}×{layer['full_size'][1]}"
        if layer["type"] == "conv2d":
            kname = layer.get("kernel_name")
            k = a[layer["kernel"]]
            if kname == "gaussian":
                kexpr = f"pycore.get_kernel('gaussian', size={k.shape[0]})"
            elif kname in explorers.STACK_3X3:
                kexpr = f"pycore.get_kernel({kname!r})"
            elif kname == "random":  # seeded uniform(-1, 1), as the explorer draws it
                kexpr = f"np.random.default_rng({seed + i}).uniform(-1.0, 1.0, size={k.shape})"
            else:
                raise ValueError(f"unknown stack kernel {kname!r}")
            conv = _kwargs(stride=(layer["stride"], 1), padding=(layer["padding"], 0),
                           dilation=(layer["dilation"], 1), padding_mode=(mode, "zeros"))
            expr = _activation(f"pycore.conv2d({prev}, {kexpr}{conv})", layer["activation"], 0.01)
            c.add(f"{var} = {expr}[0]  # {note}")
        elif layer["type"] in ("maxpool", "avgpool"):
            call = _pool_call(prev, layer["type"], layer["kernel_size"], layer["stride"], layer["padding"],
                              layer["ceil_mode"])
            c.add(f"{var} = {call}  # {note}")
        else:
            raise ValueError(f"unknown layer type {layer['type']!r}")
        c.show(var, f"layer {i + 1}", layer["map"], "receptive_field", layer["shape"])
        prev = var
    return c


def _flip_compare(image, settings) -> _Code:
    r = explorers.flip_compare(image, settings)
    m, a = r["meta"], r["arrays"]
    c = _Code()
    _source(c, m["input"], rgb=False)
    _kernel_line(c, m["kernel"], a["kernel"], settings)
    kh, kw = a["kernel"].shape
    pad = f"({(kh - 1) // 2}, {(kw - 1) // 2})"
    c.add("flipped = pycore.flip_kernel(kernel)  # turned by 180 degrees",
          f"cross = pycore.conv2d(x, kernel, padding={pad})[0]  # cross-correlation (what CNNs compute)",
          f"conv = pycore.conv2d(x, flipped, padding={pad})[0]  # true convolution, {_shape(m['out_shape'])}",
          "diff = conv - cross",
          'print("largest change:", np.abs(diff).max())')
    for var, label in (("x", "input"), ("kernel", "kernel"), ("flipped", "flipped kernel"),
                       ("cross", "cross-correlation"), ("conv", "convolution"), ("diff", "difference")):
        array = "input" if var == "x" else var
        c.show(var, label, array, "flip_compare", a[array].shape)
    return c


def _rgb_filter(image, settings) -> _Code:
    r = explorers.rgb_filter(image, settings)
    m, a = r["meta"], r["arrays"]
    c = _Code()
    _source(c, m["input"], rgb=True)
    k = m["k"]
    km = m["kernel"]
    preset = km.get("preset")
    if preset == "notebook":
        c.add(f"w = np.random.default_rng({km['seed']}).uniform(-1.0, 1.0, size=(3, {k}, {k}))"
              "  # the notebook's filter")
    elif preset == "red_minus_blue":
        c.add(f"w = np.zeros((3, {k}, {k}))  # red minus blue: the mean of R minus the mean of B",
              f"w[0] = 1.0 / {k * k}", f"w[2] = -1.0 / {k * k}")
    elif preset == "gray_edge":
        c.add('w = np.stack([pycore.get_kernel("sobel_x") / 3.0] * 3)  # Sobel x on every channel, / 3')
    elif preset is None:
        given = _given(P.settings(settings, "rgb_filter").get("kernel"), (3, k, k))
        c.add(f"w = {_matrix(given)}  # (3, {k}, {k}): one slice per colour")
    else:
        raise ValueError(f"unknown filter preset {preset!r}")
    pads = m["pads"]
    c.add(f"xp = pycore.pad(x, ({pads['left']}, {pads['right']}, {pads['top']}, {pads['bottom']}))"
          + (f"  # padding {m['padding']!r}" if m["padding"] == "same" else ""),
          "# each slice over its own colour: groups=3 keeps the three partial sums apart",
          f"partial = pycore.conv2d(xp, w[:, np.newaxis], groups=3)  # (3, {m['out_shape'][0]}, {m['out_shape'][1]})",
          f"bias = {_num(m['bias'])}",
          "z = partial.sum(axis=0) + bias  # R + G + B partial sums, plus the bias",
          f"output = {_activation('z', m['activation'], 0.01)}")
    c.show("x", "input", "input", "rgb_filter", a["input"].shape, rgb=m["input"].get("channel") == "rgb")
    c.show("w", "filter", "filter", "rgb_filter", a["filter"].shape)
    c.show("partial", "partial sums", "partial", "rgb_filter", a["partial"].shape)
    c.show("output", "feature map", "output", "rgb_filter", a["output"].shape)
    return c


def _param_counts(image, settings) -> _Code:
    m = explorers.param_counts(image, settings)["meta"]
    c = _Code()
    c.add(f"height, width, channels = {m['height']}, {m['width']}, {m['channels']}",
          f"filters, k, neurons = {m['conv']['filters']}, {m['kernel_size']}, {m['fc']['neurons']}",
          "fc = height * width * channels * neurons + neurons  # every input to every neuron, plus biases",
          "conv = k * k * channels * filters + filters  # one k×k×C filter each, shared over the image",
          f'print("fully connected:", fc)  # {m["fc"]["total"]:,}',
          f'print("convolution:", conv)  # {m["conv"]["total"]:,}',
          'print("ratio of weights:", (fc - neurons) / (conv - filters))')
    return c


def _builder(image, settings) -> _Code:
    params = P.settings(P.deep_plain(settings), "the builder")
    if params.get("weights") is not None:
        raise ValueError("this network has trained weights from the Train tab: download its model there "
                         "(model.npz) and load it with pycore.load_model")
    export = builder.network_export(None, params)["meta"]
    trace = builder.network_trace(None, params)["meta"]
    if not trace["runnable"]:
        raise ValueError(trace["run_error"])
    if image is None:
        raise ValueError("no image yet: choose one first")
    doc = json.loads(export["json"])
    inp, shape, spec = doc["input"], tuple(doc["input_shape"]), doc["spec"]
    rows = trace["rows"][1:]
    factors = builder.display_factors([r["output_shape"] for r in rows])
    c = _Code()
    c.imports.add("pycore.image")
    c.add(f"# the image fitted to the network's input: {inp['color']}, {inp['fit']}",
          f"x, info = pycore.image.fit_image(image, {inp['color']!r}, {inp['height']}, {inp['width']}, {inp['fit']!r})"
          f"  # {_shape(shape)}")
    c.show("x", "input", "input", "network_run", shape)
    c.add("", "spec = [")
    c.add(*[f"    {cfg!r}," for cfg in spec])
    c.add("]",
          f"net = pycore.build(spec, {_shape(shape)}, seed={doc['seed']}, init={doc['init']!r})",
          "y = x.astype(np.float64)[np.newaxis]  # a batch of one",
          "outputs = {}",
          "for name, layer in zip(net.names, net.layers):",
          "    y = layer.forward(y)",
          '    outputs[name.split(".")[0]] = y[0]  # an activation ("conv1.relu") replaces its layer\'s output',
          "")
    prev_maps_full = True
    for row, f in zip(rows, factors):
        name, out = row["name"], row["output_shape"]
        if len(out) == 3:
            if f > 1:
                c.show(f"pycore.image.block_mean(outputs[{name!r}], {f})", name, name, "network_run",
                       (out[0], -(-out[1] // f), -(-out[2] // f)),
                       comment=f"{_shape(out)}, drawn averaged over {f}×{f} blocks")
            else:
                c.show(f"outputs[{name!r}]", name, name, "network_run", out, comment=_shape(out))
            prev_maps_full = f == 1
        elif row["type"] == "flatten":
            if out[0] > builder.STRIP_MAX:
                c.add(f"# {name}: {out[0]:,} values, drawn as the means of every "
                      f"{-(-out[0] // builder.STRIP_MAX)} values")
            elif prev_maps_full and rows.index(row) > 0 and len(rows[rows.index(row) - 1]["output_shape"]) == 3:
                c.add(f"# {name}: the maps above in one row of {out[0]:,} values")
            else:
                c.show(f"outputs[{name!r}]", name, name, "network_run", out, comment=_shape(out))
            prev_maps_full = False
        else:
            c.show(f"outputs[{name!r}]", name, name, "network_run", out, comment=_shape(out))
            prev_maps_full = False
    if rows and rows[-1]["type"] in ("dense", "softmax"):
        last = rows[-1]["name"]
        c.add(f"print(\"class scores:\", outputs[{last!r}])")
    return c


def _training(image, settings) -> _Code:
    p = P.settings(P.deep_plain(settings), "training setup")
    data_name = P.choice(p, "data", datasets.DATASETS[0], datasets.DATASETS, "data set")
    d = T.DEFAULTS
    values = {k: p[k] if p.get(k) is not None else getattr(d, k)
              for k in ("optimizer", "lr", "batch_size", "epochs", "weight_decay", "momentum", "seed", "dtype")}
    try:
        s = T.TrainSettings(**values)
    except (TypeError, ValueError) as e:
        raise ValueError(f"training settings: {e}") from None
    spec = p.get("spec")
    spec = training.training_options()["defaults"]["spec"] if spec is None else spec
    data = training.SESSION.dataset(data_name)
    fitted = T.fit_spec(spec, len(data.classes))
    tr = builder.network_trace(None, {"spec": fitted, "input": {
        "color": "rgb" if data.input_shape[0] == 3 else "gray", "height": data.input_shape[1],
        "width": data.input_shape[2], "fit": "resize"}})["meta"]
    if not tr["valid"]:
        raise ValueError(tr["error"])
    convs = [r for r in tr["rows"][1:] if r["type"] == "conv2d"]
    c = _Code()
    c.imports.add("pycore.train")
    k = len(data.classes)
    c.add(f"data = pycore.load_dataset({data_name!r})  # {len(data.y_train):,} train / {len(data.y_test):,} "
          f"test images of {'×'.join(map(str, data.input_shape))}, {k} classes",
          "# the network, its last dense layer fitted to the classes", "spec = [",
          *[f"    {cfg!r}," for cfg in network.normalize_spec(fitted)], "]",
          f"net = pycore.train.make_network(spec, data.input_shape, seed={s.seed}, dtype={s.dtype!r})",
          f"settings = pycore.TrainSettings(optimizer={s.optimizer!r}, lr={s.lr!r}, batch_size={s.batch_size}, "
          f"epochs={s.epochs}, weight_decay={s.weight_decay!r}, momentum={s.momentum!r}, seed={s.seed}, "
          f"dtype={s.dtype!r})",
          "trainer = pycore.Trainer(net, data, settings)", "",
          "# the first test image of each class",
          "first = [int(np.flatnonzero(data.y_test == c)[0]) for c in range(len(data.classes)) "
          "if np.any(data.y_test == c)]",
          "samples = data.x_test[first][:, 0]")
    n_samples = int(sum(bool(np.any(data.y_test == i)) for i in range(k)))
    c.show("samples", "a test image of each class", "samples", "train_setup", (n_samples, *data.input_shape[1:]))
    if convs:
        name = convs[0]["name"]
        f_shape = tr["rows"][convs[0]["index"] + 1]["output_shape"][0]
        cin = tr["rows"][convs[0]["index"]]["output_shape"][0]
        kh, kw = (int(v) for v in validate.pair(network.normalize_spec(fitted)[convs[0]["index"]]["kernel_size"],
                                                 "kernel_size"))
        shown = (f_shape * cin, kh, kw)
        expr = f'net.params()["{name}.weight"].reshape(-1, {kh}, {kw})'
        c.add(f"# {name}'s filters ({f_shape}, {cin}, {kh}, {kw}), one map per filter and input channel")
        c.show(expr, f"{name} filters before training", "filters", "train_setup", shown)
    c.add("", "while not trainer.done:",
          "    trainer.step(trainer.steps_per_epoch)  # one epoch",
          "    r = trainer.history[-1]",
          '    print(f"epoch {r[\'epoch\']}: train loss {r[\'train_loss\']:.4f}, test accuracy '
          '{r[\'test_accuracy\']:.3f}")',
          'print("confusion (row: true class, column: predicted):", trainer.last_eval["confusion"], sep="\\n")')
    if convs:
        c.show(expr, f"{name} filters after training", "filters", "train_step", shown, when="done")
    return c


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _transposed_steps(image, settings) -> _Code:
    r = explorers.transposed_steps(image, settings)
    m = r["meta"]
    n, k, s, p, op, b = m["size"], m["kernel_size"], m["stride"], m["padding"], m["output_padding"], m["border"]
    (ho, wo), side, seed = m["out_shape"], m["spread_shape"][0], m["seed"]
    c = _Code()
    for name, kind, size, sd in (("x", m["input"], n, seed), ("kernel", m["kernel"], k, seed + 1)):
        if kind == "ones":
            c.add(f"{name} = np.ones(({size}, {size}))")
        elif kind == "count":
            c.add(f"{name} = np.arange(1, {size * size + 1}, dtype=np.float64).reshape({size}, {size})  # 1, 2, 3, ...")
        elif kind == "random":
            c.add(f"{name} = np.random.default_rng({sd}).integers(-3, 4, size=({size}, {size})).astype(np.float64)"
                  "  # whole numbers from -3 to 3")
        else:
            raise ValueError(f"unknown values {kind!r}")
    rest = _kwargs(stride=(s, 1), padding=(p, 0), output_padding=(op, 0))
    c.add("# weights (C_in, C_out, kH, kW): one channel in, one out",
          f"output = pycore.conv_transpose2d(x[None, None], kernel[None, None]{rest})[0, 0]  # {_shape((ho, wo))}",
          "",
          f"# the same as a sliding window: the input spread out ({_count(s - 1, 'zero')} between its cells), a border",
          f"# of kernel size - 1 - padding = {_count(b, 'zero')} around it"
          + (f" ({op} more at the bottom and right: the output padding)," if op else ","),
          "# and the flipped kernel sliding over that with stride 1",
          f"spread = np.zeros(({side}, {side}))",
          f"spread[{b}:{b + m['geometry']['rows']['spread']}:{s}, {b}:{b + m['geometry']['rows']['spread']}:{s}] = x",
          "sliding = pycore.conv2d(spread, pycore.flip_kernel(kernel))[0]",
          'print("the same by sliding the flipped kernel:", np.array_equal(sliding, output))')
    c.show("x", "input", "input", "transposed_steps", m["in_shape"])
    c.show("kernel", "kernel", "kernel", "transposed_steps", (k, k))
    c.show("spread", "spread-out input", "spread", "transposed_steps", m["spread_shape"])
    c.show("output", "output", "output", "transposed_steps", (ho, wo))
    return c


# name -> (the code's generator, the page call whose settings it takes, a title)
VIEWS = {
    "convolution": (_convolution, "convolve", "the Convolution tab"),
    "multiply_sum": (_multiply_sum, "multiply_sum", "multiply and sum"),
    "window_steps": (_window_steps, "window_steps", "the sliding window"),
    "pool_steps": (_pool_steps, "pool_steps", "pooling"),
    "padded_view": (_padded_view, "padded_view", "padding"),
    "receptive_field": (_receptive_field, "receptive_field", "the receptive field"),
    "flip_compare": (_flip_compare, "flip_compare", "convolution against cross-correlation"),
    "rgb_filter": (_rgb_filter, "rgb_filter", "a 3-D filter over RGB"),
    "param_counts": (_param_counts, "param_counts", "parameter counts"),
    "transposed_steps": (_transposed_steps, "transposed_steps", "transposed convolution"),
    "builder": (_builder, "network_run", "the network builder"),
    "training": (_training, "train_setup", "training a CNN"),
}


def generate(image, params) -> dict:
    """The view's code and what it shows: ``{"view", "call", "title", "code", "names"}``.

    ``names[i]`` is the i-th ``show`` of the code: ``array`` (the page call's array name),
    ``call`` (that page call), ``label`` (the show's title), ``shape`` (as shown: the page
    array reshaped), ``rgb``, ``file`` (the script's file stem), and for training ``when``.
    """
    params = P.settings(params, "view code")
    view = P.get(params, "view", None)
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; the views are {', '.join(VIEWS)}")
    fn, call, title = VIEWS[view]
    settings = P.plain(P.get(params, "settings", {})) or {}
    c = fn(image, settings)
    stems = codegen.file_stems([n["label"] for n in c.names])
    names = [{**n, "file": stem} for n, stem in zip(c.names, stems)]
    return {"view": view, "call": call, "title": title, "code": c.text(), "names": names}


def view_code(image, params) -> dict:
    """The pycore code computing what a view shows with its settings.

    Parameters
    ----------
    image : ndarray (3, H, W) float32 in [0, 1], or None: the worker's current image
    params : dict
        ``view`` (a key of :data:`VIEWS`), ``settings`` (that view's page call's params).

    Returns
    -------
    meta ``{"view", "call", "title", "code", "names"}`` (see :func:`generate`); no arrays.

    Raises
    ------
    ValueError
        An unknown view (named), or the view's own message for a bad setting.
    """
    return P.result(generate(image, params))


def view_script(image, params) -> dict:
    """The view's code as a standalone script: ``python FILE IMAGE --out DIR``.

    Returns meta ``{"filename", "script", "names"}`` (``names`` as :func:`view_code`'s: the
    script writes show i as ``DIR/<names[i].file>.npy`` and ``.png``).
    """
    g = generate(image, params)
    script = codegen.view_script(g["code"], g["title"], g["view"])
    return P.result({"filename": f"{g['view']}.py", "script": script, "names": g["names"]})


def view_notebook(image, params) -> dict:
    """The view's code as a Jupyter notebook (nbformat 4 JSON text).

    Returns meta ``{"filename", "notebook", "names"}``.
    """
    g = generate(image, params)
    nb = codegen.view_notebook(g["code"], g["title"], g["view"])
    return P.result({"filename": f"{g['view']}.ipynb", "notebook": nb, "names": g["names"]})


# --------------------------------------------------------------------------- running code


class _Output(io.TextIOBase):
    """What print writes (stdout and stderr, in order), kept up to MAX_OUTPUT_CHARS."""

    def __init__(self):
        self.parts: list[str] = []
        self.size = 0
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, s) -> int:
        s = str(s)
        room = MAX_OUTPUT_CHARS - self.size
        if room > 0:
            self.parts.append(s[:room])
            self.size += min(len(s), room)
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def text(self) -> str:
        out = "".join(self.parts)
        if self.dropped:
            out += f"\n[output cut: {self.dropped:,} more characters]\n"
        return out


class _Shows:
    """The ``show`` function of one run and what it collected."""

    def __init__(self):
        self.meta: list[dict] = []
        self.arrays: dict[str, np.ndarray] = {}
        self.values = 0

    def __call__(self, array, title=None, rgb=False):
        """Draw ``array`` under the code: 1-D, 2-D or 3-D (C, H, W); ``rgb=True`` draws a
        (3, H, W) array as one colour image (values 0..1)."""
        a = np.asarray(array)
        if a.dtype.kind not in "biuf":
            raise TypeError(f"show takes an array of real numbers; got dtype {a.dtype}")
        if a.ndim not in (1, 2, 3):
            raise ValueError(f"show takes a 1-D, 2-D or 3-D (C, H, W) array; got shape {a.shape}")
        if a.size == 0:
            raise ValueError(f"show takes a non-empty array; got shape {a.shape}")
        if rgb and (a.ndim != 3 or a.shape[0] != 3):
            raise ValueError(f"show(..., rgb=True) takes a (3, H, W) array; got shape {a.shape}")
        if len(self.meta) >= MAX_SHOWS:
            raise ValueError(f"at most {MAX_SHOWS} shows per run")
        if self.values + a.size > MAX_SHOW_VALUES:
            raise ValueError(f"the shows would hold more than {MAX_SHOW_VALUES:,} values; show smaller arrays")
        name = f"show{len(self.meta)}"
        shown = np.array(a, dtype=np.float32, order="C")
        self.values += shown.size
        self.arrays[name] = shown
        entry = {"title": None if title is None else str(title), "shape": list(shown.shape), "array": name,
                 "rgb": bool(rgb), **img.map_stats(shown)}
        if shown.ndim == 3:
            entry["channel_ranges"] = [img.value_range(ch) for ch in shown]
        self.meta.append(entry)


def _pycore_modules() -> dict:
    return {name: dict(vars(mod)) for name, mod in list(sys.modules.items())
            if mod is not None and (name == "pycore" or name.startswith("pycore."))}


def _restore(saved: dict) -> None:
    """Undo names the run bound, rebound or deleted in pycore's modules."""
    for name, before in saved.items():
        mod = sys.modules.get(name)
        if mod is None:
            continue
        now = vars(mod)
        # a submodule the run imported stays: sys.modules has it, and a later import would
        # not bind it again
        for key in [k for k, v in now.items() if k not in before and not isinstance(v, types.ModuleType)]:
            del now[key]
        for key, value in before.items():
            if now.get(key, before) is not value:
                now[key] = value


def _error(e: BaseException) -> dict:
    """The exception in the user's terms: only their frames, their line numbers."""
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == USER_FILENAME]
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(e), e)
    return {"type": type(e).__name__, "message": str(e), "line": frames[-1].lineno if frames else None,
            "traceback": "".join(lines)}


def run_code(image, params) -> dict:
    """Run the user's code (see the module docstring) and collect what it printed and showed.

    Parameters
    ----------
    image : ndarray (3, H, W) float32 in [0, 1], or None
    params : dict
        ``code`` (str).

    Returns
    -------
    meta ``{"stdout": str (print output, stdout and stderr in order), "error": None |
    {"type", "message", "line" (in the code, from 1; None when not known), "traceback"
    (the user's frames only)}, "shows": [{"title", "shape", "array", "rgb", "vmin", "vmax",
    "nonfinite", "channel_ranges" (3-D only)}]}``; arrays ``show0``, ``show1``, ... float32.
    An error in the code (a SyntaxError too) is returned, not raised.
    """
    params = P.settings(params, "run code")
    code = P.get(params, "code", "")
    if not isinstance(code, str):
        raise TypeError(f"code must be text, got {type(code).__name__}")
    if len(code) > MAX_CODE_CHARS:
        raise ValueError(f"the code has {len(code):,} characters; at most {MAX_CODE_CHARS:,}")
    out, shows = _Output(), _Shows()
    error = None
    try:
        compiled = compile(code, USER_FILENAME, "exec")
    except (SyntaxError, ValueError) as e:  # ValueError: a NUL byte in the source
        error = _error(e)
        if isinstance(e, SyntaxError):
            error["line"] = e.lineno
    else:
        linecache.cache[USER_FILENAME] = (len(code), None, code.splitlines(True), USER_FILENAME)
        namespace = {"__name__": "__main__", "__builtins__": builtins,
                     "image": None if image is None else np.array(image, dtype=np.float32),
                     "np": np, "pycore": sys.modules["pycore"], "show": shows}
        saved = _pycore_modules()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out), \
                    warnings.catch_warnings(), np.errstate(all="warn"), np.printoptions():
                warnings.simplefilter("default")
                warnings.showwarning = _warning_to(out)
                stdin, sys.stdin = sys.stdin, io.StringIO()  # input() ends at once
                try:
                    exec(compiled, namespace)
                finally:
                    sys.stdin = stdin
        except SystemExit as e:
            if e.code not in (None, 0):
                error = _error(e)
        except BaseException as e:  # KeyboardInterrupt is Stop; all are the code's own
            error = _error(e)
        finally:
            _restore(saved)
            namespace.clear()
    return P.result({"stdout": out.text(), "error": error, "shows": shows.meta}, shows.arrays)


def _warning_to(out):
    def show_warning(message, category, filename, lineno, file=None, line=None):
        where = f"line {lineno}: " if filename == USER_FILENAME else ""
        out.write(f"{where}{category.__name__}: {message}\n")
    return show_warning
