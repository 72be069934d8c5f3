"""End-to-end: how the Convolution tab draws its maps (convolution/maps.js and friends).

One scale for all maps or each its own, a legend with numbers under every map, the maps
before the activation, the line on what to look for, true relative sizes (a pooled map
beside its feature map, maps of different kernel sizes), the kernel editor's arrow keys,
the pixel cursor's Page Up/Down, and "random" drawing a new kernel each time. Numbers are
checked against pycore run here, in CPython, on the same pixels.
"""
from __future__ import annotations

import numpy as np
import pytest
from page_helpers import (
    expected_maps,
    fmaps,
    gray_levels,
    kernel_param,
    make_png,
    renders,
    reset,
    set_control,
    upload,
    wait_render,
)

from pycore import kernels

TUTORIAL = ["edge", "sharpen", "blur"]


def reset_map_view(page):
    """The map view's defaults: gray, each map its own scale, no maps before the activation."""
    before = renders(page)
    changed = False
    if not page.is_checked("[data-testid=color-gray]"):
        page.check("[data-testid=color-gray]")
        changed = True
    if not page.is_checked("[data-testid=scale-each]"):
        page.check("[data-testid=scale-each]")
        changed = True
    if page.is_checked("[data-testid=show-before]"):
        page.uncheck("[data-testid=show-before]")
        changed = True
    if changed and page.query_selector("canvas[data-testid=fmap]"):
        wait_render(page, before)


@pytest.fixture
def page(app):
    reset(app.page)
    reset_map_view(app.page)
    yield app.page
    reset_map_view(app.page)
    reset(app.page)


def legends(page):
    return page.eval_on_selector_all(
        "[data-testid=map-legend]", "ls => ls.map(l => [Number(l.dataset.lo), Number(l.dataset.hi), l.textContent])")


def click_and_render(page, selector, check=True):
    before = renders(page)
    if check:
        page.check(selector)
    else:
        page.uncheck(selector)
    wait_render(page, before)


def tutorial_params(**extra):
    return {"kernels": [kernel_param(n) for n in TUTORIAL], "activation": "relu",
            "pool": {"type": "max", "kernel_size": 2, "stride": 2}, **extra}


def test_one_scale_gives_every_map_and_legend_the_same_range(page, tmp_path, shot):
    path, rgba = make_png(tmp_path, 30, 40, seed=3)
    upload(page, path)
    meta, arrays = expected_maps(rgba, tutorial_params())
    # each its own: every legend names its own map's range (edge's and blur's differ)
    own = legends(page)
    assert len(own) == 6 and len({(lo, hi) for lo, hi, _ in own}) > 1
    for (lo, hi, _), m in zip(own[::2], meta["maps"]):
        assert lo == pytest.approx(m["vmin"], abs=1e-6) and hi == pytest.approx(m["vmax"], abs=1e-6)
    click_and_render(page, "[data-testid=scale-shared]")
    entries = meta["maps"] + meta["pooled"]
    lo = min(e["vmin"] for e in entries)
    hi = max(e["vmax"] for e in entries)
    shared = legends(page)
    assert len(shared) == 6
    for got_lo, got_hi, _ in shared:
        assert got_lo == pytest.approx(lo, abs=1e-6) and got_hi == pytest.approx(hi, abs=1e-6)
    # the legend's numbers are readable text, the same on every map
    assert len({text for _, _, text in shared}) == 1
    # the pixels are on that scale: pycore's maps through the page's gray rule on the shared range
    for m, drawn in zip(meta["maps"], fmaps(page)):
        want = gray_levels(arrays[m["array"]].reshape(m["shape"]), lo, hi)
        assert np.array_equal(np.array(drawn["gray"]).reshape(want.shape), want), m["label"]
        assert drawn["vmin"] == pytest.approx(m["vmin"], abs=1e-6)  # data-vmin stays the map's own
    # Diverging on one scale stays centred on zero: -max|v| .. +max|v| of all maps, 0 in the middle
    click_and_render(page, "[data-testid=color-diverging]")
    m = max(abs(lo), abs(hi))
    for got_lo, got_hi, text in legends(page):
        assert (got_lo, got_hi) == (pytest.approx(-m, abs=1e-6), pytest.approx(m, abs=1e-6))
        assert "0" in text
    shot(page, "convolution-maps-shared-diverging")


def test_the_maps_before_the_activation_show_what_relu_cut(page, tmp_path, shot):
    path, rgba = make_png(tmp_path, 30, 40, seed=4)
    upload(page, path)
    assert page.locator("canvas[data-testid=pre-map]").count() == 0
    click_and_render(page, "[data-testid=show-before]")
    meta, arrays = expected_maps(rgba, tutorial_params(pre_activation=True))
    pre = fmaps(page, "pre-map")
    assert [p["label"] for p in pre] == TUTORIAL
    for m, drawn in zip(meta["maps"], pre):
        z = arrays[m["pre"]["array"]].reshape(m["shape"])
        assert drawn["vmin"] == pytest.approx(m["pre"]["vmin"], abs=1e-6)
        want = gray_levels(z, m["pre"]["vmin"], m["pre"]["vmax"])
        assert np.array_equal(np.array(drawn["gray"]).reshape(want.shape), want), m["label"]
    assert pre[0]["vmin"] < 0 <= fmaps(page)[0]["vmin"]  # the edge map's negative half, cut by ReLU
    # in Diverging the negative part is blue before the activation and gone after it
    click_and_render(page, "[data-testid=color-diverging]")
    blue = page.evaluate("""() => ['pre-map', 'fmap'].map(t => {
        const c = document.querySelector(`canvas[data-testid=${t}]`);
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 2] > d[i] + 20) n++;
        return n; })""")
    assert blue[0] > 0 and blue[1] == 0
    # the look-for line of each filter is pycore's, under its maps
    looks = page.eval_on_selector_all("[data-testid=map-card] [data-testid=look-for]",
                                      "ps => ps.map(p => p.textContent)")
    assert looks == [f"Look for: {kernels.KERNELS[n].look_for}" for n in TUTORIAL]
    shot(page, "convolution-maps-before")
    # no activation: nothing separate before it, and the page says so
    set_control(page, "activation", "none")
    assert page.locator("canvas[data-testid=pre-map]").count() == 0
    assert page.locator("[data-testid=no-before]").count() == 3


def css_widths(page):
    return page.evaluate("""() => [...document.querySelectorAll('[data-testid=map-card]')].map(card =>
        [...card.querySelectorAll('canvas[data-testid=fmap], canvas[data-testid=pooled]')].map(c =>
            [c.width, parseFloat(getComputedStyle(c).width)]))""")


def test_a_pooled_map_keeps_its_true_size_beside_its_feature_map(page, tmp_path, shot):
    path, _ = make_png(tmp_path, 60, 80, seed=5)
    upload(page, path)
    for window in (2, 1, 3):
        set_control(page, "pool-size", str(window))
        set_control(page, "pool-stride", str(window))
        for (fw, fcss), (pw, pcss) in css_widths(page):
            assert pw == (fw - window) // window + 1
            assert pcss / fcss == pytest.approx(pw / fw, abs=0.01), (window, fw, fcss, pw, pcss)
    # window 1 (or stride 1): as large as the feature map
    set_control(page, "pool-size", "1")
    set_control(page, "pool-stride", "1")
    assert all(pcss == pytest.approx(fcss, abs=0.5) for (_, fcss), (_, pcss) in css_widths(page))
    # a 7x7 kernel makes a smaller map: drawn at the same pixel scale as the 3x3 ones
    before = renders(page)
    page.locator("[data-testid=kernel]").nth(2).locator("[data-testid=kernel-cols]").select_option("7")
    wait_render(page, before)
    widths = css_widths(page)
    scales = [fcss / fw for (fw, fcss), _ in widths]
    assert widths[2][0][0] == widths[0][0][0] - 4
    assert max(scales) - min(scales) < 1e-6
    shot(page, "convolution-maps-sizes")


def focused_cell(page):
    return page.evaluate("""() => { const a = document.activeElement;
        if (a.dataset.testid !== 'kernel-cell') return null;
        return [a.closest('[data-testid=kernel]').dataset.index, Number(a.dataset.row), Number(a.dataset.col)]; }""")


def test_arrow_keys_move_between_kernel_cells(page, tmp_path):
    path, _ = make_png(tmp_path)
    upload(page, path)
    grid = page.locator("[data-testid=kernel]").nth(1).locator("[data-testid=kernel-cell]")
    # one tab stop per grid: the first cell
    assert grid.evaluate_all("cs => cs.map(c => c.tabIndex)") == [0] + [-1] * 8
    grid.first.focus()
    for key, (row, col) in [("ArrowRight", (0, 1)), ("ArrowRight", (0, 2)), ("ArrowRight", (0, 2)),  # the edge
                            ("ArrowDown", (1, 2)), ("ArrowDown", (2, 2)), ("ArrowDown", (2, 2)),
                            ("ArrowLeft", (2, 1)), ("ArrowUp", (1, 1)), ("Control+Home", (0, 0)),
                            ("Control+End", (2, 2))]:
        page.keyboard.press(key)
        assert focused_cell(page) == ["1", row, col], key
    # the focused cell is now the grid's tab stop
    assert grid.evaluate_all("cs => cs.map(c => c.tabIndex)") == [-1] * 8 + [0]
    # inside a cell's text, Left moves the caret, not the focus
    page.keyboard.press("Control+Home")
    page.keyboard.press("End")  # the caret at the end of the text
    page.keyboard.press("ArrowLeft")
    assert focused_cell(page) == ["1", 0, 0]
    # typing still edits the cell the arrows reached (its text is selected on arrival)
    page.keyboard.press("ArrowDown")
    before = renders(page)
    page.keyboard.type("2")
    wait_render(page, before)
    assert page.locator("[data-testid=kernel]").nth(1).locator(
        "[data-testid=kernel-cell][data-row='1'][data-col='0']").input_value() == "2"


def test_page_down_moves_the_pixel_cursor_ten_pixels(page, tmp_path):
    path, _ = make_png(tmp_path, 60, 80, seed=6)
    upload(page, path)
    readout = page.locator("[data-testid=rf-conv-readout]")

    def at(row, col):
        page.wait_for_function(
            """([r, c]) => { const e = document.querySelector('[data-testid=rf-conv-readout]');
                return !e.hidden && e.dataset.row === String(r) && e.dataset.col === String(c); }""",
            arg=[row, col], timeout=15_000)

    fmap = page.locator("canvas[data-testid=fmap]").first
    h, w = fmap.evaluate("c => [c.height, c.width]")
    fmap.focus()
    r, c = h // 2, w // 2
    at(r, c)
    for key, (dr, dc) in [("PageDown", (10, 0)), ("PageUp", (-10, 0)), ("PageUp", (-10, 0)),
                          ("Shift+ArrowRight", (0, 10)), ("Shift+ArrowUp", (-10, 0)), ("ArrowLeft", (0, -1))]:
        page.keyboard.press(key)
        r, c = max(0, min(h - 1, r + dr)), max(0, min(w - 1, c + dc))
        at(r, c)
        assert page.text_content("[data-testid=rf-conv-announce]") == f"Row {r}, column {c}."
        assert f"(row {r}, column {c})" in readout.text_content()
    # Page Down stops at the last row
    for _ in range(h // 10 + 1):
        page.keyboard.press("PageDown")
    at(h - 1, c)


def test_adding_random_twice_gives_two_different_kernels(page, tmp_path):
    path, _ = make_png(tmp_path)
    upload(page, path)
    page.select_option("[data-testid=add-kernel-select]", "random")
    for n in (4, 5):
        before = renders(page)
        page.click("[data-testid=add-kernel]")
        page.wait_for_function("(n) => document.querySelectorAll('[data-testid=kernel]').length === n", arg=n)
        wait_render(page, before)
    cells = page.evaluate("""() => [...document.querySelectorAll('[data-testid=kernel]')].slice(3).map(k =>
        [k.querySelector('[data-testid=kernel-name]').value,
         [...k.querySelectorAll('[data-testid=kernel-cell]')].map(c => c.value)])""")
    (name1, a), (name2, b) = cells
    assert name1 != name2 and a != b
    # each is pycore's draw for its seed, as its cells show it
    for name, values in cells:
        seed = int(name.split()[-1])
        want = kernels.get_kernel("random", 3, seed=seed).ravel()
        np.testing.assert_allclose([float(v) for v in values], want, rtol=1e-5, atol=1e-6)
    labels = [m["label"] for m in fmaps(page)]
    assert labels[3:] == [name1, name2]
    page.wait_for_function("() => document.querySelectorAll('[data-testid=look-for]').length === 5")


def test_a_pooling_that_cannot_work_says_why_under_the_maps(page, tmp_path):
    path, _ = make_png(tmp_path)
    upload(page, path)
    set_control(page, "pool-size", "3")
    set_control(page, "pool-padding", "2")
    notes = page.eval_on_selector_all("[data-testid=pool-missing]", "ps => ps.map(p => p.textContent)")
    assert len(notes) == 3 and page.locator("canvas[data-testid=pooled]").count() == 0
    assert all("Pooling padding can be at most half the window (1 for a window of 3); it is 2." in t for t in notes)
    assert not any("torch" in t or "=" in t for t in notes)
