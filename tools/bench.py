"""`python3 build.py bench [--quick]`: how fast pycore is in the browser, against references.

One run on one machine:

1. builds dist/ (tools.dist.build()) and copies it, with tools/bench_page/, tools/bench_cases.py
   and TF.js's browser bundles from node_modules, into dist-bench/ (git-ignored; the
   product's dist/ and web/ are never touched);
2. serves dist-bench/ on 127.0.0.1 and drives headless Chromium with Playwright (the flags
   of the e2e tests). Each case of tools/bench_cases.py is timed in CPython (this process)
   and right after in Pyodide on the bench page (dist-bench/bench/), so both see the same
   machine load; then TF.js cpu and wasm on pycore's own inputs (each checked against
   pycore's output); then the notebook's own loops (tools/notebook_reference.py, CPython);
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
import datetime as _dt
import json
import math
import os
import platform
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "dist-bench"
PAGE_SRC = Path(__file__).resolve().parent / "bench_page"
CASES_SRC = Path(__file__).resolve().parent / "bench_cases.py"
RESULTS_PATH = ROOT / "bench-results.json"
README_PATH = ROOT / "README.md"
README_BEGIN = "<!-- bench-table:begin (written by `python3 build.py bench --update-readme`) -->"
README_END = "<!-- bench-table:end -->"

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

MODES = {
    # repeats per case (after warm-up runs); "big" cases are the slow ones
    # (CPython runs take milliseconds, so it gets cpython_factor times more repeats)
    "quick": {"repeats": 9, "big_repeats": 5, "warmup": 1, "cpython_factor": 3,
              "tfjs_repeats": 5, "notebook_repeats": 1, "startup_runs": 1, "edits": 30},
    "full": {"repeats": 21, "big_repeats": 11, "warmup": 2, "cpython_factor": 3,
             "tfjs_repeats": 15, "notebook_repeats": 3, "startup_runs": 3, "edits": 30},
}
BIG_CASES = {"conv_rgb_1024_8x3x3", "seed_forward"}

RATIO_LIMIT = 2.0            # browser / CPython, conv and pooling
NOTEBOOK_SPEEDUP = 100.0     # notebook loops / pycore, at least
FORWARD_LIMIT_MS = 1000.0    # notebook network forward pass, in the browser
LATENCY_P95_MS = 150.0       # kernel-cell edit -> redrawn feature maps
COLD_START_MS = 5000.0       # page cold start to ready, localhost
TRANSFER_LIMIT = 20_000_000  # bytes (20 MB, decimal)
EXPLORER_STEPS_PER_S = 30.0  # sliding-window explorer on 32x32, arithmetic panel showing (issue 4)

STATUS = "[data-testid=status]"
MAPS = "[data-testid=maps]"
CELL = "[data-testid=kernel-cell]"
READY_TIMEOUT_MS = 120_000
VIEWPORT = {"width": 1280, "height": 900}


def log(msg: str) -> None:
    print(msg, flush=True)


# ============================================================================ pure helpers


def median(values) -> float | None:
    vals = [float(v) for v in values if v is not None]
    return statistics.median(vals) if vals else None


def percentile(values, q: float) -> float | None:
    """Nearest-rank percentile (q in [0, 100]): the smallest value with at least q% of the
    values at or below it. p95 of 30 values is the 29th smallest."""
    vals = sorted(float(v) for v in values if v is not None)
    if not vals:
        return None
    rank = max(1, math.ceil(q / 100.0 * len(vals)))
    return vals[min(rank, len(vals)) - 1]


def ratio(a, b) -> float | None:
    if a is None or b is None or b <= 0:
        return None
    return float(a) / float(b)


def _target(figure: str, case: str | None, value, op: str, limit, unit: str = "") -> dict:
    """One target: `value op limit` (op "<=", "<", ">=", or "report" for none)."""
    if op == "report" or value is None:
        met = None
    elif op == "<=":
        met = value <= limit
    elif op == "<":
        met = value < limit
    elif op == ">=":
        met = value >= limit
    else:
        raise ValueError(f"unknown comparison {op!r}")
    text = "reported" if op == "report" else f"{op} {_num(limit)}{unit}"
    return {"figure": figure, "case": case, "value": value, "target": text, "met": met}


def evaluate_targets(cases: list[dict], startup: dict, latency: dict,
                     explorer: dict | None = None) -> list[dict]:
    """The issue's targets, from the figures gathered. `met` is True/False, or None when the
    figure is missing (not measured, or failed) or only reported."""
    out = []
    for c in cases:
        cid, kind, peer = c.get("id"), c.get("kind"), c.get("peer") or {}
        if kind in ("conv", "pool"):
            out.append(_target("browser / CPython", cid, c.get("ratio"), "<=", RATIO_LIMIT, "x"))
        if peer.get("notebook_ms") is not None:
            out.append(_target("notebook loops / pycore (CPython), speed-up", cid,
                               ratio(peer["notebook_ms"], c.get("cpython_ms")), ">=",
                               NOTEBOOK_SPEEDUP, "x"))
        if kind == "conv":
            out.append(_target("pycore (browser) / TF.js cpu", cid,
                               ratio(c.get("browser_ms"), peer.get("tfjs_cpu_ms")), "<", 1.0, "x"))
            out.append(_target("pycore (browser) / TF.js wasm", cid,
                               ratio(c.get("browser_ms"), peer.get("tfjs_wasm_ms")), "report", None))
        if cid == "seed_forward":
            out.append(_target("notebook network forward, browser", cid, c.get("browser_ms"),
                               "<", FORWARD_LIMIT_MS, " ms"))
    out.append(_target("edit -> redraw p95", None, (latency or {}).get("p95_ms"), "<",
                       LATENCY_P95_MS, " ms"))
    out.append(_target("cold start to ready", None, (startup or {}).get("cold_ms"), "<",
                       COLD_START_MS, " ms"))
    out.append(_target("bytes transferred, cold start", None,
                       (startup or {}).get("cold_bytes"), "<", TRANSFER_LIMIT, " B"))
    out.append(_target("sliding-window explorer, 32x32, steps/s", None,
                       (explorer or {}).get("steps_per_s"), ">=", EXPLORER_STEPS_PER_S, "/s"))
    return out


def _num(v, digits: int | None = None) -> str:
    """Short human number: 1234 -> '1234', 12.345 -> '12.3', 0.01234 -> '0.0123'."""
    if v is None:
        return "-"
    v = float(v)
    if digits is not None:
        return f"{v:.{digits}f}"
    a = abs(v)
    if a >= 100 or v == int(v):
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def _mb(n) -> str:
    if n is None:
        return "-"
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB"


def _target_text(t: dict) -> str:
    name = {
        "browser / CPython": "browser/CPython",
        "notebook loops / pycore (CPython), speed-up": "vs notebook",
        "pycore (browser) / TF.js cpu": "vs TF.js cpu",
        "pycore (browser) / TF.js wasm": "vs TF.js wasm",
        "notebook network forward, browser": "browser",
    }.get(t["figure"], t["figure"])
    return f"{name} {t['target']}"


def _verdict(targets: list[dict]) -> str:
    judged = [t for t in targets if t["target"] != "reported"]
    if not judged:
        return ""
    missed = [t for t in judged if t["met"] is False]
    unknown = [t for t in judged if t["met"] is None]
    if missed:
        return "MISSED: " + "; ".join(f"{_target_text(t)} (is {_num(t['value'])})" for t in missed)
    if unknown:
        return "not measured: " + "; ".join(_target_text(t) for t in unknown)
    return "met"


def table_rows(results: dict) -> list[list[str]]:
    """The table, as rows of strings (the first row is the header)."""
    header = ["Case", "Browser ms", "CPython ms", "Browser/CPython", "Peers (ms)", "Targets",
              "Result"]
    rows = [header]
    targets = results.get("targets", [])
    for c in results.get("cases", []):
        peer = c.get("peer") or {}
        peers = []
        if peer.get("tfjs_wasm_ms") is not None or peer.get("tfjs_cpu_ms") is not None:
            peers.append(f"TF.js wasm {_num(peer.get('tfjs_wasm_ms'))}, "
                         f"cpu {_num(peer.get('tfjs_cpu_ms'))}")
        if peer.get("notebook_ms") is not None:
            peers.append(f"notebook {_num(peer['notebook_ms'])}")
        mine = [t for t in targets if t.get("case") == c.get("id")]
        shown = []
        for t in mine:
            if t["target"] == "reported":
                if t["value"] is not None:
                    shown.append(f"{_num(t['value'])}x TF.js wasm")
            else:
                mark = {True: "met", False: "missed", None: "not measured"}[t["met"]]
                value = "" if t["value"] is None else f" is {_num(t['value'])}"
                shown.append(f"{_target_text(t)}:{value} ({mark})")
        result = _verdict(mine)
        if c.get("error"):
            result = (result + "; " if result else "") + "error: " + c["error"][:80]
        rows.append([c.get("case", c.get("id", "?")), _num(c.get("browser_ms")),
                     _num(c.get("cpython_ms")),
                     "-" if c.get("ratio") is None else f"{c['ratio']:.2f}",
                     "; ".join(peers) or "-", "; ".join(shown) or "-", result or "-"])
    st, lat = results.get("startup") or {}, results.get("latency") or {}
    by_fig = {t["figure"]: t for t in targets if t.get("case") is None}
    t = by_fig.get("cold start to ready")
    rows.append(["page cold start to ready", _num(st.get("cold_ms")), "-", "-", "-",
                 _target_text(t) if t else "-", _verdict([t]) if t else "-"])
    rows.append(["page warm start to ready (HTTP cache, revalidated)", _num(st.get("warm_ms")),
                 "-", "-", "-", "-", "-"])
    t = by_fig.get("bytes transferred, cold start")
    rows.append(["bytes transferred, cold start", _mb(st.get("cold_bytes")), "-", "-", "-",
                 "< 20 MB" if t else "-", _verdict([t]) if t else "-"])
    rows.append(["bytes transferred, warm start", _mb(st.get("warm_bytes")), "-", "-", "-", "-",
                 "-"])
    t = by_fig.get("edit -> redraw p95")
    rows.append([f"edit -> redraw, median ({lat.get('edits', 0)} edits)",
                 _num(lat.get("median_ms")), "-", "-", "-", "-", "-"])
    rows.append(["edit -> redraw, p95", _num(lat.get("p95_ms")), "-", "-", "-",
                 _target_text(t) if t else "-", _verdict([t]) if t else "-"])
    ex = results.get("explorer") or {}
    t = by_fig.get("sliding-window explorer, 32x32, steps/s")
    rows.append(["sliding-window explorer, 32x32, steps/s (one per frame: "
                 f"{_num(ex.get('per_frame_steps_per_s'))})", _num(ex.get("steps_per_s")),
                 "-", "-", "-", _target_text(t) if t else "-", _verdict([t]) if t else "-"])
    return rows


def format_text(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, r in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_markdown(rows: list[list[str]]) -> str:
    def esc(s: str) -> str:
        return s.replace("|", "\\|")

    lines = ["| " + " | ".join(esc(c) for c in rows[0]) + " |",
             "|" + "|".join(" --- " for _ in rows[0]) + "|"]
    lines += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows[1:]]
    return "\n".join(lines)


def machine_summary(machine: dict) -> str:
    m = machine or {}
    parts = [
        f"{m.get('cpu_model', '?')}, {m.get('cores', '?')} cores, "
        f"{_num((m.get('memory_bytes') or 0) / 2**30)} GiB",
        m.get("os", "?"),
        f"CPython {m.get('python', '?')} + numpy {m.get('numpy', '?')}"
        + (f" ({m['numpy_blas']})" if m.get("numpy_blas") else ""),
        f"Chromium {m.get('chromium', '?')} headless",
        f"Pyodide {m.get('pyodide', '?')} (Python {m.get('pyodide_python', '?')}, "
        f"numpy {m.get('pyodide_numpy', '?')})",
    ]
    if m.get("tfjs"):
        parts.append(f"TF.js {m['tfjs']}")
    return "; ".join(parts)


def readme_section(results: dict) -> str:
    """The README block between the markers (markdown)."""
    m = results.get("machine") or {}
    when = m.get("date", "?")
    mode = m.get("mode", "?")
    lines = [
        README_BEGIN,
        f"Latest run: `python3 build.py bench{' --quick' if mode == 'quick' else ''}` on "
        f"{when}, commit `{(m.get('git_commit') or '?')[:10]}`"
        + (" plus uncommitted changes in the working tree" if m.get("git_dirty") else "") + ".",
        "",
        f"Machine: {machine_summary(m)}.",
        "",
        f"Machine load during the run (1-minute load average, all work on the machine): "
        f"{_num((m.get('load_average_1min') or {}).get('before'))} before, "
        f"{_num((m.get('load_average_1min') or {}).get('after'))} after, on "
        f"{m.get('cores', '?')} cores. Medians in ms; CPython with OpenBLAS on 1 thread.",
        "",
        format_markdown(table_rows(results)),
        README_END,
    ]
    return "\n".join(lines)


def update_readme(text: str, section: str) -> str:
    """Replace what lies between the bench markers (inclusive); append a Performance
    section holding them if the README has none."""
    b, e = text.find(README_BEGIN), text.find(README_END)
    if b != -1 and e != -1 and e > b:
        return text[:b] + section + text[e + len(README_END):]
    sep = "" if text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
    return text + sep + "## Performance\n\n" + section + "\n"


def write_json(results: dict, path: Path) -> None:
    """Write atomically (path.tmp, then rename), keys in insertion order."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(results, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


REQUIRED_CASE_KEYS = ("case", "browser_ms", "cpython_ms", "ratio", "peer")
PEER_KEYS = ("tfjs_wasm_ms", "tfjs_cpu_ms", "notebook_ms")


def check_schema(results: dict) -> list[str]:
    """Problems with the shape the issue asks for ([] when fine)."""
    problems = []
    for key in ("machine", "cases", "startup", "latency", "targets"):
        if key not in results:
            problems.append(f"missing top-level key {key!r}")
    for i, c in enumerate(results.get("cases", [])):
        for key in REQUIRED_CASE_KEYS:
            if key not in c:
                problems.append(f"cases[{i}] has no {key!r}")
        if not isinstance(c.get("case"), str):
            problems.append(f"cases[{i}].case is not a string")
        for key in ("browser_ms", "cpython_ms", "ratio"):
            v = c.get(key)
            if v is not None and not isinstance(v, float):
                problems.append(f"cases[{i}].{key} is {type(v).__name__}, not float or null")
        for key in PEER_KEYS:
            if key not in (c.get("peer") or {}):
                problems.append(f"cases[{i}].peer has no {key!r}")
    return problems


def case_entry(case_id: str, spec: dict, browser_ms=None, cpython_ms=None,
               peer: dict | None = None, detail: dict | None = None,
               error: str | None = None) -> dict:
    """One element of results["cases"] (medians in ms, floats or None)."""
    b = None if browser_ms is None else float(browser_ms)
    c = None if cpython_ms is None else float(cpython_ms)
    p = {k: (None if (peer or {}).get(k) is None else float(peer[k])) for k in PEER_KEYS}
    entry = {"case": spec["label"], "browser_ms": b, "cpython_ms": c, "ratio": ratio(b, c),
             "peer": p, "id": case_id, "kind": spec["kind"], "detail": detail or {}}
    if error:
        entry["error"] = error
    return entry


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


# ============================================================================ machine


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def machine_info() -> dict:
    import numpy as np

    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                if line.startswith("model name")), platform.processor() or None)
    mem = next((int(line.split()[1]) * 1024 for line in _read("/proc/meminfo").splitlines()
                if line.startswith("MemTotal:")), None)
    os_name = next((line.split("=", 1)[1].strip().strip('"')
                    for line in _read("/etc/os-release").splitlines()
                    if line.startswith("PRETTY_NAME=")), platform.system())
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = os.cpu_count()
    blas = None
    try:
        cfg = np.show_config(mode="dicts")
        b = cfg.get("Build Dependencies", {}).get("blas", {})
        blas = " ".join(str(b.get(k)) for k in ("name", "version") if b.get(k)) or None
    except Exception:
        pass
    env = {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                          "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                          "MKL_NUM_THREADS")}
    info = {
        "cpu_model": cpu,
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "memory_bytes": mem,
        "os": f"{os_name} (Linux {platform.release()})" if platform.system() == "Linux" else os_name,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numpy_blas": blas,
        "blas_env": env,
        "blas_env_note": ("the environment above was left unchanged (null = not set; "
                          "OpenBLAS then uses one thread per core). cpython_ms is measured "
                          "with OpenBLAS set to 1 thread at run time through its own "
                          "openblas_set_num_threads (as Pyodide has one thread); each "
                          "case's detail also has the default-thread-count median."),
        "openblas": openblas().info(),
    }
    try:
        from threadpoolctl import threadpool_info

        info["threadpools"] = [{k: p.get(k) for k in ("internal_api", "version",
                                                       "architecture", "num_threads")}
                               for p in threadpool_info()]
    except Exception:
        pass
    return info


def _loadavg() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                             text=True, timeout=20)
        return out.stdout.strip() or None
    except (OSError, subprocess.TimeoutExpired):
        return None


# ============================================================================ CPython side


class OpenBLAS:
    """The OpenBLAS that numpy loaded, through its own C API (what threadpoolctl does).

    On this shared 2-core machine numpy's default (one BLAS thread per core) swung a
    conv2d from 11 ms to 170 ms between runs whenever other work held a core (spinning
    BLAS threads wait out scheduler slices), so the headline CPython figure pins BLAS to
    one thread, like Pyodide's single thread; the default is measured too and kept."""

    def __init__(self):
        import ctypes
        import re

        import numpy  # noqa: F401  (loads the library)

        self.lib = self.path = None
        self._fn = {}
        paths = sorted(set(re.findall(r"(/\S*openblas\S*\.so\S*)", _read("/proc/self/maps"))))
        for path in paths:
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            for prefix in ("scipy_openblas", "openblas"):
                for suffix in ("64_", ""):
                    names = {k: f"{prefix}_{k}{suffix}" for k in
                             ("get_num_threads", "set_num_threads", "get_config",
                              "get_corename")}
                    if all(hasattr(lib, n) for n in names.values()):
                        self.lib, self.path = lib, path
                        self._fn = {k: getattr(lib, n) for k, n in names.items()}
                        self._fn["get_config"].restype = ctypes.c_char_p
                        self._fn["get_corename"].restype = ctypes.c_char_p
                        return

    @property
    def found(self) -> bool:
        return self.lib is not None

    def get_threads(self) -> int | None:
        return int(self._fn["get_num_threads"]()) if self.found else None

    def set_threads(self, n: int) -> None:
        if self.found:
            self._fn["set_num_threads"](int(n))

    def info(self) -> dict:
        if not self.found:
            return {"found": False}
        return {"found": True, "library": Path(self.path).name,
                "config": self._fn["get_config"]().decode(errors="replace"),
                "corename": self._fn["get_corename"]().decode(errors="replace"),
                "default_threads": self.get_threads()}


_OPENBLAS: OpenBLAS | None = None


def openblas() -> OpenBLAS:
    global _OPENBLAS
    if _OPENBLAS is None:
        _OPENBLAS = OpenBLAS()
    return _OPENBLAS


def measure_cpython(case_ids, mode: dict) -> dict:
    """Per case: the headline run with OpenBLAS pinned to 1 thread, then one with numpy's
    default thread count (kept as ms_default_threads)."""
    from tools import bench_cases

    blas = openblas()
    default = blas.get_threads()
    out = {}
    for cid in case_ids:
        reps = mode["big_repeats"] if cid in BIG_CASES else mode["repeats"]
        reps *= mode.get("cpython_factor", 1)
        try:
            blas.set_threads(1)
            try:
                r = bench_cases.time_case(cid, None, reps, mode["warmup"])
            finally:
                blas.set_threads(default or 1)
            d = bench_cases.time_case(cid, None, reps, mode["warmup"])
            out[cid] = {"ms": r["ms"], "median": median(r["ms"]), "setup_ms": r["setup_ms"],
                        "ms_default_threads": d["ms"],
                        "median_default_threads": median(d["ms"]),
                        "blas_threads": 1 if blas.found else None,
                        "blas_default_threads": default, "load_1min": _loadavg()}
            log(f"  cpython  {cid:24s} {median(r['ms']):9.2f} ms  (runs {_runs(r['ms'])}); "
                f"{default} BLAS threads: {median(d['ms']):.2f} ms")
        except Exception as exc:
            out[cid] = {"error": f"{type(exc).__name__}: {exc}"}
            log(f"  cpython  {cid:24s} ERROR {out[cid]['error']}")
    return out


def _runs(ms) -> str:
    return ", ".join(f"{v:.1f}" for v in ms)


def notebook_call(case_id: str, sizes: dict | None = None):
    """The notebook's loops on a case's inputs: (zero-argument call, note) or None."""
    import numpy as np

    from tools import bench_cases as bc
    from tools import notebook_reference as nb

    spec = bc.CASES[case_id]
    if "notebook" not in spec["peers"]:
        return None
    s = bc.case_sizes(case_id, sizes)
    if spec["kind"] == "conv":
        x, w = bc.conv_inputs(s, case_id)
        if s["c_in"] != 1:
            raise ValueError("the notebook's ConvLayer takes one gray (H, W) image")
        layer = nb.ConvLayer([w[o, 0] for o in range(s["c_out"])], activation=nb.identity)
        return (lambda: layer.predict(x[0]),
                "ConvLayer, valid padding (output 2 px smaller per axis), identity activation")
    x = bc.pool_input(s, case_id)
    pooler = max if s["op"] == "max" else nb.mean
    k = s["k"]
    if s["c"] == 1:
        layer = nb.PoolLayer(pooler, (k, k))
        return (lambda: layer.predict(x[0]),
                f"PoolLayer({'max' if pooler is max else 'statistics.mean'}, ({k}, {k}))")
    hwc = np.ascontiguousarray(x.transpose(1, 2, 0))  # the notebook's channels-last layout
    layer = nb.NDPooler(pooler, (k, k), channels=s["c"])
    return (lambda: layer.predict(hwc),
            f"NDPooler({'max' if pooler is max else 'statistics.mean'}, ({k}, {k}), "
            f"channels={s['c']}) on (H, W, C)")


def measure_notebook(case_ids, mode: dict) -> dict:
    from tools import bench_cases

    out = {}
    for cid in case_ids:
        try:
            made = notebook_call(cid)
            if made is None:
                continue
            fn, note = made
            ms = bench_cases.time_call(fn, mode["notebook_repeats"], warmup=0)
            out[cid] = {"ms": ms, "median": median(ms), "note": note}
            log(f"  notebook {cid:24s} {median(ms):9.0f} ms  ({note})")
        except Exception as exc:
            out[cid] = {"error": f"{type(exc).__name__}: {exc}"}
            log(f"  notebook {cid:24s} ERROR {out[cid]['error']}")
    return out


# ============================================================================ dist-bench


def prepare_bench_dir(dist_dir: Path, bench_dir: Path = BENCH_DIR,
                      node_modules: Path = ROOT / "node_modules") -> dict:
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
        try:
            versions[pkg] = json.loads((pkg_dir / "package.json").read_text())["version"]
        except (OSError, ValueError, KeyError):
            raise RuntimeError(f"{pkg} is not installed in node_modules (run npm ci; it is a "
                               "devDependency in package.json)") from None
        for f in files:
            shutil.copy2(pkg_dir / f, tfjs / Path(f).name)
    return versions


# ============================================================================ browser side


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


def _wait_ready(page, selector: str = STATUS, timeout_ms: int = READY_TIMEOUT_MS) -> None:
    page.wait_for_selector(f"{selector}[data-state=ready], {selector}[data-state=error]",
                           timeout=timeout_ms)
    if page.get_attribute(selector, "data-state") != "ready":
        raise RuntimeError(f"page reported an error: {page.inner_text(selector)!r}")


def _transfer(requests) -> dict:
    """Sum of response body and header sizes of finished requests (Playwright sizes())."""
    body = headers = 0
    statuses: dict[str, int] = {}
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
        biggest.append((s.get("responseBodySize", 0) or 0, req.url.rsplit("/", 1)[-1]))
    biggest.sort(reverse=True)
    return {"bytes": body + headers, "body_bytes": body, "header_bytes": headers,
            "requests": len(requests), "statuses": statuses,
            "largest": [{"file": n, "bytes": b} for b, n in biggest[:6]]}


def _load_page(context, url: str) -> dict:
    finished = []

    def on_finished(req):
        finished.append(req)

    context.on("requestfinished", on_finished)
    page = context.new_page()
    t0 = time.monotonic()
    page.goto(url)
    _wait_ready(page)
    wall = (time.monotonic() - t0) * 1000.0
    page.wait_for_load_state("networkidle")
    ready_at = page.evaluate("window.__benchReadyAt")
    stages = page.evaluate("window.__benchStages")
    nav = page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
        return n ? {responseEnd: n.responseEnd, domContentLoaded: n.domContentLoadedEventEnd,
                    load: n.loadEventEnd} : null; }""")
    context.remove_listener("requestfinished", on_finished)
    return {"page": page, "ready_ms": ready_at, "wall_ms": wall, "navigation": nav,
            "stages": stages, "transfer": _transfer(finished)}


def measure_startup(launch_profile, base_url: str, runs: int) -> dict:
    """Each run launches Chromium on a new, empty profile directory (a disk HTTP cache, as a
    real browser has; Playwright's incognito-like contexts keep an in-memory cache that
    does not hold the 10 MB pyodide.asm.wasm). Cold: the first load. Warm: a second load
    in the same profile; the server sends Cache-Control: no-cache, so every file is
    revalidated (If-Modified-Since -> 304)."""
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
        log(f"  startup  cold {first['ready_ms']:.0f} ms ({_mb(first['transfer']['bytes'])}), "
            f"warm {second['ready_ms']:.0f} ms ({_mb(second['transfer']['bytes'])}, "
            f"statuses {second['transfer']['statuses']})")

    def strip(r):
        return {k: v for k, v in r.items() if k != "page"}

    return {
        "cold_ms": median(r["ready_ms"] for r in cold),
        "warm_ms": median(r["ready_ms"] for r in warm),
        "cold_bytes": int(median(r["transfer"]["bytes"] for r in cold)),
        "warm_bytes": int(median(r["transfer"]["bytes"] for r in warm)),
        "runs": runs,
        "measured": ("performance.now() in the page when [data-testid=status] first gets "
                     "data-state=ready (0 = navigation start); a fresh Chromium profile per "
                     "run (disk cache), warm = second load in it; bytes = response bodies + "
                     "headers of every request, the worker's included (Playwright "
                     "request.sizes(); a revalidated file costs its headers only); stages = "
                     "the status line's changes with their times"),
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
        _wait_ready(page)

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
                     "data-renders counter; worker_compute is the pycore.api.convolve time "
                     "the worker reports (shown on the page); p95 = nearest rank"),
    }
    log(f"  latency  median {_num(out['median_ms'])} ms, p95 {_num(out['p95_ms'])} ms "
        f"(worker compute median {_num(out['worker_compute_median_ms'])} ms) over {n} edits")
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
        _wait_ready(page)
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
    log(f"  explorer sliding window {_num(out['steps_per_s'])} steps/s back to back "
        f"(slowest step {_num(out['max_step_ms'])} ms), {_num(out['per_frame_steps_per_s'])} "
        f"steps/s one per frame")
    return out


def _ms_in(text: str) -> float | None:
    import re

    m = re.search(r"in ([0-9.]+) ms", text or "")
    return float(m.group(1)) if m else None


def measure_browser_cases(page, case_ids, mode: dict) -> dict:
    out = {}
    for cid in case_ids:
        reps = mode["big_repeats"] if cid in BIG_CASES else mode["repeats"]
        r = page.evaluate("(req) => window.bench.py(req)",
                          {"op": "time", "case": cid, "repeats": reps, "warmup": mode["warmup"]})
        if "error" in r:
            out[cid] = {"error": r["error"]}
            log(f"  browser  {cid:24s} ERROR {r['error']}")
        else:
            out[cid] = {"ms": r["ms"], "median": median(r["ms"]), "setup_ms": r["setup_ms"],
                        "clock": r["clock"], "load_1min": _loadavg()}
            log(f"  browser  {cid:24s} {median(r['ms']):9.2f} ms  (runs {_runs(r['ms'])})")
    return out


def measure_tfjs(page, case_ids, mode: dict) -> dict:
    from tools import bench_cases as bc

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


def settle(page, case_ids) -> None:
    """Run every case once in both runtimes before timing any.

    Memory state otherwise decides the first cases' CPython figures: glibc serves the
    4 MB im2col buffers with mmap and hands them back on free until a larger free raises
    its dynamic threshold, so a 512x512 gray conv2d measured first took 12-14 ms per call
    (page faults) and 1.4-1.6 ms once a larger case had run. Pyodide's heap grows once."""
    from tools import bench_cases

    blas = openblas()
    default = blas.get_threads()
    blas.set_threads(1)
    try:
        for cid in case_ids:
            try:
                bench_cases.make(cid)()
            except Exception:
                pass  # reported when the case is timed
    finally:
        blas.set_threads(default or 1)
    for cid in case_ids:
        page.evaluate("(req) => window.bench.py(req)",
                      {"op": "time", "case": cid, "repeats": 1, "warmup": 0})


def run_measurements(case_ids, mode: dict, png: Path, results: dict) -> None:
    """Everything, into `results` ("cpython", "notebook", "browser"), as it is measured.

    The bench page is loaded first; then each case is timed in CPython and at once in the
    browser, so both runtimes see the same machine load (this is a shared 2-core machine:
    other work shows up in both, not in one). TF.js next, then, with the bench page
    closed, the notebook's loops (CPython), the product page's start-up and latency."""
    from playwright.sync_api import sync_playwright

    from tools.chromium import CHROMIUM_ARGS, find_chromium
    from tools.serve import serve_in_thread, server_url

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
                    _wait_ready(page, "[data-testid=bench-status]")
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


# ============================================================================ main


def assemble(case_ids, cpy: dict, nbk: dict, brw: dict, machine: dict, mode_name: str,
             mode: dict) -> dict:
    from tools import bench_cases as bc

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
    results["targets"] = evaluate_targets(cases, startup, latency, explorer)
    results["explorer"] = explorer
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
                        help="comma-separated case ids (default: all); see tools/bench_cases.py")
    parser.add_argument("--output", default=str(RESULTS_PATH), help="where to write the JSON")
    args = parser.parse_args(argv)

    from tools import bench_cases as bc
    from tools.chromium import ensure_chromium
    from tools.dist import build
    from tools.project import DIST_DIR, PYODIDE_VERSION, BuildError, relative
    from tools.python_deps import ensure_test_deps

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
    machine.update(mode=mode_name, repeats=mode, git_commit=git_commit(),
                   pycore_wheel_commit=info.get("git_commit"), git_dirty=info.get("git_dirty"),
                   date=_dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat())

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
        "notebook": ("tools/notebook_reference.py in CPython, timed once (quick) or 3 times; "
                     "the speed-up target compares it with pycore in CPython"),
    }
    machine["load_average_1min"] = {"before": _loadavg()}
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
    machine["load_average_1min"]["after"] = _loadavg()
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


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
