"""Training: mini-batch SGD (momentum) or Adam on softmax cross-entropy, evaluation,
saving and loading a trained network, and its PyTorch twin.

A :class:`Trainer` runs in slices: ``step(n)`` trains ``n`` batches and returns their
numbers, so a caller (the page's worker) can pause between slices; :meth:`Trainer.run_epochs`
runs the rest in one go. Everything random is seeded: the weights are drawn by
:func:`pycore.network.build` with ``seed``, and the batches of each epoch come from one
permutation generator seeded from ``seed`` too, so the same settings give the same step
losses on every run.

The optimizers follow ``torch.optim`` exactly (for one parameter ``p`` with gradient ``g``,
weight decay ``wd`` added to the gradient as torch's L2 term):

* SGD: ``g += wd * p; v = momentum * v + g`` (``v = g`` on the first step); ``p -= lr * v``.
* Adam: ``g += wd * p; m = b1 m + (1 - b1) g; s = b2 s + (1 - b2) g^2;
  p -= lr * (m / (1 - b1^t)) / (sqrt(s / (1 - b2^t)) + eps)``.

Layers compute in the parameters' dtype, ``TrainSettings.dtype``. The default is float64:
then CPython and the page (Pyodide's numpy has no BLAS, so it sums in another order) agree to
about 1e-14 relative over ten epochs of step losses. float32 trains about 20% faster in both
but agrees only to about 5e-6 over the first epoch, and the runs drift apart after that. The
loss and its gradient are always computed in float64 by
:func:`pycore.network.softmax_cross_entropy`.

A model file is one ``.npz``: every parameter under its pycore name (``conv1.weight``,
``dense1.bias``, ...) and ``model.json``, a JSON text holding ``{"format": MODEL_FORMAT,
"input_shape": [C, H, W], "spec": [...], "classes": [...]}``.
"""

from __future__ import annotations

import io
import json
import math
import sys
import time
import zipfile
from dataclasses import dataclass

import numpy as np

from . import codegen, ops
from .datasets import Dataset, levels_to_input, load_dataset, reduce_digit
from .network import Sequential, build, normalize_spec, scores_end, softmax_cross_entropy
from .presets import get_preset

__all__ = [
    "DEFAULTS", "OPTIMIZERS", "DTYPES", "MODEL_FORMAT", "SGD", "Adam", "make_optimizer",
    "TrainSettings", "fit_spec", "make_network", "set_dtype", "logits", "predict_proba",
    "evaluate", "Trainer", "save_model", "load_model", "torch_model_code", "train_command",
    "predict_command",
]

OPTIMIZERS = ("sgd", "adam")
DTYPES = ("float64", "float32")
MODEL_FORMAT = "pycore-model-1"
MODEL_JSON = "model.json"


# -------------------------------------------------------------------------- optimizers

class SGD:
    """``torch.optim.SGD(params, lr, momentum, weight_decay)`` on a dict of live arrays.

    Parameters
    ----------
    params : dict of str -> ndarray
        Updated in place.
    lr, momentum, weight_decay : float
    """

    def __init__(self, params: dict, lr: float, momentum: float = 0.9, weight_decay: float = 0.0):
        self.params, self.lr, self.momentum, self.weight_decay = params, lr, momentum, weight_decay
        self.velocity: dict = {}

    def step(self, grads: dict) -> None:
        """One update from ``grads`` (same keys as ``params``)."""
        for key, p in self.params.items():
            g = grads[key] + self.weight_decay * p if self.weight_decay else grads[key]
            if self.momentum:
                v = self.velocity.get(key)
                v = g.copy() if v is None else self.momentum * v + g
                self.velocity[key] = v
                g = v
            p -= (self.lr * g).astype(p.dtype, copy=False)


class Adam:
    """``torch.optim.Adam(params, lr, betas, eps, weight_decay)`` on a dict of live arrays."""

    def __init__(self, params: dict, lr: float, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        self.params, self.lr, self.betas, self.eps = params, lr, tuple(betas), eps
        self.weight_decay = weight_decay
        self.t = 0
        self.m: dict = {}
        self.s: dict = {}

    def step(self, grads: dict) -> None:
        """One update from ``grads`` (same keys as ``params``)."""
        b1, b2 = self.betas
        self.t += 1
        c1, c2 = 1.0 - b1 ** self.t, 1.0 - b2 ** self.t
        for key, p in self.params.items():
            g = grads[key] + self.weight_decay * p if self.weight_decay else grads[key]
            m = b1 * self.m.get(key, 0.0) + (1.0 - b1) * g
            s = b2 * self.s.get(key, 0.0) + (1.0 - b2) * g * g
            self.m[key], self.s[key] = m, s
            p -= (self.lr * (m / c1) / (np.sqrt(s / c2) + self.eps)).astype(p.dtype, copy=False)


def make_optimizer(name: str, params: dict, lr: float, weight_decay: float = 0.0,
                   momentum: float = 0.9):
    """An optimizer by name (one of ``OPTIMIZERS``)."""
    if name == "sgd":
        return SGD(params, lr, momentum=momentum, weight_decay=weight_decay)
    elif name == "adam":
        return Adam(params, lr, weight_decay=weight_decay)
    else:
        raise ValueError(f"unknown optimizer {name!r}; valid: {', '.join(OPTIMIZERS)}")


# ---------------------------------------------------------------------------- settings

def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


@dataclass(frozen=True)
class TrainSettings:
    """Training settings; the defaults are the command line's and the page's.

    Attributes
    ----------
    optimizer : {"sgd", "adam"}
    lr : float
        Learning rate, > 0.
    batch_size : int
        >= 1; an epoch's last batch holds the remainder.
    epochs : int
        >= 1.
    weight_decay : float
        >= 0, torch's L2 term added to the gradient.
    momentum : float
        SGD's momentum, 0 <= momentum < 1 (Adam ignores it).
    seed : int
        Seeds the initial weights and the batch order.
    dtype : {"float64", "float32"}
        What the parameters and the layers compute in (see the module docstring).
    """

    optimizer: str = "adam"
    lr: float = 0.01
    batch_size: int = 32
    epochs: int = 10
    weight_decay: float = 0.0
    momentum: float = 0.9
    seed: int = 0
    dtype: str = "float64"

    def __post_init__(self):
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {self.dtype!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}")
        for name, value, ok, rule in (
                ("lr", self.lr, math.isfinite(self.lr) and self.lr > 0, "a number > 0"),
                ("batch_size", self.batch_size, _is_int(self.batch_size) and self.batch_size >= 1,
                 "an integer >= 1"),
                ("epochs", self.epochs, _is_int(self.epochs) and self.epochs >= 1, "an integer >= 1"),
                ("weight_decay", self.weight_decay,
                 math.isfinite(self.weight_decay) and self.weight_decay >= 0, "a number >= 0"),
                ("momentum", self.momentum, 0 <= self.momentum < 1, "a number in [0, 1)"),
                ("seed", self.seed, _is_int(self.seed) and self.seed >= 0, "an integer >= 0")):
            if not ok:
                raise ValueError(f"{name} must be {rule}, got {value!r}")


DEFAULTS = TrainSettings()



# ----------------------------------------------------------------------------- network

def fit_spec(spec, n_classes: int) -> list:
    """``spec`` with its last dense layer's units set to ``n_classes`` (a preset made for
    ten digits then fits a data set with another number of classes)."""
    spec = normalize_spec(spec)
    dense = [i for i, cfg in enumerate(spec) if cfg["type"] == "dense"]
    if not dense:
        raise ValueError("the network needs a dense layer to give the class scores")
    spec[dense[-1]]["units"] = int(n_classes)
    return spec


def set_dtype(net: Sequential, dtype) -> Sequential:
    """Store every parameter of ``net`` as ``dtype`` (in place; returns ``net``)."""
    for layer in net.layers:
        for key, value in layer.params().items():
            setattr(layer, key, np.ascontiguousarray(value, dtype=dtype))
    net.zero_grads()
    return net


def make_network(spec, input_shape, seed: int = 0, dtype="float64") -> Sequential:
    """:func:`pycore.network.build` with its weights stored as ``dtype``."""
    return set_dtype(build(spec, input_shape, seed=seed), dtype)


def _net_dtype(net: Sequential):
    """The float dtype of the parameters (float64 for a net without any)."""
    return next((p.dtype for p in net.params().values()), np.dtype(np.float64))


def logits(net: Sequential, x, batch_size: int = 512) -> np.ndarray:
    """Raw class scores (before any trailing softmax), shape (N, K), in batches, computed
    in the dtype of ``net``'s parameters."""
    x = np.asarray(x, dtype=_net_dtype(net))
    end = scores_end(net)
    parts = [net.forward(x[i:i + batch_size], upto=end) for i in range(0, len(x), batch_size)]
    return np.concatenate(parts) if parts else np.zeros((0, 0))


def predict_proba(net: Sequential, x) -> np.ndarray:
    """Class probabilities (N, K), float64: softmax of :func:`logits`."""
    return ops.softmax(np.asarray(logits(net, x), dtype=np.float64), axis=1)


def evaluate(net: Sequential, x, y, n_classes: int | None = None) -> dict:
    """Loss and accuracy of ``net`` on images ``x`` (N, C, H, W) with labels ``y`` (N,).

    Returns
    -------
    dict
        ``loss`` (mean cross-entropy), ``accuracy`` (0..1), ``confusion`` (K, K) int64
        (row: true class, column: predicted), ``per_class_accuracy`` (K,) float64 (NaN for
        a class without examples), ``predicted`` (N,), ``misclassified`` (M,) indices into
        ``x`` in order.
    """
    y = np.asarray(y, dtype=np.int64)
    scores = logits(net, x)
    k = n_classes or scores.shape[1]
    loss, _ = softmax_cross_entropy(scores, y)
    predicted = scores.argmax(axis=1)
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (y, predicted), 1)
    totals = confusion.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.diag(confusion) / totals
    return {"loss": loss, "accuracy": float(np.mean(predicted == y)), "confusion": confusion,
            "per_class_accuracy": per_class, "predicted": predicted,
            "misclassified": np.flatnonzero(predicted != y)}


# ----------------------------------------------------------------------------- trainer

class Trainer:
    """Mini-batch training of ``net`` on ``data`` in resumable slices.

    Parameters
    ----------
    net : Sequential
        Trained in place.
    data : Dataset
    settings : TrainSettings

    Attributes
    ----------
    step_count : int
        Batches trained so far.
    epoch : int
        Epochs completed.
    step_losses : list of float
        Every batch's loss, in order.
    history : list of dict
        One record per completed epoch: ``epoch`` (1-based), ``train_loss`` and
        ``train_accuracy`` (over the epoch's batches, with the weights as they were at each
        batch), ``test_loss``, ``test_accuracy``, ``seconds`` (training plus evaluation).
    last_eval : dict or None
        :func:`evaluate` on the test part after the latest epoch.
    """

    def __init__(self, net: Sequential, data: Dataset, settings: TrainSettings = DEFAULTS):
        self.net, self.data, self.settings = net, data, settings
        self.n_classes = len(data.classes)
        self._dtype = _net_dtype(net)
        self.optimizer = make_optimizer(settings.optimizer, net.params(), settings.lr,
                                        settings.weight_decay, settings.momentum)
        # the batch order's own stream, apart from the weights' (build uses seed itself)
        self._rng = np.random.default_rng([settings.seed, 1])
        n = len(data.y_train)
        self.steps_per_epoch = -(-n // settings.batch_size)
        self.total_steps = self.steps_per_epoch * settings.epochs
        self.step_count = 0
        self.epoch = 0
        self.step_losses: list[float] = []
        self.history: list[dict] = []
        self.last_eval: dict | None = None
        self._order = None
        self._reset_epoch_sums()

    def _reset_epoch_sums(self):
        self._loss_sum = 0.0
        self._correct = 0
        self._seen = 0
        self._seconds = 0.0

    @property
    def done(self) -> bool:
        """All epochs trained."""
        return self.step_count >= self.total_steps

    @property
    def epoch_so_far(self) -> dict:
        """The running epoch's numbers so far: ``steps`` (its batches run), ``seen`` (its
        images), ``loss`` and ``accuracy`` (over them, as the epoch's history record will
        average them; None before its first batch)."""
        seen = self._seen
        return {"steps": self.step_count - self.epoch * self.steps_per_epoch, "seen": seen,
                "loss": self._loss_sum / seen if seen else None,
                "accuracy": self._correct / seen if seen else None}

    def _batch(self):
        """Indices of the next batch (a new permutation at each epoch's start)."""
        pos = self.step_count % self.steps_per_epoch
        if pos == 0:
            self._order = self._rng.permutation(len(self.data.y_train))
        b = self.settings.batch_size
        return self._order[pos * b:(pos + 1) * b]

    def _train_batch(self, idx) -> tuple[float, int]:
        net = self.net
        # layers compute in their input's dtype: the parameters' dtype decides
        x = self.data.x_train[idx].astype(self._dtype, copy=False)
        y = self.data.y_train[idx]
        end = scores_end(net)
        net.zero_grads()
        scores = net.forward(x, upto=end)
        loss, grad = softmax_cross_entropy(scores, y)
        net.backward(grad.astype(scores.dtype, copy=False), upto=end)
        self.optimizer.step(net.grads())
        return loss, int(np.sum(scores.argmax(axis=1) == y))

    def step(self, n: int = 1) -> dict:
        """Train up to ``n`` batches (fewer when the last epoch ends).

        Returns
        -------
        dict
            ``losses`` (list of float, one per batch run), ``step`` (batches so far),
            ``epoch`` (epochs completed), ``epochs`` (the history records of epochs that
            ended in this slice), ``done`` (bool).
        """
        losses, ended = [], []
        for _ in range(max(0, int(n))):
            if self.done:
                break
            start = time.perf_counter()
            idx = self._batch()
            loss, correct = self._train_batch(idx)
            self.step_count += 1
            self.step_losses.append(loss)
            losses.append(loss)
            self._loss_sum += loss * len(idx)
            self._correct += correct
            self._seen += len(idx)
            self._seconds += time.perf_counter() - start
            if self.step_count % self.steps_per_epoch == 0:
                ended.append(self._end_epoch())
        return {"losses": losses, "step": self.step_count, "epoch": self.epoch, "epochs": ended,
                "done": self.done}

    def _end_epoch(self) -> dict:
        start = time.perf_counter()
        self.last_eval = evaluate(self.net, self.data.x_test, self.data.y_test, self.n_classes)
        self.epoch += 1
        record = {"epoch": self.epoch, "train_loss": self._loss_sum / self._seen,
                  "train_accuracy": self._correct / self._seen,
                  "test_loss": self.last_eval["loss"], "test_accuracy": self.last_eval["accuracy"],
                  "seconds": self._seconds + time.perf_counter() - start}
        self.history.append(record)
        self._reset_epoch_sums()
        return record

    def run_epochs(self, epochs: int | None = None, on_step=None) -> list[dict]:
        """Train ``epochs`` more epochs (default: to the end), calling ``on_step(trainer)``
        after every batch; returns :attr:`history`."""
        target = self.total_steps if epochs is None else min(
            self.total_steps, (self.epoch + epochs) * self.steps_per_epoch)
        while self.step_count < target:
            self.step(1)
            if on_step is not None:
                on_step(self)
        return self.history


# ------------------------------------------------------------------------- save / load

def save_model(file, net: Sequential, spec, input_shape, classes) -> None:
    """Write ``net``'s parameters and its description to one ``.npz``.

    Parameters
    ----------
    file : str, path or binary file object
    net : Sequential
        Built from ``spec`` (its parameters keep their dtype).
    spec : list of dict
    input_shape : (C, H, W)
    classes : sequence of str
    """
    meta = {"format": MODEL_FORMAT, "input_shape": [int(s) for s in input_shape],
            "spec": normalize_spec(spec), "classes": [str(c) for c in classes]}
    arrays = {key: np.asarray(value) for key, value in net.params().items()}
    if MODEL_JSON in arrays:
        raise ValueError(f"a parameter may not be named {MODEL_JSON!r}")
    np.savez(file, **{MODEL_JSON: np.array(json.dumps(meta))}, **arrays)


def load_model(file) -> tuple[Sequential, dict]:
    """Read a model file written by :func:`save_model`.

    Returns
    -------
    net : Sequential
        Its parameters are the saved arrays exactly (same dtype and bits).
    meta : dict
        ``{"format", "input_shape", "spec", "classes"}``.

    Raises
    ------
    ValueError
        For a file that is not such a model (the message says what is wrong).
    OSError
        When the file cannot be read.
    """
    if hasattr(file, "read"):
        data = file.read()
    else:
        with open(file, "rb") as f:
            data = f.read()
    if not data.startswith(b"PK\x03\x04"):     # an .npz is a zip archive
        raise ValueError("not a model file: it is not an .npz (zip) archive")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (zipfile.BadZipFile, EOFError, KeyError, ValueError) as e:
        raise ValueError(f"not a model file: a damaged .npz ({e})") from None
    odd = [key for key, value in arrays.items() if not isinstance(value, np.ndarray)]
    if odd:          # np.load hands back the raw bytes of a member that is not an .npy
        raise ValueError(f"not a model file: a damaged .npz (member {odd[0]!r} is not an array)")
    if MODEL_JSON not in arrays:
        raise ValueError(f"not a pycore model file: it has no {MODEL_JSON}")
    try:
        meta = json.loads(str(arrays.pop(MODEL_JSON)))
    except ValueError as e:
        raise ValueError(f"the model's {MODEL_JSON} is not valid JSON: {e}") from None
    if not isinstance(meta, dict) or meta.get("format") != MODEL_FORMAT:
        raise ValueError(f"not a pycore model file: format is not {MODEL_FORMAT!r}")
    net = build(meta.get("spec"), meta.get("input_shape"), seed=0)
    expected = {key: value.shape for key, value in net.params().items()}
    missing = sorted(set(expected) - set(arrays))
    extra = sorted(set(arrays) - set(expected))
    if missing or extra:
        raise ValueError(f"the model's arrays do not fit its spec: missing {missing}, unexpected {extra}")
    for key, shape in expected.items():
        if arrays[key].shape != shape or arrays[key].dtype.kind != "f":
            raise ValueError(f"the model's array {key} has shape {arrays[key].shape} and dtype "
                             f"{arrays[key].dtype}, expected floats of shape {shape}")
    for name, layer in zip(net.names, net.layers):
        for key in layer.params():
            setattr(layer, key, arrays[f"{name}.{key}"])
    net.zero_grads()
    return net, meta


def torch_model_code(spec, input_shape, weights_file: str = "model.npz") -> str:
    """PyTorch source that builds the same ``nn.Sequential`` and loads the saved weights.

    Every pycore layer (activations included) is one module of the Sequential, in the
    same order, so the parameter ``<name>.<key>`` of pycore layer ``i`` is torch's
    ``<i>.<key>``.
    """
    # the builder's code generator writes the Sequential; this adds the weights
    spec = normalize_spec(spec)
    source = codegen.torch_code(spec, input_shape, weights="loaded")
    # the loading goes between the Sequential and torch_code's closing example lines
    lines = source.rstrip("\n").split("\n")
    example = next((i for i, line in enumerate(lines) if line.startswith("x = torch.rand(")), len(lines))
    net = build(spec, input_shape, seed=0)
    state = [f"    {f'{i}.{key}'!r}: torch.from_numpy(saved[{f'{name}.{key}'!r}]),"
             for i, (name, layer) in enumerate(zip(net.names, net.layers)) for key in layer.params()]
    return "\n".join([
        "import numpy as np", *lines[:example],
        "# The trained weights pycore saved: pycore's layer i is module i above.",
        f"saved = np.load({weights_file!r})",
        "model.load_state_dict({", *state, "})",
        "model.eval()", "", *lines[example:], ""])


# ------------------------------------------------------------------------ command line

def _progress(out, trainer: Trainer, started: float) -> None:
    width = 30
    done = trainer.step_count / trainer.total_steps
    in_epoch = trainer.step_count - trainer.epoch * trainer.steps_per_epoch
    elapsed = time.perf_counter() - started
    left = elapsed / done * (1 - done) if done else 0.0
    bar = "#" * int(done * width)
    out.write(f"\r[{bar:<{width}}] epoch {trainer.epoch + 1}/{trainer.settings.epochs} "
              f"step {in_epoch}/{trainer.steps_per_epoch}  {left:4.0f} s left ")
    out.flush()


def train_command(preset: str, data: str, settings: TrainSettings, save=None, as_json: bool = False,
                  out=None, err=None) -> int:
    """``pycore train``: train, print an epoch table (or JSON), optionally save the model.

    The JSON is ``{"history": Trainer.history, "test_accuracy": the last epoch's,
    "step_losses": every batch's loss}``. A progress bar goes to ``err`` only when it is a
    terminal. Raises ValueError for bad settings and OSError when ``save`` cannot be written.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    dataset = load_dataset(data)
    spec = fit_spec(get_preset(preset)["spec"], len(dataset.classes))
    net = make_network(spec, dataset.input_shape, seed=settings.seed, dtype=settings.dtype)
    trainer = Trainer(net, dataset, settings)
    tty = hasattr(err, "isatty") and err.isatty()
    started = time.perf_counter()
    if not as_json:
        print(f"training {preset} on {data}: {len(dataset.y_train)} train / {len(dataset.y_test)} "
              f"test images, {settings.optimizer} lr {settings.lr:g}, batch {settings.batch_size}, "
              f"{settings.epochs} epochs, seed {settings.seed}, {settings.dtype}", file=out)
        print(f"{'epoch':>5}  {'train loss':>10}  {'train acc':>9}  {'test acc':>8}  {'seconds':>7}",
              file=out)
    while not trainer.done:
        result = trainer.step(1)
        if tty and (trainer.step_count % 5 == 0 or result["epochs"]):
            _progress(err, trainer, started)
        for r in result["epochs"]:
            if tty:
                err.write("\r\033[K")
            if not as_json:
                print(f"{r['epoch']:>5}  {r['train_loss']:>10.4f}  {r['train_accuracy']:>9.2%}  "
                      f"{r['test_accuracy']:>8.2%}  {r['seconds']:>7.2f}", file=out, flush=True)
    if save is not None:
        save_model(save, net, spec, dataset.input_shape, dataset.classes)
    final = trainer.history[-1]["test_accuracy"]
    if as_json:
        print(json.dumps({"history": trainer.history, "test_accuracy": final,
                          "step_losses": trainer.step_losses}), file=out)
    else:
        print(f"test accuracy {final:.2%} after {time.perf_counter() - started:.1f} s"
              + (f"; saved {save}" if save is not None else ""), file=out)
    return 0


def predict_command(net: Sequential, meta: dict, images, ink: str = "auto", as_json: bool = False,
                    out=None) -> int:
    """``pycore predict``: classify images of one digit each.

    Parameters
    ----------
    net, meta
        From :func:`load_model`.
    images : list of (str, ndarray (H, W))
        A label (the file name) and a grayscale image.
    ink : {"auto", "dark", "light"}

    Prints per image the class, its ten probabilities and the ink (JSON: a list of
    ``{"file", "class", "probabilities", "ink"}``). Raises ValueError for a model whose
    input is not 1x8x8.
    """
    out = out or sys.stdout
    if tuple(meta["input_shape"]) != (1, 8, 8):
        raise ValueError(f"predict reads digit images for a model of input 1x8x8; this model takes "
                         f"{'x'.join(str(s) for s in meta['input_shape'])}")
    results = []
    for name, image in images:
        levels, used = reduce_digit(image, ink)
        probs = predict_proba(net, levels_to_input(levels))[0]
        results.append({"file": name, "class": int(probs.argmax()),
                        "probabilities": [float(p) for p in probs], "ink": used})
    if as_json:
        print(json.dumps(results), file=out)
    else:
        how = "detected" if ink == "auto" else "as given"
        for r in results:
            p = r["probabilities"]
            print(f"{r['file']}: {meta['classes'][r['class']]} ({p[r['class']]:.1%}); "
                  f"{r['ink']} ink ({how}); probabilities " + " ".join(f"{v:.3f}" for v in p), file=out)
    return 0

