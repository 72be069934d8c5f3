"""Helpers shared by the end-to-end tests: test images, the tabs and the banner, and the
convolution panel's controls and maps."""
from __future__ import annotations

import numpy as np
from PIL import Image

from pycore import page as pycore_page

CONV_TAB = "[data-testid=tab-convolution]"
EXPLORE_TAB = "[data-testid=tab-explore]"
ALERT = "[role=alert][data-testid=error]"  # the shared banner


def rgb_image(h, w, seed, square=5, low=20, contrast=200):
    """A seeded (h, w, 3) uint8 image with edges and noise: red a left-to-right ramp, green a
    checkerboard of `square`-pixel squares (`low` or `low + contrast`), blue noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    return np.stack(
        [
            (xx * 255 // max(1, w - 1)),
            ((xx // square + yy // square) % 2) * contrast + low,
            rng.integers(0, 256, size=(h, w)),
        ],
        axis=-1,
    ).astype(np.uint8)


def save_png(path, rgb):
    """Save an (h, w, 3) uint8 image as an opaque PNG; returns its (h, w, 4) RGBA pixels."""
    Image.fromarray(rgb, "RGB").save(path)
    h, w, _ = rgb.shape
    return np.concatenate([rgb, np.full((h, w, 1), 255, np.uint8)], axis=-1)


def make_png(tmp_path, h=30, w=40, seed=0, name="test.png"):
    """A seeded, opaque RGB test image with edges and noise; returns (path, rgba)."""
    path = tmp_path / name
    return path, save_png(path, rgb_image(h, w, seed))


def banner(page) -> str | None:
    """The shared banner's text, or None when it is hidden."""
    return page.evaluate("""(sel) => { const b = document.querySelector(sel);
        return b.hidden ? null : b.querySelector('.error-text').textContent; }""", ALERT)


def renders(page) -> int:
    return int(page.get_attribute("[data-testid=maps]", "data-renders") or 0)


def wait_render(page, before: int) -> None:
    """Wait until a newer result than `before` is drawn and nothing is in flight."""
    page.wait_for_function(
        """(n) => {
            const maps = document.querySelector('[data-testid=maps]');
            const st = document.querySelector('[data-testid=status]').dataset.state;
            return Number(maps.dataset.renders || 0) > n && st === 'ready';
        }""",
        arg=before,
        timeout=30_000,
    )


def wait_image_render(page, before: int) -> None:
    """Wait until maps newer than `before` are drawn of the image on screen (the input
    canvas's data-image, which counts the images shown, equals the maps' data-image)."""
    page.wait_for_function(
        """(n) => {
            const maps = document.querySelector('[data-testid=maps]');
            const input = document.querySelector('canvas[data-testid=input-image]');
            const st = document.querySelector('[data-testid=status]').dataset.state;
            return Number(maps.dataset.renders || 0) > n && st === 'ready'
                && input.dataset.image !== undefined && maps.dataset.image === input.dataset.image;
        }""",
        arg=before,
        timeout=30_000,
    )


def upload(page, path) -> None:
    """Load a file through the page's file input and wait for its maps."""
    before = renders(page)
    page.set_input_files("input[type=file][data-testid=upload]", str(path))
    wait_image_render(page, before)


def set_control(page, testid: str, value: str) -> None:
    """Change a control as a user would and wait for the redraw."""
    before = renders(page)
    el = page.locator(f"[data-testid={testid}]")
    tag = el.evaluate("e => e.tagName")
    if tag == "SELECT":
        el.select_option(value)
    else:
        el.fill(value)
    wait_render(page, before)


def fmaps(page, testid="fmap"):
    """Every drawn map: label, canvas size, data-vmin/vmax and its gray pixel values."""
    return page.evaluate(
        """(tid) => [...document.querySelectorAll(`canvas[data-testid=${tid}]`)].map(c => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            const gray = [];
            for (let i = 0; i < d.length; i += 4) gray.push(d[i]);
            return {label: c.dataset.label, width: c.width, height: c.height,
                    vmin: Number(c.dataset.vmin), vmax: Number(c.dataset.vmax), gray};
        })""",
        testid,
    )


def expected_maps(rgba, params):
    """What pycore computes in CPython for the same pixels and settings."""
    h, w, _ = rgba.shape
    image = pycore_page.prepare_image(rgba.tobytes(), h, w)
    result = pycore_page.call("convolve", image, params)
    meta, arrays = result["meta"], result["arrays"]
    return meta, arrays


def gray_levels(a, vmin, vmax):
    """The page's gray rule (render.js grayLevel): min..max -> 0..255, constant -> 128."""
    if not vmax > vmin:
        return np.full(a.shape, 128)
    return np.clip(np.round((a.astype(np.float64) - vmin) / (vmax - vmin) * 255), 0, 255)


def kernel_param(name):
    from pycore import kernels

    k = kernels.get_kernel(name)
    return {"name": name, "rows": k.shape[0], "cols": k.shape[1], "values": k.ravel()}


def positions(n, k, s, p, d=1):
    """Count window positions by walking them: the independent output-size check."""
    span = d * (k - 1) + 1
    count, start = 0, 0
    while start + span <= n + 2 * p:
        count += 1
        start += s
    return count


def reset(page):
    """Back to the defaults a fresh page shows, without reloading Python."""
    page.click(CONV_TAB)
    for testid, value in [
        ("channel", "gray"), ("padding-kind", "number"), ("padding-mode", "zeros"),
        ("activation", "relu"), ("pool-type", "max"),
    ]:
        page.select_option(f"[data-testid={testid}]", value)
    for testid, value in [("stride", "1"), ("dilation", "1"), ("padding", "0"),
                          ("pool-size", "2"), ("pool-stride", "2"), ("pool-padding", "0")]:
        page.fill(f"[data-testid={testid}]", value)
    page.click("[data-testid=reset-filters]")
    if page.is_checked("[data-testid=pool-ceil]"):
        page.uncheck("[data-testid=pool-ceil]")


