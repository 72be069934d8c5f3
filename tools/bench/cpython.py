"""The CPython side: each case in this process, and the notebook's own loops."""
from __future__ import annotations

from tools.bench.machine import load_average, openblas
from tools.bench.modes import case_repeats
from tools.bench.report import median, runs_text
from tools.project import log


def measure_cpython(case_ids, mode: dict) -> dict:
    """Per case: the headline run with OpenBLAS pinned to 1 thread, then one with numpy's
    default thread count (kept as ms_default_threads)."""
    from tools.bench import cases as bench_cases

    blas = openblas()
    default = blas.get_threads()
    out = {}
    for cid in case_ids:
        reps = case_repeats(cid, mode) * mode.get("cpython_factor", 1)
        try:
            with blas.one_thread():
                r = bench_cases.time_case(cid, None, reps, mode["warmup"])
            d = bench_cases.time_case(cid, None, reps, mode["warmup"])
            out[cid] = {"ms": r["ms"], "median": median(r["ms"]), "setup_ms": r["setup_ms"],
                        "ms_default_threads": d["ms"],
                        "median_default_threads": median(d["ms"]),
                        "blas_threads": 1 if blas.found else None,
                        "blas_default_threads": default, "load_1min": load_average()}
            log(f"  cpython  {cid:24s} {median(r['ms']):9.2f} ms  (runs {runs_text(r['ms'])}); "
                f"{default} BLAS threads: {median(d['ms']):.2f} ms")
        except Exception as exc:
            out[cid] = {"error": f"{type(exc).__name__}: {exc}"}
            log(f"  cpython  {cid:24s} ERROR {out[cid]['error']}")
    return out


def notebook_call(case_id: str, sizes: dict | None = None):
    """The notebook's loops on a case's inputs: (zero-argument call, note) or None."""
    import numpy as np

    from tools.bench import cases as bc
    from tools.bench import notebook_reference as nb

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
    from tools.bench import cases as bench_cases

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
