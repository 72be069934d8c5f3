"""End-to-end: every option list and limit the page shows is the one pycore.page.options()
returns (the page asks the worker once, when Python is up); nothing is a copy in the page.
"""
from __future__ import annotations

import re

import pytest
from page_helpers import CONV_TAB

from pycore import page as pycore_page

OPTIONS = pycore_page.options(None, None)["meta"]


def pairs(entries, label=lambda e: e["label"]):
    """[value, text] as a <select> holds them (values are strings in the DOM)."""
    return [[str(e["value"]), label(e)] for e in entries]


def select_options(page, selector):
    return page.eval_on_selector(selector, "s => [...s.options].map(o => [o.value, o.text])")


@pytest.fixture
def page(app):
    app.page.click(CONV_TAB)
    return app.page


def test_convolution_panel_lists_and_limits_are_pycores(page):
    for testid, key in [("channel", "channels"), ("activation", "activations"), ("pool-type", "pool_types")]:
        assert select_options(page, f"[data-testid={testid}]") == pairs(OPTIONS[key]), testid
    # padding modes: short names that fit the box, pycore's long label as each option's title
    assert select_options(page, "[data-testid=padding-mode]") == pairs(OPTIONS["padding_modes"], lambda e: e["value"])
    titles = page.eval_on_selector("[data-testid=padding-mode]", "s => [...s.options].map(o => o.title)")
    assert titles == [e["label"] for e in OPTIONS["padding_modes"]]
    modes = page.eval_on_selector_all("[data-testid=color-modes] label", """ls => ls.map(l => {
        const i = l.querySelector('input'); return [i.value, l.textContent.trim(), l.title]; })""")
    assert modes == [[m["value"], m["label"], m["help"]] for m in OPTIONS["color_modes"]]
    mode = page.eval_on_selector("[data-testid=color-modes] input:checked", "i => i.value")
    help_text = next(m["help"] for m in OPTIONS["color_modes"] if m["value"] == mode)
    assert page.text_content("[data-testid=legend] .legend-help") == help_text
    # the kernel library in options' order, with its descriptions, then the empty custom one
    kernels = page.eval_on_selector("[data-testid=add-kernel-select]",
                                    "s => [...s.options].map(o => [o.value, o.text, o.title])")
    assert [k[0] for k in kernels] == [k["value"] for k in OPTIONS["kernels"]] + ["__custom__"]
    assert [k[2] for k in kernels[:-1]] == [k["description"] for k in OPTIONS["kernels"]]
    for (_, text, _), k in zip(kernels, OPTIONS["kernels"]):
        assert re.fullmatch(re.escape(k["label"]) + r" \d+×\d+", text), text
    lim = OPTIONS["limits"]["convolution"]
    for testid, key in [("stride", "MAX_STRIDE"), ("dilation", "MAX_DILATION"), ("padding", "MAX_PADDING"),
                        ("pool-size", "MAX_POOL"), ("pool-stride", "MAX_POOL"), ("pool-padding", "MAX_POOL_PADDING")]:
        assert page.get_attribute(f"[data-testid={testid}]", "max") == str(lim[key]), testid
    sides = select_options(page, "[data-testid=kernel] >> nth=0 >> [data-testid=kernel-rows]")
    assert [int(v) for v, _ in sides] == list(range(1, lim["MAX_KERNEL_SIDE"] + 1))
    assert page.text_content("[data-testid=version]") == f"pycore {OPTIONS['version']}."


def test_explorer_and_builder_lists_and_limits_are_pycores(page):
    short = OPTIONS["activations_short"]
    assert select_options(page, "[data-testid=sliding-activation]") == pairs(short)
    no_leaky = [a for a in short if a["value"] != "leaky_relu"]
    assert select_options(page, "[data-testid=rgb-activation]") == pairs(no_leaky)
    assert select_options(page, "[data-testid=sliding-mode]") == pairs(OPTIONS["padding_modes"], lambda e: e["value"])
    assert select_options(page, "[data-testid=pooling-prefilter]") == pairs(OPTIONS["prefilters"])
    assert select_options(page, "[data-testid=pooling-type]") == pairs([p for p in OPTIONS["pool_types"]
                                                                        if p["value"] != "none"])
    assert select_options(page, "[data-testid=rgb-preset]") == pairs(OPTIONS["rgb_presets"])
    assert select_options(page, "[data-testid=receptive-type] >> nth=0") == pairs(OPTIONS["stack_types"])
    assert select_options(page, "[data-testid=sliding-input]") == pairs(OPTIONS["sources"])
    assert select_options(page, "[data-testid=rgb-input]") == pairs([s for s in OPTIONS["sources"]
                                                                    if s["value"] != "digit"])
    assert select_options(page, "[data-testid=padding-channel]") == pairs(OPTIONS["explorer_channels"])
    assert select_options(page, "[data-testid=sliding-channel]") == pairs([c for c in OPTIONS["explorer_channels"]
                                                                          if c["value"] != "rgb"])
    assert select_options(page, "[data-testid=sliding-scale]") == pairs(OPTIONS["scales"])
    lim = OPTIONS["limits"]["explorers"]
    assert page.get_attribute("[data-testid=sliding-size]", "max") == str(lim["STEP_GRID_MAX"])
    assert page.get_attribute("[data-testid=flip-size]", "max") == str(lim["VIEW_GRID_MAX"])
    assert page.get_attribute("[data-testid=sliding-seed]", "max") == str(lim["MAX_SEED"])
    ksizes = select_options(page, "[data-testid=sliding-ksize]")
    assert [int(v) for v, _ in ksizes] == list(range(1, lim["SLIDING"]["kernel_size"] + 1))
    for testid, key in [("k", "kernel_size"), ("s", "stride"), ("p", "padding")]:
        assert page.get_attribute(f"[data-testid=receptive-{testid}] >> nth=0", "max") == str(lim["STACK"][key])
    for testid, key in [("height", "height"), ("channels", "channels"), ("k", "kernel_size")]:
        assert page.get_attribute(f"[data-testid=params-{testid}]", "max") == str(lim["PARAM_COUNTS"][key])
    # the sliding explorer's 3×3 presets: its own choice of fixed kernels, then the odd-size and any-size ones
    presets = [v for v, _ in select_options(page, "[data-testid=sliding-preset]")]
    sized = [k["value"] for k in OPTIONS["kernels"] if k["sizes"] in ("odd", "any")]
    assert presets[-len(sized):] == sized
    assert all(k["sizes"] == "fixed" for k in OPTIONS["kernels"] if k["value"] in presets[:-len(sized)])
    # the builder
    page.wait_for_selector("[data-testid=builder-color-mode] option", state="attached")
    modes = page.eval_on_selector("[data-testid=builder-color-mode]",
                                  "s => [...s.options].map(o => [o.value, o.text, o.title])")
    assert modes == [[m["value"], m["label"], m["help"]] for m in OPTIONS["color_modes"]]
    side = str(OPTIONS["limits"]["builder"]["max_input_side"])
    for testid in ("input-height", "input-width"):
        assert page.get_attribute(f"[data-testid={testid}]", "max") == side, testid
