"""End-to-end: every file of the corpus (tests/corpus/) through the page's file input, against
the command line and pycore in CPython: the same edge map range where the file reads, the
named problem where it does not, settled within 2 s, and the page working after each."""
from __future__ import annotations

import contextlib
import io
import json
import re
import time
from pathlib import Path

import numpy as np
import pytest
from page_helpers import ALERT, banner, fmaps, kernel_param, make_png, reset, set_control, upload
from PIL import Image

from pycore import image as img
from pycore import page as pycore_page
from pycore.cli import main as cli_main

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
SETTLE_S = 2.0

# How a load ends: the maps of the new image are drawn, or the banner names the file.
SETTLED = """([name, before]) => {
    const maps = document.querySelector('[data-testid=maps]');
    const input = document.querySelector('canvas[data-testid=input-image]');
    const st = document.querySelector('[data-testid=status]').dataset.state;
    const alert = document.querySelector('[role=alert][data-testid=error]');
    if (st !== 'ready') return null;
    if (!alert.hidden && alert.querySelector('.error-text').textContent.includes(name)) return 'error';
    const caption = document.querySelector('[data-testid=image-caption]').textContent;
    if (Number(input.dataset.image || 0) > before && maps.dataset.image === input.dataset.image
        && caption.startsWith(name + ':')) return 'result';
    return null;
}"""


def cli_edge_range(path: Path, out: Path) -> tuple[int, str]:
    """`pycore apply FILE -k edge` in-process: (exit status, the map's "range a .. b" text or the error line)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = cli_main(["apply", str(path), "-k", "edge", "--out", str(out)])
    if status:
        return status, stderr.getvalue().strip()
    m = re.search(r"01_edge\.png: edge shape \((\d+), (\d+)\) range (\S+) \.\. (\S+)", stdout.getvalue())
    assert m, stdout.getvalue()
    return status, m.groups()


def pycore_edge_map(data: bytes, name: str):
    """The page's rule in CPython: decode (max side 512), then the default convolve (gray, ReLU)."""
    image, info = img.decode_image_bytes(data, name=name, max_side=512)
    meta = pycore_page.call("convolve", image, {"kernels": [kernel_param("edge")]})["meta"]
    return meta["maps"][0], info


@pytest.fixture
def page(app):
    reset(app.page)
    app.page.select_option("[data-testid=max-side]", "512")
    yield app.page
    reset(app.page)


def test_every_corpus_file_reads_as_in_the_command_line_or_names_its_problem(page, app, tmp_path, shot):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    errors_before = len(app.page_errors)
    good, _ = make_png(tmp_path, seed=21, name="start.png")
    upload(page, good)
    timings = {}
    for name in sorted(EXPECTED):
        expect = EXPECTED[name]
        path = CORPUS / "files" / name
        before = int(page.get_attribute("canvas[data-testid=input-image]", "data-image") or 0)
        t0 = time.monotonic()
        page.set_input_files("input[type=file][data-testid=upload]", str(path))
        outcome = page.wait_for_function(SETTLED, arg=[name, before], timeout=30_000).json_value()
        timings[name] = time.monotonic() - t0
        status, cli = cli_edge_range(path, tmp_path / "cli")
        if "error" in expect:
            assert outcome == "error", name
            text = banner(page)
            assert expect["error"] in text and f'"{name}"' in text, (name, text)
            assert status == 1 and expect["error"] in cli, (name, cli)
            # the previous image's maps stay, marked as not of this file
            assert len(fmaps(page)) == 3
            continue
        assert outcome == "result", (name, banner(page))
        assert banner(page) is None
        result = expect["result"]
        canvas = page.locator("canvas[data-testid=input-image]")
        assert canvas.get_attribute("data-decoder") == result["decoder"], name
        edge = fmaps(page)[0]
        ref, info = pycore_edge_map(path.read_bytes(), name)
        w, h = info["size"]
        assert canvas.evaluate("c => [c.width, c.height]") == [w, h], name
        assert [edge["height"], edge["width"]] == ref["shape"] == [h - 2, w - 2], name
        # the same numbers as pycore in CPython (float32 sums: a last-bit difference at most)
        assert edge["vmin"] == pytest.approx(ref["vmin"], rel=1e-6, abs=1e-6), name
        assert edge["vmax"] == pytest.approx(ref["vmax"], rel=1e-6, abs=1e-6), name
        # and as the command line prints them
        assert status == 0, (name, cli)
        rows, cols, lo, hi = cli
        assert (int(rows), int(cols)) == (h - 2, w - 2), name
        assert (f"{edge['vmin']:.4g}", f"{edge['vmax']:.4g}") == (lo, hi), name
        if name == "la.tga":
            shot(page, "corpus-tga-pillow")
    slow = {n: round(t, 2) for n, t in timings.items() if t > SETTLE_S}
    assert not slow, f"settled later than {SETTLE_S} s: {slow}"
    # no script ran from a file name, and the page still computes
    assert dialogs == [] and page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    assert app.page_errors[errors_before:] == []
    upload(page, good)
    set_control(page, "stride", "2")
    assert [(m["height"], m["width"]) for m in fmaps(page)] == [(14, 19)] * 3 and page.locator(ALERT).is_hidden()


def test_a_bomb_is_refused_by_its_size_before_decoding(page, tmp_path, shot):
    good, _ = make_png(tmp_path, seed=22, name="before-bomb.png")
    upload(page, good)
    page.set_input_files("input[type=file][data-testid=upload]", str(CORPUS / "files" / "bomb_30000.png"))
    alert = page.locator(ALERT)
    alert.wait_for(state="visible")
    text = alert.text_content()
    limit = img.MAX_SOURCE_PIXELS / 1e6
    assert "bomb_30000.png" in text and "30000×30000" in text and f"{limit:.4g} megapixels" in text
    # the old image and its maps stay
    assert page.text_content("[data-testid=image-caption]").startswith("before-bomb.png:")
    shot(page, "refused-bomb")
    page.set_viewport_size({"width": 375, "height": 800})
    try:
        shot(page, "refused-bomb-375")
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


def test_the_working_size_is_applied_by_pycore_and_a_change_reads_the_file_again(page, tmp_path):
    rgb = np.random.default_rng(5).integers(0, 256, size=(300, 700, 3), dtype=np.uint8)
    path = tmp_path / "wide.png"
    Image.fromarray(rgb, "RGB").save(path)
    upload(page, path)
    for side, size in [("512", (512, 219)), ("256", (256, 110)), ("0", (700, 300))]:
        before = int(page.get_attribute("canvas[data-testid=input-image]", "data-image"))
        page.select_option("[data-testid=max-side]", side)
        page.wait_for_function(SETTLED, arg=["wide.png", before], timeout=30_000)
        canvas = page.locator("canvas[data-testid=input-image]")
        assert canvas.evaluate("c => [c.width, c.height]") == list(size)
        image = img.from_pixels(rgb, 255.0, int(side))  # what `pycore apply --max-side` reads
        meta = pycore_page.call("convolve", image, {"kernels": [kernel_param("edge")]})["meta"]["maps"][0]
        edge = fmaps(page)[0]
        assert edge["vmax"] == pytest.approx(meta["vmax"], rel=1e-6)
        assert edge["vmin"] == pytest.approx(meta["vmin"], abs=1e-6)
        # the input canvas shows pycore's working image, rounded to bytes (JS Math.round: half up, in doubles)
        pixels = canvas.evaluate("c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)")
        drawn = np.array(pixels, np.uint8).reshape(size[1], size[0], 4)
        want = np.floor(image.transpose(1, 2, 0).astype(np.float64) * 255 + 0.5).astype(np.uint8)
        np.testing.assert_array_equal(drawn[..., :3], want)
    page.select_option("[data-testid=max-side]", "512")
