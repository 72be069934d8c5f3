"""Tests of pycore.ops against independent references.

The references below are plain Python loops over output positions written
from the torch definitions (they never call pycore); where scipy or numpy has
the same operation it is used as a second, independent oracle.
"""

import math
import warnings

import numpy as np
import pytest
import scipy.ndimage as ndi
import scipy.signal as sps

from pycore import ops, validate


@pytest.fixture(autouse=True, params=[False, True], ids=["blas-path", "pyodide-path"])
def numpy_build(request, monkeypatch):
    """Run every test on both code paths: ops picks different numpy calls when numpy
    has no BLAS and no SIMD (Pyodide), and both must give the reference's numbers."""
    monkeypatch.setattr(ops, "_NO_BLAS_NO_SIMD", request.param)
    return request.param

# ---------------------------------------------------------------- references


def ref_pad2d(x, left, right, top, bottom, mode, value=0.0):
    """Pad the last two axes of ``x`` one output cell at a time."""
    x = np.asarray(x, dtype=np.float64)
    H, W = x.shape[-2:]
    out = np.empty(x.shape[:-2] + (H + top + bottom, W + left + right))

    def src(i, n, before):
        k = i - before
        if 0 <= k < n:
            return k
        if mode == "constant":
            return None
        if mode == "replicate":
            return min(max(k, 0), n - 1)
        if mode == "reflect":  # mirror about the edge cell, edge not repeated
            if k < 0:
                k = -k
            if k >= n:
                k = 2 * (n - 1) - k
            return k
        if mode == "circular":
            return k % n
        raise AssertionError(mode)

    for lead in np.ndindex(*x.shape[:-2]):
        for i in range(out.shape[-2]):
            si = src(i, H, top)
            for j in range(out.shape[-1]):
                sj = src(j, W, left)
                out[lead + (i, j)] = value if si is None or sj is None else x[lead + (si, sj)]
    return out


def ref_positions(n, k, s, pb, pa, d, ceil_mode=False):
    """Window starts (in padded coordinates) found by walking the axis.

    Floor mode keeps the windows that fit in the padded input.  ceil_mode adds
    the next window too when it still starts inside the input or the left
    padding (torch: "the last pooling starts inside the image").
    """
    padded = n + pb + pa
    span = d * (k - 1) + 1
    starts = []
    st = 0
    while st + span <= padded:
        starts.append(st)
        st += s
    # the next window sticks out of the padded input; ceil keeps it if it
    # sticks out by less than a stride and starts before the right padding
    if ceil_mode and st < n + pb and st + span < padded + s and (not starts or starts[-1] + span < padded):
        starts.append(st)
    return starts


def ref_conv2d(x, w, b, stride, pads, dilation, groups, mode):
    """x (N, C, H, W), w (Co, C/g, kH, kW), pads (top, bottom, left, right)."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    pt, pb, pl, pr = pads
    xp = ref_pad2d(x, pl, pr, pt, pb, "constant" if mode == "zeros" else mode)
    N, C, Hp, Wp = xp.shape
    Co, Cg, kH, kW = w.shape
    Og = Co // groups
    rows = ref_positions(Hp, kH, stride[0], 0, 0, dilation[0])
    cols = ref_positions(Wp, kW, stride[1], 0, 0, dilation[1])
    out = np.zeros((N, Co, len(rows), len(cols)))
    for n in range(N):
        for o in range(Co):
            g = o // Og
            for yi, y0 in enumerate(rows):
                for xi, x0 in enumerate(cols):
                    acc = 0.0 if b is None else float(b[o])
                    for c in range(Cg):
                        for i in range(kH):
                            for j in range(kW):
                                acc += xp[n, g * Cg + c, y0 + i * dilation[0], x0 + j * dilation[1]] * w[o, c, i, j]
                    out[n, o, yi, xi] = acc
    return out


def ref_pool2d(x, k, s, p, d, ceil_mode, kind, count_include_pad=True):
    """torch's CPU pooling loops, on (N, C, H, W)."""
    x = np.asarray(x, dtype=np.float64)
    N, C, H, W = x.shape
    rows = ref_positions(H, k[0], s[0], p[0], p[0], d[0], ceil_mode)
    cols = ref_positions(W, k[1], s[1], p[1], p[1], d[1], ceil_mode)
    out = np.zeros((N, C, len(rows), len(cols)))
    for n in range(N):
        for c in range(C):
            for yi, y0 in enumerate(rows):
                for xi, x0 in enumerate(cols):
                    hs, ws = y0 - p[0], x0 - p[1]  # window start in input coordinates
                    if kind == "max":
                        best = -math.inf
                        for i in range(k[0]):
                            for j in range(k[1]):
                                r, q = hs + i * d[0], ws + j * d[1]
                                if 0 <= r < H and 0 <= q < W:
                                    v = x[n, c, r, q]
                                    if v > best or math.isnan(v):
                                        best = v
                                    if math.isnan(best):
                                        break
                        out[n, c, yi, xi] = best
                    else:
                        he = min(hs + k[0], H + p[0])
                        we = min(ws + k[1], W + p[1])
                        pool_size = (he - hs) * (we - ws)
                        h0, h1 = max(hs, 0), min(he, H)
                        w0, w1 = max(ws, 0), min(we, W)
                        total = 0.0
                        for r in range(h0, h1):
                            for q in range(w0, w1):
                                total += x[n, c, r, q]
                        div = pool_size if count_include_pad else (h1 - h0) * (w1 - w0)
                        out[n, c, yi, xi] = total / div
    return out


def assert_close(got, want, dtype):
    assert got.dtype == dtype, (got.dtype, dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    scale = max(1.0, float(np.nanmax(np.abs(want))) if np.isfinite(want).any() else 1.0)
    tol = 2e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale)


def to_layout(x4, layout):
    return x4[0, 0] if layout == "2d" else x4[0] if layout == "3d" else x4


@pytest.fixture
def small_tiles(monkeypatch):
    """Force tiny im2col tiles so that row and batch tiling (with remainders) run."""

    def apply(min_tile):
        monkeypatch.setattr(ops, "_TILE_BUDGET_BYTES", 1)
        monkeypatch.setattr(ops, "_MIN_TILE", min_tile)

    return apply


# ---------------------------------------------------------------- conv2d


def draw_conv_case(rng):
    dtype = [np.float32, np.float64][rng.integers(2)]
    layout = ["2d", "3d", "4d"][rng.integers(3)]
    if layout == "2d":
        G, Cg, Og = 1, 1, int(rng.integers(1, 4))
    else:
        kind = ["plain", "grouped", "depthwise"][rng.integers(3)]
        if kind == "plain":
            G, Cg, Og = 1, int(rng.integers(1, 4)), int(rng.integers(1, 5))
        elif kind == "grouped":
            G, Cg, Og = int(rng.integers(2, 4)), int(rng.integers(1, 3)), int(rng.integers(1, 3))
        else:
            G, Cg, Og = int(rng.integers(2, 5)), 1, int(rng.integers(1, 3))
    kH, kW = (int(v) for v in rng.integers(1, 5, size=2))
    stride = tuple(int(v) for v in rng.integers(1, 5, size=2)) if rng.random() < 0.6 else (1, 1)
    dilation = tuple(int(v) for v in rng.integers(1, 4, size=2)) if rng.random() < 0.4 else (1, 1)
    mode = ["zeros", "reflect", "replicate", "circular"][rng.integers(4)]
    choice = rng.integers(4)
    if choice == 0 and stride == (1, 1):
        padding = "same"
        th, tw = dilation[0] * (kH - 1), dilation[1] * (kW - 1)
        pads = (th // 2, th - th // 2, tw // 2, tw - tw // 2)
    elif choice == 1:
        padding = "valid"
        pads = (0, 0, 0, 0)
    elif choice == 2:
        padding = int(rng.integers(0, 4))
        pads = (padding,) * 4
    else:
        ph, pw = (int(v) for v in rng.integers(0, 4, size=2))
        padding = (ph, pw)
        pads = (ph, ph, pw, pw)
    dims = []
    for span, before, after in ((dilation[0] * (kH - 1) + 1, pads[0], pads[1]),
                                (dilation[1] * (kW - 1) + 1, pads[2], pads[3])):
        lo = max(1, span - before - after, max(before, after) + (mode == "reflect"))
        dims.append(int(rng.integers(lo, lo + 7)))
    H, W = dims
    N = int(rng.integers(1, 4)) if layout == "4d" else 1
    x4 = rng.standard_normal((N, G * Cg, H, W))
    w = rng.standard_normal((G * Og, Cg, kH, kW))
    b = rng.standard_normal(G * Og) if rng.random() < 0.5 else None
    return dict(dtype=dtype, layout=layout, x4=x4, w=w, b=b, stride=stride, dilation=dilation,
                padding=padding, pads=pads, mode=mode, groups=G)


@pytest.mark.parametrize("seed", range(80))
def test_conv2d_random_against_loops(seed, small_tiles):
    rng = np.random.default_rng(seed)
    c = draw_conv_case(rng)
    if seed % 2:
        small_tiles(int(rng.integers(1, 40)))
    dtype = c["dtype"]
    x4 = c["x4"].astype(dtype)
    w = c["w"].astype(dtype)
    b = None if c["b"] is None else c["b"].astype(dtype)
    stride = c["stride"] if c["stride"][0] != c["stride"][1] else c["stride"][0]  # int or pair
    x = to_layout(x4, c["layout"])
    wt = w[0, 0] if (c["layout"] == "2d" and w.shape[0] == 1 and b is None) else w
    got = ops.conv2d(x, wt, b, stride=stride, padding=c["padding"], dilation=c["dilation"],
                     groups=c["groups"], padding_mode=c["mode"])
    want = ref_conv2d(x4, w, b, c["stride"], c["pads"], c["dilation"], c["groups"], c["mode"])
    want = want if c["layout"] == "4d" else want[0]
    assert_close(got, want, dtype)


@pytest.mark.parametrize("seed", range(10))
def test_conv2d_single_channel_matches_scipy_correlate2d(seed):
    rng = np.random.default_rng(100 + seed)
    H, W = (int(v) for v in rng.integers(3, 20, size=2))
    kH, kW = (int(v) for v in rng.integers(1, 4, size=2))
    x = rng.standard_normal((H, W))
    k = rng.standard_normal((kH, kW))
    np.testing.assert_allclose(ops.conv2d(x, k)[0], sps.correlate2d(x, k, mode="valid"), rtol=1e-12, atol=1e-12)
    # 'full' = zero padding of k-1 on every side
    full = ops.conv2d(x, k, padding=(kH - 1, kW - 1))[0]
    np.testing.assert_allclose(full, sps.correlate2d(x, k, mode="full"), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode,scipy_mode",
                         [("zeros", "constant"), ("reflect", "mirror"), ("replicate", "nearest"), ("circular", "wrap")])
@pytest.mark.parametrize("seed", range(4))
def test_conv2d_same_matches_scipy_ndimage(mode, scipy_mode, seed):
    rng = np.random.default_rng(200 + seed)
    H, W = (int(v) for v in rng.integers(6, 25, size=2))
    kH, kW = (int(v) for v in rng.choice([1, 3, 5], size=2))
    x = rng.standard_normal((2, H, W))
    w = rng.standard_normal((3, 2, kH, kW))
    got = ops.conv2d(x, w, padding="same", padding_mode=mode)
    want = np.stack([sum(ndi.correlate(x[c], w[o, c], mode=scipy_mode) for c in range(2)) for o in range(3)])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_conv2d_notebook_fact_165():
    img = np.arange(1, 10, dtype=float).reshape(3, 3)
    ker = np.arange(9, 0, -1, dtype=float).reshape(3, 3)
    assert np.sum(img * ker) == 165
    out = ops.conv2d(img, ker)
    assert out.shape == (1, 1, 1)
    assert out[0, 0, 0] == 165


def test_flip_kernel_turns_correlation_into_convolution():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((9, 11))
    k = rng.standard_normal((3, 4))
    np.testing.assert_allclose(ops.conv2d(x, ops.flip_kernel(k))[0], sps.convolve2d(x, k, mode="valid"),
                               rtol=1e-12, atol=1e-12)
    # and without the flip it is not a convolution (k is not symmetric)
    assert not np.allclose(ops.conv2d(x, k)[0], sps.convolve2d(x, k, mode="valid"))
    w4 = rng.standard_normal((2, 3, 2, 5))
    np.testing.assert_array_equal(ops.flip_kernel(w4), w4[:, :, ::-1, ::-1])
    assert ops.flip_kernel(w4.astype(np.float32)).dtype == np.float32


def test_conv2d_shapes_by_layout():
    rng = np.random.default_rng(3)
    w = rng.standard_normal((4, 2, 3, 3))
    assert ops.conv2d(rng.standard_normal((2, 10, 12)), w).shape == (4, 8, 10)
    assert ops.conv2d(rng.standard_normal((5, 2, 10, 12)), w).shape == (5, 4, 8, 10)
    assert ops.conv2d(rng.standard_normal((10, 12)), w[:, :1]).shape == (4, 8, 10)
    assert ops.conv2d(rng.standard_normal((10, 12)), w[0, 0]).shape == (1, 8, 10)
    assert ops.conv2d(rng.standard_normal((0, 2, 10, 12)), w).shape == (0, 4, 8, 10)


@pytest.mark.parametrize("k", [2, 4, 6])
@pytest.mark.parametrize("d", [1, 2])
def test_conv2d_same_even_kernel_pads_more_after(k, d):
    rng = np.random.default_rng(k * 10 + d)
    x = rng.standard_normal((1, 1, 9, 8))
    w = rng.standard_normal((2, 1, k, k))
    got = ops.conv2d(x, w, padding="same", dilation=d)
    total = d * (k - 1)
    assert got.shape == (1, 2, 9, 8)
    want = ref_conv2d(x, w, None, (1, 1), (total // 2, total - total // 2) * 2, (d, d), 1, "zeros")
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_conv2d_edge_sizes():
    rng = np.random.default_rng(11)
    # 1x1 input, 1x1 kernel
    assert ops.conv2d(np.array([[2.0]]), np.array([[3.0]])).tolist() == [[[6.0]]]
    # 1x1 input, 3x3 kernel, same padding: only the centre tap sees data
    w = rng.standard_normal((3, 3))
    np.testing.assert_allclose(ops.conv2d(np.array([[2.0]]), w, padding="same"), [[[2 * w[1, 1]]]])
    # kernel equal to the input: one output, the full dot product
    x = rng.standard_normal((3, 5, 6))
    w = rng.standard_normal((2, 3, 5, 6))
    got = ops.conv2d(x, w)
    np.testing.assert_allclose(got[:, 0, 0], [np.sum(x * w[0]), np.sum(x * w[1])], rtol=1e-12)
    # stride larger than the kernel on a size that does not divide
    x = rng.standard_normal((1, 13, 11))
    w = rng.standard_normal((1, 1, 2, 2))
    got = ops.conv2d(x, w, stride=5)
    assert got.shape == (1, 3, 2)
    want = ref_conv2d(x[None], w, None, (5, 5), (0, 0, 0, 0), (1, 1), 1, "zeros")[0]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_conv2d_tiling_over_rows_and_batches_matches(small_tiles):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((5, 3, 17, 13)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    whole = ops.conv2d(x, w, b, padding=1, stride=(2, 1))
    for min_tile in (1, 13, 14, 40, 13 * 17 * 2 + 5):
        small_tiles(min_tile)
        np.testing.assert_allclose(ops.conv2d(x, w, b, padding=1, stride=(2, 1)), whole, rtol=1e-6, atol=1e-6)


def test_conv2d_dtypes():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 6, 6))
    w = rng.standard_normal((3, 2, 3, 3))
    assert ops.conv2d(x.astype(np.float32), w).dtype == np.float32  # weights follow x
    assert ops.conv2d(x, w.astype(np.float32)).dtype == np.float64
    ints = rng.integers(0, 255, size=(2, 6, 6)).astype(np.uint8)
    got = ops.conv2d(ints, w)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, ops.conv2d(ints.astype(np.float64), w))
    assert ops.conv2d(ints > 100, w).dtype == np.float64
    assert ops.conv2d(x.astype(np.float16), w).dtype == np.float32
    # float32 result is close to the float64 one
    np.testing.assert_allclose(ops.conv2d(x.astype(np.float32), w), ops.conv2d(x, w), rtol=1e-5, atol=1e-5)


def test_conv2d_nan_propagates_only_to_windows_that_see_it():
    x = np.zeros((1, 7, 7))
    x[0, 3, 3] = np.nan
    out = ops.conv2d(x, np.ones((1, 1, 3, 3)))
    mask = np.isnan(out[0])
    want = np.zeros((5, 5), bool)
    want[1:4, 1:4] = True
    np.testing.assert_array_equal(mask, want)


def test_conv2d_float32_1024_tiled_matches_float64():
    # bigger than one tile at the default budget: row tiles with a remainder
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 300, 257))
    w = rng.standard_normal((8, 3, 3, 3))
    got = ops.conv2d(x.astype(np.float32), w.astype(np.float32), padding="same")
    want = np.stack([sum(ndi.correlate(x[c], w[o, c], mode="constant") for c in range(3)) for o in range(8)])
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


# ---------------------------------------------------------------- pad


@pytest.mark.parametrize("seed", range(24))
def test_pad_random_against_loops_and_numpy(seed):
    rng = np.random.default_rng(300 + seed)
    mode = ["constant", "reflect", "replicate", "circular"][seed % 4]
    dtype = [np.float32, np.float64][rng.integers(2)]
    lrtb = [int(v) for v in rng.integers(0, 5, size=4)]
    H = int(rng.integers(max(1, max(lrtb[2:]) + (mode == "reflect")), 9))
    W = int(rng.integers(max(1, max(lrtb[:2]) + (mode == "reflect")), 9))
    shape = [(H, W), (2, H, W), (2, 3, H, W)][rng.integers(3)]
    x = rng.standard_normal(shape).astype(dtype)
    value = float(rng.standard_normal())
    got = ops.pad(x, tuple(lrtb), mode=mode, value=value)
    want = ref_pad2d(x, *lrtb, mode=mode, value=value)
    assert_close(got, want, dtype)
    np_mode = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    widths = [(0, 0)] * (x.ndim - 2) + [(lrtb[2], lrtb[3]), (lrtb[0], lrtb[1])]
    kw = {"constant_values": value} if mode == "constant" else {}
    np.testing.assert_array_equal(got, np.pad(x, widths, mode=np_mode, **kw).astype(dtype))


def test_pad_int_and_pair_forms():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(ops.pad(x, 1), np.pad(x, 1))
    np.testing.assert_array_equal(ops.pad(x, (2, 1)), np.pad(x, ((0, 0), (2, 1))))
    np.testing.assert_array_equal(ops.pad(x, 0, mode="reflect"), x)
    # the largest allowed pads: reflect < size, circular <= size
    np.testing.assert_array_equal(ops.pad(x, (2, 2, 1, 1), mode="reflect"), np.pad(x, ((1, 1), (2, 2)), mode="reflect"))
    np.testing.assert_array_equal(ops.pad(x, (3, 3, 2, 2), mode="circular"), np.pad(x, ((2, 2), (3, 3)), mode="wrap"))
    assert ops.pad(x.astype(int), 1).dtype == np.float64


# ---------------------------------------------------------------- pooling


def draw_pool_case(rng):
    dtype = [np.float32, np.float64][rng.integers(2)]
    layout = ["2d", "3d", "4d"][rng.integers(3)]
    k = tuple(int(v) for v in rng.integers(1, 5, size=2))
    stride = None if rng.random() < 0.3 else tuple(int(v) for v in rng.integers(1, 5, size=2))
    s = k if stride is None else stride
    p = tuple(int(rng.integers(0, kk // 2 + 1)) for kk in k)
    d = tuple(int(v) for v in rng.integers(1, 3, size=2)) if rng.random() < 0.3 else (1, 1)
    ceil_mode = bool(rng.random() < 0.5)
    count_include_pad = bool(rng.random() < 0.5)
    dims = []
    for kk, pp, dd, ss in zip(k, p, d, s):
        # ceil_mode accepts a kernel sticking out of the padded input by < stride
        lo = max(1, dd * (kk - 1) + 1 - 2 * pp - (ss - 1 if ceil_mode else 0))
        dims.append(int(rng.integers(lo, lo + 8)))
    N, C = int(rng.integers(1, 3)), int(rng.integers(1, 4))
    x4 = rng.standard_normal((N, C) + tuple(dims))
    if layout != "4d":
        x4 = x4[:1]
    if layout == "2d":
        x4 = x4[:, :1]
    return dtype, layout, x4, k, stride, s, p, d, ceil_mode, count_include_pad


@pytest.mark.parametrize("seed", range(60))
def test_max_pool2d_random_against_loops(seed):
    rng = np.random.default_rng(400 + seed)
    dtype, layout, x4, k, stride, s, p, d, ceil_mode, _ = draw_pool_case(rng)
    x4 = x4.astype(dtype)
    if seed % 5 == 0:
        x4.flat[rng.integers(x4.size)] = np.nan
    kk = k if k[0] != k[1] else k[0]
    got = ops.max_pool2d(to_layout(x4, layout), kk, stride, p, d, ceil_mode)
    want = to_layout(ref_pool2d(x4, k, s, p, d, ceil_mode, "max"), layout)
    assert_close(got, want, dtype)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))


@pytest.mark.parametrize("seed", range(60))
def test_avg_pool2d_random_against_loops(seed):
    rng = np.random.default_rng(500 + seed)
    dtype, layout, x4, k, stride, s, p, _, ceil_mode, cip = draw_pool_case(rng)
    x4 = x4.astype(dtype)
    got = ops.avg_pool2d(to_layout(x4, layout), k, stride, p, ceil_mode, cip)
    want = to_layout(ref_pool2d(x4, k, s, p, (1, 1), ceil_mode, "avg", cip), layout)
    assert_close(got, want, dtype)


def test_avg_pool2d_divisor_excludes_ceil_overhang():
    # width 4, kernel 3, stride 2, pad 1, ceil_mode: windows start at -1, 1, 3;
    # the last covers input cell 3, pad cell 4 and cell 5 past the padded border
    x = np.ones((1, 1, 1, 4))
    got = ops.avg_pool2d(x, (1, 3), stride=(1, 2), padding=(0, 1), ceil_mode=True)
    np.testing.assert_allclose(got[0, 0, 0], [2 / 3, 1.0, 1 / 2])  # overhang not counted
    got = ops.avg_pool2d(x, (1, 3), stride=(1, 2), padding=(0, 1), ceil_mode=True, count_include_pad=False)
    np.testing.assert_allclose(got[0, 0, 0], [1.0, 1.0, 1.0])
    # width 4, kernel 2, stride 2, pad 1, ceil: a 4th window would start at 5 >= 4 + 1
    assert ops.avg_pool2d(np.ones((1, 4)), (1, 2), padding=(0, 1), ceil_mode=True).shape == (1, 3)


def test_pools_ceil_mode_accept_kernel_sticking_out_by_less_than_a_stride():
    # torch: max_pool2d(3x3, kernel 4, stride 2, ceil_mode=True) has one window
    x = np.arange(9.0).reshape(3, 3)
    assert ops.max_pool2d(x, 4, 2, ceil_mode=True).tolist() == [[8.0]]
    np.testing.assert_allclose(ops.avg_pool2d(x, 4, 2, ceil_mode=True), [[4.0]])  # divisor 3*3
    g = ops.conv_output_geometry(3, 4, 2, ceil_mode=True)
    assert (g.size, g.overhang, g.dropped) == (1, 1, 0)
    with pytest.raises(ValueError, match="larger than the padded input"):
        ops.max_pool2d(x, 4, 2)  # floor mode: no window fits
    with pytest.raises(ValueError, match="larger than the padded input"):
        ops.max_pool2d(x, 5, 2, ceil_mode=True)  # sticks out by a whole stride


@pytest.mark.parametrize("k", [2, 3, 4, 5])
def test_pools_match_scipy_filters_at_stride_1(k):
    rng = np.random.default_rng(k)
    x = rng.standard_normal((2, 12, 15))
    size = (1, k, k)
    # no padding: pooled[y] is the filtered map at y + k // 2 (scipy centres windows)
    o = k // 2
    mx0 = ops.max_pool2d(x, k, stride=1)
    av0 = ops.avg_pool2d(x, k, stride=1)
    assert mx0.shape == (2, 13 - k, 16 - k)
    crop = (slice(None), slice(o, o + 13 - k), slice(o, o + 16 - k))
    np.testing.assert_array_equal(mx0, ndi.maximum_filter(x, size=size)[crop])
    np.testing.assert_allclose(av0, ndi.uniform_filter(x, size=size)[crop], rtol=1e-12, atol=1e-12)
    if k % 2:  # odd: padding k // 2 gives centred windows over the whole map
        mx = ops.max_pool2d(x, k, stride=1, padding=o)
        av = ops.avg_pool2d(x, k, stride=1, padding=o)
        np.testing.assert_array_equal(mx, ndi.maximum_filter(x, size=size, mode="constant", cval=-np.inf))
        np.testing.assert_allclose(av, ndi.uniform_filter(x, size=size, mode="constant", cval=0.0),
                                   rtol=1e-12, atol=1e-12)


def test_max_pool2d_2x2_reference_and_nan():
    x = np.array([[1.0, 2, 5, 1], [3, 4, 0, 0], [np.nan, 1, 7, 8], [0, 0, 9, -1]])
    got = ops.max_pool2d(x, 2)
    assert got.shape == (2, 2)
    assert got[0].tolist() == [4.0, 5.0]
    assert math.isnan(got[1, 0]) and got[1, 1] == 9.0
    np.testing.assert_array_equal(ops.avg_pool2d(x[:2], 2), [[2.5, 1.5]])
    # an inf in the input takes the exact NaN-aware path and stays correct
    y = np.array([[np.inf, 1.0], [np.nan, 2.0]])
    assert math.isnan(ops.max_pool2d(y, 2)[0, 0])
    assert ops.max_pool2d(np.array([[np.inf, 1.0], [0, 2.0]]), 2)[0, 0] == np.inf


def test_pool_layouts_and_dtypes():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4, 8, 9)).astype(np.float32)
    for f in (ops.max_pool2d, ops.avg_pool2d):
        assert f(x, 2).shape == (3, 4, 4, 4)
        assert f(x[0], 2).shape == (4, 4, 4)
        assert f(x[0, 0], 2).shape == (4, 4)
        assert f(x, 2).dtype == np.float32
        assert f(x.astype(np.int32), 2).dtype == np.float64
        # 1x1 input, kernel 1
        assert f(np.array([[5.0]]), 1).tolist() == [[5.0]]
        # kernel equal to the input
        assert f(x[0, 0], (8, 9)).shape == (1, 1)


# ---------------------------------------------------------------- output geometry


def test_geometry_matches_brute_force():
    for n in range(1, 11):
        for k in range(1, 6):
            for s in range(1, 5):
                for d in (1, 2, 3):
                    for pb in range(0, 4):
                        for pa in (pb, 0, 3):
                            for ceil_mode in (False, True):
                                starts = ref_positions(n, k, s, pb, pa, d, ceil_mode)
                                span = d * (k - 1) + 1
                                if not starts:
                                    assert span > n + pb + pa
                                    with pytest.raises(ValueError, match="larger than the padded input"):
                                        ops.conv_output_geometry(n, k, s, (pb, pa), d, ceil_mode)
                                    continue
                                g = ops.conv_output_geometry(n, k, s, (pb, pa), d, ceil_mode)
                                assert g.size == len(starts) == ops.conv_output_size(n, k, s, (pb, pa), d, ceil_mode)
                                assert g.padded == n + pb + pa and g.span == span
                                end = starts[-1] + span  # one past the last covered cell
                                assert g.dropped == max(0, n + pb + pa - end)
                                assert g.overhang == max(0, end - (n + pb + pa))
                                if not ceil_mode:
                                    assert g.overhang == 0
                                    covered = set()
                                    for st in starts:
                                        covered.update(range(st, st + span))
                                    tail = [i for i in range(n + pb + pa) if i > max(covered)]
                                    assert g.dropped == len(tail)


def test_geometry_formula_and_fields():
    g = ops.conv_output_geometry(28, 3, stride=2, padding=1)
    assert g.formula == "⌊(28 + 2·1 − 1·(3−1) − 1) / 2⌋ + 1 = 14"
    assert (g.size, g.dropped, g.padded, g.span) == (14, 1, 30, 3)
    assert g.as_dict()["size"] == 14
    g = ops.conv_output_geometry(28, 4, padding=(1, 2))
    assert g.formula == "⌊(28 + 1 + 2 − 1·(4−1) − 1) / 1⌋ + 1 = 28"
    g = ops.conv_output_geometry(5, 2, stride=2, ceil_mode=True)
    assert g.formula.startswith("⌈") and g.size == 3 and g.overhang == 1
    g = ops.conv_output_geometry(3, 2, stride=2, padding=1, ceil_mode=True)
    # ceil would add a window at padded position 4 >= 3 + 1 (the right padding): torch drops it
    assert g.size == 2 and g.formula == (
        "⌈(3 + 2·1 − 1·(2−1) − 1) / 2⌉ + 1 − 1 (the last window would start in the right padding) = 2"
    )
    assert ops.conv_output_size(7, 3, dilation=3) == 1
    with pytest.raises(ValueError, match=r"kernel size 5 \(spanning 5 with its dilation\) "
                                             r"is larger than the padded input 3"):
        ops.conv_output_size(3, 5)


# ---------------------------------------------------------------- activations


def test_relu_leaky_tanh_against_loops():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 5)) * 3
    for dtype in (np.float32, np.float64):
        xd = x.astype(dtype)
        r = ops.relu(xd)
        assert r.dtype == dtype
        assert r.tolist() == [[[max(v, 0.0) for v in row] for row in plane] for plane in xd.tolist()]
        lr = ops.leaky_relu(xd, 0.2)
        assert lr.dtype == dtype
        want = np.array([v if v > 0 else v * dtype(0.2) for v in xd.ravel()], dtype=dtype).reshape(x.shape)
        np.testing.assert_allclose(lr, want, rtol=1e-6)
        assert ops.leaky_relu(xd).ravel()[np.argmin(xd)] == pytest.approx(0.01 * xd.min(), rel=1e-5)
        t = ops.tanh(xd)
        assert t.dtype == dtype
        np.testing.assert_allclose(t, np.array([math.tanh(v) for v in xd.ravel().tolist()]).reshape(x.shape), rtol=1e-6)
    nan = np.array([np.nan, -1.0, 2.0])
    assert math.isnan(ops.relu(nan)[0]) and math.isnan(ops.leaky_relu(nan)[0]) and math.isnan(ops.sigmoid(nan)[0])
    assert ops.relu(np.array([1, -2])).dtype == np.float64


def test_sigmoid_stable_and_correct():
    x = np.array([-1000.0, -50.0, -1.0, 0.0, 1.0, 50.0, 1000.0, -np.inf, np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            for dtype in (np.float32, np.float64):
                got = ops.sigmoid(x.astype(dtype))
                assert got.dtype == dtype
                want = []
                for v in x.tolist():
                    if v >= 0:
                        want.append(1.0 / (1.0 + math.exp(-v)) if v != math.inf else 1.0)
                    else:
                        want.append(math.exp(v) / (1.0 + math.exp(v)) if v != -math.inf else 0.0)
                np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == np.float32 else 1e-15, atol=1e-300)
    assert ops.sigmoid(np.array([-1000.0]))[0] == 0.0 and ops.sigmoid(np.array([1000.0]))[0] == 1.0


def test_softmax_stable_and_axis():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 5)) * 4
    for axis in (-1, 0, 1):
        got = ops.softmax(x, axis=axis)
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        np.testing.assert_allclose(got, e / e.sum(axis=axis, keepdims=True), rtol=1e-12)
        np.testing.assert_allclose(got.sum(axis=axis), 1.0, rtol=1e-12)
    row = [1000.0, 1001.0, 1002.0]
    with np.errstate(all="raise"):
        got = ops.softmax(np.array(row, dtype=np.float32))
    assert got.dtype == np.float32
    den = sum(math.exp(v - 1002.0) for v in row)
    np.testing.assert_allclose(got, [math.exp(v - 1002.0) / den for v in row], rtol=1e-6)


def test_as_float_array_and_pair_helpers():
    assert ops.as_float_array(np.array([1, 2], np.int8)).dtype == np.float64
    assert ops.as_float_array(np.array([True])).dtype == np.float64
    a = np.zeros(3, np.float32)
    assert ops.as_float_array(a) is a
    assert ops.as_float_array(np.zeros(2, ">f4")).dtype == np.float32
    assert validate.pair(3, "stride") == (3, 3)
    assert validate.pair((1, np.int64(2)), "stride") == (1, 2)
    assert isinstance(validate.pair(np.int32(2), "x")[0], int)
