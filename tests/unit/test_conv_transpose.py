"""pycore.conv_transpose2d against its definition, against conv2d's gradient, and the
transposed-convolution explorer (pycore.page.explorers.transposed_steps) with its Python
panel code.

The reference is a loop over every input cell and kernel tap written from the definition
(torch.nn.functional.conv_transpose2d's): each input cell stamps the kernel, scaled by its
value, onto the output, ``stride`` apart, the padding cropped off each side.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

import pycore
from pycore import layers, ops, page
from pycore.page import explorers


def conv_transpose_loops(x, w, bias, stride, padding, output_padding, groups, dilation):
    """out[n, co, i*s - p + ki*d, j*s - p + kj*d] += x[n, ci, i, j] * w[ci, co', ki, kj], cell by cell."""
    N, C_in, H, W = x.shape
    _, Og, kH, kW = w.shape
    (sh, sw), (ph, pw), (oph, opw), (dh, dw) = stride, padding, output_padding, dilation
    Ho = (H - 1) * sh - 2 * ph + dh * (kH - 1) + oph + 1
    Wo = (W - 1) * sw - 2 * pw + dw * (kW - 1) + opw + 1
    Cg = C_in // groups
    out = np.zeros((N, Og * groups, Ho, Wo), dtype=np.float64)
    for n in range(N):
        for ci in range(C_in):
            g = ci // Cg
            for o in range(Og):
                for i in range(H):
                    for j in range(W):
                        for ki in range(kH):
                            for kj in range(kW):
                                r, c = i * sh - ph + ki * dh, j * sw - pw + kj * dw
                                if 0 <= r < Ho and 0 <= c < Wo:
                                    out[n, g * Og + o, r, c] += float(x[n, ci, i, j]) * float(w[ci, o, ki, kj])
    if bias is not None:
        out += np.asarray(bias, dtype=np.float64)[None, :, None, None]
    return out


def random_case(rng):
    """Seeded random shapes and settings over strides 1-3, padding, output padding, dilation, groups."""
    while True:
        groups = int(rng.integers(1, 4))
        s = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        d = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        case = {
            "N": int(rng.integers(1, 3)), "C_in": groups * int(rng.integers(1, 3)), "Og": int(rng.integers(1, 3)),
            "H": int(rng.integers(1, 6)), "W": int(rng.integers(1, 6)),
            "k": (int(rng.integers(1, 5)), int(rng.integers(1, 5))), "stride": s, "dilation": d, "groups": groups,
            "padding": (int(rng.integers(0, 3)), int(rng.integers(0, 3))),
            "output_padding": tuple(int(rng.integers(0, max(si, di))) for si, di in zip(s, d)),
            "bias": bool(rng.integers(0, 2)),
        }
        sizes = [(n - 1) * st - 2 * p + dl * (k - 1) + op + 1 for n, st, p, dl, k, op in
                 zip((case["H"], case["W"]), s, case["padding"], d, case["k"], case["output_padding"])]
        if min(sizes) >= 1:
            return case


CASES = [random_case(np.random.default_rng(seed)) for seed in range(60)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("i", range(len(CASES)))
def test_conv_transpose2d_matches_the_loops(i, dtype):
    c = CASES[i]
    rng = np.random.default_rng(1000 + i)
    x = rng.normal(size=(c["N"], c["C_in"], c["H"], c["W"])).astype(dtype)
    w = rng.normal(size=(c["C_in"], c["Og"], *c["k"])).astype(dtype)
    b = rng.normal(size=(c["Og"] * c["groups"],)).astype(dtype) if c["bias"] else None
    got = pycore.conv_transpose2d(x, w, b, stride=c["stride"], padding=c["padding"],
                                  output_padding=c["output_padding"], groups=c["groups"], dilation=c["dilation"])
    want = conv_transpose_loops(x, w, b, c["stride"], c["padding"], c["output_padding"], c["groups"], c["dilation"])
    assert got.dtype == dtype
    assert got.shape == want.shape
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def test_the_cases_cover_every_setting():
    """The random cases reach what they are meant to (else the test above would prove less)."""
    assert {s for c in CASES for s in c["stride"]} == {1, 2, 3}
    assert any(max(c["output_padding"]) > 0 for c in CASES)
    assert any(max(c["padding"]) > 0 for c in CASES)
    assert any(max(c["dilation"]) > 1 for c in CASES)
    assert {c["groups"] for c in CASES} == {1, 2, 3}
    assert any(c["bias"] for c in CASES) and not all(c["bias"] for c in CASES)
    # output padding where only the dilation allows it (stride 1, dilation 2)
    assert any(op and st <= op < dl for c in CASES for op, st, dl in
               zip(c["output_padding"], c["stride"], c["dilation"]))


def test_an_unbatched_input_gives_an_unbatched_output():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3, 4))
    w = rng.normal(size=(2, 3, 2, 3))
    got = pycore.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)
    assert got.shape == (3, 5, 8)  # (3 − 1)·2 − 2 + 1 + 1 + 1, (4 − 1)·2 − 2 + 2 + 1 + 1
    np.testing.assert_array_equal(got, pycore.conv_transpose2d(x[None], w, stride=2, padding=1, output_padding=1)[0])


def test_integer_input_is_float64_and_float32_weights_follow_the_input():
    x = np.arange(9).reshape(1, 3, 3)
    w = np.ones((1, 1, 2, 2), dtype=np.float32)
    assert pycore.conv_transpose2d(x, w).dtype == np.float64
    assert pycore.conv_transpose2d(x.astype(np.float32), w.astype(np.float64)).dtype == np.float32


@pytest.mark.parametrize("seed", range(12))
def test_it_is_the_gradient_of_conv2d_with_respect_to_its_input(seed):
    """Conv2d.backward's input gradient is conv_transpose2d of the output gradient with the
    same weight; the output padding gives back the rows and columns the floor dropped."""
    rng = np.random.default_rng(seed)
    c_in, c_out = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    k = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    s, p, d = (int(rng.integers(1, 4)),) * 2, (int(rng.integers(0, 2)),) * 2, (int(rng.integers(1, 3)),) * 2
    H, W = int(rng.integers(6, 10)), int(rng.integers(6, 10))
    conv = layers.Conv2d(c_in, c_out, k, stride=s, padding=p, dilation=d, seed=seed)
    x = rng.normal(size=(2, c_in, H, W))
    y = conv.forward(x)
    g = rng.normal(size=y.shape)
    grad_x = conv.backward(g)
    dropped = [ops.conv_output_geometry(n, kk, ss, pp, dd).dropped for n, kk, ss, pp, dd in zip((H, W), k, s, p, d)]
    got = pycore.conv_transpose2d(g, conv.weight, stride=s, padding=p, output_padding=tuple(dropped), dilation=d)
    assert got.shape == x.shape
    np.testing.assert_allclose(got, grad_x, rtol=1e-12, atol=1e-12)


def test_the_output_size_formula_with_its_numbers():
    g = ops.conv_transpose_output_geometry(3, 3, stride=2, padding=1, output_padding=1)
    assert g.size == 6 == ops.conv_transpose_output_size(3, 3, 2, 1, 1)
    assert g.formula == "(3 − 1)·2 − 2·1 + 1·(3 − 1) + 1 + 1 = 6"
    assert (g.spread, g.border) == (5, 1)
    assert ops.conv_transpose_output_geometry(4, 3, dilation=2, output_padding=1).size == 4 + 4 + 1
    assert g.as_dict()["size"] == 6


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"stride": 2, "output_padding": 2}, ValueError,
     "output_padding must be smaller than stride or dilation, got output_padding 2 with stride 2 and dilation 1"),
    ({"output_padding": 1}, ValueError, "output_padding must be smaller than stride or dilation, got output_padding 1"),
    ({"padding": 3}, ValueError, r"padding 3 is too large: the output size would be \(3 − 1\)·1 − 2·3 \+ 1·\(3 − 1\) "
                                 r"\+ 0 \+ 1 = -1, less than 1"),
    ({"stride": 0}, ValueError, "stride must be >= 1, got 0"),
    ({"padding": -1}, ValueError, "padding must be >= 0, got -1"),
    ({"dilation": 1.5}, TypeError, "dilation must be an int or a pair of ints, got 1.5"),
    ({"groups": 2}, ValueError, r"in channels \(3\) must be divisible by groups = 2"),
    ({"bias": np.zeros(3)}, ValueError, r"bias must have shape \(2,\) to match weight and groups, got shape \(3,\)"),
])
def test_bad_arguments_are_named(kwargs, error, message):
    x = np.zeros((3, 3, 3))
    w = np.zeros((3, 2, 3, 3))
    with pytest.raises(error, match=message):
        pycore.conv_transpose2d(x, w, **kwargs)


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match=r"x must have 3 or 4 dimensions .* got shape \(3, 3\)"):
        pycore.conv_transpose2d(np.zeros((3, 3)), np.zeros((1, 1, 2, 2)))
    with pytest.raises(ValueError, match=r"weight must have shape \(C_in, C_out // groups, kH, kW\), got shape \(2, "):
        pycore.conv_transpose2d(np.zeros((1, 3, 3)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"x has 2 channels but weight.shape\[0\] is 3"):
        pycore.conv_transpose2d(np.zeros((2, 3, 3)), np.zeros((3, 1, 2, 2)))
    with pytest.raises(TypeError, match="x must be a real-valued"):
        pycore.conv_transpose2d(np.zeros((1, 3, 3), complex), np.zeros((1, 1, 2, 2)))


def test_nan_and_inf_are_data():
    x = np.ones((1, 3, 3))
    x[0, 1, 1] = np.nan
    x[0, 0, 0] = np.inf
    out = pycore.conv_transpose2d(x, np.ones((1, 1, 2, 2)), stride=2)
    assert np.isnan(out[0, 2:4, 2:4]).all() and np.isinf(out[0, :2, :2]).all()
    assert np.isfinite(out[0, 4:, :]).all()


# --------------------------------------------------------------------------- the explorer

EXPLORER_CASES = [
    {},
    {"size": 2, "kernel_size": 2, "stride": 3, "padding": 1, "output_padding": 2, "input": "random",
     "kernel": "random", "seed": 7},
    {"size": 6, "kernel_size": 5, "stride": 4, "padding": 4, "output_padding": 3, "kernel": "count"},
    {"size": 4, "kernel_size": 1, "stride": 1},
    {"size": 5, "kernel_size": 4, "stride": 2, "padding": 2, "output_padding": 1, "input": "random", "seed": 3},
]


def spread_by_loops(x, s, border, op):
    """The spread-out input the explorer draws, cell by cell."""
    n = x.shape[0]
    side = (n - 1) * s + 1 + 2 * border + op
    out = np.zeros((side, side))
    kinds = np.full((side, side), explorers.SPREAD_KINDS.index("border"))
    for r in range(side):
        for c in range(side):
            if r >= side - op or c >= side - op:
                kinds[r, c] = explorers.SPREAD_KINDS.index("output_padding")
            elif border <= r < side - op - border and border <= c < side - op - border:
                i, j = r - border, c - border
                if i % s == 0 and j % s == 0:
                    out[r, c] = x[i // s, j // s]
                    kinds[r, c] = explorers.SPREAD_KINDS.index("input")
                else:
                    kinds[r, c] = explorers.SPREAD_KINDS.index("inserted")
    return out, kinds


@pytest.mark.parametrize("settings", EXPLORER_CASES)
def test_the_explorer_steps_equal_conv_transpose2d(settings):
    r = page.call("transposed_steps", None, settings)
    m, a = r["meta"], r["arrays"]
    x, k = a["input"].astype(np.float64), a["kernel"].astype(np.float64)
    s, p, op = m["stride"], m["padding"], m["output_padding"]
    want = conv_transpose_loops(x[None, None], k[None, None], None, (s, s), (p, p), (op, op), 1, (1, 1))[0, 0]
    assert np.array_equal(a["output"], want.astype(np.float32))
    assert m["agrees_with_conv_transpose2d"] is True
    assert m["out_shape"] == list(want.shape) and m["positions"] == want.size
    spread, kinds = spread_by_loops(x, s, m["border"], op)
    assert np.array_equal(a["spread"], spread) and np.array_equal(a["kinds"], kinds)
    assert m["spread_shape"] == list(spread.shape)
    # every window is the stride-1 slice of the spread input under the flipped kernel
    ho, wo = m["out_shape"]
    kk = k.shape[0]
    for i in range(ho * wo):
        r0, c0 = divmod(i, wo)
        win = spread[r0 : r0 + kk, c0 : c0 + kk]
        assert np.array_equal(a["windows"][i], win)
        assert np.array_equal(a["products"][i], (win * k[::-1, ::-1]).astype(np.float32))
    assert np.array_equal(a["flipped"], k[::-1, ::-1])
    geo = m["geometry"]["rows"]
    assert geo["size"] == ho and geo["formula"].endswith(f"= {ho}")
    assert geo["formula"].startswith(f"({x.shape[0]} − 1)·{s} − 2·{p} + 1·({kk} − 1) + {op} + 1")


def test_the_explorer_defaults_are_a_stride_2_example():
    m = page.call("transposed_steps", None, {})["meta"]
    assert (m["in_shape"], m["kernel_size"], m["stride"], m["padding"], m["output_padding"]) == ([3, 3], 3, 2, 0, 0)
    assert m["out_shape"] == [7, 7] and m["border"] == 2 and m["spread_shape"] == [9, 9]


@pytest.mark.parametrize(("settings", "field", "message"), [
    ({"stride": 2, "output_padding": 2}, "output_padding",
     "output padding must be smaller than the stride (2); got 2"),
    ({"kernel_size": 2, "padding": 2}, "padding",
     "padding must be at most kernel size − 1 = 1 in this view"),
    ({"size": 2, "stride": 1, "kernel_size": 5, "padding": 4}, "padding", "padding 4 is too large"),
    ({"size": 9}, "size", "input size must be at most 6, got 9"),
    ({"stride": 0}, "stride", "stride must be at least 1, got 0"),
    ({"kernel_size": 2.5}, "kernel_size", "kernel size must be a whole number, got 2.5"),
    ({"input": "photo"}, "input", "input values must be one of"),
    ({"kernel": "x"}, "kernel", "kernel values must be one of"),
])
def test_the_explorers_messages_name_their_control(settings, field, message):
    r = page.worker_call("transposed_steps", None, settings)
    assert r["problem"]["field"] == field
    assert message in r["problem"]["error"]


def test_the_explorer_is_in_the_page_table_and_its_options():
    assert page.CALLS["transposed_steps"] is explorers.transposed_steps
    o = page.call("options", None, {})["meta"]
    assert o["limits"]["explorers"]["TRANSPOSED"] == explorers.TRANSPOSED_LIMITS
    assert [e["value"] for e in o["transposed_inputs"]] == list(explorers.TRANSPOSED_INPUTS)
    assert [e["value"] for e in o["transposed_kernels"]] == list(explorers.TRANSPOSED_KERNELS)


@pytest.mark.parametrize("settings", EXPLORER_CASES)
def test_the_python_panel_code_gives_the_explorers_arrays(settings):
    meta = page.call("view_code", None, {"view": "transposed_steps", "settings": settings})["meta"]
    assert meta["call"] == "transposed_steps"
    shown = []

    def show(array, title=None, rgb=False):
        shown.append((title, np.array(array, dtype=np.float32)))

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(meta["code"], "<generated>", "exec"), {"image": None, "show": show, "__name__": "__main__"})
    arrays = page.call("transposed_steps", None, settings)["arrays"]
    assert [t for t, _ in shown] == [n["label"] for n in meta["names"]]
    assert [n["array"] for n in meta["names"]] == ["input", "kernel", "spread", "output"]
    for (_, a), entry in zip(shown, meta["names"]):
        expected = arrays[entry["array"]].reshape(entry["shape"])
        assert a.shape == expected.shape and np.array_equal(a, expected), entry
    assert "the same by sliding the flipped kernel: True" in out.getvalue()
