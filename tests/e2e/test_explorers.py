"""End-to-end: the Explorers tab driven in headless Chromium, its numbers checked
against pycore run here in CPython on the same pixels and settings.

Each explorer records the settings it last computed with (data-args on its card) and
a render counter (data-renders); the tests drive the controls as a user would (selects,
buttons, keys, the mouse), assert that the settings changed as intended, then compare
what the page shows with pycore.page's named arrays for those settings. The test image is
an opaque PNG, decoded losslessly, so both sides start from the same bytes.
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from page_helpers import ALERT, CONV_TAB, EXPLORE_TAB, banner, rgb_image, save_png

from pycore import page as pycore_page
from tools.project import ARTIFACTS_DIR

H, W = 36, 48


# ----------------------------------------------------------------------------- helpers


def make_png(path, h=H, w=W, seed=7):
    return save_png(path, rgb_image(h, w, seed, square=6, low=30, contrast=180))


def card(xid):
    return f"[data-testid=explorer-{xid}]"


def renders(page, xid) -> int:
    return int(page.get_attribute(card(xid), "data-renders") or 0)


def wait_new(page, xid, before, timeout=20_000):
    page.wait_for_function(
        """([sel, n]) => {
            const c = document.querySelector(sel);
            return Number(c.dataset.renders || 0) > n;
        }""",
        arg=[card(xid), before], timeout=timeout)


def act(page, xid, fn):
    """Do something that recomputes an explorer and wait for its new result."""
    before = renders(page, xid)
    fn()
    wait_new(page, xid, before)


def select(page, xid, testid, value):
    act(page, xid, lambda: page.select_option(f"[data-testid={testid}]", str(value)))


def args(page, xid) -> dict:
    return json.loads(page.get_attribute(card(xid), "data-args"))


def expected(fn, a, image):
    """pycore.page's call `fn` in CPython with the page's settings (and image when it used one)."""
    out = pycore_page.call(fn, image if a.get("source") in ("image", "full") else None, a)
    return out["meta"], out["arrays"]


def target(image, a, **where):
    """The receptive field pycore computes for one pixel (layer, row, col) of the page's stack."""
    return pycore_page.call("receptive_field", image, {**a, "target": where})["meta"]["target"]


def shown(page, testid):
    return float(page.get_attribute(f"[data-testid={testid}]", "data-value"))


def table(page, testid):
    values = page.eval_on_selector_all(f"[data-testid={testid}] td", "tds => tds.map(t => t.dataset.v)")
    return np.array([float(v) for v in values])


def hover_cell(page, selector, row, col, rows, cols):
    loc = page.locator(selector)
    loc.scroll_into_view_if_needed()
    box = loc.bounding_box()
    page.mouse.move(box["x"] + (col + 0.5) * box["width"] / cols, box["y"] + (row + 0.5) * box["height"] / rows)


@pytest.fixture(scope="module")
def explore(app, tmp_path_factory):
    """The shared page on the Explorers tab with our test image loaded; back to the first tab after."""
    page = app.page
    path = tmp_path_factory.mktemp("explorers") / "explorers.png"
    rgba = make_png(path)
    before = renders(page, "sliding")
    upload(page, path)  # (defined below) waits until the image is the current one
    wait_new(page, "sliding", before)
    # every stepping explorer switched to the new image (the user had not chosen another input)
    page.wait_for_function("document.querySelector('[data-testid=explorer-rgb]').dataset.args?.includes('image')")
    image = pycore_page.prepare_image(rgba.tobytes(), H, W)
    yield page, image
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click(CONV_TAB)


# ----------------------------------------------------------------------------- tests


def test_multiply_and_sum(explore):
    page, _ = explore
    page.wait_for_function("document.querySelector('[data-testid=multiply-sum]').dataset.value === '165'")
    assert page.text_content("[data-testid=multiply-sum]").endswith("= 165")
    act(page, "multiply", lambda: page.fill("[data-testid=multiply-a-cell][data-row='0'][data-col='0']", "-2.5"))
    meta, arrays = expected("multiply_sum", args(page, "multiply"), None)
    assert meta["sum"] == pytest.approx(165 - 9 - 2.5 * 9)
    assert shown(page, "multiply-sum") == pytest.approx(meta["sum"])
    np.testing.assert_allclose(table(page, "multiply-products"), arrays["products"].ravel())
    act(page, "multiply", lambda: page.click("[data-testid=multiply-reset]"))
    assert shown(page, "multiply-sum") == 165


def check_sliding_step(page, image, i):
    a = args(page, "sliding")
    meta, arrays = expected("window_steps", a, image)
    k = meta["kernel_shape"][0] * meta["kernel_shape"][1]
    tol = {"rtol": 1e-5, "atol": 1e-6}
    np.testing.assert_allclose(table(page, "sliding-window"), arrays["windows"][i].ravel(), **tol)
    np.testing.assert_allclose(table(page, "sliding-products"), arrays["products"][i].ravel(), **tol)
    assert shown(page, "sliding-sum") == pytest.approx(float(arrays["sums"][i]), rel=1e-5, abs=1e-6)
    assert shown(page, "sliding-z") == pytest.approx(float(arrays["z"][i]), rel=1e-5, abs=1e-6)
    assert shown(page, "sliding-out") == pytest.approx(float(arrays["outputs"][i]), rel=1e-5, abs=1e-6)
    assert k == arrays["windows"].shape[1] * arrays["windows"].shape[2]
    return meta


def test_sliding_window_steps_stride_padding_and_keys(explore):
    page, image = explore
    a = args(page, "sliding")
    assert a["source"] == "image"
    select(page, "sliding", "sliding-preset", "sobel_x")
    select(page, "sliding", "sliding-stride", 2)
    select(page, "sliding", "sliding-padding", 1)
    select(page, "sliding", "sliding-mode", "reflect")
    select(page, "sliding", "sliding-activation", "relu")
    act(page, "sliding", lambda: page.fill("[data-testid=sliding-bias]", "-0.25"))
    a = args(page, "sliding")
    assert (a["stride"], a["padding"], a["padding_mode"], a["bias"]) == (2, 1, "reflect", -0.25)
    # keyboard: arrows step, the step is announced
    stage = page.locator("[data-testid=sliding-stage]")
    stage.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowRight")
    assert page.input_value("[data-testid=sliding-scrub]") == "3"
    assert page.text_content("[data-testid=sliding-live]").startswith("Position 4 of")
    meta = check_sliding_step(page, image, 3)
    ho, wo = meta["out_shape"]
    n = a["size"] + 2  # padded by 1 each side, stride 2, 3x3 kernel: count the positions
    assert (ho, wo) == (len(range(0, n - 3 + 1, 2)),) * 2
    # the scrubber reaches the last position
    page.locator("[data-testid=sliding-scrub]").fill(str(ho * wo - 1))
    check_sliding_step(page, image, ho * wo - 1)
    # space plays, space pauses; the player advanced on its own
    page.keyboard.press("Home")
    stage.focus()
    page.fill("[data-testid=sliding-speed]", "8")
    stage.focus()
    page.keyboard.press("Space")
    page.wait_for_function("Number(document.querySelector('[data-testid=sliding-scrub]').value) >= 2")
    page.keyboard.press("Space")
    assert "Paused" in page.text_content("[data-testid=sliding-live]")
    i = int(page.input_value("[data-testid=sliding-scrub]"))
    check_sliding_step(page, image, i)


def test_sliding_window_on_a_random_grid_with_dilation(explore, shot):
    page, image = explore
    select(page, "sliding", "sliding-input", "random")
    act(page, "sliding", lambda: page.fill("[data-testid=sliding-size]", "9"))
    select(page, "sliding", "sliding-dilation", 2)
    select(page, "sliding", "sliding-stride", 1)
    select(page, "sliding", "sliding-padding", "same")
    select(page, "sliding", "sliding-mode", "circular")
    a = args(page, "sliding")
    assert (a["source"], a["size"], a["dilation"], a["padding"]) == ("random", 9, 2, "same")
    page.click("[data-testid=sliding-fwd]")
    page.click("[data-testid=sliding-fwd]")
    i = int(page.input_value("[data-testid=sliding-scrub]"))
    meta = check_sliding_step(page, image, i)
    assert meta["out_shape"] == [9, 9]
    assert "= 9" in page.text_content("[data-testid=sliding-formula]")
    page.locator(card("sliding")).screenshot(path=str(ARTIFACTS_DIR / "explorers-sliding.png"))
    # back to the image for the others
    select(page, "sliding", "sliding-input", "image")


def test_pooling_leftovers_overlap_and_values(explore):
    page, image = explore
    select(page, "pooling", "pooling-input", "random")
    act(page, "pooling", lambda: page.fill("[data-testid=pooling-size]", "11"))
    a = args(page, "pooling")
    assert (a["window"], a["stride"], a["ceil_mode"]) == (2, 2, False)
    notes = page.text_content("[data-testid=pooling-notes]")
    assert "dropped" in notes and "1 row and 1 column" in notes
    meta, arrays = expected("pool_steps", a, image)
    assert meta["dropped_rows"] == 1 and meta["out_shape"] == [5, 5]
    act(page, "pooling", lambda: page.check("[data-testid=pooling-ceil]"))
    notes = page.text_content("[data-testid=pooling-notes]")
    assert "partial window" in notes
    a = args(page, "pooling")
    meta, arrays = expected("pool_steps", a, image)
    assert meta["out_shape"] == [6, 6] and meta["partial_windows"] == 11
    page.click("[data-testid=pooling-last]")
    assert shown(page, "pooling-value") == pytest.approx(float(arrays["values"][-1]), rel=1e-6)
    got = table(page, "pooling-window-values")
    assert np.isnan(got).sum() == 3  # the corner window holds one real cell
    # overlap: stride 1 < window 3, average
    select(page, "pooling", "pooling-window", 3)
    select(page, "pooling", "pooling-stride", 1)
    select(page, "pooling", "pooling-type", "avg")
    assert "smaller than the 3×3 window" in page.text_content("[data-testid=pooling-notes]")
    a = args(page, "pooling")
    meta, arrays = expected("pool_steps", a, image)
    page.locator("[data-testid=pooling-stage]").focus()
    page.keyboard.press("ArrowRight")
    assert shown(page, "pooling-value") == pytest.approx(float(arrays["values"][1]), rel=1e-6)
    np.testing.assert_allclose(table(page, "pooling-window-values"), arrays["windows"][1].ravel(), rtol=1e-6)
    assert meta["agrees_with_ops"]


def test_padding_modes_and_the_same_rule(explore):
    page, image = explore
    a = args(page, "padding")
    assert a["source"] == "image" and a["channel"] == "rgb"
    modes = page.eval_on_selector_all("canvas[data-testid=padding-canvas]", "cs => cs.map(c => c.dataset.mode)")
    assert modes == ["zeros", "reflect", "replicate", "circular"]
    select(page, "padding", "padding-kernel", 7)
    meta, _ = expected("padded_view", args(page, "padding"), image)
    rule = page.text_content("[data-testid=padding-rule]")
    assert "p = (7 − 1) / 2 = 3" in rule
    assert meta["same"]["rows"]["formula"] in page.text_content("[data-testid=padding-same]")
    assert meta["current"]["rows"]["formula"] in page.text_content("[data-testid=padding-current]")
    act(page, "padding", lambda: page.click("[data-testid=padding-use-same]"))
    a = args(page, "padding")
    assert a["padding"] == 3
    assert "the same size as the input" in page.text_content("[data-testid=padding-current]")
    select(page, "padding", "padding-kernel", 4)
    assert "1 before (top, left) and 2 after" in page.text_content("[data-testid=padding-rule]")
    # reflect cannot pad 8 around an 8x8 digit: said, not drawn
    select(page, "padding", "padding-input", "digit")
    select(page, "padding", "padding-padding", 8)
    assert "not possible" in page.text_content("[data-testid=padding-figure][data-mode=reflect]")
    assert page.locator("canvas[data-testid=padding-canvas]").count() == 3
    select(page, "padding", "padding-input", "image")


def test_receptive_field_hover_and_keys(explore):
    page, image = explore
    a = args(page, "receptive")
    # the page sends its stack in network spec format
    assert a["layers"][:2] == [{"type": "conv2d", "kernel_size": 3, "stride": 1, "padding": 1, "dilation": 1},
                               {"type": "maxpool", "kernel_size": 2, "stride": 2, "padding": 0}]
    meta, arrays = expected("receptive_field", a, image)
    page.locator(card("receptive")).scroll_into_view_if_needed()
    maps = page.locator("[data-testid=receptive-maps]")
    builds = maps.get_attribute("data-builds")
    # a pixel of the deepest layer (after two pools)
    L = meta["layers"][3]
    hover_cell(page, "canvas[data-testid=receptive-map][data-layer='3']", 1, 2, *L["shape"])
    region = page.locator("[data-testid=receptive-region]")
    want = target(image, a, layer=3, row=1, col=2)
    assert region.get_attribute("data-region") == ",".join(map(str, want["region"]))
    assert page.text_content("[data-testid=receptive-rsize]") == f"{want['size'][0]}×{want['size'][1]} pixels"
    assert want["full_size"] == [10, 10]
    # a first-layer pixel: the window values and the sum
    L0 = meta["layers"][0]
    hover_cell(page, "canvas[data-testid=receptive-map][data-layer='0']", 0, 5, *L0["shape"])
    t = target(image, a, layer=0, row=0, col=5)
    assert region.get_attribute("data-region") == ",".join(map(str, t["region"]))
    assert t["size"] == [2, 3]  # the top row's window hangs into the zero padding
    assert shown(page, "receptive-sum") == pytest.approx(t["sum"], rel=1e-5, abs=1e-6)
    first = meta["first"]
    i = 0 * L0["shape"][1] + 5
    np.testing.assert_allclose(table(page, "receptive-window"), arrays[first["windows"]][i].ravel(), rtol=1e-6)
    # hovering changed the readout's height, not the stage's width: the maps were redrawn, not
    # rebuilt (a rebuild replaces the canvases under the pointer), also after the resize delay
    assert page.is_visible("[data-testid=receptive-first]")
    page.wait_for_timeout(300)
    assert maps.get_attribute("data-builds") == builds
    # keyboard: focus a map, arrows move the pixel
    page.focus("canvas[data-testid=receptive-map][data-layer='1']")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowLeft")
    L1 = meta["layers"][1]
    r, c = L1["shape"][0] // 2 - 1, L1["shape"][1] // 2 - 1
    t = target(image, a, layer=1, row=r, col=c)
    assert region.get_attribute("data-region") == ",".join(map(str, t["region"]))
    # changing the stack: stride 2 on the first conv
    first_stride = page.locator("[data-testid=receptive-layer]").first.locator("[data-testid=receptive-s]")
    act(page, "receptive", lambda: first_stride.fill("2"))
    a2 = args(page, "receptive")
    assert a2["layers"][0]["stride"] == 2
    meta2, _ = expected("receptive_field", a2, image)
    shapes = page.eval_on_selector_all("canvas[data-testid=receptive-map]", "cs => cs.map(c => c.dataset.shape)")
    assert shapes == [",".join(map(str, L["shape"])) for L in meta2["layers"]]


def test_receptive_field_on_the_convolution_panel(explore):
    page, image = explore
    page.click(CONV_TAB)
    try:
        page.wait_for_selector("canvas[data-testid=fmap]")
        fmap = page.locator("canvas[data-testid=fmap]").first
        h, w = map(int, fmap.get_attribute("data-shape").split(","))
        hover_cell(page, "canvas[data-testid=fmap] >> nth=0", 3, 4, h, w)
        readout = page.locator("[data-testid=rf-conv-readout]")
        readout.wait_for(state="visible")
        page.wait_for_function("document.querySelector('[data-testid=rf-conv-readout]').dataset.region")
        # the panel's settings as its controls show them
        k = [int(page.input_value("[data-testid=kernel] >> nth=0 >> [data-testid=kernel-rows]")),
             int(page.input_value("[data-testid=kernel] >> nth=0 >> [data-testid=kernel-cols]"))]
        cells = page.eval_on_selector_all("[data-testid=kernel] >> nth=0 >> [data-testid=kernel-cell]",
                                          "cs => cs.map(c => c.value)")
        from fractions import Fraction
        values = [float(Fraction(v)) for v in cells]
        layers = [{"type": "conv2d", "kernel_size": k, "stride": int(page.input_value("[data-testid=stride]")),
                   "dilation": int(page.input_value("[data-testid=dilation]")),
                   "padding": int(page.input_value("[data-testid=padding]"))}]
        a = {"source": "full", "channel": page.input_value("[data-testid=channel]"), "maps": False, "layers": layers}
        want = target(image, a, layer=0, row=3, col=4, kernel={"rows": k[0], "cols": k[1], "values": values})
        assert readout.get_attribute("data-region") == ",".join(map(str, want["region"]))
        assert float(readout.get_attribute("data-sum")) == pytest.approx(want["sum"], rel=1e-5, abs=1e-6)
        assert page.locator("[data-testid=rf-conv-overlay]").is_visible()
        # a pooled pixel sees more
        pooled = page.locator("canvas[data-testid=pooled]").first
        ph, pw = map(int, pooled.get_attribute("data-shape").split(","))
        hover_cell(page, "canvas[data-testid=pooled] >> nth=0", 1, 1, ph, pw)
        page.wait_for_function("document.querySelector('[data-testid=rf-conv-readout]').textContent.startsWith('Pooled')")
        size = readout.get_attribute("data-size")
        assert [int(v) for v in size.split(",")] == [k[0] + 1, k[1] + 1]  # 2x2 max pool of a k×k conv, stride 1
    finally:
        page.mouse.move(0, 0)
        page.click(EXPLORE_TAB)


def test_flip_switch(explore):
    page, image = explore
    a = args(page, "flip")
    meta, arrays = expected("flip_compare", a, image)
    assert a["kernel"]["preset"] == "sobel_x" and not meta["symmetric"]
    assert page.get_attribute("canvas[data-testid=flip-output]", "data-which") == "cross-correlation"
    page.click("[data-testid=flip-switch]")
    assert page.get_attribute("[data-testid=flip-switch]", "aria-checked") == "true"
    assert page.get_attribute("canvas[data-testid=flip-output]", "data-which") == "convolution"
    np.testing.assert_allclose(table(page, "flip-flipped"), arrays["flipped"].ravel())
    verdict = page.locator("[data-testid=flip-verdict]")
    assert float(verdict.get_attribute("data-max-change")) == pytest.approx(meta["max_change"], rel=1e-5)
    assert f"changes {meta['changed_pixels']} of" in verdict.text_content()
    select(page, "flip", "flip-preset", "blur")
    assert verdict.get_attribute("data-symmetric") == "true"
    assert float(verdict.get_attribute("data-max-change")) == 0
    assert "does not change" in verdict.text_content()
    page.click("[data-testid=flip-switch]")


def test_rgb_filter_partial_sums(explore):
    page, image = explore
    act(page, "rgb", lambda: page.click("[data-testid=rgb-demo]"))
    a = args(page, "rgb")
    assert a["kernel"] == {"preset": "notebook", "size": 3, "seed": 0}
    assert a["padding"] == "same" and a["channel"] == "rgb"
    # the demo takes the image as a whole (zoomed out as far as the grid allows)
    meta, arrays = expected("rgb_filter", a, image)
    for c, ch in enumerate(("red", "green", "blue")):
        assert shown(page, f"rgb-partial-{ch}") == pytest.approx(meta["at"]["partials"][c], rel=1e-5, abs=1e-6)
        np.testing.assert_allclose(table(page, f"rgb-w-{ch}"), arrays["filter"][c].ravel(), rtol=1e-6)
    total = page.locator("[data-testid=rgb-total]")
    assert float(total.get_attribute("data-z")) == pytest.approx(meta["at"]["z"], rel=1e-5, abs=1e-6)
    # choose another position with a click on the output, then move it with the keys
    ho, wo = meta["out_shape"]
    def click_corner():
        hover_cell(page, "canvas[data-testid=rgb-output]", 0, 0, ho, wo)
        page.mouse.down()
        page.mouse.up()

    act(page, "rgb", click_corner)
    assert args(page, "rgb")["position"] == {"row": 0, "col": 0}
    page.focus("canvas[data-testid=rgb-output]")
    act(page, "rgb", lambda: page.keyboard.press("ArrowRight"))
    a = args(page, "rgb")
    assert a["position"] == {"row": 0, "col": 1}
    meta, arrays = expected("rgb_filter", a, image)
    np.testing.assert_allclose(table(page, "rgb-win-green"), arrays["windows"][1].ravel(), rtol=1e-6)
    assert float(total.get_attribute("data-z")) == pytest.approx(meta["at"]["z"], rel=1e-5, abs=1e-6)
    assert meta["at"]["z"] == pytest.approx(sum(meta["at"]["partials"]) + meta["bias"])


def test_parameter_counts(explore):
    page, _ = explore
    out = page.locator("[data-testid=params-out]")
    # the user's image size was taken over when it loaded
    assert int(out.get_attribute("data-fc")) == H * W * 3
    act(page, "params", lambda: page.click("[data-testid=params-notebook]"))
    assert (out.get_attribute("data-fc"), out.get_attribute("data-conv")) == ("10000", "500")
    assert "10,000" in out.text_content() and "500" in out.text_content()
    act(page, "params", lambda: page.click("[data-testid=params-mine]"))
    meta, _ = expected("param_counts", args(page, "params"), None)
    assert int(out.get_attribute("data-fc")) == meta["fc"]["weights"] == H * W * 3
    assert int(out.get_attribute("data-conv")) == meta["conv"]["weights"] == 5 * 5 * 3 * 20


def test_phone_width_has_no_horizontal_scroll(explore, shot):
    page, _ = explore
    page.set_viewport_size({"width": 375, "height": 800})
    try:
        page.wait_for_timeout(300)  # explorers redraw on resize
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.locator(card("sliding")).screenshot(path=str(ARTIFACTS_DIR / "explorers-sliding-375.png"))
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


def test_benchmark_hook_reports_steps_per_second(explore):
    page, _ = explore
    r = page.evaluate("window.cnnExplorers.benchSlidingWindow({steps: 200})")
    assert r["input"] == [32, 32] and r["positions"] == 1024 and r["steps"] == 200
    assert r["stepsPerSecond"] > 0
    print(f"sliding window: {r['stepsPerSecond']:.0f} steps/s (sync, max step {r['maxStepMs']:.1f} ms)")
    assert page.get_attribute("[data-testid=sliding-arith]", "hidden") is None


# ----------------------------------------------------------------------------- failures and messages

def failed(page, xid, timeout=20_000):
    """Wait until the explorer's computation failed; its message: at the top of the explorer, or,
    for a bad setting, beside its control (then the top one is hidden)."""
    page.wait_for_function("(s) => document.querySelector(s).dataset.failed === 'true'", arg=card(xid), timeout=timeout)
    beside = page.locator(f"{card(xid)} .field-error")
    if beside.count():
        assert not page.is_visible(f"{card(xid)} .x-error")
        return beside.first.inner_text()
    return page.inner_text(f"{card(xid)} .x-error")


def stale(page, xid) -> bool:
    if not page.locator(f"{card(xid)} [data-stale]").count():
        return False
    return page.get_attribute(f"{card(xid)} [data-stale]", "data-stale") == "true"


def test_a_failed_computation_marks_the_old_output_out_of_date(explore, shot):
    page, _ = explore
    page.set_viewport_size({"width": 1280, "height": 900})
    select(page, "sliding", "sliding-input", "random")
    act(page, "sliding", lambda: page.fill("[data-testid=sliding-size]", "2"))
    select(page, "sliding", "sliding-padding", 1)
    select(page, "sliding", "sliding-stride", 4)
    select(page, "sliding", "sliding-dilation", 1)
    select(page, "sliding", "sliding-preset", "edge")
    assert "dilation 1" in page.text_content("[data-testid=sliding-formula]")
    assert not stale(page, "sliding")
    page.select_option("[data-testid=sliding-dilation]", "3")
    msg = failed(page, "sliding")
    # one consistent pair of sizes: the padded input and what it was padded from
    assert "spans 7×7 cells" in msg and "4×4 padded input (2×2 plus 1 cell of padding on each side)" in msg
    # a problem of the explorer's settings is shown in the explorer only: the banner is for page-wide ones
    assert not (banner(page) or "").startswith("Sliding window")
    # the old result is marked, and nothing on screen describes the old settings
    assert stale(page, "sliding")
    note = page.locator("[data-testid=sliding-stale]")
    assert note.is_visible() and note.inner_text().startswith("Not updated: see the message above")
    for testid in ("sliding-formula", "sliding-check", "sliding-step", "sliding-arith"):
        assert not page.is_visible(f"[data-testid={testid}]"), testid
    # out of the a11y tree
    assert page.evaluate("document.querySelector('[data-testid=sliding-output]').closest('[inert]') !== null")
    page.locator(card("sliding")).scroll_into_view_if_needed()
    page.locator(card("sliding")).screenshot(path=str(ARTIFACTS_DIR / "explorers-stale-1280.png"))
    page.set_viewport_size({"width": 375, "height": 800})
    try:
        page.wait_for_timeout(200)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.locator(card("sliding")).screenshot(path=str(ARTIFACTS_DIR / "explorers-stale-375.png"))
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
    # an emptied grid size is called empty, not "nan", beside the grid size
    page.fill("[data-testid=sliding-size]", "")
    page.wait_for_function("""() => {
        const m = document.querySelector('[data-testid=explorer-sliding] .field-error');
        return m && m.textContent.startsWith('Grid size is empty');
    }""")
    size_error = page.get_attribute("[data-testid=sliding-size]", "aria-describedby")
    assert page.get_attribute("[data-testid=sliding-size]", "aria-invalid") == "true"
    assert "nan" not in page.inner_text(f"[id='{size_error}']")
    assert page.inner_text("[data-testid=sliding-stale]").startswith("Not updated: see the message at “Grid size”")
    # the next success puts everything back, and the formula matches the control
    act(page, "sliding", lambda: (page.fill("[data-testid=sliding-size]", "9"),
                                  page.select_option("[data-testid=sliding-dilation]", "2")))
    assert not stale(page, "sliding") and not page.is_visible("[data-testid=sliding-stale]")
    assert not page.is_visible("[data-testid=sliding-error]")
    assert "dilation 2" in page.text_content("[data-testid=sliding-formula]")
    assert page.is_visible("[data-testid=sliding-check]") and not (banner(page) or "").startswith("Sliding window")
    # the same helper in another explorer: multiply and sum keeps its matrices editable
    page.fill("[data-testid=multiply-a-cell][data-row='0'][data-col='0']", "abc")
    failed(page, "multiply")
    assert not page.is_visible("[data-testid=multiply-sum]") and page.is_visible("[data-testid=multiply-stale]")
    assert page.is_editable("[data-testid=multiply-a-cell][data-row='0'][data-col='0']")
    act(page, "multiply", lambda: page.click("[data-testid=multiply-reset]"))
    assert page.is_visible("[data-testid=multiply-sum]") and not page.is_visible("[data-testid=multiply-stale]")


def test_select_options_fit_their_fields(explore):
    """No option text is cut off (e.g. the activation's) at 1280 or 375 px."""
    page, _ = explore
    measure = """() => {
        const probe = document.createElement('span');
        probe.style.cssText = 'position:absolute;visibility:hidden;white-space:pre';
        document.body.append(probe);
        const bad = [];
        for (const s of document.querySelectorAll('[data-testid=explorers-root] select')) {
            if (!s.offsetParent) continue;  // hidden controls
            const cs = getComputedStyle(s);
            probe.style.font = cs.font;
            // room for the text: the inner width less the padding and the drop-down arrow (~20 px)
            const room = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 20;
            for (const o of s.options) {
                probe.textContent = o.text;
                const need = probe.getBoundingClientRect().width;
                const name = s.dataset.testid || s.getAttribute('aria-label');
                if (need > room) bad.push(`${name}: "${o.text}" (${Math.round(need)} > ${Math.round(room)} px)`);
            }
        }
        probe.remove();
        return bad;
    }"""
    try:
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(150)
            bad = page.evaluate(measure)
            assert not bad, f"{width} px: " + "; ".join(bad)
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


def tiny_png(path, w, h):
    save_png(path, (np.arange(h * w * 3).reshape(h, w, 3) * 37 % 256).astype(np.uint8))


def upload(page, path):
    """Load `path` as the page's image and wait until it is the current one (in the worker and on screen)."""
    page.click(CONV_TAB)
    before = int(page.get_attribute("canvas[data-testid=input-image]", "data-image") or 0)
    page.set_input_files("input[type=file][data-testid=upload]", str(path))
    page.wait_for_function("""(n) => Number(document.querySelector('canvas[data-testid=input-image]').dataset.image) > n
        && document.querySelector('[data-testid=status]').dataset.state === 'ready'""", arg=before)
    page.click(EXPLORE_TAB)


def test_tiny_images_errors_stay_in_their_explorer_and_the_banner_names_it(explore, tmp_path, shot):
    page, _ = explore
    try:
        # the default stack: conv, pool, conv, pool
        act(page, "receptive", lambda: page.click("[data-testid=receptive-reset]"))
        tiny_png(tmp_path / "three-by-two.png", 3, 2)
        before = renders(page, "flip")
        upload(page, tmp_path / "three-by-two.png")
        for _xid, testid in [("sliding", "sliding-input"), ("pooling", "pooling-input"), ("padding", "padding-input"),
                            ("receptive", "receptive-input"), ("flip", "flip-input"), ("rgb", "rgb-input")]:
            page.select_option(f"[data-testid={testid}]", "image")
        wait_new(page, "flip", before)
        page.wait_for_function("document.querySelector('[data-testid=explorer-rgb]').dataset.args?.includes('\"size\":2')")
        msg = failed(page, "receptive")
        assert msg.startswith("Layer 4 (maxpool): the 2×2 pooling window does not fit in the 1×1 map from layer 3")
        # beside layer 4's size field, not on the banner; the explorers that work show none
        size4 = page.locator("[data-testid=receptive-layer]").nth(3).locator("[data-testid=receptive-k]")
        assert size4.get_attribute("aria-invalid") == "true"
        assert page.inner_text(f"[id='{size4.get_attribute('aria-describedby')}']") == msg
        assert "Receptive field" not in (page.inner_text(ALERT) if page.is_visible(ALERT) else "")
        for xid in ("flip", "rgb"):
            assert page.get_attribute(card(xid), "data-failed") is None and not stale(page, xid)
            assert not page.is_visible(f"{card(xid)} .x-error")
        assert stale(page, "receptive")
        # the crop caption says which size is the width
        assert "Your image: 3×2 pixels (width × height)" in page.inner_text("[data-testid=flip-crop-text]")
        page.locator(card("receptive")).screenshot(path=str(ARTIFACTS_DIR / "explorers-stale-receptive.png"))
        shot(page, "explorers-named-banner")
        # neither on another tab nor back on this one does the banner show it
        page.click(CONV_TAB)
        assert "Receptive field" not in (banner(page) or "")
        page.click(EXPLORE_TAB)
        page.wait_for_timeout(100)
        assert "Receptive field" not in (banner(page) or "")
        # it recovers: the message goes from the explorer
        act(page, "receptive", lambda: page.select_option("[data-testid=receptive-input]", "digit"))
        assert not page.is_visible("[data-testid=receptive-error]") and not stale(page, "receptive")
        assert page.locator(f"{card('receptive')} .field-error").count() == 0
        assert page.locator(f"{card('receptive')} [aria-invalid=true]").count() == 0
        assert "Receptive field" not in (banner(page) or "")
        # a 1×1 image: too small for any crop; the old grid and position are not left as if current
        tiny_png(tmp_path / "one.png", 1, 1)
        upload(page, tmp_path / "one.png")
        page.select_option("[data-testid=sliding-input]", "image")
        msg = failed(page, "sliding")
        assert "1×1 pixels (width × height)" in msg and "too small for a crop" in msg
        assert "a random grid or a digit" in msg
        assert "zoom" not in msg and "smaller grid" not in msg
        assert not page.is_visible("[data-testid=sliding-step]") and page.is_visible("[data-testid=sliding-stale]")
        assert "a 2×2-pixel crop does not fit" in page.inner_text("[data-testid=sliding-crop-text]")
        assert page.get_attribute("[data-testid=sliding-size]", "aria-invalid") == "true"  # beside the grid size
        assert not (banner(page) or "").startswith("Sliding window")
    finally:
        # back to the module's test image and the explorers' inputs on it
        path = tmp_path / "restore.png"
        make_png(path)
        upload(page, path)
        for testid in ("sliding-input", "pooling-input", "padding-input", "receptive-input", "flip-input", "rgb-input"):
            page.select_option(f"[data-testid={testid}]", "image")
        page.wait_for_function("document.querySelectorAll('[data-testid=explorers-root] [data-failed]').length === 0")
