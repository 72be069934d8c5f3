"""Thin layer classes with a forward and a backward pass.

Each layer works on batched arrays: images ``(N, C, H, W)``, feature vectors
``(N, F)``; :class:`pycore.network.Sequential` adds and removes the batch axis
for a single unbatched example. Forward passes call :mod:`pycore.ops`; the
backward passes live here and are vectorized: they loop at most over kernel
taps (``kH * kW``), never over pixels.

Common interface (see :class:`Layer`):

``forward(x)``
    Output for a batch; caches what ``backward`` needs.
``backward(grad_out)``
    Gradient of the loss with respect to the input of the last ``forward``;
    ADDS parameter gradients into ``.grads`` (same keys as ``params()``), as
    torch accumulates ``.grad``; call ``zero_grads()`` between steps.
``params()``
    ``{name: ndarray}`` of the trainable arrays (the live arrays, not copies).
``output_shape(input_shape)``, ``num_params(input_shape)``, ``param_counts(input_shape)``
(``(weights, biases)``), ``macs(input_shape)``
    Shape inference and counts for ONE example (shapes without the batch
    axis), computed without running anything; they raise ``ValueError`` with
    a reason when the input shape does not fit the layer.
``describe()``
    The layer's configuration as a JSON-able dict.

Layers compute in the input's float dtype: float32 stays float32 (training runs faster
so; see :mod:`pycore.train`), float64 stays float64 (gradient checks), integers become
float64 (``ops.as_float_array``).

``macs`` counts the multiply-accumulates of the weights (conv and dense);
pooling, activations and bias additions count 0.

Parameters are drawn with ``np.random.default_rng(seed)`` (``seed`` may also be
a ``Generator``, which is then used as is, so one generator can feed a whole
network reproducibly). ``init``:

* ``"he"`` (default): He-uniform, ``U(-sqrt(6 / fan_in), +sqrt(6 / fan_in))``,
  keeps activations' variance steady through ReLU layers;
* ``"glorot"``: Glorot-uniform, ``U(-sqrt(6 / (fan_in + fan_out)), +...)``;
* ``"uniform"``: the tutorial's ``U(-1, 1)``;
* ``None``: allocate nothing. The layer can still infer shapes and count
  parameters (``pycore.network.trace`` uses this) but cannot run.

Biases start at zero for every init.
"""

from __future__ import annotations

import math

import numpy as np

from . import blas, ops, validate

__all__ = [
    "Layer", "Conv2d", "Pool2d", "MaxPool2d", "AvgPool2d", "Flatten", "Dense",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "INITS", "make_activation",
]

INITS = ("he", "glorot", "uniform")


# ----------------------------------------------------------------- shape helpers

def _shape(input_shape, ndim, layer, expect):
    """Validate a per-example shape: a tuple of ``ndim`` ints >= 1."""
    try:
        shape = tuple(int(s) for s in input_shape)
    except TypeError:
        raise ValueError(f"{layer}: input shape must be a sequence of integers, "
                         f"got {input_shape!r}") from None
    if ndim is not None and len(shape) != ndim:
        raise ValueError(f"{layer} needs a {ndim}-D input {expect}, got shape {shape}")
    if any(s < 1 for s in shape):
        raise ValueError(f"{layer}: every input size must be >= 1, got shape {shape}")
    return shape


def _batched(x, ndim, layer, expect):
    x = ops.as_float_array(x)
    if x.ndim != ndim:
        raise ValueError(f"{layer} needs a batched {ndim}-D array {expect}, got shape {x.shape}")
    return x


def _make_rng(seed):
    # default_rng returns a Generator passed to it unchanged, so one generator can be
    # shared by every layer of a network
    return np.random.default_rng(seed)


def _init_uniform(init, shape, fan_in, fan_out, rng):
    if init == "he":
        bound = math.sqrt(6.0 / fan_in)
    elif init == "glorot":
        bound = math.sqrt(6.0 / (fan_in + fan_out))
    else:  # "uniform", the tutorial's choice
        bound = 1.0
    return rng.uniform(-bound, bound, size=shape)


def _check_init(init):
    if init is not None and init not in INITS:
        raise ValueError(f"unknown init {init!r}; valid: {', '.join(INITS)} (or None)")


def _taps(kh, kw, dilation, stride, out_hw):
    """Yield ``(i, j, rows, cols)``: for each kernel tap, the strided slices of the
    padded input that the tap touches for every output position."""
    (dh, dw), (sh, sw), (oh, ow) = dilation, stride, out_hw
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
        for j in range(kw):
            yield i, j, rows, slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)


def _pad_source_index(n, before, after, mode):
    """For each position of an axis padded by ``ops.pad`` (length before+n+after),
    the index of the input element it copies (mode reflect|replicate|circular)."""
    idx = np.arange(-before, n + after)
    if mode == "replicate":
        return np.clip(idx, 0, n - 1)
    if mode == "circular":
        return idx % n
    # reflect about the edge elements without repeating them (torch/numpy "reflect");
    # the period 2(n-1) also covers pads wider than the input
    if n == 1:
        return np.zeros_like(idx)
    period = 2 * (n - 1)
    idx = np.abs(idx) % period
    return np.where(idx >= n, period - idx, idx)


def _pad_adjoint(grad_padded, pads, mode, hw):
    """Adjoint of ``ops.pad`` on the last two axes.

    Parameters
    ----------
    grad_padded : ndarray, shape (N, C, t + H + b, l + W + r)
    pads : ((t, b), (l, r))
    mode : str
        ops.pad mode: constant | reflect | replicate | circular.
    hw : (H, W)

    Returns
    -------
    ndarray, shape (N, C, H, W)
        Each padded cell's gradient added back to the input cell it was copied
        from (and dropped for constant padding).
    """
    g = grad_padded
    for axis, (before, after), n in ((2, pads[0], hw[0]), (3, pads[1], hw[1])):
        inner = [slice(None)] * 4
        inner[axis] = slice(before, before + n)
        out = g[tuple(inner)].copy()
        if mode != "constant" and before + after > 0:
            src = _pad_source_index(n, before, after, mode)
            # loop over the few padded rows/columns only (at most the padding width)
            for p in [*range(before), *range(before + n, before + n + after)]:
                dst = [slice(None)] * 4
                dst[axis] = src[p]
                from_ = [slice(None)] * 4
                from_[axis] = p
                out[tuple(dst)] += g[tuple(from_)]
        g = out
    return g


# ----------------------------------------------------------------------------- base

class Layer:
    """Base class: a layer without parameters that keeps the shape.

    Attributes
    ----------
    grads : dict
        ``name -> ndarray`` gradients accumulated by ``backward`` (same keys
        and shapes as ``params()``).
    """

    type = "layer"

    def __init__(self):
        self.grads: dict[str, np.ndarray] = {}
        self._cache = None

    # -- parameters
    def params(self) -> dict:
        """Trainable arrays, ``name -> ndarray`` (live references)."""
        return {}

    def zero_grads(self) -> None:
        """Reset ``.grads`` to zeros shaped like ``params()``."""
        self.grads = {k: np.zeros_like(v) for k, v in self.params().items()}

    def _add_grad(self, name, value):
        if name in self.grads:
            self.grads[name] += value
        else:
            self.grads[name] = np.array(value)  # a copy in the computation's dtype

    def _need_cache(self):
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return self._cache

    # -- shapes and counts (per example, no batch axis)
    def output_shape(self, input_shape) -> tuple:
        """Output shape for one example; this base keeps the shape."""
        return _shape(input_shape, None, self.type, "")

    def param_counts(self, input_shape) -> tuple[int, int]:
        """``(weights, biases)``: trainable scalars by kind (validates ``input_shape``)."""
        self.output_shape(input_shape)
        return (0, 0)

    def num_params(self, input_shape) -> int:
        """Number of trainable scalars (validates ``input_shape`` first)."""
        return sum(self.param_counts(input_shape))

    def macs(self, input_shape) -> int:
        """Multiply-accumulates for one example (0 for layers without weights)."""
        self.output_shape(input_shape)
        return 0

    def describe(self) -> dict:
        """Configuration as a JSON-able dict."""
        return {"type": self.type}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.describe().items() if k != "type")
        return f"{type(self).__name__}({args})"


# ------------------------------------------------------------------------ conv2d

class Conv2d(Layer):
    """2-D convolution (cross-correlation, as ``torch.nn.Conv2d``).

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (int, int)
    stride, dilation : int or (int, int), default 1
    padding : int, (int, int), "same" or "valid", default 0
        "same" pads ``dilation * (k - 1)`` in total per axis, the odd one on
        the bottom/right (torch's rule); it needs stride 1.
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
    bias : bool, default True
    init : {"he", "glorot", "uniform"} or None
    seed : int, numpy Generator or None

    Attributes
    ----------
    weight : ndarray, shape (out_channels, in_channels, kH, kW)
    bias : ndarray, shape (out_channels,), or None

    Shapes: input ``(N, in_channels, H, W)`` -> output ``(N, out_channels, OH, OW)``
    with ``OH, OW`` from ``ops.conv_output_size``.
    """

    type = "conv2d"

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, padding_mode="zeros", bias=True, init="he", seed=None):
        super().__init__()
        self.in_channels = validate.integer(in_channels, "in_channels", 1)
        self.out_channels = validate.integer(out_channels, "out_channels", 1)
        self.kernel_size = validate.pair(kernel_size, "kernel_size", 1)
        self.stride = validate.pair(stride, "stride", 1)
        self.dilation = validate.pair(dilation, "dilation", 1)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"padding must be an integer >= 0, a pair, 'same' or "
                                 f"'valid', got {padding!r}")
            if padding == "same" and self.stride != (1, 1):
                raise ValueError(f'padding "same" needs stride 1, got stride {validate.pair_text(self.stride)}')
            self.padding = padding
        else:
            self.padding = validate.pair(padding, "padding", 0)
        self.padding_mode = validate.choice(padding_mode, ops.PADDING_MODES, "padding_mode")
        self.use_bias = bool(bias)
        _check_init(init)
        self.weight = self.bias = None
        if init is not None:
            kh, kw = self.kernel_size
            rng = _make_rng(seed)
            self.weight = _init_uniform(
                init, (self.out_channels, self.in_channels, kh, kw),
                self.in_channels * kh * kw, self.out_channels * kh * kw, rng)
            if self.use_bias:
                self.bias = np.zeros(self.out_channels)

    def pads(self):
        """Resolved padding ``((top, bottom), (left, right))``, by ops' own rule."""
        return ops.resolve_conv_padding(self.padding, self.kernel_size, self.stride,
                                         self.dilation)

    def params(self):
        if self.weight is None:
            return {}
        p = {"weight": self.weight}
        if self.bias is not None:
            p["bias"] = self.bias
        return p

    def output_shape(self, input_shape):
        c, h, w = _shape(input_shape, 3, "conv2d", "(channels, height, width)")
        if c != self.in_channels:
            raise ValueError(f"conv2d expects {self.in_channels} input channels, got {c}")
        pads = self.pads()
        try:
            ops.check_pad_fits((h, w), (*pads[1], *pads[0]), ops.conv_pad_mode(self.padding_mode))
        except ValueError as e:
            raise ValueError(f"conv2d: {e}") from None
        sizes = []
        for axis, n, k, s, d, (pb, pa) in zip(("height", "width"), (h, w), self.kernel_size,
                                               self.stride, self.dilation, pads):
            try:
                sizes.append(ops.conv_output_size(n, k, s, (pb, pa), d))
            except ValueError as e:
                raise ValueError(f"conv2d: input {axis} {n}: {e}") from None
        return (self.out_channels, *sizes)

    def param_counts(self, input_shape):
        self.output_shape(input_shape)
        kh, kw = self.kernel_size
        return (self.out_channels * self.in_channels * kh * kw,
                self.out_channels if self.use_bias else 0)

    def macs(self, input_shape):
        co, oh, ow = self.output_shape(input_shape)
        kh, kw = self.kernel_size
        return co * oh * ow * self.in_channels * kh * kw

    def describe(self):
        return {"type": self.type, "in_channels": self.in_channels,
                "out_channels": self.out_channels, "kernel_size": list(self.kernel_size),
                "stride": list(self.stride),
                "padding": self.padding if isinstance(self.padding, str) else list(self.padding),
                "dilation": list(self.dilation), "padding_mode": self.padding_mode,
                "bias": self.use_bias}

    def _require_weights(self):
        if self.weight is None:
            raise RuntimeError("this Conv2d was made with init=None and has no weights")

    def forward(self, x):
        """Parameters: x (N, in_channels, H, W). Returns (N, out_channels, OH, OW)."""
        self._require_weights()
        x = _batched(x, 4, "conv2d", "(N, C, H, W)")
        self.output_shape(x.shape[1:])  # a clear message before ops sees it
        out = ops.conv2d(x, self.weight, self.bias, stride=self.stride, padding=self.padding,
                         dilation=self.dilation, padding_mode=self.padding_mode)
        self._cache = x
        return out

    def backward(self, grad_out):
        """Parameters: grad_out (N, out_channels, OH, OW). Returns (N, in_channels, H, W).

        Per kernel tap (i, j): the tap saw the strided slice ``xs`` of the
        padded input at every output position, so
        ``dL/dW[:, :, i, j] = sum_{n,oh,ow} g[n, o, oh, ow] * xs[n, c, oh, ow]`` and
        ``W[:, :, i, j]^T g`` is scatter-added back into that same slice of a padded
        gradient buffer, which the adjoint of the padding folds onto the input.
        """
        x = self._need_cache()
        g = ops.as_float_array(grad_out)
        pads = self.pads()
        xp = ops.pad(x, (pads[1][0], pads[1][1], pads[0][0], pads[0][1]),
                     mode=ops.conv_pad_mode(self.padding_mode))
        kh, kw = self.kernel_size
        grad_w = np.empty_like(self.weight)
        grad_xp = np.zeros_like(xp)
        taps = _taps(kh, kw, self.dilation, self.stride, g.shape[2:])
        if blas.active() and g.dtype == xp.dtype == self.weight.dtype:
            self._backward_taps_blas(g, xp, grad_w, grad_xp, taps)
        else:
            for i, j, rows, cols in taps:
                xs = xp[:, :, rows, cols]                                   # (N, Ci, OH, OW)
                grad_w[:, :, i, j] = np.tensordot(g, xs, axes=([0, 2, 3], [0, 2, 3]))  # (Co, Ci)
                back = np.tensordot(self.weight[:, :, i, j], g, axes=([0], [1]))  # (Ci, N, OH, OW)
                grad_xp[:, :, rows, cols] += back.transpose(1, 0, 2, 3)
        self._add_grad("weight", grad_w)
        if self.bias is not None:
            self._add_grad("bias", g.sum(axis=(0, 2, 3)))
        return _pad_adjoint(grad_xp, pads, ops.conv_pad_mode(self.padding_mode), x.shape[2:])


    def _backward_taps_blas(self, g, xp, grad_w, grad_xp, taps):
        """The per-tap products of :meth:`backward` as 2-D BLAS products (Pyodide: numpy's
        tensordot there goes through its non-BLAS dot, 2x slower on the notebook's layers).

        g (N, Co, OH, OW) becomes (Co, N*OH*OW) once; per tap the strided slice xs
        (N, Ci, OH, OW) becomes (Ci, N*OH*OW), then
        ``dW[:, :, i, j] = g2 @ xs2.T`` and ``back = W[:, :, i, j].T @ g2``.
        """
        n, co, oh, ow = g.shape
        ci = xp.shape[1]
        g2 = np.ascontiguousarray(g.transpose(1, 0, 2, 3)).reshape(co, n * oh * ow)
        xs2 = np.empty((ci, n, oh, ow), dtype=xp.dtype)
        for i, j, rows, cols in taps:
            np.copyto(xs2, xp[:, :, rows, cols].transpose(1, 0, 2, 3))
            flat = xs2.reshape(ci, n * oh * ow)
            grad_w[:, :, i, j] = blas.matmul(g2, flat.T)                              # (Co, Ci)
            back = blas.matmul(np.ascontiguousarray(self.weight[:, :, i, j].T), g2)  # (Ci, N*OH*OW)
            grad_xp[:, :, rows, cols] += back.reshape(ci, n, oh, ow).transpose(1, 0, 2, 3)


# ----------------------------------------------------------------------- pooling

class Pool2d(Layer):
    """Shared configuration and shape inference of the pooling layers."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False):
        super().__init__()
        self.kernel_size = validate.pair(kernel_size, "kernel_size", 1)
        self.stride = self.kernel_size if stride is None else validate.pair(stride, "stride", 1)
        self.padding = validate.pair(padding, "padding", 0)
        for p, k in zip(self.padding, self.kernel_size):
            # torch's limit: a window must always cover at least one real pixel
            if 2 * p > k:
                raise ValueError(f"{self.type}: padding {p} must be at most half the window size {k}")
        self.ceil_mode = bool(ceil_mode)

    def output_shape(self, input_shape):
        c, h, w = _shape(input_shape, 3, self.type, "(channels, height, width)")
        sizes = []
        for axis, n, k, s, p in zip(("height", "width"), (h, w), self.kernel_size,
                                    self.stride, self.padding):
            try:
                sizes.append(ops.conv_output_size(n, k, s, p, 1, ceil_mode=self.ceil_mode))
            except ValueError as e:
                raise ValueError(f"{self.type}: input {axis} {n}: {e}") from None
        return (c, *sizes)

    def describe(self):
        return {"type": self.type, "kernel_size": list(self.kernel_size),
                "stride": list(self.stride), "padding": list(self.padding),
                "ceil_mode": self.ceil_mode}

    def _buffer_hw(self, hw, out_hw):
        """Height/width of a padded buffer that holds every window, including the
        last ceil_mode window that may run past the padded input."""
        return tuple(max(n + 2 * p, (o - 1) * s + k) for n, p, o, s, k in
                     zip(hw, self.padding, out_hw, self.stride, self.kernel_size))

    def _interior(self, hw):
        (ph, pw) = self.padding
        return (slice(None), slice(None), slice(ph, ph + hw[0]), slice(pw, pw + hw[1]))


class MaxPool2d(Pool2d):
    """Max pooling (``torch.nn.MaxPool2d``; padding counts as -inf).

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size`` (windows that do not overlap).
    padding : int or (int, int), default 0
        At most half the kernel size.
    ceil_mode : bool, default False
        Round the output size up, adding a last partial window.

    Shapes: ``(N, C, H, W)`` -> ``(N, C, OH, OW)``. The gradient goes to the
    first maximum of each window in row-major order (torch's tie rule).
    """

    type = "maxpool"

    def forward(self, x):
        """Parameters: x (N, C, H, W). Returns (N, C, OH, OW)."""
        x = _batched(x, 4, "maxpool", "(N, C, H, W)")
        self.output_shape(x.shape[1:])
        out = ops.max_pool2d(x, self.kernel_size, stride=self.stride, padding=self.padding,
                             ceil_mode=self.ceil_mode)
        self._cache = (x, out)
        return out

    def backward(self, grad_out):
        """Parameters: grad_out (N, C, OH, OW). Returns (N, C, H, W)."""
        x, out = self._need_cache()
        g = ops.as_float_array(grad_out)
        n, c, h, w = x.shape
        inner = self._interior((h, w))
        xp = np.full((n, c, *self._buffer_hw((h, w), out.shape[2:])), -np.inf, dtype=x.dtype)
        xp[inner] = x
        grad_xp = np.zeros_like(xp)
        taken = np.zeros(out.shape, dtype=bool)  # windows whose max was already routed
        kh, kw = self.kernel_size
        for _, _, rows, cols in _taps(kh, kw, (1, 1), self.stride, out.shape[2:]):
            hit = (xp[:, :, rows, cols] == out) & ~taken
            taken |= hit
            grad_xp[:, :, rows, cols] += np.where(hit, g, 0.0)
        return grad_xp[inner]


class AvgPool2d(Pool2d):
    """Average pooling (``torch.nn.AvgPool2d``).

    Parameters
    ----------
    kernel_size, stride, padding, ceil_mode
        As :class:`MaxPool2d`.
    count_include_pad : bool, default True
        Divide by the window size including zero padding (but never counting
        the part of a ceil_mode window beyond the padded input), or, when
        False, by the number of real pixels in the window.

    Shapes: ``(N, C, H, W)`` -> ``(N, C, OH, OW)``.
    """

    type = "avgpool"

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = bool(count_include_pad)

    def describe(self):
        return {**super().describe(), "count_include_pad": self.count_include_pad}

    def divisors(self, hw, out_hw):
        """The divisor of every window.

        Parameters
        ----------
        hw : (H, W)
        out_hw : (OH, OW)

        Returns
        -------
        ndarray, shape (OH, OW)
            Window area as torch counts it; it factors into a height part and
            a width part because windows are rectangles.
        """
        parts = [ops.pool_window_counts(n, k, s, p, o, self.count_include_pad) for n, o, k, s, p
                 in zip(hw, out_hw, self.kernel_size, self.stride, self.padding)]
        return np.outer(parts[0], parts[1]).astype(np.float64)

    def forward(self, x):
        """Parameters: x (N, C, H, W). Returns (N, C, OH, OW)."""
        x = _batched(x, 4, "avgpool", "(N, C, H, W)")
        self.output_shape(x.shape[1:])
        out = ops.avg_pool2d(x, self.kernel_size, stride=self.stride, padding=self.padding,
                             ceil_mode=self.ceil_mode, count_include_pad=self.count_include_pad)
        self._cache = x.shape
        return out

    def backward(self, grad_out):
        """Parameters: grad_out (N, C, OH, OW). Returns (N, C, H, W).

        Each output is a window sum over its divisor, so every tap passes
        ``grad_out / divisor`` back to the pixel it covered (padding and cells
        beyond the input are dropped by cropping the buffer).
        """
        n, c, h, w = self._need_cache()
        g = ops.as_float_array(grad_out)
        share = g / self.divisors((h, w), g.shape[2:]).astype(g.dtype)
        grad_xp = np.zeros((n, c, *self._buffer_hw((h, w), g.shape[2:])), dtype=g.dtype)
        kh, kw = self.kernel_size
        for _, _, rows, cols in _taps(kh, kw, (1, 1), self.stride, g.shape[2:]):
            grad_xp[:, :, rows, cols] += share
        return grad_xp[self._interior((h, w))]


# -------------------------------------------------------------------- flatten, dense

class Flatten(Layer):
    """Flatten each example to a vector in C order (channel, row, column), as torch.

    Shapes: ``(N, *dims)`` -> ``(N, prod(dims))``.
    """

    type = "flatten"

    def output_shape(self, input_shape):
        shape = _shape(input_shape, None, "flatten", "")
        return (math.prod(shape),)

    def forward(self, x):
        """Parameters: x (N, ...). Returns (N, F)."""
        x = ops.as_float_array(x)
        if x.ndim < 2:
            raise ValueError(f"flatten needs a batched array (N, ...), got shape {x.shape}")
        self._cache = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad_out):
        """Parameters: grad_out (N, F). Returns the input's shape (N, ...)."""
        return ops.as_float_array(grad_out).reshape(self._need_cache())


class Dense(Layer):
    """Fully connected layer ``y = x W^T + b`` (``torch.nn.Linear``).

    Parameters
    ----------
    in_features, out_features : int
    bias : bool, default True
    init : {"he", "glorot", "uniform"} or None
    seed : int, numpy Generator or None

    Attributes
    ----------
    weight : ndarray, shape (out_features, in_features)
    bias : ndarray, shape (out_features,), or None

    Shapes: ``(N, in_features)`` -> ``(N, out_features)``.
    """

    type = "dense"

    def __init__(self, in_features, out_features, bias=True, init="he", seed=None):
        super().__init__()
        self.in_features = validate.integer(in_features, "in_features", 1)
        self.out_features = validate.integer(out_features, "out_features", 1)
        self.use_bias = bool(bias)
        _check_init(init)
        self.weight = self.bias = None
        if init is not None:
            self.weight = _init_uniform(init, (self.out_features, self.in_features),
                                        self.in_features, self.out_features, _make_rng(seed))
            if self.use_bias:
                self.bias = np.zeros(self.out_features)

    def params(self):
        if self.weight is None:
            return {}
        p = {"weight": self.weight}
        if self.bias is not None:
            p["bias"] = self.bias
        return p

    def output_shape(self, input_shape):
        shape = _shape(input_shape, None, "dense", "")
        if len(shape) != 1:
            raise ValueError(f"dense needs a flat input (features,), got shape {shape}; "
                             f"add a flatten layer before it")
        if shape[0] != self.in_features:
            raise ValueError(f"dense expects {self.in_features} input features, got {shape[0]}")
        return (self.out_features,)

    def param_counts(self, input_shape):
        self.output_shape(input_shape)
        return (self.out_features * self.in_features, self.out_features if self.use_bias else 0)

    def macs(self, input_shape):
        self.output_shape(input_shape)
        return self.out_features * self.in_features

    def describe(self):
        return {"type": self.type, "in_features": self.in_features,
                "out_features": self.out_features, "bias": self.use_bias}

    def forward(self, x):
        """Parameters: x (N, in_features). Returns (N, out_features)."""
        if self.weight is None:
            raise RuntimeError("this Dense was made with init=None and has no weights")
        x = _batched(x, 2, "dense", "(N, features)")
        self.output_shape(x.shape[1:])
        self._cache = x
        # blas.matmul: OpenBLAS in Pyodide (numpy's own matmul there has no BLAS: a
        # 32x1650 @ 1650x512 product took 81 ms in float32 against 11 ms), np.matmul elsewhere
        out = blas.matmul(x, self.weight.T)
        return out + self.bias if self.bias is not None else out

    def backward(self, grad_out):
        """Parameters: grad_out (N, out_features). Returns (N, in_features)."""
        x = self._need_cache()
        g = ops.as_float_array(grad_out)
        self._add_grad("weight", blas.matmul(g.T, x))
        if self.bias is not None:
            self._add_grad("bias", g.sum(axis=0))
        return blas.matmul(g, self.weight)


# ------------------------------------------------------------------- activations
# Element-wise; any shape in, the same shape out.

class ReLU(Layer):
    """``max(x, 0)``; the gradient at exactly 0 is taken as 0 (as torch)."""

    type = "relu"

    def forward(self, x):
        x = ops.as_float_array(x)
        self._cache = x > 0
        return ops.relu(x)

    def backward(self, grad_out):
        return np.where(self._need_cache(), grad_out, 0.0)


class LeakyReLU(Layer):
    """``x`` if ``x > 0`` else ``negative_slope * x``.

    Parameters
    ----------
    negative_slope : float, default 0.01
    """

    type = "leaky_relu"

    def __init__(self, negative_slope=0.01):
        super().__init__()
        if isinstance(negative_slope, bool) or not isinstance(negative_slope, (int, float)) \
                or not math.isfinite(negative_slope):
            raise ValueError(f"negative_slope must be a finite number, got {negative_slope!r}")
        self.negative_slope = float(negative_slope)

    def describe(self):
        return {"type": self.type, "negative_slope": self.negative_slope}

    def forward(self, x):
        x = ops.as_float_array(x)
        self._cache = x > 0
        return ops.leaky_relu(x, negative_slope=self.negative_slope)

    def backward(self, grad_out):
        g = ops.as_float_array(grad_out)
        return np.where(self._need_cache(), g, self.negative_slope * g)


class Sigmoid(Layer):
    """``1 / (1 + exp(-x))``; backward uses the cached output ``s(1 - s)``."""

    type = "sigmoid"

    def forward(self, x):
        out = ops.sigmoid(ops.as_float_array(x))
        self._cache = out
        return out

    def backward(self, grad_out):
        s = self._need_cache()
        return grad_out * s * (1.0 - s)


class Tanh(Layer):
    """``tanh(x)``; backward uses the cached output ``1 - t^2``."""

    type = "tanh"

    def forward(self, x):
        out = ops.tanh(ops.as_float_array(x))
        self._cache = out
        return out

    def backward(self, grad_out):
        t = self._need_cache()
        return grad_out * (1.0 - t * t)


class Softmax(Layer):
    """Softmax along ``axis`` (default 1: the features of ``(N, F)`` or the
    channels of ``(N, C, H, W)``).

    For training prefer raw scores and :func:`pycore.network.softmax_cross_entropy`,
    which is stabler than backpropagating through this layer.
    """

    type = "softmax"

    def __init__(self, axis=1):
        super().__init__()
        self.axis = validate.integer(axis, "axis", -4)

    def describe(self):
        return {"type": self.type, "axis": self.axis}

    def forward(self, x):
        out = ops.softmax(ops.as_float_array(x), axis=self.axis)
        self._cache = out
        return out

    def backward(self, grad_out):
        # Jacobian-vector product of softmax: s * (g - <g, s>)
        s = self._need_cache()
        g = ops.as_float_array(grad_out)
        return s * (g - np.sum(g * s, axis=self.axis, keepdims=True))


# name -> class of each activation a conv/dense spec row (and the CLI) can ask for:
# every name of ops.ACTIVATIONS but "none"
_ACTIVATION_CLASSES = {"relu": ReLU, "leaky_relu": LeakyReLU, "sigmoid": Sigmoid, "tanh": Tanh}
assert ("none", *_ACTIVATION_CLASSES) == ops.ACTIVATIONS


def make_activation(name):
    """A new activation layer by name, or None for ``"none"``.

    Parameters
    ----------
    name : str
        One of ``ops.ACTIVATIONS``: none, relu, leaky_relu (slope 0.01), sigmoid, tanh.

    Raises
    ------
    ValueError
        For another name.
    """
    if name == "none":
        return None
    if name not in _ACTIVATION_CLASSES:
        raise ValueError(f"unknown activation {name!r}; valid: {', '.join(ops.ACTIVATIONS)}")
    return _ACTIVATION_CLASSES[name]()
