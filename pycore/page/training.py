"""The Train tab's calls: train a network in the page's worker, slice by slice.

The worker is long-lived, so the training lives in Python between calls: one
:class:`TrainingSession`, the module-level :data:`SESSION`. ``train_setup`` (or
``train_load``) fills it, ``train_step`` advances it a slice at a time (the page pauses
by not calling), ``train_reset`` empties it. Every call is ``f(image, params)`` ->
``{"meta": JSON-able dict, "arrays": {name: float32 ndarray}}`` (``image`` is not used).

=================== ==================================================================
``train_setup``     a fresh network and :class:`pycore.train.Trainer` from the settings
``train_step``      train batches until ``max_batches`` or ``max_ms``; the epoch's
                    evaluation when one ended
``train_filters``   one conv layer's weights
``train_predict``   class probabilities and every layer's output for one input
``train_pad_input`` a drawing of the pad -> the 8x8 levels (:func:`pycore.datasets.reduce_digit`)
``train_save``      the model file (``.npz``, base64 in meta) and its PyTorch code
``train_load``      a saved model into the session
``train_export``    the network and its weights for the Build tab
``train_reset``     empty the session
=================== ==================================================================

The same settings give the same numbers as ``python -m pycore train``: the network is
``train.make_network(train.fit_spec(spec, classes), input_shape, seed, dtype)`` and the
batches come from the same :class:`~pycore.train.Trainer`, so the step losses are the
command line's bit for bit in CPython.
"""

from __future__ import annotations

import base64
import binascii
import io
import time
from typing import Any

import numpy as np

from .. import datasets, train
from .. import image as img
from ..presets import get_preset
from . import builder
from . import params as P

__all__ = ["LIMITS", "DEFAULT_PRESET", "DEFAULT_MAX_MS", "MODEL_FILENAME", "TrainingSession", "SESSION",
           "training_options", "train_setup", "train_step", "train_filters", "train_predict", "train_pad_input",
           "train_save", "train_load", "train_export", "train_reset"]

DEFAULT_PRESET = "digits"
DEFAULT_MAX_MS = 50.0        # a slice's time budget: Pause acts within about this long
MODEL_FILENAME = "model.npz"  # the name the PyTorch code loads the weights from
MAX_MISCLASSIFIED = 24        # test examples sent back after an epoch
# What the page agrees to train in its worker (the digits preset: 84 thousand
# multiply-adds per image and 6 thousand parameters)
LIMITS = {
    "max_lr": 10.0, "max_batch_size": 2048, "max_epochs": 200, "max_weight_decay": 1.0,
    "max_momentum": 0.999, "max_seed": builder.MAX_SEED, "max_slice_batches": 10_000,
    "max_slice_ms": 60_000.0, "max_train_macs": 20_000_000, "max_train_params": 2_000_000,
    "max_layers": builder.MAX_LAYERS, "max_pad_side": 2048,
}
DATASET_LABELS = {"digits": "handwritten digits (8×8, 1,437 train / 360 test)",
                  "shapes": "shapes: bars, crosses, boxes (16×16, 1,200 train / 300 test)"}
OPTIMIZER_LABELS = {"sgd": "SGD with momentum", "adam": "Adam"}
DTYPE_LABELS = {"float64": "float64 (the same numbers everywhere)", "float32": "float32 (faster)"}
INK_LABELS = {"auto": "detect from the border", "dark": "dark ink on light paper", "light": "light ink on dark"}


def _labelled(values, labels: dict) -> list[dict]:
    return [{"value": v, "label": labels[v]} for v in values]


def training_options() -> dict:
    """The Train tab's option lists, defaults and limits (``options()["training"]``).

    Returns
    -------
    dict
        ``{"datasets", "optimizers", "dtypes", "inks": [{value, label}], "defaults": {"data",
        "spec", "optimizer", "lr", "batch_size", "epochs", "weight_decay", "momentum", "seed",
        "dtype", "max_ms"}, "limits": LIMITS}``; the defaults are ``pycore.train.DEFAULTS``,
        the command line's.
    """
    d = train.DEFAULTS
    return {
        "datasets": _labelled(datasets.DATASETS, DATASET_LABELS),
        "optimizers": _labelled(train.OPTIMIZERS, OPTIMIZER_LABELS),
        "dtypes": _labelled(train.DTYPES, DTYPE_LABELS),
        "inks": _labelled(datasets.INK_MODES, INK_LABELS),
        "defaults": {"data": datasets.DATASETS[0], "spec": get_preset(DEFAULT_PRESET)["spec"],
                     "optimizer": d.optimizer, "lr": d.lr, "batch_size": d.batch_size, "epochs": d.epochs,
                     "weight_decay": d.weight_decay, "momentum": d.momentum, "seed": d.seed,
                     "dtype": d.dtype, "max_ms": DEFAULT_MAX_MS},
        "limits": dict(LIMITS),
    }


# --------------------------------------------------------------------------- the session

class TrainingSession:
    """The worker's one training session (kept between calls in :data:`SESSION`).

    Attributes
    ----------
    net : Sequential or None
        The network being trained (or loaded); None when empty.
    spec : list of dict
        Its normalized spec (the last dense layer fitted to the classes).
    input_shape : tuple (C, H, W)
    classes : tuple of str
    data : Dataset or None
        What it trains on; None for a loaded model that fits no data set (predict only).
    trainer : Trainer or None
        None when ``data`` is None.
    trace : dict
        :func:`pycore.page.builder.network_trace`'s meta for ``spec`` on ``input_shape``.
    """

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        """Forget everything (the page's Reset)."""
        self.net = self.spec = self.input_shape = self.classes = None
        self.data = self.trainer = self.trace = None
        self._datasets: dict = {}

    @property
    def active(self) -> bool:
        return self.net is not None

    def require(self) -> None:
        """Raise the page's message when there is no session."""
        if not self.active:
            raise ValueError("no network to train yet: set up training (or load a model) first")

    def dataset(self, name: str) -> datasets.Dataset:
        """``datasets.load_dataset(name)``, kept (the shapes are generated: ~0.1 s)."""
        if name not in self._datasets:
            self._datasets[name] = datasets.load_dataset(name)
        return self._datasets[name]

    def start(self, net, spec, input_shape, classes, data, settings, trace) -> None:
        self.net, self.spec, self.classes = net, spec, tuple(classes)
        self.input_shape = tuple(int(s) for s in input_shape)
        self.data, self.trace = data, trace
        self.trainer = None if data is None else train.Trainer(net, data, settings)


SESSION = TrainingSession()


# --------------------------------------------------------------------------- params

def _params(params: Any, who: str) -> dict:
    return P.settings(P.deep_plain(params), who)


def _settings(p: dict) -> train.TrainSettings:
    """The training settings of a call, checked (the messages name the control and value)."""
    d = train.DEFAULTS
    return train.TrainSettings(
        optimizer=P.choice(p, "optimizer", d.optimizer, train.OPTIMIZERS, "optimizer"),
        lr=P.number(p, "lr", d.lr, "learning rate", above=0.0, maximum=LIMITS["max_lr"]),
        batch_size=P.integer(p, "batch_size", d.batch_size, "batch size", 1, LIMITS["max_batch_size"]),
        epochs=P.integer(p, "epochs", d.epochs, "epochs", 1, LIMITS["max_epochs"]),
        weight_decay=P.number(p, "weight_decay", d.weight_decay, "weight decay", minimum=0.0,
                              maximum=LIMITS["max_weight_decay"]),
        momentum=P.number(p, "momentum", d.momentum, "momentum", minimum=0.0, maximum=LIMITS["max_momentum"]),
        seed=P.integer(p, "seed", d.seed, "seed", 0, LIMITS["max_seed"]),
        dtype=P.choice(p, "dtype", d.dtype, train.DTYPES, "number type"))


def _input_settings(input_shape) -> dict:
    c, h, w = input_shape
    return {"color": "rgb" if c == 3 else "gray", "height": h, "width": w, "fit": "resize"}


def _checked_trace(spec, input_shape) -> dict:
    """The builder's trace of ``spec``; raises the first broken layer's message (counted
    from 1, as the page numbers layers) or a training limit."""
    if not isinstance(spec, list):
        raise ValueError(f"the layer stack must be a list of layers, got {spec!r}")
    if not spec:
        raise ValueError("add a layer to the stack")
    tr = builder.network_trace(None, {"spec": spec, "input": _input_settings(input_shape)})["meta"]
    if not tr["valid"]:
        raise ValueError(tr["error"])
    totals = tr["totals"]
    if totals["macs"] > LIMITS["max_train_macs"]:
        raise ValueError(f"this network needs {totals['macs']:,} multiply-adds per image; the page trains "
                         f"at most {LIMITS['max_train_macs']:,}: use fewer filters or more pooling")
    if totals["params"] > LIMITS["max_train_params"]:
        raise ValueError(f"this network has {totals['params']:,} parameters; the page trains at most "
                         f"{LIMITS['max_train_params']:,}")
    return tr


def _fitted(spec, input_shape, classes) -> tuple[list, dict]:
    """``spec`` checked, its last dense layer fitted to ``classes``, and the trace."""
    _checked_trace(spec, input_shape)       # the page's messages for the stack as given
    fitted = train.fit_spec(spec, len(classes))
    return fitted, _checked_trace(fitted, input_shape)


# --------------------------------------------------------------------------- results

def _conv_rows(trace: dict) -> list[dict]:
    return [r for r in trace["rows"][1:] if r["type"] == "conv2d"]


def _filters(layer_name: str) -> np.ndarray:
    """A conv layer's weight (F, C, kh, kw) from the session's network."""
    return SESSION.net.params()[f"{layer_name}.weight"]


def _filters_meta(row: dict) -> dict:
    """A conv layer's filters: shape, the range of their finite weights (None when there is
    none) and ``nonfinite`` (:func:`pycore.image.map_stats`: weights a diverging run took
    to ±∞ or NaN), as the other tabs describe their maps."""
    w = _filters(row["name"])
    return {"array": "filters", "layer": row["index"], "name": row["name"], "shape": list(w.shape),
            **img.map_stats(w)}


def _first_filters(meta: dict, arrays: dict) -> None:
    """The first conv layer's filters into ``meta["filters"]``/``arrays["filters"]`` (None: no conv)."""
    rows = _conv_rows(SESSION.trace)
    meta["filters"] = None
    if rows:
        meta["filters"] = _filters_meta(rows[0])
        arrays["filters"] = _filters(rows[0]["name"])


def _samples(data: datasets.Dataset) -> tuple[dict, np.ndarray]:
    """The first test image of each class: meta and (K, H, W)."""
    idx = [int(np.flatnonzero(data.y_test == k)[0]) for k in range(len(data.classes))
           if np.any(data.y_test == k)]
    return ({"array": "samples", "part": "test", "indices": idx,
             "labels": [int(data.y_test[i]) for i in idx]}, data.x_test[idx][:, 0])


def _progress() -> dict:
    """Where the training stands (meta every call shares)."""
    t = SESSION.trainer
    if t is None:
        return {"state": "loaded", "trainable": False, "epoch": 0, "step": 0, "total_steps": 0,
                "steps_per_epoch": 0, "epochs": 0, "epoch_so_far": None, "history": []}
    return {"state": "done" if t.done else ("running" if t.step_count else "ready"), "trainable": True,
            "epoch": t.epoch, "step": t.step_count, "total_steps": t.total_steps,
            "steps_per_epoch": t.steps_per_epoch, "epochs": t.settings.epochs,
            "epoch_so_far": t.epoch_so_far, "history": [dict(r) for r in t.history]}


def _settings_meta(settings: train.TrainSettings) -> dict:
    return {k: getattr(settings, k) for k in ("optimizer", "lr", "batch_size", "epochs", "weight_decay",
                                              "momentum", "seed", "dtype")}


def _session_result() -> dict:
    """What train_setup and train_load return."""
    s = SESSION
    meta = {**_progress(), "spec": s.spec, "input_shape": list(s.input_shape), "classes": list(s.classes),
            "data": None if s.data is None else s.data.name,
            "settings": None if s.trainer is None else _settings_meta(s.trainer.settings),
            "train_size": 0 if s.data is None else int(len(s.data.y_train)),
            "test_size": 0 if s.data is None else int(len(s.data.y_test)),
            "trace": s.trace, "conv_layers": [{"index": r["index"], "name": r["name"]} for r in _conv_rows(s.trace)],
            "samples": None}
    arrays: dict = {}
    _first_filters(meta, arrays)
    if s.data is not None:
        meta["samples"], arrays["samples"] = _samples(s.data)
    return P.result(meta, arrays)


def _evaluation(ev: dict, data: datasets.Dataset) -> tuple[dict, np.ndarray]:
    """The latest epoch's evaluation as meta, and the misclassified images (M, H, W)."""
    wrong = ev["misclassified"][:MAX_MISCLASSIFIED]
    per_class = [None if np.isnan(v) else float(v) for v in ev["per_class_accuracy"]]
    meta = {"loss": float(ev["loss"]), "accuracy": float(ev["accuracy"]),
            "confusion": ev["confusion"].tolist(), "per_class_accuracy": per_class,
            "misclassified": [{"index": int(i), "true": int(data.y_test[i]), "predicted": int(ev["predicted"][i])}
                              for i in wrong],
            "misclassified_total": int(len(ev["misclassified"])), "misclassified_array": "misclassified"}
    return meta, data.x_test[wrong][:, 0]


# --------------------------------------------------------------------------- calls

def train_setup(image, params) -> dict:
    """A fresh network and trainer from the settings (the session is replaced).

    Parameters
    ----------
    params : dict
        ``spec`` (a network spec, default the digits preset; its last dense layer is fitted
        to the data set's classes, as the command line does), ``data`` ("digits" |
        "shapes"), ``optimizer``, ``lr``, ``batch_size``, ``epochs``, ``weight_decay``,
        ``momentum``, ``seed``, ``dtype``: missing keys take ``pycore.train.DEFAULTS``.

    Returns
    -------
    dict
        meta ``{"state": "ready", "trainable": True, "epoch", "step", "total_steps",
        "steps_per_epoch", "epochs", "epoch_so_far", "history": [], "spec" (normalized,
        fitted), "input_shape", "classes", "data", "settings", "train_size", "test_size",
        "trace" (network_trace's meta), "conv_layers": [{"index", "name"}], "filters":
        {"array", "layer", "name", "shape", "vmin", "vmax", "nonfinite"} | None, "samples": {"array",
        "part", "indices", "labels"}}``; arrays ``filters`` (F, C, kh, kw), the first conv
        layer's weights, and ``samples`` (K, H, W), the first test image of each class.
    """
    p = _params(params, "training setup")
    data_name = P.choice(p, "data", datasets.DATASETS[0], datasets.DATASETS, "data set")
    settings = _settings(p)
    spec = p.get("spec")
    spec = get_preset(DEFAULT_PRESET)["spec"] if spec is None else spec
    if isinstance(spec, list) and len(spec) > LIMITS["max_layers"]:
        raise ValueError(f"the layer stack has {len(spec)} layers; the page trains at most {LIMITS['max_layers']}")
    data = SESSION.dataset(data_name)
    fitted, trace = _fitted(spec, data.input_shape, data.classes)
    net = train.make_network(fitted, data.input_shape, seed=settings.seed, dtype=settings.dtype)
    SESSION.start(net, fitted, data.input_shape, data.classes, data, settings, trace)
    return _session_result()


def train_step(image, params) -> dict:
    """Train the next slice: batches until ``max_batches`` ran or ``max_ms`` passed.

    At least one batch runs (none when training is done). After each batch the slice stops
    if one more batch, as long as the last one, would end past ``max_ms``; so a slice ends
    within ``max_ms`` unless a single batch (or an epoch's evaluation) takes longer.

    Parameters
    ----------
    params : dict
        ``max_batches`` (int, default the limit), ``max_ms`` (default 50).

    Returns
    -------
    dict
        meta ``{"state": "running" | "done", "epoch", "step", "total_steps",
        "steps_per_epoch", "epochs", "history" (every epoch so far), "epoch_so_far":
        {"steps", "seen", "loss", "accuracy"} (the running epoch), "first_step" (the
        number of batches before this slice), "step_losses": [one per batch of this slice],
        "ms" (the slice's time), "epochs_ended": [history rows of the epochs that ended
        in this slice], "evaluation": None | {"loss", "accuracy", "confusion" (K x K, row:
        true class), "per_class_accuracy" (K, None for a class without test examples),
        "misclassified": [{"index" (into the test part), "true", "predicted"}] (the first
        24), "misclassified_total", "misclassified_array"}, "filters"}``; arrays ``filters``
        (F, C, kh, kw), the first conv layer's weights now, and, when an epoch ended,
        ``misclassified`` (M, H, W), those test images.
    """
    p = _params(params, "a training step")
    max_batches = P.integer(p, "max_batches", LIMITS["max_slice_batches"], "batches per slice", 1,
                            LIMITS["max_slice_batches"])
    max_ms = P.number(p, "max_ms", DEFAULT_MAX_MS, "slice time (ms)", above=0.0, maximum=LIMITS["max_slice_ms"])
    SESSION.require()
    t = SESSION.trainer
    if t is None:
        raise ValueError("this loaded model fits no data set, so it cannot be trained here; set up training instead")
    first = t.step_count
    losses, ended = [], []
    start = last = time.perf_counter()
    while not t.done and len(losses) < max_batches:
        r = t.step(1)
        losses += r["losses"]
        ended += r["epochs"]
        now = time.perf_counter()
        # stop before a batch that would end past the budget (one batch: as long as the last)
        if (now - start + (now - last)) * 1000 > max_ms:
            break
        last = now
    meta = {**_progress(), "first_step": first, "step_losses": [float(v) for v in losses],
            "ms": (time.perf_counter() - start) * 1000, "epochs_ended": ended, "evaluation": None}
    arrays: dict = {}
    _first_filters(meta, arrays)
    if ended:
        meta["evaluation"], arrays["misclassified"] = _evaluation(t.last_eval, SESSION.data)
    return P.result(meta, arrays)


def train_filters(image, params) -> dict:
    """The weights of one conv layer of the session's network.

    Parameters
    ----------
    params : dict
        ``layer``: the layer's name (``"conv2"``) or its index in the spec (from 0, as the
        trace rows' ``index``); default the first conv layer.

    Returns
    -------
    dict
        meta ``{"filters": {"array", "layer", "name", "shape", "vmin", "vmax", "nonfinite"}, "conv_layers"}``;
        arrays ``filters`` (F, C, kh, kw).
    """
    p = _params(params, "the filters")
    SESSION.require()
    convs = _conv_rows(SESSION.trace)
    if not convs:
        raise ValueError("this network has no conv layer, so no filters to show")
    # the messages count layers from 1, as the page numbers them
    choices = ", ".join(f"{r['index'] + 1} ({r['name']})" for r in convs)
    layer = p.get("layer")
    if layer is None:
        row = convs[0]
    elif isinstance(layer, str):
        row = next((r for r in convs if r["name"] == layer), None)
        if row is None:
            raise ValueError(f"filters of layer {layer!r}: no such conv layer; conv layers: {choices}")
    else:
        index = P.whole(layer, "filters of layer", 0, len(SESSION.trace["rows"]) - 2)
        row = next((r for r in convs if r["index"] == index), None)
        if row is None:
            raise ValueError(f"layer {index + 1} ({SESSION.trace['rows'][index + 1]['name']}) has no filters; "
                             f"conv layers: {choices}")
    meta = {"filters": _filters_meta(row), "conv_layers": [{"index": r["index"], "name": r["name"]} for r in convs]}
    return P.result(meta, {"filters": _filters(row["name"])})


def _predict_input(p: dict) -> tuple[np.ndarray, dict]:
    """The network input (C, H, W) of a predict call, in the network's dtype, and what it was."""
    shape = SESSION.input_shape
    if p.get("test_index") is not None:
        if SESSION.data is None:
            raise ValueError("this loaded model has no test images; draw on the pad instead")
        i = P.integer(p, "test_index", 0, "test image", 0, len(SESSION.data.y_test) - 1)
        return SESSION.data.x_test[i], {"source": "test", "index": i, "label": int(SESSION.data.y_test[i])}
    pixels = np.asarray(P.get(p, "pixels", []), dtype=np.float64).ravel()
    if shape == (1, 8, 8):
        # the pad's 8x8 levels 0..16, as the digits were made (and as `pycore predict` reads)
        if pixels.size != 64:
            raise ValueError(f"the pad sends 64 levels (8×8), got {pixels.size} values")
        if not np.all(np.isfinite(pixels)) or pixels.min() < 0 or pixels.max() > 16:
            raise ValueError("pad levels must be numbers from 0 to 16")
        return datasets.levels_to_input(pixels.reshape(8, 8))[0], {"source": "levels"}
    elif pixels.size == int(np.prod(shape)):
        if not np.all(np.isfinite(pixels)) or pixels.min() < 0 or pixels.max() > 1:
            raise ValueError("pixels must be numbers from 0 to 1")
        return pixels.reshape(shape).astype(np.float32), {"source": "pixels"}
    else:
        raise ValueError(f"this network takes {'×'.join(map(str, shape))} images: send "
                         f"{int(np.prod(shape))} pixels from 0 to 1 (or a test_index), got {pixels.size} values")


def train_predict(image, params) -> dict:
    """Classify one input with the session's network (during training too, between slices).

    Parameters
    ----------
    params : dict
        ``pixels``: for a network of input 1x8x8, the pad's 64 levels 0..16 (row by row, or an
        8x8 list), turned into the input as the digits were (``level / 16``); for another
        input, its C*H*W values 0..1. Or ``test_index``: that image of the test part.

    Returns
    -------
    dict
        meta ``{"class", "label" (the class name), "probabilities" (K, from
        :func:`pycore.train.predict_proba`), "input": {"array": "input", "shape",
        "source", ...}, "layers": network_run's layer entries (each names its array)}``;
        arrays ``input`` (C, H, W) and one per layer named by the layer (``conv1``,
        ``maxpool1``, ``dense1``, ``softmax``, ...): maps (C, H, W) or a vector (N,); a
        flatten of the maps has ``same_as`` instead of its own array.
    """
    p = _params(params, "a prediction")
    SESSION.require()
    x, source = _predict_input(p)
    net = SESSION.net
    # the layers compute in their input's dtype: the parameters' (as the trainer feeds them)
    dtype = next((v.dtype for v in net.params().values()), np.dtype(np.float64))
    x = x.astype(dtype, copy=False)
    probs = train.predict_proba(net, x[np.newaxis])[0]
    outputs, seconds = builder.run_layers(net, x)
    layers, arrays, _ = builder.layer_results(SESSION.trace["rows"][1:], outputs, seconds)
    k = int(probs.argmax())
    meta = {"class": k, "label": SESSION.classes[k], "probabilities": [float(v) for v in probs],
            "input": {"array": "input", "shape": list(x.shape), **source, **img.map_stats(x)},
            "layers": layers}
    return P.result(meta, {"input": x, **arrays})


def _pad_gray(p: dict) -> np.ndarray:
    """The pad's drawing (H, W): ``gray`` values, or ``rgba`` bytes composited over white."""
    height = P.integer(p, "height", 0, "pad height", 1, LIMITS["max_pad_side"])
    width = P.integer(p, "width", 0, "pad width", 1, LIMITS["max_pad_side"])
    if p.get("rgba") is not None:
        buf = np.frombuffer(bytes(P.plain(p["rgba"])), dtype=np.uint8)
        if buf.size != height * width * 4:
            raise ValueError(f"the pad's drawing has {buf.size} bytes; {width}×{height} RGBA needs "
                             f"{height * width * 4}")
        rgba = buf.reshape(height, width, 4).astype(np.float64) / 255.0
        # a transparent pixel is paper (white): what the pad shows on the page
        alpha = rgba[:, :, 3]
        return rgba[:, :, :3].mean(axis=2) * alpha + (1.0 - alpha)
    elif p.get("gray") is not None:
        gray = np.asarray(P.get(p, "gray", []), dtype=np.float64).ravel()
        if gray.size != height * width:
            raise ValueError(f"the pad's drawing has {gray.size} values; {width}×{height} needs {height * width}")
        return gray.reshape(height, width)
    else:
        raise ValueError("the pad's drawing is missing: send rgba (bytes) or gray (values) with width and height")


def train_pad_input(image, params) -> dict:
    """A drawing of the pad -> the 8x8 levels the network sees, exactly as ``pycore predict``
    reduces an image file (:func:`pycore.datasets.reduce_digit`).

    Parameters
    ----------
    params : dict
        ``width``, ``height``; ``rgba`` (bytes, 4 per pixel, a canvas's ImageData; a
        transparent pixel counts as white paper) or ``gray`` (width*height values, any
        range); ``ink``: "auto" (default) | "dark" | "light".

    Returns
    -------
    dict
        meta ``{"levels": 64 ints 0..16 (row by row), "ink": "dark" | "light" (used),
        "empty": bool (nothing drawn)}``; arrays ``levels`` (8, 8).
    """
    p = _params(params, "the drawing pad")
    ink = P.choice(p, "ink", "auto", datasets.INK_MODES, "ink")
    levels, used = datasets.reduce_digit(_pad_gray(p), ink)
    meta = {"levels": [int(v) for v in levels.ravel()], "ink": used, "empty": not levels.any()}
    return P.result(meta, {"levels": levels})


def train_save(image, params) -> dict:
    """The session's network as a model file and as PyTorch code.

    Only float32 arrays cross to the page, so the file's bytes travel in meta as base64
    text (``atob`` in JS gives the bytes back; a Blob of them downloads as ``model.npz``).

    Returns
    -------
    dict
        meta ``{"filename": "model.npz", "npz_base64": str (the .npz written by
        :func:`pycore.train.save_model`), "bytes": its length, "pytorch_code": str (from
        :func:`pycore.train.torch_model_code`, loading "model.npz")}``; no arrays.
    """
    _params(params, "saving")
    SESSION.require()
    s = SESSION
    buf = io.BytesIO()
    train.save_model(buf, s.net, s.spec, s.input_shape, s.classes)
    data = buf.getvalue()
    meta = {"filename": MODEL_FILENAME, "npz_base64": base64.b64encode(data).decode("ascii"), "bytes": len(data),
            "pytorch_code": train.torch_model_code(s.spec, s.input_shape, MODEL_FILENAME)}
    return P.result(meta)


def _model_bytes(p: dict) -> bytes:
    if p.get("npz") is not None:
        value = P.plain(p["npz"])
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        elif isinstance(value, list):
            return bytes(np.asarray(value, dtype=np.uint8))
        else:
            raise TypeError(f"the model file must be bytes, got {type(value).__name__}")
    elif p.get("npz_base64") is not None:
        try:
            return base64.b64decode(str(p["npz_base64"]), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("the model file's base64 text is damaged") from None
    else:
        raise ValueError("no model file given: send npz (bytes) or npz_base64")


def train_load(image, params) -> dict:
    """Load a model file (from ``train_save`` or ``pycore train --save``) into the session.

    When the model's input shape and classes are those of a data set, the session trains
    on that set from the loaded weights (with the settings given, a fresh optimizer); else
    it can only predict (``trainable`` False, ``state`` "loaded").

    Parameters
    ----------
    params : dict
        ``npz`` (bytes) or ``npz_base64`` (str); the settings of :func:`train_setup`
        (optional, for training on).

    Returns
    -------
    dict
        What :func:`train_setup` returns.
    """
    p = _params(params, "loading a model")
    data_bytes = _model_bytes(p)
    settings = _settings(p)
    try:
        net, meta = train.load_model(io.BytesIO(data_bytes))
    except (ValueError, TypeError, KeyError) as e:
        raise ValueError(f"cannot load this model: {e}") from None
    input_shape, classes = tuple(meta["input_shape"]), tuple(meta["classes"])
    trace = _checked_trace(meta["spec"], input_shape)
    data = next((d for d in map(SESSION.dataset, datasets.DATASETS)
                 if d.input_shape == input_shape and tuple(d.classes) == classes), None)
    SESSION.start(net, meta["spec"], input_shape, classes, data, settings, trace)
    return _session_result()


def train_export(image, params) -> dict:
    """The session's network for the Build tab: its spec, input and weights.

    Returns
    -------
    dict
        meta ``{"spec", "input": {"color", "height", "width", "fit"} (the builder's input
        settings), "input_shape", "classes", "weights": [{"array": "<layer>.<param>",
        "shape"}]}``; arrays one per parameter, named ``"<layer>.<param>"`` (``conv1.weight``
        (F, C, kh, kw), ``conv1.bias`` (F,), ``dense1.weight`` (units, inputs), ...), which
        ``network_run`` takes back as its ``weights``.
    """
    _params(params, "the export")
    SESSION.require()
    s = SESSION
    weights = s.net.params()
    meta = {"spec": s.spec, "input": _input_settings(s.input_shape), "input_shape": list(s.input_shape),
            "classes": list(s.classes), "weights": [{"array": k, "shape": list(v.shape)} for k, v in weights.items()]}
    return P.result(meta, weights)


def train_reset(image, params) -> dict:
    """Empty the session. meta ``{"state": "idle"}``; no arrays."""
    SESSION.reset()
    return P.result({"state": "idle"})

