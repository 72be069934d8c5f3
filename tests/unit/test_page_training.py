"""pycore.page.training: the Train tab's calls and the session the worker keeps, in CPython."""

import base64
import io
import json
import math

import numpy as np
import pytest

from pycore import datasets as D
from pycore import page
from pycore import train as T
from pycore.page import training as TR
from pycore.presets import get_preset

DIGITS_STEPS = math.ceil(1437 / T.DEFAULTS.batch_size)


@pytest.fixture(autouse=True)
def fresh_session():
    TR.SESSION.reset()
    yield
    TR.SESSION.reset()


def call(fn, params=None):
    result = page.call(fn, None, params)
    json.dumps(result["meta"], allow_nan=False)        # the page gets plain JSON
    for name, a in result["arrays"].items():
        assert a.dtype == np.float32 and a.flags.c_contiguous, (fn, name)
    return result


def run_all(max_batches=10_000, max_ms=60_000.0):
    """Step until done, collecting every slice's losses."""
    losses = []
    while True:
        meta = call("train_step", {"max_batches": max_batches, "max_ms": max_ms})["meta"]
        losses += meta["step_losses"]
        if meta["state"] == "done":
            return losses, meta


def steps(n):
    """One slice of ``n`` batches (a time budget no batch reaches)."""
    return call("train_step", {"max_batches": n, "max_ms": 60_000})


def cli_json(epochs=1, **settings):
    out = io.StringIO()
    T.train_command("digits", "digits", T.TrainSettings(epochs=epochs, **settings), as_json=True, out=out)
    return json.loads(out.getvalue())


# ------------------------------------------------------------------------ options, table

def test_the_calls_are_in_the_table():
    for name in ("train_setup", "train_step", "train_filters", "train_predict", "train_pad_input",
                 "train_save", "train_load", "train_export", "train_reset"):
        assert page.CALLS[name] is getattr(TR, name)


def test_options_give_the_command_lines_defaults():
    o = call("options")["meta"]["training"]
    d = o["defaults"]
    assert [e["value"] for e in o["datasets"]] == list(D.DATASETS)
    assert [e["value"] for e in o["optimizers"]] == list(T.OPTIMIZERS)
    assert [e["value"] for e in o["dtypes"]] == list(T.DTYPES)
    for key in ("optimizer", "lr", "batch_size", "epochs", "weight_decay", "momentum", "seed", "dtype"):
        assert d[key] == getattr(T.DEFAULTS, key), key
    assert d["spec"] == get_preset("digits")["spec"] and d["data"] == "digits"
    assert d["max_ms"] == 50
    assert o["limits"]["max_epochs"] >= d["epochs"]


# ------------------------------------------------------------------------ setup

@pytest.mark.parametrize("params, words", [
    ({"data": "mnist"}, ["data set", "'mnist'"]),
    ({"optimizer": "rmsprop"}, ["optimizer", "'rmsprop'"]),
    ({"lr": 0}, ["learning rate", "more than 0", "got 0"]),
    ({"lr": -0.5}, ["learning rate", "got -0.5"]),
    ({"lr": 50}, ["learning rate", "at most 10", "got 50"]),
    ({"lr": "fast"}, ["learning rate", "'fast'"]),
    ({"batch_size": 0}, ["batch size", "at least 1", "got 0"]),
    ({"batch_size": 2.5}, ["batch size", "2.5"]),
    ({"batch_size": 10**6}, ["batch size", "at most", "1000000"]),
    ({"epochs": 0}, ["epochs", "got 0"]),
    ({"epochs": float("nan")}, ["epochs", "empty"]),
    ({"seed": -1}, ["seed", "got -1"]),
    ({"weight_decay": -0.1}, ["weight decay", "got -0.1"]),
    ({"momentum": 1.0}, ["momentum", "got 1"]),
    ({"dtype": "float16"}, ["number type", "'float16'"]),
    ({"spec": "conv"}, ["layer stack", "'conv'"]),
    ({"spec": []}, ["add a layer"]),
    ({"spec": [{"type": "conv2d", "filters": 0}]}, ["layer 1 (conv1)", "filters"]),
    ({"spec": [{"type": "conv2d", "filters": 4}, {"type": "dense", "units": 10}]},
     ["layer 2 (dense1)", "flat"]),
    ({"spec": [{"type": "conv2d", "filters": 4}, {"type": "flatten"}]}, ["dense layer"]),
    ({"spec": [{"type": "conv2d", "filters": 512, "padding": "same"}] * 3 + [{"type": "flatten"},
                                                                            {"type": "dense", "units": 10}]},
     ["multiply-adds", "at most"]),
])
def test_setup_names_the_bad_value(params, words):
    with pytest.raises((ValueError, TypeError)) as e:
        call("train_setup", params)
    for w in words:
        assert w in str(e.value), (w, str(e.value))
    assert not TR.SESSION.active         # a failed setup leaves no session


def test_setup_result():
    r = call("train_setup", {"epochs": 2})
    m, a = r["meta"], r["arrays"]
    assert m["state"] == "ready" and m["step"] == 0 and m["epoch"] == 0
    assert m["steps_per_epoch"] == DIGITS_STEPS and m["total_steps"] == 2 * DIGITS_STEPS
    assert m["input_shape"] == [1, 8, 8] and m["classes"] == [str(d) for d in range(10)]
    assert m["train_size"] == 1437 and m["test_size"] == 360
    assert m["settings"] == {**{k: getattr(T.DEFAULTS, k) for k in m["settings"]}, "epochs": 2}
    rows = m["trace"]["rows"]
    assert [r["name"] for r in rows[1:]] == ["conv1", "maxpool1", "conv2", "maxpool2", "flatten", "dense1",
                                             "softmax"]
    assert rows[1]["output_shape"] == [16, 8, 8] and rows[1]["params"] == 16 * 9 + 16
    assert m["conv_layers"] == [{"index": 0, "name": "conv1"}, {"index": 2, "name": "conv2"}]
    # the first conv layer's filters are the seeded weights the command line starts from
    net = T.make_network(T.fit_spec(get_preset("digits")["spec"], 10), (1, 8, 8), seed=0)
    assert m["filters"]["array"] == "filters" and m["filters"]["shape"] == [16, 1, 3, 3]
    np.testing.assert_array_equal(a["filters"], net.params()["conv1.weight"].astype(np.float32))
    # one test image per class
    data = D.load_dataset("digits")
    assert m["samples"]["labels"] == list(range(10)) and a["samples"].shape == (10, 8, 8)
    for i, k in zip(m["samples"]["indices"], m["samples"]["labels"]):
        assert data.y_test[i] == k
    np.testing.assert_array_equal(a["samples"], data.x_test[m["samples"]["indices"], 0])
    assert sorted(a) == ["filters", "samples"]


def test_setup_fits_the_last_dense_layer_to_the_shapes_classes():
    m = call("train_setup", {"data": "shapes"})["meta"]
    assert m["input_shape"] == [1, 16, 16] and len(m["classes"]) == 6
    dense = [cfg for cfg in m["spec"] if cfg["type"] == "dense"]
    assert dense[-1]["units"] == 6
    assert m["trace"]["rows"][-1]["output_shape"] == [6]


# ------------------------------------------------------------------------ steps

def test_step_losses_equal_the_command_lines_over_the_first_epoch():
    cli = cli_json(epochs=1)
    call("train_setup", {"epochs": 1})
    losses, last = run_all(max_batches=7)
    assert losses == cli["step_losses"]                 # exactly: the same Trainer
    assert len(losses) == DIGITS_STEPS
    assert last["history"] == [{**h, "seconds": last["history"][0]["seconds"]} for h in cli["history"]]


def test_step_losses_equal_the_command_lines_with_other_settings():
    cli = cli_json(epochs=1, optimizer="sgd", lr=0.05, batch_size=100, seed=3, weight_decay=1e-4)
    call("train_setup", {"epochs": 1, "optimizer": "sgd", "lr": 0.05, "batch_size": 100, "seed": 3,
                         "weight_decay": 1e-4})
    assert run_all(max_batches=4)[0] == cli["step_losses"]


def test_slices_give_the_same_losses_as_one_long_run():
    call("train_setup", {"epochs": 3, "batch_size": 64})
    whole, _ = run_all()
    call("train_setup", {"epochs": 3, "batch_size": 64})
    sliced = []
    for n in (1, 2, 3, 5, 8, 13, 21):          # slice edges fall inside and across epochs
        m = call("train_step", {"max_batches": n, "max_ms": 60_000})["meta"]
        assert m["first_step"] == len(sliced) and len(m["step_losses"]) == n
        sliced += m["step_losses"]
    rest, _ = run_all(max_batches=6)
    assert sliced + rest == whole and len(whole) == 3 * math.ceil(1437 / 64)


def test_a_tiny_time_budget_runs_at_least_one_batch_and_not_all():
    call("train_setup", {"epochs": 1})
    m = call("train_step", {"max_ms": 0.001})["meta"]
    assert 1 <= len(m["step_losses"]) < DIGITS_STEPS
    assert m["state"] == "running" and m["step"] == len(m["step_losses"])


def test_step_meta_during_and_at_the_end_of_an_epoch():
    call("train_setup", {"epochs": 2})
    r = steps(10)
    m = r["meta"]
    assert m["epochs_ended"] == [] and m["evaluation"] is None and "misclassified" not in r["arrays"]
    so_far = m["epoch_so_far"]
    assert so_far["steps"] == 10 and so_far["seen"] == 320
    assert so_far["loss"] == pytest.approx(np.mean(m["step_losses"]))    # full batches: plain mean
    assert 0 <= so_far["accuracy"] <= 1
    assert r["arrays"]["filters"].shape == (16, 1, 3, 3)
    r = call("train_step", {"max_batches": DIGITS_STEPS, "max_ms": 60_000})  # crosses the epoch's end
    m, a = r["meta"], r["arrays"]
    assert m["epoch"] == 1 and m["step"] == 10 + DIGITS_STEPS and m["state"] == "running"
    (row,) = m["epochs_ended"]
    assert set(row) == {"epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "seconds"}
    assert m["history"] == [row]
    # the evaluation is train.evaluate on the test part with the weights at the epoch's end;
    # the filters sent are the weights now (10 batches later), so rebuild the epoch-end net
    ev = m["evaluation"]
    data = D.load_dataset("digits")
    net = T.make_network(T.fit_spec(get_preset("digits")["spec"], 10), (1, 8, 8), seed=0)
    trainer = T.Trainer(net, data, T.TrainSettings(epochs=2))
    trainer.step(DIGITS_STEPS)
    ref = trainer.last_eval
    assert ev["accuracy"] == ref["accuracy"] == row["test_accuracy"]
    assert ev["confusion"] == ref["confusion"].tolist()
    assert np.sum(ev["confusion"]) == 360
    expected_per_class = np.diag(ref["confusion"]) / ref["confusion"].sum(axis=1)
    np.testing.assert_allclose(ev["per_class_accuracy"], expected_per_class)
    wrong = ref["misclassified"][:TR.MAX_MISCLASSIFIED]
    assert [e["index"] for e in ev["misclassified"]] == wrong.tolist()
    assert ev["misclassified_total"] == len(ref["misclassified"])
    for e in ev["misclassified"]:
        assert e["true"] == data.y_test[e["index"]] != e["predicted"] == ref["predicted"][e["index"]]
    assert a["misclassified"].shape == (len(wrong), 8, 8)
    np.testing.assert_array_equal(a["misclassified"], data.x_test[wrong, 0])
    np.testing.assert_array_equal(a["filters"], TR.SESSION.net.params()["conv1.weight"].astype(np.float32))


def test_step_after_the_end_and_without_a_session():
    with pytest.raises(ValueError, match="no network to train yet"):
        call("train_step", {})
    call("train_setup", {"epochs": 1, "batch_size": 1024})
    run_all()
    m = call("train_step", {})["meta"]
    assert m["state"] == "done" and m["step_losses"] == [] and m["step"] == 2
    with pytest.raises(ValueError, match="batches per slice"):
        call("train_step", {"max_batches": 0})
    with pytest.raises(ValueError, match=r"slice time \(ms\) must be more than 0"):
        call("train_step", {"max_ms": 0})


# ------------------------------------------------------------------------ filters

def test_filters_of_any_conv_layer():
    call("train_setup", {})
    steps(3)
    w2 = TR.SESSION.net.params()["conv2.weight"]
    for layer in ("conv2", 2):
        r = call("train_filters", {"layer": layer})
        assert r["meta"]["filters"]["name"] == "conv2" and r["meta"]["filters"]["shape"] == [32, 16, 3, 3]
        np.testing.assert_array_equal(r["arrays"]["filters"], w2.astype(np.float32))
    assert call("train_filters", {})["meta"]["filters"]["name"] == "conv1"
    with pytest.raises(ValueError, match=r"layer 2 \(maxpool1\) has no filters; conv layers: 1 \(conv1\), 3 \(conv2\)"):
        call("train_filters", {"layer": 1})
    with pytest.raises(ValueError, match="'conv9'"):
        call("train_filters", {"layer": "conv9"})
    with pytest.raises(ValueError, match="at most 6"):
        call("train_filters", {"layer": 7})


# ------------------------------------------------------------------------ predict

def _a_digit():
    """A test image's levels (the pad sends levels 0..16)."""
    images, labels = D.load_digit_levels()
    return images[0].astype(int), int(labels[0])


@pytest.mark.parametrize("during", [True, False])
def test_predict_equals_predict_proba(during):
    call("train_setup", {"epochs": 1})
    if during:
        steps(20)
    else:
        run_all()
    levels, _ = _a_digit()
    for pixels in (levels.ravel().tolist(), levels.tolist()):      # 64 numbers or an 8x8 list
        r = call("train_predict", {"pixels": pixels})
        m = r["meta"]
        p = np.array(m["probabilities"])
        assert p.shape == (10,) and p.sum() == pytest.approx(1.0, abs=1e-12)
        assert m["class"] == int(np.argmax(p)) and m["label"] == str(m["class"])
        expected = T.predict_proba(TR.SESSION.net, D.levels_to_input(levels))[0]
        np.testing.assert_array_equal(p, expected)


def test_predict_sends_every_layers_output():
    call("train_setup", {})
    steps(30)
    levels, _ = _a_digit()
    r = call("train_predict", {"pixels": levels.ravel().tolist()})
    m, a = r["meta"], r["arrays"]
    names = [e["name"] for e in m["layers"]]
    assert names == ["conv1", "maxpool1", "conv2", "maxpool2", "flatten", "dense1", "softmax"]
    # meta names only arrays that exist, and every array is named in meta
    named = {m["input"]["array"]} | {e["array"] for e in m["layers"] if e["array"]}
    assert named == set(a)
    assert {e["same_as"] for e in m["layers"] if e["array"] is None} <= set(a)
    # each array is that layer's output, run independently here
    x = D.levels_to_input(levels)[0].astype(np.float64)
    np.testing.assert_array_equal(a["input"], x.astype(np.float32))
    outs = dict(TR.SESSION.net.forward_with_activations(x))
    for e in m["layers"]:
        key = next(k for k in reversed(list(outs)) if k.split(".")[0] == e["name"])  # after its activation
        if e["array"]:
            assert list(a[e["array"]].shape) == e["shape"] == list(outs[key].shape)
            np.testing.assert_allclose(a[e["array"]], outs[key], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(a["softmax"], m["probabilities"], rtol=1e-6)


def test_predict_a_test_image_and_bad_input():
    with pytest.raises(ValueError, match="no network"):
        call("train_predict", {"pixels": [0] * 64})
    call("train_setup", {})
    m = call("train_predict", {"test_index": 5})["meta"]
    data = D.load_dataset("digits")
    assert m["input"]["label"] == data.y_test[5]
    np.testing.assert_array_equal(m["probabilities"], T.predict_proba(TR.SESSION.net, data.x_test[5:6])[0])
    with pytest.raises(ValueError, match="64 levels"):
        call("train_predict", {"pixels": [0] * 63})
    with pytest.raises(ValueError, match="0 to 16"):
        call("train_predict", {"pixels": [17] + [0] * 63})
    with pytest.raises(ValueError, match="test image must be at most 359"):
        call("train_predict", {"test_index": 360})
    call("train_setup", {"data": "shapes"})
    shapes = D.load_dataset("shapes")
    m = call("train_predict", {"pixels": shapes.x_test[0].ravel().tolist()})["meta"]
    np.testing.assert_allclose(m["probabilities"], T.predict_proba(TR.SESSION.net, shapes.x_test[:1])[0],
                               rtol=1e-6)
    with pytest.raises(ValueError, match="1×16×16"):
        call("train_predict", {"pixels": [0] * 64})


# ------------------------------------------------------------------------ the pad

def _drawing(h=90, w=70, seed=0):
    """A stroke of dark ink on white, as the pad's canvas holds it."""
    rng = np.random.default_rng(seed)
    gray = np.full((h, w), 255.0)
    r, c = np.mgrid[0:h, 0:w]
    gray[(abs(c - w // 2 - (r - h // 2) // 3) < 6) & (abs(r - h // 2) < h // 3)] = 0.0
    gray[(abs(r - h // 4) < 4) & (c > w // 4) & (c < 3 * w // 4)] = 0.0
    return np.clip(gray + rng.normal(0, 5, gray.shape), 0, 255)


def test_pad_reduces_a_drawing_as_reduce_digit_does():
    gray = _drawing()
    h, w = gray.shape
    expected, ink = D.reduce_digit(gray)
    assert ink == "dark" and expected.any()
    m = call("train_pad_input", {"gray": gray.ravel().tolist(), "width": w, "height": h})
    assert m["meta"]["levels"] == expected.ravel().tolist() and m["meta"]["ink"] == "dark"
    np.testing.assert_array_equal(m["arrays"]["levels"], expected)
    # the canvas's RGBA bytes: gray = mean of R, G, B
    g8 = np.round(gray).astype(np.uint8)
    rgba = np.stack([g8, g8, g8, np.full_like(g8, 255)], axis=2)
    m = call("train_pad_input", {"rgba": rgba.tobytes(), "width": w, "height": h})["meta"]
    assert m["levels"] == D.reduce_digit(g8.astype(float))[0].ravel().tolist()
    # transparent paper with opaque ink is white paper
    rgba[:, :, 3] = np.where(g8 < 128, 255, 0)
    rgba[:, :, :3] = np.where(g8 < 128, g8, 0)[:, :, None]
    m = call("train_pad_input", {"rgba": memoryview(rgba.tobytes()), "width": w, "height": h})["meta"]
    over_white = np.where(g8 < 128, g8, 255).astype(float)
    assert m["levels"] == D.reduce_digit(over_white)[0].ravel().tolist() and m["ink"] == "dark"
    # light ink forced, and the empty pad
    light = call("train_pad_input", {"gray": (255 - gray).ravel().tolist(), "width": w, "height": h,
                                     "ink": "light"})["meta"]
    assert light["levels"] == D.reduce_digit(255 - gray, "light")[0].ravel().tolist()
    empty = call("train_pad_input", {"gray": [255] * 16, "width": 4, "height": 4})["meta"]
    assert empty["levels"] == [0] * 64 and empty["empty"] is True


def test_pad_errors_name_the_problem():
    with pytest.raises(ValueError, match="drawing is missing"):
        call("train_pad_input", {"width": 2, "height": 2})
    with pytest.raises(ValueError, match="has 3 bytes"):
        call("train_pad_input", {"rgba": b"abc", "width": 2, "height": 2})
    with pytest.raises(ValueError, match="has 3 values"):
        call("train_pad_input", {"gray": [1, 2, 3], "width": 2, "height": 2})
    with pytest.raises(ValueError, match="ink must be one of auto, dark, light; got 'blue'"):
        call("train_pad_input", {"gray": [1, 2, 3, 4], "width": 2, "height": 2, "ink": "blue"})
    with pytest.raises(ValueError, match="pad width must be at least 1"):
        call("train_pad_input", {"gray": [], "width": 0, "height": 2})


def test_pad_then_predict_is_the_command_lines_predict():
    call("train_setup", {"epochs": 1})
    run_all()
    gray = _drawing(seed=2)
    levels = call("train_pad_input", {"gray": gray.ravel().tolist(), "width": gray.shape[1],
                                      "height": gray.shape[0]})["meta"]["levels"]
    m = call("train_predict", {"pixels": levels})["meta"]
    out = io.StringIO()
    T.predict_command(TR.SESSION.net, {"input_shape": [1, 8, 8], "classes": list(TR.SESSION.classes)},
                      [("pad", gray)], as_json=True, out=out)
    (cli,) = json.loads(out.getvalue())
    assert cli["probabilities"] == m["probabilities"] and cli["class"] == m["class"]


# ------------------------------------------------------------------------ save, load, export

def test_save_then_load_round_trips():
    call("train_setup", {"epochs": 1})
    steps(25)
    levels, _ = _a_digit()
    before = call("train_predict", {"pixels": levels.ravel().tolist()})["meta"]["probabilities"]
    saved = call("train_save")
    m = saved["meta"]
    assert saved["arrays"] == {} and m["filename"] == "model.npz"
    data = base64.b64decode(m["npz_base64"])
    assert len(data) == m["bytes"] and data[:4] == b"PK\x03\x04"
    net, meta = T.load_model(io.BytesIO(data))                # what `pycore predict --model` reads
    np.testing.assert_array_equal(T.predict_proba(net, D.levels_to_input(levels))[0], before)
    assert m["pytorch_code"] == T.torch_model_code(meta["spec"], meta["input_shape"], "model.npz")
    params = dict(TR.SESSION.net.params())
    call("train_reset")
    assert not TR.SESSION.active
    for how in ({"npz_base64": m["npz_base64"]}, {"npz": data}, {"npz": memoryview(data)}):
        r = call("train_load", how)
        lm = r["meta"]
        assert lm["state"] == "ready" and lm["trainable"] and lm["data"] == "digits"
        assert lm["input_shape"] == [1, 8, 8] and lm["filters"]["shape"] == [16, 1, 3, 3]
        for k, v in TR.SESSION.net.params().items():
            np.testing.assert_array_equal(v, params[k])
        after = call("train_predict", {"pixels": levels.ravel().tolist()})["meta"]["probabilities"]
        assert after == before
        np.testing.assert_array_equal(r["arrays"]["filters"], params["conv1.weight"].astype(np.float32))
    # a loaded model trains on from its weights
    assert len(steps(2)["meta"]["step_losses"]) == 2


def test_load_a_model_of_no_data_set_predicts_only():
    spec = [{"type": "conv2d", "filters": 2}, {"type": "flatten"}, {"type": "dense", "units": 3}]
    net = T.make_network(spec, (1, 8, 8), seed=1)
    buf = io.BytesIO()
    T.save_model(buf, net, spec, (1, 8, 8), ("a", "b", "c"))
    m = call("train_load", {"npz": buf.getvalue()})["meta"]
    assert m["state"] == "loaded" and m["trainable"] is False and m["data"] is None and m["samples"] is None
    p = call("train_predict", {"pixels": [4] * 64})["meta"]
    assert len(p["probabilities"]) == 3 and p["label"] in ("a", "b", "c")
    with pytest.raises(ValueError, match="cannot be trained here"):
        call("train_step", {})


def test_load_errors():
    with pytest.raises(ValueError, match="no model file given"):
        call("train_load", {})
    with pytest.raises(ValueError, match="cannot load this model: not a model file"):
        call("train_load", {"npz": b"hello"})
    with pytest.raises(ValueError, match="base64 text is damaged"):
        call("train_load", {"npz_base64": "%%%"})


def test_export_feeds_the_builder():
    call("train_setup", {})
    steps(40)
    r = call("train_export")
    m, a = r["meta"], r["arrays"]
    params = TR.SESSION.net.params()
    assert set(a) == set(params) == {w["array"] for w in m["weights"]}
    assert a["conv1.weight"].shape == (16, 1, 3, 3) and a["dense1.weight"].shape == (10, 128)
    for k, v in params.items():
        np.testing.assert_array_equal(a[k], v.astype(np.float32))
    assert m["input"] == {"color": "gray", "height": 8, "width": 8, "fit": "resize"}
    # the Build tab runs the trained network: send the weights back as flat numbers
    levels, _ = _a_digit()
    image = np.repeat(D.levels_to_input(levels)[0], 3, axis=0)          # (3, 8, 8) gray
    weights = {k: v.ravel().tolist() for k, v in a.items()}
    run = page.call("network_run", image, {"spec": m["spec"], "input": m["input"], "weights": weights})
    assert run["meta"]["trained"] is True
    exported = {k: v.astype(np.float64) for k, v in a.items()}
    net = T.make_network(m["spec"], (1, 8, 8))
    for name, layer in zip(net.names, net.layers):
        for key in layer.params():
            setattr(layer, key, exported[f"{name}.{key}"])
    expected = T.predict_proba(net, D.levels_to_input(levels))[0]
    np.testing.assert_allclose(run["meta"]["scores"]["probabilities"], expected, rtol=1e-9)
    seeded = page.call("network_run", image, {"spec": m["spec"], "input": m["input"]})
    assert seeded["meta"]["trained"] is False
    assert seeded["meta"]["scores"]["probabilities"] != run["meta"]["scores"]["probabilities"]
    with pytest.raises(ValueError, match=r"weights conv1.weight: need 144 finite numbers \(16×1×3×3\), got 3"):
        page.call("network_run", image, {"spec": m["spec"], "input": m["input"],
                                         "weights": {**weights, "conv1.weight": [1, 2, 3]}})
    with pytest.raises(ValueError, match=r"missing \['dense1.bias'\]"):
        page.call("network_run", image, {"spec": m["spec"], "input": m["input"],
                                         "weights": {k: v for k, v in weights.items() if k != "dense1.bias"}})


def test_reset_empties_the_session():
    call("train_setup", {})
    assert call("train_reset")["meta"] == {"state": "idle"}
    for fn in ("train_step", "train_filters", "train_save", "train_export"):
        with pytest.raises(ValueError, match="no network"):
            call(fn, {})


def test_filters_and_predictions_say_how_many_values_are_not_finite():
    call("train_setup", {})
    steps(1)
    finite = call("train_filters", {})["meta"]["filters"]
    assert finite["nonfinite"]["any"] is False
    # the pad's answer: the input and every layer's output say whether they hold any
    out = call("train_predict", {"pixels": [8] * 64})["meta"]
    assert out["input"]["nonfinite"]["any"] is False
    assert all(entry["nonfinite"]["any"] is False for entry in out["layers"])
    w = TR.SESSION.net.params()["conv1.weight"]  # a diverged run: weights at ±inf and NaN
    lo, hi = float(w.min()), float(w.max())
    w.flat[0], w.flat[1], w.flat[2] = np.inf, -np.inf, np.nan
    meta = call("train_filters", {})["meta"]["filters"]
    nf = meta["nonfinite"]
    assert (nf["any"], nf["posinf"], nf["neginf"], nf["nan"]) == (True, 1, 1, 1)
    assert "3 of" in nf["text"] and "not finite" in nf["text"]
    # the range is of the finite weights, so the colours still mean something
    finite_w = w[np.isfinite(w)]
    assert meta["vmin"] == pytest.approx(float(finite_w.min())) and meta["vmax"] == pytest.approx(float(finite_w.max()))
    assert lo <= meta["vmin"] and meta["vmax"] <= hi
