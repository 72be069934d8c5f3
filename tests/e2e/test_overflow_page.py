"""End-to-end: maps that overflow (+∞), and NaN (inf − inf, 0 · inf) reaching the next step:
drawn in their own colours, counted and named beside the map, the range of the finite
values only (never "0 … 0"), in the Convolution tab, the explorers and the builder; the
counts checked against pycore in CPython on the same pixels."""
from __future__ import annotations

import json

import numpy as np
import pytest
from page_helpers import ALERT, EXPLORE_TAB, fmaps, kernel_param, renders, reset, save_png, upload, wait_render

from pycore import page as pycore_page
from pycore import train

POSINF, NEGINF, NAN = (255, 200, 0), (0, 170, 90), (255, 0, 255)  # ui/colormap.js
H, W = 12, 16


@pytest.fixture
def page(app):
    reset(app.page)
    yield app.page
    reset(app.page)


def overflow_image(tmp_path, name="overflow.png"):
    """Seeded pixels with some exact zeros (0 · ∞ is NaN) in the gray mean."""
    rgb = np.random.default_rng(3).integers(40, 256, size=(H, W, 3), dtype=np.uint8)
    rgb[2:4, 5:9] = 0
    path = tmp_path / name
    rgba = save_png(path, rgb)
    return path, pycore_page.prepare_image(rgba.tobytes(), H, W)


def set_kernel(page, index, rows, cols, cells):
    """Filter `index` resized to rows × cols with `cells` typed in (one recompute at the end)."""
    kernel = page.locator("[data-testid=kernel]").nth(index)
    for testid, n in (("kernel-rows", rows), ("kernel-cols", cols)):
        if kernel.locator(f"[data-testid={testid}]").input_value() != str(n):
            before = renders(page)
            kernel.locator(f"[data-testid={testid}]").select_option(str(n))
            wait_render(page, before)
            kernel = page.locator("[data-testid=kernel]").nth(index)
    before = renders(page)
    kernel.evaluate("""(k, cells) => k.querySelectorAll('[data-testid=kernel-cell]').forEach((c, i) => {
        c.value = cells[i]; c.dispatchEvent(new Event('input', {bubbles: true})); })""", cells)
    wait_render(page, before)


def card_of(page, index):
    """What the page shows for feature map `index`: attributes, caption, the note's counts, pixels."""
    return page.locator("[data-testid=map-card]").nth(index).evaluate("""card => {
        const fig = card.querySelector('figure');
        const c = fig.querySelector('canvas[data-testid=fmap]');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const px = [];
        for (let i = 0; i < d.length; i += 4) px.push([d[i], d[i + 1], d[i + 2]]);
        const note = fig.querySelector('[data-testid=nonfinite]');
        return {vmin: c.dataset.vmin ?? null, vmax: c.dataset.vmax ?? null,
                caption: fig.querySelector('figcaption').textContent,
                note: note && {text: note.textContent, posinf: +note.dataset.posinf, neginf: +note.dataset.neginf,
                               nan: +note.dataset.nan},
                pooled: card.querySelectorAll('[data-testid=nonfinite]').length - (note ? 1 : 0),
                label: c.getAttribute('aria-label'), px, shape: [c.height, c.width]};
    }""")


def expected_map(image, kernels):
    out = pycore_page.call("convolve", image, {"kernels": kernels})
    return out["meta"]["maps"], out["arrays"]


def check_drawn(shown, meta, values):
    """Every ±∞/NaN cell in its own colour; finite cells gray; the counts are pycore's."""
    nf = meta["nonfinite"]
    assert shown["note"] is not None and nf["text"] in shown["note"]["text"]
    counts = shown["note"]
    assert (counts["posinf"], counts["neginf"], counts["nan"]) == (nf["posinf"], nf["neginf"], nf["nan"])
    px = np.array(shown["px"]).reshape(*meta["shape"], 3)
    for mask, rgb in ((np.isposinf(values), POSINF), (np.isneginf(values), NEGINF), (np.isnan(values), NAN)):
        assert (px[mask] == rgb).all()
    finite = np.isfinite(values)
    assert (px[finite][:, 0] == px[finite][:, 1]).all()  # gray
    if finite.any():
        assert float(shown["vmin"]) == pytest.approx(meta["vmin"], rel=1e-6)
        assert float(shown["vmax"]) == pytest.approx(meta["vmax"], rel=1e-6)
    else:
        assert shown["vmin"] is None and shown["vmax"] is None
        assert "no finite values" in shown["caption"] and "0 … 0" not in shown["caption"]


def test_a_kernel_cell_of_1e308_overflows_to_inf_and_zeros_give_nan(page, tmp_path, shot):
    path, image = overflow_image(tmp_path)
    upload(page, path)
    cells = ["1e308", "0", "0", "0", "0", "0", "0", "0", "0"]
    set_kernel(page, 0, 3, 3, cells)
    maps, arrays = expected_map(image, [{"name": "edge", "rows": 3, "cols": 3, "values": [1e308] + [0] * 8}])
    values = arrays[maps[0]["array"]]
    assert np.isposinf(values).any() and np.isnan(values).any() and np.isfinite(values).sum() == 0
    shown = card_of(page, 0)
    check_drawn(shown, maps[0], values)
    assert shown["shape"] == maps[0]["shape"]
    assert "not finite" in shown["label"]
    # the pooled map of a NaN-holding input says so too, and the legend names the colours
    assert shown["pooled"] == 1
    assert page.locator("[data-testid=legend-nonfinite] .nf-key").count() == 3
    # the other filters are untouched and have no note
    assert card_of(page, 1)["note"] is None
    assert page.locator(ALERT).is_hidden()
    shot(page, "overflow-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    try:
        page.locator("[data-testid=map-card]").first.scroll_into_view_if_needed()
        shot(page, "overflow-375")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


def test_an_11x11_kernel_of_1e38_is_all_inf_in_float32(page, tmp_path):
    path, image = overflow_image(tmp_path, "big-kernel.png")
    upload(page, path)
    set_kernel(page, 1, 11, 11, ["1e38"] * 121)
    maps, arrays = expected_map(image, [{"name": "sharpen", "rows": 11, "cols": 11, "values": [1e38] * 121}])
    values = arrays[maps[0]["array"]]
    assert np.isposinf(values).all()  # finite in float64, not in float32
    shown = card_of(page, 1)
    check_drawn(shown, maps[0], values)
    assert f"all {values.size} cells are +∞" in shown["note"]["text"]
    edge = fmaps(page)[0]  # the unchanged edge map keeps its ordinary range
    ref, _ = expected_map(image, [kernel_param("edge")])
    assert edge["vmax"] == pytest.approx(ref[0]["vmax"], rel=1e-6)


def test_opposite_infinities_give_nan_and_a_partly_finite_map_keeps_its_finite_range(page, tmp_path):
    path, image = overflow_image(tmp_path, "nan.png")
    upload(page, path)
    # +∞ · a − ∞ · b is NaN where both pixels are non-zero, ±∞ where one is zero
    cells = ["1e308", "-1e308", "0", "0", "0", "0", "0", "0", "0"]
    set_kernel(page, 0, 3, 3, cells)
    maps, arrays = expected_map(image, [{"name": "edge", "rows": 3, "cols": 3, "values": [1e308, -1e308] + [0] * 7}])
    values = arrays[maps[0]["array"]]
    assert np.isnan(values).any()
    check_drawn(card_of(page, 0), maps[0], values)
    # nine cells of 6e37: +∞ where the 3×3 sum of pixels passes 3.4e38 / 6e37, finite elsewhere
    set_kernel(page, 0, 3, 3, ["6e37"] * 9)
    maps, arrays = expected_map(image, [{"name": "edge", "rows": 3, "cols": 3, "values": [6e37] * 9}])
    values = arrays[maps[0]["array"]]
    assert np.isposinf(values).any() and np.isfinite(values).any()
    shown = card_of(page, 0)
    check_drawn(shown, maps[0], values)
    assert "finite range" in shown["caption"]


def test_the_sliding_explorer_names_an_overflowing_output(app, shot):
    page = app.page
    page.click(EXPLORE_TAB)
    xcard = "[data-testid=explorer-sliding]"
    page.wait_for_selector(f"{xcard}[data-renders]")

    def act(fn, done):
        """Do `fn`, then wait for the explorer's result whose settings satisfy `done` (JS, on args)."""
        fn()
        js = f"(s) => {{ const args = JSON.parse(document.querySelector(s).dataset.args || '{{}}'); return {done}; }}"
        page.wait_for_function(js, arg=xcard)

    act(lambda: page.select_option("[data-testid=sliding-input]", "random"), "args.source === 'random'")
    def type_kernel(text):  # every cell of the 3×3 kernel, as typed
        page.locator("[data-testid=sliding-kernel]").evaluate("""(k, t) => k.querySelectorAll('input').forEach(c => {
            c.value = t; c.dispatchEvent(new Event('input', {bubbles: true})); })""", text)

    # nine cells of 1e308 over values in [0, 1): +∞ wherever a window's values sum past 1.8
    act(lambda: type_kernel("1e308"), "args.kernel?.values?.every(v => v === 1e308)")
    a = json.loads(page.get_attribute(xcard, "data-args"))
    meta = pycore_page.call("window_steps", None, a)["meta"]
    notes = page.locator("[data-testid=sliding-nonfinite] [data-testid=nonfinite]")
    want = [(k, v) for k, v in meta["nonfinite"].items() if v["any"]]
    assert want and notes.count() == len(want)
    for i, (name, nf) in enumerate(want):
        assert notes.nth(i).text_content().endswith(f"{name}: {nf['text']}.")
        assert int(notes.nth(i).get_attribute("data-posinf")) == nf["posinf"]
    shot(page, "overflow-explorer")
    # back to a finite kernel: the note goes with its cause
    act(lambda: type_kernel("1"), "args.kernel?.values?.every(v => v === 1)")
    assert notes.count() == 0
    act(lambda: page.select_option("[data-testid=sliding-input]", "image"), "args.source === 'image'")
    page.click("[data-testid=tab-convolution]")


def test_the_builder_names_overflowing_layers(new_app_page, tmp_path):
    """A model whose activations overflow (nine conv layers of weights 3e38, the largest
    float32: the builder's float64 passes 1.8e308 at conv8), loaded in the Train tab and
    opened in the Build tab: the layers that overflow say so, drawn in the +∞ colour."""
    conv = {"type": "conv2d", "filters": 1, "kernel_size": 3, "padding": 1, "activation": "relu"}
    spec = [conv] * 9 + [{"type": "flatten"}, {"type": "dense", "units": 10}]
    net = train.make_network(spec, (1, 8, 8), seed=0)
    for name, p in net.params().items():
        p[...] = 3e38 if name.startswith("conv") and name.endswith("weight") else 0.5 if name.startswith("dense") else 0
    model = tmp_path / "overflow.npz"
    train.save_model(str(model), net, spec, (1, 8, 8), list(range(10)))
    app = new_app_page("/#train")
    page = app.page
    page.set_input_files("input[type=file][data-testid=train-load]", str(model))
    page.wait_for_selector("[data-testid=train-open-build]:not([disabled])", timeout=20_000)
    page.click("[data-testid=train-open-build]")
    page.wait_for_selector("#build:not([hidden]) [data-testid=builder-trained]:not([hidden])", timeout=10_000)
    page.click("[data-testid=builder-sample]")
    layer = "#build [data-testid=layer-result][data-name={}]"
    page.wait_for_selector(layer.format("conv8") + " [data-testid=nonfinite]", timeout=30_000)
    assert page.locator(layer.format("conv7") + " [data-testid=nonfinite]").count() == 0
    for name in ("conv8", "conv9", "flatten", "dense1"):
        note = page.locator(layer.format(name) + " [data-testid=nonfinite]")
        assert "+∞" in note.text_content() and "overflowed" in note.text_content(), name
    captions = page.eval_on_selector_all(layer.format("conv8") + " figcaption span", "s => s.map(x => x.textContent)")
    assert captions == ["1: no finite values"]
    px = page.locator(layer.format("conv8") + " canvas[data-testid=builder-fmap]").evaluate(
        "c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)")
    assert set(zip(px[0::4], px[1::4], px[2::4])) == {POSINF}
    assert not app.page_errors, app.page_errors
