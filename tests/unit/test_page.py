"""pycore.page: the worker's table of calls, options(), and the boundary validators
(pycore.page.params), in CPython."""

import io
import json
import math

import numpy as np
import pytest
from PIL import Image

import pycore
from pycore import kernels, ops, page
from pycore.page import params as P

IMAGE = np.random.default_rng(0).random((3, 24, 24)).astype(np.float32)
ONE_FILTER = [{"name": "k", "rows": 3, "cols": 3, "values": [0, 1, 0, 1, -4, 1, 0, 1, 0]}]


def options():
    result = page.call("options", None, None)
    assert result["arrays"] == {}
    json.dumps(result["meta"], allow_nan=False)
    return result["meta"]


def values(entries):
    return [e["value"] for e in entries]


# ----------------------------------------------------------------------- the table

def test_an_unknown_call_is_refused_by_name():
    with pytest.raises(ValueError, match=r"unknown page call 'explode'; the page may call options, library"):
        page.call("explode", None, {})
    with pytest.raises(ValueError, match="unknown page call 'prepare_image'"):
        page.call("prepare_image", None, {})  # the worker's set_image is not in the table


def test_call_runs_the_table_entry_with_image_and_params():
    assert page.call("multiply_sum", None, None)["meta"]["sum"] == 165
    direct = page.CALLS["convolve"](IMAGE, {"kernels": ONE_FILTER})
    via = page.call("convolve", IMAGE, {"kernels": ONE_FILTER})
    np.testing.assert_array_equal(via["arrays"]["map0"], direct["arrays"]["map0"])


class FakeJsProxy:
    """What Pyodide passes for a JS object: a proxy with to_py()."""

    def __init__(self, value):
        self.value = value

    def to_py(self):
        return self.value


def test_call_unwraps_a_js_proxy():
    res = page.call("multiply_sum", None, FakeJsProxy({"a": {"rows": 1, "cols": 2, "values": [2, 3]},
                                                      "b": {"rows": 1, "cols": 2, "values": [5, 7]}}))
    assert res["meta"]["sum"] == 2 * 5 + 3 * 7


def test_every_call_returns_named_float32_arrays_and_plain_meta():
    spec = {"spec": [{"type": "conv2d", "filters": 2}, {"type": "flatten"}, {"type": "dense", "units": 3}],
            "input": {"color": "gray", "height": 8, "width": 8}}
    png = io.BytesIO()
    Image.fromarray(np.zeros((4, 5, 3), np.uint8)).save(png, "PNG")
    settings = {"convolve": {"kernels": ONE_FILTER}, "network_trace": spec, "network_run": spec,
                "network_export": spec, "image_header": {"bytes": png.getvalue()},
                "decode_file": {"bytes": png.getvalue()}, "train_step": {"max_batches": 2},
                "train_predict": {"pixels": [0] * 60 + [16] * 4},
                "train_pad_input": {"width": 3, "height": 2, "gray": [0, 1, 0, 1, 1, 0]},
                "view_code": {"view": "convolution", "settings": {"kernels": ONE_FILTER}},
                "view_script": {"view": "builder", "settings": spec},
                "view_notebook": {"view": "multiply_sum"}, "run_code": {"code": "show(image[0])"}}
    page.call("train_setup", None, {"epochs": 1})
    settings["train_load"] = {"npz_base64": page.call("train_save", None, {})["meta"]["npz_base64"]}
    for fn in page.CALLS:
        result = page.call(fn, IMAGE, settings.get(fn, {}))
        assert set(result) == {"meta", "arrays"}
        assert isinstance(result["arrays"], dict)
        for name, a in result["arrays"].items():
            assert isinstance(name, str) and a.dtype == np.float32 and a.flags.c_contiguous, (fn, name)
        json.dumps(result["meta"])


def test_meta_names_only_arrays_that_exist():
    res = page.call("convolve", IMAGE, {"kernels": ONE_FILTER * 2, "pool": {"type": "max", "kernel_size": 2}})
    named = [m["array"] for m in res["meta"]["maps"] + res["meta"]["pooled"]]
    assert sorted(named) == sorted(res["arrays"]) == ["map0", "map1", "pooled0", "pooled1"]
    rf = page.call("receptive_field", None, {"size": 12})
    for layer in rf["meta"]["layers"]:
        for key in ("rs", "re", "cs", "ce", "frs", "fre", "fcs", "fce", "map"):
            assert layer[key] in rf["arrays"]


def test_prepare_image_names_a_bad_size():
    with pytest.raises(ValueError, match="image height must be at least 1, got 0"):
        page.prepare_image(b"", 0, 4)
    with pytest.raises(ValueError, match="image width must be a whole number, got 2.5"):
        page.prepare_image(bytes(40), 4, 2.5)


# ----------------------------------------------------------------------- options

def test_options_lists_what_the_core_accepts():
    opt = options()
    assert opt["version"] == pycore.__version__
    assert values(opt["activations"]) == list(ops.ACTIVATIONS) == values(opt["activations_short"])
    assert values(opt["padding_modes"]) == list(ops.PADDING_MODES)
    for activation in values(opt["activations"]):
        page.call("convolve", IMAGE, {"kernels": ONE_FILTER, "activation": activation})
        page.call("window_steps", None, {"activation": activation})
    for mode in values(opt["padding_modes"]):
        page.call("convolve", IMAGE, {"kernels": ONE_FILTER, "padding": 1, "padding_mode": mode})
        page.call("window_steps", None, {"padding": 1, "padding_mode": mode})
    for channel in values(opt["channels"]):
        assert page.call("convolve", IMAGE, {"kernels": ONE_FILTER, "channel": channel})["meta"]["input"]["channel"] \
            == channel
    for kind in values(opt["pool_types"]):
        res = page.call("convolve", IMAGE, {"kernels": ONE_FILTER, "pool": {"type": kind}})
        assert (res["meta"]["pooled"] == []) == (kind == "none")
    assert values(opt["kernels"]) == kernels.kernel_names()
    for k in opt["kernels"]:
        assert k["description"] == kernels.kernel_description(k["value"])
        page.call("window_steps", None, {"kernel": {"preset": k["value"], "size": k["default_size"]}})
    assert values(opt["color_modes"]) == ["gray", "diverging", "abs"]
    assert opt["color_modes"][0]["label"] == "Gray, min–max" and all(m["help"] for m in opt["color_modes"])


def test_options_of_the_explorers_are_accepted_by_them():
    opt = options()
    for source in values(opt["sources"]):
        assert page.call("window_steps", IMAGE, {"source": source, "size": 8})["meta"]["input"]["source"] == source
    for channel in values(opt["explorer_channels"]):
        page.call("rgb_filter", IMAGE, {"source": "image", "size": 8, "channel": channel})
    for scale in values(opt["scales"]):
        page.call("flip_compare", np.zeros((3, 64, 64), np.float32), {"source": "image", "size": 2, "scale": scale})
    for pre in values(opt["prefilters"]):
        assert page.call("pool_steps", None, {"prefilter": pre})["meta"]["prefilter"] == pre
    for preset in values(opt["rgb_presets"]):
        assert page.call("rgb_filter", None, {"kernel": {"preset": preset}})["meta"]["kernel"]["preset"] == preset
    for kind in values(opt["stack_types"]):
        layers = [{"type": kind, "kernel_size": 2}]
        assert page.call("receptive_field", None, {"layers": layers})["meta"]["layers"][0]["type"] == kind


@pytest.mark.parametrize("key, control, at_limit, over", [
    ("MAX_STRIDE", "stride", {"stride": "MAX"}, "stride must be at most"),
    ("MAX_DILATION", "dilation", {"dilation": "MAX"}, "dilation must be at most"),
    ("MAX_PADDING", "padding", {"padding": "MAX"}, "padding must be at most"),
])
def test_the_convolution_limits_are_the_ones_convolve_enforces(key, control, at_limit, over):
    limit = options()["limits"]["convolution"][key]
    big = np.zeros((3, 200, 200), np.float32)
    page.call("convolve", big, {"kernels": ONE_FILTER, control: limit})
    with pytest.raises(ValueError, match=f"{over} {limit}, got {limit + 1}"):
        page.call("convolve", big, {"kernels": ONE_FILTER, control: limit + 1})


def test_the_filter_and_kernel_limits_are_the_ones_convolve_enforces():
    lim = options()["limits"]["convolution"]
    side = lim["MAX_KERNEL_SIDE"]
    largest = [{"name": "big", "rows": side, "cols": side, "values": [1.0] * side * side}]
    page.call("convolve", IMAGE, {"kernels": largest})
    too_big = [{"name": "big", "rows": side + 1, "cols": 1, "values": [1.0] * (side + 1)}]
    with pytest.raises(ValueError, match=f"a kernel can be at most {side}×{side}"):
        page.call("convolve", IMAGE, {"kernels": too_big})
    page.call("convolve", IMAGE, {"kernels": ONE_FILTER * lim["MAX_FILTERS"]})
    with pytest.raises(ValueError, match=f"At most {lim['MAX_FILTERS']} filters"):
        page.call("convolve", IMAGE, {"kernels": ONE_FILTER * (lim["MAX_FILTERS"] + 1)})
    pool = lim["MAX_POOL"]
    res = page.call("convolve", np.zeros((3, 40, 40), np.float32),
                    {"kernels": ONE_FILTER, "pool": {"type": "max", "kernel_size": pool + 1}})
    assert res["meta"]["pool_error"] == f"Pooling window must be at most {pool}, got {pool + 1}"


def test_the_explorer_and_builder_limits_are_the_ones_enforced():
    lim = options()["limits"]
    n = lim["explorers"]["STEP_GRID_MAX"]
    page.call("window_steps", None, {"size": n})
    with pytest.raises(ValueError, match=f"grid size must be at most {n}, got {n + 1}"):
        page.call("window_steps", None, {"size": n + 1})
    layers = [{"type": "maxpool", "kernel_size": 1}] * (lim["explorers"]["MAX_LAYERS"] + 1)
    with pytest.raises(ValueError, match=f"at most {lim['explorers']['MAX_LAYERS']} layers"):
        page.call("receptive_field", None, {"layers": layers})
    side = lim["builder"]["max_input_side"]
    with pytest.raises(ValueError, match=f"input height must be at most {side}, got {side + 1}"):
        page.call("network_trace", None, {"spec": [], "input": {"height": side + 1, "width": 4}})


# ----------------------------------------------------------------------- params

@pytest.mark.parametrize("value, error, message", [
    (1.5, ValueError, "stride must be a whole number, got 1.5"),
    ("2", TypeError, "stride must be a whole number, got '2'"),
    (True, TypeError, "stride must be a whole number, got True"),
    (1e308, ValueError, r"stride must be at most 8, got 1e\+308$"),
    (0, ValueError, "stride must be at least 1, got 0"),
    (9, ValueError, "stride must be at most 8, got 9"),
    (float("nan"), ValueError, "stride is empty or not a number: type a whole number from 1 to 8"),
    ("  ", ValueError, "stride is empty or not a number"),
])
def test_whole_names_the_control_and_the_value(value, error, message):
    with pytest.raises(error, match=message):
        P.whole(value, "stride", 1, 8)


@pytest.mark.parametrize("value, text", [
    (7, "7"), (10**12, "1e+12"), (-3.25, "-3.25"), (1 / 3, "0.333333"), (1e308, "1e+308"),
    (float("nan"), "not a number"), (float("-inf"), "minus infinity"), (True, "True"),
    ("abc", "'abc'"), ("x" * 80, "'" + "x" * 38 + "…"), (None, "None"),
])
def test_shown_keeps_quoted_values_short_and_plain(value, text):
    assert P.shown(value) == text


ONE_KERNEL = {"kernels": [{"name": "edge", "rows": 1, "cols": 1, "values": [1.0]}]}


@pytest.mark.parametrize("fn, params", [
    ("convolve", {"stride": 0}),
    ("convolve", {"dilation": 1e308}),
    ("convolve", {"padding": "lots"}),
])
def test_a_bad_setting_names_its_control_for_the_page(fn, params):
    key = next(iter(params))
    params = {**ONE_KERNEL, **params}
    with pytest.raises(ValueError) as caught:
        page.call(fn, np.zeros((3, 8, 8), np.float32), params)
    assert caught.value.field == key
    answer = page.worker_call(fn, np.zeros((3, 8, 8), np.float32), params)
    assert answer == {"problem": {"error": str(caught.value), "kind": "ValueError", "field": key}}


def test_worker_call_returns_results_and_errors_without_a_field():
    good = page.worker_call("convolve", np.zeros((3, 8, 8), np.float32), ONE_KERNEL)
    assert "problem" not in good and good["arrays"]
    unknown = page.worker_call("no_such_call", None, {})
    assert unknown["problem"]["field"] is None and "no_such_call" in unknown["problem"]["error"]
    # a result's own meta "error" (a broken stack's trace) is a result, not a failed call
    trace = page.worker_call("network_trace", None, {"spec": [{"type": "dropout"}], "input": {"height": 8, "width": 8}})
    assert "problem" not in trace and "dropout" in trace["meta"]["error"]


def test_at_keeps_the_innermost_field():
    with pytest.raises(ValueError) as caught:
        with P.at("outer"):
            with P.at("inner"):
                raise ValueError("bad")
    assert caught.value.field == "inner"


def test_whole_accepts_whole_floats_from_javascript():
    assert P.whole(3.0, "stride", 1, 8) == 3 and isinstance(P.whole(3.0, "stride"), int)
    assert P.integer({"stride": None}, "stride", 2, "stride") == 2  # missing and None take the default


def test_the_other_validators_name_the_value():
    with pytest.raises(ValueError, match="bias must be a finite number, got infinity"):
        P.number({"bias": math.inf}, "bias", 0.0, "bias")
    with pytest.raises(ValueError, match="bias must be a finite number, got 'x'"):
        P.number({"bias": "x"}, "bias", 0.0, "bias")
    with pytest.raises(ValueError, match="pooling type must be one of none, max, avg; got 'min'"):
        P.choice({"type": "min"}, "type", "none", ("none", "max", "avg"), "pooling type")
    with pytest.raises(ValueError, match="padding must be a whole number from 0 to 8, 'same' or 'valid'; got 'full'"):
        P.padding({"padding": "full"}, "padding", "padding", 8)
    assert P.padding({"padding": " 3 "}, "padding", "padding", 8) == 3
    with pytest.raises(ValueError, match="padding must be at most 8, got 9"):
        P.padding({"padding": "9"}, "padding", "padding", 8)
    with pytest.raises(ValueError, match="kernel row 2, column 1 is not a finite number"):
        P.matrix({"rows": 2, "cols": 2, "values": [1, 2, math.nan, 4]}, "kernel", 5)
    with pytest.raises(ValueError, match="kernel has 3 values for a 2×2 grid"):
        P.matrix({"rows": 2, "cols": 2, "values": [1, 2, 3]}, "kernel", 5)
    with pytest.raises(ValueError, match="kernel rows must be at most 5, got 6"):
        P.matrix({"rows": 6, "cols": 1, "values": [1] * 6}, "kernel", 5)
    with pytest.raises(TypeError, match="window_steps expects a dict of settings, got list"):
        P.settings([1], "window_steps")


def test_number_bounds_name_the_value():
    assert P.number({"lr": 0.5}, "lr", 0.01, "learning rate", above=0.0, maximum=1.0) == 0.5
    assert P.number({}, "lr", 0.01, "learning rate", above=0.0) == 0.01
    assert P.number({"wd": 0}, "wd", 0.0, "weight decay", minimum=0.0) == 0.0
    with pytest.raises(ValueError, match="learning rate must be more than 0, got 0"):
        P.number({"lr": 0}, "lr", 0.01, "learning rate", above=0.0)
    with pytest.raises(ValueError, match="learning rate must be at most 1, got 1.5"):
        P.number({"lr": 1.5}, "lr", 0.01, "learning rate", maximum=1.0)
    with pytest.raises(ValueError, match="weight decay must be at least 0, got -0.25"):
        P.number({"wd": -0.25}, "wd", 0.0, "weight decay", minimum=0.0)


def test_deep_plain_unwraps_nested_proxies_and_makes_whole_floats_ints():
    got = P.deep_plain(FakeJsProxy({"spec": [FakeJsProxy({"filters": 4.0, "stride": 1.5})], "n": math.nan}))
    assert got["spec"] == [{"filters": 4, "stride": 1.5}] and isinstance(got["spec"][0]["filters"], int)
    assert math.isnan(got["n"])


def test_result_makes_float32_contiguous_copies_by_name():
    a = np.arange(12.0).reshape(3, 4)[:, ::2]
    out = P.result({"x": "a"}, {"a": a})
    assert out["meta"] == {"x": "a"} and out["arrays"]["a"].dtype == np.float32
    assert out["arrays"]["a"].flags.c_contiguous
    np.testing.assert_array_equal(out["arrays"]["a"], a)
    assert P.result({})["arrays"] == {}
