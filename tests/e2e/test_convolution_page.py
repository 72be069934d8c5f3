"""End-to-end: the convolution and pooling panel on a real page in headless Chromium.

The page's numbers are checked against pycore run here, in CPython, on the same pixels:
the browser decodes an opaque PNG losslessly, so both sides start from identical bytes.
Expected output sizes are computed in this file from the definition (counting window
positions), not with pycore's own formula.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from page_helpers import (
    ALERT,
    CONV_TAB,
    banner,
    expected_maps,
    fmaps,
    gray_levels,
    kernel_param,
    make_png,
    positions,
    renders,
    reset,
    set_control,
    upload,
    wait_render,
)


@pytest.fixture
def page(app):
    reset(app.page)
    yield app.page
    reset(app.page)


# ----------------------------------------------------------------------------- tests


def test_default_setup_is_the_notebooks(page, tmp_path, shot):
    path, rgba = make_png(tmp_path)
    upload(page, path)
    # Grayscale; edge, sharpen, blur in that order; ReLU; stride 1; no padding.
    assert page.input_value("[data-testid=channel]") == "gray"
    assert page.input_value("[data-testid=activation]") == "relu"
    assert page.input_value("[data-testid=stride]") == "1"
    assert page.input_value("[data-testid=padding]") == "0"
    assert page.input_value("[data-testid=padding-kind]") == "number"
    maps = fmaps(page)
    assert [m["label"] for m in maps] == ["edge", "sharpen", "blur"]
    for m in maps:
        assert (m["height"], m["width"]) == (28, 38)
    assert page.locator("canvas[data-testid=input-image]").evaluate("c => [c.width, c.height]") == [40, 30]
    caption = page.text_content("[data-testid=image-caption]")
    assert "40×30" in caption
    shot(page, "convolution-default")


def test_feature_map_pixels_match_pycore_in_cpython(page, tmp_path):
    path, rgba = make_png(tmp_path, seed=1)
    upload(page, path)
    meta, arrays = expected_maps(rgba, {
        "channel": "gray", "kernels": [kernel_param(n) for n in ("edge", "sharpen", "blur")],
        "stride": 1, "padding": 0, "activation": "relu", "pool": {"type": "max", "kernel_size": 2},
    })
    got = fmaps(page)
    assert len(got) == 3
    for m, g in zip(meta["maps"], got):
        a = arrays[m["array"]]
        assert (g["height"], g["width"]) == a.shape
        assert g["vmin"] == pytest.approx(m["vmin"], rel=1e-5, abs=1e-6)
        assert g["vmax"] == pytest.approx(m["vmax"], rel=1e-5, abs=1e-6)
        want = gray_levels(a, m["vmin"], m["vmax"]).ravel()
        diff = np.abs(np.asarray(g["gray"]) - want)
        assert diff.max() <= 1, f"{g['label']}: {int((diff > 1).sum())} pixels differ by more than one level"
    pooled = fmaps(page, "pooled")
    for m, g in zip(meta["pooled"], pooled):
        a = arrays[m["array"]]
        assert (g["height"], g["width"]) == a.shape == (14, 19)
        want = gray_levels(a, m["vmin"], m["vmax"]).ravel()
        assert np.abs(np.asarray(g["gray"]) - want).max() <= 1


def test_custom_kernel_typed_in(page, tmp_path):
    path, rgba = make_png(tmp_path, seed=2)
    upload(page, path)
    page.select_option("[data-testid=add-kernel-select]", "__custom__")
    before = renders(page)
    page.click("[data-testid=add-kernel]")
    wait_render(page, before)
    editor = page.locator("[data-testid=kernel]").last
    values = ["1", "0", "-1", "2", "0", "-2", "1/2", "0", "-0.5"]
    for cell, text in zip(editor.locator("[data-testid=kernel-cell]").all(), values):
        before = renders(page)
        cell.fill(text)
        wait_render(page, before)
    got = fmaps(page)
    assert [m["label"] for m in got] == ["edge", "sharpen", "blur", "custom 1"]
    k = {"name": "custom 1", "rows": 3, "cols": 3,
         "values": np.array([1, 0, -1, 2, 0, -2, 0.5, 0, -0.5])}
    meta, arrays = expected_maps(rgba, {"channel": "gray", "kernels": [k], "activation": "relu"})
    m = meta["maps"][0]
    a = arrays[m["array"]]
    g = got[3]
    assert g["vmax"] == pytest.approx(m["vmax"], rel=1e-5, abs=1e-6)
    assert np.abs(np.asarray(g["gray"]) - gray_levels(a, m["vmin"], m["vmax"]).ravel()).max() <= 1


@pytest.mark.parametrize(
    "stride,padding,dilation,pool_k,pool_s,ceil",
    [(2, 0, 1, 2, 2, False), (3, 1, 1, 3, 2, False), (1, 2, 2, 3, 3, True), (2, 0, 1, 2, 1, False)],
)
def test_stride_padding_pooling_shapes_follow_the_formula(page, tmp_path, stride, padding, dilation, pool_k, pool_s,
                                                          ceil):
    h, w = 31, 45
    path, _ = make_png(tmp_path, h=h, w=w, seed=3)
    upload(page, path)
    set_control(page, "stride", str(stride))
    set_control(page, "padding", str(padding))
    set_control(page, "dilation", str(dilation))
    set_control(page, "pool-size", str(pool_k))
    set_control(page, "pool-stride", str(pool_s))
    if ceil:
        before = renders(page)
        page.check("[data-testid=pool-ceil]")
        wait_render(page, before)
    ho, wo = positions(h, 3, stride, padding, dilation), positions(w, 3, stride, padding, dilation)
    for m in fmaps(page):
        assert (m["height"], m["width"]) == (ho, wo)
    if ceil:
        # ceil mode: one more window when a partial one starts inside the map.
        ph = math.ceil((ho - pool_k) / pool_s) + 1
        pw = math.ceil((wo - pool_k) / pool_s) + 1
        ph -= (ph - 1) * pool_s >= ho
        pw -= (pw - 1) * pool_s >= wo
    else:
        ph, pw = positions(ho, pool_k, pool_s, 0), positions(wo, pool_k, pool_s, 0)
    for m in fmaps(page, "pooled"):
        assert (m["height"], m["width"]) == (ph, pw)
    # The formula is shown with its numbers and its result.
    text = page.text_content("[data-testid=conv-formula]")
    assert f"{ho}×{wo}" in text and f"= {ho}" in text
    dropped_rows = (h + 2 * padding - (dilation * 2 + 1)) % stride
    if dropped_rows:
        assert "dropped" in text


def test_same_padding_keeps_the_size(page, tmp_path):
    path, _ = make_png(tmp_path, h=25, w=33, seed=4)
    upload(page, path)
    set_control(page, "padding-kind", "same")
    for m in fmaps(page):
        assert (m["height"], m["width"]) == (25, 33)
    set_control(page, "padding-mode", "reflect")
    for m in fmaps(page):
        assert (m["height"], m["width"]) == (25, 33)


def test_invalid_kernel_cell_is_marked_and_the_page_recovers(page, tmp_path, shot):
    path, _ = make_png(tmp_path, seed=5)
    upload(page, path)
    cell = page.locator("[data-testid=kernel]").first.locator("[data-testid=kernel-cell]").nth(4)
    cell.fill("abc")
    # the message is beside the filter it is about (no longer on the page's banner)
    alert = page.locator("[data-testid=kernel] [data-testid=field-error]").first
    alert.wait_for(state="visible")
    text = alert.text_content()
    assert "row 2, column 2" in text and "abc" in text
    assert banner(page) is None
    assert cell.get_attribute("aria-invalid") == "true"
    # The maps on screen are the last good ones, and the page says so.
    assert page.locator("[data-testid=stale-note]").is_visible()
    assert page.get_attribute("[data-testid=maps]", "data-stale") == "true"
    shot(page, "convolution-invalid-cell")
    before = renders(page)
    cell.fill("0")
    wait_render(page, before)
    assert alert.is_hidden()
    assert cell.get_attribute("aria-invalid") == "false"
    assert len(fmaps(page)) == 3
    assert page.locator("[data-testid=stale-note]").is_hidden()
    assert page.get_attribute("[data-testid=maps]", "data-stale") == "false"


def stride_message(page):
    """The shown message beside the stride control (None when there is none or it is hidden)."""
    return page.evaluate("""() => { const c = document.querySelector('#convolution [data-testid=stride]');
        const box = document.getElementById(c.getAttribute('aria-describedby') || '');
        return box && box.offsetParent ? box.textContent : null; }""")


def test_a_views_message_shows_only_on_its_own_tab(page, tmp_path):
    """A problem with the Convolution tab's settings is that tab's: it is not shown over the
    Build or Train tab, comes back with its tab while the cause stays, and goes with it.
    It sits beside the stride control, never on the page-wide banner."""
    path, _ = make_png(tmp_path, h=8, w=8, seed=6)
    upload(page, path)
    page.fill("[data-testid=stride]", "0")
    page.wait_for_function("() => document.querySelector('#convolution [data-testid=stride]')"
                        ".getAttribute('aria-invalid') === 'true'")
    message = stride_message(page)
    assert "stride" in message.lower()
    assert banner(page) is None
    for tab in ("build", "train"):
        page.click(f"[data-testid=tab-{tab}]")
        assert banner(page) is None and stride_message(page) is None, \
            f"the Convolution tab's message shows on the {tab} tab"
    page.click(CONV_TAB)
    assert stride_message(page) == message
    set_control(page, "stride", "1")
    assert stride_message(page) is None and banner(page) is None
    page.click("[data-testid=tab-build]")
    assert banner(page) is None
    page.click(CONV_TAB)


def test_impossible_parameters_get_a_message_and_the_page_recovers(page, tmp_path):
    path, _ = make_png(tmp_path, h=8, w=8, seed=6)
    upload(page, path)
    page.fill("[data-testid=stride]", "0")
    page.wait_for_function("() => document.querySelector('#convolution [data-testid=stride]')"
                        ".getAttribute('aria-invalid') === 'true'")
    assert "stride" in stride_message(page).lower()
    set_control(page, "stride", "1")
    assert stride_message(page) is None
    # A dilated kernel larger than the padded input: 3x3 at dilation 5 spans 11 > 8. Its
    # message (tied to no one control, or to dilation) is on the Convolution tab.
    page.fill("[data-testid=dilation]", "5")
    shown = "#convolution [data-testid=field-error]:visible, #convolution [data-testid=maps-error]:visible"
    alert = page.locator(shown).first
    alert.wait_for(state="visible")
    assert "larger" in alert.text_content().lower() or "padded input" in alert.text_content().lower()
    set_control(page, "dilation", "1")
    assert page.locator(shown).count() == 0
    assert [m["height"] for m in fmaps(page)] == [6, 6, 6]


def test_non_image_and_corrupt_files_show_an_error_and_the_page_recovers(page, tmp_path, shot):
    good, _ = make_png(tmp_path, seed=7)
    upload(page, good)
    alert = page.locator(ALERT)
    text_file = tmp_path / "notes.txt"
    text_file.write_text("this is not an image")
    page.set_input_files("input[type=file][data-testid=upload]", str(text_file))
    alert.wait_for(state="visible")
    assert "notes.txt" in alert.text_content() and "not an image" in alert.text_content()
    corrupt = tmp_path / "broken.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    page.set_input_files("input[type=file][data-testid=upload]", str(corrupt))
    page.wait_for_function("() => document.querySelector('[data-testid=error]').textContent.includes('broken.png')")
    # the message is pycore's header check: it names the file and the problem
    assert '"broken.png" is damaged: its PNG header is cut short or damaged' in alert.text_content()
    shot(page, "convolution-bad-file")
    # The previous image and its maps are still there, and a good file works again.
    assert len(fmaps(page)) == 3
    other, _ = make_png(tmp_path, h=20, w=24, seed=8, name="other.png")
    upload(page, other)
    assert alert.is_hidden()
    assert (fmaps(page)[0]["height"], fmaps(page)[0]["width"]) == (18, 22)


def test_sample_image_and_colour_modes(page, shot):
    before = renders(page)
    page.click("[data-testid=sample]")
    wait_render(page, before)
    maps = fmaps(page)
    assert [m["label"] for m in maps] == ["edge", "sharpen", "blur"]
    assert maps[0]["width"] > 100
    shot(page, "convolution-sample")
    for mode in ("diverging", "abs", "gray"):
        before = renders(page)
        page.check(f"[data-testid=color-{mode}]")
        wait_render(page, before)
    set_control(page, "activation", "none")
    page.check("[data-testid=color-diverging]")
    shot(page, "convolution-diverging")
    page.check("[data-testid=color-gray]")


def test_narrow_screen_layout(app, browser, server, shot, tmp_path):
    """375 px wide: no horizontal scrolling, controls reachable."""
    context = browser.new_context(viewport={"width": 375, "height": 812}, device_scale_factor=2)
    try:
        p = context.new_page()
        p.goto(server + "/")
        p.wait_for_selector("[data-testid=status][data-state=ready]", timeout=60_000)
        p.click("[data-testid=sample]")
        p.wait_for_selector("canvas[data-testid=fmap]", timeout=30_000)
        width = p.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 375, f"page is {width}px wide on a 375px screen"
        shot(p, "convolution-375px")
    finally:
        context.close()


def test_rapid_edits_draw_only_the_latest_result(page, tmp_path):
    """Ten edits 5 ms apart on a 384x384 image: each computation takes longer than
    that, so most are superseded; what is drawn at the end is the last edit's result."""
    path, rgba = make_png(tmp_path, h=384, w=384, seed=9)
    upload(page, path)
    before = renders(page)
    page.evaluate(
        """() => new Promise(done => {
            const cell = document.querySelector(
                '[data-testid=kernel] [data-testid=kernel-cell][data-row="1"][data-col="1"]');
            let i = 0;
            const tick = () => {
                cell.value = String(i + 1);
                cell.dispatchEvent(new Event('input', {bubbles: true}));
                if (++i < 10) setTimeout(tick, 5); else done();
            };
            tick();
        })"""
    )
    wait_render(page, before)
    page.wait_for_timeout(300)  # let anything still queued land before counting
    drawn = renders(page) - before
    assert 1 <= drawn < 10, f"{drawn} results drawn for 10 rapid edits"
    edge = np.array([[2, 4, -2], [4, 10, -4], [2, -4, -2]], dtype=np.float64)
    meta, arrays = expected_maps(rgba, {"channel": "gray", "kernels": [
        {"name": "edge", "rows": 3, "cols": 3, "values": edge.ravel()}], "activation": "relu"})
    got = fmaps(page)[0]
    m = meta["maps"][0]
    assert got["vmax"] == pytest.approx(m["vmax"], rel=1e-5)
    want = gray_levels(arrays[m["array"]], m["vmin"], m["vmax"]).ravel()
    assert np.abs(np.asarray(got["gray"]) - want).max() <= 1
