"""``python -m pycore``: the numerical core from a terminal.

Subcommands
-----------
``apply IMAGE``
    Filter a photo with library kernels and write one PNG per feature map.
``trace``
    Print a network's layer table (output shapes, parameters, mult-adds).
``kernels``
    List the kernel library.
``train``
    Train a preset network on the digits (or shapes) and print an epoch table.
``predict --model FILE IMAGE...``
    Classify images of one digit each with a trained model.

Exit status: 0 on success, 1 when a file cannot be read or written or the
input does not fit the request (e.g. a kernel larger than the image, a network
spec that breaks), 2 for a bad command line. Every error is one line on stderr
starting ``pycore: error:``.

Pillow is imported only by ``apply`` (``pip install 'pycore[cli]'``), so the
package itself stays numpy-only for the browser.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

from . import image as img
from . import layers as L
from . import ops
from . import train as T
from .datasets import DATASETS, INK_MODES
from .kernels import describe_kernels, get_kernel
from .network import trace, trace_totals
from .ops import ACTIVATIONS, PADDING_MODES
from .presets import PRESETS, preset_names

PROG = "pycore"


class _Failure(Exception):
    """An error to report as one line, with an exit status."""

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as ONE line (no usage dump), status 2."""

    def error(self, message):
        raise _Failure(f"{message} (see '{PROG} {self._sub_name()}--help')", 2)

    def _sub_name(self):
        # "pycore apply" -> "apply "; the top-level parser -> ""
        parts = self.prog.split(maxsplit=1)
        return parts[1] + " " if len(parts) > 1 else ""


# ------------------------------------------------------------------ argument types

def _whole_number(minimum, note=""):
    """An argparse type: an integer >= ``minimum``; the message names the text given."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}{note}, got {text!r}")
        return value
    return parse


def _finite_number(minimum, inclusive):
    """An argparse type: a finite number above ``minimum`` (or equal, if ``inclusive``)."""
    def parse(text):
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not (value >= minimum if inclusive else value > minimum):
            raise argparse.ArgumentTypeError(f"must be a number {'>=' if inclusive else '>'} {minimum}, got {text!r}")
        return value
    return parse


_side = _whole_number(0, " (0: original size)")
_positive_int = _whole_number(1)
_non_negative_int = _whole_number(0)
_positive_float = _finite_number(0, inclusive=False)
_non_negative_float = _finite_number(0, inclusive=True)


def _padding(text):
    if text in ("same", "valid"):
        return text
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"must be an integer >= 0, 'same' or 'valid', got {text!r}")
    return value


def _kernel(text):
    """NAME or NAME:SIZE -> (label, name, size)."""
    name, _, size_text = text.partition(":")
    size = None
    if size_text:
        try:
            size = int(size_text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"size after ':' must be an integer, got {text!r}") from None
    try:
        get_kernel(name, size, seed=0)          # validates name and size now
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return (name if size is None else f"{name}{size}", name, size)


def _pool(text):
    """max:K or avg:K[:S] (also max:K:S) -> (kind, kernel, stride)."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or parts[0] not in ("max", "avg"):
        raise argparse.ArgumentTypeError(f"must look like max:2, avg:2 or avg:3:2, got {text!r}")
    try:
        numbers = [_positive_int(p) for p in parts[1:]]
    except argparse.ArgumentTypeError as e:
        raise argparse.ArgumentTypeError(f"in {text!r}: window and stride {e}") from None
    return (parts[0], numbers[0], numbers[-1] if len(numbers) == 2 else None)


def _shape(text):
    try:
        shape = tuple(int(p) for p in text.replace("x", ",").split(","))
    except ValueError:
        shape = ()
    if len(shape) != 3 or min(shape) < 1:
        raise argparse.ArgumentTypeError(
            f"must be C,H,W (three integers >= 1), got {text!r}")
    return shape


# ------------------------------------------------------------------------- parser

APPLY_HELP = """\
Filter an image with kernels from the library and write one PNG per feature map.

The image is read as the web page reads it (README, "How images are read"):
EXIF orientation applied, transparency composited over white, 16-bit images
scaled by 65535, then scaled down by area averaging so its longest side is at
most --max-side (512, the page's default working size). By default it is turned
into grayscale as the mean of R, G and B, with pixel values in 0..1, as the web
page does, so the ranges printed here are the ranges the page shows.
--pixel-scale 255 keeps the 0..255 values instead, as the tutorial does.
With --rgb every kernel becomes a 3-D filter of depth 3, the same 2-D kernel on each colour channel, summed over the
channels (one map per kernel); for these identical slices that is exactly 3x
the grayscale response before the activation.

Each feature map is conv (cross-correlation, no bias) -> activation -> optional
pooling. It is written as 8-bit grayscale, min-max scaled to 0..255 over its
finite values (a constant map, which has no contrast to show, is written mid-gray
128; +inf is white, -inf and NaN black), to DIR/NN_<kernel>.png. One line per map
reports its file, shape and value range before scaling (finite values only) and,
when the values overflowed, how many cells are +inf, -inf or NaN.
"""

KERNEL_DEFAULTS = ["edge", "sharpen", "blur"]


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of ``pycore`` (exposed for docs and tests)."""
    parser = _Parser(prog=PROG, description="CNN Explorer's numerical core from the terminal.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("apply", help="filter an image with library kernels, one PNG per map",
                       description=APPLY_HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("image", metavar="IMAGE", help="any image file Pillow can read")
    p.add_argument("--kernel", "-k", action="append", type=_kernel, metavar="NAME[:SIZE]",
                   help="a library kernel, repeatable (default: edge, sharpen, blur); "
                        "SIZE for box/gaussian (odd) and random; see 'pycore kernels'")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of 'random' kernels; the i-th kernel uses seed + i (default 0)")
    p.add_argument("--activation", "-a", choices=ACTIVATIONS, default="relu",
                   help="applied to each map (default relu, as the tutorial)")
    p.add_argument("--stride", type=_positive_int, default=1, help="default 1")
    p.add_argument("--padding", type=_padding, default=0,
                   help="an integer >= 0, 'same' (needs stride 1) or 'valid' (default 0)")
    p.add_argument("--padding-mode", choices=PADDING_MODES, default="zeros",
                   help="what padded pixels hold (default zeros)")
    p.add_argument("--dilation", type=_positive_int, default=1, help="default 1")
    p.add_argument("--pool", type=_pool, metavar="max:K|avg:K[:S]",
                   help="pool each map with a KxK window, stride S (default K)")
    p.add_argument("--rgb", action="store_true",
                   help="filter the colour image with 3-D filters instead of grayscale")
    p.add_argument("--max-side", type=_side, default=img.DEFAULT_MAX_SIDE, metavar="PX",
                   help="working size: scale the image down so its longest side is at most PX "
                        f"(default {img.DEFAULT_MAX_SIDE}, as the web page; 0 keeps the original size)")
    p.add_argument("--pixel-scale", type=int, choices=(1, 255), default=1,
                   help="pixel values 0..1 (default, as the web page) or 0..255 (as the tutorial)")
    p.add_argument("--out", "-o", required=True, metavar="DIR",
                   help="folder for the PNGs (created if missing)")
    p.set_defaults(run=_cmd_apply)

    p = sub.add_parser(
        "trace", help="print a network's layer table",
        description="Print each layer's output shape, parameters and multiply-adds, "
                    "computed without running the network. With --json print "
                    '{"input_shape": [C,H,W], "rows": [...], "totals": {...}} where rows and '
                    "totals are pycore.network.trace and trace_totals. Exit status 1 if the "
                    "stack is invalid (the table shows where and why).")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--preset", choices=preset_names(), help="a named network (default seed)")
    src.add_argument("--spec", metavar="FILE", help="a JSON file holding a network spec list")
    p.add_argument("--input-shape", type=_shape, metavar="C,H,W",
                   help="default: the preset's (required with --spec)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(run=_cmd_trace)

    p = sub.add_parser("kernels", help="list the kernel library",
                       description="List the library's kernels with their descriptions.")
    p.add_argument("--values", action="store_true", help="also print each default-size kernel")
    p.set_defaults(run=_cmd_kernels)

    d = T.DEFAULTS
    p = sub.add_parser(
        "train", help="train a preset network on the digits or the shapes",
        description="Train with mini-batch SGD (momentum) or Adam on softmax cross-entropy and "
                    "print one row per epoch (train loss and accuracy over the epoch's batches, "
                    "test accuracy, seconds); a progress bar goes to stderr on a terminal. The "
                    "preset's input shape and its last dense layer follow the data set. With "
                    '--json print {"history": [...], "test_accuracy": <final, 0..1>, '
                    '"step_losses": [...]}. The same seed and settings give the same numbers.')
    p.add_argument("--preset", choices=preset_names(), default="digits", help="default digits")
    p.add_argument("--data", choices=DATASETS, default="digits", help="default digits")
    p.add_argument("--epochs", type=_positive_int, default=d.epochs, help=f"default {d.epochs}")
    p.add_argument("--batch-size", type=_positive_int, default=d.batch_size,
                   help=f"default {d.batch_size}")
    p.add_argument("--optimizer", choices=T.OPTIMIZERS, default=d.optimizer,
                   help=f"default {d.optimizer}")
    p.add_argument("--lr", type=_positive_float, default=d.lr, help=f"learning rate (default {d.lr:g})")
    p.add_argument("--weight-decay", type=_non_negative_float, default=d.weight_decay,
                   help=f"L2 term added to the gradient, as torch (default {d.weight_decay:g})")
    p.add_argument("--seed", type=_non_negative_int, default=d.seed,
                   help=f"seeds the initial weights and the batch order (default {d.seed})")
    p.add_argument("--dtype", choices=T.DTYPES, default=d.dtype,
                   help=f"what the layers compute in; float32 is faster, float64 gives the page's "
                        f"numbers to 1e-14 (default {d.dtype})")
    p.add_argument("--save", metavar="FILE", help="write the trained model to FILE (.npz)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(run=_cmd_train)

    p = sub.add_parser(
        "predict", help="classify images of one digit with a trained model",
        description="Reduce each image to the digits' 8x8 form (ink found, centred and scaled as "
                    "the data set was made) and print the predicted class, the ten "
                    "probabilities and the ink. With --json print a list of "
                    '{"file", "class", "probabilities", "ink"}.')
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files Pillow can read")
    p.add_argument("--model", required=True, metavar="FILE", help="a model saved by 'train --save'")
    p.add_argument("--ink", choices=INK_MODES, default="auto",
                   help="dark ink on light paper, light on dark, or auto: detect from the "
                        "border (default)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(run=_cmd_predict)
    return parser


# ------------------------------------------------------------------------- apply

def _pillow():
    """Import Pillow on demand; the browser build has no Pillow and needs none."""
    try:
        import PIL.Image
        import PIL.ImageOps
    except ImportError:
        raise _Failure("reading images needs Pillow; install it with: "
                       "pip install 'pycore[cli]'") from None
    return PIL


def _load_image(path, max_side):
    """Image file -> (working image (3, h, w) float32 in 0..1, info), as the page reads it."""
    _pillow()
    try:
        data = Path(path).read_bytes()
    except (FileNotFoundError, IsADirectoryError, PermissionError) as e:
        raise _Failure(f"cannot open image {str(path)!r}: {e.strerror}") from None
    try:
        return img.decode_image_bytes(data, max_side=max_side, name=str(path))
    except ValueError as e:
        raise _Failure(str(e)) from None


def _describe(fmap):
    """'range lo .. hi' over the finite values, and the overflow sentence if any."""
    stats = img.map_stats(fmap)
    text = ("range none (no finite value)" if stats["vmin"] is None
            else f"range {stats['vmin']:.4g} .. {stats['vmax']:.4g}")
    if stats["nonfinite"]["any"]:
        text += f"; {stats['nonfinite']['text']}"
    return text


def _cmd_apply(args):
    kernels = args.kernel or [(name, name, None) for name in KERNEL_DEFAULTS]
    channels = 3 if args.rgb else 1
    # build every layer before touching files, so a bad combination is a usage error
    try:
        convs = []
        for i, (label, name, size) in enumerate(kernels):
            k = get_kernel(name, size, seed=args.seed + i)
            conv = L.Conv2d(channels, 1, k.shape, stride=args.stride, padding=args.padding,
                            dilation=args.dilation, padding_mode=args.padding_mode,
                            bias=False, init=None)
            conv.weight = np.broadcast_to(k, (1, channels, *k.shape)).copy()
            convs.append((label, conv))
        pool = None
        if args.pool:
            kind, size, stride = args.pool
            pool = (L.MaxPool2d if kind == "max" else L.AvgPool2d)(size, stride)
    except ValueError as e:
        raise _Failure(str(e), 2) from None

    Image = _pillow().Image
    image, info = _load_image(args.image, args.max_side)        # (3, h, w) float32, 0..1
    if args.pixel_scale == 255:
        image = image * np.float32(255)                         # the tutorial's 0..255
    # float32 as on the page (conv2d computes in the image's dtype)
    x = image if args.rgb else img.input_plane(image, "gray")   # (3 or 1, h, w)
    out_dir = Path(args.out)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _Failure(f"cannot create output folder {str(out_dir)!r}: {e.strerror}") from None

    (sw, sh), (w, h) = info["source"], info["size"]
    size = f"{sw}x{sh}" + (f" scaled to {w}x{h}" if (w, h) != (sw, sh) else "")
    print(f"input {args.image}: {info['format']} {size}, {'rgb' if args.rgb else 'gray'} {tuple(x.shape)}, "
          f"values {x.min():.4g} .. {x.max():.4g}")
    for i, (label, conv) in enumerate(convs, start=1):
        try:
            conv.output_shape(x.shape)                          # the layer's clear message first
            # ops on the float32 image, as the page's convolve (the layers would compute in float64)
            with np.errstate(all="ignore"):                     # overflow is reported per map
                y = ops.conv2d(x, conv.weight, stride=conv.stride, padding=conv.padding,
                               dilation=conv.dilation, padding_mode=conv.padding_mode)  # (1, OH, OW)
                y = ops.activate(y, args.activation)
                if pool is not None:
                    pooling = ops.max_pool2d if isinstance(pool, L.MaxPool2d) else ops.avg_pool2d
                    y = pooling(y, pool.kernel_size, stride=pool.stride)
        except ValueError as e:
            raise _Failure(f"kernel {label}: {e}") from None
        fmap = y[0]                                             # (OH, OW)
        path = out_dir / f"{i:02d}_{label}.png"
        try:
            Image.fromarray(img.gray_levels(fmap)).save(path)
        except OSError as e:
            raise _Failure(f"cannot write {str(path)!r}: {e}") from None
        print(f"{path.name}: {label} shape {tuple(fmap.shape)} {_describe(fmap)}")
    return 0


# ------------------------------------------------------------------------- trace

def _fmt_shape(shape):
    return "x".join(str(s) for s in shape) if shape is not None else "-"


def _cmd_trace(args):
    if args.spec is not None:
        if args.input_shape is None:
            raise _Failure("--spec needs --input-shape C,H,W", 2)
        try:
            spec = json.loads(Path(args.spec).read_text(encoding="utf-8"))
        except OSError as e:
            raise _Failure(f"cannot read spec {args.spec!r}: {e.strerror}") from None
        except (ValueError, UnicodeDecodeError) as e:
            raise _Failure(f"spec {args.spec!r} is not valid JSON: {e}") from None
        shape = args.input_shape
    else:
        preset = PRESETS[args.preset or "seed"]
        spec = preset["spec"]
        shape = args.input_shape or tuple(preset["input_shape"])
    try:
        rows = trace(spec, shape)
    except ValueError as e:
        raise _Failure(str(e)) from None
    totals = trace_totals(rows)
    if args.json:
        print(json.dumps({"input_shape": list(shape), "rows": rows, "totals": totals},
                         indent=1))
    else:
        _print_table(rows, totals)
    return 0 if totals["valid"] else 1


def _print_table(rows, totals):
    header = ("#", "layer", "type", "output shape", "weights", "biases", "params", "mult-adds")
    lines = []
    for r in rows:
        kind = r["type"] or "?"
        if r["activation"]:
            kind += "+" + r["activation"]
        lines.append(("" if r["index"] is None else str(r["index"]), r["name"], kind,
                      _fmt_shape(r["output_shape"]), f"{r['weights']:,}", f"{r['biases']:,}",
                      f"{r['params']:,}", f"{r['macs']:,}"))
    lines.append(("", "total", "", _fmt_shape(totals["output_shape"]),
                  f"{totals['weights']:,}", f"{totals['biases']:,}", f"{totals['params']:,}",
                  f"{totals['macs']:,}"))
    widths = [max(len(line[c]) for line in [header, *lines]) for c in range(len(header))]
    right = {0, 4, 5, 6, 7}                                     # numbers align right

    def fmt(line):
        return "  ".join(cell.rjust(w) if c in right else cell.ljust(w)
                         for c, (cell, w) in enumerate(zip(line, widths))).rstrip()

    print(fmt(header))
    print("  ".join("-" * w for w in widths))
    for line in lines[:-1]:
        print(fmt(line))
    print("  ".join("-" * w for w in widths))
    print(fmt(lines[-1]))
    errors = [r for r in rows if r["error"] is not None]
    if errors:
        print(f"invalid network: {errors[0]['error']}")


# ----------------------------------------------------------------------- kernels

def _cmd_kernels(args):
    rows = describe_kernels()
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        sizes = {"fixed": f"{r['default_size']}x{r['default_size']}",
                 "odd": "odd size", "any": "any size"}[r["sizes"]]
        print(f"{r['name'].ljust(width)}  {sizes:9}  {r['description']}")
        if args.values:
            values = get_kernel(r["name"], seed=0)
            for line in np.array2string(values, precision=4, suppress_small=True).splitlines():
                print(" " * (width + 2) + line)
    return 0


# ------------------------------------------------------------------ train, predict

def _cmd_train(args):
    try:
        settings = T.TrainSettings(optimizer=args.optimizer, lr=args.lr, batch_size=args.batch_size,
                                   epochs=args.epochs, weight_decay=args.weight_decay, seed=args.seed,
                                   dtype=args.dtype)
    except ValueError as e:
        raise _Failure(str(e), 2) from None
    try:
        return T.train_command(args.preset, args.data, settings, save=args.save, as_json=args.json)
    except OSError as e:
        raise _Failure(f"cannot write model {args.save!r}: {e.strerror or e}") from None
    except ValueError as e:
        raise _Failure(str(e)) from None


def _cmd_predict(args):
    try:
        net, meta = T.load_model(args.model)
    except OSError as e:
        raise _Failure(f"cannot read model {args.model!r}: {e.strerror or e}") from None
    except ValueError as e:
        raise _Failure(f"model {args.model!r}: {e}") from None
    # full resolution (max_side 0): reduce_digit scales the ink's box itself
    images = [(path, img.input_plane(_load_image(path, 0)[0], "gray")[0]) for path in args.images]
    try:
        return T.predict_command(net, meta, images, ink=args.ink, as_json=args.json)
    except ValueError as e:
        raise _Failure(f"model {args.model!r}: {e}") from None


# -------------------------------------------------------------------------- main

def main(argv=None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        Exit status: 0 ok, 1 unreadable input or invalid network, 2 usage error.
    """
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except _Failure as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return e.status
    except MemoryError:
        print(f"{PROG}: error: out of memory (try a smaller image)", file=sys.stderr)
        return 1
    except BrokenPipeError:                  # e.g. `pycore trace | head`
        return 0
