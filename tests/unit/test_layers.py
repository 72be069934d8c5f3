"""Tests of pycore.layers: gradients by central finite differences (float64),
forward passes against loops written here, shape inference, counts, init."""

import json
import math

import numpy as np
import pytest

from pycore import layers as L

# ------------------------------------------------------------------- helpers

def numeric_grad(loss, arr, eps=1e-6):
    """Central differences of the scalar ``loss()`` w.r.t. every element of ``arr``
    (perturbed in place and restored)."""
    grad = np.zeros_like(arr)
    for idx in np.ndindex(*arr.shape):
        old = arr[idx]
        arr[idx] = old + eps
        up = loss()
        arr[idx] = old - eps
        down = loss()
        arr[idx] = old
        grad[idx] = (up - down) / (2 * eps)
    return grad


def check_gradients(layer, x, seed=0):
    """Compare backward() with finite differences of sum(forward(x) * r) for the
    input and every parameter."""
    rng = np.random.default_rng(seed)
    x = np.array(x, dtype=np.float64)
    out = layer.forward(x)
    r = rng.standard_normal(out.shape)           # a random upstream gradient
    layer.zero_grads()
    grad_x = layer.backward(r)
    assert grad_x.shape == x.shape

    def loss():
        return float(np.sum(layer.forward(x) * r))

    np.testing.assert_allclose(grad_x, numeric_grad(loss, x), rtol=1e-5, atol=1e-7)
    params = layer.params()
    assert set(layer.grads) == set(params)
    for name, p in params.items():
        np.testing.assert_allclose(layer.grads[name], numeric_grad(loss, p),
                                   rtol=1e-5, atol=1e-7, err_msg=name)
    return out


def rand(shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape)


def conv_loop(x, w, b, stride, pads, dilation):
    """Cross-correlation by explicit loops over every output pixel and tap, with
    zero padding ((top, bottom), (left, right))."""
    n, ci, h, wd = x.shape
    co, _, kh, kw = w.shape
    (pt, pb), (pl, pr) = pads
    xp = np.zeros((n, ci, h + pt + pb, wd + pl + pr))
    xp[:, :, pt:pt + h, pl:pl + wd] = x
    oh = (h + pt + pb - dilation * (kh - 1) - 1) // stride + 1
    ow = (wd + pl + pr - dilation * (kw - 1) - 1) // stride + 1
    out = np.zeros((n, co, oh, ow))
    for a in range(n):
        for o in range(co):
            for i in range(oh):
                for j in range(ow):
                    total = b[o] if b is not None else 0.0
                    for c in range(ci):
                        for u in range(kh):
                            for v in range(kw):
                                total += (w[o, c, u, v]
                                          * xp[a, c, i * stride + u * dilation,
                                               j * stride + v * dilation])
                    out[a, o, i, j] = total
    return out


# ------------------------------------------------------------------- conv2d

CONV_CASES = [
    dict(kernel_size=3),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, padding="same"),
    dict(kernel_size=4, padding="same", dilation=2),          # even kernel: extra pad after
    dict(kernel_size=(2, 3), stride=(2, 1), padding=(1, 2), dilation=(2, 1)),
    dict(kernel_size=3, padding="valid", stride=3),
    dict(kernel_size=3, padding=2, bias=False),
    dict(kernel_size=3, padding=2, padding_mode="reflect"),
    dict(kernel_size=3, padding=(1, 2), padding_mode="replicate", stride=2),
    dict(kernel_size=3, padding="same", padding_mode="circular", dilation=2),
]


@pytest.mark.parametrize("cfg", CONV_CASES, ids=[str(c) for c in CONV_CASES])
def test_conv2d_gradients(cfg):
    layer = L.Conv2d(3, 2, seed=3, **cfg)
    layer.bias = None if layer.bias is None else rand(layer.bias.shape, 5)
    x = rand((2, 3, 6, 7))
    out = check_gradients(layer, x)
    assert out.shape[1:] == layer.output_shape((3, 6, 7))


@pytest.mark.parametrize("stride,padding,dilation", [(1, 0, 1), (2, 1, 1), (1, 2, 2), (3, 2, 2)])
def test_conv2d_forward_matches_a_loop(stride, padding, dilation):
    layer = L.Conv2d(2, 3, 3, stride=stride, padding=padding, dilation=dilation, seed=0)
    layer.bias = rand(3, 9)
    x = rand((2, 2, 7, 8))
    pads = ((padding, padding), (padding, padding))
    np.testing.assert_allclose(layer.forward(x),
                               conv_loop(x, layer.weight, layer.bias, stride, pads, dilation),
                               atol=1e-12)


def test_conv2d_same_forward_matches_a_loop_and_keeps_size():
    layer = L.Conv2d(1, 2, 4, padding="same", seed=0)
    x = rand((1, 1, 5, 6))
    out = layer.forward(x)
    assert out.shape == (1, 2, 5, 6)
    assert layer.pads() == ((1, 2), (1, 2))      # torch: the odd pixel goes after
    np.testing.assert_allclose(out, conv_loop(x, layer.weight, layer.bias, 1, layer.pads(), 1),
                               atol=1e-12)


def test_conv2d_counts_and_shape_errors():
    layer = L.Conv2d(3, 10, 3, padding="same", init=None)
    assert layer.weight is None and layer.params() == {}
    assert layer.output_shape((3, 352, 480)) == (10, 352, 480)
    assert layer.num_params((3, 352, 480)) == 280
    assert layer.param_counts((3, 8, 8)) == (270, 10)
    assert layer.macs((3, 4, 5)) == 10 * 4 * 5 * 3 * 9
    with pytest.raises(ValueError, match="expects 3 input channels, got 1"):
        layer.output_shape((1, 8, 8))
    with pytest.raises(ValueError, match="3-D input"):
        layer.output_shape((1650,))
    small = L.Conv2d(1, 1, 5, init=None)
    with pytest.raises(ValueError, match="height 3") as e:
        small.output_shape((1, 3, 9))
    assert "5" in str(e.value)
    with pytest.raises(RuntimeError, match="init=None"):
        layer.forward(np.zeros((1, 3, 4, 4)))


@pytest.mark.parametrize("kwargs,message", [
    (dict(stride=0), "stride must be >= 1"),
    (dict(padding=-1), "padding must be >= 0"),
    (dict(padding="full"), "padding must be"),
    (dict(padding="same", stride=2), "needs stride 1"),
    (dict(dilation=1.5), "dilation must be an int or a pair of ints, got 1.5"),
    (dict(padding_mode="mirror"), "padding_mode must be one of"),
    (dict(init="xavier"), "unknown init 'xavier'"),
])
def test_conv2d_rejects_bad_config(kwargs, message):
    with pytest.raises(ValueError, match=message):
        L.Conv2d(1, 1, 3, **kwargs)


def test_conv2d_wrong_input_rank_is_a_clear_error():
    with pytest.raises(ValueError, match="batched 4-D"):
        L.Conv2d(1, 1, 3).forward(np.zeros((1, 5, 5)))


# ------------------------------------------------------------------- pooling

POOL_CASES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=(3, 2), stride=(2, 3), padding=(1, 1), ceil_mode=True),
    dict(kernel_size=2, stride=1),
]


@pytest.mark.parametrize("cfg", POOL_CASES, ids=[str(c) for c in POOL_CASES])
def test_maxpool_gradients(cfg):
    layer = L.MaxPool2d(**cfg)
    out = check_gradients(layer, rand((2, 3, 6, 7)))
    assert out.shape[1:] == layer.output_shape((3, 6, 7))


@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("cfg", POOL_CASES, ids=[str(c) for c in POOL_CASES])
def test_avgpool_gradients(cfg, count_include_pad):
    layer = L.AvgPool2d(count_include_pad=count_include_pad, **cfg)
    out = check_gradients(layer, rand((2, 3, 6, 7)))
    assert out.shape[1:] == layer.output_shape((3, 6, 7))


def test_ceil_mode_adds_a_partial_window():
    assert L.MaxPool2d(3, 2).output_shape((1, 6, 7)) == (1, 2, 3)
    assert L.MaxPool2d(3, 2, ceil_mode=True).output_shape((1, 6, 7)) == (1, 3, 3)


def test_avgpool_divisors_follow_torch():
    # 1x5 input, window 2, stride 2, padding 1, ceil: rows [-1,1); columns [-1,1) [1,3) [3,5)
    pool = L.AvgPool2d(2, 2, padding=1, ceil_mode=True)
    assert pool.output_shape((1, 1, 5)) == (1, 1, 3)
    np.testing.assert_array_equal(pool.divisors((1, 5), (1, 3)), [[4, 4, 4]])
    pool.count_include_pad = False                  # real pixels only: 1 row x (1, 2, 2)
    np.testing.assert_array_equal(pool.divisors((1, 5), (1, 3)), [[1, 2, 2]])
    np.testing.assert_allclose(pool.forward(np.ones((1, 1, 1, 5))), [[[[1.0, 1.0, 1.0]]]])
    # a ceil window that runs past the padded input is clipped even with count_include_pad
    pool = L.AvgPool2d((1, 3), (1, 2), ceil_mode=True)
    assert pool.output_shape((1, 1, 6)) == (1, 1, 3)
    np.testing.assert_array_equal(pool.divisors((1, 6), (1, 3)), [[3, 3, 2]])
    np.testing.assert_allclose(pool.forward(np.ones((1, 1, 1, 6))), [[[[1.0, 1.0, 1.0]]]])


def test_maxpool_tie_goes_to_first_maximum():
    layer = L.MaxPool2d(2)
    x = np.array([[[[1.0, 3.0], [3.0, 3.0]]]])
    layer.forward(x)
    np.testing.assert_array_equal(layer.backward(np.ones((1, 1, 1, 1))),
                                  [[[[0.0, 1.0], [0.0, 0.0]]]])
    # overlapping windows that share a maximum both route to it
    layer = L.MaxPool2d(2, stride=1)
    x = np.array([[[[0.0, 5.0, 0.0]]]]).repeat(2, axis=2)
    layer.forward(x)
    np.testing.assert_array_equal(layer.backward(np.ones((1, 1, 1, 2))),
                                  [[[[0.0, 2.0, 0.0], [0.0, 0.0, 0.0]]]])


def test_pool_errors_and_counts():
    pool = L.AvgPool2d(2)
    assert pool.stride == (2, 2)
    assert pool.num_params((10, 11, 15)) == 0 and pool.macs((10, 11, 15)) == 0
    with pytest.raises(ValueError, match="height 1"):
        pool.output_shape((10, 1, 15))
    with pytest.raises(ValueError, match="3-D input"):
        pool.output_shape((1650,))
    with pytest.raises(ValueError, match="at most half"):
        L.MaxPool2d(2, padding=2)
    with pytest.raises(ValueError, match="stride must be >= 1"):
        L.MaxPool2d(2, stride=0)


# ------------------------------------------------------------ flatten and dense

def test_flatten_gradient_and_order():
    layer = L.Flatten()
    x = rand((2, 3, 2, 2))
    out = check_gradients(layer, x)
    np.testing.assert_array_equal(out[1], x[1].ravel())   # C order: channel, row, column
    assert layer.output_shape((10, 11, 15)) == (1650,)


@pytest.mark.parametrize("bias", [True, False])
def test_dense_gradients(bias):
    layer = L.Dense(5, 3, bias=bias, seed=2)
    if bias:
        layer.bias = rand(3, 4)
    check_gradients(layer, rand((4, 5)))


def test_dense_forward_matches_a_loop_and_torch_layout():
    layer = L.Dense(4, 3, seed=0)
    layer.bias = rand(3, 6)
    assert layer.weight.shape == (3, 4)                      # (out, in) like torch Linear
    x = rand((2, 4))
    expected = np.array([[sum(layer.weight[o, i] * x[n, i] for i in range(4)) + layer.bias[o]
                          for o in range(3)] for n in range(2)])
    np.testing.assert_allclose(layer.forward(x), expected, atol=1e-12)
    assert layer.num_params((4,)) == 15 and layer.macs((4,)) == 12


def test_dense_shape_errors():
    layer = L.Dense(1650, 512, init=None)
    assert layer.output_shape((1650,)) == (512,)
    with pytest.raises(ValueError, match="add a flatten layer"):
        layer.output_shape((10, 11, 15))
    with pytest.raises(ValueError, match="expects 1650 input features, got 1000"):
        layer.output_shape((1000,))


# ---------------------------------------------------------------- activations

@pytest.mark.parametrize("layer", [L.ReLU(), L.LeakyReLU(0.1), L.Sigmoid(), L.Tanh(),
                                   L.Softmax(), L.Softmax(axis=1)],
                         ids=["relu", "leaky", "sigmoid", "tanh", "softmax", "softmax-ch"])
def test_activation_gradients(layer):
    shape = (3, 4, 2, 2) if layer.describe().get("axis") == 1 and isinstance(layer, L.Softmax) \
        else (3, 5)
    x = rand(shape, 7)
    x[np.abs(x) < 1e-3] = 0.5                   # keep FD away from ReLU's kink
    out = check_gradients(layer, x)
    assert layer.output_shape(shape[1:]) == shape[1:]
    if isinstance(layer, L.Softmax):
        np.testing.assert_allclose(out.sum(axis=1), 1.0)


def test_relu_gradient_at_zero_is_zero():
    layer = L.ReLU()
    layer.forward(np.array([[-1.0, 0.0, 2.0]]))
    np.testing.assert_array_equal(layer.backward(np.ones((1, 3))), [[0.0, 0.0, 1.0]])


# ------------------------------------------------------------------- init etc.

def test_init_is_seeded_and_bounded():
    a = L.Conv2d(3, 4, 3, seed=11).weight
    np.testing.assert_array_equal(a, L.Conv2d(3, 4, 3, seed=11).weight)
    assert not np.array_equal(a, L.Conv2d(3, 4, 3, seed=12).weight)
    he = math.sqrt(6 / 27)
    assert np.abs(a).max() <= he and np.abs(a).max() > 0.8 * he
    g = L.Dense(30, 10, init="glorot", seed=0).weight
    assert np.abs(g).max() <= math.sqrt(6 / 40)
    u = L.Dense(30, 10, init="uniform", seed=0).weight
    assert np.abs(u).max() <= 1 and np.abs(u).max() > 0.9
    assert np.all(L.Dense(3, 2, seed=0).bias == 0)
    rng = np.random.default_rng(0)           # a shared generator advances between layers
    assert not np.array_equal(L.Dense(3, 2, seed=rng).weight, L.Dense(3, 2, seed=rng).weight)
    with pytest.raises(ValueError, match="unknown init 'zeros'"):
        L.Dense(3, 2, init="zeros")


def test_grads_accumulate_until_zeroed():
    layer = L.Dense(2, 2, seed=0)
    x = np.ones((1, 2))
    layer.forward(x)
    layer.backward(np.ones((1, 2)))
    first = layer.grads["weight"].copy()
    layer.backward(np.ones((1, 2)))
    np.testing.assert_allclose(layer.grads["weight"], 2 * first)
    layer.zero_grads()
    assert np.all(layer.grads["weight"] == 0)


def test_backward_before_forward_is_an_error():
    with pytest.raises(RuntimeError, match="before forward"):
        L.MaxPool2d(2).backward(np.zeros((1, 1, 1, 1)))


def test_describe_is_json_able():
    for layer in [L.Conv2d(1, 2, 3, padding="same", init=None), L.MaxPool2d(2),
                  L.AvgPool2d(3, 2, 1, True, False), L.Flatten(), L.Dense(3, 2, init=None),
                  L.ReLU(), L.LeakyReLU(), L.Sigmoid(), L.Tanh(), L.Softmax()]:
        d = layer.describe()
        assert json.loads(json.dumps(d)) == d and d["type"] == layer.type
    assert L.AvgPool2d(3, 2, 1, True, False).describe() == {
        "type": "avgpool", "kernel_size": [3, 3], "stride": [2, 2], "padding": [1, 1],
        "ceil_mode": True, "count_include_pad": False}
