"""End-to-end: the transposed-convolution explorer in headless Chromium.

The page's numbers are checked against pycore run here in CPython: the output against
pycore.conv_transpose2d, each step's window and products against pycore's arrays, and the
input cells each output cell takes (the "stamps" line) against a count from the direct
definition, out[i·s − p + ki, j·s − p + kj] += x[i, j]·w[ki, kj], computed in this file.
A bad setting's message stands beside its control; the Python panel's script gives the
page's arrays; the card fits a 375 px phone without sideways scrolling.
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import open_app
from page_helpers import EXPLORE_TAB, rgb_image, save_png
from test_python_panel import compare_script_with_page

import pycore
from pycore import page as pycore_page
from tools.project import ARTIFACTS_DIR

CARD = "[data-testid=explorer-transposed]"


def renders(page) -> int:
    return int(page.get_attribute(CARD, "data-renders") or 0)


def select(page, testid, value):
    """Choose `value` in the explorer's select `testid` and wait for the new result."""
    before = renders(page)
    page.select_option(f"[data-testid=transposed-{testid}]", str(value))
    page.wait_for_function("([sel, n]) => Number(document.querySelector(sel).dataset.renders || 0) > n",
                           arg=[CARD, before], timeout=20_000)


def args(page) -> dict:
    return json.loads(page.get_attribute(CARD, "data-args"))


def table(page, testid):
    return np.array(page.eval_on_selector_all(f"[data-testid={testid}] td", "tds => tds.map(t => Number(t.dataset.v))"))


def stamps_by_definition(n, k, s, p, r, c):
    """How many (input cell, kernel tap) pairs land on output (r, c): the direct definition."""
    return sum(1 for i in range(n) for j in range(n) for ki in range(k) for kj in range(k)
               if i * s - p + ki == r and j * s - p + kj == c)


@pytest.fixture(scope="module")
def tx(browser, server, tmp_path_factory):
    """A page with test hooks on the Explorers tab, the transposed explorer computed; yields (page, image path)."""
    app = open_app(browser, server, path="/?test-hooks")
    page = app.page
    path = tmp_path_factory.mktemp("transposed") / "t.png"
    save_png(path, rgb_image(20, 24, 5, square=4, low=30, contrast=180))
    page.click(EXPLORE_TAB)
    page.wait_for_function("(s) => Number(document.querySelector(s).dataset.renders || 0) > 0", arg=CARD,
                           timeout=30_000)
    try:
        yield page, path
    finally:
        assert not app.page_errors, app.page_errors
        app.context.close()


def test_defaults_show_the_formula_and_match_conv_transpose2d(tx):
    page, _ = tx
    a = args(page)
    assert (a["size"], a["kernel_size"], a["stride"], a["padding"], a["output_padding"]) == (3, 3, 2, 0, 0)
    formula = page.text_content("[data-testid=transposed-size-formula]")
    assert formula == "(3 − 1)·2 − 2·0 + 1·(3 − 1) + 0 + 1 = 7"
    assert "(3 − 1)·2 + 1 = 5" in page.text_content("[data-testid=transposed-formula]")
    assert page.get_attribute("[data-testid=transposed-check]", "data-agrees") == "true"
    # the canvases: the spread input is 9×9 cells, the output 7×7, at whole cells
    sizes = page.evaluate("""() => ['spread', 'output'].map((n) => {
        const c = document.querySelector(`[data-testid=transposed-${n}]`);
        return [c.style.width, c.style.height]; })""")
    spread_w, out_w = (int(float(w[:-2])) for w, _ in sizes)
    assert spread_w % 9 == 0 and out_w % 7 == 0


def test_steps_keys_and_announcements_follow_the_definition(tx):
    page, _ = tx
    for testid, value in [("size", 4), ("input", "random"), ("ksize", 4), ("kernel", "random"), ("stride", 3),
                          ("padding", 1), ("outpad", 2)]:
        select(page, testid, value)
    a = args(page)
    assert (a["size"], a["input"], a["kernel_size"], a["kernel"], a["stride"], a["padding"], a["output_padding"]) == \
        (4, "random", 4, "random", 3, 1, 2)
    r = pycore_page.call("transposed_steps", None, a)
    meta, arrays = r["meta"], r["arrays"]
    x, w = arrays["input"].astype(np.float64), arrays["kernel"].astype(np.float64)
    want = pycore.conv_transpose2d(x[None, None], w[None, None], stride=3, padding=1, output_padding=2)[0, 0]
    ho, wo = want.shape
    assert meta["out_shape"] == [ho, wo] == [13, 13]  # (4 − 1)·3 − 2·1 + (4 − 1) + 2 + 1
    assert page.text_content("[data-testid=transposed-size-formula]").endswith("= 13")
    stage = page.locator("[data-testid=transposed-stage]")
    stage.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    for i in (4, 4 + wo, ho * wo - 1):
        if i == 4 + wo:
            page.locator("[data-testid=transposed-scrub]").fill(str(i))
        elif i == ho * wo - 1:
            stage.focus()
            page.keyboard.press("End")
        assert page.input_value("[data-testid=transposed-scrub]") == str(i)
        r0, c0 = divmod(i, wo)
        k = 4
        assert np.array_equal(table(page, "transposed-window"), arrays["windows"][i].ravel())
        assert np.array_equal(table(page, "transposed-flipped"), w[::-1, ::-1].ravel())
        assert np.array_equal(table(page, "transposed-products"), arrays["products"][i].ravel())
        value = float(page.get_attribute("[data-testid=transposed-sum]", "data-value"))
        assert value == want[r0, c0]
        count = stamps_by_definition(4, k, 3, 1, r0, c0)
        assert int(page.get_attribute("[data-testid=transposed-stamps]", "data-count")) == count
        status = page.text_content("[data-testid=transposed-step]")
        assert status.startswith(f"Position {i + 1} of {ho * wo}: output row {r0}, column {c0}")
        assert status.endswith(f"from {count} input cell" + ("" if count == 1 else "s"))
    assert page.text_content("[data-testid=transposed-live]").startswith(f"Position {ho * wo} of")
    # Space plays and pauses; the player moves on its own
    page.keyboard.press("Home")
    page.fill("[data-testid=transposed-speed]", "10")
    stage.focus()
    page.keyboard.press("Space")
    page.wait_for_function("Number(document.querySelector('[data-testid=transposed-scrub]').value) >= 2")
    page.keyboard.press("Space")
    assert "Paused" in page.text_content("[data-testid=transposed-live]")


def test_a_bad_setting_is_shown_beside_its_control_and_goes_with_its_cause(tx):
    page, _ = tx
    select(page, "outpad", 1)
    select(page, "stride", 2)
    control = "[data-testid=transposed-outpad]"
    page.select_option(control, "2")  # not smaller than the stride: pycore says so, beside the control
    page.wait_for_selector(f"{control}[aria-invalid=true]", timeout=20_000)
    described = page.get_attribute(control, "aria-describedby")
    message = page.text_content(f"#{described}")
    assert message == "Output padding must be smaller than the stride (2); got 2"
    # the message sits in the control's fieldset, right after its label
    assert page.evaluate("(sel) => document.querySelector(sel).closest('label').nextElementSibling.id", control) == \
        described
    assert "see the message at “Output padding”" in page.text_content("[data-testid=transposed-stale]")
    assert page.get_attribute("[data-testid=explorer-transposed] .x-stage", "data-stale") == "true"
    assert page.is_visible("[data-testid=transposed-stale]")
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    page.locator(CARD).screenshot(path=str(ARTIFACTS_DIR / "explorer-transposed-error.png"))
    # a too large padding is padding's message, and output padding's goes
    select(page, "outpad", 0)
    assert page.get_attribute(control, "aria-invalid") is None
    page.select_option("[data-testid=transposed-ksize]", "2")
    page.wait_for_selector("[data-testid=transposed-ksize]:not([aria-invalid])")
    page.select_option("[data-testid=transposed-padding]", "3")
    page.wait_for_selector("[data-testid=transposed-padding][aria-invalid=true]", timeout=20_000)
    text = page.text_content("#" + page.get_attribute("[data-testid=transposed-padding]", "aria-describedby"))
    assert text.startswith("Padding must be at most kernel size − 1 = 1 in this view")
    assert page.locator("[data-testid=field-error]").count() == 1
    select(page, "padding", 1)
    assert page.locator(f"{CARD} [data-testid=field-error]").count() == 0
    assert page.get_attribute("[data-testid=explorer-transposed] .x-stage", "data-stale") is None
    assert not page.is_visible("[data-testid=transposed-error]")
    assert args(page)["padding"] == 1 and args(page)["kernel_size"] == 2


def test_the_python_panels_script_gives_the_pages_arrays(tx, tmp_path):
    page, image = tx
    select(page, "size", 3)
    select(page, "ksize", 3)
    select(page, "outpad", 1)
    stdout = compare_script_with_page(page, CARD, image, tmp_path)
    assert "the same by sliding the flipped kernel: True" in stdout


@pytest.mark.parametrize("width", [1280, 375])
def test_the_card_fits_the_screen(tx, width):
    page, _ = tx
    page.set_viewport_size({"width": width, "height": 800 if width > 400 else 740})
    try:
        ARTIFACTS_DIR.mkdir(exist_ok=True)
        page.wait_for_timeout(150)  # the width observer redraws
        page.locator(CARD).screenshot(path=str(ARTIFACTS_DIR / f"explorer-transposed-{width}-small.png"))
        for testid, value in [("size", 6), ("ksize", 5), ("stride", 4), ("padding", 0), ("outpad", 3)]:
            select(page, testid, value)
        page.locator("[data-testid=transposed-fwd]").click()
        page.wait_for_timeout(150)  # the width observer redraws
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= width, f"the page scrolls sideways at {width} px: {wide}"
        box = page.locator(CARD).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        for canvas in ("spread", "output"):
            b = page.locator(f"[data-testid=transposed-{canvas}]").bounding_box()
            assert b["x"] + b["width"] <= box["x"] + box["width"], canvas
        page.locator(CARD).scroll_into_view_if_needed()
        page.locator(CARD).screenshot(path=str(ARTIFACTS_DIR / f"explorer-transposed-{width}.png"))
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
