"""End-to-end: the camera as the image (issue 14, item 8).

Chromium runs with its fake camera (a moving test pattern; tools/chromium.py's
--use-fake-device-for-media-stream and --use-fake-ui-for-media-stream, which grants the
permission without a prompt). An init script records each getUserMedia call and stream, and
every request the page sends its worker and every answer, so the tests can see that
permission is asked only on the click, that the tracks end on Stop, and that a frame goes to
the worker only once everything the last one caused has been answered (no queue). Where there
is no camera, no permission or no camera API, a stub stands in for getUserMedia.
"""
from __future__ import annotations

import hashlib
import time

import numpy as np
import pytest
from page_helpers import ALERT, CONV_TAB, EXPLORE_TAB, banner, expected_maps, fmaps, gray_levels, kernel_param, renders

CAMERA = "[data-testid=camera]"
STATUS_LINE = "[data-testid=camera-status]"
FPS = "[data-testid=camera-fps]"

# Records what the camera path does: getUserMedia calls and their streams, the worker's
# requests ({fn, id}) and answers (ids), in order.
RECORDER = """
window.__cam = { calls: 0, streams: [], log: [], delay: 0 };
const md = navigator.mediaDevices;
if (md && md.getUserMedia) {
  const ask = md.getUserMedia.bind(md);
  md.getUserMedia = async (constraints) => {
    window.__cam.calls++;
    if (window.__cam.delay) await new Promise((resolve) => setTimeout(resolve, window.__cam.delay)); // a slow answer
    const stream = await ask(constraints);
    window.__cam.streams.push(stream);
    return stream;
  };
}
const NativeWorker = window.Worker;
window.Worker = class extends NativeWorker {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", (e) => e.data && e.data.id && window.__cam.log.push(["answer", e.data.id]));
  }
  postMessage(msg, transfer) {
    if (msg && msg.fn) window.__cam.log.push(["ask", msg.id, msg.fn]);
    return super.postMessage(msg, transfer);
  }
};
"""

# getUserMedia fails as it does without a camera, or when the permission is refused.
REJECT = """
window.__cam = { calls: 0 };
navigator.mediaDevices.getUserMedia = async () => {
  window.__cam.calls++;
  throw new DOMException("%s", "%s");
};
"""
# No camera API at all, as on an insecure (http://, not this computer's) address.
NO_API = """
Object.defineProperty(Navigator.prototype, "mediaDevices", { get: () => undefined, configurable: true });
"""


def camera_state(page):
    return page.get_attribute(CAMERA, "data-state")


def start_camera(page, frames=4):
    """Press "Use the camera" and wait until `frames` frames have been drawn."""
    before = renders(page)
    page.click(CAMERA)
    page.wait_for_function(
        """(n) => Number(document.querySelector('[data-testid=maps]').dataset.renders || 0) >= n
                 && document.querySelector('canvas[data-testid=input-image]').dataset.decoder === 'camera'""",
        arg=before + frames, timeout=30_000)
    assert camera_state(page) == "running"
    return before


def first_map_digest(page):
    return page.evaluate("""() => { const c = document.querySelector('canvas[data-testid=fmap]');
        return c && Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data).join(','); }""")


def tracks_state(page):
    return page.evaluate("() => window.__cam.streams.flatMap(s => s.getTracks().map(t => t.readyState))")


def wait_idle(page):
    page.wait_for_function("() => document.querySelector('[data-testid=status]').dataset.state === 'ready'")
    page.wait_for_timeout(300)


def test_camera_frames_go_through_the_filters_one_at_a_time(new_app_page, shot):
    app = new_app_page(init_script=RECORDER)
    page = app.page
    wait_idle(page)
    # The service worker caches the page's files once it is up: its requests come first.
    page.wait_for_function(
        "() => ['ready', 'unsupported', 'failed'].includes(document.documentElement.dataset.offline)", timeout=60_000)
    page.wait_for_timeout(500)
    assert page.evaluate("window.__cam.calls") == 0, "the camera was asked for before the click"
    assert page.inner_text(CAMERA) == "Use the camera"
    assert "nothing is sent" in page.inner_text("[data-testid=dropzone]")
    requests_before = len(app.requests)
    log_from = page.evaluate("window.__cam.log.length")

    start = start_camera(page)
    assert page.evaluate("window.__cam.calls") == 1
    assert page.inner_text(CAMERA) == "Stop camera"
    assert page.get_attribute(CAMERA, "aria-pressed") == "true"
    assert page.get_attribute("[data-testid=maps]", "aria-busy") == "true"  # not read out frame by frame
    # The maps re-render with the pattern's changing content.
    digests = set()
    deadline = time.monotonic() + 30
    while len(digests) < 4 and time.monotonic() < deadline:
        digests.add(hashlib.sha1(first_map_digest(page).encode()).hexdigest())
        page.wait_for_timeout(150)
    assert len(digests) >= 4, f"only {len(digests)} different feature maps drawn from the live camera"
    page.wait_for_function("() => Number(document.querySelector('[data-testid=camera-fps]').dataset.fps) > 0")
    fps = float(page.get_attribute(FPS, "data-fps"))
    assert fps > 0 and page.is_visible(FPS)
    assert page.inner_text(FPS) == f"{fps:.1f} frames drawn per second"
    assert "scaled from 640×480" in page.inner_text("[data-testid=image-caption]")
    shot(page, "camera-running-1280")
    page.set_viewport_size({"width": 375, "height": 740})
    page.wait_for_timeout(400)
    shot(page, "camera-running-375")
    page.set_viewport_size({"width": 1280, "height": 800})

    log_to = page.evaluate("window.__cam.log.length")
    page.click(CAMERA)
    assert camera_state(page) == "idle"
    assert tracks_state(page) and all(s == "ended" for s in tracks_state(page))
    assert page.inner_text(CAMERA) == "Use the camera"
    assert "last frame stays as the image" in page.inner_text(STATUS_LINE)
    assert not page.is_visible(FPS)
    assert page.get_attribute("[data-testid=maps]", "aria-busy") is None
    wait_idle(page)
    drawn = renders(page)
    assert drawn >= start + 4
    page.wait_for_timeout(1000)
    assert renders(page) == drawn, "maps still redrawn after Stop"
    assert len(fmaps(page)) == 3 and page.get_attribute("canvas[data-testid=input-image]", "data-decoder") == "camera"
    assert app.requests[requests_before:] == [], "the camera path made a request"

    # One frame in the worker at a time: each frame's set_image is asked only once every
    # earlier request was answered (its maps drawn), and nothing but set_image and convolve
    # ran meanwhile (the other tabs hear of the frame that stays, after Stop).
    log = page.evaluate("window.__cam.log")
    unanswered, frames = set(), 0
    for entry in log[log_from:]:
        if entry[0] == "ask":
            _, rid, fn = entry
            if fn == "set_image":
                frames += 1
                assert not unanswered, f"a frame was sent while requests {sorted(unanswered)} were unanswered"
            unanswered.add(rid)
        else:
            unanswered.discard(entry[1])
    assert frames >= drawn - start >= 4
    live = {e[2] for e in log[log_from:log_to] if e[0] == "ask"}
    assert live == {"set_image", "convolve"}, live
    assert not app.page_errors and not app.console_errors


def test_the_kept_frame_is_the_image_pycore_computes_on(new_app_page):
    app = new_app_page(init_script=RECORDER)
    page = app.page
    wait_idle(page)
    page.select_option("[data-testid=max-side]", "0")  # original size: the frame's own pixels
    start_camera(page, frames=3)
    page.click(CAMERA)
    page.wait_for_function("""() => { const m = document.querySelector('[data-testid=maps]');
        const i = document.querySelector('canvas[data-testid=input-image]');
        return m.dataset.image === i.dataset.image
            && document.querySelector('[data-testid=status]').dataset.state === 'ready'; }""")
    wait_idle(page)
    rgba = np.array(page.evaluate("""() => { const c = document.querySelector('canvas[data-testid=input-image]');
        return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data); }"""), np.uint8)
    rgba = rgba.reshape(480, 640, 4)
    meta, arrays = expected_maps(rgba, {
        "channel": "gray", "kernels": [kernel_param(n) for n in ("edge", "sharpen", "blur")],
        "stride": 1, "padding": 0, "activation": "relu", "pool": {"type": "max", "kernel_size": 2},
    })
    got = fmaps(page)
    assert len(got) == 3
    for m, g in zip(meta["maps"], got):
        a = arrays[m["array"]]
        assert (g["height"], g["width"]) == a.shape
        assert g["vmin"] == pytest.approx(m["vmin"], rel=1e-5, abs=1e-6)
        assert g["vmax"] == pytest.approx(m["vmax"], rel=1e-5, abs=1e-6)
        diff = np.abs(np.asarray(g["gray"]) - gray_levels(a, m["vmin"], m["vmax"]).ravel())
        assert diff.max() <= 1, f"{g['label']}: {int((diff > 1).sum())} pixels differ by more than one level"

    # Another working size reads the kept frame again, scaled by pycore.
    before = renders(page)
    page.select_option("[data-testid=max-side]", "256")
    page.wait_for_function("""(n) => Number(document.querySelector('[data-testid=maps]').dataset.renders) > n
        && document.querySelector('canvas[data-testid=input-image]').width === 256""", arg=before)
    assert page.get_attribute("canvas[data-testid=input-image]", "data-decoder") == "camera"
    assert "256×192 pixels" in page.inner_text("[data-testid=image-caption]")
    assert page.evaluate("window.__cam.calls") == 1


def test_the_camera_stops_when_the_tab_is_left_the_page_hidden_or_a_file_chosen(new_app_page):
    app = new_app_page(init_script=RECORDER)
    page = app.page
    wait_idle(page)

    start_camera(page, frames=2)
    page.click(EXPLORE_TAB)
    assert tracks_state(page) == ["ended"]
    page.click(CONV_TAB)
    assert camera_state(page) == "idle"
    assert "leave this tab" in page.inner_text(STATUS_LINE)

    start_camera(page, frames=2)
    page.evaluate("""() => {
        Object.defineProperty(document, 'hidden', { value: true, configurable: true });
        Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
        delete document.hidden; delete document.visibilityState; }""")
    assert tracks_state(page) == ["ended", "ended"]
    assert "while the page is hidden" in page.inner_text(STATUS_LINE)

    # Left while the browser still asks: the camera it grants is stopped at once.
    page.evaluate("window.__cam.delay = 1500")
    before = renders(page)
    page.click(CAMERA)
    assert camera_state(page) == "starting" and page.is_disabled(CAMERA)
    page.click(EXPLORE_TAB)
    page.wait_for_function("() => window.__cam.streams.length === 3")
    page.wait_for_timeout(300)
    assert tracks_state(page) == ["ended"] * 3
    page.click(CONV_TAB)
    assert camera_state(page) == "idle" and not page.is_disabled(CAMERA)
    assert renders(page) == before
    page.evaluate("window.__cam.delay = 0")

    start_camera(page, frames=2)
    before = renders(page)
    page.click("[data-testid=sample]")
    page.wait_for_function("""(n) => Number(document.querySelector('[data-testid=maps]').dataset.renders) > n
        && document.querySelector('canvas[data-testid=input-image]').dataset.decoder === 'browser'""", arg=before)
    assert tracks_state(page) == ["ended"] * 4
    assert "you chose another image" in page.inner_text(STATUS_LINE)
    wait_idle(page)
    drawn = renders(page)
    page.wait_for_timeout(800)
    assert renders(page) == drawn
    assert page.get_attribute("canvas[data-testid=input-image]", "data-decoder") == "browser"
    assert page.evaluate("window.__cam.calls") == 4


def test_the_camera_goes_on_after_the_worker_is_replaced(new_app_page):
    app = new_app_page(path="/?test-hooks", init_script=RECORDER)
    page = app.page
    wait_idle(page)
    page.evaluate("window.__cnnTest.setCallTimeout(3000)")
    start_camera(page, frames=3)
    # An error nothing catches, then a worker ended behind the page's back (the frame or
    # its maps in flight never answer: the watchdog); the loop waits and goes on each time.
    for how in ("crashWorker", "killWorker"):
        page.evaluate(f"window.__cnnTest.{how}()")
        page.wait_for_function("() => document.querySelector('[data-testid=status]').dataset.state === 'loading'",
                               timeout=15_000)
        page.wait_for_function("""() => { const b = document.querySelector('[data-testid=error]');
            return !b.hidden && b.textContent.includes('it was restarted')
                && document.querySelector('[data-testid=status]').dataset.state === 'ready'; }""", timeout=60_000)
        after_restart = renders(page)
        page.wait_for_function("(n) => Number(document.querySelector('[data-testid=maps]').dataset.renders) >= n + 4",
                               arg=after_restart, timeout=30_000)
        assert camera_state(page) == "running", how
        assert tracks_state(page) == ["live"]
        assert page.inner_text(CAMERA) == "Stop camera"
        page.click(f"{ALERT} .error-close")
    page.click(CAMERA)
    assert tracks_state(page) == ["ended"]
    assert not app.page_errors


@pytest.mark.parametrize("case,script,calls,words", [
    ("no-camera", REJECT % ("Requested device not found", "NotFoundError"), 1, "No camera was found"),
    ("refused", REJECT % ("Permission denied", "NotAllowedError"), 1, "The camera was not allowed"),
    ("no-api", NO_API, None, "only on a secure address"),
])
def test_without_a_camera_a_message_beside_the_button_and_the_page_works(new_app_page, shot, case, script, calls,
                                                                         words):
    app = new_app_page(init_script=script)
    page = app.page
    wait_idle(page)
    page.click(CAMERA)
    page.wait_for_function("() => document.querySelector('[data-testid=camera]').dataset.state === 'error'")
    line = page.locator(STATUS_LINE)
    assert words in line.inner_text()
    assert line.get_attribute("role") == "status"
    assert page.get_attribute(CAMERA, "aria-describedby") == line.get_attribute("id")
    # Right after the button, in the image card, not on the page-wide banner.
    assert page.evaluate("""() => { const b = document.querySelector('[data-testid=camera]');
        const s = document.querySelector('[data-testid=camera-status]');
        return b.closest('section') === s.closest('section'); }""")
    assert banner(page) is None
    if calls is not None:
        assert page.evaluate("window.__cam.calls") == calls
    assert page.inner_text(CAMERA) == "Use the camera" and not page.is_disabled(CAMERA)
    if case == "no-camera":
        shot(page, "camera-no-camera-1280")
        page.set_viewport_size({"width": 375, "height": 740})
        page.wait_for_timeout(300)
        shot(page, "camera-no-camera-375")
        page.set_viewport_size({"width": 1280, "height": 800})

    # The page still works: the sample photo, then an edit, redraw the maps.
    before = renders(page)
    page.click("[data-testid=sample]")
    page.wait_for_function("""(n) => Number(document.querySelector('[data-testid=maps]').dataset.renders) > n
        && document.querySelector('canvas[data-testid=input-image]').dataset.decoder === 'browser'""", arg=before)
    wait_idle(page)
    before = renders(page)
    page.fill("[data-testid=stride]", "2")
    page.wait_for_function("(n) => Number(document.querySelector('[data-testid=maps]').dataset.renders) > n",
                           arg=before)
    assert len(fmaps(page)) == 3
    assert page.is_hidden(ALERT)
    assert not app.page_errors
