"""End-to-end: a Python worker that dies is noticed and replaced (issue 11, item 2).

One page opened with ?test-hooks (window.__cnnTest: end the worker behind the client's
back, make it throw where nothing catches, make it hang; a shorter watchdog). Each time:
the next edit (or the failure itself) starts a new worker, the banner says so in one line,
the image and every view's settings come back (the same maps as before: data-vmin/vmax
and pixels, and pycore in CPython agrees), the status returns to "ready", the builder and
the explorers work, and the Train tab says its session ended. Out of memory while copying a
result (JavaScript's RangeError) is a plain message saying what to make smaller.
"""
from __future__ import annotations

import time

import numpy as np
from page_helpers import (
    ALERT,
    CONV_TAB,
    EXPLORE_TAB,
    banner,
    expected_maps,
    fmaps,
    kernel_param,
    make_png,
    renders,
    set_control,
    wait_render,
)

WATCHDOG_MS = 5_000
RESTORED = "it was restarted and your image and settings restored"


def conv_params(**over):
    p = {"channel": "gray", "kernels": [kernel_param(n) for n in ("edge", "sharpen", "blur")], "stride": 2,
         "padding": 0, "activation": "relu", "pool": {"type": "max", "kernel_size": 2}}
    p.update(over)
    return p


def ranges(page):
    return [(m["label"], m["width"], m["height"], m["vmin"], m["vmax"]) for m in fmaps(page)]


def wait_restored(page, timeout=60_000):
    page.wait_for_function(
        """(t) => { const b = document.querySelector('[data-testid=error]');
                    return !b.hidden && b.textContent.includes(t)
                        && document.querySelector('[data-testid=status]').dataset.state === 'ready'; }""",
        arg=RESTORED, timeout=timeout)


def clear_banner(page):
    page.click(f"{ALERT} .error-close")


def explorer_renders(page, key="multiply"):
    return int(page.get_attribute(f"[data-testid=explorer-{key}]", "data-renders") or 0)


def wait_explorer(page, key, before):
    page.wait_for_function("([sel, n]) => Number(document.querySelector(sel).dataset.renders) > n",
                           arg=[f"[data-testid=explorer-{key}]", before], timeout=20_000)


def builder_renders(page):
    return int(page.get_attribute("[data-testid=builder-results]", "data-renders") or 0)


def check_maps(page, rgba, params):
    """The drawn maps are pycore's for this image and these settings (computed in CPython)."""
    meta, arrays = expected_maps(rgba, params)
    drawn = fmaps(page)
    assert [m["label"] for m in drawn] == [m["label"] for m in meta["maps"]]
    for m, d in zip(meta["maps"], drawn):
        a = arrays[m["array"]]
        assert (d["height"], d["width"]) == a.shape
        np.testing.assert_allclose([d["vmin"], d["vmax"]], [a.min(), a.max()], rtol=1e-5, atol=1e-6)


def test_a_dead_worker_is_replaced_and_everything_restored(new_app_page, tmp_path, shot):
    app = new_app_page("/?test-hooks")
    page = app.page
    path, rgba = make_png(tmp_path, h=30, w=40, seed=3)
    before = renders(page)
    page.set_input_files("input[type=file][data-testid=upload]", str(path))
    wait_render(page, before)
    set_control(page, "stride", "2")
    check_maps(page, rgba, conv_params())
    first = ranges(page)
    # the builder and an explorer have run once
    page.click("[data-testid=tab-build]")
    page.wait_for_function("Number(document.querySelector('[data-testid=builder-results]').dataset.renders || 0) > 0",
                           timeout=30_000)
    page.click(EXPLORE_TAB)
    page.wait_for_function("Number(document.querySelector('[data-testid=explorer-multiply]').dataset.renders || 0) > 0")
    page.click(CONV_TAB)
    page.evaluate(f"window.__cnnTest.setCallTimeout({WATCHDOG_MS})")

    # --- 0. out of memory copying a result out of the wasm heap: a plain message, no restart
    page.evaluate("window.__cnnTest.failNextCopy()")
    page.fill("[data-testid=stride]", "3")
    page.wait_for_function("document.querySelector('[data-testid=maps]').dataset.stale === 'true'")
    # the tab's own problem (no control to blame): at the top of its maps, not in the banner
    assert banner(page) is None
    text = page.text_content("#convolution [data-testid=maps-error]")
    assert text.startswith("Out of memory in convolve:"), text
    assert "smaller working size" in text and "fewer filters" in text, text
    assert "offset" not in text
    set_control(page, "stride", "2")
    assert banner(page) is None and ranges(page) == first

    # --- 1. closed behind the client's back: the next edit hangs, the watchdog restarts
    page.evaluate("window.__cnnTest.killWorker()")
    t0 = time.monotonic()
    before = renders(page)
    page.fill("[data-testid=stride]", "3")
    page.wait_for_selector("[data-testid=status][data-state=loading]", timeout=WATCHDOG_MS + 5_000)
    assert time.monotonic() - t0 >= WATCHDOG_MS / 1000 - 0.5, "restarted before the watchdog's time"
    assert page.get_attribute("[data-testid=maps]", "data-stale") == "true", "old maps pass for current"
    assert "The Python worker stopped" in banner(page)
    wait_restored(page)
    wait_render(page, before)
    text = banner(page)
    assert text.startswith("The Python worker stopped (convolve did not answer within 5 s)"), text
    assert "\n" not in text
    check_maps(page, rgba, conv_params(stride=3))  # the same image, the edit redone
    assert page.get_attribute("[data-testid=maps]", "data-stale") == "false"
    set_control(page, "stride", "2")
    assert ranges(page) == first  # the same settings give the same maps
    shot(page, "worker-restarted")
    clear_banner(page)

    # --- 2. an error no handler catches: restarted at once, the maps drawn again unasked
    before = renders(page)
    x_before = explorer_renders(page)
    page.evaluate("window.__cnnTest.crashWorker()")
    wait_restored(page)
    wait_render(page, before)
    assert "an error" in banner(page)
    assert ranges(page) == first
    wait_explorer(page, "multiply", x_before)
    # the explorers work: a new setting computes
    page.click(EXPLORE_TAB)
    x_before = explorer_renders(page, "pooling")
    page.click("[data-testid=pooling-ceil]")
    wait_explorer(page, "pooling", x_before)
    # the builder ran again on the restored image and runs after an edit
    page.click("[data-testid=tab-build]")
    b_before = builder_renders(page)
    page.wait_for_function("(n) => { const r = document.querySelector('[data-testid=builder-results]');"
                           " return Number(r.dataset.renders) > n && !r.classList.contains('stale'); }",
                           arg=b_before - 1 if b_before else 0, timeout=30_000)
    assert "Running" not in page.text_content("[data-testid=run-status]")
    clear_banner(page)

    # --- 3. a call that never answers: a restart within the watchdog's time
    page.click("[data-testid=tab-train]")
    page.wait_for_selector("[data-testid=train-start]:not([disabled])", timeout=30_000)
    page.click("[data-testid=train-start]")
    page.wait_for_function("Number(document.querySelector('[data-testid=train-status]').dataset.step) > 0",
                           timeout=30_000)
    t0 = time.monotonic()
    page.evaluate("window.__cnnTest.hangWorker()")
    page.wait_for_selector("[data-testid=status][data-state=loading]", timeout=WATCHDOG_MS + 5_000)
    assert time.monotonic() - t0 < WATCHDOG_MS / 1000 + 3
    wait_restored(page)
    assert "__test_hang did not answer" in banner(page) or "train_step did not answer" in banner(page)
    # the Train tab: the session ended, it says so, and it can start again
    assert page.get_attribute("[data-testid=train-status]", "data-state") == "idle"
    assert "Training ended: the Python worker was restarted" in page.text_content("[data-testid=train-announce]")
    page.click("[data-testid=train-start]")
    page.wait_for_function("document.querySelector('[data-testid=train-status]').dataset.state === 'running'",
                           timeout=30_000)
    page.click("[data-testid=train-pause]")
    page.wait_for_function("document.querySelector('[data-testid=train-status]').dataset.state === 'paused'",
                           timeout=30_000)
    page.click(CONV_TAB)
    assert ranges(page) == first
    assert app.page_errors == []
