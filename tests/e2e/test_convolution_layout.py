"""End-to-end: the Convolution tab's layout, address and messages (issue 14, items 1, 2, 3,
6, 10 and 11): the sample photo's maps on arrival and above the fold, a preview of the maps
on a phone while the controls scroll, each message beside the control that caused it, the
settings in the address, one short announcement per result, and nothing cut off or wider
than a phone."""
from __future__ import annotations

import re

import pytest
from page_helpers import banner, fmaps, renders, reset, set_control, wait_render

FMAP = "canvas[data-testid=fmap]"


@pytest.fixture
def page(app):
    """The shared page (opened with ?image=none, as the other files' tests expect) on the
    sample photo with the default settings."""
    reset(app.page)
    if not (app.page.text_content("[data-testid=image-caption]") or "").startswith("sample"):
        before = renders(app.page)
        app.page.click("[data-testid=sample]")
        wait_render(app.page, before)
    yield app.page
    reset(app.page)


def open_page(browser, server, width, height, path="/", **context_args):
    """A fresh page at width x height; waits for Python."""
    context = browser.new_context(viewport={"width": width, "height": height}, **context_args)
    p = context.new_page()
    errors = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.goto(server + path)
    p.wait_for_selector("[data-testid=status][data-state=ready]", timeout=60_000)
    return context, p, errors


def wait_maps(p):
    """Wait until maps are drawn of the image on screen and nothing is in flight."""
    p.wait_for_function("""() => {
        const maps = document.querySelector('[data-testid=maps]');
        const input = document.querySelector('canvas[data-testid=input-image]');
        return maps.querySelector('canvas[data-testid=fmap]') && input.dataset.image
            && maps.dataset.image === input.dataset.image
            && document.querySelector('[data-testid=status]').dataset.state === 'ready';
    }""", timeout=30_000)


def message_of(p, testid):
    """The message the control `testid` points at with aria-describedby (None if it has none),
    its aria-invalid and whether the message sits right after the control's label."""
    return p.evaluate("""(tid) => {
        const c = document.querySelector(`#convolution [data-testid="${tid}"]`);
        const ids = (c.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
        const box = ids.map((id) => document.getElementById(id)).find((e) => e && e.classList.contains('field-error'));
        if (!box) return {text: null, invalid: c.getAttribute('aria-invalid')};
        const a = (c.closest('label') || c).getBoundingClientRect();
        const b = box.getBoundingClientRect();
        return {text: box.textContent, invalid: c.getAttribute('aria-invalid'),
                after: (c.closest('label') || c).nextElementSibling === box,
                gap: b.top - a.bottom, visible: b.height > 0};
    }""", testid)


def maps_checksum(p):
    """Every feature and pooled map's label, shape and the sum of its gray levels."""
    return [(m["label"], m["width"], m["height"], sum(m["gray"])) for m in fmaps(p) + fmaps(p, "pooled")]


# ----------------------------------------------------------------------------- arrival


def test_arrival_shows_the_sample_photos_maps_above_the_fold(browser, server, shot):
    context, p, errors = open_page(browser, server, 1280, 800)
    try:
        wait_maps(p)  # no click
        assert "sample" in p.text_content("[data-testid=image-caption]")
        assert [m["label"] for m in fmaps(p)] == ["edge", "sharpen", "blur"]
        top = p.locator(FMAP).first.evaluate("c => c.getBoundingClientRect().top")
        assert top < 800 - 100, f"the first feature map starts at {top}px on a 1280x800 screen"
        shot(p, "convolution-arrival-1280x800")
        assert errors == []
    finally:
        context.close()


def test_image_none_in_the_address_keeps_the_box_empty(browser, server):
    context, p, _ = open_page(browser, server, 1280, 800, path="/?image=none")
    try:
        p.wait_for_timeout(1500)
        assert p.locator(FMAP).count() == 0
        assert p.text_content("[data-testid=image-caption]").startswith("No image yet")
        p.click("[data-testid=sample]")  # the button still loads it
        wait_maps(p)
        assert p.locator(FMAP).count() == 3
    finally:
        context.close()


def test_on_a_phone_a_preview_of_the_maps_stays_in_view_of_a_lower_control(browser, server, shot):
    context, p, _ = open_page(browser, server, 375, 740)
    try:
        wait_maps(p)
        strip = p.locator("[data-testid=map-strip]")
        assert strip.get_attribute("aria-hidden") == "true"  # it only duplicates the maps
        # with the maps card on screen there is no strip
        p.locator("[data-testid=maps]").scroll_into_view_if_needed()
        p.wait_for_function("() => document.querySelector('[data-testid=map-strip]').hidden")
        p.focus("[data-testid=pool-padding]")
        p.wait_for_function("() => !document.querySelector('[data-testid=map-strip]').hidden")
        thumbs = strip.locator("canvas").evaluate_all("cs => cs.map(c => [c.width, c.height])")
        assert len(thumbs) == 3 and all(w > 0 and h > 0 for w, h in thumbs)
        box = strip.bounding_box()
        control = p.locator("[data-testid=pool-padding]").bounding_box()
        assert box["y"] + box["height"] <= 740.5 and box["y"] < 740
        assert control["y"] + control["height"] <= box["y"], "the strip covers the focused control"
        # an edit made down here redraws the strip's copies
        before = p.evaluate("() => document.querySelector('[data-testid=map-strip] canvas').toDataURL()")
        set_control(p, "pool-padding", "1")
        before_stride = renders(p)
        p.fill("[data-testid=stride]", "3")
        wait_render(p, before_stride)
        p.focus("[data-testid=pool-padding]")
        after = p.evaluate("() => document.querySelector('[data-testid=map-strip] canvas').toDataURL()")
        assert after != before
        # a message for the control being typed in is not hidden behind the strip
        p.fill("[data-testid=stride]", "0")
        p.wait_for_function("() => document.querySelector('#convolution [data-testid=stride]')"
                          ".getAttribute('aria-invalid') === 'true'")
        p.wait_for_timeout(100)
        message = p.evaluate("""() => document.getElementById(
            document.querySelector('#convolution [data-testid=stride]').getAttribute('aria-describedby'))
            .getBoundingClientRect().bottom""")
        assert not strip.is_hidden() and message <= strip.bounding_box()["y"], "the strip covers the stride's message"
        set_control(p, "stride", "1")
        shot(p, "convolution-375-preview-strip")
    finally:
        context.close()


# ----------------------------------------------------------------------------- messages


# Pooling's problems come back in the result's meta.pool_error (the feature maps are still
# drawn): beside the control pycore names, or, when it names none, beside the pooling group.
POOL_GROUP = "pool-controls"


@pytest.mark.parametrize("testid,value,word", [
    ("stride", "0", "stride"), ("dilation", "0", "dilation"), ("padding", "-1", "padding"),
    ("pool-size", "0", "window"), ("pool-stride", "0", "stride"), ("stride", "", "stride"),
    ("stride", "1e308", "1e+308"),
])
def test_a_bad_setting_is_named_beside_its_control_and_goes_when_fixed(page, tmp_path, testid, value, word):
    wait_maps(page)
    good = page.input_value(f"[data-testid={testid}]")
    targets = [testid, POOL_GROUP] if testid.startswith("pool-") else [testid]
    page.fill(f"[data-testid={testid}]", value)
    page.wait_for_function("""(ts) => ts.some((t) =>
        document.querySelector(`#convolution [data-testid=${t}]`).getAttribute('aria-invalid') === 'true')""",
                           arg=targets, timeout=30_000)
    target = next(t for t in targets if message_of(page, t)["text"])
    m = message_of(page, target)
    assert m["invalid"] == "true" and m["visible"] and m["after"], m
    assert word in m["text"].lower(), m["text"]
    assert len(m["text"]) < 120 and not re.search(r"\d{20}", m["text"]), m["text"]  # 1e308 stays short
    for code_like in ("=(", "torch", "key '", "params"):
        assert code_like not in m["text"]
    assert banner(page) is None  # the banner is for page-wide problems
    if testid.startswith("pool-"):  # a pooling problem leaves the feature maps current
        assert not page.locator("[data-testid=stale-note]").is_visible()
    else:
        note = page.text_content("[data-testid=stale-note]")
        assert page.locator("[data-testid=stale-note]").is_visible() and "above" not in note
        assert "Fix" in note
    set_control(page, testid, good)
    m = message_of(page, target)
    assert m["text"] is None and m["invalid"] is None
    assert page.locator("#convolution [data-testid=field-error]").count() == 0


def test_a_bad_kernel_cell_is_named_beside_its_filter(page):
    wait_maps(page)
    kernel = page.locator("[data-testid=kernel]").nth(1)
    cell = kernel.locator("[data-testid=kernel-cell]").nth(3)
    cell.fill("x/0")
    page.wait_for_function("() => document.querySelectorAll('[data-testid=kernel]')[1]"
                           ".getAttribute('aria-invalid') === 'true'")
    text = page.evaluate("""() => { const k = document.querySelectorAll('[data-testid=kernel]')[1];
        const box = document.getElementById(k.getAttribute('aria-describedby'));
        return box.previousElementSibling.classList.contains('kernel-grid') && k.contains(box)
            ? box.textContent : null; }""")
    assert text and "Filter 2 (sharpen)" in text and "row 2, column 1" in text and '"x/0"' in text
    before = renders(page)
    cell.fill("-1")
    wait_render(page, before)
    assert kernel.get_attribute("aria-invalid") is None
    assert page.locator("#convolution [data-testid=field-error]").count() == 0


def test_pool_window_3_with_padding_2_says_why_the_pooled_maps_are_missing(page, shot):
    wait_maps(page)
    set_control(page, "pool-size", "3")
    set_control(page, "pool-padding", "2")
    # the feature maps are still drawn; the pooled ones say why they are not
    assert len(fmaps(page)) == 3 and page.locator("canvas[data-testid=pooled]").count() == 0
    missing = page.locator("[data-testid=pool-missing]")
    assert missing.count() == 3
    assert "padding" in missing.first.text_content().lower()
    # ... and so does a message beside the pooling controls, with the pooling card
    where = page.evaluate("""() => [...document.querySelectorAll('#convolution [data-testid=field-error]')].map(
        (e) => [e.closest('section.card').getAttribute('aria-labelledby'), e.textContent,
                document.querySelector(`[aria-describedby~="${e.id}"]`)?.getAttribute('aria-invalid')])""")
    assert len(where) == 1 and where[0][0] == "h-pool" and "padding" in where[0][1].lower() and where[0][2] == "true"
    assert "pooled" in page.text_content("[data-testid=conv-summary]")
    page.locator("[data-testid=pool-controls]").scroll_into_view_if_needed()
    shot(page, "convolution-pool-error")
    set_control(page, "pool-padding", "1")
    assert page.locator("canvas[data-testid=pooled]").count() == 3
    assert missing.count() == 0 and page.locator("#convolution [data-testid=field-error]").count() == 0


def test_a_kernel_too_large_for_the_input_is_named_beside_that_filter(page, tmp_path):
    from page_helpers import make_png, upload
    path, _ = make_png(tmp_path, h=8, w=8, seed=6)
    upload(page, path)
    page.fill("[data-testid=dilation]", "5")  # 3x3 at dilation 5 spans 11 > 8: pycore names filter 1
    first = page.locator("[data-testid=kernel]").first
    page.wait_for_function("() => document.querySelector('[data-testid=kernel]')"
                           ".getAttribute('aria-invalid') === 'true'", timeout=30_000)
    box = page.locator("#" + first.get_attribute("aria-describedby").split()[-1])
    assert first.evaluate("(k, b) => k.contains(b)", box.element_handle())
    text = box.text_content().lower()
    assert "larger than the padded input" in text and "dilation 5" in text
    assert banner(page) is None and page.locator("[data-testid=maps-error]").is_hidden()
    set_control(page, "dilation", "1")
    assert first.get_attribute("aria-invalid") is None
    assert page.locator("#convolution [data-testid=field-error]").count() == 0


# ----------------------------------------------------------------------------- the address


def test_every_setting_is_in_the_address_and_a_reload_restores_it(browser, server):
    context, p, errors = open_page(browser, server, 1280, 800)
    try:
        wait_maps(p)
        p.select_option("[data-testid=add-kernel-select]", "sobel_x")
        before = renders(p)
        p.click("[data-testid=add-kernel]")
        wait_render(p, before)
        before = renders(p)
        p.locator("[data-testid=kernel]").last.locator("[data-testid=kernel-cell]").nth(4).fill("1/2")
        wait_render(p, before)
        for testid, value in [("channel", "red"), ("stride", "2"), ("dilation", "2"), ("padding", "2"),
                              ("padding-mode", "reflect"), ("activation", "leaky_relu"), ("slope", "0.2"),
                              ("pool-type", "avg"), ("pool-size", "3"), ("pool-stride", "1"), ("pool-padding", "1")]:
            set_control(p, testid, value)
        before = renders(p)
        p.check("[data-testid=pool-ceil]")
        wait_render(p, before)
        p.check("[data-testid=color-diverging]")
        assert p.evaluate("location.hash").startswith("#convolution?k=3x3:")
        ids = ["channel", "stride", "dilation", "padding-kind", "padding", "padding-mode", "activation", "slope",
               "pool-type", "pool-size", "pool-stride", "pool-padding"]
        controls = {i: p.input_value(f"[data-testid={i}]") for i in ids}
        cells = p.locator("[data-testid=kernel-cell]").evaluate_all("cs => cs.map(c => c.value)")
        names = p.locator("[data-testid=kernel-name]").evaluate_all("cs => cs.map(c => c.value)")
        sums = maps_checksum(p)
        p.reload()
        p.wait_for_selector("[data-testid=status][data-state=ready]", timeout=60_000)
        wait_maps(p)
        assert {i: p.input_value(f"[data-testid={i}]") for i in ids} == controls
        assert p.locator("[data-testid=kernel-cell]").evaluate_all("cs => cs.map(c => c.value)") == cells
        assert p.locator("[data-testid=kernel-name]").evaluate_all("cs => cs.map(c => c.value)") == names
        assert names[-1].lower().startswith("sobel") and "1/2" in cells
        assert p.is_checked("[data-testid=pool-ceil]") and p.is_checked("[data-testid=color-diverging]")
        assert maps_checksum(p) == sums
        assert errors == []
    finally:
        context.close()


def test_copy_link_copies_the_address_or_selects_it(browser, server):
    context, p, _ = open_page(browser, server, 1280, 800, permissions=["clipboard-read", "clipboard-write"])
    try:
        wait_maps(p)
        set_control(p, "stride", "3")
        p.click("[data-testid=copy-link]")
        p.wait_for_function("() => document.querySelector('[data-testid=copy-note]').textContent === 'Copied'")
        copied = p.evaluate("navigator.clipboard.readText()")
        assert copied == p.evaluate("location.href") and "stride=3" in copied
        # where the page may not write to the clipboard, the link is selected for the learner
        p.evaluate("() => { navigator.clipboard.writeText = () => Promise.reject(new Error('denied')); }")
        p.click("[data-testid=copy-link]")
        box = p.locator("[data-testid=share-text]")
        box.wait_for(state="visible")
        assert box.input_value() == p.evaluate("location.href")
        assert p.evaluate("() => { const b = document.querySelector('[data-testid=share-text]');"
                          " return document.activeElement === b"
                          " && b.selectionEnd - b.selectionStart === b.value.length; }")
    finally:
        context.close()


def test_a_hand_edited_link_with_bad_values_gives_field_messages(browser, server):
    path = "/#convolution?k=3x3:1,2:broken&k=1x3:1,0,-1:mine&stride=abc&activation=foo&pool_size=0"
    context, p, errors = open_page(browser, server, 1280, 800, path=path)
    try:
        wait_maps(p) if p.locator(FMAP).count() else p.wait_for_selector("[data-testid=field-error]")
        p.wait_for_function("() => document.querySelectorAll('#convolution [data-testid=field-error]').length >= 3")
        assert "Stride" in message_of(p, "stride")["text"]
        assert "foo" in message_of(p, "activation")["text"]
        assert "filter 1 could not be read" in message_of(p, "filters")["text"]
        assert p.locator("[data-testid=kernel-name]").evaluate_all("cs => cs.map(c => c.value)") == ["mine"]
        assert errors == []
        # fixing the stride computes; the activation's note goes once it is changed
        set_control(p, "stride", "1")
        set_control(p, "pool-size", "2")
        assert [m["label"] for m in fmaps(p)] == ["mine"]
        set_control(p, "activation", "relu")
        assert message_of(p, "activation")["text"] is None
    finally:
        context.close()


# ----------------------------------------------------------------------------- announcements


def test_one_short_summary_is_announced_per_result(page):
    wait_maps(page)
    # nothing else on the tab that reads formulas or maps is live
    live = page.evaluate("""() => [...document.querySelectorAll(
            '#convolution [aria-live], #convolution [role=status], #convolution [role=alert]')]
        .filter((e) => e.getAttribute('aria-live') !== 'off').map((e) => e.dataset.testid || e.className)""")
    for forbidden in ("conv-formula", "pool-formula", "maps"):
        assert forbidden not in live
    page.evaluate("""() => { window.__said = [];
        new MutationObserver(() => { const t = document.querySelector('[data-testid=conv-summary]').textContent;
            if (t) window.__said.push(t); }).observe(document.querySelector('[data-testid=conv-summary]'),
                {childList: true, characterData: true, subtree: true}); }""")
    set_control(page, "stride", "2")
    page.wait_for_timeout(200)
    said = page.evaluate("window.__said")
    shapes = sorted({(m["height"], m["width"]) for m in fmaps(page)})
    pooled = sorted({(m["height"], m["width"]) for m in fmaps(page, "pooled")})
    (h, w), = shapes
    (ph, pw), = pooled
    assert said == [f"3 feature maps, {h}×{w}, pooled to {ph}×{pw}."]


# ----------------------------------------------------------------------------- fitting


@pytest.mark.parametrize("width", [1280, 375])
def test_option_texts_fit_their_selects(browser, server, width):
    context, p, _ = open_page(browser, server, width, 800)
    try:
        p.wait_for_selector("#convolution [data-testid=padding-mode] option", state="attached")
        p.select_option("[data-testid=activation]", "leaky_relu")
        cut = p.evaluate("""() => {
            const g = document.createElement('canvas').getContext('2d');
            const out = [];
            for (const s of document.querySelectorAll('#convolution select')) {
                if (!s.offsetParent) continue;
                const cs = getComputedStyle(s);
                g.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
                // Chromium sizes an auto-width select to its widest option plus its arrow (about 18 px)
                const room = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 18;
                for (const o of s.options) if (g.measureText(o.textContent).width > room) out.push(o.textContent);
            }
            return out; }""")
        assert cut == [], f"cut off at {width}px: {cut}"
    finally:
        context.close()


def test_an_11x11_kernel_does_not_widen_a_phone_page(browser, server, shot):
    context, p, _ = open_page(browser, server, 375, 740)
    try:
        wait_maps(p)
        before = renders(p)
        p.select_option("[data-testid=kernel-rows] >> nth=0", "11")
        wait_render(p, before)
        before = renders(p)
        p.select_option("[data-testid=kernel-cols] >> nth=0", "11")
        wait_render(p, before)
        assert p.locator("[data-testid=kernel]").first.locator("[data-testid=kernel-cell]").count() == 121
        width = p.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 375, f"the page is {width}px wide with an 11x11 kernel on a 375px screen"
        last = p.locator("[data-testid=kernel-cell][data-row='0'][data-col='10']").first
        last.focus()  # reachable: the grid scrolls inside its own box
        assert p.evaluate("() => document.documentElement.scrollWidth") <= 375
        p.locator("[data-testid=kernel]").first.scroll_into_view_if_needed()
        shot(p, "convolution-375-kernel-11x11")
    finally:
        context.close()
