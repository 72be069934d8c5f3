"""End-to-end: axe-core finds no serious or critical violation on any tab (issue 14's tests).

Every tab with the sample photo loaded (Convolution, Explorers, Build, Train), then the states
that used to fail: an error with out-of-date results on each tab (stride 0 on the Convolution
tab, an explorer's impossible window, a broken layer under a run in Build, a bad learning
rate in Train), and the phone width (375 px). axe.min.js comes from node_modules (the npm
devDependency axe-core, see axe_check.py); each violation is printed with its rule, impact
and first targets.
"""
from __future__ import annotations

from axe_check import assert_no_serious
from page_helpers import banner

PHONE = {"width": 375, "height": 740}


def open_with_sample(new_app_page, viewport=None):
    app = new_app_page("/")
    page = app.page
    if viewport:
        page.set_viewport_size(viewport)
    page.click("[data-testid=sample]")
    page.wait_for_function(
        """() => { const maps = document.querySelector('[data-testid=maps]');
                   return Number(maps.dataset.renders || 0) > 0
                       && document.querySelector('[data-testid=status]').dataset.state === 'ready'; }""",
        timeout=30_000)
    return app


def show_explorers(page):
    page.click("[data-testid=tab-explore]")
    # every explorer has drawn once, on the sample photo where it uses an image
    page.wait_for_function(
        """() => { const cards = [...document.querySelectorAll('[data-testid^=explorer-]')]
                       .filter(c => c.dataset.renders !== undefined);
                   return cards.length >= 6 && cards.every(c => Number(c.dataset.renders) > 0); }""",
        timeout=30_000)


def builder_renders(page) -> int:
    return int(page.get_attribute("[data-testid=builder-results]", "data-renders") or 0)


def show_builder(page):
    page.click("[data-testid=tab-build]")
    page.wait_for_selector("[data-testid=layer-row]", timeout=20_000)
    page.wait_for_function(
        """() => { const r = document.querySelector('[data-testid=builder-results]');
                   return Number(r.dataset.renders || 0) > 0 && !r.classList.contains('stale'); }""",
        timeout=60_000)


def show_train(page):
    page.click("[data-testid=tab-train]")
    page.wait_for_selector("[data-testid=train-start]:not([disabled])", timeout=30_000)
    page.wait_for_selector("[data-testid=train-layer-row]:visible", timeout=20_000)


def test_axe_every_tab_with_the_sample_photo(new_app_page, shot):
    app = open_with_sample(new_app_page)
    page = app.page
    assert_no_serious(page, "on the Convolution tab with the sample photo")
    show_explorers(page)
    assert_no_serious(page, "on the Explorers tab")
    show_builder(page)
    assert_no_serious(page, "on the Build tab after a run")
    show_train(page)
    assert_no_serious(page, "on the Train tab")
    # one step: the curves, the filters and the pad's answer are on screen
    page.click("[data-testid=train-step]")
    page.wait_for_function("document.querySelector('[data-testid=train-status]').dataset.step === '1'",
                           timeout=60_000)
    page.wait_for_selector("canvas[data-testid=train-filter]", timeout=20_000)
    assert_no_serious(page, "on the Train tab after one batch")
    assert not app.page_errors, app.page_errors


def test_axe_errors_and_out_of_date_results(new_app_page, shot):
    app = open_with_sample(new_app_page)
    page = app.page

    # Convolution: stride 0 keeps the old maps, marked out of date
    page.fill("[data-testid=stride]", "0")
    page.wait_for_selector("[data-testid=stale-note]:visible", timeout=20_000)
    assert page.get_attribute("[data-testid=maps]", "data-stale") == "true"
    shot(page, "a11y-conv-stale-1280")
    assert_no_serious(page, "on the Convolution tab with stride 0 (out-of-date maps)")
    page.fill("[data-testid=stride]", "1")
    page.wait_for_selector("[data-testid=stale-note]", state="hidden", timeout=20_000)

    # Explorers: a window larger than its padded input marks the sliding window's output
    show_explorers(page)
    page.select_option("[data-testid=sliding-input]", "random")
    page.fill("[data-testid=sliding-size]", "2")
    page.select_option("[data-testid=sliding-padding]", "1")
    page.select_option("[data-testid=sliding-dilation]", "3")
    page.wait_for_selector("[data-testid=sliding-stale]:visible", timeout=20_000)
    assert_no_serious(page, "on the Explorers tab with an out-of-date explorer")

    # Build: a run, then a layer that breaks the stack: the run is out of date
    show_builder(page)
    first = page.locator("[data-testid=layer-card]").first
    first.locator("[data-testid=field-filters]").fill("0")
    page.wait_for_selector("[data-testid=builder-stale-note]:visible", timeout=20_000)
    # the reason is under the Filters box of the layer that breaks
    page.wait_for_selector("[data-testid=layer-card] [data-testid=field-filters][aria-invalid=true]", timeout=20_000)
    assert first.locator("[data-testid=field-error]").text_content().startswith(
        "filters must be a whole number, at least 1; got 0")
    assert page.get_attribute("[data-testid=builder-results]", "class").split().count("stale") == 1
    note = page.text_content("[data-testid=builder-stale-note]")
    assert note.startswith("Out of date: ")
    # the results' text keeps its colour: no element holding text, nor the results, is transparent
    opacity = page.evaluate("""() => {
        const box = document.querySelector('[data-testid=builder-results]');
        const texts = [...box.querySelectorAll('*')].filter(e =>
            [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()));
        return Math.min(...[box, ...texts].map(e => Number(getComputedStyle(e).opacity)));
    }""")
    assert opacity == 1
    shot(page, "a11y-build-stale-1280")
    assert_no_serious(page, "on the Build tab with a broken layer under a run")
    first.locator("[data-testid=field-filters]").fill("10")
    page.wait_for_selector("[data-testid=builder-stale-note]", state="hidden", timeout=30_000)
    # an input size out of range: said under the Height box, which points at the message
    page.fill("[data-testid=input-height]", "0")
    page.wait_for_selector("[data-testid=input-height][aria-invalid=true]", timeout=20_000)
    described = page.get_attribute("[data-testid=input-height]", "aria-describedby")
    assert page.text_content(f"#{described}").startswith("Input height must be")
    assert banner(page) is None
    assert_no_serious(page, "on the Build tab with a refused input height")
    page.fill("[data-testid=input-height]", "352")
    page.wait_for_selector("[data-testid=input-height]:not([aria-invalid])", timeout=20_000)

    # Train: a learning rate of 0 is refused next to its box
    show_train(page)
    page.fill("[data-testid=train-lr]", "0")
    page.click("[data-testid=train-start]")
    page.wait_for_selector("[data-testid=train-lr][aria-invalid=true]", timeout=20_000)
    assert banner(page) is None
    shot(page, "a11y-train-error-1280")
    assert_no_serious(page, "on the Train tab with a refused learning rate")
    assert not app.page_errors, app.page_errors


def test_axe_on_a_phone(new_app_page, shot):
    app = open_with_sample(new_app_page, PHONE)
    page = app.page
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_no_serious(page, "on the Convolution tab at 375 px")
    show_explorers(page)
    assert_no_serious(page, "on the Explorers tab at 375 px")
    show_builder(page)
    assert_no_serious(page, "on the Build tab at 375 px")
    page.locator("[data-testid=layer-card]").first.locator("[data-testid=field-filters]").fill("0")
    page.wait_for_selector("[data-testid=builder-stale-note]:visible", timeout=20_000)
    shot(page, "a11y-build-stale-375")
    assert_no_serious(page, "on the Build tab at 375 px with a broken layer")
    show_train(page)
    assert_no_serious(page, "on the Train tab at 375 px")
    assert not app.page_errors, app.page_errors


def test_the_tab_bar_is_in_a_landmark_and_stays_a_tablist(new_app_page):
    app = new_app_page("/")
    page = app.page
    info = page.evaluate("""() => {
        const list = document.querySelector('[role=tablist]');
        const nav = list.closest('nav');
        return {tabs: list.querySelectorAll('[role=tab]').length, navRole: nav && nav.getAttribute('role'),
                navLabel: nav && nav.getAttribute('aria-label')};
    }""")
    assert info == {"tabs": 4, "navRole": None, "navLabel": "Sections of the page"}
    # the keyboard pattern still works from inside the landmark
    page.focus("[data-testid=tab-convolution]")
    page.keyboard.press("ArrowRight")
    assert page.get_attribute("[data-testid=tab-explore]", "aria-selected") == "true"
    assert page.evaluate("document.activeElement.dataset.testid") == "tab-explore"
