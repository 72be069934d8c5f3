"""End-to-end, on the session's one page: a share link applied however it arrives (pasted
into the open page on another tab, typed, back and forward), a message that belongs to its
view and cause (the filter limit), and the builder refusing an empty height and seed −1."""
from __future__ import annotations

import pytest
from page_helpers import ALERT, CONV_TAB, EXPLORE_TAB, banner, make_png, renders, reset, upload, wait_render

from pycore.page import builder as B

BUILD_TAB = "[data-testid=tab-build]"
STACK_STATUS = "#build [data-testid=stack-status]"
RUN_STATUS = "#build [data-testid=run-status]"


def n_rows(page) -> int:
    return page.locator("#build [data-testid=layer-row]").count()


def wait_rows(page, n: int) -> None:
    page.wait_for_function("(n) => document.querySelectorAll('#build [data-testid=layer-row]').length === n",
                           arg=n, timeout=15_000)


def shown_tab(page) -> str:
    return page.evaluate("document.querySelector('[role=tab][aria-selected=true]').getAttribute('aria-controls')")


@pytest.fixture
def page(app):
    page = app.page
    page.click(BUILD_TAB)
    page.wait_for_selector("#build [data-testid=layer-row]", timeout=20_000)
    yield page
    page.click(BUILD_TAB)
    page.click("[data-testid=preset-seed]")
    page.click(CONV_TAB)


def preset_hash(page, name: str, n: int) -> str:
    page.click(f"[data-testid=preset-{name}]")
    wait_rows(page, n)
    page.wait_for_function("(n) => document.querySelector(`[data-testid=preset-${n}]`).ariaPressed === 'true'"
                           " && location.hash.startsWith('#build?s=')", arg=name)
    return page.evaluate("location.hash")


def test_a_share_link_is_applied_however_it_arrives(page, app):
    lenet = preset_hash(page, "lenet", 9)
    tiny = preset_hash(page, "tiny", 5)
    assert lenet != tiny
    page.evaluate("window.samePage = true")  # a reload would lose it (and Python)

    # pasted into the address bar while the page is open on another tab
    page.click(EXPLORE_TAB)
    page.evaluate("(h) => { location.hash = h; }", lenet)
    wait_rows(page, 9)
    assert shown_tab(page) == "build" and page.evaluate("location.hash") == lenet
    assert page.get_attribute("[data-testid=preset-lenet]", "aria-pressed") == "true"

    # typed on the Convolution tab (the same document: the address's hash changes)
    page.click(CONV_TAB)
    page.goto(app.base_url + "/" + tiny)
    wait_rows(page, 5)
    assert shown_tab(page) == "build" and page.evaluate("location.hash") == tiny

    # back: the Convolution tab, then the LeNet link; forward: the Convolution tab, then Tiny
    for step, tab, rows, where in [("back", "convolution", None, "#convolution"), ("back", "build", 9, lenet),
                                   ("forward", "convolution", None, "#convolution"), ("forward", "build", 5, tiny)]:
        page.go_back() if step == "back" else page.go_forward()
        page.wait_for_function("(t) => document.querySelector('[role=tab][aria-selected=true]')"
                               ".getAttribute('aria-controls') === t", arg=tab)
        if rows:
            wait_rows(page, rows)
        assert page.evaluate("location.hash") == where, step
    assert page.evaluate("window.samePage") is True
    assert banner(page) is None


def test_the_filter_limit_message_stays_on_its_card_and_goes_with_its_cause(app, tmp_path):
    page = app.page
    reset(page)
    good, _ = make_png(tmp_path, seed=31, name="limit.png")
    upload(page, good)
    note = page.locator("[data-testid=filters-note]")
    assert page.locator("[data-testid=kernel]").count() == 3
    for _ in range(13):
        before = renders(page)
        page.click("[data-testid=add-kernel]")
        wait_render(page, before)
    assert page.locator("[data-testid=kernel]").count() == 16
    page.click("[data-testid=add-kernel]")
    assert note.is_visible() and "At most 16 filters at once" in note.text_content()
    assert page.locator("[data-testid=kernel]").count() == 16
    assert page.locator(ALERT).is_hidden()  # not on the page-wide banner...
    page.click(BUILD_TAB)
    assert "At most" not in (banner(page) or "") and page.locator("#build [data-testid=filters-note]").count() == 0
    page.click(CONV_TAB)
    assert note.is_visible()
    # removing one makes room: the message goes
    page.locator("[data-testid=kernel]").nth(15).locator("button.icon").click()
    assert note.is_hidden()
    page.click("[data-testid=add-kernel]")
    page.click("[data-testid=add-kernel]")
    assert note.is_visible()
    # ...and so does Reset
    before = renders(page)
    page.click("[data-testid=reset-filters]")
    wait_render(page, before)
    assert note.is_hidden() and page.locator("[data-testid=kernel]").count() == 3
    assert page.locator(ALERT).is_hidden()


def test_the_builder_refuses_an_empty_height_and_a_negative_seed(page):
    page.click("#build [data-testid=builder-sample]")
    preset_hash(page, "tiny", 5)
    link = page.evaluate("location.hash")
    height = page.locator("#build [data-testid=input-height]")
    first_shape = page.get_attribute("#build [data-testid=layer-row]", "data-shape")

    height.fill("")
    page.wait_for_function("(s) => document.querySelector(s).classList.contains('bad')", arg=STACK_STATUS)
    with pytest.raises(ValueError) as e:  # pycore's own words
        B.network_trace(None, {"spec": [], "input": {"height": float("nan")}})
    words = str(e.value)
    assert words.startswith("input height is empty") and "from 1 to" in words
    assert words[1:] in page.text_content(STACK_STATUS)
    assert page.text_content(RUN_STATUS).startswith("Not run: Input height is empty")
    assert page.is_disabled("#build [data-testid=run]")
    assert page.evaluate("location.hash") == link  # the link keeps the last network it can hold
    height.fill("20")
    page.wait_for_function("(s) => !document.querySelector(s).classList.contains('bad')", arg=STACK_STATUS)
    assert page.get_attribute("#build [data-testid=layer-row]", "data-shape") != first_shape

    seed = page.locator("#build [data-testid=seed]")
    seed.fill("-1")
    page.wait_for_function("(s) => document.querySelector(s).textContent.includes('eed must be at least 0, got -1')",
                           arg=STACK_STATUS)
    assert "Seed must be at least 0, got -1" in page.text_content(RUN_STATUS)
    assert "Seed 0" not in page.text_content(RUN_STATUS)
    assert page.is_disabled("#build [data-testid=run]")
    seed.fill("")
    page.wait_for_function("(s) => document.querySelector(s).textContent.includes('eed is empty')", arg=STACK_STATUS)
    seed.fill("3")
    page.wait_for_function("(s) => !document.querySelector(s).classList.contains('bad')", arg=STACK_STATUS)
    # a good seed runs again (after every change, as the checkbox says), with that seed
    page.wait_for_function("(s) => document.querySelector(s).textContent.includes('Seed 3.')", arg=RUN_STATUS,
                           timeout=20_000)
    assert page.is_enabled("#build [data-testid=run]")
