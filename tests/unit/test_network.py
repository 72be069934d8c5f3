"""Tests of pycore.network (spec, build, trace, Sequential, training) and pycore.presets."""

import json

import numpy as np
import pytest

from pycore import layers as L
from pycore.network import (
    AFTER_ERROR,
    SPEC_KEYS,
    build,
    normalize_spec,
    problem_message,
    softmax_cross_entropy,
    trace,
    trace_totals,
    train_step,
)
from pycore.presets import PRESETS, get_preset, preset_names

SEED_INPUT = (3, 352, 480)


def conv(filters, k=3, **kw):
    return {"type": "conv2d", "filters": filters, "kernel_size": k, **kw}


# ----------------------------------------------------------------- the seed network

def test_seed_trace_matches_the_notebook():
    rows = trace(PRESETS["seed"]["spec"], SEED_INPUT)
    shapes = [tuple(r["output_shape"]) for r in rows]
    assert shapes == [
        (3, 352, 480),
        (10, 352, 480), (10, 176, 240),
        (10, 176, 240), (10, 88, 120),
        (10, 88, 120), (10, 44, 60),
        (10, 44, 60), (10, 22, 30),
        (10, 22, 30), (10, 11, 15),
        (1650,), (512,), (10,), (10,),
    ]
    by_name = {r["name"]: r for r in rows}
    assert by_name["conv1"]["params"] == 280
    assert by_name["conv1"]["weights"] == 270 and by_name["conv1"]["biases"] == 10
    for name in ["conv2", "conv3", "conv4", "conv5"]:
        assert by_name[name]["params"] == 910
    assert by_name["dense1"]["params"] == 845_312
    assert by_name["dense2"]["params"] == 5_130
    assert by_name["conv1"]["macs"] == 10 * 352 * 480 * 27
    assert by_name["dense1"]["macs"] == 1650 * 512
    assert [r["name"] for r in rows] == [
        "input", "conv1", "avgpool1", "conv2", "avgpool2", "conv3", "avgpool3", "conv4",
        "avgpool4", "conv5", "avgpool5", "flatten", "dense1", "dense2", "softmax"]
    assert by_name["conv1"]["activation"] == "relu" and by_name["dense2"]["activation"] is None
    totals = trace_totals(rows)
    assert totals["params"] == 854_362
    assert totals["weights"] + totals["biases"] == 854_362
    assert totals["valid"] and totals["error"] is None and totals["output_shape"] == [10]
    assert all(r["error"] is None for r in rows)
    assert json.loads(json.dumps(rows)) == rows


def test_trace_allocates_no_weights():
    # 3 * 4096 * 4096 inputs into 4096 units would need ~1.6 TB of float64 weights
    spec = [{"type": "flatten"}, {"type": "dense", "units": 4096}]
    rows = trace(spec, (3, 4096, 4096))
    assert rows[-1]["params"] == 3 * 4096 * 4096 * 4096 + 4096


# ---------------------------------------------------------- presets vs forward pass

@pytest.mark.parametrize("name", preset_names())
def test_activation_shapes_equal_trace_shapes(name):
    preset = get_preset(name)
    shape = (3, 64, 96) if name == "seed" else tuple(preset["input_shape"])
    rows = trace(preset["spec"], shape)
    assert trace_totals(rows)["valid"]
    net = build(preset["spec"], shape, seed=0)
    x = np.random.default_rng(0).random(shape)
    acts = dict(net.forward_with_activations(x))
    for row in rows[1:]:
        assert acts[row["name"]].shape == tuple(row["output_shape"]), row["name"]
        if row["activation"]:
            key = f"{row['name']}.{row['activation']}"
            assert acts[key].shape == tuple(row["output_shape"])
    # parameter counts agree with the allocated arrays
    assert sum(p.size for p in net.params().values()) == trace_totals(rows)["params"]
    # batched input gives the batched form of the same result
    batch = np.stack([x, x])
    np.testing.assert_allclose(net.forward(batch)[1], net.forward(x))


def test_presets_are_plain_data_and_copies():
    for name in preset_names():
        p = get_preset(name)
        assert set(p) == {"description", "input_shape", "spec"}
        assert json.loads(json.dumps(p)) == p
        assert normalize_spec(p["spec"]) == p["spec"]      # every key written out
    p = get_preset("tiny")
    p["spec"].clear()
    assert PRESETS["tiny"]["spec"]
    with pytest.raises(ValueError, match="unknown preset 'x'.*seed"):
        get_preset("x")


def test_lenet_and_digits_shapes():
    lenet = trace(PRESETS["lenet"]["spec"], PRESETS["lenet"]["input_shape"])
    assert [r["output_shape"] for r in lenet[1:6]] == [
        [6, 28, 28], [6, 14, 14], [16, 10, 10], [16, 5, 5], [400]]
    assert trace_totals(lenet)["params"] == 156 + 2416 + 48120 + 10164 + 850
    digits = trace(PRESETS["digits"]["spec"], PRESETS["digits"]["input_shape"])
    assert [r["output_shape"] for r in digits[1:]] == [[16, 8, 8], [16, 4, 4], [32, 4, 4], [32, 2, 2],
                                                      [128], [10], [10]]


# ------------------------------------------------------------------- trace errors

def error_row(rows):
    bad = [r for r in rows if r["error"] is not None]
    first = bad[0]
    for r in bad[1:]:
        assert r["error"] == AFTER_ERROR and r["output_shape"] is None and r["params"] == 0
    return first


def test_trace_error_size_below_one_quotes_numbers():
    rows = trace([conv(4, 5), {"type": "flatten"}], (1, 3, 9))
    row = error_row(rows)
    assert row["index"] == 0 and row["name"] == "conv1" and row["output_shape"] is None
    assert "height 3" in row["error"] and "5" in row["error"]
    assert rows[2]["error"] == AFTER_ERROR and rows[2]["name"] == "flatten"


def test_trace_error_on_the_pool_that_runs_out_of_pixels():
    # 16 -> 8 -> 4 -> 2 -> 1: the fifth pool (spec index 9) has a 2x2 window on 1x1
    rows = trace(PRESETS["seed"]["spec"], (3, 16, 16))
    row = error_row(rows)
    assert row["index"] == 9 and row["name"] == "avgpool5"
    assert "height 1" in row["error"] and "layer 9" in row["error"]
    assert [r["index"] for r in rows if r["error"] == AFTER_ERROR] == [10, 11, 12, 13]
    assert trace_totals(rows)["valid"] is False


def test_trace_error_dense_before_flatten():
    rows = trace([conv(2), {"type": "dense", "units": 10}], (1, 8, 8))
    row = error_row(rows)
    assert row["index"] == 1 and row["name"] == "dense1"
    assert "flatten" in row["error"] and "maps of 2×6×6" in row["error"]


def test_trace_error_conv_after_flatten():
    rows = trace([{"type": "flatten"}, conv(2), {"type": "maxpool"}], (1, 8, 8))
    row = error_row(rows)
    assert row["index"] == 1 and "needs maps (channels × height × width)" in row["error"]
    assert "a list of 64 values" in row["error"]


@pytest.mark.parametrize("entry,key", [
    (conv(2, stride=0), "stride must be"),
    (conv(0), "filters must be"),
    (conv(2, padding="full"), "padding must be"),
    (conv(2, activation="gelu"), "activation must be"),
    ({"type": "maxpool", "kernel_size": 2, "ceil_mode": "yes"}, "ceil mode must be"),
    ({"type": "conv2d", "kernel_size": 3}, "filters must be given"),
    ({"type": "dense", "units": 3, "dropout": 0.5}, 'no setting "dropout"'),
    ({"type": "batchnorm"}, 'no layer type "batchnorm"'),
    (conv(2, padding="same", stride=2), "stride 1"),
])
def test_trace_error_bad_values_name_index_and_key(entry, key):
    rows = trace([conv(2), entry, {"type": "flatten"}], (1, 8, 8))
    row = error_row(rows)
    assert row["index"] == 1 and key in row["error"] and "layer 1" in row["error"]
    assert rows[3]["error"] == AFTER_ERROR
    with pytest.raises(ValueError) as e:
        build([conv(2), entry], (1, 8, 8))
    assert str(e.value) == row["error"]


def test_trace_rejects_a_bad_input_shape_or_spec():
    for bad in [(3, 0, 4), (3, 4), "3,4,5", (3.0, 4, 4), None]:
        with pytest.raises(ValueError, match="input_shape"):
            trace([], bad)
    with pytest.raises(ValueError, match="list of layer dicts"):
        trace({"type": "flatten"}, (1, 2, 2))
    rows = trace(["conv"], (1, 2, 2))
    assert rows[1]["index"] == 0 and "must be a dict" in rows[1]["error"]
    assert rows[1]["type"] is None


def test_normalize_spec_fills_defaults():
    spec = normalize_spec([{"type": "conv2d", "filters": 4}, {"type": "maxpool"},
                           {"type": "dense", "units": 3}])
    assert spec[0] == {"type": "conv2d", "filters": 4, "kernel_size": 3, "stride": 1,
                       "padding": 0, "dilation": 1, "activation": "relu"}
    assert spec[1] == {"type": "maxpool", "kernel_size": 2, "stride": None, "padding": 0,
                       "ceil_mode": False}
    assert spec[2]["activation"] == "none"
    assert set(SPEC_KEYS) == {"conv2d", "maxpool", "avgpool", "flatten", "dense", "softmax"}


def test_pairs_and_strided_pools_in_specs():
    spec = [conv(2, [3, 1], padding=[1, 0], stride=[1, 2]),
            {"type": "avgpool", "kernel_size": 3, "stride": 2, "ceil_mode": True}]
    rows = trace(spec, (1, 7, 9))
    assert rows[1]["output_shape"] == [2, 7, 5]
    assert rows[2]["output_shape"] == [2, 3, 2]
    net = build(spec, (1, 7, 9))
    assert net.forward(np.ones((1, 7, 9))).shape == (2, 3, 2)


# ------------------------------------------------------------------------ build

def test_build_is_seeded_and_names_layers():
    spec = get_preset("tiny")["spec"]
    a, b, c = build(spec, (1, 16, 16), seed=3), build(spec, (1, 16, 16), seed=3), \
        build(spec, (1, 16, 16), seed=4)
    for k, v in a.params().items():
        np.testing.assert_array_equal(v, b.params()[k])
    assert not np.array_equal(a.params()["conv1.weight"], c.params()["conv1.weight"])
    assert a.names == ["conv1", "conv1.relu", "maxpool1", "flatten", "dense1", "softmax"]
    assert isinstance(a.layers[1], L.ReLU) and a.layers[0].in_channels == 1
    assert set(a.params()) == {"conv1.weight", "conv1.bias", "dense1.weight", "dense1.bias"}
    u = build(spec, (1, 16, 16), init="uniform")
    assert np.abs(u.params()["dense1.weight"]).max() > 0.9
    with pytest.raises(ValueError, match="unknown init"):
        build(spec, (1, 16, 16), init="orthogonal")
    json.dumps(a.describe())


# ------------------------------------------------------------- Sequential, training

def test_sequential_backward_matches_finite_differences():
    spec = [conv(2, 3, padding="same", activation="tanh"), {"type": "avgpool"},
            {"type": "flatten"}, {"type": "dense", "units": 3, "activation": "sigmoid"}]
    net = build(spec, (2, 4, 4), seed=1)
    x = np.random.default_rng(2).standard_normal((2, 4, 4))        # one unbatched example
    r = np.random.default_rng(3).standard_normal(3)
    net.zero_grads()
    net.forward(x)
    gx = net.backward(r)
    assert gx.shape == x.shape
    eps = 1e-6
    for idx in [(0, 0, 0), (1, 2, 3), (0, 3, 1)]:
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        num = (net.forward(xp) @ r - net.forward(xm) @ r) / (2 * eps)
        assert gx[idx] == pytest.approx(num, rel=1e-5, abs=1e-8)


def test_sequential_rejects_wrong_rank_and_sgd_moves_params():
    net = build([{"type": "flatten"}, {"type": "dense", "units": 2}], (1, 2, 2))
    with pytest.raises(ValueError, match="3 dimensions"):
        net.forward(np.zeros((2, 2)))
    x = np.ones((1, 2, 2))
    net.zero_grads()
    net.forward(x)
    net.backward(np.array([1.0, 0.0]))
    before = net.params()["dense1.weight"].copy()
    grad = net.grads()["dense1.weight"].copy()
    net.sgd_step(0.5)
    np.testing.assert_allclose(net.params()["dense1.weight"], before - 0.5 * grad)


def test_softmax_cross_entropy_value_and_gradient():
    logits = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    labels = np.array([1, 0])
    loss, grad = softmax_cross_entropy(logits, labels)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert loss == pytest.approx(-(np.log(p[0, 1]) + np.log(p[1, 0])) / 2)
    eps = 1e-6
    for idx in np.ndindex(*logits.shape):
        up, down = logits.copy(), logits.copy()
        up[idx] += eps
        down[idx] -= eps
        num = (softmax_cross_entropy(up, labels)[0] - softmax_cross_entropy(down, labels)[0])
        assert grad[idx] == pytest.approx(num / (2 * eps), abs=1e-8)
    big, _ = softmax_cross_entropy(np.array([1000.0, 0.0]), 1)   # no overflow
    assert big == pytest.approx(1000.0)
    with pytest.raises(ValueError, match=r"in \[0, 3\)"):
        softmax_cross_entropy(logits, np.array([1, 3]))
    with pytest.raises(ValueError, match="integer class indices"):
        softmax_cross_entropy(logits, np.array([0.0, 1.0]))


def test_train_step_reduces_loss_on_a_separable_problem():
    # class 0: a bright left half, class 1: a bright right half, plus noise
    rng = np.random.default_rng(0)
    x = rng.normal(0.0, 0.1, size=(16, 1, 8, 8))
    y = np.arange(16) % 2
    x[y == 0, :, :, :4] += 1.0
    x[y == 1, :, :, 4:] += 1.0
    net = build(get_preset("digits")["spec"], (1, 8, 8), seed=0)
    losses = [train_step(net, x, y, lr=0.1) for _ in range(30)]
    assert losses[-1] < 0.5 * losses[0]
    probs = net.forward(x)                          # the trailing softmax runs here
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert np.mean(probs.argmax(axis=1) == y) == 1.0
    # deterministic: the same seed gives the same losses
    net2 = build(get_preset("digits")["spec"], (1, 8, 8), seed=0)
    assert [train_step(net2, x, y, lr=0.1) for _ in range(3)] == losses[:3]


# ------------------------------------------------------------- structured problems

@pytest.mark.parametrize("entry, name, key, reason", [
    ({"type": "conv2d", "filters": 0}, "conv2", "filters", "filters must be a whole number, at least 1; got 0"),
    ({"type": "conv2d", "filters": 2, "stride": "3;3"}, "conv2", "stride",
     'stride must be a whole number, at least 1, or two of them (height, width); got the text "3;3", not a number'),
    ({"type": "batchnorm"}, None, "type", 'there is no layer type "batchnorm"'),
    ("conv", None, None, 'a layer must be a dict with a "type", such as {"type": "flatten"}; got "conv"'),
    ({"type": "maxpool", "kernel_size": 2, "padding": 2}, "maxpool1", None, "maxpool: padding 2 must be at most half"),
    ({"type": "dense", "units": 3}, "dense1", None, "a dense layer needs a flat list of values"),
])
def test_the_broken_row_carries_its_problem_in_parts(entry, name, key, reason):
    rows = trace([conv(2), entry, {"type": "flatten"}], (1, 8, 8))
    row = rows[2]
    problem = row["problem"]
    assert problem["layer"] == 1 and problem["name"] == name and problem["key"] == key
    assert problem["reason"].startswith(reason) and not problem["reason"].startswith("layer")
    # the message is made from the parts, counting from 0 or (the page) from 1
    assert row["error"] == problem_message(problem)
    assert row["error"].startswith("layer 1" + (f" ({name})" if name else "") + ": ")
    assert problem_message(problem, first=1).startswith("layer 2")
    assert all(r["problem"] is None for r in rows[:2]) and rows[3]["problem"] is None
    assert rows[3]["error"] == AFTER_ERROR
    json.dumps(rows)


def test_normalize_spec_raises_the_message_trace_reports():
    bad = [conv(2), {"type": "conv2d", "filters": 2, "padding": "full"}]
    with pytest.raises(ValueError) as e:
        normalize_spec(bad)
    assert str(e.value) == trace(bad, (1, 8, 8))[2]["error"]


def test_pools_take_a_padding_and_build_applies_the_padding_mode():
    rows = trace([{"type": "maxpool", "kernel_size": 3, "stride": 1, "padding": 1}], (1, 5, 5))
    assert rows[1]["output_shape"] == [1, 5, 5]
    x = np.random.default_rng(0).random((1, 5, 5))
    spec = [conv(1, padding=1, activation="none")]
    zeros = build(spec, (1, 5, 5), seed=1)
    reflect = build(spec, (1, 5, 5), seed=1, padding_mode="reflect")
    w = zeros.layers[0].weight
    np.testing.assert_allclose(reflect.forward(x), _conv_ref(x, w, "reflect"), rtol=1e-12)
    np.testing.assert_allclose(zeros.forward(x), _conv_ref(x, w, "constant"), rtol=1e-12)


def _conv_ref(x, w, np_mode):
    """One filter over one channel with 1 cell of np.pad padding, by loops."""
    xp = np.pad(x[0], 1, mode=np_mode)
    out = np.zeros(x.shape[1:])
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(xp[i : i + 3, j : j + 3] * w[0, 0])
    return out[np.newaxis]


@pytest.mark.parametrize("value, shown", [
    (-1e308, "got -1e+308"), (-(10 ** 400), "got -1e+400"), (float("nan"), "got not a number"),
    (0.5, "got 0.5"), ("x" * 100, 'got the text "' + "x" * 39 + '…", not a number'),
    ([0, 3], "got 0×3"),
])
def test_messages_quote_a_bad_value_short(value, shown):
    row = error_row(trace([conv(2, stride=value)], (1, 8, 8)))
    reason = row["problem"]["reason"]
    assert reason.startswith("stride must be a whole number, at least 1") and reason.endswith(shown)
    assert len(reason) < 160
