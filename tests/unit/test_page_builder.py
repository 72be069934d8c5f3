"""Tests of pycore.page.builder: the network builder panel's calls (trace, run, export),
in CPython, as the page calls them through pycore.page."""

import ast
import json

import numpy as np
import pytest

from pycore import image as pimage
from pycore import page
from pycore.network import AFTER_ERROR, build
from pycore.page import builder as B
from pycore.presets import PRESETS

SEED_STATE = {"spec": PRESETS["seed"]["spec"],
              "input": {"color": "rgb", "height": 352, "width": 480, "fit": "crop"}}


def state(name, **extra):
    c, h, w = PRESETS[name]["input_shape"]
    return {"spec": PRESETS[name]["spec"],
            "input": {"color": "rgb" if c == 3 else "gray", "height": h, "width": w,
                      "fit": "resize"}, **extra}


def image(h=40, w=56, seed=0):
    return np.random.default_rng(seed).random((3, h, w)).astype(np.float32)


def conv(filters, k=3, **kw):
    return {"type": "conv2d", "filters": filters, "kernel_size": k, **kw}


def trace_meta(st):
    result = B.network_trace(None, st)
    assert result["arrays"] == {}
    json.dumps(result["meta"])  # plain JSON for the page
    return result["meta"]


# ----------------------------------------------------------------------- wiring

def test_the_page_reaches_the_builder_through_its_table():
    for name in ("network_trace", "network_run", "network_presets", "network_export"):
        assert page.CALLS[name] is getattr(B, name)


def test_presets_offer_the_notebook_lenet_and_tiny():
    meta = B.network_presets(None, {})["meta"]
    json.dumps(meta)
    by_name = {p["name"]: p for p in meta["presets"]}
    assert {"seed", "lenet", "tiny"} <= set(by_name)
    assert by_name["seed"]["input"] == {"color": "rgb", "height": 352, "width": 480, "fit": "crop"}
    assert by_name["lenet"]["input"]["color"] == "gray"
    assert (by_name["lenet"]["input"]["height"], by_name["lenet"]["input"]["width"]) == (28, 28)
    assert meta["types"]["conv2d"]["filters"] is None and meta["required"]["conv2d"] == ["filters"]
    assert meta["types"]["maxpool"]["kernel_size"] == 2
    assert "relu" in meta["activations"]


# ----------------------------------------------------------------------- trace

def test_seed_preset_table_is_the_notebooks():
    meta = trace_meta(SEED_STATE)
    rows = meta["rows"]
    assert [tuple(r["output_shape"]) for r in rows] == [
        (3, 352, 480),
        (10, 352, 480), (10, 176, 240), (10, 176, 240), (10, 88, 120), (10, 88, 120),
        (10, 44, 60), (10, 44, 60), (10, 22, 30), (10, 22, 30), (10, 11, 15),
        (1650,), (512,), (10,), (10,),
    ]
    assert meta["totals"]["params"] == 854_362
    assert meta["totals"]["params"] == 280 + 4 * 910 + 1650 * 512 + 512 + 512 * 10 + 10
    assert meta["totals"]["macs"] == (352 * 480 * 10 * 27 + 176 * 240 * 10 * 90
                                      + (88 * 120 + 44 * 60 + 22 * 30) * 10 * 90
                                      + 1650 * 512 + 512 * 10)
    assert meta["valid"] and meta["runnable"] and meta["error_index"] is None
    flat = rows[11]
    assert flat["type"] == "flatten" and "10 × 11 × 15 = 1,650" in flat["explain"]["shape"]
    assert "= 280" in rows[1]["explain"]["params"]
    assert "= 352" in rows[1]["explain"]["shape"] and "= 480" in rows[1]["explain"]["shape"]
    assert rows[12]["explain"]["params"] == "512 units × 1,650 inputs + 512 biases = 845,312"
    assert meta["spec"][0]["padding"] == "same" and meta["spec"][0]["dilation"] == 1


def test_lenet_and_tiny_tables():
    lenet = trace_meta(state("lenet"))
    assert [tuple(r["output_shape"]) for r in lenet["rows"]] == [
        (1, 28, 28), (6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (400,), (120,),
        (84,), (10,), (10,)]
    assert lenet["totals"]["params"] == (6 * 25 + 6) + (16 * 6 * 25 + 16) + (400 * 120 + 120) \
        + (120 * 84 + 84) + (84 * 10 + 10)
    tiny = trace_meta(state("tiny"))
    assert [tuple(r["output_shape"]) for r in tiny["rows"]] == [
        (1, 16, 16), (4, 14, 14), (4, 7, 7), (196,), (10,), (10,)]


def test_editing_a_layer_changes_the_table():
    spec = json.loads(json.dumps(SEED_STATE["spec"]))
    spec[0]["filters"] = 16
    meta = trace_meta({**SEED_STATE, "spec": spec})
    assert meta["rows"][1]["output_shape"] == [16, 352, 480]
    assert meta["rows"][1]["params"] == 16 * 27 + 16
    assert meta["rows"][3]["params"] == 10 * 16 * 9 + 10


@pytest.mark.parametrize("spec,bad,words", [
    # a dense layer before flatten
    ([conv(4), {"type": "dense", "units": 10}], 1, "flatten"),
    # a size that shrinks below 1: 8 -> 4 -> 2 -> 1, then a 2x2 window does not fit
    ([{"type": "maxpool"}] * 4, 3, "larger than the padded input"),
    # a conv after flatten: the channel structure is gone
    ([conv(4), {"type": "flatten"}, conv(4)], 2, "needs maps (channels × height × width)"),
    # bad values, named by layer and setting
    ([conv(0)], 0, "filters must be"),
    ([conv(4, stride=2, padding="same")], 0, "stride 1"),
    ([conv(4), {"type": "dropout"}], 1, 'no layer type "dropout"'),
    ([conv(4, kernel=3)], 0, 'no setting "kernel"'),
])
def test_an_invalid_stack_is_marked_at_the_layer_that_breaks(spec, bad, words):
    meta = trace_meta({"spec": spec, "input": {"color": "gray", "height": 8, "width": 8}})
    assert not meta["valid"] and not meta["runnable"]
    assert meta["error_index"] == bad
    rows = meta["rows"][1:]
    assert all(r["error"] is None and r["output_shape"] for r in rows[:bad])
    # the page counts layers from 1
    assert words in rows[bad]["error"] and rows[bad]["error"].startswith(f"layer {bad + 1}")
    assert words in rows[bad]["reason"] and not rows[bad]["reason"].startswith("layer")
    assert rows[bad]["output_shape"] is None and rows[bad]["explain"] is None
    assert all(r["error"] == AFTER_ERROR for r in rows[bad + 1:])
    assert meta["error"] == rows[bad]["error"] == meta["run_error"]
    with pytest.raises(ValueError, match=f"layer {bad + 1}"):
        B.network_run(image(), {"spec": spec, "input": {"color": "gray", "height": 8, "width": 8}})


def test_malformed_calls_name_the_control():
    with pytest.raises(ValueError, match="input height"):
        B.network_trace(None, {"spec": [], "input": {"height": 0, "width": 5}})
    with pytest.raises(ValueError, match="input width"):
        B.network_trace(None, {"spec": [], "input": {"height": 5, "width": 5000}})
    with pytest.raises(ValueError, match="input colour"):
        B.network_trace(None, {"spec": [], "input": {"color": "cmyk"}})
    with pytest.raises(ValueError, match="input fit"):
        B.network_trace(None, {"spec": [], "input": {"fit": "squash"}})
    with pytest.raises(ValueError, match="layer stack"):
        B.network_trace(None, {"spec": "conv"})
    with pytest.raises(ValueError, match="at most 40"):
        B.network_trace(None, {"spec": [{"type": "flatten"}] * 41})
    with pytest.raises(ValueError, match="seed"):
        B.network_run(image(), {**state("tiny"), "seed": -1})
    # the trace refuses what the run would, so the page says so before anything runs
    for seed, words in [(-1, "seed must be at least 0, got -1"), (float("nan"), "seed is empty"),
                        (1.5, "seed must be a whole number")]:
        with pytest.raises(ValueError, match=words):
            B.network_trace(None, {**state("tiny"), "seed": seed})
    with pytest.raises(ValueError, match="input height is empty"):
        B.network_trace(None, {**state("tiny"), "input": {**state("tiny")["input"], "height": float("nan")}})
    with pytest.raises(ValueError, match="weight init"):
        B.network_run(image(), {**state("tiny"), "init": "zeros"})


def test_an_empty_stack_traces_but_does_not_run():
    meta = trace_meta({"spec": [], "input": {"height": 8, "width": 8}})
    assert meta["valid"] and not meta["runnable"] and "add a layer" in meta["run_error"]


def test_networks_too_big_for_the_page_are_refused_before_running():
    spec = [conv(64, 5, padding="same")] * 4
    meta = trace_meta({"spec": spec, "input": {"height": 1024, "width": 1024}})
    assert meta["valid"] and not meta["runnable"] and "multiply-adds" in meta["run_error"]
    with pytest.raises(ValueError, match="multiply-adds"):
        B.network_run(image(), {"spec": spec, "input": {"height": 1024, "width": 1024}})


@pytest.mark.parametrize("preset, index, key, value, names, not_words", [
    # LeNet with 100,000 conv1 filters: conv2 has 100,000 input channels (multiply-adds)
    ("lenet", 0, "filters", 100_000, ["conv2 alone", "fewer filters in conv1"], ["dense"]),
    # Tiny with 100,000 filters: dense1's 4.9 M inputs come from conv1 (parameters)
    ("tiny", 0, "filters", 100_000, ["dense1 alone", "100,000 maps of 7×7",
                                     "fewer filters in conv1", "pool more before flatten"],
     ["fewer units"]),
    # Tiny with 100,000 dense units: now the units are the cause
    ("tiny", 3, "units", 100_000, ["dense1 alone", "100,000 units × 196 inputs",
                                   "fewer units in dense1"], ["filters", "pool"]),
    # the notebook's network with 100,000 conv1 filters
    ("seed", 0, "filters", 100_000, ["conv1 alone", "fewer filters in conv1"], ["dense"]),
])
def test_too_big_networks_name_the_layer_and_setting_to_change(preset, index, key, value,
                                                               names, not_words):
    st = state(preset)
    st["spec"] = [dict(layer) for layer in st["spec"]]
    st["spec"][index][key] = value
    meta = trace_meta(st)
    assert meta["valid"] and not meta["runnable"]
    for words in names:
        assert words in meta["run_error"], (words, meta["run_error"])
    for words in not_words:
        assert words not in meta["run_error"], (words, meta["run_error"])


def test_a_layer_too_big_to_hold_is_numbered_from_1():
    meta = trace_meta({"spec": [conv(400, padding="same")],
                       "input": {"color": "gray", "height": 256, "width": 256}})
    assert meta["run_error"].startswith("layer 1 (conv1) outputs 26,214,400 values")
    assert "fewer filters in conv1" in meta["run_error"]


@pytest.mark.parametrize("value, words", [
    (None, "it is empty"),          # an empty Filters/Units field
    ("abc", '"abc", not a number'),  # text from an imported JSON
])
@pytest.mark.parametrize("layer", [conv(1), {"type": "dense", "units": 1}])
def test_empty_or_text_counts_say_so_not_none(layer, value, words):
    key = "filters" if layer["type"] == "conv2d" else "units"
    spec = [{"type": "flatten"}] if key == "units" else []
    meta = trace_meta({"spec": spec + [{**layer, key: value}],
                       "input": {"color": "gray", "height": 8, "width": 8}})
    reason = meta["rows"][-1]["reason"]
    assert reason.startswith(f"{key} must be a whole number, at least 1; ")
    assert words in reason and "None" not in reason


@pytest.mark.parametrize("key", ["kernel_size", "stride", "dilation", "padding"])
def test_unreadable_size_text_shows_the_forms_the_field_takes(key):
    meta = trace_meta({"spec": [{"type": "conv2d", "filters": 2, key: "3;3"}],
                       "input": {"color": "gray", "height": 8, "width": 8}})
    reason = meta["rows"][1]["reason"]
    assert reason.startswith(f'{key.replace("_", " ")} "3;3" is not a size')
    assert "3,5" in reason and "[3, 5]" in reason and "3x5" in reason


def test_unknown_layer_types_are_numbered_from_1_like_the_table():
    meta = trace_meta({"spec": [conv(2), {"type": "dropout"}],
                       "input": {"color": "gray", "height": 8, "width": 8}})
    row = meta["rows"][2]
    assert meta["error_index"] == 1 and row["name"] == "layer2"
    assert meta["error"].startswith('layer 2: there is no layer type "dropout"')
    assert "layer1" not in meta["error"] and "layer0" not in meta["error"]


def test_whole_floats_from_javascript_are_accepted():
    spec = [{"type": "conv2d", "filters": 4.0, "kernel_size": 3.0}, {"type": "flatten"}]
    meta = trace_meta({"spec": spec, "input": {"color": "gray", "height": 8.0, "width": 8}})
    assert meta["valid"] and meta["rows"][-1]["output_shape"] == [144]


# ----------------------------------------------------------------------- run

def test_run_tiny_matches_the_network_built_directly():
    img = image(32, 32, seed=7)
    result = B.network_run(img, {**state("tiny"), "seed": 5})
    meta, arrays = result["meta"], result["arrays"]
    json.dumps(meta)
    assert all(a.dtype == np.float32 and a.flags.c_contiguous for a in arrays.values())
    x, _ = pimage.fit_image(img, "gray", 16, 16, "resize")
    np.testing.assert_allclose(arrays[meta["input"]["array"]], x)
    net = build(PRESETS["tiny"]["spec"], (1, 16, 16), seed=5)
    want = dict(net.forward_with_activations(x.astype(np.float64)))
    by_name = {e["name"]: e for e in meta["layers"]}
    assert list(by_name) == ["conv1", "maxpool1", "flatten", "dense1", "softmax"]
    np.testing.assert_allclose(arrays[by_name["conv1"]["array"]], want["conv1.relu"], rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(arrays[by_name["maxpool1"]["array"]], want["maxpool1"], rtol=1e-5,
                               atol=1e-6)
    # flatten is the pooled maps in C order: not sent twice
    flat = by_name["flatten"]
    assert flat["kind"] == "strip" and flat["array"] is None
    assert flat["same_as"] == by_name["maxpool1"]["array"] and flat["display_shape"] == [196]
    np.testing.assert_allclose(meta["scores"]["logits"], want["dense1"], rtol=1e-5, atol=1e-6)
    probs = np.asarray(meta["scores"]["probabilities"])
    np.testing.assert_allclose(probs, want["softmax"], rtol=1e-6)
    assert probs.sum() == pytest.approx(1) and meta["scores"]["softmax_layer"]
    for e in meta["layers"]:
        assert e["ms"] >= 0
    assert meta["total_ms"] == pytest.approx(sum(e["ms"] for e in meta["layers"]))
    conv1 = by_name["conv1"]
    assert conv1["kind"] == "maps" and conv1["factor"] == 1 and conv1["display_shape"] == [4, 14, 14]
    lo, hi = conv1["channel_ranges"][2]
    assert lo == pytest.approx(float(want["conv1.relu"][2].min()))
    assert hi == pytest.approx(float(want["conv1.relu"][2].max()))


def test_run_seed_preset_every_layer_and_ten_scores():
    result = B.network_run(image(384, 512, seed=8), {**SEED_STATE, "seed": 0})
    meta, arrays = result["meta"], result["arrays"]
    assert [e["shape"] for e in meta["layers"]][:2] == [[10, 352, 480], [10, 176, 240]]
    assert all(e["factor"] == 1 for e in meta["layers"])
    assert len(meta["scores"]["probabilities"]) == 10
    # each map is sent once: the input, ten map layers, dense1, dense2, softmax
    assert len(arrays) == 1 + 10 + 3
    assert sum(a.size for a in arrays.values()) < 3_400_000
    assert "Cropped" in meta["input"]["fit"]["text"]


def test_reseeding_changes_the_weights_and_the_same_seed_repeats():
    img = image(16, 16, seed=9)
    a = B.network_run(img, {**state("tiny"), "seed": 1})["meta"]["scores"]["logits"]
    b = B.network_run(img, {**state("tiny"), "seed": 1})["meta"]["scores"]["logits"]
    c = B.network_run(img, {**state("tiny"), "seed": 2})["meta"]["scores"]["logits"]
    assert a == b and a != c


def _conv_out(result, st):
    x = result["arrays"]["input"].astype(np.float64)
    net = build(st["spec"], x.shape, seed=0)
    return dict(net.forward_with_activations(x))["conv1.relu"]


def test_big_maps_are_averaged_down_for_display_and_say_so():
    spec = [conv(20, 3, padding="same"), {"type": "maxpool"}]
    st = {"spec": spec, "input": {"color": "gray", "height": 400, "width": 400, "fit": "resize"}}
    assert 20 * 400 * 400 > B.LAYER_DISPLAY_BUDGET
    result = B.network_run(image(50, 50), st)
    first, second = result["meta"]["layers"]
    assert first["shape"] == [20, 400, 400] and first["factor"] == 2
    assert first["display_shape"] == [20, 200, 200]
    assert result["arrays"][first["array"]].shape == (20, 200, 200)
    # each shown pixel is the mean of a 2x2 block of the real map
    full = _conv_out(result, st)
    np.testing.assert_allclose(result["arrays"][first["array"]],
                               full.reshape(20, 200, 2, 200, 2).mean(axis=(2, 4)),
                               rtol=1e-4, atol=1e-6)
    assert second["factor"] == 1 and second["display_shape"] == [20, 200, 200]


def test_a_long_flatten_strip_is_binned():
    spec = [conv(2, 3, padding="same"), {"type": "flatten"}]
    st = {"spec": spec, "input": {"color": "gray", "height": 64, "width": 64, "fit": "resize"}}
    result = B.network_run(image(64, 64), st)
    conv1, flat = result["meta"]["layers"]
    assert flat["shape"] == [8192] and flat["bin"] == 2 and flat["display_shape"] == [4096]
    maps = result["arrays"][conv1["array"]].ravel()
    np.testing.assert_allclose(result["arrays"][flat["array"]], maps.reshape(-1, 2).mean(axis=1),
                               rtol=1e-5, atol=1e-6)


def test_a_network_without_a_dense_end_has_no_scores():
    st = {"spec": [conv(3)], "input": {"color": "rgb", "height": 10, "width": 10}}
    meta = B.network_run(image(), st)["meta"]
    assert meta["scores"] is None and meta["layers"][0]["kind"] == "maps"


def test_scores_without_a_softmax_layer_get_one_computed():
    spec = [{"type": "flatten"}, {"type": "dense", "units": 3}]
    st = {"spec": spec, "input": {"color": "gray", "height": 4, "width": 4, "fit": "resize"}}
    scores = B.network_run(image(), st)["meta"]["scores"]
    z = np.asarray(scores["logits"])
    np.testing.assert_allclose(scores["probabilities"], np.exp(z) / np.exp(z).sum())
    assert not scores["softmax_layer"]


# ----------------------------------------------------------------------- export

def calls(code):
    """The torch.nn calls inside the Sequential: [(name, [args], {kwargs})]."""
    tree = ast.parse(code)
    seq = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
           and ast.unparse(n.func) == "torch.nn.Sequential"]
    assert len(seq) == 1
    out = []
    for c in seq[0].args:
        assert isinstance(c, ast.Call)
        name = ast.unparse(c.func)
        assert name.startswith("torch.nn.")
        out.append((name[len("torch.nn."):], [ast.literal_eval(a) for a in c.args],
                    {k.arg: ast.literal_eval(k.value) for k in c.keywords}))
    return out


def test_torch_export_of_the_seed_network():
    meta = B.network_export(None, {**SEED_STATE, "seed": 3})["meta"]
    got = calls(meta["torch"])
    block = lambda cin: [  # noqa: E731
        ("Conv2d", [cin, 10], {"kernel_size": 3, "stride": 1, "padding": "same", "dilation": 1}),
        ("ReLU", [], {}),
        ("AvgPool2d", [], {"kernel_size": 2, "stride": 2, "ceil_mode": False})]
    want = block(3) + block(10) * 4 + [
        ("Flatten", [], {}), ("Linear", [1650, 512], {}), ("ReLU", [], {}),
        ("Linear", [512, 10], {}), ("Softmax", [], {"dim": 1})]
    assert got == want
    assert "(N, 3, 352, 480)" in meta["torch"]


def test_torch_export_of_pairs_activations_and_default_strides():
    spec = [conv(4, [3, 5], stride=[1, 2], padding=[1, 2], dilation=2, activation="leaky_relu"),
            {"type": "maxpool", "kernel_size": 3, "ceil_mode": True},
            conv(2, 1, activation="tanh"), {"type": "flatten"},
            {"type": "dense", "units": 7, "activation": "sigmoid"}]
    meta = B.network_export(None, {"spec": spec, "input": {"color": "gray", "height": 20, "width": 30}})
    got = calls(meta["meta"]["torch"])
    assert got[0] == ("Conv2d", [1, 4], {"kernel_size": (3, 5), "stride": (1, 2),
                                         "padding": (1, 2), "dilation": 2})
    assert got[1] == ("LeakyReLU", [0.01], {})
    assert got[2] == ("MaxPool2d", [], {"kernel_size": 3, "stride": 3, "ceil_mode": True})
    assert got[3][0] == "Conv2d" and got[3][1] == [4, 2] and got[4] == ("Tanh", [], {})
    tr = trace_meta({"spec": spec, "input": {"color": "gray", "height": 20, "width": 30}})
    flat = tr["rows"][4]["output_shape"][0]
    assert got[5:] == [("Flatten", [], {}), ("Linear", [flat, 7], {}), ("Sigmoid", [], {})]


def test_pycore_export_rebuilds_the_same_network_with_the_same_weights():
    st = {**state("lenet"), "seed": 11}
    code = B.network_export(None, st)["meta"]["pycore"]
    ns = {}
    exec(compile(code.replace("print(name, out.shape)", "pass"), "<export>", "exec"), ns)
    net = ns["net"]
    ref = build(PRESETS["lenet"]["spec"], (1, 28, 28), seed=11)
    assert net.names == ref.names
    x = np.random.default_rng(0).random((1, 28, 28))
    np.testing.assert_array_equal(net.forward(x), ref.forward(x))
    img = image(28, 28, seed=12)
    page = B.network_run(img, st)
    xin = page["arrays"]["input"].astype(np.float64)
    np.testing.assert_allclose(page["meta"]["scores"]["probabilities"], net.forward(xin),
                               rtol=1e-5)


def test_json_export_round_trips_and_invalid_stacks_export_json_only():
    meta = B.network_export(None, {**SEED_STATE, "seed": 3})["meta"]
    doc = json.loads(meta["json"])
    assert doc["input_shape"] == [3, 352, 480] and doc["seed"] == 3
    assert trace_meta({"spec": doc["spec"], "input": doc["input"]})["totals"]["params"] == 854_362
    bad = B.network_export(None, {"spec": [{"type": "dense", "units": 3}],
                            "input": {"height": 4, "width": 4}})["meta"]
    assert bad["torch"] is None and bad["pycore"] is None and "flatten" in bad["error"]
    assert json.loads(bad["json"])["spec"] == [{"type": "dense", "units": 3}]


@pytest.mark.parametrize("params, field, words", [
    ({"input": {"height": 0}}, "input.height", "input height"),
    ({"input": {"width": float("nan")}}, "input.width", "input width is empty"),
    ({"input": {"color": "cmyk"}}, "input.color", "input colour"),
    ({"seed": -1}, "seed", "seed must be at least 0"),
])
def test_a_refused_setting_names_the_builder_control_it_came_from(params, field, words):
    out = page.worker_call("network_trace", None, {"spec": [], **params})
    assert "arrays" not in out and out["problem"]["field"] == field, out
    assert out["problem"]["error"].startswith(words)
