"""The bench's worker pool, its Python side (tools/bench/cases.py): a conv split into bands
of output rows (each with the halo rows it reads) or ranges of filters, computed part by
part and put back together, against one conv2d call and against a loop twin; the plan and
the worker's JSON entry points; the pool's figures and table rows (tools/bench/report.py,
browser.py). The stitch the page does (pool.mjs) is tested in tests/js/bench-pool.test.mjs and
in the browser by tests/e2e/test_bench_pool_page.py."""
from __future__ import annotations

import json

import numpy as np
import pytest

from pycore import ops
from tools.bench import browser, report
from tools.bench import cases as bc

# (kernel, stride, padding, dilation): halos of 0 to 6 rows, strides that skip rows, "same"
# with odd and even kernels, asymmetric pairs
SETTINGS = [
    (3, 1, "same", 1), (3, 2, 1, 1), (3, 1, 2, 2), (5, 3, 2, 1), (2, 1, "same", 1),
    (4, 2, (3, 1), 2), (3, 1, 0, 1), (1, 1, 0, 1), (4, 1, "same", 2), (3, 3, (0, 2), 3),
]
MODES = ops.PADDING_MODES
SHAPES = [(13, 11), (7, 9), (20, 6)]


def loop_conv(x, w, stride, padding, dilation, mode):
    """Cross-correlation by loops over every output cell, in float64, from the padded
    image built with numpy's own pad (an independent twin of conv2d's padding)."""
    (pt, pb), (pl, pr) = ops.resolve_conv_padding(padding, w.shape[-2:], (stride,) * 2,
                                                  (dilation,) * 2)
    np_mode = {"zeros": "constant", "reflect": "reflect", "replicate": "edge",
               "circular": "wrap"}[mode]
    xp = np.pad(x.astype(np.float64), ((0, 0), (pt, pb), (pl, pr)), mode=np_mode)
    c_out, c_in, kh, kw = w.shape
    ho = (xp.shape[1] - dilation * (kh - 1) - 1) // stride + 1
    wo = (xp.shape[2] - dilation * (kw - 1) - 1) // stride + 1
    out = np.zeros((c_out, ho, wo))
    for o in range(c_out):
        for r in range(ho):
            for c in range(wo):
                acc = 0.0
                for ci in range(c_in):
                    for i in range(kh):
                        for j in range(kw):
                            acc += (w[o, ci, i, j]
                                    * xp[ci, r * stride + i * dilation, c * stride + j * dilation])
                out[o, r, c] = acc
    return out


def cases():
    rng = np.random.default_rng(13)
    for mode in MODES:
        for k, s, p, d in SETTINGS:
            for h, w in SHAPES:
                x = rng.random((3, h, w), dtype=np.float32)
                wt = rng.standard_normal((4, 3, k, k), dtype=np.float32)
                try:
                    ref = ops.conv2d(x, wt, None, s, p, d, padding_mode=mode)
                except ValueError:  # padding too large for reflect/circular, kernel too big
                    continue
                yield mode, (k, s, p, d), x, wt, ref


@pytest.fixture(params=[True, False], ids=["pyodide-path", "cpython-path"])
def platform_path(request, monkeypatch):
    """conv2d's contraction as Pyodide does it (einsum) or as CPython does (matmul/BLAS)."""
    monkeypatch.setattr(ops, "_NO_BLAS_NO_SIMD", request.param)
    return request.param


def assert_rebuilt(got, ref, pyodide_path: bool, what) -> None:
    """Bit for bit on the Pyodide path (what the pool's check in the page demands); on
    CPython's OpenBLAS, whose kernels depend on the matrix size, to float32 rounding."""
    if pyodide_path:
        assert np.array_equal(got, ref), what
    else:
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5 * np.abs(ref).max(), err_msg=str(what))


def test_split_ranges_cover_in_order_with_lengths_one_apart():
    for n in range(1, 30):
        for parts in range(1, 7):
            r = bc.split_ranges(n, parts)
            assert r[0][0] == 0 and r[-1][1] == n
            assert all(a[1] == b[0] for a, b in zip(r, r[1:]))
            lengths = [hi - lo for lo, hi in r]
            assert min(lengths) >= 1 and max(lengths) - min(lengths) <= 1
            assert len(r) == min(parts, n)
    assert bc.split_ranges(1024, 2) == [(0, 512), (512, 1024)]
    assert bc.split_ranges(8, 3) == [(0, 3), (3, 6), (6, 8)]


def test_band_input_rows_are_the_rows_its_output_rows_read():
    """The band's padded rows (halo included) are exactly those some window reads."""
    for k, s, _, d in SETTINGS:
        for o0, o1 in [(0, 1), (0, 4), (3, 7), (5, 6)]:
            read = {o * s + i * d for o in range(o0, o1) for i in range(k)}
            p0, p1 = bc.band_input_rows((o0, o1), k, s, d)
            assert (p0, p1) == (min(read), max(read) + 1)
            assert p1 - p0 - (o1 - o0 - 1) * s - 1 == d * (k - 1)  # the halo


def test_bands_stitched_equal_one_conv2d_call(platform_path):
    n = 0
    for mode, setting, x, w, ref in cases():
        for parts in (1, 2, 3, 4):
            ranges = bc.split_ranges(ref.shape[1], parts)
            bands = [bc.conv_band(x, w, r, None, *setting[1:], mode) for r in ranges]
            assert [b.shape for b in bands] == [(4, hi - lo, ref.shape[2]) for lo, hi in ranges]
            assert_rebuilt(np.concatenate(bands, axis=1), ref, platform_path, (mode, setting, parts))
            n += 1
    assert n > 300  # every mode and setting took part


def test_bands_match_a_loop_twin():
    rng = np.random.default_rng(4)
    for mode in MODES:
        for k, s, p, d in SETTINGS:
            x = rng.standard_normal((2, 11, 9))  # float64: the twin's precision
            w = rng.standard_normal((3, 2, k, k))
            try:
                ref = loop_conv(x, w, s, p, d, mode)
            except ValueError:
                continue
            if min(ref.shape) == 0:
                continue
            for parts in (1, 3):
                got = np.concatenate([bc.conv_band(x, w, r, None, s, p, d, mode)
                                      for r in bc.split_ranges(ref.shape[1], parts)], axis=1)
                np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


def test_filter_ranges_stitched_equal_one_conv2d_call(platform_path):
    for mode, setting, x, w, ref in cases():
        for parts in (2, 3):
            got = np.concatenate([bc.conv_filters(x, w, r, None, *setting[1:], mode)
                                  for r in bc.split_ranges(w.shape[0], parts)], axis=0)
            assert_rebuilt(got, ref, platform_path, (mode, setting, parts))


def test_a_band_with_a_bias_is_the_band_of_the_biased_conv(platform_path):
    rng = np.random.default_rng(2)
    x = rng.random((3, 10, 8), dtype=np.float32)
    w = rng.standard_normal((5, 3, 3, 3), dtype=np.float32)
    b = rng.standard_normal(5, dtype=np.float32)
    ref = ops.conv2d(x, w, b, 1, "same", 1, padding_mode="reflect")
    assert_rebuilt(bc.conv_band(x, w, (3, 7), b, 1, "same", 1, "reflect"), ref[:, 3:7], platform_path, "rows")
    assert_rebuilt(bc.conv_filters(x, w, (1, 4), b, 1, "same", 1, "reflect"), ref[1:4], platform_path, "filters")


def test_a_band_outside_the_output_is_refused():
    x = np.zeros((1, 6, 6), np.float32)
    w = np.zeros((1, 1, 3, 3), np.float32)
    for rows in [(0, 0), (3, 2), (-1, 2), (0, 5)]:  # 4 output rows at padding 0
        with pytest.raises(ValueError, match="not a band of the 4 output rows"):
            bc.conv_band(x, w, rows)


def test_pool_plan_parts_and_worker_entry_points_rebuild_the_conv():
    """What the page does, in Python: plan, hold the image (as bytes), a part per range."""
    rng = np.random.default_rng(7)
    x = rng.random((3, 17, 12), dtype=np.float32)
    w = rng.standard_normal((6, 3, 4, 4), dtype=np.float32)
    settings = {"stride": 2, "padding": [3, 1], "dilation": 2, "padding_mode": "circular"}
    ref = ops.conv2d(x, w, **bc.conv_kwargs(settings))
    bc.pool_hold_image(x.tobytes(), json.dumps(list(x.shape)))
    for split, axis in (("rows", 1), ("filters", 0)):
        plan = json.loads(bc.run_json(json.dumps({"op": "pool_plan", "shape": list(x.shape),
                                                  "wshape": list(w.shape), "settings": settings,
                                                  "split": split, "parts": 3})))
        assert plan["out"] == list(ref.shape) and plan["split"] == split and len(plan["ranges"]) == 3
        parts = [bc.pool_part(w.tobytes(), json.dumps({"wshape": list(w.shape), "settings": settings,
                                                       "split": split, "range": r}))
                 for r in plan["ranges"]]
        assert all(p.dtype == np.float32 and p.flags.c_contiguous for p in parts)
        assert np.allclose(np.concatenate(parts, axis=axis), ref, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="split must be 'rows' or 'filters'"):
        bc.pool_part(w.tobytes(), json.dumps({"wshape": list(w.shape), "split": "cols", "range": [0, 1]}))
    err = json.loads(bc.run_json(json.dumps({"op": "pool_plan", "shape": [1, 4, 4], "wshape": [1, 1, 3, 3],
                                             "split": "cols", "parts": 2})))
    assert "split must be" in err["error"]


def test_peer_arrays_take_conv_settings():
    settings = {"stride": 2, "padding": [1, 0], "dilation": 1, "padding_mode": "replicate"}
    x, w, out = bc.peer_arrays("conv_rgb_512_8x3x3", json.dumps({"h": 9, "w": 7}), json.dumps(settings))
    assert np.array_equal(out, ops.conv2d(x, w, stride=2, padding=(1, 0), padding_mode="replicate"))
    x, w, out = bc.peer_arrays("conv_rgb_512_8x3x3", json.dumps({"h": 9, "w": 7}))
    assert np.array_equal(out, ops.conv2d(x, w, padding="same"))
    with pytest.raises(ValueError, match="takes no conv settings"):
        bc.peer_arrays("maxpool_8x512_2x2", json.dumps({"c": 1, "h": 4, "w": 4}), json.dumps(settings))


# ------------------------------------------------------------------------- figures


def _raw_pool(one_ms=100.0, two_ms=62.5, equal=True):
    def run(split, n, ms, alone):
        parts = [{"sendMs": 0.2, "computeMs": ms * 0.9, "copyMs": 1.0, "replyMs": 0.3}] * n
        return {"split": split, "workers": n, "parts": n, "ranges": [], "stitched": split == "rows" and n > 1,
                "check": {"bitEqual": equal, "mismatches": 0, "maxAbsDiff": 0},
                "ms": [ms * 1.1, ms, ms * 0.9], "stitchMs": [2.0, 2.0, 2.0], "lastStitchMs": [1.0, 1.5, 1.0],
                "perPart": parts,
                "aloneComputeMs": alone}
    return {"hardwareConcurrency": 2, "all": 2, "cap": 4, "counts": [1, 2], "startMs": 3000,
            "hold": [], "runs": {"rows:1": run("rows", 1, one_ms * 1.05, []),
                                 "rows:2": run("rows", 2, two_ms, [50.0, 52.0]),
                                 "filters:1": run("filters", 1, one_ms, []),
                                 "filters:2": run("filters", 2, two_ms * 1.2, [55.0])}}


def test_pool_summary_measures_every_split_against_one_whole_conv2d():
    s = browser.pool_summary(_raw_pool())
    assert s["runs"]["filters:1"]["speedup_vs_one"] == pytest.approx(1.0)
    assert s["runs"]["rows:2"]["speedup_vs_one"] == pytest.approx(100 / 62.5)
    assert s["runs"]["rows:1"]["speedup_vs_one"] == pytest.approx(1 / 1.05)
    assert s["runs"]["rows:2"]["alone_compute_median_ms"] == pytest.approx(51.0)
    assert s["runs"]["rows:2"]["bit_equal_to_one_conv2d"] is True


def test_worker_speedup_feeds_the_speed_target_and_the_table():
    workers = {"cases": {"conv_rgb_1024_8x3x3": browser.pool_summary(_raw_pool())}}
    t = workers["cases"]["conv_rgb_1024_8x3x3"]
    workers["speedup"] = t["runs"]["rows:2"]["speedup_vs_one"]
    figure = report.SPEED + "all workers vs one, conv 1024x1024 RGB 8x3x3"
    [target] = [x for x in report.speed_targets([], {}, {}, workers) if x["figure"] == figure]
    assert target["met"] is True and target["value"] == pytest.approx(1.6)
    workers["speedup"] = 1.5
    [target] = [x for x in report.speed_targets([], {}, {}, workers) if x["figure"] == figure]
    assert target["met"] is False
    case = report.case_entry("conv_rgb_1024_8x3x3", {"label": "conv2d 1024x1024 RGB, 8 filters 3x3",
                                                     "kind": "conv"}, 90.0, 20.0)
    rows = report.table_rows({"cases": [case], "workers": workers, "targets": []})
    pool_rows = {r[0]: r for r in rows if r[0].startswith("worker pool:")}
    label = "worker pool: conv2d 1024x1024 RGB, 8 filters 3x3, 2 workers (all), by bands of rows"
    assert label in pool_rows and len(pool_rows) == 4
    row = pool_rows[label]
    assert row[1] == "62.5" and row[6] == "1.60x one worker; bit-equal to one conv2d"
    assert "(part 1 alone 51);" in row[4] and "stitch 2 (1 after the last reply)" in row[4] and "copy out 1/1" in row[4]
    assert "stitch" not in pool_rows[label.replace("bands of rows", "filters")][4]
    assert pool_rows[label.replace("2 workers (all)", "1 worker")][6] == "-; bit-equal to one conv2d"
    differs = {"cases": {"c": browser.pool_summary(_raw_pool(equal=False))}}
    assert all("DIFFERS" in r[6] for r in report.worker_rows(differs))
