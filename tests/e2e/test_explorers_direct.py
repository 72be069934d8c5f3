"""End-to-end: direct manipulation, legends and accessibility in the Explorers tab.

Clicking (or choosing with the keyboard) an output cell of the sliding-window explorer
moves the window to the step whose output it is; hovering or focusing a kernel weight
marks every input cell it multiplies; the receptive-field and flip maps have legends with
numbers; the grids are tables for screen readers; numbers on canvases keep 4.5:1; the
320 px layout, reduced motion and forced colours; a bad value's message beside its control.
Every expected number comes from pycore.page run here in CPython with the page's settings.
"""
from __future__ import annotations

import json

import pytest
from conftest import open_app
from page_helpers import ALERT, EXPLORE_TAB

from pycore import page as pycore_page

# ----------------------------------------------------------------------------- helpers


def card(xid):
    return f"[data-testid=explorer-{xid}]"


def renders(page, xid) -> int:
    return int(page.get_attribute(card(xid), "data-renders") or 0)


def act(page, xid, fn, timeout=20_000):
    """Do something that recomputes an explorer and wait for its new result."""
    before = renders(page, xid)
    fn()
    page.wait_for_function("([s, n]) => Number(document.querySelector(s).dataset.renders || 0) > n",
                           arg=[card(xid), before], timeout=timeout)


def select(page, xid, testid, value):
    act(page, xid, lambda: page.select_option(f"[data-testid={testid}]", str(value)))


def args(page, xid) -> dict:
    return json.loads(page.get_attribute(card(xid), "data-args"))


def expected(fn, a):
    """pycore.page's call `fn` in CPython with the page's settings (no image: random grids)."""
    out = pycore_page.call(fn, None, a)
    return out["meta"], out["arrays"]


def click_cell(page, selector, row, col, rows, cols):
    loc = page.locator(selector)
    loc.scroll_into_view_if_needed()
    box = loc.bounding_box()
    page.mouse.click(box["x"] + (col + 0.5) * box["width"] / cols, box["y"] + (row + 0.5) * box["height"] / rows)


def position(page) -> int:
    return int(page.input_value("[data-testid=sliding-scrub]"))


@pytest.fixture(scope="module")
def xpage(browser, server):
    """A page of its own on the Explorers tab (no image: every explorer on a random grid)."""
    a = open_app(browser, server)
    a.page.click(EXPLORE_TAB)
    a.page.wait_for_function(
        "Number(document.querySelector('[data-testid=explorer-sliding]')?.dataset.renders || 0) > 0")
    yield a.page
    a.context.close()


@pytest.fixture
def sliding(xpage):
    """The sliding window on a 6×6 random grid, 3×3 edge kernel, padding 1 (8×8 padded), stride 1."""
    page = xpage
    page.set_viewport_size({"width": 1280, "height": 900})
    act(page, "sliding", lambda: page.fill("[data-testid=sliding-size]", "6"))
    for testid, value in (("sliding-padding", 1), ("sliding-stride", 1), ("sliding-dilation", 1)):
        if page.input_value(f"[data-testid={testid}]") != str(value):
            select(page, "sliding", testid, value)
    a = args(page, "sliding")
    assert (a["source"], a["size"], a["padding"], a["stride"], a["dilation"]) == ("random", 6, 1, 1, 1)
    page.locator(card("sliding")).scroll_into_view_if_needed()
    return page


# ----------------------------------------------------------------------------- sliding window


def window_text(meta, arrays, i):
    """The first words of the arithmetic panel's "where" line at step i, from pycore's window corner."""
    r0, c0 = int(arrays["rows"][i]), int(arrays["cols"][i])
    kh, kw = meta["kernel_shape"]
    d = meta["dilation"]
    return f"Window at padded rows {r0}–{r0 + d * (kh - 1)}, columns {c0}–{c0 + d * (kw - 1)}"


def test_clicking_an_output_cell_moves_the_window_there(sliding):
    page = sliding
    for stride in (1, 2):
        select(page, "sliding", "sliding-stride", stride)
        meta, arrays = expected("window_steps", args(page, "sliding"))
        ho, wo = meta["out_shape"]
        assert (ho, wo) == ((6, 6) if stride == 1 else (3, 3))
        for row, col in ((ho - 1, 1), (1, wo - 1), (0, 0)):
            click_cell(page, "canvas[data-testid=sliding-output]", row, col, ho, wo)
            i = row * wo + col
            assert position(page) == i
            assert page.text_content("[data-testid=sliding-step]").startswith(f"Position {i + 1} of {ho * wo}: "
                                                                                f"output row {row}, column {col}")
            assert page.text_content("[data-testid=sliding-where]").startswith(window_text(meta, arrays, i))
            assert float(page.get_attribute("[data-testid=sliding-out]", "data-value")) == pytest.approx(
                float(arrays["outputs"][i]), rel=1e-5, abs=1e-6)
    select(page, "sliding", "sliding-stride", 1)


def test_the_keyboard_chooses_an_output_cell_and_enter_jumps(sliding):
    page = sliding
    meta, arrays = expected("window_steps", args(page, "sliding"))
    ho, wo = meta["out_shape"]
    page.locator("[data-testid=sliding-scrub]").fill("0")
    out = page.locator("canvas[data-testid=sliding-output]")
    out.focus()
    assert out.get_attribute("data-chosen") == "0,0"
    for key in ("ArrowRight", "ArrowRight", "ArrowDown", "ArrowDown", "ArrowDown", "ArrowLeft"):
        page.keyboard.press(key)
    # the arrows move the chosen cell, not the window (the stage's own arrows step the player)
    assert out.get_attribute("data-chosen") == "3,1"
    assert position(page) == 0
    assert "row 3, column 1" in page.text_content("[data-testid=sliding-live]")
    page.keyboard.press("Enter")
    i = 3 * wo + 1
    assert position(page) == i
    assert page.text_content("[data-testid=sliding-live]").startswith(f"Position {i + 1} of {ho * wo}")
    assert page.text_content("[data-testid=sliding-where]").startswith(window_text(meta, arrays, i))
    # the edges hold the chosen cell inside the map
    for _ in range(wo + 2):
        page.keyboard.press("ArrowRight")
    page.keyboard.press(" ")
    assert position(page) == 3 * wo + wo - 1


def touched(meta, arrays, row, col):
    """Every padded input cell the weight (row, col) multiplies, over all positions."""
    d = meta["dilation"]
    return {(int(r) + row * d, int(c) + col * d) for r, c in zip(arrays["rows"], arrays["cols"])}


def marked(page):
    note = page.locator("[data-testid=sliding-weight-note]")
    cells = {tuple(map(int, t.split(","))) for t in (note.get_attribute("data-cells") or "").split()}
    return int(note.get_attribute("data-count") or -1), cells


def pixel(page, selector, x, y):
    return page.eval_on_selector(selector, """(c, [x, y]) => {
        const s = c.width / c.getBoundingClientRect().width;
        return Array.from(c.getContext('2d').getImageData(Math.round(x * s), Math.round(y * s), 1, 1).data.slice(0, 3));
    }""", [x, y])


def test_hovering_or_focusing_a_weight_marks_every_input_cell_it_touches(sliding):
    page = sliding
    select(page, "sliding", "sliding-stride", 2)
    select(page, "sliding", "sliding-dilation", 2)
    meta, arrays = expected("window_steps", args(page, "sliding"))
    hp, wp = meta["padded_shape"]
    # hover the kernel editor's top-right weight
    page.hover("[data-testid=sliding-kernel-cell][data-row='0'][data-col='2']")
    want = touched(meta, arrays, 0, 2)
    count, cells = marked(page)
    assert count == len(want) == meta["positions"] and cells == want
    text = page.text_content("[data-testid=sliding-weight-note]")
    assert f"multiplies {len(want)} input cells" in text
    pads = sum(1 for r, c in want if not (1 <= r < hp - 1 and 1 <= c < wp - 1))
    assert (f"{pads} of them" in text) == (pads > 0)
    # the marked cells are outlined on the input canvas (pink border), the others are not
    size = page.eval_on_selector("canvas[data-testid=sliding-input]", "c => c.getBoundingClientRect().width") / wp
    inset = max(1.5, size * 0.08) + 1.5
    pink = lambda rgb: rgb[0] > 140 and rgb[1] < 60 and rgb[2] > 70  # noqa: E731  #b0006d
    for r in range(hp):
        for c in range(wp):
            got = pixel(page, "canvas[data-testid=sliding-input]", c * size + size / 2, r * size + inset)
            assert pink(got) == ((r, c) in want), (r, c, got)
    # the same weight is marked in the kernel, window and products tables
    assert page.locator("[data-testid=sliding-kernel-shown] td.hi").count() == 1
    where = "td => [td.parentElement.sectionRowIndex, td.cellIndex]"
    assert page.eval_on_selector("[data-testid=sliding-kernel-shown] td.hi", where) == [0, 2]
    # the keyboard: focusing another weight shows its cells
    page.focus("[data-testid=sliding-kernel-cell][data-row='1'][data-col='0']")
    count, cells = marked(page)
    assert cells == touched(meta, arrays, 1, 0) and count == len(cells)
    page.focus("[data-testid=sliding-size]")
    assert marked(page) == (-1, set())
    select(page, "sliding", "sliding-dilation", 1)
    select(page, "sliding", "sliding-stride", 1)


CONTRAST = """(c) => {
    // every cell's text against its background: the cell's corners are the background, the
    // pixel of its middle farthest from them is the text (black or white, anti-aliased)
    const [h, w] = c.dataset.cells.split(',').map(Number);
    const g = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const lin = (v) => { const x = v / 255; return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
    const lum = (j) => 0.2126 * lin(g[j]) + 0.7152 * lin(g[j + 1]) + 0.0722 * lin(g[j + 2]);
    const at = (x, y) => (Math.round(y) * c.width + Math.round(x)) * 4;
    const cw = c.width / w, ch = c.height / h;
    const out = [];
    for (let r = 0; r < h; r++) for (let col = 0; col < w; col++) {
        const x0 = col * cw, y0 = r * ch, e = cw * 0.2;
        const bg = [at(x0 + e, y0 + e), at(x0 + cw - e, y0 + e), at(x0 + e, y0 + ch - e), at(x0 + cw - e, y0 + ch - e)]
            .map(lum).sort((a, b) => a - b);
        const lb = (bg[1] + bg[2]) / 2;
        let far = lb;
        for (let y = y0 + ch * 0.3; y < y0 + ch * 0.7; y++) for (let x = x0 + cw * 0.2; x < x0 + cw * 0.8; x++) {
            const l = lum(at(x, y));
            if (Math.abs(l - lb) > Math.abs(far - lb)) far = l;
        }
        const text = far > lb ? 1 : 0;  // the pure colour the anti-aliased text tends to
        const ratio = (Math.max(text, lb) + 0.05) / (Math.min(text, lb) + 0.05);
        out.push({ r, col, ratio, moved: Math.abs(far - lb) });
    }
    return out;
}"""


def test_numbers_on_the_canvases_keep_4_5_to_1(sliding):
    page = sliding
    meta, _ = expected("window_steps", args(page, "sliding"))
    hp, wp = meta["padded_shape"]
    ho, wo = meta["out_shape"]
    page.locator("[data-testid=sliding-scrub]").fill(str(ho * wo - 1))  # the whole map filled in
    page.focus("[data-testid=sliding-size]")
    for testid, (h, w) in (("sliding-input", (hp, wp)), ("sliding-output", (ho, wo))):
        sel = f"canvas[data-testid={testid}]"
        page.eval_on_selector(sel, "(c, hw) => (c.dataset.cells = hw)", f"{h},{w}")
        cells = page.eval_on_selector(sel, CONTRAST)
        assert len(cells) == h * w
        assert all(c["moved"] > 0.1 for c in cells), "every cell has its number"
        bad = [c for c in cells if c["ratio"] < 4.5]
        assert not bad, f"{testid}: {bad[:5]}"


def test_the_grids_are_tables_for_screen_readers(sliding):
    page = sliding
    meta, arrays = expected("window_steps", args(page, "sliding"))
    hp, wp = meta["padded_shape"]
    ho, wo = meta["out_shape"]
    for testid, (h, w), values in (("sliding-input-table", (hp, wp), arrays["padded"]),
                                   ("sliding-output-table", (ho, wo), arrays["outputs"])):
        t = page.locator(f"table[data-testid={testid}]")
        assert t.locator("caption").text_content()
        assert t.locator("tbody tr").count() == h and t.locator("tbody td").count() == h * w
        assert t.locator("thead th[scope=col]").count() == w and t.locator("tbody th[scope=row]").count() == h
        # visually hidden, but in the accessibility tree
        assert t.evaluate("t => t.parentElement.getBoundingClientRect().width") <= 1
        first = t.locator("tbody td").first.text_content()
        assert float(first.replace("−", "-")) == pytest.approx(float(values.ravel()[0]), rel=5e-3, abs=1e-3)


# ----------------------------------------------------------------------------- legends


def fmt(v):
    """The page's short number (ui/format.js fmt) for the values these tests meet."""
    if v == 0:
        return "0"
    if abs(v) >= 1e4 or abs(v) < 1e-3:
        mantissa, exponent = f"{v:.2e}".split("e")
        s = f"{mantissa}e{int(exponent):+d}"
    else:
        s = f"{float(f'{v:.3g}'):g}"
    return s.replace("-", "−")


def legend(page, testid):
    loc = page.locator(f"[data-testid={testid}]")
    return [{"lo": float(x.get_attribute("data-lo")), "hi": float(x.get_attribute("data-hi")),
             "mode": x.get_attribute("data-mode"), "text": x.inner_text()} for x in loc.all()]


def test_the_receptive_field_maps_have_legends_with_their_values(xpage):
    page = xpage
    page.set_viewport_size({"width": 1280, "height": 900})
    meta, _ = expected("receptive_field", args(page, "receptive"))
    got = legend(page, "receptive-legend")
    want = [meta["range"]] + [L["range"] for L in meta["layers"]]
    assert len(got) == len(meta["layers"]) + 1 == 5
    for g, (lo, hi) in zip(got, want):
        assert g["mode"] == "gray"
        assert (g["lo"], g["hi"]) == (pytest.approx(lo, rel=1e-6), pytest.approx(hi, rel=1e-6))
        assert fmt(lo) in g["text"] and fmt(hi) in g["text"]
    # the marks drawn over the input are named
    key = page.text_content("[data-testid=receptive-key]")
    assert "depends on" in key and "padding" in key


def test_the_flip_maps_have_legends_with_their_values(xpage):
    page = xpage
    meta, _ = expected("flip_compare", args(page, "flip"))
    (inp,), (out,), (diff,) = (legend(page, f"flip-legend-{k}") for k in ("input", "output", "diff"))
    assert inp["mode"] == "gray" and (inp["lo"], inp["hi"]) == (pytest.approx(meta["ranges"]["input"][0], rel=1e-6),
                                                                pytest.approx(meta["ranges"]["input"][1], rel=1e-6))
    for g, name in ((out, "output"), (diff, "diff")):
        m = max(abs(v) for v in meta["ranges"][name])
        assert g["mode"] == "diverging"
        assert (g["lo"], g["hi"]) == (pytest.approx(-m, rel=1e-6), pytest.approx(m, rel=1e-6))
        assert fmt(m) in g["text"] and "0 white" in g["text"]
    # one scale for both outputs: the switch changes the map, not its legend
    page.click("[data-testid=flip-switch]")
    assert legend(page, "flip-legend-output")[0]["hi"] == out["hi"]
    page.click("[data-testid=flip-switch]")


# ----------------------------------------------------------------------------- accessibility


def test_at_320_px_the_receptive_field_rows_fit(xpage):
    page = xpage
    page.set_viewport_size({"width": 320, "height": 700})
    try:
        page.wait_for_timeout(300)
        rows = page.eval_on_selector_all("[data-testid=receptive-layer]", """rs => rs.map(r => {
            const box = r.closest('fieldset').getBoundingClientRect();
            const right = Math.max(...[...r.children].map(c => c.getBoundingClientRect().right));
            return {scroll: r.scrollWidth, width: r.clientWidth, right, edge: box.right};
        })""")
        assert len(rows) == 4
        for r in rows:
            assert r["scroll"] <= r["width"] and r["right"] <= r["edge"], r
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        # every number field is still wide enough to type in
        widths = page.eval_on_selector_all("[data-testid=receptive-layer] input",
                                           "is => is.filter(i => i.offsetParent).map(i => i.clientWidth)")
        assert min(widths) >= 36
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


JUMP = """(key) => {
    // where the explorer is right after the click: an instant jump is there already
    window.scrollTo(0, 0);
    document.querySelector(`[data-testid=explorers-toc] a[data-target=x-${key}]`).click();
    return document.getElementById(`x-${key}`).getBoundingClientRect().top;
}"""


@pytest.mark.parametrize("motion", ["reduce", "no-preference"])
def test_jump_to_does_not_animate_for_reduced_motion(xpage, motion):
    page = xpage
    page.emulate_media(reduced_motion=motion)
    try:
        top = page.evaluate(JUMP, "receptive")
        if motion == "reduce":
            assert abs(top - 8) <= 2  # at its scroll margin (.5rem) at once
        else:
            assert top > 500  # still on its way: a smooth scroll
            page.wait_for_function(
                "Math.abs(document.getElementById('x-receptive').getBoundingClientRect().top - 8) <= 2")
        assert page.evaluate("document.activeElement.id") == "xh-receptive"
    finally:
        page.emulate_media(reduced_motion="no-preference")


KNOB = """(sw) => {
    const knob = getComputedStyle(sw, '::after');
    const track = getComputedStyle(sw);
    return {knob: knob.backgroundColor, knobBorder: knob.borderTopWidth, knobBorderColor: knob.borderTopColor,
            track: track.backgroundColor, trackBorder: track.borderTopWidth, trackBorderColor: track.borderTopColor,
            adjust: knob.forcedColorAdjust};
}"""


def test_the_flip_switch_knob_stays_visible_in_forced_colours(xpage):
    page = xpage
    page.emulate_media(forced_colors="active")
    try:
        assert page.evaluate("matchMedia('(forced-colors: active)').matches")
        for _ in range(2):  # off, then on
            s = page.eval_on_selector("[data-testid=flip-switch]", KNOB)
            assert s["knob"] != s["track"], s  # the knob is a colour of its own on the track
            assert s["knob"] not in ("rgba(0, 0, 0, 0)", "transparent"), s
            assert float(s["knobBorder"].rstrip("px")) >= 1 and float(s["trackBorder"].rstrip("px")) >= 1, s
            assert s["trackBorderColor"] != s["track"], s  # the track's outline shows against the page
            page.click("[data-testid=flip-switch]")
    finally:
        page.emulate_media(forced_colors="none")


# ----------------------------------------------------------------------------- messages beside their controls


def beside(page, control):
    """The message tied to `control` (aria-describedby), checked to sit just under it."""
    loc = page.locator(control)
    assert loc.get_attribute("aria-invalid") == "true"
    msg = page.locator(f"[id='{loc.get_attribute('aria-describedby').split()[-1]}']")
    assert msg.is_visible()
    c, m = loc.bounding_box(), msg.bounding_box()
    assert 0 <= m["y"] - (c["y"] + c["height"]) <= 80, (c, m)  # right under the control
    return msg.inner_text()


def no_banner(page):
    return not page.is_visible(ALERT) or "explorer" not in page.inner_text(ALERT).lower()


@pytest.mark.parametrize("width", [1280, 375])
def test_a_bad_value_shows_beside_its_control(xpage, width):
    page = xpage
    page.set_viewport_size({"width": width, "height": 800})
    try:
        # a number field: pycore's message, in plain words, under the field, not on the banner
        page.fill("[data-testid=params-filters]", "0")
        page.wait_for_function("document.querySelector('[data-testid=params-filters]').ariaInvalid === 'true'")
        text = beside(page, "[data-testid=params-filters]")
        assert text == "Number of filters must be at least 1, got 0"
        assert not page.is_visible("[data-testid=params-error]") and no_banner(page)
        assert page.inner_text("[data-testid=params-stale]").startswith("Not updated: see the message at “Filters”")
        act(page, "params", lambda: page.fill("[data-testid=params-filters]", "20"))
        assert page.get_attribute("[data-testid=params-filters]", "aria-invalid") is None
        assert page.locator(f"{card('params')} .field-error").count() == 0
        # a huge number is quoted short
        page.fill("[data-testid=params-k]", "1e308")
        page.wait_for_function("document.querySelector('[data-testid=params-k]').ariaInvalid === 'true'")
        assert beside(page, "[data-testid=params-k]") == "Filter size must be at most 1000, got 1e+308"
        act(page, "params", lambda: page.fill("[data-testid=params-k]", "5"))
        # a receptive-field layer: under its row, naming the layer
        stride = page.locator("[data-testid=receptive-layer]").nth(1).locator("[data-testid=receptive-s]")
        stride.fill("0")
        page.wait_for_function("(e) => e.ariaInvalid === 'true'", arg=stride.element_handle())
        row = page.locator("[data-testid=receptive-layer]").nth(1)
        msg = page.locator(f"[id='{stride.get_attribute('aria-describedby')}']")
        assert msg.inner_text() == "Layer 2 stride must be at least 1, got 0"
        assert 0 <= msg.bounding_box()["y"] - (row.bounding_box()["y"] + row.bounding_box()["height"]) <= 16
        act(page, "receptive", lambda: stride.fill("2"))
        assert stride.get_attribute("aria-invalid") is None
        # a typed kernel cell the page cannot read: under the kernel editor
        cell = "[data-testid=sliding-kernel-cell][data-row='1'][data-col='1']"
        page.fill(cell, "abc")
        page.wait_for_function("document.querySelector('[data-testid=sliding-kernel]').ariaInvalid === 'true'")
        text = beside(page, "[data-testid=sliding-kernel]")
        assert text.startswith("Kernel, row 2, column 2") and "not a number" in text and no_banner(page)
        act(page, "sliding", lambda: page.fill(cell, "0"))
        assert page.locator(f"{card('sliding')} .field-error").count() == 0
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


def test_the_other_explorers_grids_are_tables_too(xpage):
    page = xpage

    def cells(testid):
        t = page.locator(f"table[data-testid={testid}]")
        return [(x.locator("tbody tr").count(), x.locator("tbody td").count()) for x in t.all()]

    meta, _ = expected("receptive_field", args(page, "receptive"))
    h, w = meta["in_shape"]
    assert cells("receptive-input-table") == [(h, h * w)]
    assert cells("receptive-map-table") == [(L["shape"][0], L["shape"][0] * L["shape"][1]) for L in meta["layers"]]
    meta, _ = expected("flip_compare", args(page, "flip"))
    h, w = meta["input"]["shape"]
    ho, wo = meta["out_shape"]
    assert cells("flip-input-table") == [(h, h * w)]
    assert cells("flip-output-table") == cells("flip-diff-table") == [(ho, ho * wo)]
    assert "cross-correlation" in page.text_content("table[data-testid=flip-output-table] caption")
    meta, _ = expected("pool_steps", args(page, "pooling"))
    (h, w), (ho, wo) = meta["in_shape"], meta["out_shape"]
    assert cells("pooling-input-table") == [(h, h * w)] and cells("pooling-output-table") == [(ho, ho * wo)]
