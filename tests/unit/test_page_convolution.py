"""pycore.page.convolution (the convolution panel) and pycore.page's entry points, in CPython.

Convolution results are compared with a loop written here from the definition
(cross-correlation, zero padding, then activation, then pooling).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from pycore import image, ops, page
from pycore.page import convolution


def rgba_bytes(h, w, seed=0):
    rng = np.random.default_rng(seed)
    rgba = rng.integers(0, 256, size=(h, w, 4), dtype=np.uint8)
    return rgba, rgba.tobytes()


def loop_conv(x, k, stride=1, pad=0, dilation=1):
    """(H, W) input, (kh, kw) kernel -> (H', W'): plain loops over output positions."""
    xp = np.zeros((x.shape[0] + 2 * pad, x.shape[1] + 2 * pad))
    xp[pad : pad + x.shape[0], pad : pad + x.shape[1]] = x
    kh, kw = k.shape
    oh = (xp.shape[0] - dilation * (kh - 1) - 1) // stride + 1
    ow = (xp.shape[1] - dilation * (kw - 1) - 1) // stride + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            s = 0.0
            for a in range(kh):
                for b in range(kw):
                    s += xp[i * stride + a * dilation, j * stride + b * dilation] * k[a, b]
            out[i, j] = s
    return out


def loop_max_pool(x, k, s):
    oh, ow = (x.shape[0] - k) // s + 1, (x.shape[1] - k) // s + 1
    return np.array([[x[i * s : i * s + k, j * s : j * s + k].max() for j in range(ow)] for i in range(oh)])


def kernel(name, values):
    values = np.asarray(values, dtype=np.float64)
    return {"name": name, "rows": values.shape[0], "cols": values.shape[1], "values": values.ravel()}


def test_prepare_image_is_channels_first_and_scaled():
    rgba, raw = rgba_bytes(5, 7)
    img = page.prepare_image(raw, 5, 7)
    assert img.shape == (3, 5, 7) and img.dtype == np.float32
    np.testing.assert_allclose(img, rgba[:, :, :3].transpose(2, 0, 1) / 255.0, rtol=1e-6)


def test_prepare_image_rejects_a_wrong_byte_count():
    with pytest.raises(ValueError, match=r"image data has 12 bytes; a 2x2 RGBA image needs 16"):
        page.prepare_image(bytes(12), 2, 2)


def test_gray_is_the_rgb_mean_and_channels_select():
    rgba, raw = rgba_bytes(4, 6, seed=1)
    img = page.prepare_image(raw, 4, 6)
    np.testing.assert_allclose(image.input_plane(img, "gray")[0], rgba[:, :, :3].mean(axis=2) / 255.0, rtol=1e-5)
    np.testing.assert_array_equal(image.input_plane(img, "green")[0], img[1])
    with pytest.raises(ValueError, match="input channel must be one of gray, red, green, blue; got 'alpha'"):
        image.input_plane(img, "alpha")


@pytest.mark.parametrize("seed", range(6))
def test_convolve_matches_a_loop_reference(seed):
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(6, 20)), int(rng.integers(6, 20))
    rgba, raw = rgba_bytes(h, w, seed)
    img = page.prepare_image(raw, h, w)
    kh, kw = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    k = rng.normal(size=(kh, kw))
    stride, pad, dil = int(rng.integers(1, 3)), int(rng.integers(0, 3)), int(rng.integers(1, 3))
    channel = ["gray", "red", "green", "blue"][seed % 4]
    res = convolution.convolve(
        img,
        {
            "channel": channel,
            "kernels": [kernel("k", k)],
            "stride": stride,
            "padding": pad,
            "dilation": dil,
            "activation": "relu",
            "pool": {"type": "max", "kernel_size": 2},
        },
    )
    plane = (
        rgba[:, :, :3].mean(axis=2) / 255
        if channel == "gray"
        else rgba[:, :, ["red", "green", "blue"].index(channel)] / 255
    )
    want = np.maximum(loop_conv(plane, k, stride, pad, dil), 0)
    m = res["meta"]["maps"][0]
    got = res["arrays"][m["array"]]
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    assert m["vmin"] == pytest.approx(want.min(), abs=1e-5) and m["vmax"] == pytest.approx(want.max(), abs=1e-5)
    assert m["geometry"]["rows"]["size"] == want.shape[0] and m["geometry"]["cols"]["size"] == want.shape[1]
    if min(want.shape) >= 2:
        p = res["meta"]["pooled"][0]
        np.testing.assert_allclose(res["arrays"][p["array"]], loop_max_pool(want, 2, 2), rtol=1e-4, atol=1e-5)


def test_activations_and_same_padding():
    _, raw = rgba_bytes(9, 11, 3)
    img = page.prepare_image(raw, 9, 11)
    k = kernel("edge", [[2, 4, -2], [4, 0, -4], [2, -4, -2]])
    raw_maps = convolution.convolve(
        img, {"kernels": [k], "activation": "none", "padding": "same", "pool": {"type": "none"}}
    )
    z = raw_maps["arrays"]["map0"]
    assert z.shape == (9, 11) and z.min() < 0 < z.max()
    for name, f in [
        ("sigmoid", lambda v: 1 / (1 + np.exp(-v))),
        ("tanh", np.tanh),
        ("leaky_relu", lambda v: np.where(v > 0, v, 0.2 * v)),
    ]:
        res = convolution.convolve(
            img,
            {"kernels": [k], "activation": name, "negative_slope": 0.2, "padding": "same", "pool": {"type": "none"}},
        )
        np.testing.assert_allclose(res["arrays"]["map0"], f(z.astype(np.float64)), rtol=1e-5, atol=1e-6)


def test_maps_of_different_kernel_sizes_have_their_own_shapes():
    _, raw = rgba_bytes(12, 12, 4)
    img = page.prepare_image(raw, 12, 12)
    res = convolution.convolve(
        img,
        {
            "kernels": [kernel("a", np.ones((3, 3))), kernel("b", np.ones((5, 1)))],
            "pool": {"type": "avg", "kernel_size": 3, "stride": 2, "ceil_mode": True},
        },
    )
    shapes = [m["shape"] for m in res["meta"]["maps"]]
    assert shapes == [[10, 10], [8, 12]]
    pooled = [p["shape"] for p in res["meta"]["pooled"]]
    assert pooled == [[math.ceil((10 - 3) / 2) + 1] * 2, [math.ceil((8 - 3) / 2) + 1, math.ceil((12 - 3) / 2) + 1]]


def test_a_pooling_problem_keeps_the_maps():
    _, raw = rgba_bytes(4, 4, 5)
    img = page.prepare_image(raw, 4, 4)
    res = convolution.convolve(
        img, {"kernels": [kernel("k", np.ones((3, 3)))], "pool": {"type": "max", "kernel_size": 3}}
    )
    assert res["meta"]["maps"][0]["shape"] == [2, 2]
    assert res["meta"]["pooled"] == []
    assert "Pooling the 2×2 map of k: the 3×3 window is larger than the padded input (2×2)" in res["meta"]["pool_error"]
    assert res["meta"]["pool_field"] == "pool.kernel_size"
    res = convolution.convolve(img, {"kernels": [kernel("k", np.ones((3, 3)))], "pool": {"type": "max", "stride": 0}})
    assert res["meta"]["pool_error"] == "Pooling stride must be at least 1, got 0"
    assert res["meta"]["pool_field"] == "pool.stride"
    res = convolution.convolve(
        img, {"kernels": [kernel("k", np.ones((3, 3)))], "pool": {"type": "max", "kernel_size": 33}}
    )
    assert res["meta"]["pool_error"] == "Pooling window must be at most 32, got 33"
    assert res["meta"]["pool_field"] == "pool.kernel_size"
    res = convolution.convolve(img, {"kernels": [kernel("k", np.ones((1, 1)))], "pool": {"type": "max"}})
    assert res["meta"]["pool_error"] is None and res["meta"]["pool_field"] is None


@pytest.mark.parametrize(
    "params,error,message",
    [
        ({"stride": 0}, ValueError, "stride must be at least 1, got 0"),
        ({"stride": 1.5}, ValueError, "stride must be a whole number, got 1.5"),
        ({"stride": "2"}, TypeError, "stride must be a whole number, got '2'"),
        ({"dilation": 0}, ValueError, "dilation must be at least 1, got 0"),
        ({"padding": -1}, ValueError, "padding must be at least 0, got -1"),
        ({"padding": "wide"}, ValueError, "padding must be a whole number from 0 to .*, 'same' or 'valid'; got 'wide'"),
        (
            {"padding_mode": "mirror"},
            ValueError,
            "padding mode must be one of zeros, reflect, replicate, circular; got 'mirror'",
        ),
        (
            {"activation": "gelu"},
            ValueError,
            "activation must be one of none, relu, leaky_relu, sigmoid, tanh; got 'gelu'",
        ),
        ({"channel": "alpha"}, ValueError, "input channel must be one of gray, red, green, blue; got 'alpha'"),
        ({"negative_slope": float("nan")}, ValueError, "leaky ReLU slope is empty or not a number"),
        ({"kernels": []}, ValueError, "Add at least one filter"),
        (
            {"kernels": [kernel("big", np.ones((12, 3)))]},
            ValueError,
            r"Filter 1 \(big\) is 12×3; a kernel can be at most 11×11",
        ),
        (
            {"kernels": [{"name": "short", "rows": 3, "cols": 3, "values": [1.0] * 8}]},
            ValueError,
            r"Filter 1 \(short\) has 8 values for a 3×3 kernel",
        ),
        (
            {"kernels": [kernel("nan", [[1.0, float("nan")]])]},
            ValueError,
            r"Filter 1 \(nan\), row 1, column 2 is not a finite number",
        ),
        ({"kernels": [kernel("k", [[1.0]])] * 17}, ValueError, "At most 16 filters at once; there are 17"),
        (
            {"kernels": [kernel("wide", np.ones((3, 9)))]},
            ValueError,
            r"Filter 1 \(wide\) is larger than the padded input: 9 columns, but the input has 6 columns with its "
            r"padding. To fix it, make it smaller or add padding.",
        ),
        ({"padding": "same", "stride": 2}, ValueError, 'Padding "same" .* works only with stride 1; the stride is 2'),
        ({"stride": float("nan")}, ValueError, "stride is empty or not a number"),
        ({"stride": 65}, ValueError, "stride must be at most 64, got 65"),
        ({"dilation": 17}, ValueError, "dilation must be at most 16, got 17"),
        ({"padding": 5000}, ValueError, "padding must be at most 64, got 5000"),
        ({"padding": "65"}, ValueError, "padding must be at most 64, got 65"),
    ],
)
def test_impossible_settings_raise_messages_naming_the_control(params, error, message):
    _, raw = rgba_bytes(6, 6, 7)
    img = page.prepare_image(raw, 6, 6)
    full = {"kernels": [kernel("k", np.ones((3, 3)))], **params}
    with pytest.raises(error, match=message):
        convolution.convolve(img, full)


def test_convolve_needs_a_dict():
    _, raw = rgba_bytes(3, 3)
    with pytest.raises(TypeError, match="convolve expects a dict of settings, got list"):
        convolution.convolve(page.prepare_image(raw, 3, 3), [1, 2])


def test_library_lists_the_notebook_kernels_with_their_values():
    res = convolution.library(None, {})
    by_name = {k["name"]: res["arrays"][k["array"]].reshape(k["rows"], k["cols"]) for k in res["meta"]["kernels"]}
    np.testing.assert_array_equal(by_name["edge"], [[2, 4, -2], [4, 0, -4], [2, -4, -2]])
    np.testing.assert_array_equal(by_name["sharpen"], [[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
    np.testing.assert_allclose(by_name["blur"], np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16)
    assert all(k["description"] for k in res["meta"]["kernels"])
    assert [a["value"] for a in page.options(None, {})["meta"]["activations"]] == list(ops.ACTIVATIONS)


def loop_activation(z, name, slope):
    """The activations written out per cell (the definition, not ops.activate)."""
    out = np.empty_like(z)
    for idx, v in np.ndenumerate(z):
        if name == "relu":
            out[idx] = v if v > 0 else 0.0
        elif name == "leaky_relu":
            out[idx] = v if v > 0 else slope * v
        elif name == "sigmoid":
            out[idx] = 1.0 / (1.0 + math.exp(-v))
        elif name == "tanh":
            out[idx] = math.tanh(v)
        else:
            raise ValueError(name)
    return out


@pytest.mark.parametrize("seed", range(8))
def test_pre_activation_maps_are_the_convolution_before_the_activation(seed):
    rng = np.random.default_rng(100 + seed)
    h, w = int(rng.integers(5, 16)), int(rng.integers(5, 16))
    rgba, raw = rgba_bytes(h, w, seed)
    img = page.prepare_image(raw, h, w)
    activation = ["relu", "leaky_relu", "sigmoid", "tanh"][seed % 4]
    ks = [rng.normal(size=(int(rng.integers(1, 4)), int(rng.integers(1, 4)))) for _ in range(2)]
    stride, pad, dil = int(rng.integers(1, 3)), int(rng.integers(0, 2)), int(rng.integers(1, 3))
    params = {"kernels": [kernel(f"k{j}", k) for j, k in enumerate(ks)], "stride": stride, "padding": pad,
              "dilation": dil, "activation": activation, "negative_slope": 0.3, "pool": {"type": "max"},
              "pre_activation": True}
    res = convolution.convolve(img, params)
    plane = rgba[:, :, :3].mean(axis=2) / 255
    assert res["meta"]["settings"]["pre_activation"] is True
    for j, (m, k) in enumerate(zip(res["meta"]["maps"], ks)):
        want = loop_conv(plane, k, stride, pad, dil)
        pre = res["arrays"][m["pre"]["array"]]
        assert m["pre"]["array"] == f"pre{j}" and pre.shape == want.shape == tuple(m["shape"])
        np.testing.assert_allclose(pre, want, rtol=1e-4, atol=1e-5)
        assert m["pre"]["vmin"] == pytest.approx(want.min(), abs=1e-5)
        assert m["pre"]["vmax"] == pytest.approx(want.max(), abs=1e-5)
        # the map after is the activation of the map before
        np.testing.assert_allclose(res["arrays"][m["array"]], loop_activation(want, activation, 0.3),
                                   rtol=1e-4, atol=1e-5)
    # not asked: no pre arrays (the default call stays as it was)
    plain = convolution.convolve(img, {**params, "pre_activation": False})
    assert not any(name.startswith("pre") for name in plain["arrays"])
    assert all(m["pre"] is None for m in plain["meta"]["maps"])
    np.testing.assert_array_equal(plain["arrays"]["map0"], res["arrays"]["map0"])


def test_with_no_activation_there_is_no_separate_map_before_it():
    _, raw = rgba_bytes(7, 7, 9)
    img = page.prepare_image(raw, 7, 7)
    res = convolution.convolve(img, {"kernels": [kernel("k", np.ones((3, 3)))], "activation": "none",
                                     "pre_activation": True})
    assert res["meta"]["maps"][0]["pre"] is None and "pre0" not in res["arrays"]
    assert res["meta"]["settings"]["pre_activation"] is False


def test_relu_hides_the_negative_part_the_map_before_shows():
    _, raw = rgba_bytes(9, 9, 11)
    img = page.prepare_image(raw, 9, 9)
    res = convolution.convolve(img, {"kernels": [kernel("edge", [[2, 4, -2], [4, 0, -4], [2, -4, -2]])],
                                     "activation": "relu", "pre_activation": True})
    m = res["meta"]["maps"][0]
    assert m["vmin"] >= 0 and m["pre"]["vmin"] < 0


def test_each_map_says_what_to_look_for():
    from pycore import kernels as K

    _, raw = rgba_bytes(8, 8, 12)
    img = page.prepare_image(raw, 8, 8)
    custom = np.array([[1.0, 0, -1], [1, 0, -1], [1, 0, -1]]) * 0.5
    ks = [("edge", K.get_kernel("edge")), ("mine", K.get_kernel("sharpen")), ("custom", custom)]
    res = convolution.convolve(img, {"kernels": [kernel(n, k) for n, k in ks]})
    looks = [m["look_for"] for m in res["meta"]["maps"]]
    assert looks[0] == K.KERNELS["edge"].look_for
    assert looks[1] == K.KERNELS["sharpen"].look_for  # renamed, still the sharpen kernel
    assert looks[2] == K.look_for(custom) and "flat areas go to 0" in looks[2]


def bad_settings_field(params, image):
    try:
        convolution.convolve(image, params)
    except (ValueError, TypeError) as e:
        return str(e), getattr(e, "field", None)
    raise AssertionError(f"no error for {params}")


@pytest.mark.parametrize(
    "params,field",
    [
        ({"stride": 0}, "stride"),
        ({"dilation": 99}, "dilation"),
        ({"padding": -1}, "padding"),
        ({"padding": "same", "stride": 2}, "padding"),
        ({"padding": 6, "padding_mode": "reflect"}, "padding"),
        ({"padding": 7, "padding_mode": "circular"}, "padding"),
        ({"padding_mode": "mirror"}, "padding_mode"),
        ({"activation": "gelu"}, "activation"),
        ({"negative_slope": float("inf")}, "negative_slope"),
        ({"kernels": []}, "kernels"),
        ({"kernels": [kernel("k", [[1.0]])] * 17}, "kernels"),
        ({"kernels": [kernel("a", [[1.0]]), kernel("big", np.ones((12, 3)))]}, "kernels.1"),
        ({"kernels": [kernel("a", [[1.0]]), {"name": "b", "rows": 0, "cols": 3, "values": []}]}, "kernels.1"),
        ({"kernels": [kernel("a", [[1.0]]), kernel("b", [[1.0]]), kernel("nan", [[float("nan")]])]}, "kernels.2"),
        ({"kernels": [kernel("wide", np.ones((3, 9)))]}, "kernels.0"),
        ({"kernels": [kernel("dilated", np.ones((3, 3)))], "dilation": 4}, "kernels.0"),
    ],
)
def test_a_bad_setting_is_tied_to_its_control_in_plain_words(params, field):
    _, raw = rgba_bytes(6, 6, 7)
    img = page.prepare_image(raw, 6, 6)
    message, got = bad_settings_field({"kernels": [kernel("k", np.ones((3, 3)))], **params}, img)
    assert got == field, message
    for code_like in ("torch", "stride=(", "kernel_size=", "padding=", "key '"):
        assert code_like not in message, message
    # the worker's path gives the same field as data
    answer = page.worker_call("convolve", img, {"kernels": [kernel("k", np.ones((3, 3)))], **params})["problem"]
    assert answer["field"] == field and answer["error"] == message


@pytest.mark.parametrize(
    "pool,field,words",
    [
        ({"type": "max", "kernel_size": 0}, "pool.kernel_size", "Pooling window must be at least 1, got 0"),
        ({"type": "avg", "kernel_size": 3, "stride": 0}, "pool.stride", "Pooling stride must be at least 1"),
        ({"type": "max", "kernel_size": 3, "padding": 2}, "pool.padding",
         "Pooling padding can be at most half the window (1 for a window of 3); it is 2."),
        ({"type": "max", "kernel_size": 2, "padding": -1}, "pool.padding", "Pooling padding must be at least 0"),
        ({"type": "min"}, "pool.type", "Pooling type must be one of none, max, avg"),
        ({"type": "max", "kernel_size": 9}, "pool.kernel_size", "the 9×9 window is larger than the padded input (8×8)"),
        ({"type": "max", "kernel_size": 15, "padding": 3}, "pool.kernel_size",
         "Pooling the 8×8 map of k: the 15×15 window is larger than the padded input (14×14 with padding 3)"),
    ],
)
def test_a_pooling_problem_names_its_control(pool, field, words):
    _, raw = rgba_bytes(10, 10, 8)
    img = page.prepare_image(raw, 10, 10)
    res = convolution.convolve(img, {"kernels": [kernel("k", np.ones((3, 3)))], "pool": pool})
    meta = res["meta"]
    assert meta["pool_field"] == field and words in meta["pool_error"], meta["pool_error"]
    assert "torch" not in meta["pool_error"] and "=" not in meta["pool_error"]
    assert meta["maps"] and meta["pooled"] == [] and "map0" in res["arrays"]


def test_the_kernel_call_draws_a_new_random_kernel_for_each_seed():
    from pycore import kernels as K

    draws = [page.call("kernel", None, {"name": "random", "seed": s}) for s in range(1, 6)]
    values = [d["arrays"]["kernel"] for d in draws]
    for s, (d, v) in enumerate(zip(draws, values), start=1):
        assert d["meta"]["seed"] == s and (d["meta"]["rows"], d["meta"]["cols"]) == (3, 3)
        np.testing.assert_array_equal(v, K.get_kernel("random", 3, seed=s).astype(np.float32))
        assert d["meta"]["look_for"] == K.look_for(K.get_kernel("random", 3, seed=s))
    assert len({v.tobytes() for v in values}) == len(values)  # every draw differs
    again = page.call("kernel", None, {"name": "random", "seed": 3})["arrays"]["kernel"]
    np.testing.assert_array_equal(again, values[2])  # a seed gives its kernel again
    five = page.call("kernel", None, {"name": "random", "seed": 2, "size": 5})["arrays"]["kernel"]
    assert five.shape == (5, 5)
    sobel = page.call("kernel", None, {"name": "sobel_x"})
    np.testing.assert_array_equal(sobel["arrays"]["kernel"], K.get_kernel("sobel_x"))
    for bad, field in [({"name": "nope"}, "name"), ({"seed": -1}, "seed"), ({"name": "edge", "size": 5}, "size"),
                       ({"size": 12}, "size")]:
        answer = page.worker_call("kernel", None, bad)["problem"]
        assert answer["field"] == field, answer
