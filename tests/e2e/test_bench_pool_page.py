"""The bench page's worker pool (tools/bench/page/pool.mjs) on real Pyodide workers: a conv
split over 1, 2 and 3 workers, by bands of output rows (each worker building its band's
halo rows from the image it holds) and by filters, stitched in the page and compared bit for
bit with one conv2d call in the bench page's own worker; strides that skip rows, dilation,
asymmetric and "same" padding (an even kernel), every padding mode."""
from __future__ import annotations

import pytest

from tools.bench.browser import prepare_bench_dir, wait_ready
from tools.serve import serve_in_thread, server_url

SETTINGS = [
    ({"k": 3}, {"stride": 2, "padding": [2, 1], "dilation": 1, "padding_mode": "reflect"}),
    ({"k": 4}, {"stride": 1, "padding": "same", "dilation": 2, "padding_mode": "circular"}),
    ({"k": 3}, {"stride": 3, "padding": 0, "dilation": 2, "padding_mode": "replicate"}),
    ({"k": 5}, {"stride": 1, "padding": "same", "dilation": 1, "padding_mode": "zeros"}),
]


@pytest.fixture(scope="module")
def bench_page(dist_dir, browser, tmp_path_factory):
    bench_dir = tmp_path_factory.mktemp("dist-bench")
    prepare_bench_dir(dist_dir, bench_dir)
    server, thread = serve_in_thread(bench_dir, host="127.0.0.1", port=0, quiet=True)
    context = browser.new_context()
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server_url(server) + "/bench/index.html")
        wait_ready(page, "[data-testid=bench-status]")
        yield page, errors
    finally:
        context.close()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.parametrize("kernel,settings", SETTINGS, ids=[s["padding_mode"] for _, s in SETTINGS])
def test_pool_parts_stitch_to_one_conv2d_bit_for_bit(bench_page, kernel, settings):
    page, errors = bench_page
    sizes = {"c_in": 3, "h": 23, "w": 17, "c_out": 5, **kernel}
    r = page.evaluate("(req) => window.bench.pool(req)", {
        "case": "conv_rgb_512_8x3x3", "sizes": sizes, "settings": settings,
        "splits": ["rows", "filters"], "counts": [1, 2, 3], "repeats": 1, "warmup": 0})
    assert set(r["runs"]) == {f"{s}:{n}" for s in ("rows", "filters") for n in (1, 2, 3)}
    for key, run in r["runs"].items():
        assert run["check"] == {"bitEqual": True, "mismatches": 0, "maxAbsDiff": 0}, key
        assert run["parts"] == run["workers"] and len(run["ms"]) == 1
        ranges = run["ranges"]
        assert ranges[0][0] == 0 and all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
        assert all(p["computeMs"] >= 0 for p in run["perPart"])
    assert r["runs"]["filters:3"]["ranges"][-1][1] == 5
    assert len(r["hold"]) == 3  # the image went to each worker once
    assert errors == []

