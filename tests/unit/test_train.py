"""pycore.train: optimizers against hand-computed updates, the trainer, evaluation,
save/load and the PyTorch code."""

import io
import math
import sys
import types
import zipfile

import numpy as np
import pytest

from pycore import datasets as D
from pycore import train as T
from pycore.network import softmax_cross_entropy
from pycore.presets import get_preset

TINY_SPEC = [{"type": "conv2d", "filters": 2, "kernel_size": 3, "padding": "same"},
             {"type": "maxpool", "kernel_size": 2}, {"type": "flatten"},
             {"type": "dense", "units": 2}, {"type": "softmax"}]


def _tiny_data(n=24, seed=0):
    """Two separable classes: a bright left half or a bright right half, with noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 0.1, size=(n, 1, 6, 6)).astype(np.float32)
    y = np.arange(n) % 2
    x[y == 0, :, :, :3] += 1.0
    x[y == 1, :, :, 3:] += 1.0
    return D.Dataset("tiny", x, y, x[:8], y[:8], ("left", "right"))


# ------------------------------------------------------------------------ optimizers

def test_sgd_momentum_matches_hand_computed_steps():
    p0 = np.array([1.0, -2.0, 0.5])
    g1, g2, g3 = np.array([0.1, 0.2, -0.3]), np.array([-0.4, 0.1, 0.0]), np.array([0.2, 0.2, 0.2])
    lr, mu = 0.1, 0.9
    p = p0.copy()
    opt = T.SGD({"w": p}, lr=lr, momentum=mu)
    for g in (g1, g2, g3):
        opt.step({"w": g})
    # by hand, element by element: v1 = g1; v2 = mu v1 + g2; v3 = mu v2 + g3
    for i in range(3):
        v1 = g1[i]
        v2 = mu * v1 + g2[i]
        v3 = mu * v2 + g3[i]
        expected = p0[i] - lr * v1 - lr * v2 - lr * v3
        assert math.isclose(p[i], expected, rel_tol=1e-12, abs_tol=1e-15)


def test_adam_matches_hand_computed_steps():
    p0 = np.array([0.3, -1.2])
    grads = [np.array([0.5, -0.1]), np.array([-0.2, -0.3]), np.array([0.05, 0.4])]
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    p = p0.copy()
    opt = T.Adam({"w": p}, lr=lr)
    for g in grads:
        opt.step({"w": g})
    for i in range(2):
        q, m, s = p0[i], 0.0, 0.0
        for t, g in enumerate(grads, start=1):
            m = b1 * m + (1 - b1) * g[i]
            s = b2 * s + (1 - b2) * g[i] ** 2
            q -= lr * (m / (1 - b1 ** t)) / (math.sqrt(s / (1 - b2 ** t)) + eps)
        assert math.isclose(p[i], q, rel_tol=1e-12)
    # Adam's first step moves every parameter by about lr, whatever the gradient's size
    p = np.array([0.0, 0.0])
    T.Adam({"w": p}, lr=lr).step({"w": np.array([1e-3, -50.0])})
    np.testing.assert_allclose(p, [-lr, lr], rtol=1e-4)


def test_weight_decay_adds_l2_to_the_gradient():
    lr, wd = 0.1, 0.5
    p = np.array([2.0, -4.0])
    opt = T.SGD({"w": p}, lr=lr, momentum=0.0, weight_decay=wd)
    for _ in range(3):
        opt.step({"w": np.zeros(2)})
    np.testing.assert_allclose(p, np.array([2.0, -4.0]) * (1 - lr * wd) ** 3, rtol=1e-12)
    # Adam: the decayed gradient is wd * p, so the first step is lr * sign(p)
    p = np.array([2.0, -4.0])
    T.Adam({"w": p}, lr=lr, weight_decay=wd).step({"w": np.zeros(2)})
    np.testing.assert_allclose(p, [2.0 - lr, -4.0 + lr], rtol=1e-6)
    # with momentum: v1 = g1 = wd p0, p1 = p0 (1 - lr wd); v2 = mu v1 + wd p1
    mu, p0 = 0.9, 3.0
    p = np.array([p0])
    opt = T.SGD({"w": p}, lr=lr, momentum=mu, weight_decay=wd)
    opt.step({"w": np.zeros(1)})
    opt.step({"w": np.zeros(1)})
    v1 = wd * p0
    p1 = p0 - lr * v1
    v2 = mu * v1 + wd * p1
    assert math.isclose(p[0], p1 - lr * v2, rel_tol=1e-12)


def test_optimizers_keep_float32_parameters():
    p = np.ones(3, dtype=np.float32)
    T.Adam({"w": p}, lr=0.1).step({"w": np.ones(3, dtype=np.float32)})
    assert p.dtype == np.float32 and np.all(p < 1)
    with pytest.raises(ValueError, match="valid: sgd, adam"):
        T.make_optimizer("rmsprop", {}, 0.1)


def test_settings_are_checked():
    with pytest.raises(ValueError, match="lr must be a number > 0"):
        T.TrainSettings(lr=0)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        T.TrainSettings(batch_size=0)
    with pytest.raises(ValueError, match="optimizer must be one of"):
        T.TrainSettings(optimizer="lbfgs")


# ---------------------------------------------------------------------------- trainer

def test_loss_falls_on_a_tiny_problem():
    data = _tiny_data()
    net = T.make_network(TINY_SPEC, data.input_shape, seed=0)
    trainer = T.Trainer(net, data, T.TrainSettings(lr=0.05, batch_size=8, epochs=15))
    trainer.run_epochs()
    losses = trainer.step_losses
    assert len(losses) == 15 * 3
    assert np.mean(losses[-3:]) < 0.2 * np.mean(losses[:3])
    assert trainer.history[-1]["train_accuracy"] == 1.0
    assert T.evaluate(net, data.x_train, data.y_train)["accuracy"] == 1.0


def test_first_step_equals_a_hand_made_step():
    data = _tiny_data()
    settings = T.TrainSettings(optimizer="sgd", lr=0.1, momentum=0.9, batch_size=5, seed=7)
    net = T.make_network(TINY_SPEC, data.input_shape, seed=7, dtype=np.float64)
    ref = T.make_network(TINY_SPEC, data.input_shape, seed=7, dtype=np.float64)
    T.Trainer(net, data, settings).step(1)
    # the documented batch order: a permutation from default_rng([seed, 1])
    idx = np.random.default_rng([7, 1]).permutation(len(data.y_train))[:5]
    scores = ref.forward(data.x_train[idx].astype(np.float64), upto=len(ref.layers) - 1)
    _, grad = softmax_cross_entropy(scores, data.y_train[idx])
    ref.zero_grads()
    ref.backward(grad, upto=len(ref.layers) - 1)
    for key, p in ref.params().items():
        np.testing.assert_allclose(net.params()[key], p - 0.1 * ref.grads()[key], rtol=1e-12,
                                   atol=1e-15)


def test_same_seed_same_losses_other_seed_other_losses():
    data = _tiny_data(n=40)

    def losses(seed, slices):
        net = T.make_network(TINY_SPEC, data.input_shape, seed=seed)
        trainer = T.Trainer(net, data, T.TrainSettings(batch_size=6, epochs=4, seed=seed))
        for n in slices:
            trainer.step(n)
        return trainer.step_losses

    first = losses(3, [28])
    assert len(first) == 28
    assert losses(3, [28]) == first
    assert losses(3, [1, 9, 5, 13]) == first            # slicing changes nothing
    other = losses(4, [28])
    assert other[0] != first[0] and other != first


def test_step_reports_epochs_and_stops_at_the_end():
    data = _tiny_data(n=20)
    trainer = T.Trainer(T.make_network(TINY_SPEC, data.input_shape), data,
                        T.TrainSettings(batch_size=8, epochs=2))
    assert trainer.steps_per_epoch == 3 and trainer.total_steps == 6
    r = trainer.step(2)
    assert r["step"] == 2 and r["epoch"] == 0 and r["epochs"] == [] and not r["done"]
    r = trainer.step(10)
    assert len(r["losses"]) == 4 and r["step"] == 6 and r["done"] and r["epoch"] == 2
    assert [e["epoch"] for e in r["epochs"]] == [1, 2]
    assert set(r["epochs"][0]) == {"epoch", "train_loss", "train_accuracy", "test_loss",
                                   "test_accuracy", "seconds"}
    # the epoch's train loss is the example-weighted mean of its batch losses (8, 8, 4)
    b = trainer.step_losses
    assert math.isclose(trainer.history[0]["train_loss"], (8 * b[0] + 8 * b[1] + 4 * b[2]) / 20)
    assert trainer.step(5)["losses"] == []


def test_evaluate_against_a_loop():
    rng = np.random.default_rng(5)
    data = _tiny_data(n=30)
    net = T.make_network(TINY_SPEC, data.input_shape, seed=2)
    y = rng.integers(0, 2, size=30)
    result = T.evaluate(net, data.x_train, y)
    probs = T.predict_proba(net, data.x_train)
    confusion = np.zeros((2, 2), dtype=int)
    loss = 0.0
    wrong = []
    for i in range(30):
        predicted = int(np.argmax(probs[i]))
        confusion[y[i], predicted] += 1
        loss -= math.log(probs[i, y[i]]) / 30
        if predicted != y[i]:
            wrong.append(i)
    np.testing.assert_array_equal(result["confusion"], confusion)
    assert result["misclassified"].tolist() == wrong
    assert math.isclose(result["loss"], loss, rel_tol=1e-5)
    assert result["accuracy"] == (30 - len(wrong)) / 30
    np.testing.assert_allclose(result["per_class_accuracy"],
                               [confusion[k, k] / confusion[k].sum() for k in range(2)])


def test_float32_gradients_match_float64():
    data = _tiny_data()
    n32 = T.make_network(TINY_SPEC, data.input_shape, seed=1, dtype=np.float32)
    n64 = T.make_network(TINY_SPEC, data.input_shape, seed=1, dtype=np.float64)
    end = len(n32.layers) - 1
    grads = {}
    for net, x in ((n32, data.x_train), (n64, data.x_train.astype(np.float64))):
        scores = net.forward(x, upto=end)
        _, g = softmax_cross_entropy(scores, data.y_train)
        net.zero_grads()
        net.backward(g.astype(scores.dtype), upto=end)
        grads[scores.dtype] = net.grads()
    assert all(v.dtype == np.float32 for v in grads[np.dtype(np.float32)].values())
    for key, g64 in grads[np.dtype(np.float64)].items():
        np.testing.assert_allclose(grads[np.dtype(np.float32)][key], g64, rtol=1e-4, atol=1e-6)


def test_fit_spec_sets_the_class_count():
    spec = T.fit_spec(get_preset("digits")["spec"], 6)
    assert [c["units"] for c in spec if c["type"] == "dense"] == [6]
    with pytest.raises(ValueError, match="dense layer"):
        T.fit_spec([{"type": "flatten"}], 3)


# ------------------------------------------------------------------------ save / load

def _trained(dtype=np.float32):
    data = _tiny_data()
    net = T.make_network(TINY_SPEC, data.input_shape, seed=0, dtype=dtype)
    T.Trainer(net, data, T.TrainSettings(batch_size=8, epochs=1)).run_epochs()
    return net, data


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_save_load_round_trips_bitwise(tmp_path, dtype):
    net, data = _trained(dtype)
    path = tmp_path / "model.npz"
    T.save_model(path, net, TINY_SPEC, data.input_shape, data.classes)
    loaded, meta = T.load_model(path)
    assert meta["input_shape"] == [1, 6, 6] and meta["classes"] == ["left", "right"]
    assert meta["spec"] == T.normalize_spec(TINY_SPEC)
    assert loaded.params().keys() == net.params().keys()
    for key, p in net.params().items():
        q = loaded.params()[key]
        assert q.dtype == p.dtype and q.shape == p.shape and q.tobytes() == p.tobytes()
    np.testing.assert_array_equal(T.predict_proba(loaded, data.x_test), T.predict_proba(net, data.x_test))
    buf = io.BytesIO()                                  # file objects work too (the page)
    T.save_model(buf, net, TINY_SPEC, data.input_shape, data.classes)
    again, _ = T.load_model(io.BytesIO(buf.getvalue()))
    assert all(again.params()[k].tobytes() == p.tobytes() for k, p in net.params().items())


def _npz(**arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return io.BytesIO(buf.getvalue())


def test_load_model_rejects_what_is_not_a_model():
    net, data = _trained()
    good = io.BytesIO()
    T.save_model(good, net, TINY_SPEC, data.input_shape, data.classes)
    with np.load(io.BytesIO(good.getvalue())) as z:
        arrays = {k: z[k] for k in z.files}
    with pytest.raises(ValueError, match="not an .npz"):
        T.load_model(io.BytesIO(b"hello"))
    with pytest.raises(ValueError, match="no model.json"):
        T.load_model(_npz(w=np.zeros(2)))
    with pytest.raises(ValueError, match="format"):
        T.load_model(_npz(**{**arrays, "model.json": np.array('{"format": "other"}')}))
    with pytest.raises(ValueError, match="missing"):
        T.load_model(_npz(**{k: v for k, v in arrays.items() if k != "dense1.bias"}))
    with pytest.raises(ValueError, match="shape"):
        T.load_model(_npz(**{**arrays, "dense1.bias": np.zeros(3)}))
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as zf:
        zf.writestr("model.json.npy", b"not an npy")
    with pytest.raises(ValueError, match="damaged"):
        T.load_model(io.BytesIO(damaged.getvalue()))


# ------------------------------------------------------------------------ PyTorch code

def _fake_torch(loaded):
    """Just enough of torch to run the generated code: modules with parameter shapes,
    and a load_state_dict that insists on exactly the module's keys and shapes."""
    torch = types.ModuleType("torch")
    nn = types.ModuleType("torch.nn")

    class Module:
        def __init__(self, *args, **kwargs):
            self.params = {}

    class Conv2d(Module):
        def __init__(self, c_in, c_out, kernel_size, stride, padding, dilation):
            k = kernel_size if isinstance(kernel_size, tuple) else (kernel_size, kernel_size)
            self.params = {"weight": (c_out, c_in, *k), "bias": (c_out,)}

    class Linear(Module):
        def __init__(self, n_in, n_out):
            self.params = {"weight": (n_out, n_in), "bias": (n_out,)}

    class Sequential:
        def __init__(self, *modules):
            self.modules = modules

        def __call__(self, x):
            return x

        def eval(self):
            return self

        def load_state_dict(self, state):
            expected = {f"{i}.{k}": s for i, m in enumerate(self.modules) for k, s in m.params.items()}
            assert {k: tuple(v.shape) for k, v in state.items()} == expected
            loaded.update(state)

    for name in ("ReLU", "LeakyReLU", "Sigmoid", "Tanh", "MaxPool2d", "AvgPool2d", "Flatten",
                 "Softmax"):
        setattr(nn, name, type(name, (Module,), {}))
    nn.Conv2d, nn.Linear, nn.Sequential = Conv2d, Linear, Sequential
    torch.nn = nn
    torch.rand = lambda *shape: np.zeros(shape)
    torch.from_numpy = lambda a: a
    return torch


def test_torch_code_builds_the_network_and_loads_every_weight(tmp_path, monkeypatch):
    spec = get_preset("digits")["spec"]
    net = T.make_network(spec, (1, 8, 8), seed=4)
    path = tmp_path / "digits.npz"
    T.save_model(path, net, spec, (1, 8, 8), [str(d) for d in range(10)])
    code = T.torch_model_code(spec, (1, 8, 8), str(path))
    loaded = {}
    monkeypatch.setitem(sys.modules, "torch", _fake_torch(loaded))
    exec(compile(code, "torch_model.py", "exec"), {})
    # pycore layer i is torch module i: conv1 is 0, conv2 is 3, dense1 is 7
    names = dict(zip(range(len(net.names)), net.names))
    assert sorted(loaded) == ["0.bias", "0.weight", "3.bias", "3.weight", "7.bias", "7.weight"]
    for key, value in loaded.items():
        index, param = key.split(".")
        np.testing.assert_array_equal(value, net.params()[f"{names[int(index)]}.{param}"])
