"""Every fast path of pycore.ops, pycore.layers and pycore.blas against the loop twins.

The paths the platform picks ("auto") are forced one by one with ops.compute_paths, and
the Pyodide choices (ops' no-BLAS/no-SIMD flag) are switched on in CPython, so each path
runs here: BLAS on and off (the same ctypes code as in Pyodide, bound to the OpenBLAS that
numpy bundles), FFT correlation on and off, both pooling orders. The references are
tests/unit/test_ops.py's loops over output positions (and scipy for the larger FFT cases);
FFT results are compared with a tolerance scaled to the output's magnitude (its error is
relative to sum |x| |w| over a window, not to each output).
"""

import copy

import numpy as np
import pytest
import scipy.signal as sps
from test_layers import check_gradients, rand
from test_ops import assert_close, draw_conv_case, draw_pool_case, ref_conv2d, ref_pool2d, to_layout

from pycore import blas, ops
from pycore import layers as L

LIB = blas.load()
needs_blas = pytest.mark.skipif(LIB is None, reason="no OpenBLAS library found to bind")
GEMMS = [pytest.param("numpy", id="gemm-numpy"), pytest.param("blas", id="gemm-blas", marks=needs_blas)]


@pytest.fixture(params=[False, True], ids=["cpython-choices", "pyodide-choices"])
def platform_choices(request, monkeypatch):
    """ops chooses numpy calls by platform; run both choices."""
    monkeypatch.setattr(ops, "_NO_BLAS_NO_SIMD", request.param)
    return request.param


# ------------------------------------------------------------------------- the binding


def test_binding_found_in_cpython():
    # numpy's wheels bundle OpenBLAS (scipy_openblas); without it these tests would not
    # exercise the ctypes code at all, so say so loudly rather than skip silently
    assert LIB is not None, "numpy's bundled OpenBLAS was not found under numpy.libs"


@needs_blas
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seed", range(12))
def test_gemm_matches_matmul_on_strided_views(dtype, seed):
    rng = np.random.default_rng(seed)
    M, K, N = (int(v) for v in rng.integers(1, 40, size=3))
    ta, tb, acc = (bool(v) for v in rng.integers(0, 2, size=3))
    pad = int(rng.integers(0, 5))  # a row pitch longer than the row: a view into a bigger buffer
    big_a = rng.standard_normal((K, M + pad) if ta else (M, K + pad)).astype(dtype)
    big_b = rng.standard_normal((N, K + pad) if tb else (K, N + pad)).astype(dtype)
    a = big_a[:, :M] if ta else big_a[:, :K]
    b = big_b[:, :K] if tb else big_b[:, :N]
    big_out = rng.standard_normal((M, N + pad)).astype(dtype)
    out = big_out[:, :N]
    before = out.copy()
    untouched = big_out[:, N:].copy()
    blas.gemm(a, b, out, LIB, trans_a=ta, trans_b=tb, accumulate=acc)
    want = (a.T if ta else a).astype(np.float64) @ (b.T if tb else b).astype(np.float64)
    if acc:
        want += before
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, want, rtol=tol, atol=tol * max(1.0, np.abs(want).max()))
    np.testing.assert_array_equal(big_out[:, N:], untouched)  # nothing written past the rows


@needs_blas
def test_gemm_empty_sizes():
    a = np.ones((3, 0), np.float32)
    b = np.ones((0, 4), np.float32)
    out = np.full((3, 4), 7.0, np.float32)
    blas.gemm(a, b, out, LIB)
    np.testing.assert_array_equal(out, 0.0)
    out[...] = 7.0
    blas.gemm(a, b, out, LIB, accumulate=True)
    np.testing.assert_array_equal(out, 7.0)
    blas.gemm(np.ones((0, 2), np.float64), np.ones((2, 5)), np.ones((0, 5)), LIB)


@needs_blas
@pytest.mark.parametrize("make,error,match", [
    (lambda: (np.ones((2, 3), np.float32), np.ones((3, 4)), np.empty((2, 4), np.float32)), TypeError,
     "share one dtype"),
    (lambda: (np.ones((2, 3), np.int64), np.ones((3, 4), np.int64), np.empty((2, 4), np.int64)), TypeError,
     "float32 or float64"),
    (lambda: (np.ones((2, 3)), np.ones((3, 4)), np.empty((2, 4), ">f8")), TypeError, "native"),
    (lambda: (np.ones((2, 3)), np.ones((4, 4)), np.empty((2, 4))), ValueError, "shapes do not fit"),
    (lambda: (np.ones((2, 3)), np.ones((3, 4)), np.empty((2, 5))), ValueError, "shapes do not fit"),
    (lambda: (np.ones((2, 3)), np.ones((3, 4)), np.empty((4, 2)).T), ValueError, "unit stride"),
    (lambda: (np.ones((2, 6))[:, ::2], np.ones((3, 4)), np.empty((2, 4))), ValueError, "unit stride"),
    (lambda: (np.ones((2, 3, 1)), np.ones((3, 4)), np.empty((2, 4))), ValueError, "2-D"),
    (lambda: (np.broadcast_to(np.ones(3), (2, 3)), np.ones((3, 4)), np.empty((2, 4))), ValueError,
     "row stride"),
    (lambda: (np.ones((2, 3)), np.ones((3, 4)), np.broadcast_to(np.ones(4), (2, 4))), ValueError,
     "row stride|read-only"),
    (lambda: (np.ones((2, 3)), np.ones((3, 4)), np.ones((2, 4)).view()), None, None),
    (lambda: ([[1.0, 2.0]], np.ones((2, 1)), np.empty((1, 1))), TypeError, "numpy array"),
])
def test_gemm_refuses_a_call_it_cannot_make_safely(make, error, match):
    a, b, out = make()
    if error is None:  # the control: a good call goes through
        blas.gemm(a, b, out, LIB)
        np.testing.assert_allclose(out, np.asarray(a) @ b)
        return
    with pytest.raises(error, match=match):
        blas.gemm(a, b, out, LIB)


@needs_blas
def test_gemm_refuses_read_only_and_overlapping_outputs():
    a = np.ones((4, 4))
    ro = np.zeros((4, 4))
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        blas.gemm(a, np.ones((4, 4)), ro, LIB)
    with pytest.raises(ValueError, match="overlap"):
        blas.gemm(a, np.ones((4, 4)), a, LIB)
    buf = np.zeros((4, 8))
    with pytest.raises(ValueError, match="overlap"):
        blas.gemm(buf[:, :4], np.ones((4, 4)), buf[:, 4:], LIB)


@needs_blas
def test_gemm_refuses_sizes_beyond_the_integer_type():
    small = copy.copy(LIB)
    small.int_max = 10  # as if blasint were tiny: the check must stop the call
    with pytest.raises(ValueError, match="exceed"):
        blas.gemm(np.ones((11, 2)), np.ones((2, 3)), np.empty((11, 3)), small)
    assert LIB.int_max >= 2**31 - 1


def test_gemm_without_a_library_raises(monkeypatch):
    monkeypatch.setattr(blas, "load", lambda: None)
    with pytest.raises(RuntimeError, match="no OpenBLAS"):
        blas.gemm(np.ones((1, 1)), np.ones((1, 1)), np.empty((1, 1)))


def test_modes_and_their_errors(monkeypatch):
    assert blas.mode() == "auto"
    with blas.use("numpy"):
        assert blas.mode() == "numpy" and not blas.active()
    assert blas.mode() == "auto"
    assert not blas.active()  # CPython keeps numpy's matmul (already OpenBLAS) by default
    with pytest.raises(ValueError, match="BLAS mode"):
        with blas.use("fast"):
            pass
    monkeypatch.setattr(blas, "load", lambda: None)
    with blas.use("blas"), pytest.raises(RuntimeError, match="no OpenBLAS library was found"):
        blas.library()


@needs_blas
@pytest.mark.parametrize("seed", range(10))
def test_matmul_takes_any_layout(seed):
    rng = np.random.default_rng(50 + seed)
    dtype = [np.float32, np.float64][seed % 2]
    M, K, N = (int(v) for v in rng.integers(1, 30, size=3))
    layouts = [lambda m: m, lambda m: np.asfortranarray(m), lambda m: m.T.copy().T,
               lambda m: np.repeat(m, 2, axis=1)[:, ::2]]
    a = layouts[rng.integers(4)](rng.standard_normal((M, K)).astype(dtype))
    b = layouts[rng.integers(4)](rng.standard_normal((K, N)).astype(dtype))
    with blas.use("blas"):
        got = blas.matmul(a, b)
        out = np.empty((N, M), dtype).T  # a transposed output: BLAS writes a temporary, then copies
        blas.matmul(a, b, out=out)
    want = a.astype(np.float64) @ b.astype(np.float64)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for g in (got, out):
        assert g.dtype == dtype
        np.testing.assert_allclose(g, want, rtol=tol, atol=tol * max(1.0, np.abs(want).max()))
    # mixed dtypes and other ranks go to numpy, as before
    with blas.use("blas"):
        assert blas.matmul(a.astype(np.float32), b.astype(np.float64)).dtype == np.float64
        assert blas.matmul(np.ones((2, 3, 4), dtype), np.ones((4, 5), dtype)).shape == (2, 3, 5)


# --------------------------------------------------------------------------- convolution


def fft_tolerance(x4, w, c, dtype):
    """Tolerance of FFT correlation: relative to sum |x| |w| over a window, the largest
    magnitude any output's rounding can reach."""
    bound = ref_conv2d(np.abs(x4), np.abs(w), None, c["stride"], c["pads"], c["dilation"], c["groups"],
                       c["mode"])
    eps = np.finfo(dtype).eps
    return 64 * eps * max(1.0, float(bound.max()))


@pytest.mark.parametrize("fft", ["off", "on"])
@pytest.mark.parametrize("gemm", GEMMS)
@pytest.mark.parametrize("seed", range(40))
def test_conv2d_every_path_against_loops(seed, gemm, fft, platform_choices):
    rng = np.random.default_rng(seed)
    c = draw_conv_case(rng)
    dtype = c["dtype"]
    x4 = c["x4"].astype(dtype)
    w = c["w"].astype(dtype)
    b = None if c["b"] is None else c["b"].astype(dtype)
    with ops.compute_paths(gemm=gemm, fft=fft):
        got = ops.conv2d(to_layout(x4, c["layout"]), w, b, stride=c["stride"], padding=c["padding"],
                         dilation=c["dilation"], groups=c["groups"], padding_mode=c["mode"])
    want = ref_conv2d(x4, w, b, c["stride"], c["pads"], c["dilation"], c["groups"], c["mode"])
    want = want if c["layout"] == "4d" else want[0]
    if fft == "on":
        assert got.dtype == dtype and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=0, atol=fft_tolerance(x4, w, c, dtype))
    else:
        assert_close(got, want, dtype)


def scipy_conv(x, w, b):
    """x (N, C, H, W), w (O, C, kH, kW): valid cross-correlation by scipy, float64."""
    x, w = x.astype(np.float64), w.astype(np.float64)
    out = np.zeros((x.shape[0], w.shape[0], x.shape[2] - w.shape[2] + 1, x.shape[3] - w.shape[3] + 1))
    for n in range(x.shape[0]):
        for o in range(w.shape[0]):
            for ci in range(x.shape[1]):
                out[n, o] += sps.correlate2d(x[n, ci], w[o, ci], mode="valid")
            if b is not None:
                out[n, o] += b[o]
    return out


@pytest.mark.parametrize("seed", range(16))
def test_conv2d_fft_large_kernels_many_blocks_against_scipy(seed, platform_choices):
    rng = np.random.default_rng(900 + seed)
    dtype = [np.float32, np.float64][seed % 2]
    kH, kW = (int(v) for v in rng.choice([5, 7, 9, 11, 13, 21], size=2))
    H, W = (int(v) for v in rng.integers(max(kH, kW), 150, size=2))
    N, C, C_out = int(rng.integers(1, 3)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
    x = (rng.standard_normal((N, C, H, W)) * 10 ** rng.uniform(-3, 3)).astype(dtype)
    w = rng.standard_normal((C_out, C, kH, kW)).astype(dtype)
    b = rng.standard_normal(C_out).astype(dtype) if seed % 3 else None
    padding = ["valid", "same", (2, 3)][seed % 3]
    mode = ["zeros", "reflect", "replicate", "circular"][seed % 4]
    with ops.compute_paths(fft="on"):
        got = ops.conv2d(x, w, b, padding=padding, padding_mode=mode)
    with ops.compute_paths(fft="off"):
        direct = ops.conv2d(x, w, b, padding=padding, padding_mode=mode)
        xp = ops.pad(x, _pads(padding, (kH, kW)), mode=ops.conv_pad_mode(mode))
    want = scipy_conv(xp, w, b)
    bound = scipy_conv(np.abs(xp), np.abs(w), None if b is None else np.abs(b)).max()
    tol = 64 * np.finfo(dtype).eps * max(1.0, float(bound))
    assert got.dtype == dtype and got.shape == want.shape == direct.shape
    np.testing.assert_allclose(got, want, rtol=0, atol=tol)
    np.testing.assert_allclose(direct, want, rtol=0, atol=tol)


def _pads(padding, kernel):
    (pt, pb), (pl, pr) = ops.resolve_conv_padding(padding, kernel, (1, 1), (1, 1))
    return (pl, pr, pt, pb)


def count_fft_calls(monkeypatch):
    calls = []
    real = np.fft.rfft2

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(np.fft, "rfft2", counting)
    return calls


@pytest.mark.parametrize("pyodide,c_in,c_out,k,size,stride,dilation,expect", [
    (True, 3, 8, 7, 80, 1, 1, True),    # the bench's 8x7x7: FFT in Pyodide
    (False, 3, 8, 7, 80, 1, 1, False),  # ... but not in CPython (SIMD direct is faster)
    (False, 3, 8, 11, 80, 1, 1, True),  # 11x11 in both
    (True, 1, 3, 11, 80, 1, 1, True),   # the page's 3 gray filters at 11x11
    (True, 1, 3, 7, 80, 1, 1, False),   # ... at 7x7 the direct product is as fast
    (True, 3, 8, 5, 80, 1, 1, False),   # 5x5: direct
    (True, 3, 8, 11, 40, 1, 1, False),  # a small map stays exact
    (True, 3, 8, 11, 80, 2, 1, False),  # stride 2: direct
    (True, 3, 8, 11, 80, 1, 2, False),  # dilation: direct
])
def test_conv2d_auto_takes_fft_where_it_wins(monkeypatch, pyodide, c_in, c_out, k, size, stride, dilation,
                                            expect):
    monkeypatch.setattr(ops, "_NO_BLAS_NO_SIMD", pyodide)
    calls = count_fft_calls(monkeypatch)
    rng = np.random.default_rng(0)
    x = rng.random((c_in, size, size), dtype=np.float32)
    w = rng.standard_normal((c_out, c_in, k, k), dtype=np.float32)
    ops.conv2d(x, w, padding="same" if stride == 1 else 0, stride=stride, dilation=dilation)
    assert bool(calls) is expect
    calls.clear()
    with ops.compute_paths(fft="off"):
        ops.conv2d(x, w, padding=k // 2, stride=stride, dilation=dilation)
    assert not calls


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_conv2d_fft_keeps_non_finite_values_local(monkeypatch, bad):
    calls = count_fft_calls(monkeypatch)
    x = np.random.default_rng(1).random((1, 90, 90), dtype=np.float32)
    x[0, 45, 45] = bad
    w = np.ones((1, 1, 11, 11), np.float32)
    with ops.compute_paths(fft="on"):
        got = ops.conv2d(x, w)
    assert not calls  # took the direct path
    hit = ~np.isfinite(got[0])
    assert hit[40, 40] and hit.sum() == 11 * 11
    with ops.compute_paths(fft="on"):
        ops.conv2d(x[:, :44], w)  # finite: FFT
        assert calls
        calls.clear()
        ops.conv2d(x[:, :44], w * np.float32(np.nan))  # NaN weights: direct
    assert not calls


def test_compute_paths_validate_and_restore():
    with pytest.raises(ValueError, match="fft"):
        with ops.compute_paths(fft="maybe"):
            pass
    with pytest.raises(ValueError, match="pool"):
        with ops.compute_paths(pool="diagonal"):
            pass
    with ops.compute_paths(gemm="numpy", fft="on", pool="rows_first"):
        assert blas.mode() == "numpy"
        with ops.compute_paths(fft="off"):
            assert blas.mode() == "numpy"
    assert blas.mode() == "auto"


# ------------------------------------------------------------------------------- pooling


@pytest.mark.parametrize("order", ["cols_first", "rows_first"])
@pytest.mark.parametrize("seed", range(40))
def test_pools_both_orders_against_loops(seed, order, platform_choices):
    rng = np.random.default_rng(700 + seed)
    dtype, layout, x4, k, stride, s, p, d, ceil_mode, cip = draw_pool_case(rng)
    x4 = x4.astype(dtype)
    if seed % 4 == 0:
        x4.flat[rng.integers(x4.size)] = np.nan
    x = to_layout(x4, layout)
    with ops.compute_paths(pool=order):
        got_max = ops.max_pool2d(x, k, stride, p, d, ceil_mode)
        got_avg = ops.avg_pool2d(x, k, stride, p, ceil_mode, cip)
    want_max = to_layout(ref_pool2d(x4, k, s, p, d, ceil_mode, "max"), layout)
    want_avg = to_layout(ref_pool2d(x4, k, s, p, (1, 1), ceil_mode, "avg", cip), layout)
    assert_close(got_max, want_max, dtype)
    np.testing.assert_array_equal(np.isnan(got_max), np.isnan(want_max))
    assert_close(got_avg, want_avg, dtype)
    assert not np.shares_memory(got_max, x) and not np.shares_memory(got_avg, x)


def test_pool_1x1_returns_a_copy():
    x = np.arange(12.0).reshape(3, 4)
    for order in ("cols_first", "rows_first"):
        with ops.compute_paths(pool=order):
            out = ops.avg_pool2d(x, 1)
            out += 1
    np.testing.assert_array_equal(x, np.arange(12.0).reshape(3, 4))


# -------------------------------------------------------------------------------- layers


@pytest.mark.parametrize("gemm", GEMMS)
@pytest.mark.parametrize("cfg", [dict(kernel_size=3), dict(kernel_size=3, stride=2, padding=1),
                                 dict(kernel_size=(2, 3), padding="same", dilation=2,
                                      padding_mode="reflect")])
def test_conv_layer_gradients_every_path(gemm, cfg):
    layer = L.Conv2d(3, 2, seed=3, **cfg)
    layer.bias = rand(layer.bias.shape, 5)
    with ops.compute_paths(gemm=gemm):
        check_gradients(layer, rand((2, 3, 6, 7)))


@needs_blas
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv_layer_backward_blas_matches_tensordot(dtype):
    layer = L.Conv2d(4, 5, 3, padding=1, stride=(1, 2), seed=0)
    layer.weight = layer.weight.astype(dtype)
    layer.bias = rand(5, 4).astype(dtype)
    x = rand((3, 4, 9, 8)).astype(dtype)
    results = []
    for gemm in ("numpy", "blas"):
        with ops.compute_paths(gemm=gemm):
            out = layer.forward(x)
            layer.zero_grads()
            gx = layer.backward(np.cos(out))
            results.append((out, gx, layer.grads["weight"].copy(), layer.grads["bias"].copy()))
    for a, b in zip(*results):
        assert a.dtype == b.dtype == dtype
        tol = 1e-5 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("gemm", GEMMS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_every_path(gemm, dtype):
    layer = L.Dense(7, 4, seed=2)
    layer.weight = layer.weight.astype(dtype)
    layer.bias = rand(4, 3).astype(dtype)
    x = rand((5, 7)).astype(dtype)
    with ops.compute_paths(gemm=gemm):
        out = layer.forward(x)
        layer.zero_grads()
        g = np.cos(out)
        gx = layer.backward(g)
    want = np.array([[sum(x[n, i] * layer.weight[o, i] for i in range(7)) + layer.bias[o] for o in range(4)]
                     for n in range(5)])
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert out.dtype == gx.dtype == dtype
    np.testing.assert_allclose(out, want, rtol=tol, atol=tol)
    np.testing.assert_allclose(layer.grads["weight"], g.astype(np.float64).T @ x, rtol=tol, atol=tol)
    np.testing.assert_allclose(gx, g.astype(np.float64) @ layer.weight, rtol=tol, atol=tol)
    if dtype == np.float64:
        layer.bias = rand(4, 3)
        with ops.compute_paths(gemm=gemm):
            check_gradients(layer, x)
