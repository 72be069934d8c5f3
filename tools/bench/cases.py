"""The benchmark's cases: the same plain Python in CPython and in Pyodide.

CPython imports this as ``tools.bench.cases``. The bench page's worker fetches this file
as text, writes it to Pyodide's file system as ``/bench/bench_cases.py`` and imports it,
so both runtimes run byte-identical code. It must therefore import nothing but the
standard library, numpy and pycore, and it never builds Python source from data: the
worker calls :func:`run_json` (and :func:`peer_arrays`) with a JSON request.

A case is a plain function ``make(sizes) -> callable``: it builds the inputs (seeded,
float32) outside the timing and returns the zero-argument call that is timed. ``sizes``
is a dict; missing keys take the case's defaults in ``CASES`` (the unit tests pass tiny
sizes). :func:`time_case` warms up, then times each repeat separately with the runtime's
own clock (``performance.now()`` in the browser, ``time.perf_counter()`` in CPython) and
returns the list of milliseconds, so no JS <-> Python traffic is inside a timing.
"""

from __future__ import annotations

import json
import platform
import sys
import time

import numpy as np

SEED = 0
IN_BROWSER = sys.platform == "emscripten"

# id -> what it measures. "kind" groups targets (conv/pool: browser/CPython <= 2.0);
# "peers" lists the references measured for it: "tfjs" (TF.js cpu and wasm, browser),
# "notebook" (the notebook's loops, CPython; see tools/bench/notebook_reference.py).
CASES: dict[str, dict] = {
    "conv_gray_512_3x3": {
        "label": "conv2d 512x512 gray, 3 kernels 3x3",
        "kind": "conv", "sizes": {"c_in": 1, "h": 512, "w": 512, "c_out": 3, "k": 3},
        "peers": ["tfjs", "notebook"],
    },
    "conv_rgb_512_8x3x3": {
        "label": "conv2d 512x512 RGB, 8 filters 3x3",
        "kind": "conv", "sizes": {"c_in": 3, "h": 512, "w": 512, "c_out": 8, "k": 3},
        "peers": ["tfjs"],
    },
    "conv_rgb_512_8x5x5": {
        "label": "conv2d 512x512 RGB, 8 filters 5x5",
        "kind": "conv", "sizes": {"c_in": 3, "h": 512, "w": 512, "c_out": 8, "k": 5},
        "peers": ["tfjs"],
    },
    # large kernels: pycore takes FFT correlation there (ops._conv2d_fft_wanted)
    "conv_rgb_512_8x7x7": {
        "label": "conv2d 512x512 RGB, 8 filters 7x7",
        "kind": "conv", "sizes": {"c_in": 3, "h": 512, "w": 512, "c_out": 8, "k": 7},
        "peers": ["tfjs"],
    },
    "conv_rgb_512_8x11x11": {
        "label": "conv2d 512x512 RGB, 8 filters 11x11",
        "kind": "conv", "sizes": {"c_in": 3, "h": 512, "w": 512, "c_out": 8, "k": 11},
        "peers": ["tfjs"],
    },
    "conv_rgb_1024_8x3x3": {
        "label": "conv2d 1024x1024 RGB, 8 filters 3x3",
        "kind": "conv", "sizes": {"c_in": 3, "h": 1024, "w": 1024, "c_out": 8, "k": 3},
        "peers": ["tfjs"],
    },
    "maxpool_8x512_2x2": {
        "label": "max pool 2x2, 8x512x512",
        "kind": "pool", "sizes": {"c": 8, "h": 512, "w": 512, "k": 2, "op": "max"},
        "peers": ["tfjs", "notebook"],
    },
    "avgpool_8x512_2x2": {
        "label": "avg pool 2x2, 8x512x512",
        "kind": "pool", "sizes": {"c": 8, "h": 512, "w": 512, "k": 2, "op": "avg"},
        "peers": ["tfjs", "notebook"],
    },
    "maxpool_gray_512_2x2": {
        "label": "max pool 2x2, 512x512 gray",
        "kind": "pool", "sizes": {"c": 1, "h": 512, "w": 512, "k": 2, "op": "max"},
        "peers": ["notebook"],
    },
    "avgpool_gray_512_2x2": {
        "label": "avg pool 2x2, 512x512 gray",
        "kind": "pool", "sizes": {"c": 1, "h": 512, "w": 512, "k": 2, "op": "avg"},
        "peers": ["notebook"],
    },
    "seed_forward": {
        "label": "notebook network forward, 3x352x480",
        "kind": "network", "sizes": {"c": 3, "h": 352, "w": 480, "preset": "seed"},
        "peers": [],
    },
    # training: pycore.train.Trainer with the command line's defaults (Adam, lr 0.01,
    # float64), on the digits (1,437 train / 360 test images of 1x8x8)
    "digits_train_step": {
        "label": "one train step, batch 32, digits network",
        "kind": "train", "sizes": {"batch": 32, "data": "digits", "preset": "digits"},
        "peers": [],
    },
    "digits_train_epoch": {
        "label": "one epoch of the digits network (45 steps of 32, then the test evaluation)",
        "kind": "train_epoch", "sizes": {"batch": 32, "data": "digits", "preset": "digits",
                                         "train_images": None},
        "peers": [],
    },
    "digits_train_to_95": {
        "label": "train digits to 95% test accuracy with the defaults",
        "kind": "train_to", "sizes": {"data": "digits", "preset": "digits", "target": 0.95,
                                      "train_images": None},
        "peers": [],
    },
}
# A step case's trainer gets this many batches in its epoch, more than any mode's warm-up
# plus repeats, so no timed step is an epoch's last (which also evaluates the test part).
STEP_CASE_EPOCH_BATCHES = 1000


def case_sizes(case_id: str, sizes: dict | None = None) -> dict:
    """The case's default sizes updated with ``sizes``."""
    if case_id not in CASES:
        raise KeyError(f"unknown benchmark case {case_id!r}; known: {', '.join(CASES)}")
    return {**CASES[case_id]["sizes"], **(sizes or {})}


# ------------------------------------------------------------------------------ inputs


def rng(case_id: str) -> np.random.Generator:
    """A generator seeded by SEED and the case id (stable across runs and runtimes)."""
    return np.random.default_rng([SEED, sum(case_id.encode())])


def conv_inputs(sizes: dict, case_id: str = "conv") -> tuple[np.ndarray, np.ndarray]:
    """x (C_in, H, W) in [0, 1) and weight (C_out, C_in, k, k) ~ N(0, 1), float32."""
    g = rng(case_id)
    x = g.random((sizes["c_in"], sizes["h"], sizes["w"]), dtype=np.float32)
    w = g.standard_normal((sizes["c_out"], sizes["c_in"], sizes["k"], sizes["k"]),
                          dtype=np.float32)
    return x, w


def pool_input(sizes: dict, case_id: str = "pool") -> np.ndarray:
    """x (C, H, W) ~ N(0, 1), float32."""
    return rng(case_id).standard_normal((sizes["c"], sizes["h"], sizes["w"]), dtype=np.float32)


# ------------------------------------------------------------------------------- cases
# Each returns the zero-argument call that is timed; its result is the op's output.


def make_conv(sizes: dict, case_id: str = "conv"):
    from pycore import ops

    x, w = conv_inputs(sizes, case_id)
    return lambda: ops.conv2d(x, w, padding="same")


def make_pool(sizes: dict, case_id: str = "pool"):
    from pycore import ops

    x = pool_input(sizes, case_id)
    k = sizes["k"]
    fn = {"max": ops.max_pool2d, "avg": ops.avg_pool2d}[sizes["op"]]
    return lambda: fn(x, k)


def make_forward(sizes: dict, case_id: str = "network"):
    from pycore import network, presets

    preset = presets.get_preset(sizes["preset"])
    shape = (sizes["c"], sizes["h"], sizes["w"])
    net = network.build(preset["spec"], shape, seed=SEED)
    x = rng(case_id).random(shape, dtype=np.float32)
    return lambda: net.forward(x)


def train_data(sizes: dict):
    """The case's data set; ``train_images`` (None: all) keeps the first ones of its train part."""
    from pycore import datasets

    data = datasets.load_dataset(sizes["data"])
    n = sizes.get("train_images")
    if n is None:
        return data
    return datasets.Dataset(data.name, data.x_train[:n], data.y_train[:n], data.x_test, data.y_test,
                            data.classes)


def make_trainer(sizes: dict, data, epochs: int | None = None, batch_size: int | None = None):
    """A fresh :class:`pycore.train.Trainer` on the preset, fitted to ``data``, as
    ``pycore train`` makes it (the defaults but for ``epochs`` and ``batch_size``)."""
    from pycore import presets, train

    given = {"epochs": epochs, "batch_size": batch_size}
    settings = train.TrainSettings(**{k: v for k, v in given.items() if v is not None})
    spec = train.fit_spec(presets.get_preset(sizes["preset"])["spec"], len(data.classes))
    net = train.make_network(spec, data.input_shape, seed=settings.seed, dtype=settings.dtype)
    return train.Trainer(net, data, settings)


def make_train_step(sizes: dict, case_id: str = "train"):
    """One batch of the trainer; returns its loss."""
    from pycore import datasets

    data = train_data(sizes)
    # the train part repeated into one long epoch (see STEP_CASE_EPOCH_BATCHES)
    reps = -(-STEP_CASE_EPOCH_BATCHES * sizes["batch"] // len(data.y_train))
    long = datasets.Dataset(data.name, np.concatenate([data.x_train] * reps),
                            np.concatenate([data.y_train] * reps), data.x_test, data.y_test, data.classes)
    trainer = make_trainer(sizes, long, epochs=1, batch_size=sizes["batch"])
    return lambda: trainer.step(1)["losses"][0]


def make_train_epoch(sizes: dict, case_id: str = "train_epoch"):
    """One more epoch of one trainer (training and the test evaluation); returns its test accuracy."""
    trainer = make_trainer(sizes, train_data(sizes), epochs=10**6, batch_size=sizes["batch"])
    return lambda: trainer.run_epochs(1)[-1]["test_accuracy"]


def make_train_to(sizes: dict, case_id: str = "train_to"):
    """Train a fresh network with the defaults, epoch by epoch, until an epoch ends with test
    accuracy >= ``target``; returns the epochs it took. Raises when the defaults' epochs end
    first (the case then reports an error, not a time)."""
    data = train_data(sizes)
    target = float(sizes["target"])
    make_trainer(sizes, data)        # the first build of a preset also imports and caches: not timed

    def run():
        trainer = make_trainer(sizes, data)
        while not trainer.done:
            if trainer.run_epochs(1)[-1]["test_accuracy"] >= target:
                return float(trainer.epoch)
        best = max(h["test_accuracy"] for h in trainer.history)
        raise RuntimeError(f"{trainer.epoch} epochs reached test accuracy {best:.3f}, not {target}")

    return run


MAKERS = {"conv": make_conv, "pool": make_pool, "network": make_forward, "train": make_train_step,
          "train_epoch": make_train_epoch, "train_to": make_train_to}


def make(case_id: str, sizes: dict | None = None):
    """The timed call of a case (inputs already built)."""
    return MAKERS[CASES[case_id]["kind"]](case_sizes(case_id, sizes), case_id)


# ------------------------------------------------------------------ the worker pool's split
# A pool of Pyodide workers (tools/bench/page/pool.mjs) shares one convolution: each worker
# holds the whole image (sent once) and computes a band of output rows, or a range of
# filters; the page stitches the parts and checks them bit-equal to one conv2d call.
# Only the valid (non-FFT) paths are split: their sums per output cell do not depend on the
# band, the FFT's blocks do.


def split_ranges(n: int, parts: int) -> list[tuple[int, int]]:
    """``[0, n)`` cut into at most ``parts`` contiguous, non-empty ranges whose lengths
    differ by at most one (the first ones longer)."""
    parts = max(1, min(int(parts), n))
    q, r = divmod(n, parts)
    out, start = [], 0
    for i in range(parts):
        end = start + q + (i < r)
        out.append((start, end))
        start = end
    return out


def conv_band_geometry(shape: tuple, kernel: tuple, stride=1, padding=0, dilation=1) -> dict:
    """How a band of output rows maps back to the input, for conv2d's arguments.

    ``shape`` is the image's (C, H, W), ``kernel`` (kH, kW). Returns ``{"out": (Ho, Wo),
    "pad": (top, bottom, left, right)}``: the padded image has ``H + top + bottom`` rows,
    and output rows ``[o0, o1)`` read its rows ``[o0 * sH, (o1 - 1) * sH + dH * (kH - 1) + 1)``
    (:func:`band_input_rows`), the band plus ``dH * (kH - 1)`` halo rows.
    """
    from pycore import ops, validate

    s = validate.pair(stride, "stride", 1)
    d = validate.pair(dilation, "dilation", 1)
    (pt, pb), (pl, pr) = ops.resolve_conv_padding(padding, tuple(kernel), s, d)
    _, H, W = shape
    ho = ops.conv_output_size(H, kernel[0], s[0], (pt, pb), d[0])
    wo = ops.conv_output_size(W, kernel[1], s[1], (pl, pr), d[1])
    return {"out": (ho, wo), "pad": (pt, pb, pl, pr), "stride": s, "dilation": d}


def band_input_rows(rows: tuple[int, int], kh: int, stride: int, dilation: int) -> tuple[int, int]:
    """The padded image's rows ``[p0, p1)`` that output rows ``[o0, o1)`` read."""
    o0, o1 = rows
    return o0 * stride, (o1 - 1) * stride + dilation * (kh - 1) + 1


def conv_band(x, w, rows: tuple[int, int], bias=None, stride=1, padding=0, dilation=1,
              padding_mode: str = "zeros") -> np.ndarray:
    """Output rows ``[o0, o1)`` of ``ops.conv2d(x, w, bias, stride, padding, dilation,
    padding_mode=padding_mode)`` for x (C_in, H, W): (C_out, o1 - o0, Wo).

    Only the band's padded rows and their halo are built: each padded row's source row
    comes from padding the row numbers 0..H-1 with pycore's own rule (``ops.pad``; -1 for
    a zero row), then the columns are padded and the band convolved without padding.
    """
    from pycore import ops

    x = np.asarray(x)
    w = np.asarray(w)
    geo = conv_band_geometry(x.shape, w.shape[-2:], stride, padding, dilation)
    pt, pb, pl, pr = geo["pad"]
    o0, o1 = rows
    if not 0 <= o0 < o1 <= geo["out"][0]:
        raise ValueError(f"rows {rows} are not a band of the {geo['out'][0]} output rows")
    mode = ops.conv_pad_mode(padding_mode)
    p0, p1 = band_input_rows(rows, w.shape[-2], geo["stride"][0], geo["dilation"][0])
    H = x.shape[-2]
    numbers = np.arange(H, dtype=np.float64)[:, None]
    source = ops.pad(numbers, (0, 0, pt, pb), mode, value=-1.0)[p0:p1, 0].astype(np.intp)
    if mode == "constant":
        band = np.zeros(x.shape[:-2] + (p1 - p0, x.shape[-1] + pl + pr), dtype=x.dtype)
        inside = source >= 0
        band[..., inside, pl:pl + x.shape[-1]] = x[..., source[inside], :]
    else:
        band = ops.pad(x[..., source, :], (pl, pr, 0, 0), mode)
    return ops.conv2d(band, w, bias, stride=geo["stride"], padding=0, dilation=geo["dilation"])


def conv_filters(x, w, filters: tuple[int, int], bias=None, stride=1, padding=0, dilation=1,
                 padding_mode: str = "zeros") -> np.ndarray:
    """Filters ``[c0, c1)`` of the same conv2d call: (c1 - c0, Ho, Wo)."""
    from pycore import ops

    c0, c1 = filters
    b = None if bias is None else np.asarray(bias)[c0:c1]
    return ops.conv2d(x, np.asarray(w)[c0:c1], b, stride=stride, padding=padding,
                      dilation=dilation, padding_mode=padding_mode)


def conv_kwargs(settings: dict | None) -> dict:
    """conv2d's stride, padding, dilation and padding_mode from a JSON request's settings
    (a padding pair arrives as a list); missing ones take conv2d's defaults."""
    st = settings or {}
    padding = st.get("padding", 0)
    return {"stride": st.get("stride", 1),
            "padding": tuple(padding) if isinstance(padding, list) else padding,
            "dilation": st.get("dilation", 1), "padding_mode": st.get("padding_mode", "zeros")}


# A pool worker's side: the image it holds (sent once) and the part of a call it computes.
HELD: dict = {}


def _floats(data) -> np.ndarray:
    """float32 values from bytes, a memoryview, an ndarray or (in Pyodide) a JS typed
    array's proxy (copied out of the JS heap once)."""
    if hasattr(data, "to_py"):
        data = data.to_py()
    return np.frombuffer(data, dtype=np.float32) if not isinstance(data, np.ndarray) else data


def pool_hold_image(data, shape_json: str) -> None:
    """Keep the image (C, H, W) float32 for later :func:`pool_part` calls."""
    HELD["x"] = _floats(data).reshape(json.loads(shape_json))


def pool_part(w_data, request_json: str) -> np.ndarray:
    """One worker's part of a conv over the held image: ``request`` = ``{"wshape",
    "settings": conv2d's stride, padding, dilation, padding_mode, "split": "rows" |
    "filters", "range": [lo, hi]}``; the part is C-contiguous float32."""
    req = json.loads(request_json)
    w = _floats(w_data).reshape(req["wshape"])
    part = {"rows": conv_band, "filters": conv_filters}.get(req["split"])
    if part is None:
        raise ValueError(f"split must be 'rows' or 'filters', got {req['split']!r}")
    out = part(HELD["x"], w, tuple(req["range"]), None, **conv_kwargs(req.get("settings")))
    return np.ascontiguousarray(out, dtype=np.float32)


def pool_plan(shape, wshape, settings: dict, split: str, parts: int) -> dict:
    """How ``parts`` workers share a conv of an image of ``shape`` (C, H, W) with weights
    of ``wshape``: ``{"out": [C_out, Ho, Wo], "split", "ranges": [[lo, hi], ...]}``, the
    output rows (``"rows"``) or filters (``"filters"``) of each worker, in order."""
    kw = conv_kwargs(settings)
    geo = conv_band_geometry(tuple(shape), tuple(wshape[-2:]), kw["stride"], kw["padding"],
                             kw["dilation"])
    if split == "rows":
        n = geo["out"][0]
    elif split == "filters":
        n = wshape[0]
    else:
        raise ValueError(f"split must be 'rows' or 'filters', got {split!r}")
    return {"out": [wshape[0], *geo["out"]], "split": split,
            "ranges": [list(r) for r in split_ranges(n, parts)]}


# ------------------------------------------------------------------------------ timing


def _clock():
    """Milliseconds from the runtime's own monotonic clock, and its name."""
    if IN_BROWSER:
        from js import performance  # the worker's performance.now()

        return performance.now, "performance.now (Pyodide worker)"
    return (lambda: time.perf_counter() * 1000.0), "time.perf_counter (CPython)"


def time_call(fn, repeats: int, warmup: int = 1) -> list[float]:
    """Run fn ``warmup`` times untimed, then ``repeats`` times; the ms of each timed run."""
    now, _ = _clock()
    for _ in range(max(0, warmup)):
        fn()
    out = []
    for _ in range(max(1, repeats)):
        t0 = now()
        fn()
        out.append(float(now() - t0))
    return out


def time_case(case_id: str, sizes: dict | None = None, repeats: int = 5,
              warmup: int = 1) -> dict:
    """``{"case", "sizes", "ms": [...], "setup_ms", "clock"}``."""
    now, clock = _clock()
    t0 = now()
    fn = make(case_id, sizes)
    setup_ms = float(now() - t0)
    ms = time_call(fn, repeats, warmup)
    return {"case": case_id, "sizes": case_sizes(case_id, sizes), "ms": ms,
            "setup_ms": setup_ms, "clock": clock}


def runtime_info() -> dict:
    import pycore

    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": sys.platform,
        "machine": platform.machine(),
        "numpy": np.__version__,
        "pycore": getattr(pycore, "__version__", None),
    }


def run_json(request: str) -> str:
    """The worker's single entry point: a JSON request in, a JSON answer out.

    ``{"op": "info"}`` -> :func:`runtime_info`;
    ``{"op": "time", "case", "sizes", "repeats", "warmup"}`` -> :func:`time_case`;
    ``{"op": "pool_plan", "shape", "wshape", "settings", "split", "parts"}`` -> :func:`pool_plan`.
    Errors come back as ``{"error": "Type: message"}`` rather than raising.
    """
    try:
        req = json.loads(request)
        op = req.get("op")
        if op == "info":
            out = runtime_info()
        elif op == "time":
            out = time_case(req["case"], req.get("sizes"), int(req.get("repeats", 5)),
                            int(req.get("warmup", 1)))
        elif op == "pool_plan":
            out = pool_plan(req["shape"], req["wshape"], req.get("settings") or {}, req["split"],
                            int(req["parts"]))
        else:
            raise ValueError(f"unknown op {op!r}")
    except Exception as exc:  # reported per case; the run goes on
        out = {"error": f"{type(exc).__name__}: {exc}"}
    return json.dumps(out)


def peer_arrays(case_id: str, sizes_json: str = "{}", settings_json: str = "") -> list:
    """Inputs and pycore's output of a conv/pool case, for TF.js (and the worker pool) to
    check its own against.

    Returns ``[x (C, H, W), weight (C_out, C_in, k, k) or an empty array, out]``, all
    float32 C-contiguous (the worker hands their buffers to JS). ``settings`` (JSON, conv
    cases only: see :func:`conv_kwargs`) replaces the case's own ``padding="same"``.
    """
    sizes = case_sizes(case_id, json.loads(sizes_json or "{}"))
    kind = CASES[case_id]["kind"]
    if kind == "conv":
        x, w = conv_inputs(sizes, case_id)
    elif kind == "pool":
        x, w = pool_input(sizes, case_id), np.zeros(0, np.float32)
    else:
        raise ValueError(f"case {case_id} has no TF.js peer")
    if settings_json and kind == "conv":
        from pycore import ops

        out = ops.conv2d(x, w, **conv_kwargs(json.loads(settings_json)))
    elif settings_json:
        raise ValueError(f"case {case_id} takes no conv settings")
    else:
        out = make(case_id, sizes)()
    return [np.ascontiguousarray(a, dtype=np.float32) for a in (x, w, out)]
