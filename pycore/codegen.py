"""Source code for a network spec: PyTorch (``torch.nn.Sequential``) and pycore.

Both are generated from the spec and its :func:`pycore.network.trace`, so the
shapes in their comments are pycore's, and the pycore code draws the same weights
as :func:`pycore.network.build` with the same seed and init.
"""

from __future__ import annotations

from . import network

__all__ = ["torch_code", "pycore_code", "shape_text"]


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


def torch_code(spec: list, input_shape, weights: str = "random") -> str:
    """PyTorch source (a ``torch.nn.Sequential``) for a valid network spec.

    Parameters
    ----------
    spec : list of dict (see :mod:`pycore.network`)
    input_shape : (C, H, W)
    weights : {"random", "loaded"}
        What the comment above the model says of its weights: torch's own random ones,
        or trained ones that code after the model loads (:func:`pycore.train.torch_model_code`).

    Raises
    ------
    ValueError
        The stack is invalid (the first broken layer's message).
    """
    c, h, w = input_shape
    if weights == "random":
        weights_note = "# torch draws its own initial weights; pycore's (seeded He-uniform) differ."
    elif weights == "loaded":
        weights_note = "# The weights pycore trained are loaded into this model below."
    else:
        raise ValueError(f"weights must be 'random' or 'loaded', got {weights!r}")
    lines = ["import torch", "",
             f"# Input: a batch of shape (N, {c}, {h}, {w}), values in [0, 1].",
             weights_note,
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
