"""Fuzzing pycore's public ops, the image readers and the page adapters with hypothesis:
random shapes, dtypes, parameters, NaN and ±inf. Each call either raises ValueError or
TypeError with a message, or returns what the loop twins of tests/unit/test_ops.py give.

Deterministic (derandomize) and quick: a few hundred examples in all."""

import io
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image
from test_ops import ref_conv2d, ref_pool2d, ref_positions  # the loop twins

from pycore import image as img
from pycore import ops, page

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])

SPECIAL = st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -2.5, 1e-30])


@st.composite
def arrays(draw, shape, dtype):
    """Values in [-4, 4] with, sometimes, NaN and ±inf sprinkled in (never huge finite
    values: their overflow would depend on the order of the sum)."""
    n = int(np.prod(shape))
    values = draw(st.lists(st.floats(-4, 4, allow_nan=False) | SPECIAL if draw(st.booleans())
                           else st.floats(-4, 4, allow_nan=False), min_size=n, max_size=n))
    a = np.array(values, dtype=np.float64).reshape(shape)
    if np.issubdtype(dtype, np.integer):
        a = np.nan_to_num(a, nan=0, posinf=3, neginf=-3).round()
    return a.astype(dtype)


def message_of(call, record=True):
    """Run call(); return None for a result, or the message of its ValueError/TypeError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no warning may escape either
            with np.errstate(all="ignore"):
                call()
    except (ValueError, TypeError) as e:
        assert str(e).strip(), f"{type(e).__name__} without a message"
        if record:  # --hypothesis-show-statistics: how often each outcome was reached
            event("a message")
        return str(e)
    if record:
        event("a result")
    return None


def assert_twin(got, want, dtype):
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isposinf(got), np.isposinf(want))
    np.testing.assert_array_equal(np.isneginf(got), np.isneginf(want))
    ok = np.isfinite(want)
    tol = 1e-4 if dtype == np.float32 else 1e-9
    np.testing.assert_allclose(got[ok], want[ok], rtol=tol, atol=tol * max(1.0, float(np.abs(want[ok]).max(
        initial=0))))


@FUZZ
@given(data=st.data(), dtype=st.sampled_from([np.float32, np.float64, np.int32]),
       c=st.integers(1, 3), h=st.integers(1, 7), w=st.integers(1, 7), kh=st.integers(1, 4), kw=st.integers(1, 4),
       stride=st.integers(1, 3), dilation=st.integers(1, 2),
       padding=st.sampled_from([0, 1, 2, "same", "valid", -1]),
       mode=st.sampled_from(["zeros", "reflect", "replicate", "circular", "mirror"]))
def test_conv2d_is_the_loop_twin_or_a_message(data, dtype, c, h, w, kh, kw, stride, dilation, padding, mode):
    x = data.draw(arrays((1, c, h, w), dtype))
    k = data.draw(arrays((2, c, kh, kw), np.float64))
    got = {}
    msg = message_of(lambda: got.setdefault("y", ops.conv2d(x, k, stride=stride, padding=padding,
                                                            dilation=dilation, padding_mode=mode)))
    if msg is not None:
        # a message only for settings that cannot work
        if isinstance(padding, int) and padding >= 0 and mode != "mirror":
            rows = ref_positions(h + 2 * padding, kh, stride, 0, 0, dilation)
            cols = ref_positions(w + 2 * padding, kw, stride, 0, 0, dilation)
            too_small_to_reflect = mode == "reflect" and padding >= min(h, w)
            assert not rows or not cols or too_small_to_reflect, msg
        return
    (pt, pb), (pl, pr) = ops.resolve_conv_padding(padding, (kh, kw), (stride, stride), (dilation, dilation))
    with np.errstate(all="ignore"):  # the twin's inf − inf is NaN, as it should be
        want = ref_conv2d(x, k, None, (stride, stride), (pt, pb, pl, pr), (dilation, dilation), 1, mode)
    out_dtype = np.float32 if dtype == np.float32 else np.float64
    assert got["y"].dtype == out_dtype
    assert_twin(got["y"], want, out_dtype)


@FUZZ
@given(data=st.data(), kind=st.sampled_from(["max", "avg"]), dtype=st.sampled_from([np.float32, np.float64]),
       h=st.integers(1, 8), w=st.integers(1, 8), k=st.integers(1, 4), s=st.integers(1, 3), p=st.integers(0, 2),
       ceil=st.booleans())
def test_pools_are_the_loop_twin_or_a_message(data, kind, dtype, h, w, k, s, p, ceil):
    x = data.draw(arrays((1, 2, h, w), dtype))
    got = {}
    pool = ops.max_pool2d if kind == "max" else ops.avg_pool2d
    msg = message_of(lambda: got.setdefault("y", pool(x, k, stride=s, padding=p, ceil_mode=ceil)))
    if msg is not None:
        rows = ref_positions(h, k, s, p, p, 1, ceil)
        cols = ref_positions(w, k, s, p, p, 1, ceil)
        assert p > k // 2 or not rows or not cols, msg
        return
    with np.errstate(all="ignore"):
        want = ref_pool2d(x, (k, k), (s, s), (p, p), (1, 1), ceil, kind)
    assert_twin(got["y"], want, dtype)


@FUZZ
@given(data=st.data(), name=st.sampled_from(list(ops.ACTIVATIONS) + ["gelu"]),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_activations_are_their_formula_or_a_message(data, name, dtype):
    x = data.draw(arrays((3, 4), dtype))
    got = {}
    msg = message_of(lambda: got.setdefault("y", ops.activate(x, name, 0.1)))
    if msg is not None:
        assert name == "gelu" and "gelu" in msg
        return
    f = {"none": lambda v: v, "relu": lambda v: v if v > 0 or v != v else 0.0,
         "leaky_relu": lambda v: v if v > 0 or v != v else 0.1 * v,
         "sigmoid": lambda v: 1 / (1 + np.exp(-v)) if v >= 0 else np.exp(v) / (1 + np.exp(v)),
         "tanh": np.tanh}[name]
    with np.errstate(all="ignore"):
        want = np.vectorize(lambda v: float(f(float(v))))(x.astype(np.float64))
    assert_twin(got["y"], want, dtype)


KERNEL_VALUES = st.floats(-3, 3, allow_nan=False) | st.sampled_from([np.nan, np.inf, 1e308, "1", None])
GOOD = {"stride": st.sampled_from([1, 2, 3]), "padding": st.sampled_from([0, 1, "same", "valid", "2"]),
        "dilation": st.integers(1, 2), "padding_mode": st.sampled_from(list(ops.PADDING_MODES)),
        "channel": st.sampled_from(["gray", "red", "blue"]),
        "pool": st.sampled_from([{"type": "none"}, {"type": "max", "kernel_size": 2},
                                 {"type": "avg", "kernel_size": 3, "stride": 1, "padding": 1},
                                 {"type": "max", "kernel_size": 2, "ceil_mode": True}])}
BAD = {"stride": [0, 1.5, None, float("nan"), "2"], "padding": [-1, "x", 1000], "dilation": [0, 99],
       "padding_mode": ["mirror"], "channel": ["alpha"], "pool": [{"type": "min"}, {"type": "max", "kernel_size": 0}]}


@FUZZ
@given(data=st.data(), h=st.integers(6, 16), w=st.integers(6, 16), n=st.integers(1, 3), kh=st.integers(1, 4),
       kw=st.integers(1, 4), spoil=st.sampled_from([None, None, None, None, "no filter", "0 rows", *BAD]))
def test_the_convolve_adapter_is_the_loop_twin_or_a_message(data, h, w, n, kh, kw, spoil):
    params = {key: data.draw(strategy) for key, strategy in GOOD.items()}
    if spoil == "no filter":
        n = 0
    elif spoil == "0 rows":
        kh = 0
    elif spoil is not None:  # one setting the page would not send
        params[spoil] = data.draw(st.sampled_from(BAD[spoil]))
    mode, channel = params["padding_mode"], params["channel"]
    kernel_values = KERNEL_VALUES if data.draw(st.integers(0, 4)) == 0 else st.floats(-3, 3, allow_nan=False)
    image = data.draw(arrays((3, h, w), np.float32))
    image = np.clip(np.nan_to_num(image, nan=0.5, posinf=1, neginf=0), 0, 1).astype(np.float32)
    kernels = [{"name": f"k{i}", "rows": kh, "cols": kw,
                "values": data.draw(st.lists(kernel_values, min_size=kh * kw, max_size=kh * kw))}
               for i in range(n)]
    params.update(kernels=kernels, activation="none")
    got = {}
    if message_of(lambda: got.setdefault("r", page.call("convolve", image, params))) is not None:
        return
    res = got["r"]
    x = img.input_plane(image, channel)[None].astype(np.float64)
    conv = res["meta"]["settings"]
    for i, entry in enumerate(res["meta"]["maps"]):
        # the page computes in the image's float32: a kernel cell of 1e308 is +inf there (and 0 · inf NaN)
        with np.errstate(all="ignore"):
            k = np.asarray(kernels[i]["values"], dtype=np.float32).astype(np.float64).reshape(kh, kw)
        (pt, pb), (pl, pr) = ops.resolve_conv_padding(conv["padding"], k.shape, (conv["stride"],) * 2,
                                                      (conv["dilation"],) * 2)
        with np.errstate(all="ignore"):
            want = ref_conv2d(x, k[None, None], None, (conv["stride"],) * 2, (pt, pb, pl, pr),
                              (conv["dilation"],) * 2, 1, mode)[0, 0]
        assert_twin(res["arrays"][entry["array"]], want.astype(np.float32), np.float32)
        nf = entry["nonfinite"]
        a = res["arrays"][entry["array"]]
        assert nf["posinf"] == np.isposinf(a).sum() and nf["nan"] == np.isnan(a).sum()
    for entry in res["meta"]["pooled"]:
        p = conv["pool"]
        src = res["arrays"][entry["array"].replace("pooled", "map")][None, None]
        with np.errstate(all="ignore"):
            want = ref_pool2d(src, (p["kernel_size"],) * 2, (p["stride"],) * 2, (p["padding"],) * 2, (1, 1),
                              p["ceil_mode"], p["type"])[0, 0]
        assert_twin(res["arrays"][entry["array"]], want, np.float32)


@FUZZ
@given(data=st.binary(max_size=64), prefix=st.sampled_from([b"", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"\xff\xd8\xff",
                                                            b"BM", b"RIFF\0\0\0\0WEBPVP8X", b"P5 ", b"\x01\xda",
                                                            b"II*\x00", b"\0\0\x02"]))
def test_header_reading_of_any_bytes_is_a_size_none_or_a_message(data, prefix):
    blob = prefix + data
    got = {}
    msg = message_of(lambda: got.setdefault("h", img.read_header(blob, "f")))
    if msg is None and got["h"] is not None:
        h = got["h"]
        assert isinstance(h["width"], int) and isinstance(h["height"], int)
        assert h["decoder"] in ("browser", "pillow")
        assert img.image_size_from_header(blob) == (h["width"], h["height"])
    elif msg is not None:
        assert '"f"' in msg
        assert img.image_size_from_header(blob) is None


def _sample_files():
    rgb = np.random.default_rng(3).integers(0, 256, (9, 11, 3), dtype=np.uint8)
    im = Image.frombytes("RGB", (11, 9), rgb.tobytes())
    out = []
    for fmt in ("PNG", "JPEG", "GIF", "BMP", "TGA", "WEBP"):
        buf = io.BytesIO()
        im.save(buf, fmt)
        out.append(buf.getvalue())
    return out


SAMPLES = _sample_files()


@FUZZ
@given(which=st.integers(0, len(SAMPLES) - 1), data=st.data())
def test_damaged_files_decode_or_raise_a_message(which, data):
    blob = bytearray(SAMPLES[which])
    for _ in range(data.draw(st.integers(0, 3))):
        i = data.draw(st.integers(0, len(blob) - 1))
        blob[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.sampled_from([len(blob), len(blob), data.draw(st.integers(0, len(blob)))]))
    got = {}
    msg = message_of(lambda: got.setdefault("r", img.decode_image_bytes(bytes(blob[:cut]), max_pixels=10_000,
                                                                        max_side=8, name="f")))
    if msg is None:
        image, info = got["r"]
        assert image.ndim == 3 and image.shape[0] == 3 and max(image.shape[1:]) <= 8
        assert np.all((image >= 0) & (image <= 1))
    else:
        assert '"f"' in msg or "f" in msg


@pytest.mark.parametrize("fn", sorted(page.CALLS))
def test_every_page_call_with_garbage_settings_is_a_message(fn):
    garbage = [None, 3, "x", [], {"kernels": "nope"}, {"spec": 5}, {"bytes": 5}, {"size": -1}, {"n": float("inf")}]
    for params in garbage:
        msg = message_of(lambda params=params: page.call(fn, np.zeros((3, 4, 4), np.float32), params), False)
        assert msg is None or msg.strip()
