"""Source code for a network spec (PyTorch ``torch.nn.Sequential`` and pycore), and a view's
code wrapped as a script or a notebook.

The network code is generated from the spec and its :func:`pycore.network.trace`, so the
shapes in their comments are pycore's, and the pycore code draws the same weights
as :func:`pycore.network.build` with the same seed and init.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from . import network

__all__ = ["torch_code", "pycore_code", "shape_text", "file_stem", "file_stems", "gray_levels", "shown_image",
           "write_shown", "view_script", "view_notebook"]


def shape_text(shape) -> str:
    """[10, 11, 15] -> '10×11×15'."""
    return "×".join(str(s) for s in shape)


def _pool_padding(cfg: dict) -> str:
    """", padding=..." for a pool with padding; nothing for the usual none."""
    return "" if cfg["padding"] in (0, [0, 0]) else f", padding={_py(cfg['padding'])}"


def _py(v) -> str:
    """A spec value as Python source: pairs become tuples."""
    if isinstance(v, (list, tuple)):
        return f"({_py(v[0])}, {_py(v[1])})"
    return repr(v)


_TORCH_ACT = {"relu": "torch.nn.ReLU()", "leaky_relu": "torch.nn.LeakyReLU(0.01)",
              "sigmoid": "torch.nn.Sigmoid()", "tanh": "torch.nn.Tanh()"}
_PYCORE_ACT = {"relu": "ReLU()", "leaky_relu": "LeakyReLU(0.01)", "sigmoid": "Sigmoid()",
               "tanh": "Tanh()"}


def _valid_walk(spec, input_shape):
    """(normalized entry, input shape, trace row) per layer of a valid stack."""
    rows = network.trace(spec, input_shape)
    totals = network.trace_totals(rows)
    if not totals["valid"]:
        raise ValueError(f"the stack is invalid, so there is no code for it: {totals['error']}")
    for i, cfg in enumerate(network.normalize_spec(spec)):
        yield cfg, rows[i]["output_shape"], rows[i + 1]


def torch_code(spec: list, input_shape) -> str:
    """PyTorch source (a ``torch.nn.Sequential``) for a valid network spec.

    Parameters
    ----------
    spec : list of dict (see :mod:`pycore.network`)
    input_shape : (C, H, W)

    Raises
    ------
    ValueError
        The stack is invalid (the first broken layer's message).
    """
    c, h, w = input_shape
    lines = ["import torch", "",
             f"# Input: a batch of shape (N, {c}, {h}, {w}), values in [0, 1].",
             "# torch draws its own initial weights; pycore's (seeded He-uniform) differ.",
             "model = torch.nn.Sequential("]
    for cfg, in_shape, row in _valid_walk(spec, input_shape):
        out = shape_text(row["output_shape"])
        kind = cfg["type"]
        if kind == "conv2d":
            call = (f"torch.nn.Conv2d({in_shape[0]}, {cfg['filters']}, "
                    f"kernel_size={_py(cfg['kernel_size'])}, stride={_py(cfg['stride'])}, "
                    f"padding={_py(cfg['padding'])}, dilation={_py(cfg['dilation'])})")
        elif kind in ("maxpool", "avgpool"):
            cls = "MaxPool2d" if kind == "maxpool" else "AvgPool2d"
            stride = cfg["stride"] if cfg["stride"] is not None else cfg["kernel_size"]
            call = (f"torch.nn.{cls}(kernel_size={_py(cfg['kernel_size'])}, "
                    f"stride={_py(stride)}{_pool_padding(cfg)}, ceil_mode={cfg['ceil_mode']})")
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


def pycore_code(spec: list, input_shape, seed: int, init: str) -> str:
    """pycore source building the same network with the same weights as
    ``network.build(spec, input_shape, seed, init)``.

    Raises
    ------
    ValueError
        The stack is invalid (the first broken layer's message).
    """
    c, h, w = input_shape
    used = {"Sequential"}
    body, names = [], []
    for cfg, in_shape, row in _valid_walk(spec, input_shape):
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
                    f"stride={_py(cfg['stride'])}{_pool_padding(cfg)}, ceil_mode={cfg['ceil_mode']})")
        elif kind == "flatten":
            used.add("Flatten")
            call = "Flatten()"
        elif kind == "dense":
            used.add("Dense")
            call = f"Dense({in_shape[0]}, {cfg['units']}, init={init!r}, seed=rng)"
        else:
            used.add("Softmax")
            call = "Softmax(axis=1)"
        body.append(f"    {call},  # {row['name']}: {shape_text(row['output_shape'])}")
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


# ----------------------------------------------------------------------------- view scripts
#
# The page's views (pycore.page.code) write their code once; these wrap it as a command-line
# script and as a notebook, and give the helpers the script calls to write what it shows.

def file_stem(index: int, title) -> str:
    """The file name (without suffix) of a script's ``index``-th show (from 1): ``03_edge_max_pool_2x2``.

    Letters, digits, ``-`` and ``.`` are kept, ``×`` becomes ``x``, anything else one ``_``;
    at most 60 characters. A show without a title is ``NN_show``.
    """
    text = str(title) if title is not None else "show"
    slug = re.sub(r"[^A-Za-z0-9.\-]+", "_", text.replace("×", "x")).strip("_.")[:60].rstrip("_.")
    return f"{int(index):02d}_{slug or 'show'}"


def file_stems(titles) -> list[str]:
    """:func:`file_stem` of each title, counting from 1."""
    return [file_stem(i, t) for i, t in enumerate(titles, start=1)]


def gray_levels(a) -> np.ndarray:
    """A map -> uint8 levels, min–max over the finite values (the page's gray mode): a
    constant map is 128, +inf 255, -inf and NaN 0."""
    a = np.asarray(a, dtype=np.float64)
    finite = np.isfinite(a)
    out = np.full(a.shape, 128, dtype=np.uint8)
    if finite.any():
        lo, hi = float(a[finite].min()), float(a[finite].max())
        if hi > lo:
            scaled = (np.where(finite, a, lo) - lo) * (255.0 / (hi - lo))
            out = np.rint(np.clip(scaled, 0, 255)).astype(np.uint8)
    out[np.isposinf(a)] = 255
    out[np.isneginf(a) | np.isnan(a)] = 0
    return out


def shown_image(a, rgb: bool = False) -> np.ndarray:
    """What a show draws, as 8-bit pixels: (H, W) gray, or (H, W, 3) for ``rgb``.

    1-D is one row; 3-D (C, H, W) is its C maps side by side, one pixel apart, on one
    gray scale (``rgb``: one colour image, values 0..1 clipped).
    """
    a = np.asarray(a, dtype=np.float64)
    if rgb:
        if a.ndim != 3 or a.shape[0] != 3:
            raise ValueError(f"an RGB show is (3, H, W); got shape {a.shape}")
        return np.rint(np.clip(np.nan_to_num(a.transpose(1, 2, 0), nan=0.0), 0, 1) * 255).astype(np.uint8)
    if a.ndim == 1:
        return gray_levels(a[np.newaxis])
    if a.ndim == 2:
        return gray_levels(a)
    if a.ndim == 3:
        levels = gray_levels(a)
        c, h, w = a.shape
        out = np.zeros((h, c * (w + 1) - 1), dtype=np.uint8)
        for i in range(c):
            out[:, i * (w + 1) : i * (w + 1) + w] = levels[i]
        return out
    raise ValueError(f"a show is 1-D, 2-D or 3-D; got shape {a.shape}")


def write_shown(out_dir, stem: str, array, rgb: bool = False) -> list:
    """Write ``array`` as ``out_dir/stem.npy`` (float32, as the page has it) and
    ``out_dir/stem.png`` (:func:`shown_image`; needs Pillow). Returns the two paths."""
    from PIL import Image

    out_dir = Path(out_dir)
    a = np.ascontiguousarray(array, dtype=np.float32)
    npy, png = out_dir / f"{stem}.npy", out_dir / f"{stem}.png"
    np.save(npy, a)
    Image.fromarray(shown_image(a, rgb)).save(png)
    return [npy, png]


_SCRIPT = '''#!/usr/bin/env python3
"""{title_cap} from CNN Explorer, as a script.

    python {filename} IMAGE --out DIR [--max-side {max_side}]

Reads IMAGE as the page does (pycore.image.decode_image_bytes: EXIF orientation, values
scaled to 0..1, the longest side scaled down to --max-side pixels, 0 keeps the size), runs
the view's code (the function view below, the page's Python panel) and writes every array it
shows as DIR/<NN_title>.npy (float32: the numbers the page draws) and DIR/<NN_title>.png.
Needs pycore and Pillow.
"""
import argparse
import sys
from pathlib import Path

import pycore.codegen
import pycore.image


def view(image, show):
    """The view's code: ``image`` is (3, H, W) float32 in [0, 1]; ``show`` writes an array."""
{body}


def main(argv=None):
    parser = argparse.ArgumentParser(description="{title_cap} from CNN Explorer: writes every array it "
                                                 "shows as .npy and .png.")
    parser.add_argument("image", help="the image file (PNG, JPEG, GIF, BMP, WebP, TIFF, ...)")
    parser.add_argument("--out", required=True, help="folder for the .npy and .png files (created if missing)")
    parser.add_argument("--max-side", type=int, default={max_side},
                        help="working size: the longest side in pixels (default {max_side}, as the page; 0 keeps it)")
    args = parser.parse_args(argv)
    try:
        image, info = pycore.image.decode_image_bytes(Path(args.image).read_bytes(), max_side=args.max_side,
                                                      name=args.image)
    except (OSError, ValueError) as e:
        print(f"{{args.image}}: {{e}}", file=sys.stderr)
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"{{args.image}}: {{info['format']}} {{info['source'][0]}}x{{info['source'][1]}}, working image "
          f"{{tuple(image.shape)}}")
    count = 0

    def show(array, title=None, rgb=False):
        nonlocal count
        count += 1
        for path in pycore.codegen.write_shown(out, pycore.codegen.file_stem(count, title), array, rgb):
            print(f"wrote {{path}}")

    view(image, show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


def view_script(code: str, title: str, view: str, max_side: int = 512) -> str:
    """A view's ``code`` (which uses ``image`` and ``show``) as a standalone script.

    ``python <view>.py IMAGE --out DIR`` decodes IMAGE with pycore's decoder at the working
    size (``--max-side``, default the page's), runs ``code`` and writes each show with
    :func:`write_shown` under :func:`file_stem` names.
    """
    body = "\n".join(("    " + line) if line.strip() else "" for line in code.rstrip().splitlines())
    return _SCRIPT.format(title_cap=title[:1].upper() + title[1:], filename=f"{view}.py", body=body,
                          max_side=int(max_side))


_NOTEBOOK_SHOW = '''def show(array, title=None, rgb=False):
    """Draw an array as the page does: a map (2-D), maps side by side (C, H, W), or an RGB image."""
    a = np.asarray(array, dtype=np.float32)
    print(title or "", a.shape, "range", np.nanmin(a), "..", np.nanmax(a))
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        return  # no matplotlib: the shape and range above are all
    plt.figure(figsize=(4, 4))
    plt.imshow(pycore.codegen.shown_image(a, rgb), cmap=None if rgb else "gray", interpolation="nearest")
    plt.title(title or "")
    plt.axis("off")
    plt.show()
'''


def _cell(kind: str, source: str, index: int) -> dict:
    lines = source.rstrip("\n").splitlines(True)
    cell = {"cell_type": kind, "id": f"{kind}-{index}", "metadata": {}, "source": lines}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def view_notebook(code: str, title: str, view: str, max_side: int = 512) -> str:
    """A view's ``code`` as a Jupyter notebook (nbformat 4.5 JSON text): a markdown cell
    saying what it is, a cell that loads the image, one that defines ``show``, the code."""
    intro = (f"# {title[:1].upper() + title[1:]}, in pycore\n\n"
             f"The code behind CNN Explorer's view of {title}, with the settings it had. Set `IMAGE` to "
             "your image file: it is read as the page reads it (`pycore.image.decode_image_bytes`, longest "
             f"side scaled down to {max_side} pixels). `show` draws an array (with matplotlib, if installed).")
    load = ("import numpy as np\n\nimport pycore\nimport pycore.codegen\nimport pycore.image\n\n"
            "IMAGE = \"image.png\"  # your image file\n"
            f"MAX_SIDE = {int(max_side)}  # the page's working size: the longest side in pixels\n"
            "with open(IMAGE, \"rb\") as f:\n"
            "    image, info = pycore.image.decode_image_bytes(f.read(), max_side=MAX_SIDE)\n"
            "image.shape  # (3, H, W), float32 in [0, 1]")
    cells = [_cell("markdown", intro, 0), _cell("code", load, 1), _cell("code", _NOTEBOOK_SHOW, 2),
             _cell("code", code, 3)]
    doc = {"nbformat": 4, "nbformat_minor": 5, "cells": cells,
           "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                        "language_info": {"name": "python"}}}
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
