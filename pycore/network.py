"""Networks: the spec format, building, shape tracing and training.

The spec
--------
A network SPEC is a JSON-able list of plain dicts, one per layer; the web page's
builder and its URL state store exactly this. Keys and defaults (``SPEC_KEYS``):

=========================  =================================================================
type                       keys (default)
=========================  =================================================================
``"conv2d"``               ``filters`` (required), ``kernel_size`` (3), ``stride`` (1),
                           ``padding`` (0; an int, ``"same"`` or ``"valid"``),
                           ``dilation`` (1), ``activation`` (``"relu"``, as the tutorial)
``"maxpool"``/``"avgpool"``  ``kernel_size`` (2), ``stride`` (None = kernel_size),
                           ``padding`` (0; at most half the kernel), ``ceil_mode`` (False)
``"flatten"``              (none)
``"dense"``                ``units`` (required), ``activation`` (``"none"``: raw scores)
``"softmax"``              (none)
=========================  =================================================================

(``SPEC_KEYS`` maps each type to ``{key: default}``; required keys hold the
``REQUIRED`` marker.)

``kernel_size``, ``stride``, ``dilation`` and ``padding`` also accept a
``[height, width]`` pair. ``activation`` is one of ``ops.ACTIVATIONS``
(``"leaky_relu"`` uses slope 0.01). Pools pad with -inf (max) or zeros (avg),
and average pooling counts that zero padding in its divisor (torch's defaults).
An unknown type, an unknown key or a bad value raises ``ValueError`` naming the
layer index and key.

Names and activations
---------------------
Layers are named by type and 1-based count: ``conv1``, ``maxpool1``,
``avgpool2``, ``dense1``; ``flatten`` and ``softmax`` carry no number unless
they repeat (``flatten2``). In :func:`build` an activation becomes its own
layer named ``<layer>.<activation>`` (``conv1.relu``), so
``forward_with_activations`` shows the map before and after it; in
:func:`trace` it stays on its conv/dense row (the ``activation`` field), as
the activation changes neither the shape nor the parameter count.

Trace rows
----------
``trace(spec, input_shape)`` returns plain dicts; the first is the input row
(``"index": None, "name": "input", "type": "input"``), then one per spec entry::

    {"index": int,             # position in the spec (0-based)
     "name": str,              # "conv1", "avgpool1", "flatten", "dense1", ...
     "type": str,              # the spec's type
     "activation": str | None, # conv/dense activation, None elsewhere or for "none"
     "output_shape": [int, ...] | None,  # per example, no batch axis
     "weights": int, "biases": int, "params": int,  # params = weights + biases
     "macs": int,              # multiply-accumulates of the weights, per example
     "error": None | str,      # the message: "layer 2 (conv2): stride must be ..."
     "problem": None | {"layer": int, "name": str | None, "key": str | None,
                        "reason": str}}

A broken layer gets ``error`` (the reason, with the numbers) and ``problem``,
the same in parts: the spec index, the layer's name (None when its type is not
known), the spec key at fault (None when the layer does not fit its input) and
the reason without the "layer N (name): " prefix, in words a learner reads
("filters must be a whole number, at least 1; got 0": the setting by its name
(``SETTING_NAMES``), what it takes, what it got, numbers short);
:func:`problem_message` puts the parts together again, counting layers from any
number. The rows after
it get ``error == AFTER_ERROR``, ``problem`` None and no shape; counts are 0 on
both.
"""

from __future__ import annotations

import numpy as np

from . import layers as L
from . import ops
from .validate import is_int

__all__ = [
    "SPEC_KEYS", "REQUIRED", "AFTER_ERROR", "Sequential", "normalize_spec", "build",
    "trace", "trace_totals", "problem_message", "setting_name", "quoted", "softmax_cross_entropy",
    "scores_end", "train_step",
]

# marks spec keys that have no default (``filters``, ``units``)
REQUIRED = object()
# type -> {key: default}; REQUIRED marks keys without a default
SPEC_KEYS: dict[str, dict] = {
    "conv2d": {"filters": REQUIRED, "kernel_size": 3, "stride": 1, "padding": 0,
               "dilation": 1, "activation": "relu"},
    "maxpool": {"kernel_size": 2, "stride": None, "padding": 0, "ceil_mode": False},
    "avgpool": {"kernel_size": 2, "stride": None, "padding": 0, "ceil_mode": False},
    "flatten": {},
    "dense": {"units": REQUIRED, "activation": "none"},
    "softmax": {},
}
AFTER_ERROR = "after an invalid layer"
# a spec key as a message names it
SETTING_NAMES = {"kernel_size": "kernel size", "ceil_mode": "ceil mode", "type": "layer type"}
_NUMBERED = ("conv2d", "maxpool", "avgpool", "dense")
_NAME_PREFIX = {"conv2d": "conv"}


# ------------------------------------------------------------------------ spec parsing

class _SpecError(ValueError):
    """A ValueError about one spec entry: the spec ``key`` at fault (or None) and the
    ``reason``; ``problem`` and the message are filled in by :func:`_walk`."""

    def __init__(self, key, reason):
        super().__init__(reason)
        self.key, self.reason = key, reason


def problem_message(problem: dict, first: int = 0) -> str:
    """The one-line message of a trace ``problem``, counting layers from ``first``.

    ``{"layer": 2, "name": "conv2", "key": "stride", "reason": "stride must be ..."}``
    gives "layer 2 (conv2): stride must be ..." (``first=0``, pycore's count) or
    "layer 3 (conv2): ..." (``first=1``, as the page numbers its rows). The reason
    names the setting itself, so it reads alone beside that setting's box.
    """
    where = f"layer {problem['layer'] + first}"
    if problem["name"] is not None:
        where += f" ({problem['name']})"
    return f"{where}: {problem['reason']}"


def setting_name(key: str) -> str:
    """A spec key as a message names it: "kernel_size" -> "kernel size"."""
    return SETTING_NAMES.get(key, key)


def quoted(value) -> str:
    """A spec value as a message quotes it: numbers short (1e308, not 309 digits), a
    [height, width] pair as 3×5, text in quotes cut to 40 characters."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if abs(value) < 10**12:
            return str(value)
        digits = str(abs(value))  # (an int past 1e308 has no float to format)
        mantissa = f"{digits[0]}.{digits[1:3]}".rstrip("0").rstrip(".")
        return f"{'-' if value < 0 else ''}{mantissa}e+{len(digits) - 1}"
    if isinstance(value, float):
        return f"{value:.6g}" if np.isfinite(value) else "not a number" if np.isnan(value) \
            else "infinity" if value > 0 else "minus infinity"
    if isinstance(value, (list, tuple)):
        return "×".join(quoted(v) for v in value) if len(value) < 5 else f"a list of {len(value)} values"
    text = value if isinstance(value, str) else repr(value)
    return f'"{text}"' if len(text) <= 40 else f'"{text[:39]}…"'


def _check_value(kind, key, value):
    """Validate one spec value's form; the layer classes check the rest."""
    def bad(expect):
        # Say what was given in words a form's user knows: an empty field arrives as None.
        if value is None:
            got = "it is empty"
        elif isinstance(value, str) and key not in ("activation", "padding", "ceil_mode"):
            got = f"got the text {quoted(value)}, not a number"
        else:
            got = f"got {quoted(value)}"
        return _SpecError(key, f"{setting_name(key)} must be {expect}; {got}")

    def int_or_pair(minimum):
        items = value if isinstance(value, (list, tuple)) else [value]
        if isinstance(value, (list, tuple)) and len(value) != 2:
            return False
        return all(is_int(v) and v >= minimum for v in items)

    if key in ("filters", "units"):
        if not (is_int(value) and value >= 1):
            raise bad("a whole number, at least 1")
    elif key in ("kernel_size", "dilation") or (key == "stride" and value is not None):
        if not int_or_pair(1):
            raise bad("a whole number, at least 1, or two of them (height, width)")
    elif key == "padding" and kind == "conv2d":
        if value not in ("same", "valid") and not (not isinstance(value, str)
                                                   and int_or_pair(0)):
            raise bad('a whole number, at least 0, two of them (height, width), "same" or "valid"')
    elif key == "padding":
        if not int_or_pair(0):
            raise bad("a whole number, at least 0, or two of them (height, width)")
    elif key == "activation":
        if value not in ops.ACTIVATIONS:
            raise bad("one of " + ", ".join(ops.ACTIVATIONS))
    elif key == "ceil_mode":
        if not isinstance(value, bool):
            raise bad("on or off (true or false)")


def _known_type(entry):
    """The entry's type if it is a dict with a known type, else None."""
    kind = entry.get("type") if isinstance(entry, dict) else None
    return kind if isinstance(kind, str) and kind in SPEC_KEYS else None


def _normalize_entry(entry):
    """One spec entry with every default filled in; raises _SpecError."""
    if not isinstance(entry, dict):
        raise _SpecError(None, f'a layer must be a dict with a "type", such as {{"type": "flatten"}}; '
                               f"got {quoted(entry)}")
    kind = _known_type(entry)
    if kind is None:
        raise _SpecError("type", f"there is no layer type {quoted(entry.get('type'))}; "
                                 f"the types are {', '.join(SPEC_KEYS)}")
    keys = SPEC_KEYS[kind]
    unknown = [k for k in entry if k != "type" and k not in keys]
    if unknown:
        has = f"its settings are {', '.join(keys)}" if keys else "it has none"
        raise _SpecError(unknown[0], f"{kind} has no setting {quoted(unknown[0])} ({has})")
    out = {"type": kind}
    for key, default in keys.items():
        if key in entry:
            value = entry[key]
        elif default is REQUIRED:
            raise _SpecError(key, f"{setting_name(key)} must be given: {kind} has no default for it")
        else:
            value = default
        _check_value(kind, key, value)
        out[key] = list(value) if isinstance(value, tuple) else value
    return out


def normalize_spec(spec) -> list[dict]:
    """Validate a spec and fill in every default.

    Parameters
    ----------
    spec : list of dict
        See the module docstring.

    Returns
    -------
    list of dict
        New dicts holding every key of ``SPEC_KEYS[type]``.

    Raises
    ------
    ValueError
        Naming the first bad layer's index and key. Only the entries' form is
        checked here; whether they fit together is :func:`trace`'s job.
    """
    counts: dict = {}
    out = []
    for index, entry in enumerate(_spec_list(spec)):
        kind = _known_type(entry)
        name = _entry_name(kind, counts) if kind else None
        try:
            out.append(_normalize_entry(entry))
        except _SpecError as e:
            raise ValueError(problem_message(_problem(index, name, e.key, e.reason))) from None
    return out


def _problem(index, name, key, reason):
    return {"layer": index, "name": name, "key": key, "reason": reason}


def _spec_list(spec):
    if not isinstance(spec, (list, tuple)):
        raise ValueError(f"a network spec must be a list of layer dicts, got "
                         f"{type(spec).__name__}")
    return spec


def _input_shape(input_shape):
    """(C, H, W) of ints >= 1, as a tuple."""
    if isinstance(input_shape, (str, bytes)) or not hasattr(input_shape, "__len__") \
            or len(input_shape) != 3 or not all(is_int(s) and s >= 1 for s in input_shape):
        raise ValueError(f"input_shape must be (channels, height, width), three integers "
                         f">= 1, got {input_shape!r}")
    return tuple(int(s) for s in input_shape)


def _entry_name(kind, counts):
    counts[kind] = counts.get(kind, 0) + 1
    prefix = _NAME_PREFIX.get(kind, kind)
    if kind in _NUMBERED or counts[kind] > 1:
        return f"{prefix}{counts[kind]}"
    return prefix


def _shape_words(shape) -> str:
    """A layer's input shape as a message says it: "a list of 64 values", "maps of 1×8×8"."""
    if len(shape) == 1:
        return f"a list of {shape[0]} values"
    return f"maps of {'×'.join(str(n) for n in shape)}"


def _make_layers(cfg, shape, init, rng, padding_mode="zeros"):
    """The layer (plus its activation) for one normalized entry at ``shape``.

    Returns the main layer and the list of all layers; raises ValueError when
    the entry does not fit ``shape``.
    """
    kind = cfg["type"]
    if kind == "conv2d":
        if len(shape) != 3:
            raise ValueError(f"a conv layer needs maps (channels × height × width) as its input, but "
                             f"gets {_shape_words(shape)}; a conv cannot follow flatten or dense")
        main = L.Conv2d(shape[0], cfg["filters"], cfg["kernel_size"], stride=cfg["stride"],
                        padding=cfg["padding"], dilation=cfg["dilation"],
                        padding_mode=padding_mode, init=init, seed=rng)
    elif kind in ("maxpool", "avgpool"):
        cls = L.MaxPool2d if kind == "maxpool" else L.AvgPool2d
        main = cls(cfg["kernel_size"], stride=cfg["stride"], padding=cfg["padding"],
                   ceil_mode=cfg["ceil_mode"])
    elif kind == "flatten":
        main = L.Flatten()
    elif kind == "dense":
        if len(shape) != 1:
            raise ValueError(f"a dense layer needs a flat list of values as its input, but gets "
                             f"{_shape_words(shape)}; add a flatten layer before it")
        main = L.Dense(shape[0], cfg["units"], init=init, seed=rng)
    else:  # softmax over the features (or channels of a 3-D input)
        main = L.Softmax(axis=1)
    act_layer = L.make_activation(cfg.get("activation", "none"))
    return main, [main] + ([act_layer] if act_layer is not None else [])


def _walk(spec, input_shape, init, rng, padding_mode="zeros"):
    """Yield ``(index, name, type_or_None, cfg_or_None, layers, shape, problem)`` per
    entry, following the running shape; the shared path of :func:`build` and
    :func:`trace`. ``problem`` is None, a dict (see the module docstring) for the
    first broken entry, or AFTER_ERROR for the entries after it."""
    shape = _input_shape(input_shape)
    counts: dict = {}
    broken = False
    for index, entry in enumerate(_spec_list(spec)):
        kind = _known_type(entry)
        name = _entry_name(kind, counts) if kind else f"layer{index}"
        if broken:
            yield index, name, kind, None, [], None, AFTER_ERROR
            continue
        try:
            cfg = _normalize_entry(entry)
            main, layers = _make_layers(cfg, shape, init, rng, padding_mode)
            shape = main.output_shape(shape)
        except _SpecError as e:
            broken = True
            yield index, name, kind, None, [], None, _problem(index, name if kind else None,
                                                              e.key, e.reason)
        except ValueError as e:
            broken = True
            yield index, name, kind, None, [], None, _problem(index, name, None, str(e))
        else:
            yield index, name, kind, cfg, layers, shape, None


# -------------------------------------------------------------------------- Sequential

class Sequential:
    """Layers applied in order.

    Parameters
    ----------
    layers : list of pycore.layers.Layer
    names : list of str, optional
        One per layer; default ``"<type><position>"``.
    input_shape : tuple of int, optional
        Per-example input shape, e.g. ``(C, H, W)``. It tells an unbatched
        example from a batch; without it the first layer decides (conv/pool:
        ``(C, H, W)``; dense: ``(F,)``).

    Notes
    -----
    ``forward``/``backward`` accept one example (e.g. ``(C, H, W)``) or a batch
    (``(N, C, H, W)``); results keep the caller's form.
    """

    def __init__(self, layers, names=None, input_shape=None):
        self.layers = list(layers)
        if names is None:
            names = [f"{layer.type}{i}" for i, layer in enumerate(self.layers)]
        if len(names) != len(self.layers) or len(set(names)) != len(names):
            raise ValueError("names must be unique, one per layer")
        self.names = list(names)
        self.input_shape = None if input_shape is None else tuple(input_shape)
        self._unbatched = False

    def _example_ndim(self):
        if self.input_shape is not None:
            return len(self.input_shape)
        for layer in self.layers:
            if isinstance(layer, (L.Conv2d, L.Pool2d)):
                return 3
            if isinstance(layer, L.Dense):
                return 1
        return None

    def _to_batch(self, x):
        x = ops.as_float_array(x)
        ndim = self._example_ndim()
        if ndim is not None and x.ndim == ndim:
            self._unbatched = True
            return x[np.newaxis]
        if ndim is not None and x.ndim != ndim + 1:
            raise ValueError(f"input must have {ndim} dimensions (one example) or "
                             f"{ndim + 1} (a batch), got shape {x.shape}")
        self._unbatched = False
        return x

    def _from_batch(self, y):
        return y[0] if self._unbatched else y

    def forward(self, x, upto=None):
        """Run the network.

        Parameters
        ----------
        x : ndarray, shape (C, H, W) or (N, C, H, W) (or the input_shape's form)
        upto : int, optional
            Run only ``layers[:upto]``.

        Returns
        -------
        ndarray
            Shape of the last layer run's output, batch axis as in ``x``.
        """
        y = self._to_batch(x)
        for layer in self.layers[:upto]:
            y = layer.forward(y)
        return self._from_batch(y)

    def forward_with_activations(self, x):
        """Run the network and keep every layer's output.

        Parameters
        ----------
        x : ndarray, shape (C, H, W) or (N, C, H, W)

        Returns
        -------
        list of (str, ndarray)
            ``(name, output)`` per layer in order, batch axis as in ``x``.
        """
        y = self._to_batch(x)
        outputs = []
        for name, layer in zip(self.names, self.layers):
            y = layer.forward(y)
            outputs.append((name, self._from_batch(y)))
        return outputs

    def backward(self, grad, upto=None):
        """Backpropagate through ``layers[:upto]`` (all by default).

        Parameters
        ----------
        grad : ndarray
            Gradient of the loss w.r.t. the output of the last ``forward``
            (same shape as that output).
        upto : int, optional
            Must match the ``upto`` of that ``forward``.

        Returns
        -------
        ndarray
            Gradient w.r.t. the input, shaped like the input. Parameter
            gradients are added into each layer's ``.grads``.
        """
        g = ops.as_float_array(grad)
        if self._unbatched:
            g = g[np.newaxis]
        for layer in reversed(self.layers[:upto]):
            g = layer.backward(g)
        return self._from_batch(g)

    def params(self) -> dict:
        """``"<layer name>.<param>" -> ndarray`` (live arrays), e.g. ``conv1.weight``."""
        return {f"{name}.{k}": v for name, layer in zip(self.names, self.layers)
                for k, v in layer.params().items()}

    def grads(self) -> dict:
        """Accumulated gradients, keyed like :meth:`params`."""
        return {f"{name}.{k}": v for name, layer in zip(self.names, self.layers)
                for k, v in layer.grads.items()}

    def zero_grads(self) -> None:
        """Reset every layer's gradients to zero."""
        for layer in self.layers:
            layer.zero_grads()

    def sgd_step(self, lr: float) -> None:
        """In place ``p -= lr * grad`` for every parameter that has a gradient."""
        for layer in self.layers:
            for k, p in layer.params().items():
                if k in layer.grads:
                    p -= lr * layer.grads[k]

    def describe(self) -> list[dict]:
        """``[{"name": ..., **layer.describe()}]`` (JSON-able)."""
        return [{"name": n, **layer.describe()} for n, layer in zip(self.names, self.layers)]


def build(spec, input_shape, seed=0, init="he", padding_mode="zeros") -> Sequential:
    """Build a network from a spec.

    Parameters
    ----------
    spec : list of dict
        See the module docstring.
    input_shape : (C, H, W)
        Per-example input shape; conv in_channels and dense in_features are
        inferred from the running shape.
    seed : int or None, default 0
        One ``np.random.default_rng(seed)`` draws every layer's weights in
        order, so the same (spec, input_shape, seed, init) gives the same net.
    init : {"he", "glorot", "uniform"}
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
        What fills every conv layer's padding (``ops.PADDING_MODES``).

    Returns
    -------
    Sequential
        Activations are separate layers named ``<layer>.<activation>``.

    Raises
    ------
    ValueError
        The first problem :func:`trace` would report (same message), or a bad
        ``input_shape``/``init``.
    """
    if init not in L.INITS:
        raise ValueError(f"unknown init {init!r}; valid: {', '.join(L.INITS)}")
    shape = _input_shape(input_shape)
    rng = np.random.default_rng(seed)
    layers, names = [], []
    for _, name, _, cfg, made, _, problem in _walk(spec, shape, init, rng, padding_mode):
        if problem is not None:
            raise ValueError(problem_message(problem))
        layers.extend(made)
        names.append(name)
        names.extend(f"{name}.{cfg['activation']}" for _ in made[1:])
    return Sequential(layers, names, input_shape=shape)


# ------------------------------------------------------------------------------- trace

def _row(index, name, kind, activation, shape, weights=0, biases=0, macs=0, problem=None):
    if problem is None or problem == AFTER_ERROR:
        error, problem = problem, None
    else:
        error = problem_message(problem)
    return {"index": index, "name": name, "type": kind, "activation": activation,
            "output_shape": None if shape is None else [int(s) for s in shape],
            "weights": int(weights), "biases": int(biases), "params": int(weights + biases),
            "macs": int(macs), "error": error, "problem": problem}


def trace(spec, input_shape) -> list[dict]:
    """Shapes, parameter and multiply-accumulate counts of every layer, computed
    without running the network or allocating weights.

    Parameters
    ----------
    spec : list of dict
    input_shape : (C, H, W)

    Returns
    -------
    list of dict
        The input row, then one row per spec entry (see the module docstring).
        A bad stack never raises: the first broken layer carries the reason in
        ``error``, and the rows after it ``AFTER_ERROR``.

    Raises
    ------
    ValueError
        Only when ``spec`` is not a list or ``input_shape`` is not three
        integers >= 1.
    """
    shape = _input_shape(input_shape)
    _spec_list(spec)
    rows = [_row(None, "input", "input", None, shape)]
    running = shape
    for index, name, kind, cfg, made, out_shape, problem in _walk(spec, shape, None, None):
        if problem is not None:
            rows.append(_row(index, name, kind, None, None, problem=problem))
            continue
        main = made[0]
        weights, biases = main.param_counts(running)
        act = cfg.get("activation", "none")
        rows.append(_row(index, name, kind, None if act == "none" else act, out_shape,
                         weights, biases, main.macs(running)))
        running = out_shape
    return rows


def trace_totals(rows) -> dict:
    """Totals over trace rows.

    Parameters
    ----------
    rows : list of dict
        From :func:`trace`.

    Returns
    -------
    dict
        ``{"weights", "biases", "params", "macs": int, "output_shape": [int] | None
        (the last row's), "valid": bool (no row has an error),
        "error": str | None (the first error)}``.
    """
    errors = [r["error"] for r in rows if r["error"] is not None]
    return {key: sum(r[key] for r in rows) for key in ("weights", "biases", "params", "macs")} | {
        "output_shape": rows[-1]["output_shape"] if rows else None,
        "valid": not errors, "error": errors[0] if errors else None}


# ---------------------------------------------------------------------------- training

def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of softmax(logits) against integer labels, and its gradient.

    Parameters
    ----------
    logits : ndarray, shape (N, K) or (K,)
        Raw class scores.
    labels : int or array of int, shape (N,) (or scalar for (K,) logits)
        Class indices in ``[0, K)``.

    Returns
    -------
    loss : float
        ``mean_n(-log softmax(logits[n])[labels[n]])``.
    grad_logits : ndarray, shape like ``logits``
        ``(softmax(logits) - onehot(labels)) / N``.
    """
    z = np.asarray(logits, dtype=np.float64)
    single = z.ndim == 1
    z2 = z[np.newaxis] if single else z
    if z2.ndim != 2:
        raise ValueError(f"logits must be (N, K) or (K,), got shape {z.shape}")
    y = np.atleast_1d(np.asarray(labels))
    if not np.issubdtype(y.dtype, np.integer) or y.shape != (z2.shape[0],):
        raise ValueError(f"labels must be {z2.shape[0]} integer class indices, got {labels!r}")
    if np.any((y < 0) | (y >= z2.shape[1])):
        raise ValueError(f"labels must be in [0, {z2.shape[1]}), got {y.tolist()}")
    n = z2.shape[0]
    shifted = z2 - z2.max(axis=1, keepdims=True)  # log-sum-exp trick: no overflow
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = float(-log_p[np.arange(n), y].mean())
    grad = np.exp(log_p)
    grad[np.arange(n), y] -= 1.0
    grad /= n
    return loss, grad[0] if single else grad


def scores_end(net: Sequential):
    """``upto`` for :meth:`Sequential.forward` that stops at the raw class scores: a
    trailing softmax layer is left out (None when there is none)."""
    return len(net.layers) - 1 if net.layers and isinstance(net.layers[-1], L.Softmax) else None


def train_step(net: Sequential, x, y, lr: float) -> float:
    """One step of plain SGD on the softmax cross-entropy.

    A trailing :class:`~pycore.layers.Softmax` layer is skipped: the loss is
    computed on the scores before it (fused softmax + cross-entropy is
    numerically stable).

    Parameters
    ----------
    net : Sequential
    x : ndarray, shape (N, C, H, W) (or one example)
    y : array of int, shape (N,)
        Class indices.
    lr : float
        Learning rate.

    Returns
    -------
    float
        The loss before the update.
    """
    upto = scores_end(net)
    net.zero_grads()
    logits = net.forward(x, upto=upto)
    loss, grad = softmax_cross_entropy(logits, y)
    net.backward(grad, upto=upto)
    net.sgd_step(lr)
    return loss
