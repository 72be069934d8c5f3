"""pycore.page.explorers: the explorers' arrays against independent loops written here.

Every expected value below is computed by walking the windows one by one with plain
numpy indexing (np.pad for the padding), not with pycore's own helpers; receptive
fields are checked by perturbing one input pixel at a time.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import signal

from pycore import ops, page, windows
from pycore.page import explorers

NP_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def unpack(result):
    assert set(result) == {"meta", "arrays"}
    for a in result["arrays"].values():
        assert a.dtype == np.float32 and a.flags.c_contiguous
    return result["meta"], result["arrays"]


def loop_windows(x, k, stride, pads, dilation, mode):
    """Walk a window over np.pad-ded x: (windows, top rows, left cols, out shape)."""
    (pt, pb), (pl, pr) = pads
    xp = np.pad(x, ((pt, pb), (pl, pr)), mode=NP_MODES[mode])
    kh, kw = k.shape
    span_h, span_w = dilation * (kh - 1) + 1, dilation * (kw - 1) + 1
    wins, rows, cols = [], [], []
    r = 0
    ho = 0
    while r + span_h <= xp.shape[0]:
        c = 0
        wo = 0
        while c + span_w <= xp.shape[1]:
            wins.append(xp[r : r + span_h : dilation, c : c + span_w : dilation])
            rows.append(r)
            cols.append(c)
            c += stride
            wo += 1
        r += stride
        ho += 1
    return np.array(wins), np.array(rows), np.array(cols), (ho, wo), xp


def act(z, name, slope=0.01):
    return {
        "none": z,
        "relu": np.maximum(z, 0),
        "leaky_relu": np.where(z < 0, slope * z, z),
        "sigmoid": 1 / (1 + np.exp(-z)),
        "tanh": np.tanh(z),
    }[name]


# ----------------------------------------------------------------------------- multiply and sum


def test_multiply_sum_defaults_are_the_notebooks_165():
    meta, arrays = unpack(explorers.multiply_sum(None, {}))
    assert meta["sum"] == 165
    np.testing.assert_array_equal(arrays["a"], np.arange(1, 10).reshape(3, 3))
    np.testing.assert_array_equal(arrays["b"], np.arange(9, 0, -1).reshape(3, 3))
    np.testing.assert_array_equal(arrays["products"], [[9, 16, 21], [24, 25, 24], [21, 16, 9]])


def test_multiply_sum_custom_and_mismatch():
    meta, arrays = unpack(
        explorers.multiply_sum(
            None,
            {
                "a": {"rows": 2, "cols": 2, "values": [1, -2, 0.5, 4]},
                "b": {"rows": 2, "cols": 2, "values": [3, 1, 2, -1]},
            },
        )
    )
    assert meta["sum"] == pytest.approx(3 - 2 + 1 - 4)
    with pytest.raises(ValueError, match="matrix B is 3×3"):
        explorers.multiply_sum(None, {"a": {"rows": 2, "cols": 2, "values": [1, 2, 3, 4]}})
    with pytest.raises(ValueError, match="matrix A has 3 values"):
        explorers.multiply_sum(None, {"a": {"rows": 2, "cols": 2, "values": [1, 2, 3]}})


# ----------------------------------------------------------------------------- sliding window


def random_settings(rng):
    mode = str(rng.choice(list(NP_MODES)))
    n = int(rng.integers(5, 20))
    k = int(rng.integers(1, 6))
    d = int(rng.integers(1, 3))
    stride = int(rng.integers(1, 4))
    if stride == 1 and rng.random() < 0.3:
        padding = "same"
    else:
        padding = int(rng.integers(0, min(4, n)))
    return {
        "source": "random",
        "size": n,
        "seed": int(rng.integers(0, 1000)),
        "kernel": {"preset": "random", "size": k, "seed": int(rng.integers(0, 1000))},
        "stride": stride,
        "padding": padding,
        "padding_mode": mode,
        "dilation": d,
        "bias": float(rng.normal()),
        "activation": str(rng.choice(ops.ACTIVATIONS)),
    }


@pytest.mark.parametrize("case", range(40))
def test_window_steps_match_a_loop(case):
    rng = np.random.default_rng(100 + case)
    p = random_settings(rng)
    try:
        meta, arrays = unpack(explorers.window_steps(None, p))
    except ValueError as e:
        # only a kernel that cannot fit is a legitimate refusal
        assert "does not fit" in str(e) or "larger than" in str(e)
        return
    x = np.random.default_rng(p["seed"]).random((p["size"], p["size"]))
    k = np.random.default_rng(p["kernel"]["seed"]).uniform(-1, 1, (p["kernel"]["size"],) * 2)
    np.testing.assert_allclose(arrays["input"], x, rtol=1e-6)
    np.testing.assert_allclose(arrays["kernel"], k, rtol=1e-6)
    if p["padding"] == "same":
        tot = p["dilation"] * (k.shape[0] - 1)
        pads = ((tot // 2, tot - tot // 2),) * 2
    else:
        pads = ((p["padding"],) * 2,) * 2
    wins, rows, cols, shape, xp = loop_windows(x, k, p["stride"], pads, p["dilation"], p["padding_mode"])
    assert meta["out_shape"] == list(shape)
    assert meta["positions"] == len(wins)
    np.testing.assert_allclose(arrays["padded"], xp, rtol=1e-6)
    np.testing.assert_allclose(arrays["windows"], wins, rtol=1e-6)
    np.testing.assert_allclose(arrays["products"], wins * k, rtol=1e-5, atol=1e-7)
    sums = np.array([np.sum(w * k) for w in wins])
    np.testing.assert_allclose(arrays["sums"], sums, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(arrays["z"], sums + p["bias"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(arrays["outputs"], act(sums + p["bias"], p["activation"]), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(arrays["rows"], rows)
    np.testing.assert_array_equal(arrays["cols"], cols)
    assert meta["agrees_with_conv2d"] is True
    assert meta["pads"] == {"top": pads[0][0], "bottom": pads[0][1], "left": pads[1][0], "right": pads[1][1]}


def test_window_steps_defaults_and_notebook_grid():
    meta, arrays = unpack(explorers.window_steps(None, {}))
    # the notebook's toy: a 10x10 random image, a 3x3 filter, no padding -> 8x8
    assert meta["in_shape"] == [10, 10] and meta["out_shape"] == [8, 8] and meta["positions"] == 64
    assert meta["geometry"]["rows"]["formula"].endswith("= 8")


def test_window_steps_on_an_image_crop_with_zoom():
    img = np.random.default_rng(1).random((3, 40, 50)).astype(np.float32)
    meta, arrays = unpack(
        explorers.window_steps(
            img, {"source": "image", "size": 8, "scale": 4, "row": 5, "col": 100, "channel": "green"}
        )
    )
    src = meta["input"]
    assert (src["row"], src["col"], src["scale"]) == (5, 50 - 32, 4)  # clamped into the image
    region = img[1, 5:37, 18:50].astype(np.float64)
    want = region.reshape(8, 4, 8, 4).mean(axis=(1, 3))
    np.testing.assert_allclose(arrays["input"], want, rtol=1e-5)
    with pytest.raises(ValueError, match=r"larger than your image of 50×40 pixels \(width × height\)"):
        explorers.window_steps(img, {"source": "image", "size": 16, "scale": 4})
    with pytest.raises(ValueError, match="needs an image"):
        explorers.window_steps(None, {"source": "image"})


def test_window_steps_digit_input():
    meta, arrays = unpack(explorers.window_steps(None, {"source": "digit", "digit": 7}))
    np.testing.assert_array_equal(arrays["input"], explorers.digit(7))
    assert meta["in_shape"] == [8, 8]


def test_window_steps_validation_names_the_control():
    for params, word in [
        ({"stride": 0}, "stride"),
        ({"dilation": 9}, "dilation"),
        ({"padding_mode": "wrap"}, "padding mode"),
        ({"size": 33}, "grid size"),
        ({"padding": "same", "stride": 2}, "stride 1"),
        ({"kernel": {"rows": 2, "cols": 2, "values": [1, 2, 3]}}, "kernel has 3 values"),
        ({"kernel": {"preset": "nope"}}, "kernel preset"),
        ({"activation": "swish"}, "activation"),
    ]:
        with pytest.raises((ValueError, TypeError), match=word):
            explorers.window_steps(None, params)


def test_an_empty_number_field_is_called_empty_not_nan():
    for params, label in [
        ({"size": float("nan")}, "grid size"),
        ({"seed": float("nan")}, "seed"),
        ({"kernel": {"preset": "random", "seed": float("nan")}}, "kernel seed"),
    ]:
        with pytest.raises(ValueError) as e:
            explorers.window_steps(None, params)
        assert str(e.value).startswith(f"{label} is empty or not a number") and "nan" not in str(e.value)
    with pytest.raises(ValueError, match="layer 1 stride is empty or not a number"):
        explorers.receptive_field(None, {"layers": [{"type": "conv2d", "kernel_size": 3, "stride": float("nan")}]})
    with pytest.raises(ValueError, match="image height is empty or not a number"):
        explorers.param_counts(None, {"height": float("nan")})


def test_crop_errors_name_width_and_height_and_give_advice_that_helps():
    tiny = np.zeros((3, 1, 1), np.float32)
    with pytest.raises(ValueError) as e:
        explorers.window_steps(tiny, {"source": "image", "size": 2})
    msg = str(e.value)
    # the grid minimum is 2 and zooming out makes a crop bigger: neither can help
    assert "1×1 pixels (width × height)" in msg and "too small for a crop" in msg
    assert "random grid or a digit" in msg and "zoom" not in msg and "smaller grid" not in msg
    with pytest.raises(ValueError, match="choose a random grid as the input"):  # no digits in the RGB explorer
        explorers.rgb_filter(tiny, {"source": "image", "size": 2})
    tall = np.zeros((3, 500, 1), np.float32)  # 1 wide, 500 high
    with pytest.raises(ValueError, match=r"1×500 pixels \(width × height\)"):
        explorers.window_steps(tall, {"source": "image", "size": 2})
    img = np.zeros((3, 40, 50), np.float32)
    with pytest.raises(ValueError) as e:
        explorers.window_steps(img, {"source": "image", "size": 16, "scale": 4})
    msg = str(e.value)
    assert "64×64 pixels" in msg and "grid size of at most 10" in msg and "zoom out less (2×2 px → 1 fits)" in msg
    explorers.window_steps(img, {"source": "image", "size": 10, "scale": 4})  # the advice works
    explorers.window_steps(img, {"source": "image", "size": 16, "scale": 2})
    with pytest.raises(ValueError, match="set zoom out to none"):
        explorers.window_steps(img, {"source": "image", "size": 32, "scale": 2})


def test_a_kernel_that_does_not_fit_states_each_size_once_and_consistently():
    with pytest.raises(ValueError) as e:
        explorers.window_steps(None, {"size": 2, "padding": 1, "stride": 4, "dilation": 3})
    assert str(e.value) == (
        "the 3×3 kernel with dilation 3 spans 7×7 cells, which does not fit in the 4×4 padded input "
        "(2×2 plus 1 cell of padding on each side)"
    )
    with pytest.raises(ValueError) as e:
        explorers.receptive_field(
            None,
            {
                "size": 2,
                "layers": [
                    {"type": "conv2d", "kernel_size": 3, "padding": 1},
                    {"type": "conv2d", "kernel_size": 5, "padding": 1},
                ],
            },
        )
    assert (
        str(e.value)
        == "layer 2 (conv): the 5×5 kernel does not fit in the 4×4 padded map from layer 1 "
        "(2×2 plus 1 cell of padding on each side)"
    )
    tiny = np.zeros((3, 2, 2), np.float32)
    with pytest.raises(
        ValueError,
        match=r"^layer 4 \(maxpool\): the 2×2 pooling window does not fit in the 1×1 map from layer 3 \(no padding\)$",
    ):
        explorers.receptive_field(tiny, {"source": "image", "size": 2})
    with pytest.raises(ValueError, match=r"^the 3×3 filter does not fit in the 2×2 input \(no padding\)$"):
        explorers.rgb_filter(None, {"size": 2, "padding": 0})
    current = explorers.padded_view(None, {"size": 2, "padding": 1, "kernel_size": 5})["meta"]["current"]
    assert current == {
        "error": "the 5×5 kernel does not fit in the 4×4 padded input (2×2 plus 1 cell of padding on each side)"
    }


def test_digits_are_ten_distinct_8x8_bitmaps():
    seen = set()
    for d in range(10):
        b = explorers.digit(d)
        assert b.shape == (8, 8) and b.min() == 0 and b.max() == 1
        seen.add(b.tobytes())
    assert len(seen) == 10


# ----------------------------------------------------------------------------- pooling


def loop_pool(x, k, s, ceil, kind):
    """Windows by walking; ceil mode keeps a last partial window that starts inside the map."""
    n_h, n_w = x.shape

    def starts(n):
        out, st = [], 0
        while st + k <= n:
            out.append(st)
            st += s
        if ceil and st < n and out[-1] + k < n:
            out.append(st)
        return out

    rs, cs = starts(n_h), starts(n_w)
    vals, counts = [], []
    for r in rs:
        for c in cs:
            w = x[r : r + k, c : c + k]
            vals.append(w.max() if kind == "max" else w.mean())
            counts.append(w.size)
    return np.array(vals).reshape(len(rs), len(cs)), rs, cs, np.array(counts)


@pytest.mark.parametrize(
    "n,k,s,ceil,kind",
    [
        (10, 2, 2, False, "max"),
        (11, 2, 2, False, "max"),
        (11, 2, 2, True, "avg"),
        (11, 3, 2, False, "avg"),
        (12, 3, 2, True, "max"),
        (13, 4, 3, True, "avg"),
        (9, 3, 1, False, "max"),
        (10, 2, 3, False, "avg"),
        (7, 3, 3, True, "max"),
    ],
)
def test_pool_steps_match_a_loop(n, k, s, ceil, kind):
    meta, arrays = unpack(
        explorers.pool_steps(
            None, {"source": "random", "size": n, "seed": n, "window": k, "stride": s, "ceil_mode": ceil, "type": kind}
        )
    )
    x = np.random.default_rng(n).random((n, n))
    want, rs, cs, counts = loop_pool(x, k, s, ceil, kind)
    assert meta["out_shape"] == list(want.shape)
    np.testing.assert_allclose(arrays["output"], want, rtol=1e-5)
    np.testing.assert_allclose(arrays["values"], want.ravel(), rtol=1e-5)
    np.testing.assert_array_equal(arrays["rows"], np.repeat(rs, len(cs)))
    np.testing.assert_array_equal(arrays["counts"], counts)
    assert meta["agrees_with_ops"]
    # leftovers: floor drops rows no window reaches; ceil keeps a partial window
    covered = max(rs) + k
    assert meta["dropped_rows"] == max(0, n - covered)
    assert meta["partial_rows"] == max(0, covered - n)
    assert meta["partial_windows"] == int((counts < k * k).sum())
    # coverage = how many windows read each cell, counted by walking
    cov = np.zeros((n, n))
    for r in rs:
        for c in cs:
            cov[r : r + k, c : c + k] += 1
    np.testing.assert_array_equal(arrays["coverage"], cov)
    assert meta["overlap"] == (s < k)
    if meta["dropped_rows"]:
        assert (cov[n - meta["dropped_rows"] :, :] == 0).all()
    # partial windows show NaN past the map
    wins = arrays["windows"]
    assert np.isnan(wins).any() == (meta["partial_windows"] > 0)
    if kind == "max":
        flat = np.nan_to_num(wins.reshape(len(wins), -1), nan=-np.inf)
        np.testing.assert_array_equal(arrays["argmax"], flat.argmax(axis=1))


def test_pool_of_a_feature_map():
    meta, arrays = unpack(explorers.pool_steps(None, {"source": "digit", "digit": 0, "prefilter": "sobel_x"}))
    x = explorers.digit(0)
    fm = np.maximum(signal.correlate2d(x, np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]), mode="same"), 0)
    np.testing.assert_allclose(arrays["input"], fm, atol=1e-6)
    assert meta["out_shape"] == [4, 4]


# ----------------------------------------------------------------------------- padding


def test_padded_view_modes_match_np_pad():
    img = np.random.default_rng(2).random((3, 20, 20)).astype(np.float32)
    meta, arrays = unpack(
        explorers.padded_view(img, {"source": "image", "size": 6, "channel": "rgb", "padding": 3, "kernel_size": 7})
    )
    x = img[:, :6, :6].astype(np.float64)
    assert meta["channels"] == 3 and meta["padded_shape"] == [12, 12]
    for m in meta["modes"]:
        want = np.pad(x, ((0, 0), (3, 3), (3, 3)), mode=NP_MODES[m["mode"]])
        np.testing.assert_allclose(arrays[m["array"]], want, rtol=1e-6)
    same = meta["same"]
    assert (same["before"], same["after"], same["odd"]) == (3, 3, True)
    assert same["rows"]["size"] == 6 and same["rows"]["formula"].endswith("= 6")
    assert meta["current"]["rows"]["size"] == 6


def test_padded_view_even_kernel_and_impossible_reflect():
    meta, arrays = unpack(explorers.padded_view(None, {"source": "digit", "padding": 8, "kernel_size": 4}))
    modes = {m["mode"]: m for m in meta["modes"]}
    assert modes["reflect"]["array"] is None and "reflect" in modes["reflect"]["error"]
    assert modes["circular"]["array"] is not None
    same = meta["same"]
    assert (same["before"], same["after"], same["symmetric"]) == (1, 2, False)
    assert same["rows"]["size"] == 8


# ----------------------------------------------------------------------------- receptive field


STACKS = [
    [
        {"type": "conv2d", "kernel_size": 3, "padding": 1},
        {"type": "avgpool", "kernel_size": 2},
        {"type": "conv2d", "kernel_size": 3, "padding": 0},
        {"type": "avgpool", "kernel_size": 2},
    ],
    [
        {"type": "conv2d", "kernel_size": 5, "padding": 2, "stride": 2},
        {"type": "avgpool", "kernel_size": 3, "stride": 2, "ceil_mode": True},
        {"type": "conv2d", "kernel_size": [3, 2], "padding": 1},
    ],
    [
        {"type": "conv2d", "kernel_size": 2, "padding": "same"},
        {"type": "avgpool", "kernel_size": 3, "stride": 1, "padding": 1},
        {"type": "conv2d", "kernel_size": 3, "stride": 2},
    ],
]


def dependence(x, layers, kerns):
    """For every layer, a boolean (out_h, out_w, H, W): does the output change when one input pixel does?"""
    layers = explorers.stack_from_params({"layers": layers})  # conv activation "none"
    base = windows.run_stack(x, layers, kerns)
    h, w = x.shape
    deps = [np.zeros(m.shape + (h, w), dtype=bool) for m in base]
    for r, c in itertools.product(range(h), range(w)):
        y = x.copy()
        y[r, c] += 1.0
        maps = windows.run_stack(y, layers, kerns)
        for dep, m, b in zip(deps, maps, base):
            dep[:, :, r, c] = np.abs(m - b) > 1e-9
    return deps


@pytest.mark.parametrize("stack", range(len(STACKS)))
def test_receptive_field_equals_brute_force_perturbation(stack):
    layers = STACKS[stack]
    h, w = 19, 17
    x = np.random.default_rng(3).random((h, w))
    rng = np.random.default_rng(4)
    norm = explorers.stack_from_params({"layers": layers})
    # positive weights: no accidental cancellation, so the dependence set is the whole region
    kerns = [
        rng.uniform(0.5, 1.5, [a["k"] for a in windows.window_axes(L)]) if L["type"] == "conv2d" else None for L in norm
    ]
    deps = dependence(x, layers, kerns)
    boxes = windows.receptive_boxes(norm, h, w)
    for li, (dep, B) in enumerate(zip(deps, boxes)):
        assert dep.shape[:2] == B["shape"]
        _, _, rs, re = B["rows"]
        _, _, cs, ce = B["cols"]
        for i, j in itertools.product(range(dep.shape[0]), range(dep.shape[1])):
            want = np.zeros((h, w), dtype=bool)
            want[rs[i] : re[i], cs[j] : ce[j]] = True
            assert (dep[i, j] == want).all(), f"layer {li + 1}, pixel ({i}, {j})"


def test_receptive_field_with_dilation_and_max_pool_bounds_the_dependence():
    layers = [
        {"type": "conv2d", "kernel_size": 3, "dilation": 2, "padding": 2},
        {"type": "maxpool", "kernel_size": 2},
        {"type": "conv2d", "kernel_size": 3, "dilation": 2},
    ]
    h, w = 20, 20
    x = np.random.default_rng(5).random((h, w))
    kerns = [
        np.random.default_rng(6).uniform(0.5, 1.5, (3, 3)),
        None,
        np.random.default_rng(7).uniform(0.5, 1.5, (3, 3)),
    ]
    deps = dependence(x, layers, kerns)
    boxes = windows.receptive_boxes(explorers.stack_from_params({"layers": layers}), h, w)
    for dep, B in zip(deps, boxes):
        _, _, rs, re = B["rows"]
        _, _, cs, ce = B["cols"]
        for i, j in itertools.product(range(dep.shape[0]), range(dep.shape[1])):
            rr, cc = np.nonzero(dep[i, j])
            assert rr.size  # every pixel depends on something
            assert rs[i] <= rr.min() and rr.max() < re[i] and cs[j] <= cc.min() and cc.max() < ce[j]


def test_receptive_field_textbook_size_grows_through_the_stack():
    meta, arrays = unpack(explorers.receptive_field(None, {"source": "random", "size": 32}))
    # conv3 -> pool2 -> conv3 -> pool2: 3, 4, 8, 10
    assert [L["full_size"] for L in meta["layers"]] == [[3, 3], [4, 4], [8, 8], [10, 10]]
    L = meta["layers"][2]
    # the region of pixel (0, 0) of layer 3 reaches into the padding: clipped inside
    assert (arrays[L["frs"]][0], arrays[L["fre"]][0]) == (-3, 5)
    assert (arrays[L["rs"]][0], arrays[L["re"]][0]) == (0, 5)


def test_receptive_field_target_and_first_layer_window():
    img = np.random.default_rng(8).random((3, 24, 30)).astype(np.float32)
    k = np.arange(12.0).reshape(3, 4)
    meta, arrays = unpack(
        explorers.receptive_field(
            img,
            {
                "source": "full",
                "channel": "gray",
                "maps": False,
                "layers": [
                    {"type": "conv2d", "kernel_size": [3, 4], "padding": 1},
                    {"type": "maxpool", "kernel_size": 2},
                ],
                "target": {
                    "layer": 0,
                    "row": 4,
                    "col": 7,
                    "kernel": {"rows": 3, "cols": 4, "values": k.ravel().tolist()},
                },
            },
        )
    )
    gray = img.mean(axis=0, dtype=np.float32).astype(np.float64)
    xp = np.pad(gray, 1)
    win = xp[4:7, 7:11]
    t = meta["target"]
    assert t["region"] == [3, 6, 6, 10] and t["size"] == [3, 4]
    np.testing.assert_allclose(arrays[meta["first"]["windows"]][0], win, rtol=1e-6)
    assert t["sum"] == pytest.approx(float((win * k).sum()), rel=1e-6)
    # the conv panel's whole output agrees: pycore.conv2d at that pixel
    assert t["sum"] == pytest.approx(float(ops.conv2d(gray, k, padding=1)[0, 4, 7]), rel=1e-6)
    meta2, _ = unpack(
        explorers.receptive_field(
            img,
            {
                "source": "full",
                "maps": False,
                "layers": [
                    {"type": "conv2d", "kernel_size": [3, 4], "padding": 1},
                    {"type": "maxpool", "kernel_size": 2},
                ],
                "target": {"layer": 1, "row": 2, "col": 3},
            },
        )
    )
    assert meta2["target"]["region"] == [3, 7, 5, 10] and meta2["target"]["size"] == [4, 5]


def test_receptive_field_first_layer_windows_for_every_pixel():
    meta, arrays = unpack(
        explorers.receptive_field(
            None,
            {
                "source": "digit",
                "digit": 2,
                "layers": [{"type": "conv2d", "kernel_size": 3, "padding": 1, "stride": 2}],
            },
        )
    )
    first = meta["first"]
    k = arrays[first["kernel"]].astype(np.float64)
    wins, *_ = loop_windows(explorers.digit(2), k, 2, ((1, 1), (1, 1)), 1, "zeros")
    np.testing.assert_allclose(arrays[first["windows"]], wins, rtol=1e-6)
    sums = np.array([np.sum(w * k) for w in wins])
    np.testing.assert_allclose(arrays[first["sums"]], sums, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(arrays[meta["layers"][0]["map"]].ravel(), sums, rtol=1e-5, atol=1e-6)
    assert meta["layers"][0]["kernel_name"] == "edge"
    np.testing.assert_array_equal(k, [[2, 4, -2], [4, 0, -4], [2, -4, -2]])


def test_receptive_field_rejects_a_stack_that_does_not_fit():
    with pytest.raises(ValueError, match="layer 3"):
        explorers.receptive_field(
            None,
            {
                "source": "digit",
                "layers": [
                    {"type": "conv2d", "kernel_size": 5},
                    {"type": "maxpool", "kernel_size": 2},
                    {"type": "conv2d", "kernel_size": 5},
                ],
            },
        )


# ----------------------------------------------------------------------------- flip


def test_flip_compare_asymmetric_and_symmetric():
    meta, arrays = unpack(explorers.flip_compare(None, {"source": "random", "size": 12, "seed": 3}))
    x = np.random.default_rng(3).random((12, 12))
    k = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)
    np.testing.assert_array_equal(arrays["flipped"], k[::-1, ::-1])
    np.testing.assert_allclose(arrays["cross"], signal.correlate2d(x, k, mode="same"), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(arrays["conv"], signal.convolve2d(x, k, mode="same"), rtol=1e-5, atol=1e-6)
    assert not meta["symmetric"] and meta["max_change"] > 0.1
    # sobel_x flipped is minus itself: convolution = -cross-correlation
    np.testing.assert_allclose(arrays["conv"], -arrays["cross"], atol=1e-6)
    meta, arrays = unpack(explorers.flip_compare(None, {"source": "random", "size": 12, "kernel": {"preset": "blur"}}))
    assert meta["symmetric"] and meta["max_change"] == 0 and meta["changed_pixels"] == 0


# ----------------------------------------------------------------------------- RGB


def test_rgb_partial_sums_add_up_to_conv2d():
    img = np.random.default_rng(9).random((3, 30, 40)).astype(np.float32)
    meta, arrays = unpack(
        explorers.rgb_filter(
            img,
            {
                "source": "image",
                "size": 20,
                "channel": "rgb",
                "row": 3,
                "col": 9,
                "bias": 0.25,
                "position": {"row": 0, "col": 7},
            },
        )
    )
    x = img[:, 3:23, 9:29].astype(np.float64)
    w = explorers.notebook_random_filter(0)
    assert w.shape == (3, 3, 3) and w.min() >= -1 and w.max() <= 1
    np.testing.assert_allclose(arrays["filter"], w, rtol=1e-6)
    full = ops.conv2d(x, w[None], bias=np.array([0.25]), padding="same")[0]
    np.testing.assert_allclose(arrays["z"], full, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(arrays["partial"].sum(axis=0) + 0.25, full, rtol=1e-5, atol=1e-5)
    at = meta["at"]
    assert (at["row"], at["col"]) == (0, 7)
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    win = xp[:, 0:3, 7:10]
    np.testing.assert_allclose(arrays["windows"], win, rtol=1e-6)
    for c in range(3):
        assert at["partials"][c] == pytest.approx(float((win[c] * w[c]).sum()), rel=1e-6, abs=1e-9)
    assert at["z"] == pytest.approx(sum(at["partials"]) + 0.25) == pytest.approx(float(full[0, 7]), rel=1e-5)
    assert meta["out_shape"] == [20, 20]


def test_rgb_custom_filter_and_errors():
    img = np.random.default_rng(10).random((3, 10, 10)).astype(np.float32)
    vals = np.arange(27.0) / 27
    meta, arrays = unpack(
        explorers.rgb_filter(
            img, {"source": "image", "size": 8, "kernel": {"size": 3, "values": vals.tolist()}, "padding": 0}
        )
    )
    assert meta["out_shape"] == [6, 6]
    np.testing.assert_allclose(arrays["filter"].ravel(), vals, rtol=1e-6)
    with pytest.raises(ValueError, match="27 weights"):
        explorers.rgb_filter(img, {"source": "image", "size": 8, "kernel": {"size": 3, "values": [1, 2]}})


# ----------------------------------------------------------------------------- parameter counts


def test_param_counts_notebook_argument():
    meta, _ = unpack(
        explorers.param_counts(None, {"height": 100, "width": 100, "channels": 1, "filters": 20, "kernel_size": 5})
    )
    assert meta["fc"]["weights_per_neuron"] == 10_000
    assert meta["conv"]["weights"] == 500
    assert meta["ratio"] == 20


def test_param_counts_rgb_image():
    meta, _ = unpack(
        explorers.param_counts(
            None, {"height": 384, "width": 512, "channels": 3, "filters": 10, "kernel_size": 3, "neurons": 4}
        )
    )
    assert meta["fc"]["weights"] == 384 * 512 * 3 * 4 and meta["fc"]["biases"] == 4
    assert meta["conv"]["weights"] == 3 * 3 * 3 * 10 and meta["conv"]["total"] == 270 + 10


# ----------------------------------------------------------------------------- the page's table


def test_entry_points_are_reachable_through_the_page_table():
    for name in (
        "multiply_sum",
        "window_steps",
        "pool_steps",
        "padded_view",
        "receptive_field",
        "flip_compare",
        "rgb_filter",
        "param_counts",
    ):
        assert page.CALLS[name] is getattr(explorers, name)


def test_meta_is_plain_json():
    import json

    img = np.random.default_rng(11).random((3, 40, 40)).astype(np.float32)
    for fn, p in [
        (explorers.window_steps, {}),
        (explorers.pool_steps, {}),
        (explorers.padded_view, {}),
        (explorers.receptive_field, {}),
        (explorers.flip_compare, {}),
        (explorers.param_counts, {}),
        (explorers.rgb_filter, {"source": "random"}),
    ]:
        json.dumps(fn(img, p)["meta"], allow_nan=False)
