"""End-to-end: the Python panel under every view (issue 12).

For EACH view (the Convolution tab, every explorer, the builder, training) the panel's
script is downloaded and run in CPython (`python FILE IMAGE --out DIR`) on the same image
file the page loaded, and every array it writes (DIR/<name>.npy) is compared with the array
the page drew (the page call's own result, read through window.__cnnTest.lastResult, by the
names the panel lists in data-names). Then, on the Convolution tab: edited code runs with
`image` and `show` (a python-map canvas of the array's size), an exception shows its
traceback, `while True: pass` is stopped by Stop within 2 s and the page comes back to ready
and keeps working, the notebook is valid JSON with the same code, the code follows the
view's settings until edited, and the keyboard leaves the editor (Escape, then Tab).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import open_app
from page_helpers import CONV_TAB, EXPLORE_TAB, banner, fmaps, renders, rgb_image, save_png, set_control, wait_render

from tools.project import ROOT

H, W = 36, 48
EXPLORERS = ["multiply", "sliding", "pooling", "padding", "receptive", "flip", "rgb", "params"]
PANEL = "[data-testid=python-panel]"


@pytest.fixture(scope="module")
def py(browser, server, tmp_path_factory):
    """A page with test hooks and our image loaded; yields (page, image path)."""
    app = open_app(browser, server, path="/?test-hooks")
    page = app.page
    path = tmp_path_factory.mktemp("python-panel") / "panel.png"
    save_png(path, rgb_image(H, W, 11, square=6, low=30, contrast=180))
    before = renders(page)
    page.set_input_files("input[type=file][data-testid=upload]", str(path))
    wait_render(page, before)
    try:
        yield page, path
    finally:
        app.context.close()


def open_panel(page, scope):
    """Open the panel inside `scope` and wait for the view's code (its names)."""
    panel = page.locator(f"{scope} {PANEL}")
    if not panel.evaluate("d => d.open"):
        panel.locator("summary").click()
    page.wait_for_function("(sel) => { const d = document.querySelector(sel); "
                           "return d.dataset.names && d.pythonCode(); }", arg=f"{scope} {PANEL}", timeout=30_000)
    return panel


def wait_code(page, scope, text):
    """Wait until the panel's editor holds `text`."""
    page.wait_for_function("([sel, t]) => (document.querySelector(sel).pythonCode() || '').includes(t)",
                           arg=[f"{scope} {PANEL}", text], timeout=20_000)


def names(page, scope):
    return json.loads(page.get_attribute(f"{scope} {PANEL}", "data-names"))


def code(page, scope):
    return page.eval_on_selector(f"{scope} {PANEL}", "d => d.pythonCode()")


def download(page, scope, testid, dest: Path) -> Path:
    with page.expect_download(timeout=30_000) as info:
        page.click(f"{scope} [data-testid={testid}]")
    d = info.value
    out = dest / d.suggested_filename
    d.save_as(str(out))
    return out


def run_script(script: Path, image: Path, out: Path, timeout=600) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    r = subprocess.run([sys.executable, str(script), str(image), "--out", str(out)], capture_output=True, text=True,
                       env=env, timeout=timeout, cwd=script.parent)
    assert r.returncode == 0, f"{script.name} failed:\n{r.stdout}\n{r.stderr}"
    return r.stdout


def page_array(page, call, array):
    r = page.evaluate("([fn, a]) => window.__cnnTest.lastResult(fn, [a])", [call, array])
    assert r is not None, f"the page has no result of {call}"
    assert array in r["arrays"], f"{call} has no array {array!r}"
    return np.asarray(r["arrays"][array], dtype=np.float32)


def compare_script_with_page(page, scope, image, tmp_path, only_when=None) -> list[str]:
    """Download the view's script, run it, compare every .npy with the page's arrays."""
    open_panel(page, scope)
    listed = names(page, scope)
    script = download(page, scope, "python-download", tmp_path)
    assert script.suffix == ".py"
    out = tmp_path / f"out-{script.stem}"
    stdout = run_script(script, image, out)
    written = sorted(p.stem for p in out.glob("*.npy")) if out.exists() else []
    assert written == sorted(n["file"] for n in listed), (written, listed)
    for n in listed:
        if n.get("when") != only_when and n.get("when") is not None:
            continue
        got = np.load(out / f"{n['file']}.npy")
        want = page_array(page, n["call"], n["array"])
        assert want.size == int(np.prod(n["shape"])), n
        want = want.reshape(n["shape"])
        assert got.shape == want.shape, (n, got.shape)
        assert got.dtype == np.float32
        assert (out / f"{n['file']}.png").is_file()
        scale = float(np.max(np.abs(want))) if want.size else 1.0
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6 * max(scale, 1.0), err_msg=n["label"])
    return stdout


# ----------------------------------------------------------------------------- every view


def test_convolution_tab_script_matches_the_page(py, tmp_path):
    page, image = py
    page.click(CONV_TAB)
    set_control(page, "stride", "2")
    compare_script_with_page(page, "#convolution", image, tmp_path)
    listed = names(page, "#convolution")
    assert [n["array"] for n in listed] == ["map0", "pooled0", "map1", "pooled1", "map2", "pooled2"]
    # the same numbers the maps are drawn from
    drawn = fmaps(page)
    for d, n in zip(drawn, listed[::2]):
        a = page_array(page, "convolve", n["array"])
        assert (d["height"], d["width"]) == tuple(n["shape"])
        assert d["vmin"] == pytest.approx(float(a.min()), rel=1e-6, abs=1e-7)


@pytest.mark.parametrize("key", EXPLORERS)
def test_explorer_script_matches_the_page(py, tmp_path, key):
    page, image = py
    page.click(EXPLORE_TAB)
    scope = f"[data-testid=explorer-{key}]"
    page.wait_for_function("(s) => Number(document.querySelector(s).dataset.renders || 0) > 0", arg=scope)
    stdout = compare_script_with_page(page, scope, image, tmp_path)
    if key == "params":  # nothing drawn: it prints the counts the page shows
        assert names(page, scope) == []
        counts = page.evaluate("() => window.__cnnTest.lastResult('param_counts').meta")
        assert f"fully connected: {counts['fc']['total']}" in stdout, stdout
        assert f"convolution: {counts['conv']['total']}" in stdout, stdout


def test_builder_script_matches_the_page(py, tmp_path):
    page, image = py
    page.click("[data-testid=tab-build]")
    page.wait_for_function("""() => { const r = document.querySelector('[data-testid=builder-results]');
        return r && Number(r.dataset.renders || 0) > 0 && !r.classList.contains('stale'); }""", timeout=60_000)
    page.click("[data-testid=preset-tiny]")
    page.wait_for_function("""() => { const r = document.querySelector('[data-testid=builder-results]');
        return Number(r.dataset.renders || 0) > 1 && !r.classList.contains('stale'); }""", timeout=60_000)
    compare_script_with_page(page, "#build", image, tmp_path)
    assert any(n["array"] == "input" for n in names(page, "#build"))


def test_training_script_matches_the_page(py, tmp_path):
    page, image = py
    page.click("[data-testid=tab-train]")
    page.wait_for_selector("[data-testid=train-start]:not([disabled])", timeout=30_000)
    page.fill("[data-testid=train-epochs]", "1")
    open_panel(page, "#train")
    wait_code(page, "#train", "epochs=1")
    page.click("[data-testid=train-start]")
    page.wait_for_function("document.querySelector('[data-testid=train-status]').dataset.state === 'done'",
                           timeout=120_000)
    compare_script_with_page(page, "#train", image, tmp_path, only_when="done")
    # the filters before training (train_setup's) as well
    listed = names(page, "#train")
    assert {n["call"] for n in listed} == {"train_setup", "train_step"}
    page.click("[data-testid=train-reset]")


# ----------------------------------------------------------------------------- editing and running


def run_cell(page, scope, text, runs_before):
    page.locator(f"{scope} [data-testid=python-code]").fill(text)
    page.click(f"{scope} [data-testid=python-run]")
    page.wait_for_function("([s, n]) => Number(document.querySelector(s).dataset.runs) > n",
                           arg=[f"{scope} {PANEL}", runs_before], timeout=30_000)


def runs(page, scope):
    return int(page.get_attribute(f"{scope} {PANEL}", "data-runs"))


def test_edited_code_runs_with_image_and_show_and_errors_show_their_traceback(py):
    page, _ = py
    page.click(CONV_TAB)
    scope = "#convolution"
    open_panel(page, scope)
    run_cell(page, scope, "print('shape', image.shape)\nshow(image[1, 2:7, 3:12], title='crop')\n"
                          "show(np.stack([image[0], image[2]]), title='two')\n", runs(page, scope))
    assert page.inner_text(f"{scope} [data-testid=python-output]").strip() == f"shape (3, {H}, {W})"
    maps = page.eval_on_selector_all(f"{scope} canvas[data-testid=python-map]",
                                     "cs => cs.map(c => [c.width, c.height, c.dataset.title, Number(c.dataset.vmin)])")
    assert [m[:3] for m in maps] == [[9, 5, "crop"], [W, H, "two, channel 0"], [W, H, "two, channel 1"]]
    assert 0 <= maps[0][3] <= 1
    # the reset button brings the view's code back
    assert page.is_visible(f"{scope} [data-testid=python-reset]")
    # an exception: its traceback, with the user's line
    run_cell(page, scope, "x = 1\nraise ValueError('bad ' + str(x))\n", runs(page, scope))
    out = page.inner_text(f"{scope} [data-testid=python-output]")
    assert "Traceback (most recent call last)" in out and 'line 2' in out and "ValueError: bad 1" in out, out
    assert "ValueError on line 2" in page.inner_text(f"{scope} [data-testid=python-run-status]")
    # Ctrl+Enter runs
    n = runs(page, scope)
    page.locator(f"{scope} [data-testid=python-code]").fill("print(6 * 7)")
    page.keyboard.press("Control+Enter")
    page.wait_for_function("([s, n]) => Number(document.querySelector(s).dataset.runs) > n",
                           arg=[f"{scope} {PANEL}", n])
    assert page.inner_text(f"{scope} [data-testid=python-output]").strip() == "42"


def test_stop_ends_a_runaway_cell_and_the_page_keeps_working(py, shot):
    page, _ = py
    page.click(CONV_TAB)
    scope = "#convolution"
    open_panel(page, scope)
    first = [(m["label"], m["vmin"], m["vmax"]) for m in fmaps(page)]
    page.locator(f"{scope} [data-testid=python-code]").fill("while True:\n    pass\n")
    page.click(f"{scope} [data-testid=python-run]")
    page.wait_for_selector(f"{scope} [data-testid=python-stop]:not([disabled])")
    time.sleep(0.5)
    assert page.get_attribute("[data-testid=status]", "data-state") == "busy"
    t0 = time.monotonic()
    page.click(f"{scope} [data-testid=python-stop]")
    page.wait_for_function("(s) => document.querySelector(s).dataset.running === 'false'", arg=f"{scope} {PANEL}",
                           timeout=2_000)
    assert time.monotonic() - t0 < 2
    assert "Stopped after" in page.inner_text(f"{scope} [data-testid=python-run-status]")
    page.wait_for_selector("[data-testid=status][data-state=ready]", timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=error]').hidden", timeout=10_000)
    assert "your code was stopped with Stop" in banner(page) and "image and settings restored" in banner(page)
    # the page keeps working: the maps are back, an edit recomputes, code runs
    page.wait_for_function("document.querySelector('[data-testid=maps]').dataset.stale === 'false'", timeout=30_000)
    assert [(m["label"], m["vmin"], m["vmax"]) for m in fmaps(page)] == first
    set_control(page, "stride", "1")
    run_cell(page, scope, "show(image[0])", runs(page, scope))
    sizes = page.eval_on_selector_all(f"{scope} canvas[data-testid=python-map]",
                                      "cs => cs.map(c => [c.width, c.height])")
    assert sizes == [[W, H]]
    shot(page, "python-panel-after-stop")


def test_code_follows_the_settings_until_edited_and_the_notebook_holds_it(py, tmp_path):
    page, _ = py
    page.click(CONV_TAB)
    scope = "#convolution"
    open_panel(page, scope)
    if page.is_visible(f"{scope} [data-testid=python-reset]"):
        page.click(f"{scope} [data-testid=python-reset]")
    wait_code(page, scope, "pycore.conv2d(")
    set_control(page, "stride", "3")
    wait_code(page, scope, "stride=3")
    shown = code(page, scope)
    nb_path = download(page, scope, "python-download-notebook", tmp_path)
    assert nb_path.suffix == ".ipynb"
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4
    sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in nb["cells"]
               if c["cell_type"] == "code"]
    assert any(shown.strip() in s or s.strip() == shown.strip() for s in sources), (shown, sources)
    # an edit stops the code from following; Reset brings it back
    page.locator(f"{scope} [data-testid=python-code]").fill("print('mine')")
    set_control(page, "stride", "2")
    time.sleep(0.5)
    assert code(page, scope) == "print('mine')"
    assert "changed since you edited" in page.inner_text(f"{scope} [data-testid=python-note]")
    page.click(f"{scope} [data-testid=python-reset]")
    wait_code(page, scope, "stride=2")
    assert page.is_hidden(f"{scope} [data-testid=python-reset]")


def test_keyboard_leaves_the_editor_and_labels(py):
    page, _ = py
    page.click(CONV_TAB)
    scope = "#convolution"
    open_panel(page, scope)
    editor = page.locator(f"{scope} [data-testid=python-code]")
    assert "Python code for the Convolution tab" == editor.get_attribute("aria-label")
    editor.click()
    page.keyboard.press("End")
    before = code(page, scope)
    page.keyboard.press("Tab")  # indents: stays in the editor
    assert page.evaluate("() => document.activeElement.dataset.testid") == "python-code"
    assert code(page, scope) != before
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.dataset.testid")
    assert focused == "python-run", focused
    page.click(f"{scope} [data-testid=python-reset]")


def test_screenshots_of_an_open_panel(py, shot):
    page, _ = py
    for width, height in ((1280, 900), (375, 800)):
        page.set_viewport_size({"width": width, "height": height})
        page.click(CONV_TAB)
        panel = open_panel(page, "#convolution")
        if page.is_visible("#convolution [data-testid=python-reset]"):
            page.click("#convolution [data-testid=python-reset]")
        wait_code(page, "#convolution", "pycore.conv2d(")
        n = runs(page, "#convolution")
        page.click("#convolution [data-testid=python-run]")  # the view's own code: its maps again
        page.wait_for_function("([s, n]) => Number(document.querySelector(s).dataset.runs) > n",
                               arg=[f"#convolution {PANEL}", n])
        assert page.locator("#convolution canvas[data-testid=python-map]").count() == 6
        panel.scroll_into_view_if_needed()
        panel.screenshot(path=str(shot_path(f"python-panel-convolution-{width}")))
        page.click(EXPLORE_TAB)
        panel = open_panel(page, "[data-testid=explorer-sliding]")
        panel.scroll_into_view_if_needed()
        panel.screenshot(path=str(shot_path(f"python-panel-sliding-{width}")))
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{width} px: the page scrolls sideways by {overflow} px"
    page.set_viewport_size({"width": 1280, "height": 900})


def shot_path(name):
    from tools.project import ARTIFACTS_DIR

    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR / f"{name}.png"
