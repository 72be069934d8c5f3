"""End-to-end: the ways an image arrives (drop, paste, EXIF orientation, tiny images) and
what the page does when Python cannot load."""
from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from page_helpers import ALERT, fmaps, make_png, renders, reset, set_control, upload, wait_image_render, wait_render
from PIL import Image


@pytest.fixture
def page(app):
    reset(app.page)
    yield app.page
    reset(app.page)


def png_b64(rgb: np.ndarray) -> str:
    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def dispatch_file(page, event: str, b64: str, name: str, mime: str) -> None:
    """Fire a drop or paste event carrying a file, as the browser does for a user."""
    page.evaluate(
        """([event, b64, name, mime]) => {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const dt = new DataTransfer();
            dt.items.add(new File([bytes], name, {type: mime}));
            if (event === 'drop') {
                const zone = document.querySelector('[data-testid=dropzone]');
                zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true}));
                zone.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
            } else {
                const paste = new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true});
                document.body.dispatchEvent(paste);
            }
        }""",
        [event, b64, name, mime],
    )


@pytest.mark.parametrize("event,size", [("drop", (12, 17)), ("paste", (15, 11))])
def test_drop_and_paste_an_image(page, event, size):
    h, w = size
    rgb = np.random.default_rng(h).integers(0, 256, size=(h, w, 3), dtype=np.uint8)
    before = renders(page)
    dispatch_file(page, event, png_b64(rgb), f"{event}.png", "image/png")
    wait_image_render(page, before)
    assert page.locator("canvas[data-testid=input-image]").evaluate("c => [c.width, c.height]") == [w, h]
    assert f"{w}×{h}" in page.text_content("[data-testid=image-caption]")
    assert [(m["height"], m["width"]) for m in fmaps(page)] == [(h - 2, w - 2)] * 3


def test_exif_orientation_is_respected(page, tmp_path):
    # Stored 20 wide x 10 high, tagged "rotate 90° clockwise to display" (orientation 6):
    # a viewer shows it 10 wide x 20 high.
    rgb = np.zeros((10, 20, 3), np.uint8)
    rgb[:, :10] = (255, 0, 0)
    img = Image.fromarray(rgb, "RGB")
    exif = img.getexif()
    exif[0x0112] = 6
    path = tmp_path / "rotated.jpg"
    img.save(path, format="JPEG", exif=exif.tobytes(), quality=95)
    upload(page, path)
    assert page.locator("canvas[data-testid=input-image]").evaluate("c => [c.width, c.height]") == [10, 20]
    # The red half was the left of the stored image; after rotation it is on top.
    top, bottom = page.evaluate(
        """() => { const c = document.querySelector('canvas[data-testid=input-image]');
                   const g = c.getContext('2d');
                   return [g.getImageData(5, 2, 1, 1).data[0], g.getImageData(5, 17, 1, 1).data[0]]; }"""
    )
    assert top > 200 and bottom < 60


def test_one_pixel_image(page, tmp_path, shot):
    good, _ = make_png(tmp_path, seed=14)
    upload(page, good)
    path = tmp_path / "one.png"
    Image.fromarray(np.array([[[10, 200, 30]]], np.uint8), "RGB").save(path)
    page.set_input_files("input[type=file][data-testid=upload]", str(path))
    # the Convolution tab's messages sit on the tab: at the top of its maps, or beside the control
    messages = page.locator("#convolution [data-testid=maps-error]:visible, "
                            "#convolution [data-testid=field-error]:visible")
    alert = messages.first
    alert.wait_for(state="visible")
    assert "larger than the padded input" in alert.text_content()
    # The previous image's maps must not pass for this image's.
    assert page.locator("[data-testid=stale-note]").is_visible()
    set_control(page, "padding", "1")
    # The 1x1 maps are drawn; a 2x2 pooling window cannot fit them, and says so.
    assert [(m["height"], m["width"]) for m in fmaps(page)] == [(1, 1)] * 3
    assert "Pooling" in alert.text_content() and "larger than the padded input" in alert.text_content()
    set_control(page, "pool-type", "none")
    assert messages.count() == 0
    assert page.locator("[data-testid=stale-note]").is_hidden()
    shot(page, "one-pixel-image")


def test_python_load_failure_offers_a_retry(new_app_page, shot):
    app = new_app_page(wait_ready=False)
    page = app.page
    # Make the first attempt fail as a broken deployment would: the wasm is missing.
    page.context.route("**/pyodide.asm.wasm", lambda route: route.fulfill(status=404, body="missing"))
    page.reload()
    app.wait_state("error")
    alert = page.locator(ALERT)
    alert.wait_for(state="visible")
    assert "Loading failed" in alert.text_content()
    retry = page.locator("[data-testid=retry]")
    assert retry.is_visible()
    shot(page, "load-failure")
    page.context.unroute("**/pyodide.asm.wasm")
    retry.click()
    app.wait_state("ready")
    assert alert.is_hidden()
    before = renders(page)
    page.click("[data-testid=sample]")
    wait_image_render(page, before)
    assert len(fmaps(page)) == 3


def test_a_huge_file_is_refused_with_its_size_and_the_page_keeps_working(page, tmp_path):
    good, _ = make_png(tmp_path, seed=11)
    upload(page, good)
    huge = tmp_path / "huge.png"
    with open(huge, "wb") as f:  # a PNG signature, then 41 MB: refused before decoding
        f.write(b"\x89PNG\r\n\x1a\n")
        f.truncate(41 * 1024 * 1024)
    page.set_input_files("input[type=file][data-testid=upload]", str(huge))
    alert = page.locator(ALERT)
    alert.wait_for(state="visible")
    text = alert.text_content()
    assert "huge.png" in text and "41.0 MB" in text and "limit is 40.0 MB" in text
    assert [m["label"] for m in fmaps(page)] == ["edge", "sharpen", "blur"]
    other, _ = make_png(tmp_path, h=16, w=16, seed=12, name="small.png")
    upload(page, other)
    assert alert.is_hidden()


def test_the_convolution_panel_works_from_the_keyboard_alone(page, tmp_path):
    """Load the sample, edit a kernel cell and change the stride using only keys."""
    page.locator("[data-testid=sample]").focus()
    before = renders(page)
    page.keyboard.press("Enter")
    wait_image_render(page, before)
    cell = page.locator("[data-testid=kernel]").first.locator("[data-testid=kernel-cell]").first
    cell.focus()
    before = renders(page)
    page.keyboard.press("Control+A")
    page.keyboard.type("-3")
    wait_render(page, before)
    assert cell.input_value() == "-3"
    page.locator("[data-testid=stride]").focus()
    before = renders(page)
    page.keyboard.press("ArrowUp")  # number input: 1 -> 2
    wait_render(page, before)
    w = page.locator("canvas[data-testid=input-image]").evaluate("c => c.width")
    assert fmaps(page)[0]["width"] == (w - 3) // 2 + 1
    # Tabs: arrow keys move between them, and the panel follows.
    page.locator("[data-testid=tab-convolution]").focus()
    page.keyboard.press("ArrowRight")
    assert page.get_attribute("[data-testid=tab-explore]", "aria-selected") == "true"
    assert page.locator("#explore").is_visible() and page.locator("#convolution").is_hidden()
    page.keyboard.press("ArrowLeft")
    assert page.locator("#convolution").is_visible()


def test_the_loaded_page_keeps_working_offline(new_app_page, tmp_path):
    app = new_app_page()
    page = app.page
    page.context.set_offline(True)
    try:
        before = renders(page)
        page.click("[data-testid=sample]")  # fetched while online, kept in memory
        wait_image_render(page, before)
        assert [m["label"] for m in fmaps(page)] == ["edge", "sharpen", "blur"]
        path, _ = make_png(tmp_path, h=21, w=26, seed=13)
        upload(page, path)
        set_control(page, "stride", "2")
        assert [(m["height"], m["width"]) for m in fmaps(page)] == [(10, 12)] * 3
        assert page.locator(ALERT).is_hidden()
    finally:
        page.context.set_offline(False)
