"""The benchmark's figures as the issue asks for them: statistics, targets, the table (text
and markdown), the README section and the results JSON. Pure functions, stdlib only."""
from __future__ import annotations

import json
import math
import os
import statistics
from pathlib import Path

README_BEGIN = "<!-- bench-table:begin (written by `python3 build.py bench --update-readme`) -->"
README_END = "<!-- bench-table:end -->"

RATIO_LIMIT = 2.0            # browser / CPython, conv and pooling
NOTEBOOK_SPEEDUP = 100.0     # notebook loops / pycore, at least
FORWARD_LIMIT_MS = 1000.0    # notebook network forward pass, in the browser
LATENCY_P95_MS = 150.0       # kernel-cell edit -> redrawn feature maps
COLD_START_MS = 5000.0       # page cold start to ready, localhost
TRANSFER_LIMIT = 20_000_000  # bytes (20 MB, decimal)
EXPLORER_STEPS_PER_S = 30.0  # sliding-window explorer on 32x32, arithmetic panel showing (issue 4)
TRAIN_TO_95_MS = 5000.0      # train digits to 95% test accuracy with the defaults, in the page (issue 10)

# The speed and start-up issue's targets (issue 13): reported beside the others, never enforced.
SPEED = "speed issue: "      # the prefix of their figure names
SPEED_RATIO_LIMITS = {       # case id -> browser / CPython at most (one worker)
    "conv_gray_512_3x3": 2.0, "conv_rgb_512_8x3x3": 4.0, "conv_rgb_512_8x5x5": 4.0,
    "conv_rgb_1024_8x3x3": 3.2, "conv_rgb_512_8x11x11": 1.5,
    "maxpool_8x512_2x2": 2.0, "avgpool_8x512_2x2": 1.5,
    "seed_forward": 3.0, "digits_train_step": 3.0,
}
SPEED_BEAT_TFJS_WASM = ("conv_rgb_512_8x11x11",)  # pycore (browser) / TF.js wasm < 1
SPEED_WORKERS = 1.6           # all workers vs one, conv 1024x1024 RGB 8x3x3, 2 cores: at least
SPEED_REDRAW_P95_MS = 50.0    # edit -> redraw p95, 512x512 image, 3 filters
SPEED_COLD_BYTES = 9_000_000  # bytes transferred on a cold start (compressed)
SPEED_WARM_OVER_COLD = 0.5    # warm start / cold start


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
    text = "reported" if op == "report" else f"{op} {short_number(limit)}{unit}"
    return {"figure": figure, "case": case, "value": value, "target": text, "met": met}


def speed_targets(cases: list[dict], startup: dict, latency: dict,
                  workers: dict | None = None) -> list[dict]:
    """The speed issue's targets (SPEED_*), figure names prefixed with SPEED."""
    out = []
    for c in cases:
        cid, peer = c.get("id"), c.get("peer") or {}
        if cid in SPEED_RATIO_LIMITS:
            out.append(_target(SPEED + "browser / CPython", cid, c.get("ratio"), "<=",
                               SPEED_RATIO_LIMITS[cid], "x"))
        if cid in SPEED_BEAT_TFJS_WASM:
            out.append(_target(SPEED + "pycore (browser) / TF.js wasm", cid,
                               ratio(c.get("browser_ms"), peer.get("tfjs_wasm_ms")), "<", 1.0, "x"))
    st = startup or {}
    out.append(_target(SPEED + "all workers vs one, conv 1024x1024 RGB 8x3x3", None,
                       (workers or {}).get("speedup"), ">=", SPEED_WORKERS, "x"))
    out.append(_target(SPEED + "edit -> redraw p95", None, (latency or {}).get("p95_ms"), "<=",
                       SPEED_REDRAW_P95_MS, " ms"))
    out.append(_target(SPEED + "bytes transferred, cold start", None, st.get("cold_bytes"), "<=",
                       SPEED_COLD_BYTES, " B"))
    out.append(_target(SPEED + "warm start / cold start", None,
                       ratio(st.get("warm_ms"), st.get("cold_ms")), "<=", SPEED_WARM_OVER_COLD, "x"))
    return out


def evaluate_targets(cases: list[dict], startup: dict, latency: dict,
                     explorer: dict | None = None) -> list[dict]:
    """The issue's targets, from the figures gathered. `met` is True/False, or None when the
    figure is missing (not measured, or failed) or only reported. The speed issue's come
    from :func:`speed_targets`."""
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
        if cid == "digits_train_to_95":
            out.append(_target("train digits to 95%, browser", cid, c.get("browser_ms"),
                               "<", TRAIN_TO_95_MS, " ms"))
    out.append(_target("edit -> redraw p95", None, (latency or {}).get("p95_ms"), "<",
                       LATENCY_P95_MS, " ms"))
    out.append(_target("cold start to ready", None, (startup or {}).get("cold_ms"), "<",
                       COLD_START_MS, " ms"))
    out.append(_target("bytes transferred, cold start", None,
                       (startup or {}).get("cold_bytes"), "<", TRANSFER_LIMIT, " B"))
    out.append(_target("sliding-window explorer, 32x32, steps/s", None,
                       (explorer or {}).get("steps_per_s"), ">=", EXPLORER_STEPS_PER_S, "/s"))
    return out


def short_number(v, digits: int | None = None) -> str:
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


def byte_size(n) -> str:
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
        "train digits to 95%, browser": "browser",
        SPEED + "browser / CPython": "speed issue: browser/CPython",
        SPEED + "pycore (browser) / TF.js wasm": "speed issue: vs TF.js wasm",
    }.get(t["figure"], t["figure"])
    return f"{name} {t['target']}"


def _verdict(targets: list[dict]) -> str:
    judged = [t for t in targets if t["target"] != "reported"]
    if not judged:
        return ""
    missed = [t for t in judged if t["met"] is False]
    unknown = [t for t in judged if t["met"] is None]
    if missed:
        return "MISSED: " + "; ".join(f"{_target_text(t)} (is {short_number(t['value'])})" for t in missed)
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
            peers.append(f"TF.js wasm {short_number(peer.get('tfjs_wasm_ms'))}, "
                         f"cpu {short_number(peer.get('tfjs_cpu_ms'))}")
        if peer.get("notebook_ms") is not None:
            peers.append(f"notebook {short_number(peer['notebook_ms'])}")
        mine = [t for t in targets if t.get("case") == c.get("id")]
        shown = []
        for t in mine:
            if t["target"] == "reported":
                if t["value"] is not None:
                    shown.append(f"{short_number(t['value'])}x TF.js wasm")
            else:
                mark = {True: "met", False: "missed", None: "not measured"}[t["met"]]
                value = "" if t["value"] is None else f" is {short_number(t['value'])}"
                shown.append(f"{_target_text(t)}:{value} ({mark})")
        result = _verdict(mine)
        if c.get("error"):
            result = (result + "; " if result else "") + "error: " + c["error"][:80]
        rows.append([c.get("case", c.get("id", "?")), short_number(c.get("browser_ms")),
                     short_number(c.get("cpython_ms")),
                     "-" if c.get("ratio") is None else f"{c['ratio']:.2f}",
                     "; ".join(peers) or "-", "; ".join(shown) or "-", result or "-"])
    st, lat = results.get("startup") or {}, results.get("latency") or {}
    by_fig = {t["figure"]: t for t in targets if t.get("case") is None}
    t = by_fig.get("cold start to ready")
    rows.append(["page cold start to ready", short_number(st.get("cold_ms")), "-", "-", "-",
                 _target_text(t) if t else "-", _verdict([t]) if t else "-"])
    rows.append(["page warm start to ready (service worker cache)", short_number(st.get("warm_ms")),
                 "-", "-" if st.get("warm_over_cold") is None else f"{st['warm_over_cold']:.2f} of cold",
                 "-", "-", "-"])  # the target is the speed issue's row "warm start / cold start"
    cold_st, warm_st = st.get("cold_stages_ms") or {}, st.get("warm_stages_ms") or {}
    for stage in cold_st:
        rows.append([f"start-up stage: {stage} (cold; warm in peers)", short_number(cold_st[stage]),
                     "-", "-", f"warm {short_number(warm_st.get(stage))}", "-", "-"])
    t = by_fig.get("bytes transferred, cold start")
    coded = st.get("cold_body_bytes_by_coding") or {}
    rows.append(["bytes transferred, cold start", byte_size(st.get("cold_bytes")), "-", "-",
                 ("as sent, by Content-Encoding: " + ", ".join(
                     f"{c} {byte_size(n)}" for c, n in sorted(coded.items()))) if coded else "-",
                 "< 20 MB" if t else "-", _verdict([t]) if t else "-"])
    rows.append(["bytes transferred, warm start", byte_size(st.get("warm_bytes")), "-", "-", "-", "-",
                 "-"])
    t = by_fig.get("edit -> redraw p95")
    rows.append([f"edit -> redraw, median ({lat.get('edits', 0)} edits)",
                 short_number(lat.get("median_ms")), "-", "-", "-", "-", "-"])
    rows.append(["edit -> redraw, p95", short_number(lat.get("p95_ms")), "-", "-", "-",
                 _target_text(t) if t else "-", _verdict([t]) if t else "-"])
    for fig, label in (
            ("all workers vs one, conv 1024x1024 RGB 8x3x3", "all workers vs one, conv 1024x1024 RGB"),
            ("edit -> redraw p95", "edit -> redraw, p95 (speed issue)"),
            ("bytes transferred, cold start", "bytes transferred, cold start (speed issue)"),
            ("warm start / cold start", "warm start / cold start")):
        t = by_fig.get(SPEED + fig)
        if t is None:
            continue
        shown = "-" if t["value"] is None else (byte_size(t["value"]) if fig.startswith("bytes")
                                                 else short_number(t["value"]))
        rows.append([label, shown, "-", "-", "-", _target_text(t), _verdict([t])])
    rows += worker_rows(results.get("workers") or {}, results.get("cases", []))
    ex = results.get("explorer") or {}
    t = by_fig.get("sliding-window explorer, 32x32, steps/s")
    rows.append(["sliding-window explorer, 32x32, steps/s (one per frame: "
                 f"{short_number(ex.get('per_frame_steps_per_s'))})", short_number(ex.get("steps_per_s")),
                 "-", "-", "-", _target_text(t) if t else "-", _verdict([t]) if t else "-"])
    return rows


SPLIT_NAMES = {"rows": "bands of rows", "filters": "filters"}


def worker_rows(workers: dict, cases: list[dict] | None = None) -> list[list[str]]:
    """The worker pool's rows: per case, split and worker count the median ms, each step's
    median (compute per part, with part 0 computed alone beside it; the copy out of the
    wasm heap; post and reply; the stitch) and the speed-up over one worker."""
    labels = {c.get("id"): c.get("case") for c in cases or []}
    rows = []
    for cid, w in (workers.get("cases") or {}).items():
        every = w.get("all")
        for r in (w.get("runs") or {}).values():
            n = r["workers"]
            parts = r.get("per_part_median_ms") or []

            def steps(name, parts=parts):
                return "/".join(short_number(p.get(name)) for p in parts)

            detail = [f"compute {steps('computeMs')}"]
            if r.get("alone_compute_median_ms") is not None:
                detail[0] += f" (part 1 alone {short_number(r['alone_compute_median_ms'])})"
            detail.append(f"copy out {steps('copyMs')}")
            detail.append("post + reply " + "/".join(
                short_number((p.get("sendMs") or 0) + (p.get("replyMs") or 0)) for p in parts))
            if r.get("stitched"):
                detail.append(f"stitch {short_number(r.get('stitch_median_ms'))} ("
                              f"{short_number(r.get('stitch_after_last_reply_median_ms'))} after "
                              "the last reply)")
            count = f"{n} worker{'s' if n != 1 else ''}" + (" (all)" if n == every and n > 1 else "")
            speed = r.get("speedup_vs_one")
            result = ("-" if speed is None or n == 1 else f"{speed:.2f}x one worker") + (
                "; bit-equal to one conv2d" if r.get("bit_equal_to_one_conv2d")
                else "; DIFFERS from one conv2d")
            rows.append([f"worker pool: {labels.get(cid, cid)}, {count}, by "
                         f"{SPLIT_NAMES.get(r['split'], r['split'])}",
                         short_number(r.get("median_ms")), "-", "-", "; ".join(detail), "-", result])
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
        f"{short_number((m.get('memory_bytes') or 0) / 2**30)} GiB",
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
        f"{short_number((m.get('load_average_1min') or {}).get('before'))} before, "
        f"{short_number((m.get('load_average_1min') or {}).get('after'))} after, on "
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


def runs_text(ms) -> str:
    """Each run's milliseconds, for a log line: `1.2, 1.3, 1.1`."""
    return ", ".join(f"{v:.1f}" for v in ms)
