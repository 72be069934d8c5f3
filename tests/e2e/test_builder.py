"""End-to-end: the "Build a CNN" panel (issue 5's "Done means") in headless Chromium.

One test walks the whole story on a fresh page: the notebook preset and an uploaded image;
the table with the notebook's shapes and parameter totals; every layer's feature maps and
the 10 class scores (checked against pycore run here in CPython on the same pixels); an
edit that updates the table; a stack broken with the keyboard and marked at the layer
that breaks; a reload that brings the network back from the URL; the phone layout.
Two Pyodide starts in all (the page and its reload); the phone check resizes the same page.
"""
from __future__ import annotations

import numpy as np
from page_helpers import banner, rgb_image, save_png
from PIL import Image

from pycore import page as pycore_page
from pycore.presets import PRESETS

SEED_SHAPES = ["10,352,480", "10,176,240", "10,176,240", "10,88,120", "10,88,120",
               "10,44,60", "10,44,60", "10,22,30", "10,22,30", "10,11,15", "1650", "512",
               "10", "10"]
SEED_PARAMS = 854_362


def make_photo(tmp_path, h=360, w=480, seed=0):
    """A seeded opaque RGB image the size of the notebook's photo (360x480)."""
    path = tmp_path / "photo.png"
    return path, save_png(path, rgb_image(h, w, seed, square=24, low=40, contrast=180))


def rows(page):
    return page.evaluate("""() => [...document.querySelectorAll('[data-testid=layer-row]')].map(r => ({
        name: r.dataset.name, shape: r.dataset.shape, params: Number(r.dataset.params),
        error: r.dataset.error || null}))""")


def totals(page):
    return int(page.get_attribute("[data-testid=totals]", "data-params"))


def renders(page) -> int:
    return int(page.get_attribute("[data-testid=builder-results]", "data-renders") or 0)


def wait_run(page, before: int) -> None:
    page.wait_for_function(
        """(n) => Number(document.querySelector('[data-testid=builder-results]').dataset.renders || 0) > n
                  && !document.querySelector('[data-testid=builder-results]').classList.contains('stale')""",
        arg=before, timeout=30_000)


def wait_table(page, js_condition: str) -> None:
    page.wait_for_function(
        f"""() => {{ const rows = [...document.querySelectorAll('[data-testid=layer-row]')];
                   return {js_condition}; }}""", timeout=15_000)


def open_builder(new_app_page, path="/#build"):
    app = new_app_page(path)
    app.page.wait_for_selector("[data-testid=layer-row]", timeout=20_000)
    return app


def test_build_run_edit_break_and_share_the_notebook_network(new_app_page, tmp_path, shot):
    app = open_builder(new_app_page)
    page = app.page

    # --- the notebook preset and an uploaded image
    page.click("[data-testid=preset-seed]")
    assert page.get_attribute("[data-testid=preset-seed]", "aria-pressed") == "true"
    photo, rgba = make_photo(tmp_path)
    before = renders(page)
    page.set_input_files("input[type=file][data-testid=builder-upload]", str(photo))
    wait_run(page, before)
    # 360x480 to 352x480, "crop": a plain crop of whole pixels, and the page says so
    fit = page.text_content("[data-testid=builder-fit]")
    assert "Cropped" in fit and "4 rows at the top and 4 at the bottom" in fit
    assert page.is_checked("[data-testid=input-fit-crop]")

    # --- the table: every shape, the parameters, the totals
    got = rows(page)
    assert [r["shape"] for r in got] == SEED_SHAPES
    assert [r["params"] for r in got if r["params"]] == [280, 910, 910, 910, 910, 845_312, 5_130]
    assert totals(page) == SEED_PARAMS
    assert "854,362" in page.text_content("[data-testid=total-params]")
    assert page.get_attribute("[data-testid=input-row]", "data-shape") == "3,352,480"

    # --- every layer drawn: all channels of each map layer, the flatten strip, dense, scores
    sections = page.evaluate("""() => [...document.querySelectorAll('[data-testid=layer-result]')].map(s => ({
        name: s.dataset.name, kind: s.dataset.kind,
        maps: [...s.querySelectorAll('canvas[data-testid=builder-fmap]')].map(c => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            const step = 4 * Math.max(1, Math.floor(d.length / 4 / 5000));
            const levels = new Set();
            for (let i = 0; i < d.length; i += step) levels.add(d[i]);
            return [c.height, c.width, levels.size]; }),
        ms: s.querySelector('[data-testid=layer-ms]')?.textContent || null}))""")
    assert [s["name"] for s in sections] == ["input"] + [r["name"] for r in got]
    for s, shape in zip(sections[1:11], SEED_SHAPES[:10]):
        c, h, w = map(int, shape.split(","))
        assert s["kind"] == "maps" and len(s["maps"]) == c, s["name"]
        assert all((mh, mw) == (h, w) for mh, mw, _ in s["maps"]), s["name"]
        assert max(levels for *_, levels in s["maps"]) > 8, f"{s['name']}: no map has any detail"
        assert s["ms"] and s["ms"].endswith("ms")
    assert sections[11]["kind"] == "strip"
    assert page.get_attribute("[data-testid=flatten-strip]", "data-length") == "1650"
    assert page.locator("canvas[data-testid=flatten-strip]").evaluate("c => c.width") == 1650
    assert page.locator("[data-testid=dense-chart]").count() == 1  # dense1: 512 bars
    scores = page.evaluate("""() => [...document.querySelectorAll('[data-testid=score]')].map(
        s => [Number(s.dataset.logit), Number(s.dataset.prob)])""")
    assert len(scores) == 10
    # the same pixels, preset and seed in CPython give the same scores
    image = pycore_page.prepare_image(rgba.tobytes(), 360, 480)
    want = pycore_page.call("network_run", image, {
        "spec": PRESETS["seed"]["spec"], "seed": 0,
        "input": {"color": "rgb", "height": 352, "width": 480, "fit": "crop"}})["meta"]["scores"]
    np.testing.assert_allclose([p for _, p in scores], want["probabilities"], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose([z for z, _ in scores], want["logits"], rtol=1e-4, atol=1e-5)
    shot(page, "builder-notebook-network")

    # --- edit a layer: conv1 gets 16 filters; the table follows before anything runs
    page.locator("[data-testid=layer-card]").first.locator("[data-testid=field-filters]").fill("16")
    wait_table(page, "rows[0].dataset.shape === '16,352,480'")
    got = rows(page)
    assert got[0]["params"] == 16 * 27 + 16 and got[2]["params"] == 10 * 16 * 9 + 10
    assert totals(page) == SEED_PARAMS - 280 - 910 + (16 * 27 + 16) + (10 * 16 * 9 + 10)
    assert "16×352×480" in page.locator("[data-testid=layer-card]").first.text_content()

    # --- break the stack with the keyboard: flatten moves below dense1
    cards = page.locator("[data-testid=layer-card]")
    cards.nth(10).locator("[data-testid=layer-down]").focus()
    page.keyboard.press("Enter")
    wait_table(page, "rows.some(r => r.dataset.error)")
    # focus stays on the moved layer's button, so it can keep moving
    assert page.evaluate("document.activeElement.dataset.part") == "down"
    assert page.evaluate("document.activeElement.closest('[data-testid=layer-card]').dataset.type") == "flatten"
    got = rows(page)
    broken = [r for r in got if r["error"]]
    assert [r["name"] for r in broken] == ["dense1"] and "flatten" in broken[0]["error"]
    assert got.index(broken[0]) == 10 and all(r["shape"] == "" for r in got[10:])
    bad_card = cards.nth(10)
    assert bad_card.get_attribute("aria-invalid") == "true"
    assert "flatten" in bad_card.locator("[data-testid=layer-error]").text_content()
    status = page.text_content("[data-testid=stack-status]")
    assert "breaks at layer 11 (dense1)" in status and "flatten" in status
    assert "flatten" in page.text_content("[data-testid=layer-error-row]")
    assert page.text_content("[data-testid=total-params]").strip() == "—"
    assert page.is_disabled("[data-testid=run]")
    shot(page, "builder-invalid-stack")
    # ...and back up with the keyboard: valid again
    page.keyboard.press("Shift+Tab")  # the flatten card's "up" button
    page.keyboard.press("Enter")
    wait_table(page, "!rows.some(r => r.dataset.error) && rows[10].dataset.shape === '1650'")

    # --- a new seed, then reload: the URL brings the network back
    seed_before = page.input_value("[data-testid=seed]")
    page.click("[data-testid=reseed]")
    assert page.input_value("[data-testid=seed]") != seed_before
    page.wait_for_function("() => location.hash.startsWith('#build?s=')")
    page.wait_for_timeout(100)
    url, seed = page.url, page.input_value("[data-testid=seed]")
    table = rows(page)
    page.reload()
    app.wait_state("ready")
    wait_table(page, "rows.length > 0 && rows[0].dataset.shape === '16,352,480'")
    assert rows(page) == table
    assert page.url == url and page.input_value("[data-testid=seed]") == seed
    assert page.is_checked("[data-testid=input-fit-crop]") and page.is_checked("[data-testid=input-color-rgb]")
    assert not app.page_errors and not app.console_errors, (app.page_errors, app.console_errors)

    # --- the reloaded page on a phone: the image again, no sideways scrolling (the maps
    # scroll inside their rows)
    page.set_viewport_size({"width": 375, "height": 812})
    before = renders(page)
    page.set_input_files("input[type=file][data-testid=builder-upload]", str(photo))
    wait_run(page, before)
    assert page.locator("[data-testid=layer-result]").count() == 15
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375, f"page is {width}px wide on a 375px screen"
    shot(page, "builder-375px")


def test_export_gives_json_pytorch_and_pycore_code_and_maps_as_png(new_app_page, tmp_path):
    page = open_builder(new_app_page, "/#build").page
    page.click("[data-testid=preset-tiny]")
    wait_table(page, "rows.length === 5 && rows[0].dataset.shape === '4,14,14'")
    # any feature map downloads as a PNG of the map's size
    photo, _ = make_photo(tmp_path, h=40, w=40)
    before = renders(page)
    page.set_input_files("input[type=file][data-testid=builder-upload]", str(photo))
    wait_run(page, before)
    fig = page.locator("[data-testid=layer-result][data-name=conv1] figure").nth(2)
    with page.expect_download() as dl:
        fig.locator("[data-testid=download-png]").click()
    assert dl.value.suggested_filename == "cnn-conv1-map3.png"
    saved = tmp_path / "map.png"
    dl.value.save_as(saved)
    assert Image.open(saved).size == (14, 14)
    code = page.locator("[data-testid=export-code]")
    page.click("[data-testid=export-torch]")
    page.wait_for_function("() => document.querySelector('[data-testid=export-code]').dataset.format === 'torch'")
    text = code.text_content()
    assert "torch.nn.Sequential(" in text and "torch.nn.Conv2d(1, 4, kernel_size=3" in text
    assert "torch.nn.Linear(196, 10)" in text
    page.click("[data-testid=export-pycore]")
    page.wait_for_function("() => document.querySelector('[data-testid=export-code]').dataset.format === 'pycore'")
    assert "Sequential(layers, names, input_shape=(1, 16, 16))" in code.text_content()
    page.click("[data-testid=export-json]")
    page.wait_for_function("() => document.querySelector('[data-testid=export-code]').dataset.format === 'json'")
    assert '"input_shape": [\n    1,\n    16,\n    16\n  ]' in code.text_content()
    # the code follows the edits
    page.locator("[data-testid=layer-card]").nth(3).locator("[data-testid=field-units]").fill("7")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=export-code]').textContent.includes('\"units\": 7')")


def b64url(text: str) -> str:
    import base64
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def go_hash(page, fragment: str) -> None:
    """Change only the address's hash, as a pasted link does with the page open."""
    page.evaluate("(h) => { location.hash = h; }", fragment)
    page.wait_for_timeout(150)


def test_bad_links_say_what_is_shown_and_clear_on_any_change(new_app_page, shot):
    # a fresh load of a garbage link: the notebook's network, and the banner says so
    app = open_builder(new_app_page, "/#build?s=garbage!!")
    page = app.page
    wait_table(page, "rows.length === 14")
    assert [r["shape"] for r in rows(page)] == SEED_SHAPES
    text = banner(page)
    assert "could not be read" in text and "the notebook's network is shown instead" in text
    page.wait_for_function("() => location.hash.startsWith('#build?s=') && !location.hash.includes('garbage')")
    # ...and clears at the first change of the network
    page.click("[data-testid=preset-lenet]")
    wait_table(page, "rows.length === 9")
    assert banner(page) is None
    page.wait_for_timeout(100)
    lenet_hash = page.evaluate("location.hash")

    # with the page open, bad links keep the network on the page, and say so
    for bad, words in [("garbage!!", "could not be read"), (lenet_hash.split("s=")[1][:25], "could not be read"),
                       (b64url('{"v":99}'), "version 99"),
                       (b64url('{"v":1,"spec":[null]}'), "layer 1 is not an object")]:
        go_hash(page, f"#build?s={bad}")
        text = banner(page)
        assert text and words in text and "the network on the page was kept" in text, (bad, text)
        assert "notebook" not in text and len(rows(page)) == 9
        assert page.evaluate("location.hash") == lenet_hash  # the address bar shows what is shown
    shot(page, "builder-bad-link-kept")
    page.click("[data-testid=preset-tiny]")
    wait_table(page, "rows.length === 5")
    assert banner(page) is None
    # a good link clears it too
    go_hash(page, "#build?s=garbage!!")
    assert banner(page)
    go_hash(page, lenet_hash)
    wait_table(page, "rows.length === 9")
    assert banner(page) is None
    # ...and so does an edit
    go_hash(page, "#build?s=garbage!!")
    assert banner(page)
    page.locator("[data-testid=layer-card]").first.locator("[data-testid=field-filters]").fill("7")
    wait_table(page, "rows[0].dataset.shape === '7,28,28'")
    assert banner(page) is None

    # --- import: JSON of the wrong shape says what is wrong; the page keeps working
    page.click("summary:has-text('Load a network from JSON')")
    msg = page.locator("[data-testid=builder-export] .b-bad-text[role=status]")
    for doc, words in [("[1,2,3]", "layer 1 is not an object with a \"type\""),
                       ('[{"type": "flatten"}, null]', "layer 2 is not an object with a \"type\""),
                       ('{"a":1}', 'needs a "spec"'), ('"text"', "list of layers"),
                       ("[null]", "layer 1 is not")]:
        page.fill("[data-testid=import-text]", doc)
        page.click("[data-testid=import-load]")
        assert words in msg.text_content(), (doc, msg.text_content())
        assert "weak map" not in msg.text_content()
    assert len(rows(page)) == 9  # nothing was loaded
    # an unknown type loads, and the table marks it, counting from 1 as the table does
    go_hash(page, "#build?s=garbage!!")
    page.fill("[data-testid=import-text]", '[{"type": "flatten"}, {"type": "dropout"}]')
    page.click("[data-testid=import-load]")
    wait_table(page, "rows.length === 2 && rows[1].dataset.error")
    assert banner(page) is None  # importing changed the network
    status = page.text_content("[data-testid=stack-status]")
    assert status.startswith("The stack breaks at layer 2: ") and 'there is no layer type "dropout"' in status
    assert "layer1" not in status and "layer0" not in status

    # --- fields: an empty Filters says so; a kernel typed as [3,3] is taken
    page.fill("[data-testid=import-text]", '[{"type": "conv2d", "filters": 4}, {"type": "flatten"}]')
    page.click("[data-testid=import-load]")
    wait_table(page, "rows.length === 2 && rows[1].dataset.shape === '2704'")
    card = page.locator("[data-testid=layer-card]").first
    card.locator("[data-testid=field-kernel_size]").fill("[5, 5]")
    wait_table(page, "rows[0].dataset.shape === '4,24,24'")
    card.locator("[data-testid=field-filters]").fill("")
    wait_table(page, "rows[0].dataset.error")
    # the message sits under the Filters box, which points at it (not at the card's foot)
    err = card.locator("[data-testid=field-error]").text_content()
    assert err.startswith("filters must be a whole number, at least 1; it is empty") and "None" not in err
    filters = card.locator("[data-testid=field-filters]")
    assert filters.get_attribute("aria-invalid") == "true"
    assert filters.get_attribute("aria-describedby") == card.locator("[data-testid=field-error]").get_attribute("id")
    assert not card.locator("[data-testid=layer-error]").is_visible()
    card.locator("[data-testid=field-kernel_size]").fill("3;3")  # still empty filters first
    card.locator("[data-testid=field-filters]").fill("100000")
    wait_table(page, "rows[0].dataset.error && rows[0].dataset.error.includes('kernel size')")
    page.wait_for_function("""() => document.querySelector('[data-testid=layer-card] [data-testid=field-kernel_size]')
                                  .getAttribute('aria-invalid') === 'true'""")
    assert card.locator("[data-testid=field-filters]").get_attribute("aria-invalid") is None
    err = card.locator("[data-testid=field-error]").text_content()
    assert err.startswith('kernel size "3;3" is not a size')
    assert "3,5" in err and "[3, 5]" in err  # the forms the field takes
    shot(page, "builder-bad-field")
    card.locator("[data-testid=field-kernel_size]").fill("3")
    wait_table(page, "!rows[0].dataset.error")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stack-status]').textContent.includes('Cannot run')")
    status = page.text_content("[data-testid=stack-status]")
    assert "fewer filters in conv1" in status and "dense" not in status
    assert not app.page_errors and not app.console_errors, (app.page_errors, app.console_errors)
