"""The benchmark harness's pure parts (tools/bench/: report.py, browser.py's file work,
cases.py, notebook_reference.py). No browser, no timing assertions: these check that the
harness computes, labels and writes its figures correctly."""
from __future__ import annotations

import ast
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from pycore import ops
from tools.bench import browser, cpython, report
from tools.bench import cases as bench_cases
from tools.bench import notebook_reference as nb

TINY = {
    "conv_gray_512_3x3": {"h": 9, "w": 11},
    "conv_rgb_512_8x3x3": {"h": 7, "w": 6},
    "conv_rgb_512_8x5x5": {"h": 8, "w": 9},
    "conv_rgb_512_8x7x7": {"h": 9, "w": 8},
    "conv_rgb_512_8x11x11": {"h": 12, "w": 11},
    "conv_rgb_1024_8x3x3": {"h": 5, "w": 5},
    "maxpool_8x512_2x2": {"c": 2, "h": 6, "w": 8},
    "avgpool_8x512_2x2": {"c": 2, "h": 6, "w": 8},
    "maxpool_gray_512_2x2": {"h": 7, "w": 9},
    "avgpool_gray_512_2x2": {"h": 7, "w": 9},
    "seed_forward": {"h": 32, "w": 64},
    "digits_train_step": {"batch": 4},
    "digits_train_epoch": {"batch": 16, "train_images": 40},
    "digits_train_to_95": {"train_images": 64, "target": 0.0},
}
TRAIN_KINDS = ("train", "train_epoch", "train_to")


def _network_available() -> bool:
    try:
        import pycore.network  # noqa: F401
    except ImportError:
        return False
    return True


# ------------------------------------------------------------------------ bench_cases


def test_every_case_has_tiny_sizes_in_this_test():
    assert set(TINY) == set(bench_cases.CASES)


@pytest.mark.parametrize("case_id", sorted(bench_cases.CASES))
def test_each_case_runs_on_tiny_sizes(case_id):
    spec = bench_cases.CASES[case_id]
    if spec["kind"] in ("network", *TRAIN_KINDS) and not _network_available():
        pytest.skip("pycore.network is not in this tree yet")
    sizes = bench_cases.case_sizes(case_id, TINY[case_id])
    out = bench_cases.make(case_id, TINY[case_id])()
    if spec["kind"] == "conv":
        assert out.shape == (sizes["c_out"], sizes["h"], sizes["w"])  # 'same' padding
        assert out.dtype == np.float32
    elif spec["kind"] == "pool":
        assert out.shape == (sizes["c"], sizes["h"] // 2, sizes["w"] // 2)
    elif spec["kind"] == "network":
        assert np.asarray(out).shape == (10,)
    elif spec["kind"] == "train":
        assert np.isfinite(out) and out > 0                # a cross-entropy loss
    elif spec["kind"] == "train_epoch":
        assert 0 <= out <= 1                               # the epoch's test accuracy
    elif spec["kind"] == "train_to":
        assert out == 1.0                                  # any accuracy >= 0: the first epoch
    else:
        raise AssertionError(f"no check for kind {spec['kind']!r}")


def _cli_trainer(data, **settings):
    """A Trainer made as `pycore train --preset digits` makes it, with these settings."""
    from pycore import presets, train

    spec = train.fit_spec(presets.get_preset("digits")["spec"], len(data.classes))
    s = train.TrainSettings(**settings)
    return train.Trainer(train.make_network(spec, data.input_shape, seed=s.seed, dtype=s.dtype), data, s)


def test_train_step_case_is_the_command_lines_trainer_on_one_long_epoch():
    step = bench_cases.make("digits_train_step", {"batch": 8})
    got = [step() for _ in range(5)]
    data = bench_cases.train_data(bench_cases.case_sizes("digits_train_step"))
    assert len(data.y_train) == 1437
    reps = -(-bench_cases.STEP_CASE_EPOCH_BATCHES * 8 // len(data.y_train))
    long = type(data)(data.name, np.concatenate([data.x_train] * reps), np.concatenate([data.y_train] * reps),
                      data.x_test, data.y_test, data.classes)
    ref = _cli_trainer(long, epochs=1, batch_size=8)
    assert ref.steps_per_epoch >= bench_cases.STEP_CASE_EPOCH_BATCHES
    assert got == ref.step(5)["losses"]


def test_train_epoch_and_to_95_cases_train_as_the_command_line_does():
    sizes = bench_cases.case_sizes("digits_train_epoch", TINY["digits_train_epoch"])
    epoch = bench_cases.make("digits_train_epoch", TINY["digits_train_epoch"])
    accs = [epoch(), epoch()]
    data = bench_cases.train_data(sizes)
    assert len(data.y_train) == 40 and len(data.y_test) == 360
    ref = _cli_trainer(data, epochs=2, batch_size=16)
    assert [h["test_accuracy"] for h in ref.run_epochs()] == accs
    # to 95%: the epochs it took, or an error (not a time) when the target is out of reach
    made = bench_cases.make("digits_train_to_95", {"train_images": 200, "target": 0.5})
    epochs = made()
    ref = _cli_trainer(bench_cases.train_data({"data": "digits", "train_images": 200}))
    accs = [h["test_accuracy"] for h in ref.run_epochs()]
    assert epochs == 1 + next(i for i, a in enumerate(accs) if a >= 0.5)
    unreachable = bench_cases.make("digits_train_to_95", {"train_images": 20, "target": 1.01})
    with pytest.raises(RuntimeError, match="not 1.01"):
        unreachable()


def test_conv_case_is_pycore_conv2d_on_seeded_float32_inputs():
    sizes = bench_cases.case_sizes("conv_rgb_512_8x3x3", TINY["conv_rgb_512_8x3x3"])
    x, w = bench_cases.conv_inputs(sizes, "conv_rgb_512_8x3x3")
    x2, w2 = bench_cases.conv_inputs(sizes, "conv_rgb_512_8x3x3")
    assert x.dtype == w.dtype == np.float32
    assert np.array_equal(x, x2) and np.array_equal(w, w2)  # seeded
    got = bench_cases.make("conv_rgb_512_8x3x3", TINY["conv_rgb_512_8x3x3"])()
    assert np.array_equal(got, ops.conv2d(x, w, padding="same"))


def test_time_case_returns_one_duration_per_repeat():
    r = bench_cases.time_case("avgpool_gray_512_2x2", TINY["avgpool_gray_512_2x2"],
                              repeats=3, warmup=1)
    assert r["case"] == "avgpool_gray_512_2x2"
    assert len(r["ms"]) == 3 and all(isinstance(v, float) and v >= 0 for v in r["ms"])
    assert r["sizes"]["h"] == 7 and r["sizes"]["c"] == 1
    assert "perf_counter" in r["clock"]


def test_run_json_answers_and_reports_errors_as_data():
    info = json.loads(bench_cases.run_json('{"op": "info"}'))
    assert info["numpy"] == np.__version__
    timed = json.loads(bench_cases.run_json(json.dumps(
        {"op": "time", "case": "maxpool_gray_512_2x2", "sizes": {"h": 4, "w": 4},
         "repeats": 2, "warmup": 0})))
    assert len(timed["ms"]) == 2
    assert "error" in json.loads(bench_cases.run_json('{"op": "nope"}'))
    assert "KeyError" in json.loads(bench_cases.run_json(
        '{"op": "time", "case": "no_such_case"}'))["error"]


def test_peer_arrays_are_inputs_and_pycore_output():
    x, w, out = bench_cases.peer_arrays("conv_gray_512_3x3", json.dumps({"h": 6, "w": 5}))
    assert x.shape == (1, 6, 5) and w.shape == (3, 1, 3, 3) and out.shape == (3, 6, 5)
    assert all(a.dtype == np.float32 and a.flags.c_contiguous for a in (x, w, out))
    assert np.array_equal(out, ops.conv2d(x, w, padding="same"))
    x, w, out = bench_cases.peer_arrays("maxpool_8x512_2x2", json.dumps({"c": 2, "h": 4, "w": 6}))
    assert w.size == 0 and out.shape == (2, 2, 3)


def test_bench_cases_imports_only_what_pyodide_has():
    """The page writes this file into Pyodide alone: no tools.* or third-party imports."""
    tree = ast.parse(Path(bench_cases.__file__).read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[0])
    assert names <= {"__future__", "json", "platform", "sys", "time", "numpy", "pycore", "js"}


# --------------------------------------------------------------- notebook reference


def _gray(h=7, w=9, seed=1):
    return np.random.default_rng(seed).standard_normal((h, w))


def test_notebook_convlayer_matches_pycore_valid_conv():
    x = _gray()
    filters = [np.array([[2, 4, -2], [4, 0, -4], [2, -4, -2]], float),
               np.random.default_rng(2).standard_normal((3, 3)),
               np.random.default_rng(3).standard_normal((2, 4))]
    for f in filters:
        ref = ops.conv2d(x, f)[0]  # (1, H', W') -> (H', W'); valid, no flip
        got = nb.ConvLayer([f], activation=nb.identity).predict(x)[0]
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)
        got_relu = nb.ConvLayer([f]).predict(x)[0]  # the notebook's default: relu
        np.testing.assert_allclose(got_relu, np.maximum(ref, 0), rtol=1e-12, atol=1e-12)


def test_notebook_poollayer_matches_pycore_pools():
    x = _gray(7, 9)  # odd sizes: the notebook drops the ragged edge, like ceil_mode=False
    np.testing.assert_array_equal(nb.PoolLayer(max, (2, 2)).predict(x), ops.max_pool2d(x, 2))
    np.testing.assert_allclose(nb.PoolLayer(nb.mean, (2, 2)).predict(x), ops.avg_pool2d(x, 2),
                               rtol=1e-12)
    np.testing.assert_array_equal(nb.PoolLayer(max, (3, 2)).predict(x),
                                  ops.max_pool2d(x, (3, 2)))


def test_notebook_ndpooler_matches_pycore_on_channels_last():
    x = np.random.default_rng(4).standard_normal((3, 6, 8))  # (C, H, W)
    hwc = x.transpose(1, 2, 0)
    got = nb.NDPooler(max, (2, 2), channels=3).predict(hwc).transpose(2, 0, 1)
    np.testing.assert_array_equal(got, ops.max_pool2d(x, 2))
    got = nb.NDPooler(nb.mean, (2, 2), channels=3).predict(hwc).transpose(2, 0, 1)
    np.testing.assert_allclose(got, ops.avg_pool2d(x, 2), rtol=1e-12)


def test_notebook_call_runs_on_the_cases_own_inputs():
    sizes = {"h": 8, "w": 10}
    fn, note = cpython.notebook_call("conv_gray_512_3x3", sizes)
    pycore_same = bench_cases.make("conv_gray_512_3x3", sizes)()
    # the notebook is 'valid': pycore's 'same' output without its 1-pixel border
    np.testing.assert_allclose(fn(), pycore_same[:, 1:-1, 1:-1], rtol=1e-5, atol=1e-5)
    assert "valid" in note
    fn, _ = cpython.notebook_call("avgpool_8x512_2x2", {"c": 2, "h": 4, "w": 6})
    expect = bench_cases.make("avgpool_8x512_2x2", {"c": 2, "h": 4, "w": 6})()
    np.testing.assert_allclose(fn().transpose(2, 0, 1), expect, rtol=1e-6)
    assert cpython.notebook_call("conv_rgb_512_8x3x3") is None  # no notebook peer


# ----------------------------------------------------------------- statistics, targets


def test_median_and_nearest_rank_percentile():
    vals = list(range(1, 31))
    assert report.median(vals) == 15.5
    assert report.percentile(vals, 95) == 29  # nearest rank: ceil(0.95 * 30) = 29th
    assert report.percentile(vals, 50) == 15
    assert report.percentile(vals, 100) == 30
    assert report.percentile([7.0], 95) == 7.0
    assert report.percentile([], 95) is None and report.median([]) is None
    assert report.ratio(3.0, 2.0) == 1.5 and report.ratio(None, 2) is None
    assert report.ratio(1, 0) is None


def _case(cid, kind, b, c, wasm=None, cpu=None, notebook=None):
    spec = {"label": cid.replace("_", " "), "kind": kind}
    return report.case_entry(cid, spec, b, c, {"tfjs_wasm_ms": wasm, "tfjs_cpu_ms": cpu,
                                              "notebook_ms": notebook})


def _results():
    cases = [
        _case("conv_a", "conv", 30.0, 20.0, wasm=10.0, cpu=60.0, notebook=3000.0),
        _case("conv_b", "conv", 90.0, 10.0, wasm=5.0, cpu=80.0),
        _case("pool_a", "pool", 4.0, None),
        _case("seed_forward", "network", 1200.0, 30.0),
        _case("digits_train_to_95", "train_to", 3200.0, 900.0),
    ]
    startup = {"cold_ms": 4000.0, "warm_ms": 2000.0, "cold_bytes": 21_000_000,
               "warm_bytes": 5000}
    latency = {"median_ms": 60.0, "p95_ms": 140.0, "edits": 30}
    return {"machine": {"cpu_model": "Test CPU", "cores": 2, "memory_bytes": 2**34,
                        "mode": "quick", "date": "2025-01-01T00:00:00+00:00",
                        "git_commit": "0123456789abcdef"},
            "cases": cases, "startup": startup, "latency": latency,
            "targets": report.evaluate_targets(cases, startup, latency)}


def _target(results, figure, case=None):
    found = [t for t in results["targets"] if t["figure"] == figure and t["case"] == case]
    assert len(found) == 1, (figure, case, results["targets"])
    return found[0]


def test_targets_are_evaluated_as_the_issue_states():
    r = _results()
    assert _target(r, "browser / CPython", "conv_a")["met"] is True        # 1.5 <= 2
    assert _target(r, "browser / CPython", "conv_b")["met"] is False       # 9 > 2
    assert _target(r, "browser / CPython", "pool_a")["met"] is None        # no CPython figure
    t = _target(r, "notebook loops / pycore (CPython), speed-up", "conv_a")
    assert t["value"] == pytest.approx(150.0) and t["met"] is True
    assert _target(r, "pycore (browser) / TF.js cpu", "conv_a")["met"] is True   # 30 < 60
    assert _target(r, "pycore (browser) / TF.js cpu", "conv_b")["met"] is False  # 90 > 80
    wasm = _target(r, "pycore (browser) / TF.js wasm", "conv_b")
    assert wasm["value"] == pytest.approx(18.0) and wasm["met"] is None  # reported only
    assert _target(r, "notebook network forward, browser", "seed_forward")["met"] is False
    assert _target(r, "train digits to 95%, browser", "digits_train_to_95")["met"] is True   # 3.2 s < 5 s
    assert _target(r, "edit -> redraw p95")["met"] is True
    assert _target(r, "cold start to ready")["met"] is True
    assert _target(r, "bytes transferred, cold start")["met"] is False  # 21 MB >= 20 MB
    # pools have no TF.js target; conv has no forward target
    assert not [t for t in r["targets"] if t["case"] == "pool_a" and "TF.js" in t["figure"]]


def test_speed_issue_targets_are_reported_per_case_and_overall():
    r = _results()
    cases = r["cases"] + [
        report.case_entry("conv_rgb_512_8x11x11", {"label": "conv 11", "kind": "conv"}, 60.0, 50.0,
                          {"tfjs_wasm_ms": 70.0}),
        report.case_entry("avgpool_8x512_2x2", {"label": "avg", "kind": "pool"}, 1.6, 1.0),
    ]
    targets = report.speed_targets(cases, r["startup"], r["latency"], {"speedup": 1.2})
    by = {(t["figure"].removeprefix(report.SPEED), t["case"]): t for t in targets}
    assert by[("browser / CPython", "conv_rgb_512_8x11x11")]["met"] is True       # 1.2 <= 1.5
    assert by[("pycore (browser) / TF.js wasm", "conv_rgb_512_8x11x11")]["met"] is True  # 60 < 70
    assert by[("browser / CPython", "avgpool_8x512_2x2")]["met"] is False          # 1.6 > 1.5
    assert by[("browser / CPython", "seed_forward")]["met"] is False               # 40 > 3
    assert ("browser / CPython", "conv_a") not in by                               # not an issue case
    assert by[("all workers vs one, conv 1024x1024 RGB 8x3x3", None)]["met"] is False
    assert by[("edit -> redraw p95", None)]["met"] is False                        # 140 > 50
    assert by[("bytes transferred, cold start", None)]["met"] is False             # 21 MB > 9 MB
    assert by[("warm start / cold start", None)]["value"] == pytest.approx(0.5)
    assert by[("warm start / cold start", None)]["met"] is True
    unknown = report.speed_targets([], {}, {})
    assert all(t["met"] is None for t in unknown) and len(unknown) == 4
    r["targets"] += targets
    labels = [row[0] for row in report.table_rows(r)]
    assert "warm start / cold start" in labels and "all workers vs one, conv 1024x1024 RGB" in labels


def test_a_missing_figure_is_unknown_not_met():
    targets = report.evaluate_targets([], {}, {})
    assert {t["figure"] for t in targets} == {"edit -> redraw p95", "cold start to ready",
                                             "bytes transferred, cold start",
                                             "sliding-window explorer, 32x32, steps/s"}
    assert all(t["met"] is None for t in targets)


# ---------------------------------------------------------------------- table, README


def test_table_says_which_targets_were_missed():
    r = _results()
    rows = report.table_rows(r)
    assert rows[0] == ["Case", "Browser ms", "CPython ms", "Browser/CPython", "Peers (ms)",
                       "Targets", "Result"]
    assert all(len(row) == len(rows[0]) for row in rows)
    by_case = {row[0]: row for row in rows}
    a, b = by_case["conv a"], by_case["conv b"]
    assert a[1:4] == ["30", "20", "1.50"]
    assert "TF.js wasm 10, cpu 60" in a[4] and "notebook 3000" in a[4]
    assert a[6] == "met"
    assert b[6].startswith("MISSED") and "browser/CPython <= 2x (is 9)" in b[6]
    assert "vs TF.js cpu < 1x" in b[6] and "18x TF.js wasm" in b[5]
    assert "browser/CPython <= 2x: is 9 (missed)" in b[5]
    assert "vs notebook >= 100x: is 150 (met)" in a[5]
    assert by_case["pool a"][6].startswith("not measured")
    assert by_case["bytes transferred, cold start"][1] == "21.0 MB"
    assert by_case["bytes transferred, cold start"][6].startswith("MISSED")
    assert by_case["edit -> redraw, p95"][6] == "met"
    assert by_case["bytes transferred, warm start"][1] == "5.0 kB"
    text = report.format_text(rows)
    assert text.splitlines()[1].startswith("----")
    assert len(text.splitlines()) == len(rows) + 1


def test_markdown_table_escapes_pipes():
    md = report.format_markdown([["a", "b"], ["x | y", "2"]])
    lines = md.splitlines()
    assert lines[0] == "| a | b |" and lines[1] == "| --- | --- |"
    assert lines[2] == "| x \\| y | 2 |"


def test_readme_section_is_appended_once_then_replaced():
    section = report.readme_section(_results())
    assert section.startswith(report.README_BEGIN) and section.endswith(report.README_END)
    assert "Test CPU" in section and "--quick" in section and "`0123456789`" in section
    text = "# Title\n\n## Tests\n\nSome text.\n"
    once = report.update_readme(text, section)
    assert once.startswith(text) and once.count("## Performance") == 1
    again = report.update_readme(once + "\n## Later section\n", "NEW")
    assert report.README_BEGIN not in again and "NEW" in again
    assert again.count("## Performance") == 1 and again.endswith("## Later section\n")
    assert "Some text." in again


# ------------------------------------------------------------------------ JSON, files


def test_results_json_has_the_issue_shape(tmp_path):
    r = _results()
    assert report.check_schema(r) == []
    path = tmp_path / "bench-results.json"
    report.write_json(r, path)
    back = json.loads(path.read_text())
    assert list(back)[:5] == ["machine", "cases", "startup", "latency", "targets"]
    c = back["cases"][0]
    assert list(c)[:5] == ["case", "browser_ms", "cpython_ms", "ratio", "peer"]
    assert set(c["peer"]) == {"tfjs_wasm_ms", "tfjs_cpu_ms", "notebook_ms"}
    assert isinstance(c["browser_ms"], float) and c["ratio"] == pytest.approx(1.5)
    assert back["cases"][2]["cpython_ms"] is None and back["cases"][2]["ratio"] is None
    assert not (tmp_path / "bench-results.json.tmp").exists()


def test_check_schema_names_problems():
    bad = {"cases": [{"case": 3, "browser_ms": 1, "peer": {}}]}
    problems = report.check_schema(bad)
    assert "missing top-level key 'machine'" in problems
    assert "cases[0] has no 'cpython_ms'" in problems
    assert "cases[0].case is not a string" in problems
    assert "cases[0].browser_ms is int, not float or null" in problems
    assert "cases[0].peer has no 'tfjs_wasm_ms'" in problems


def test_json_refuses_nan(tmp_path):
    with pytest.raises(ValueError):
        report.write_json({"x": float("nan")}, tmp_path / "r.json")


def test_png_bytes_is_a_valid_rgb_png():
    data = browser.png_bytes(6, 9, seed=3)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, color = struct.unpack(">IIBB", data[16:26])
    assert (width, height, depth, color) == (9, 6, 8, 2)
    start = data.index(b"IDAT") + 4
    (length,) = struct.unpack(">I", data[start - 8:start - 4])
    raw = zlib.decompress(data[start:start + length])
    assert len(raw) == 6 * (1 + 9 * 3)
    assert browser.png_bytes(6, 9, seed=3) == data  # seeded
    try:
        from PIL import Image
    except ImportError:
        return
    import io

    img = Image.open(io.BytesIO(data))
    assert img.size == (9, 6) and img.mode == "RGB"


def test_prepare_bench_dir_copies_dist_page_and_tfjs_only_there(tmp_path):
    dist = tmp_path / "dist"
    (dist / "pyodide").mkdir(parents=True)
    (dist / "index.html").write_text("product")
    (dist / "pyodide" / "pyodide.mjs").write_text("runtime")
    nm = tmp_path / "node_modules"
    for pkg, files in browser.TFJS_FILES.items():
        (nm / pkg / "dist").mkdir(parents=True)
        (nm / pkg / "package.json").write_text(json.dumps({"version": "9.9.9"}))
        for f in files:
            (nm / pkg / f).write_text(f"// {f}")
    out = tmp_path / "dist-bench"
    (out / "stale").mkdir(parents=True)
    versions = browser.prepare_bench_dir(dist, out, nm)
    assert versions == {pkg: "9.9.9" for pkg in browser.TFJS_FILES}
    assert not (out / "stale").exists()
    assert (out / "index.html").read_text() == "product"
    assert (out / "pyodide" / "pyodide.mjs").is_file()
    page = out / "bench"
    for name in ("index.html", "bench.mjs", "py_worker.mjs", "tfjs_worker.js", "bench_cases.py"):
        assert (page / name).is_file(), name
    assert (page / "bench_cases.py").read_text() == Path(bench_cases.__file__).read_text()
    assert (page / "tfjs" / "tfjs-backend-wasm-simd.wasm").is_file()
    assert sorted(p.name for p in dist.rglob("*")) == ["index.html", "pyodide", "pyodide.mjs"]


def test_prepare_bench_dir_explains_a_missing_tfjs(tmp_path):
    dist = tmp_path / "dist"
    dist.mkdir()
    with pytest.raises(RuntimeError, match="npm ci"):
        browser.prepare_bench_dir(dist, tmp_path / "out", tmp_path / "empty_node_modules")


def test_bench_page_workers_reference_files_that_exist():
    page = browser.PAGE_SRC
    worker = (page / "tfjs_worker.js").read_text()
    for files in browser.TFJS_FILES.values():
        for f in files:
            if f.endswith(".js"):
                assert f"./tfjs/{Path(f).name}" in worker
    # py_worker.mjs runs from dist-bench/bench/ and shares the page's loader (dist/js/core/),
    # which imports Pyodide from dist/pyodide/: both relative paths must land on those files.
    assert 'from "../js/core/pyodide-loader.js"' in (page / "py_worker.mjs").read_text()
    loader = browser.ROOT / "web" / "js" / "core" / "pyodide-loader.js"
    assert loader.is_file()
    assert 'from "../../pyodide/pyodide.mjs"' in loader.read_text()
    assert "./bench.mjs" in (page / "index.html").read_text()


def test_explorer_steps_target_is_evaluated_and_shown():
    met = report.evaluate_targets([], {}, {}, {"steps_per_s": 850.0})
    slow = report.evaluate_targets([], {}, {}, {"steps_per_s": 12.0})
    missing = report.evaluate_targets([], {}, {}, None)

    def pick(targets):
        return next(t for t in targets if t["figure"].startswith("sliding-window explorer"))

    assert pick(met)["met"] is True and pick(slow)["met"] is False and pick(missing)["met"] is None
    r = _results()
    r["explorer"] = {"steps_per_s": 850.0, "per_frame_steps_per_s": 58.0}
    r["targets"] = report.evaluate_targets(r["cases"], r["startup"], r["latency"], r["explorer"])
    row = next(row for row in report.table_rows(r) if row[0].startswith("sliding-window explorer"))
    assert row[1] == "850" and "58" in row[0] and row[-1] == "met"
