"""The browser side: dist-bench/ (dist/ plus the bench page), then what Playwright measures
in headless Chromium: each case in Pyodide, TF.js on pycore's inputs, and the product page's
start-up, bytes transferred, edit -> redraw latency and sliding-window explorer."""
from __future__ import annotations

import re
import shutil
import struct
import tempfile
import time
import zlib
from pathlib import Path

from tools.bench.machine import load_average, openblas
from tools.bench.modes import case_repeats
from tools.bench.report import byte_size, median, percentile, runs_text, short_number
from tools.npm import installed_version
from tools.project import NODE_MODULES, ROOT, log

BENCH_DIR = ROOT / "dist-bench"
PAGE_SRC = Path(__file__).resolve().parent / "page"
CASES_SRC = Path(__file__).resolve().parent / "cases.py"

# Files of the npm packages the bench page loads (UMD bundles for a classic worker, and
# the wasm backend's binaries, which ship inside its npm package).
TFJS_FILES = {
    "@tensorflow/tfjs-core": ["dist/tf-core.min.js"],
    "@tensorflow/tfjs-backend-cpu": ["dist/tf-backend-cpu.min.js"],
    "@tensorflow/tfjs-backend-wasm": [
        "dist/tf-backend-wasm.min.js",
        "dist/tfjs-backend-wasm.wasm",
        "dist/tfjs-backend-wasm-simd.wasm",
        "dist/tfjs-backend-wasm-threaded-simd.wasm",
    ],
}

STATUS = "[data-testid=status]"
MAPS = "[data-testid=maps]"
CELL = "[data-testid=kernel-cell]"
READY_TIMEOUT_MS = 120_000
OFFLINE_TIMEOUT_MS = 120_000  # the service worker caching every shipped file
VIEWPORT = {"width": 1280, "height": 900}


def prepare_bench_dir(dist_dir: Path, bench_dir: Path = BENCH_DIR,
                      node_modules: Path = NODE_MODULES) -> dict:
    """dist-bench/ = a copy of dist/ + bench/ (the page, bench_cases.py, bench/tfjs/)."""
    if bench_dir.exists():
        shutil.rmtree(bench_dir)
    shutil.copytree(dist_dir, bench_dir)
    page = bench_dir / "bench"
    shutil.copytree(PAGE_SRC, page, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(CASES_SRC, page / "bench_cases.py")
    tfjs = page / "tfjs"
    tfjs.mkdir()
    versions = {}
    for pkg, files in TFJS_FILES.items():
        pkg_dir = node_modules / pkg
        versions[pkg] = installed_version(pkg_dir)
        if versions[pkg] is None:
            raise RuntimeError(f"{pkg} is not installed in node_modules (run npm ci; it is a "
                               "devDependency in package.json)")
        for f in files:
            shutil.copy2(pkg_dir / f, tfjs / Path(f).name)
    return versions


READY_RECORDER = """
(() => {
  const stages = window.__benchStages = [];
  let last = null;
  const mark = () => {
    const el = document.querySelector('[data-testid=status]');
    if (!el) return;
    const st = el.getAttribute('data-state');
    const text = (el.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 100);
    const key = st + '|' + text;
    if (key !== last && stages.length < 60) {
      last = key;
      stages.push({t: Math.round(performance.now()), state: st, text});
    }
    if ((st === 'ready' || st === 'error') && window.__benchReadyAt === undefined) {
      window.__benchReadyAt = performance.now();
      window.__benchReadyState = st;
    }
  };
  new MutationObserver(mark).observe(document, {subtree: true, childList: true,
    characterData: true, attributes: true, attributeFilter: ['data-state']});
})();
"""


def wait_ready(page, selector: str = STATUS, timeout_ms: int = READY_TIMEOUT_MS) -> None:
    page.wait_for_selector(f"{selector}[data-state=ready], {selector}[data-state=error]",
                           timeout=timeout_ms)
    if page.get_attribute(selector, "data-state") != "ready":
        raise RuntimeError(f"page reported an error: {page.inner_text(selector)!r}")


def _transfer(requests) -> dict:
    """Sum of response body and header sizes of finished requests (Playwright sizes())."""
    body = headers = 0
    statuses: dict[str, int] = {}
    by_coding: dict[str, int] = {}  # body bytes by Content-Encoding ("none": sent as is)
    biggest = []
    for req in requests:
        try:
            s = req.sizes()
            resp = req.response()
        except Exception:
            continue
        body += s.get("responseBodySize", 0) or 0
        headers += s.get("responseHeadersSize", 0) or 0
        code = str(resp.status) if resp else "none"
        statuses[code] = statuses.get(code, 0) + 1
        coding = (resp.headers.get("content-encoding") if resp else None) or "none"
        by_coding[coding] = by_coding.get(coding, 0) + (s.get("responseBodySize", 0) or 0)
        biggest.append((s.get("responseBodySize", 0) or 0, req.url.rsplit("/", 1)[-1]))
    biggest.sort(reverse=True)
    return {"bytes": body + headers, "body_bytes": body, "header_bytes": headers,
            "requests": len(requests), "statuses": statuses, "body_bytes_by_coding": by_coding,
            "largest": [{"file": n, "bytes": b} for b, n in biggest[:6]]}


WORKER_TIMINGS = """() => ({
  timeOrigin: performance.timeOrigin,
  measures: performance.getEntriesByType('measure')
    .filter((m) => m.name.startsWith('startup:'))
    .map((m) => ({name: m.name.slice(8), start: m.startTime, duration: m.duration})),
  resources: performance.getEntriesByType('resource').map((r) => ({
    file: r.name.split('/').pop(), start: r.startTime, duration: r.duration,
    transfer: r.transferSize, encoded: r.encodedBodySize, decoded: r.decodedBodySize})),
})"""

# The start-up stages, in order, as (name, how it is found): a `startup:` measure of
# web/js/core/pyodide-loader.js in the worker, or a gap between two known points.
STARTUP_STAGES = ("page", "worker start", "runtime", "packages", "import numpy",
                  "import pycore.page", "options and first draw")


def startup_stages(page_origin: float, ready_ms: float | None, worker: dict | None) -> dict:
    """{stage: ms} on the page's clock: `page` = navigation to the worker's start (HTML, CSS,
    the JS modules), `worker start` = until loadPyodide is called (worker.mjs, pyodide.mjs, the
    HEAD checks), then the worker's measures, then `options and first draw` = the last import's
    end to the status turning ready (the options call, the views' first calls and draws)."""
    if not worker:
        return {}
    shift = worker["timeOrigin"] - page_origin  # worker time + shift = page time
    measures = {m["name"]: m for m in worker.get("measures", [])}
    out = {"page": shift}
    runtime = measures.get("runtime")
    if runtime:
        out["worker start"] = runtime["start"]
    end = None
    for name in STARTUP_STAGES[2:-1]:
        m = measures.get(name)
        if m:
            out[name] = m["duration"]
            end = m["start"] + m["duration"] + shift
    if end is not None and ready_ms is not None:
        out["options and first draw"] = ready_ms - end
    return {k: round(v, 1) for k, v in out.items()}


def _worker_timings(page) -> dict | None:
    """The worker's start-up measures and resource timings (see WORKER_TIMINGS), or None."""
    for worker in page.workers:
        if worker.url.endswith("/worker.mjs"):
            try:
                return worker.evaluate(WORKER_TIMINGS)
            except Exception:
                return None
    return None


def _load_page(context, url: str) -> dict:
    finished = []

    def on_finished(req):
        finished.append(req)

    context.on("requestfinished", on_finished)
    page = context.new_page()
    t0 = time.monotonic()
    page.goto(url)
    wait_ready(page)
    wall = (time.monotonic() - t0) * 1000.0
    # What the start needed; the service worker's install, which follows, is counted apart.
    n_start = len(finished)
    page.wait_for_load_state("networkidle")
    # The service worker installs after the first start (web/js/shell/offline.js marks
    # <html data-offline> as the page turns ready); the next load then comes from it.
    if page.get_attribute("html", "data-offline") == "installing":
        try:
            page.wait_for_selector("html[data-offline=ready], html[data-offline=failed]",
                                   timeout=OFFLINE_TIMEOUT_MS)
        except Exception:
            pass
    offline = page.get_attribute("html", "data-offline")
    ready_at = page.evaluate("window.__benchReadyAt")
    stages = page.evaluate("window.__benchStages")
    nav = page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
        return n ? {responseEnd: n.responseEnd, domContentLoaded: n.domContentLoadedEventEnd,
                    load: n.loadEventEnd} : null; }""")
    page_origin = page.evaluate("performance.timeOrigin")
    worker = _worker_timings(page)
    context.remove_listener("requestfinished", on_finished)
    return {"page": page, "ready_ms": ready_at, "wall_ms": wall, "navigation": nav,
            "stages": stages, "startup_stages": startup_stages(page_origin, ready_at, worker),
            "worker_resources": (worker or {}).get("resources"), "offline": offline,
            "transfer": _transfer(finished[:n_start]),
            "transfer_after_start": _transfer(finished[n_start:])}


def measure_startup(launch_profile, base_url: str, runs: int) -> dict:
    """Each run launches Chromium on a new, empty profile directory (a disk HTTP cache, as a
    real browser has; Playwright's incognito-like contexts keep an in-memory cache that
    does not hold the 10 MB pyodide.asm.wasm). Cold: the first load. Warm: a second load
    in the same profile, once the service worker (web/sw.js) has cached the site; it
    answers from its cache and asks the server only for offline-manifest.json."""
    cold, warm = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="cnn-bench-profile-") as profile:
            ctx = launch_profile(profile)
            try:
                ctx.add_init_script(READY_RECORDER)
                first = _load_page(ctx, base_url + "/index.html")
                first["page"].close()
                second = _load_page(ctx, base_url + "/index.html")
                second["page"].close()
            finally:
                ctx.close()
        cold.append(first)
        warm.append(second)
        log(f"  startup  cold {first['ready_ms']:.0f} ms ({byte_size(first['transfer']['bytes'])}), "
            f"warm {second['ready_ms']:.0f} ms ({byte_size(second['transfer']['bytes'])}, "
            f"statuses {second['transfer']['statuses']})")

    def strip(r):
        return {k: v for k, v in r.items() if k != "page"}

    def stage_medians(runs_):
        names = [n for n in STARTUP_STAGES if any(n in r["startup_stages"] for r in runs_)]
        return {n: median(r["startup_stages"][n] for r in runs_ if n in r["startup_stages"])
                for n in names}

    cold_ms, warm_ms = median(r["ready_ms"] for r in cold), median(r["ready_ms"] for r in warm)
    return {
        "cold_ms": cold_ms,
        "warm_ms": warm_ms,
        "warm_over_cold": warm_ms / cold_ms if cold_ms and warm_ms else None,
        "cold_stages_ms": stage_medians(cold),
        "warm_stages_ms": stage_medians(warm),
        "cold_body_bytes_by_coding": cold[len(cold) // 2]["transfer"]["body_bytes_by_coding"],
        "cold_bytes": int(median(r["transfer"]["bytes"] for r in cold)),
        "warm_bytes": int(median(r["transfer"]["bytes"] for r in warm)),
        "runs": runs,
        "measured": ("performance.now() in the page when [data-testid=status] first gets "
                     "data-state=ready (0 = navigation start); a fresh Chromium profile per "
                     "run (disk cache), warm = second load in it, after the service worker "
                     "installed; bytes = response bodies as sent (compressed) + "
                     "headers of every request, the worker's included (Playwright "
                     "request.sizes()); stages = the status line's changes with their times; "
                     "*_stages_ms = start-up stages (tools/bench/browser.py startup_stages)"),
        "cold": [strip(r) for r in cold],
        "warm": [strip(r) for r in warm],
    }


LATENCY_RECORDER = """
() => {
  const rec = window.__lat = {edits: [], renders: [], frames: []};
  document.addEventListener('input', (e) => {
    if (e.target && e.target.matches && e.target.matches('[data-testid=kernel-cell]'))
      rec.edits.push(performance.now());
  }, true);
  const maps = document.querySelector('[data-testid=maps]');
  new MutationObserver(() => {
    const t = performance.now();
    rec.renders.push(t);
    requestAnimationFrame(() => rec.frames.push(performance.now()));
  }).observe(maps, {attributes: true, attributeFilter: ['data-renders']});
}
"""


def measure_latency(browser, base_url: str, edits: int, new_context, png: Path) -> dict:
    """Product page, 512x512 image, the 3 default filters: `edits` kernel-cell edits typed
    with Playwright's fill(); each time from the cell's input event to the maps' render
    counter increasing (and to the next animation frame), in-page performance.now()."""
    ctx = new_context()
    try:
        page = ctx.new_page()
        page.goto(base_url + "/index.html")
        wait_ready(page)

        def renders() -> int:
            return int(page.get_attribute(MAPS, "data-renders") or 0)

        def wait_render(before: int) -> None:
            page.wait_for_function(
                """(n) => Number(document.querySelector('[data-testid=maps]').dataset.renders
                   || 0) > n && document.querySelector('[data-testid=status]').dataset.state
                   === 'ready'""", arg=before, timeout=60_000)

        before = renders()
        page.set_input_files("input[type=file][data-testid=upload]", str(png))
        wait_render(before)
        timing_text = page.inner_text("[data-testid=timing]")
        cells = page.locator(CELL)
        n_cells = cells.count()
        if n_cells < 27:
            raise RuntimeError(f"expected 3 default 3x3 filters (27 cells), found {n_cells}")
        page.evaluate(LATENCY_RECORDER)
        values = ["1", "-1", "2", "0.5", "-2", "3"]
        compute = []
        for i in range(edits):
            cell = cells.nth((i * 4) % n_cells)  # walks all three filters
            before = renders()
            cell.fill(values[i % len(values)])
            wait_render(before)
            text = page.inner_text("[data-testid=timing]")
            compute.append(_ms_in(text))
        page.wait_for_timeout(100)  # the last requestAnimationFrame
        rec = page.evaluate("window.__lat")
    finally:
        ctx.close()
    e, r, f = rec["edits"], rec["renders"], rec["frames"]
    n = min(len(e), len(r))
    if n < edits or len(e) != len(r):
        log(f"  latency: {len(e)} input events, {len(r)} renders for {edits} edits")
    lat = [r[i] - e[i] for i in range(n)]
    frame = [f[i] - e[i] for i in range(min(len(e), len(f)))]
    comp = [c for c in compute if c is not None]
    out = {
        "edits": n,
        "median_ms": median(lat),
        "p95_ms": percentile(lat, 95),
        "max_ms": max(lat) if lat else None,
        "to_next_frame_median_ms": median(frame),
        "to_next_frame_p95_ms": percentile(frame, 95),
        "worker_compute_median_ms": median(comp),
        "worker_compute_p95_ms": percentile(comp, 95),
        "runs_ms": lat,
        "image": timing_text,
        "measured": ("in-page performance.now(): from the kernel cell's input event "
                     "(Playwright fill) to the MutationObserver callback on the maps' "
                     "data-renders counter; worker_compute is the pycore.page.convolution.convolve time "
                     "the worker reports (shown on the page); p95 = nearest rank"),
    }
    log(f"  latency  median {short_number(out['median_ms'])} ms, p95 {short_number(out['p95_ms'])} ms "
        f"(worker compute median {short_number(out['worker_compute_median_ms'])} ms) over {n} edits")
    return out


def measure_explorer(new_context, base_url: str) -> dict:
    """Explorers tab: the sliding-window explorer stepping through a 32x32 input with its
    arithmetic panel showing, through the page's own hook (web/js/explorers/sliding.js):
    back to back (each step redraws both canvases and the arithmetic, then forces a
    layout) and one step per animation frame (the display's limit)."""
    ctx = new_context()
    try:
        page = ctx.new_page()
        page.goto(base_url + "/index.html#explore")
        wait_ready(page)
        page.wait_for_function("() => window.cnnExplorers && window.cnnExplorers.benchSlidingWindow",
                               timeout=30_000)
        sync = page.evaluate("(o) => window.cnnExplorers.benchSlidingWindow(o)", {"steps": 1000})
        frames = page.evaluate("(o) => window.cnnExplorers.benchSlidingWindow(o)",
                               {"mode": "frames", "seconds": 2})
    finally:
        ctx.close()
    out = {
        "steps_per_s": sync.get("stepsPerSecond"),
        "max_step_ms": sync.get("maxStepMs"),
        "per_frame_steps_per_s": frames.get("stepsPerSecond"),
        "input": sync.get("input"),
        "positions": sync.get("positions"),
        "measured": ("window.cnnExplorers.benchSlidingWindow: steps back to back, each "
                     "redrawing the grid, the feature map and the arithmetic panel and "
                     "forcing a layout; per_frame = one step per requestAnimationFrame"),
    }
    log(f"  explorer sliding window {short_number(out['steps_per_s'])} steps/s back to back "
        f"(slowest step {short_number(out['max_step_ms'])} ms), {short_number(out['per_frame_steps_per_s'])} "
        f"steps/s one per frame")
    return out


def _ms_in(text: str) -> float | None:
    m = re.search(r"in ([0-9.]+) ms", text or "")
    return float(m.group(1)) if m else None


def measure_browser_cases(page, case_ids, mode: dict) -> dict:
    out = {}
    for cid in case_ids:
        reps = case_repeats(cid, mode)
        r = page.evaluate("(req) => window.bench.py(req)",
                          {"op": "time", "case": cid, "repeats": reps, "warmup": mode["warmup"]})
        if "error" in r:
            out[cid] = {"error": r["error"]}
            log(f"  browser  {cid:24s} ERROR {r['error']}")
        else:
            out[cid] = {"ms": r["ms"], "median": median(r["ms"]), "setup_ms": r["setup_ms"],
                        "clock": r["clock"], "load_1min": load_average()}
            log(f"  browser  {cid:24s} {median(r['ms']):9.2f} ms  (runs {runs_text(r['ms'])})")
    return out


def measure_tfjs(page, case_ids, mode: dict) -> dict:
    from tools.bench import cases as bc

    out = {}
    for cid in case_ids:
        spec = bc.CASES[cid]
        if "tfjs" not in spec["peers"]:
            continue
        sizes = bc.case_sizes(cid)
        kind = "conv" if spec["kind"] == "conv" else sizes["op"]
        r = page.evaluate("(req) => window.bench.tf(req)", {
            "case": cid, "kind": kind, "sizes": sizes, "backends": ["cpu", "wasm"],
            "repeats": mode["tfjs_repeats"], "warmup": 1})
        entry = {}
        for backend, res in r.items():
            if "error" in res:
                entry[backend] = {"error": res["error"]}
                log(f"  tfjs-{backend:4s} {cid:24s} ERROR {res['error']}")
                continue
            rel = res["maxAbsDiff"] / max(res["maxAbsRef"], 1e-30)
            entry[backend] = {"ms": res["ms"], "median": median(res["ms"]),
                              "max_abs_diff_vs_pycore": res["maxAbsDiff"],
                              "max_abs_pycore": res["maxAbsRef"],
                              "agrees_with_pycore": rel < 1e-4}
            log(f"  tfjs-{backend:4s} {cid:24s} {median(res['ms']):9.2f} ms  "
                f"(max |diff| vs pycore {res['maxAbsDiff']:.2g})")
        out[cid] = entry
    return out


# The worker pool (tools/bench/page/pool.mjs): these conv cases on 1, 2 and all workers,
# split by output rows (bands with their halo rows) and by filters.
POOL_CASES = ("conv_rgb_1024_8x3x3", "conv_rgb_512_8x3x3", "conv_gray_512_3x3")
POOL_SPLITS = ("rows", "filters")
POOL_TARGET_CASE = "conv_rgb_1024_8x3x3"  # the speed issue's "all workers vs one"


def pool_summary(raw: dict) -> dict:
    """One pool measurement (window.bench.pool) as figures: per "split:n" the median ms,
    the medians of each part's steps, and the speed-up over one worker. One worker is
    "filters:1" when measured (a whole conv2d call, as the page's worker makes it today),
    else the same split on one worker."""
    runs = {}
    for key, r in (raw.get("runs") or {}).items():
        runs[key] = {
            "split": r["split"], "workers": r["workers"], "parts": r["parts"],
            "median_ms": median(r["ms"]), "ms": r["ms"],
            "stitch_median_ms": median(r["stitchMs"]), "stitched": r.get("stitched"),
            "stitch_after_last_reply_median_ms": median(r.get("lastStitchMs") or []),
            "per_part_median_ms": r["perPart"],
            "alone_compute_median_ms": median(r["aloneComputeMs"]),
            "bit_equal_to_one_conv2d": r["check"]["bitEqual"], "check": r["check"],
        }
    for r in runs.values():
        one = runs.get("filters:1") or runs.get(f"{r['split']}:1")
        r["speedup_vs_one"] = (one["median_ms"] / r["median_ms"]
                               if one and one["median_ms"] and r["median_ms"] else None)
    return {"hardware_concurrency": raw.get("hardwareConcurrency"), "all": raw.get("all"),
            "cap": raw.get("cap"), "counts": raw.get("counts"), "start_ms": raw.get("startMs"),
            "hold": raw.get("hold"), "runs": runs}


def measure_workers(page, mode: dict, case_ids=POOL_CASES, reuse: bool = True) -> dict:
    """Each of `case_ids` on pools of 1, 2 and all workers (bench page), both splits
    (`reuse=False`: new buffers for every call, to measure what handing them back saves).
    `speedup` = the 1-worker median over the all-workers median of conv 1024x1024 RGB
    8x3x3, for the split that does best (the one a shipped pool would use)."""
    from tools.bench import cases as bc

    out = {"cases": {}}
    for cid in case_ids:
        raw = page.evaluate("(req) => window.bench.pool(req)", {
            "case": cid, "sizes": bc.case_sizes(cid), "settings": {"padding": "same"},
            "splits": list(POOL_SPLITS), "repeats": case_repeats(cid, mode),
            "warmup": mode["warmup"], "reuse": reuse})
        s = out["cases"][cid] = pool_summary(raw)
        s["load_1min"] = load_average()
        for key, r in s["runs"].items():
            parts = r["per_part_median_ms"]
            log(f"  pool     {cid:24s} {key:10s} {short_number(r['median_ms']):>7s} ms "
                f"(x{short_number(r['speedup_vs_one'])}; compute "
                f"{', '.join(short_number(p['computeMs']) for p in parts)}, alone "
                f"{short_number(r['alone_compute_median_ms'])}; bit-equal "
                f"{r['bit_equal_to_one_conv2d']})")
    target = out["cases"].get(POOL_TARGET_CASE)
    if target:
        best = None
        for split in POOL_SPLITS:
            r = target["runs"].get(f"{split}:{target['all']}")
            if r and r["speedup_vs_one"] is not None and (best is None or r["speedup_vs_one"]
                                                          > best["speedup_vs_one"]):
                best = r
        if best:
            out.update(speedup=best["speedup_vs_one"], split=best["split"],
                       workers=best["workers"])
    out["measured"] = ("tools/bench/page/pool.mjs on the bench page: each worker loads Pyodide "
                       "through js/core/pyodide-loader.js and holds the image (sent once, a "
                       "structured-clone copy each); a call posts each its part, gets it back "
                       "as a transferred Float32Array and stitches; ms = main thread, post of "
                       "the first part to the stitched output; the counts are interleaved in "
                       "each repeat; every result checked bit for bit against one conv2d "
                       "call; alone = part 0 computed with the other workers idle")
    return out


def settle(page, case_ids) -> None:
    """Run every case once in both runtimes before timing any.

    Memory state otherwise decides the first cases' CPython figures: glibc serves the
    4 MB im2col buffers with mmap and hands them back on free until a larger free raises
    its dynamic threshold, so a 512x512 gray conv2d measured first took 12-14 ms per call
    (page faults) and 1.4-1.6 ms once a larger case had run. Pyodide's heap grows once."""
    from tools.bench import cases as bench_cases

    with openblas().one_thread():
        for cid in case_ids:
            try:
                bench_cases.make(cid)()
            except Exception:
                pass  # reported when the case is timed
    for cid in case_ids:
        page.evaluate("(req) => window.bench.py(req)",
                      {"op": "time", "case": cid, "repeats": 1, "warmup": 0})


def png_bytes(height: int, width: int, seed: int = 0) -> bytes:
    """An opaque RGB PNG (stdlib only): smooth gradients, a few shapes and seeded noise,
    so the feature maps have edges to find."""
    import random

    r = random.Random(seed)
    rows = []
    cx, cy, rad = width * 0.6, height * 0.4, min(width, height) * 0.25
    for y in range(height):
        row = bytearray([0])  # filter type 0
        for x in range(width):
            inside = (x - cx) ** 2 + (y - cy) ** 2 < rad * rad
            box = width * 0.1 < x < width * 0.35 and height * 0.55 < y < height * 0.85
            base = 200 if inside else (60 if box else 0)
            n = r.randrange(24)
            row += bytes(((x * 255 // max(1, width - 1) + base + n) % 256,
                          (y * 255 // max(1, height - 1) + n) % 256,
                          (base + ((x // 16 + y // 16) % 2) * 90 + n) % 256))
        rows.append(bytes(row))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 6)) + chunk(b"IEND", b""))
