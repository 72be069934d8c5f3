"""pycore.windows: window gathering and stack geometry against walking loops."""

import numpy as np
import pytest

from pycore import windows
from pycore.network import normalize_spec


@pytest.mark.parametrize("k, s, d", [(3, 1, 1), (2, 2, 1), (3, 2, 2), (1, 3, 1)])
def test_gather_windows_walks_the_padded_grid(k, s, d):
    x = np.random.default_rng(k * 10 + s).random((9, 11))
    span = d * (k - 1) + 1
    oh, ow = (9 - span) // s + 1, (11 - span) // s + 1
    win, rows, cols = windows.gather_windows(x, k, k, s, d, oh, ow)
    i = 0
    for r in range(0, 9 - span + 1, s):
        for c in range(0, 11 - span + 1, s):
            np.testing.assert_array_equal(win[i], x[r : r + span : d, c : c + span : d])
            assert (rows[i], cols[i]) == (r, c)
            i += 1
    assert i == len(win) == oh * ow


def test_window_axes_resolve_same_padding_and_pool_defaults():
    conv, pool = normalize_spec([{"type": "conv2d", "filters": 1, "kernel_size": [2, 3], "padding": "same"},
                                 {"type": "avgpool", "kernel_size": 3, "padding": 1}])
    rows, cols = windows.window_axes(conv)
    assert rows["pads"] == (0, 1) and cols["pads"] == (1, 1)  # torch: the odd cell after
    rows, _ = windows.window_axes(pool)
    assert rows == {"k": 3, "s": 3, "d": 1, "pads": (1, 1), "ceil_mode": False}
    with pytest.raises(ValueError, match="not 'flatten'"):
        windows.window_axes({"type": "flatten"})


def test_run_stack_follows_each_conv_with_its_activation():
    x = np.random.default_rng(1).normal(size=(6, 6))
    k = np.random.default_rng(2).normal(size=(3, 3))
    stack = normalize_spec([{"type": "conv2d", "filters": 1, "activation": "relu"},
                            {"type": "maxpool", "kernel_size": 2}])
    conv_out, pooled = windows.run_stack(x, stack, [k, None])
    want = np.array([[np.sum(x[i : i + 3, j : j + 3] * k) for j in range(4)] for i in range(4)])
    np.testing.assert_allclose(conv_out, np.maximum(want, 0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(pooled, np.maximum(want, 0).reshape(2, 2, 2, 2).max(axis=(1, 3)), rtol=1e-12)
