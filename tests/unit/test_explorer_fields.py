"""Each explorer's bad setting is tied to the page control it came from (``error.field``, the
settings key; a dotted path for nested settings), so the page shows the message beside it."""
from __future__ import annotations

import pytest

from pycore import page as pycore_page
from pycore.page import explorers as X

RANDOM = {"source": "random", "size": 6, "seed": 0}


def field_of(fn, params, image=None):
    with pytest.raises((ValueError, TypeError)) as info:
        getattr(X, fn)(image, params)
    return getattr(info.value, "field", None), str(info.value)


@pytest.mark.parametrize(("fn", "params", "field", "words"), [
    ("window_steps", {**RANDOM, "size": 1}, "size", "grid size must be at least 2"),
    ("window_steps", {**RANDOM, "seed": -1}, "seed", "seed must be at least 0"),
    ("window_steps", {"source": "image"}, "source", "needs an image first"),
    ("window_steps", {**RANDOM, "kernel": {"preset": "box", "size": 9}}, "kernel.size",
     "kernel size must be at most 7"),
    ("window_steps", {**RANDOM, "kernel": {"preset": "nope"}}, "kernel.preset", "not one of pycore's kernels"),
    ("window_steps", {**RANDOM, "kernel": {"preset": "random", "seed": -3}}, "kernel.seed", "kernel seed"),
    ("window_steps", {**RANDOM, "kernel": {"rows": 2, "cols": 2, "values": [1, 2, 3]}}, "kernel", "3 values"),
    ("window_steps", {**RANDOM, "padding": "same", "stride": 2}, "padding", "needs stride 1"),
    ("window_steps", {**RANDOM, "bias": float("nan")}, "bias", "bias is empty"),
    ("window_steps", {**RANDOM, "stride": 99}, "stride", "at most 8"),
    ("pool_steps", {**RANDOM, "window": 7}, "window", "pooling window must be at most 6"),
    ("padded_view", {**RANDOM, "dilation": 0}, "dilation", "dilation must be at least 1"),
    ("multiply_sum", {"a": {"rows": 2, "cols": 2, "values": [1, 2, 3, 4]}}, "b", "must match"),
    ("multiply_sum", {"a": {"rows": 0, "cols": 2, "values": []}}, "a.rows", "matrix A rows"),
    ("receptive_field", {**RANDOM, "layers": []}, "layers", "at least one layer"),
    ("receptive_field", {**RANDOM, "layers": [{"type": "conv2d", "kernel_size": 3},
                                              {"type": "maxpool", "kernel_size": 0}]}, "layers.1.kernel_size",
     "layer 2 kernel size must be at least 1"),
    ("receptive_field", {**RANDOM, "layers": [{"type": "conv2d", "stride": 2, "padding": "same"}]}, "layers.0.padding",
     "layer 1: padding “same”"),
    ("receptive_field", {**RANDOM, "layers": [{"type": "maxpool", "kernel_size": 2}] * 3}, "layers.2.kernel_size",
     "layer 3 (maxpool): the 2×2 pooling window does not fit"),
    ("flip_compare", {**RANDOM, "kernel": {"preset": "nope"}}, "kernel.preset", "kernel preset"),
    ("rgb_filter", {**RANDOM, "kernel": {"preset": "gray_edge", "size": 5}}, "kernel", "3×3"),
    ("rgb_filter", {**RANDOM, "kernel": {"preset": "notebook", "size": 0}}, "kernel.size", "filter size"),
    ("rgb_filter", {**RANDOM, "position": {"row": -1}}, "position.row", "row must be at least 0"),
    ("param_counts", {"filters": 0}, "filters", "number of filters must be at least 1"),
])
def test_a_bad_setting_names_its_control(fn, params, field, words):
    got, message = field_of(fn, params)
    assert got == field
    assert words in message
    # plain words: no settings keys or Python reprs in what the learner reads
    assert "key '" not in message and ">=" not in message


def test_the_worker_call_returns_the_field():
    out = pycore_page.worker_call("window_steps", None, {**RANDOM, "kernel": {"preset": "box", "size": 9}})
    assert "arrays" not in out and out["problem"]["field"] == "kernel.size"
    assert out["problem"]["kind"] == "ValueError" and "kernel size" in out["problem"]["error"]


def test_a_crop_larger_than_the_image_names_the_grid_size():
    import numpy as np

    image = np.zeros((3, 5, 5), dtype=np.float32)
    got, message = field_of("window_steps", {"source": "image", "size": 8}, image)
    assert got == "size" and "larger than your image" in message
