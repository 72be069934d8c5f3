"""Named network specs (see :mod:`pycore.network` for the spec format).

Each preset is ``{"description": str, "input_shape": [C, H, W], "spec": [layer dicts]}``
and is plain JSON-able data, so the web page can load it into its builder and
URL state unchanged.

Every preset ends with ``dense 10`` (raw class scores, no activation) followed
by a ``softmax`` row, so the page can show class probabilities; the softmax has
no parameters and :func:`pycore.network.train_step` trains through the logits
(it skips a trailing softmax and uses a fused softmax-cross-entropy).
"""

from __future__ import annotations

import copy

__all__ = ["PRESETS", "preset_names", "get_preset"]


def _conv(filters, kernel_size, padding, activation="relu"):
    return {"type": "conv2d", "filters": filters, "kernel_size": kernel_size, "stride": 1,
            "padding": padding, "dilation": 1, "activation": activation}


def _pool(kind, size):
    return {"type": kind, "kernel_size": size, "stride": size, "padding": 0, "ceil_mode": False}


def _dense(units, activation):
    return {"type": "dense", "units": units, "activation": activation}


PRESETS: dict[str, dict] = {
    # The tutorial's network. Five [conv 3x3 "same" + ReLU, avg pool 2] blocks halve
    # 352x480 five times to 11x15 (352 = 11 * 2**5, 480 = 15 * 2**5), so the
    # flattened size is 10 * 11 * 15 = 1650. The tutorial's fully connected Layer
    # class is not shown; we give its hidden 512 a ReLU (the activation its conv
    # layers use) and leave the 10 outputs linear.
    "seed": {
        "description": ("The tutorial's CNN: five blocks of conv 3x3 (10 filters, same "
                        "padding, ReLU) + 2x2 average pooling shrink 352x480 RGB to "
                        "10x11x15 = 1650 values, then dense 512 (ReLU) and dense 10."),
        "input_shape": [3, 352, 480],
        "spec": ([layer for _ in range(5) for layer in (_conv(10, 3, "same"),
                                                         _pool("avgpool", 2))]
                 + [{"type": "flatten"}, _dense(512, "relu"), _dense(10, "none"),
                    {"type": "softmax"}]),
    },
    "lenet": {
        "description": ("LeNet-5-like for 28x28 grayscale: conv 6@5x5 (pad 2), max pool, "
                        "conv 16@5x5, max pool, dense 120, 84, 10 (ReLU throughout)."),
        "input_shape": [1, 28, 28],
        "spec": [_conv(6, 5, 2), _pool("maxpool", 2), _conv(16, 5, 0), _pool("maxpool", 2),
                 {"type": "flatten"}, _dense(120, "relu"), _dense(84, "relu"),
                 _dense(10, "none"), {"type": "softmax"}],
    },
    "tiny": {
        "description": ("A tiny CNN for 16x16 grayscale: conv 4@3x3 (ReLU), 2x2 max pool, "
                        "dense 10. Small enough to follow every number."),
        "input_shape": [1, 16, 16],
        "spec": [_conv(4, 3, 0), _pool("maxpool", 2), {"type": "flatten"},
                 _dense(10, "none"), {"type": "softmax"}],
    },
    "digits": {
        "description": ("For the 8x8 handwritten digits: conv 16@3x3 (same, ReLU), 2x2 max "
                        "pool, conv 32@3x3 (same, ReLU), 2x2 max pool, dense 10. Trains to "
                        "about 98% test accuracy in seconds (pycore.train's defaults)."),
        "input_shape": [1, 8, 8],
        "spec": [_conv(16, 3, "same"), _pool("maxpool", 2), _conv(32, 3, "same"),
                 _pool("maxpool", 2), {"type": "flatten"}, _dense(10, "none"), {"type": "softmax"}],
    },
}


def preset_names() -> list[str]:
    """Names of the presets, in definition order."""
    return list(PRESETS)


def get_preset(name: str) -> dict:
    """A deep copy of a preset, safe to modify.

    Parameters
    ----------
    name : str
        One of :func:`preset_names`.

    Returns
    -------
    dict
        ``{"description": str, "input_shape": [C, H, W], "spec": list of dict}``.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid names).
    """
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; valid presets: {', '.join(PRESETS)}")
    return copy.deepcopy(PRESETS[name])
