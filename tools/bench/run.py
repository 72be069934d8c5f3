"""`python3 build.py bench [--quick]`: how fast pycore is in the browser, against references.

One run on one machine:

1. builds dist/ (tools.dist.build()) and copies it, with tools/bench/page/, tools/bench/cases.py
   and TF.js's browser bundles from node_modules, into dist-bench/ (git-ignored; the
   product's dist/ and web/ are never touched);
2. serves dist-bench/ on 127.0.0.1 and drives headless Chromium with Playwright (the flags
   of the e2e tests). Each case of tools/bench/cases.py is timed in CPython (this process)
   and right after in Pyodide on the bench page (dist-bench/bench/), so both see the same
   machine load; then TF.js cpu and wasm on pycore's own inputs (each checked against
   pycore's output); then the notebook's own loops (tools/bench/notebook_reference.py, CPython);
   then the product page's cold and warm start, bytes transferred, and its kernel-edit ->
   redraw latency;
3. prints a table, writes bench-results.json at the repository root and, with
   --update-readme, the table in README.md between the bench markers.

The targets are reported, never enforced: the exit status is 0 whether they are met or not
(non-zero only when the benchmark itself could not run).

    python3 build.py bench [--quick] [--update-readme] [--cases ID,ID] [--output PATH]
"""
from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

from tools.bench.browser import (
    BENCH_DIR,
    POOL_CASES,
    VIEWPORT,
    measure_browser_cases,
    measure_explorer,
    measure_latency,
    measure_startup,
    measure_tfjs,
    measure_workers,
    png_bytes,
    prepare_bench_dir,
    settle,
    wait_ready,
)
from tools.bench.cpython import measure_cpython, measure_notebook
from tools.bench.machine import load_average, machine_info
from tools.bench.modes import MODES
from tools.bench.report import (
    case_entry,
    check_schema,
    evaluate_targets,
    format_text,
    machine_summary,
    readme_section,
    speed_targets,
    table_rows,
    update_readme,
    write_json,
)
from tools.chromium import CHROMIUM_ARGS, ensure_chromium, find_chromium
from tools.dist import build
from tools.project import DIST_DIR, PYODIDE_VERSION, ROOT, BuildError, git, log, relative
from tools.python_deps import ensure_test_deps
from tools.serve import serve_in_thread, server_url

RESULTS_PATH = ROOT / "bench-results.json"
README_PATH = ROOT / "README.md"


def run_measurements(case_ids, mode: dict, png: Path, results: dict) -> None:
    """Everything, into `results` ("cpython", "notebook", "browser"), as it is measured.

    The bench page is loaded first; then each case is timed in CPython and at once in the
    browser, so both runtimes see the same machine load (this is a shared 2-core machine:
    other work shows up in both, not in one). TF.js next, then, with the bench page
    closed, the notebook's loops (CPython), the product page's start-up and latency."""
    from playwright.sync_api import sync_playwright  # the test extra, installed by main()

    cpy, brw = results.setdefault("cpython", {}), results.setdefault("browser", {"errors": []})
    server, thread = serve_in_thread(BENCH_DIR, host="127.0.0.1", port=0, quiet=True)
    base = server_url(server)
    try:
        with sync_playwright() as pw:
            exe = find_chromium(pw)
            if exe is None:
                raise RuntimeError("no Chromium found (python3 build.py test installs it)")
            browser = pw.chromium.launch(headless=True, executable_path=exe,
                                         args=CHROMIUM_ARGS)
            brw["chromium"] = browser.version
            brw["chromium_path"] = exe

            def new_context():
                return browser.new_context(viewport=VIEWPORT)

            def launch_profile(profile_dir):
                return pw.chromium.launch_persistent_context(
                    profile_dir, headless=True, executable_path=exe, args=CHROMIUM_ARGS,
                    viewport=VIEWPORT)

            try:
                ctx = new_context()
                try:
                    page = ctx.new_page()
                    page.on("console", lambda m: m.type == "error"
                            and brw["errors"].append("bench page console: " + m.text))
                    page.goto(base + "/bench/index.html")
                    wait_ready(page, "[data-testid=bench-status]")
                    brw["pyodide_load_ms"] = page.evaluate(
                        "window.bench.pyReady.then(r => r.loadMs)")
                    brw["pyodide_info"] = page.evaluate("(r) => window.bench.py(r)",
                                                        {"op": "info"})
                    brw["tfjs_info"] = page.evaluate("window.bench.tfInfo()")
                    log("bench: settling: every case once in CPython and in the browser")
                    settle(page, case_ids)
                    log("bench: each case in CPython (this process), then in the browser")
                    brw["cases"] = {}
                    for cid in case_ids:
                        cpy.update(measure_cpython([cid], mode))
                        brw["cases"].update(measure_browser_cases(page, [cid], mode))
                    log("bench: TF.js in the browser, on pycore's inputs")
                    brw["tfjs"] = measure_tfjs(page, case_ids, mode)
                    pool_cases = [c for c in POOL_CASES if c in case_ids]
                    if pool_cases:
                        log("bench: the worker pool (1, 2 and all workers)")
                        try:
                            brw["workers"] = measure_workers(page, mode, pool_cases)
                        except Exception as exc:
                            msg = f"workers: {type(exc).__name__}: {exc}"
                            brw["errors"].append(msg)
                            log("  ERROR " + msg)
                finally:
                    ctx.close()

                log("bench: the notebook's loops (CPython)")
                results["notebook"] = measure_notebook(case_ids, mode)

                log("bench: the product page")
                for name, fn in (
                    ("startup", lambda: measure_startup(launch_profile, base,
                                                        mode["startup_runs"])),
                    ("latency", lambda: measure_latency(browser, base, mode["edits"],
                                                        new_context, png)),
                    ("explorer", lambda: measure_explorer(new_context, base)),
                ):
                    try:
                        brw[name] = fn()
                    except Exception as exc:
                        msg = f"{name}: {type(exc).__name__}: {exc}"
                        brw["errors"].append(msg)
                        log("  ERROR " + msg)
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def assemble(case_ids, cpy: dict, nbk: dict, brw: dict, machine: dict, mode_name: str,
             mode: dict) -> dict:
    from tools.bench import cases as bc

    cases = []
    for cid in case_ids:
        spec = bc.CASES[cid]
        c, b = cpy.get(cid, {}), (brw.get("cases") or {}).get(cid, {})
        t, nb = (brw.get("tfjs") or {}).get(cid, {}), nbk.get(cid, {})
        peer = {"tfjs_wasm_ms": (t.get("wasm") or {}).get("median"),
                "tfjs_cpu_ms": (t.get("cpu") or {}).get("median"),
                "notebook_ms": nb.get("median")}
        errors = [f"{where}: {d['error']}" for where, d in
                  (("CPython", c), ("browser", b), ("notebook", nb),
                   ("TF.js cpu", t.get("cpu") or {}), ("TF.js wasm", t.get("wasm") or {}))
                  if d.get("error")]
        detail = {
            "sizes": bc.case_sizes(cid),
            "browser_runs_ms": b.get("ms"), "cpython_runs_ms": c.get("ms"),
            "browser_min_ms": min(b["ms"]) if b.get("ms") else None,
            "cpython_min_ms": min(c["ms"]) if c.get("ms") else None,
            "cpython_blas_threads": c.get("blas_threads"),
            "cpython_default_threads_ms": c.get("median_default_threads"),
            "cpython_default_threads_runs_ms": c.get("ms_default_threads"),
            "browser_setup_ms": b.get("setup_ms"), "cpython_setup_ms": c.get("setup_ms"),
            "load_1min": {"cpython": c.get("load_1min"), "browser": b.get("load_1min")},
            "notebook_runs_ms": nb.get("ms"), "notebook": nb.get("note"),
            "tfjs": t or None,
        }
        if nb.get("median") and b.get("median"):
            detail["notebook_cpython_over_pycore_browser"] = nb["median"] / b["median"]
        cases.append(case_entry(cid, spec, b.get("median"), c.get("median"), peer, detail,
                                "; ".join(errors) or None))
    startup = brw.get("startup") or {}
    latency = brw.get("latency") or {}
    explorer = brw.get("explorer") or {}
    results = {"machine": machine, "cases": cases, "startup": startup, "latency": latency}
    results["targets"] = (evaluate_targets(cases, startup, latency, explorer)
                          + speed_targets(cases, startup, latency, brw.get("workers")))
    results["explorer"] = explorer
    if brw.get("workers"):
        results["workers"] = brw["workers"]
    if brw.get("errors"):
        results["errors"] = brw["errors"]
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build.py bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer repeats (under 5 minutes on a 2-core machine)")
    parser.add_argument("--update-readme", action="store_true",
                        help="write the table into README.md between the bench markers")
    parser.add_argument("--cases", default="",
                        help="comma-separated case ids (default: all); see tools/bench/cases.py")
    parser.add_argument("--output", default=str(RESULTS_PATH), help="where to write the JSON")
    args = parser.parse_args(argv)

    from tools.bench import cases as bc  # imports numpy, which ensure_test_deps() installs

    t_start = time.monotonic()
    mode_name = "quick" if args.quick else "full"
    mode = MODES[mode_name]
    case_ids = [c for c in (args.cases.split(",") if args.cases else bc.CASES) if c]
    unknown = [c for c in case_ids if c not in bc.CASES]
    if unknown:
        log(f"bench: unknown case(s) {unknown}; known: {', '.join(bc.CASES)}")
        return 2

    log(f"bench ({mode_name}): setting up")
    try:
        ensure_test_deps()  # Playwright (and Pillow, pytest): the test extra
        ensure_chromium()
        info = build()
    except BuildError as exc:
        log(f"bench: build failed: {exc}")
        return 1
    tfjs_versions = prepare_bench_dir(DIST_DIR)
    log(f"bench: {relative(BENCH_DIR)} ready (dist/ + bench page + TF.js "
        f"{', '.join(f'{k}@{v}' for k, v in tfjs_versions.items())})")
    t_setup = time.monotonic() - t_start

    machine = machine_info()
    machine.update(mode=mode_name, repeats=mode, git_commit=git("rev-parse", "HEAD"),
                   pycore_wheel_commit=info.get("git_commit"), git_dirty=info.get("git_dirty"),
                   date=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat())

    machine["method"] = {
        "timing": ("median of the repeats, each timed inside its runtime (Pyodide: "
                   "performance.now() in the worker; CPython: time.perf_counter()); inputs "
                   "are built and warm-up runs done outside the timing"),
        "order": ("every case is run once in both runtimes first (settling allocators), "
                  "then each case is timed in CPython and right after in the browser"),
        "cpython_blas": "OpenBLAS pinned to 1 thread (see blas_env_note)",
        "tfjs": ("the op call alone (the cpu and wasm backends compute eagerly), on "
                 "pycore's inputs transposed to NHWC/HWIO outside the timing; its output "
                 "is compared with pycore's"),
        "notebook": ("tools/bench/notebook_reference.py in CPython, timed once (quick) or 3 times; "
                     "the speed-up target compares it with pycore in CPython"),
    }
    machine["load_average_1min"] = {"before": load_average()}
    png = BENCH_DIR / "bench-input-512.png"
    png.write_bytes(png_bytes(512, 512, seed=0))
    measured: dict = {}
    try:
        run_measurements(case_ids, mode, png, measured)
    except Exception as exc:
        log(f"bench: the browser part failed: {type(exc).__name__}: {exc}")
        measured.setdefault("browser", {"errors": []})["errors"].append(
            f"{type(exc).__name__}: {exc}")
    cpy = measured.get("cpython") or {}
    missing = [c for c in case_ids if c not in cpy]
    if missing:  # the browser never came up: CPython alone still says something
        log("bench: CPython (this process)")
        cpy.update(measure_cpython(missing, mode))
    nbk = measured.get("notebook")
    if nbk is None:
        log("bench: the notebook's loops (CPython)")
        nbk = measure_notebook(case_ids, mode)
    brw = measured.get("browser") or {}

    pinfo = brw.get("pyodide_info") or {}
    tinfo = brw.get("tfjs_info") or {}
    machine.update(
        chromium=brw.get("chromium"), pyodide=PYODIDE_VERSION,
        pyodide_python=pinfo.get("python"), pyodide_numpy=pinfo.get("numpy"),
        pyodide_load_ms=brw.get("pyodide_load_ms"),
        tfjs=tinfo.get("version"),
        tfjs_wasm={"simd": tinfo.get("wasmSimd"), "threads": tinfo.get("wasmThreads"),
                   "cross_origin_isolated": tinfo.get("crossOriginIsolated")} if tinfo else None,
        tfjs_packages=tfjs_versions,
        seconds={"setup": round(t_setup, 1), "total": None},
    )
    results = assemble(case_ids, cpy, nbk, brw, machine, mode_name, mode)
    machine["seconds"]["total"] = round(time.monotonic() - t_start, 1)
    machine["load_average_1min"]["after"] = load_average()
    machine["load_average_note"] = ("1-minute load average of the whole machine before and "
                                    "after the run; above the core count means other work "
                                    "(not this benchmark) shared the CPUs")
    problems = check_schema(results)
    if problems:
        log("bench: results do not have the expected shape: " + "; ".join(problems))
    out_path = Path(args.output)
    write_json(results, out_path)

    log("")
    log(f"Machine: {machine_summary(machine)}")
    log(format_text(table_rows(results)))
    log("")
    log(f"wrote {out_path} in {machine['seconds']['total']:.0f} s ({mode_name} mode)")
    if args.update_readme:
        README_PATH.write_text(update_readme(README_PATH.read_text(encoding="utf-8"),
                                             readme_section(results)), encoding="utf-8")
        log(f"updated the Performance table in {README_PATH.name}")
    return 0
