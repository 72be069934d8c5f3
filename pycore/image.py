"""Images as the core sees them: RGBA bytes in, (3, H, W) float32 in [0, 1] out;
grayscale, one channel, crops, block means and area resampling.

``from_rgba`` turns a canvas's RGBA bytes into the working image; ``input_plane``
picks the plane the filters see (grayscale is the mean of R, G and B, the tutorial's);
``block_cells`` averages a crop into a small grid (the explorers' "zoom out");
``fit_image`` fits an image to a network's input; ``block_mean`` averages maps down
for display.

Fitting the image (:func:`fit_image`)
-------------------------------------
The page's image is ``(3, H, W)`` float32 in [0, 1]. Grayscale is the mean of R,
G and B (the tutorial's). ``"resize"`` stretches the whole image to exactly
``height x width`` (the aspect ratio may change). ``"crop"`` keeps the aspect
ratio: it scales the image by the smallest factor that makes it cover the target
(``max(height / H, width / W)``) and keeps the centre; when that factor is 1 it
is a plain crop of whole pixels, as the tutorial's ``img[:352]``.

Resampling is area averaging (a box filter): each output pixel is the mean of the
source area it covers, partly covered source pixels weighted by the covered
fraction. It is exact for whole-pixel crops, never aliases when shrinking, and is
blocky (nearest-like, blended at block edges) when enlarging. It runs as a few
vectorized gathers per axis (one per source pixel a destination pixel can touch).

Reading an image (one rule for the page and the command line)
-------------------------------------------------------------
:func:`decode_image_bytes` (Pillow) and :func:`from_pixels` (the page's canvas
pixels) end in the same steps, so the page and ``pycore apply`` see the same numbers:

1. Pixels are scaled to [0, 1] by their format's real maximum: 255 for 8-bit
   images, 65535 for 16-bit ones (Pillow's ``I;16`` and ``I`` modes), so 16-bit
   images keep their precision.
2. Transparency is composited over white: ``c · a + (1 − a)``, in float. Palette
   images (with or without transparency) go through Pillow's RGBA; CMYK and other
   colour spaces through Pillow's ``convert("RGB")``.
3. EXIF orientation is applied; an animated image is its first frame.
4. The image is scaled to the working size (:func:`working_size`: the longest side
   at most ``max_side``, never enlarged, each side rounded half up as JavaScript's
   ``Math.round``) by area averaging (:func:`area_weights`), in float, not 8-bit.

Before anything is decoded, :func:`read_header` reads the width and height from the
file's header (pure Python) so that a decompression bomb is refused by its size
(:func:`check_pixel_limit`) without allocating it; it also says which files the
browser would decode differently from Pillow (``decoder``).

Maps with overflow
------------------
:func:`value_range` is a map's range over its finite cells (None when it has none)
and :func:`nonfinite` counts its +inf, -inf and NaN cells; :func:`map_stats` is
both, the meta every map of the page and every line of ``pycore apply`` carry.
"""

from __future__ import annotations

import io
import math
import struct
from typing import Any

import numpy as np

__all__ = ["CHANNELS", "COLORS", "FITS", "MAX_SOURCE_PIXELS", "DEFAULT_MAX_SIDE", "from_rgba", "from_pixels",
           "working_size", "input_plane", "block_cells", "area_weights", "resample_axis", "fit_image", "block_mean",
           "value_range", "nonfinite", "gray_levels", "map_stats", "read_header", "image_size_from_header",
           "check_pixel_limit",
           "decode_image_bytes"]

# the planes the convolution panel can filter: the RGB mean or one channel
CHANNELS = ("gray", "red", "green", "blue")
# a network input's colours and the two ways to fit an image to it
COLORS = ("rgb", "gray")
FITS = ("resize", "crop")


def from_rgba(rgba, height: int, width: int, max_side: int = 0) -> np.ndarray:
    """RGBA bytes (row-major, 4 per pixel, as a canvas gives them) -> the working image.

    Parameters
    ----------
    rgba : bytes-like of length height*width*4
        As a canvas's ``getImageData`` gives them. Alpha is ignored: the page draws
        onto a white canvas (so every pixel is opaque), and files with transparency
        go through :func:`decode_image_bytes` (see :func:`read_header`).
    height, width : int
    max_side : int
        Scale to :func:`working_size` (0: keep the size).

    Returns
    -------
    ndarray, shape (3, h, w), float32, values in [0, 1]
    """
    buf = np.frombuffer(rgba, dtype=np.uint8)
    if buf.size != height * width * 4:
        raise ValueError(f"image data has {buf.size} bytes; a {width}x{height} RGBA image needs {height * width * 4}")
    return from_pixels(buf.reshape(height, width, 4)[:, :, :3], 255, max_side)


# Colour planes of the source rows to convert and resample at a time: bounds the float
# copy of a large image (an 8000-pixel-wide band of 256 rows is 24 MB of float32).
BAND_ROWS = 256
# The largest image the page and the command line agree to decode (the page's limit).
MAX_SOURCE_PIXELS = 80_000_000
DEFAULT_MAX_SIDE = 512  # the page's default "Working size": longest side 512 px


def working_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """(width, height) scaled so the longest side is at most ``max_side`` (0: no limit).

    Never enlarges. Each side is rounded half up, as the page's ``Math.round``, and is
    at least 1.
    """
    if max_side < 0:
        raise ValueError(f"the working size (longest side) must be 0 (original size) or more; got {max_side}")
    scale = min(1.0, max_side / max(width, height)) if max_side else 1.0
    return max(1, math.floor(width * scale + 0.5)), max(1, math.floor(height * scale + 0.5))


def _unit_band(band: np.ndarray, max_value: float) -> np.ndarray:
    """(rows, W, C) pixels, C = 1 (gray), 2 (gray, alpha), 3 (RGB) or 4 (RGBA), values
    0..max_value -> (3, rows, W) float32 in [0, 1], transparency composited over white."""
    b = band.astype(np.float32) / np.float32(max_value)
    c = b.shape[2]
    if c in (2, 4):
        alpha = b[:, :, c - 1 : c]
        color = b[:, :, : c - 1] * alpha + (np.float32(1) - alpha)
    elif c in (1, 3):
        color = b
    else:
        raise ValueError(f"pixels must have 1 to 4 channels (gray, gray+alpha, RGB, RGBA); got {c}")
    if color.shape[2] == 1:
        color = np.broadcast_to(color, (*color.shape[:2], 3))
    return color.transpose(2, 0, 1)


def from_pixels(pixels: np.ndarray, max_value: float, max_side: int = 0) -> np.ndarray:
    """Decoded pixels -> the working image: steps 1, 2 and 4 of the rule above.

    Parameters
    ----------
    pixels : ndarray, shape (H, W, C), C in 1..4 (gray, gray+alpha, RGB, RGBA), any
        numeric dtype, values 0..max_value
    max_value : float
        255 for 8-bit pixels, 65535 for 16-bit ones.
    max_side : int
        Scale to :func:`working_size` (0: keep the size).

    Returns
    -------
    ndarray, shape (3, h, w), float32 in [0, 1]

    Converted and resampled a band of rows at a time, so a large source is never
    held as float whole.
    """
    if pixels.ndim != 3:
        raise ValueError(f"pixels must be (H, W, C); got shape {pixels.shape}")
    H, W = pixels.shape[:2]
    w, h = working_size(W, H, max_side)
    out = np.empty((3, h, w), dtype=np.float32)
    if (h, w) == (H, W):
        for lo in range(0, H, BAND_ROWS):
            out[:, lo : lo + BAND_ROWS] = _unit_band(pixels[lo : lo + BAND_ROWS], max_value)
        return out
    iy, wy = area_weights(H, 0.0, float(H), h)
    ix, wx = area_weights(W, 0.0, float(W), w)
    step = max(1, (BAND_ROWS * h) // H)  # output rows per band
    for o0 in range(0, h, step):
        o1 = min(h, o0 + step)
        lo, hi = int(iy[o0:o1].min()), int(iy[o0:o1].max()) + 1
        band = np.ascontiguousarray(_unit_band(pixels[lo:hi], max_value))
        rows = resample_axis(band, 1, iy[o0:o1] - lo, wy[o0:o1])
        out[:, o0:o1] = resample_axis(rows, 2, ix, wx)
    np.clip(out, 0.0, 1.0, out=out)  # the weights sum to 1 up to rounding
    return out


def input_plane(image: np.ndarray, channel: str) -> np.ndarray:
    """(3, H, W) image -> (1, H, W): the RGB mean (the notebook's grayscale) or one channel."""
    if channel == "gray":
        return image.mean(axis=0, keepdims=True, dtype=np.float32)
    if channel in ("red", "green", "blue"):
        i = CHANNELS.index(channel) - 1
        return image[i : i + 1]
    raise ValueError(f"input channel must be one of {', '.join(CHANNELS)}; got {channel!r}")


def block_cells(image: np.ndarray, row: int, col: int, n: int, scale: int) -> np.ndarray:
    """An n×n grid of the (C, H, W) image: the crop at (row, col) of n·scale pixels a side,
    each cell the mean of its scale×scale block.

    Returns
    -------
    ndarray, shape (C, n, n), float64
    """
    img = np.asarray(image, dtype=np.float64)
    side = n * scale
    region = img[:, row : row + side, col : col + side]
    return region.reshape(img.shape[0], n, scale, n, scale).mean(axis=(2, 4))


def area_weights(n_in: int, start: float, stop: float, n_out: int):
    """Box-filter resampling of one axis.

    Parameters
    ----------
    n_in : int
        Source length.
    start, stop : float
        The source interval ``[start, stop)`` (within ``[0, n_in]``) that maps onto
        the output.
    n_out : int
        Output length.

    Returns
    -------
    idx : ndarray of intp, shape (n_out, taps)
        Source indices each output reads.
    w : ndarray of float64, shape (n_out, taps)
        Their weights (covered fraction of the output's source interval); each row
        sums to 1.
    """
    d = (stop - start) / n_out
    lo = start + d * np.arange(n_out)
    hi = lo + d
    # intp: numpy's index type (int32 in Pyodide's wasm32), which np.take requires
    first = np.floor(lo).astype(np.intp)
    taps = int(np.max(np.ceil(hi - 1e-9).astype(np.intp) - first)) if n_out else 1
    taps = max(taps, 1)
    idx = first[:, None] + np.arange(taps, dtype=np.intp)[None, :]
    overlap = np.minimum(idx + 1, hi[:, None]) - np.maximum(idx, lo[:, None])
    w = np.clip(overlap, 0.0, None)
    w /= w.sum(axis=1, keepdims=True)
    return np.clip(idx, 0, n_in - 1), w


def resample_axis(x: np.ndarray, axis: int, idx: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Apply area weights along ``axis`` of ``x``: one gather per tap.

    Fancy indexing (a fresh copy, scaled and summed in place) is about twice as fast
    as ``np.take`` along the last axis in Pyodide.
    """
    where = [slice(None)] * x.ndim
    shape = [1] * x.ndim
    shape[axis] = idx.shape[0]
    out = None
    for t in range(idx.shape[1]):
        where[axis] = idx[:, t]
        part = x[tuple(where)]
        part *= w[:, t].reshape(shape).astype(x.dtype)
        if out is None:
            out = part
        else:
            out += part
    return out


def fit_image(image: np.ndarray, color: str, height: int, width: int, fit: str):
    """Fit the page's image to a network input.

    Parameters
    ----------
    image : ndarray, shape (3, H, W), values in [0, 1]
    color : {"rgb", "gray"}
        Gray is the mean of R, G and B.
    height, width : int
        The network's input size.
    fit : {"resize", "crop"}
        See the module docstring.

    Returns
    -------
    x : ndarray, shape (3 or 1, height, width), float32 in [0, 1]
    info : dict
        JSON-able: ``fit``, ``source`` [H, W], ``scale`` [sy, sx] (output pixels per
        source pixel), ``window`` {top, left, height, width} (the source area used, in
        source pixels, possibly fractional) and ``text`` (a sentence for the page).
    """
    img = np.asarray(image, dtype=np.float32)
    if img.ndim != 3 or img.shape[0] != 3 or img.shape[1] < 1 or img.shape[2] < 1:
        raise ValueError(f"the image must be (3, H, W), got shape {img.shape}")
    if color not in COLORS:
        raise ValueError(f"input colour must be rgb or gray, got {color!r}")
    if fit not in FITS:
        raise ValueError(f"input fit must be resize or crop, got {fit!r}")
    _, H, W = img.shape
    if color == "gray":
        img = img.mean(axis=0, keepdims=True, dtype=np.float32)
    if fit == "resize":
        top, left, wh, ww = 0.0, 0.0, float(H), float(W)
        sy, sx = height / H, width / W
        if (H, W) == (height, width):
            text = f"The {W}×{H} image (width × height) is used as it is."
        else:
            text = (f"Resized: the whole {W}×{H} image (width × height) is stretched to "
                    f"{width}×{height}"
                    + ("; its shape is kept." if math.isclose(sy, sx, rel_tol=1e-3) else
                       f"; width ×{sx:.3g}, height ×{sy:.3g}, so its shape changes."))
    else:
        s = max(height / H, width / W)
        wh, ww = height / s, width / s
        top, left = (H - wh) / 2, (W - ww) / 2
        if s == 1.0:  # a plain crop of whole pixels
            top, left = float(math.floor(top)), float(math.floor(left))
        sy = sx = s
        # what is cut off, in pixels of the scaled image
        sh, sw = H * s, W * s
        cut = []
        if sh - height > 0.05:
            cut.append(f"{_px(top * s)} rows at the top and {_px(sh - height - top * s)} "
                       f"at the bottom")
        if sw - width > 0.05:
            cut.append(f"{_px(left * s)} columns at the left and "
                       f"{_px(sw - width - left * s)} at the right")
        if s == 1.0:
            start = f"Cropped: of the {W}×{H} image (width × height), the centre"
        else:
            start = (f"Cropped: the {W}×{H} image (width × height) is scaled by {s:.4g} to "
                     f"{_px(sw)}×{_px(sh)}, keeping its shape, and its centre")
        text = (f"{start} {width}×{height} is used"
                + (f"; {' and '.join(cut)} are cut off." if cut else "."))
    iy, wy = area_weights(H, top, top + wh, height)
    ix, wx = area_weights(W, left, left + ww, width)
    out = resample_axis(resample_axis(img, 1, iy, wy), 2, ix, wx)
    out = np.clip(out, 0.0, 1.0).astype(np.float32)
    info = {"fit": fit, "color": color, "source": [H, W], "scale": [sy, sx],
            "window": {"top": top, "left": left, "height": wh, "width": ww}, "text": text}
    return np.ascontiguousarray(out), info


def _px(v: float) -> str:
    return str(int(round(v))) if abs(v - round(v)) < 0.05 else f"{v:.1f}"


def block_mean(maps: np.ndarray, f: int) -> np.ndarray:
    """(C, H, W) averaged over f×f blocks (area resample to ceil(H/f) × ceil(W/f))."""
    if f == 1:
        return maps
    _, h, w = maps.shape
    oh, ow = math.ceil(h / f), math.ceil(w / f)
    iy, wy = area_weights(h, 0.0, float(h), oh)
    ix, wx = area_weights(w, 0.0, float(w), ow)
    return resample_axis(resample_axis(maps, 1, iy, wy), 2, ix, wx)


def value_range(a: Any) -> list:
    """``[smallest, largest]`` finite value of ``a``; ``[None, None]`` when no cell is finite.

    ±inf and NaN are data (they propagate through every op) but not a range to scale a
    colour map to, and a range of "0 … 0" for a map that is all +inf would be a lie.
    """
    a = np.asarray(a)
    finite = a[np.isfinite(a)]
    if finite.size == 0:
        return [None, None]
    return [float(finite.min()), float(finite.max())]


def nonfinite(a: Any) -> dict:
    """How many cells of ``a`` are +inf, -inf and NaN, the meta shape every map carries.

    Returns
    -------
    ``{"any": bool, "posinf": int, "neginf": int, "nan": int, "text": str | None}``;
    ``text`` is the sentence the page and the command line show (None when ``any`` is
    false), e.g. ``"all 400 cells overflowed to +∞"``.
    """
    a = np.asarray(a)
    if a.dtype.kind not in "fc":  # integers and bools are always finite
        return {"any": False, "posinf": 0, "neginf": 0, "nan": 0, "text": None}
    nan = int(np.count_nonzero(np.isnan(a)))
    posinf = int(np.count_nonzero(np.isposinf(a)))
    neginf = int(np.count_nonzero(np.isneginf(a)))
    total = nan + posinf + neginf
    text = None
    if total:
        parts = [f"{n:,} {what}" for n, what in ((posinf, "+∞"), (neginf, "−∞"), (nan, "NaN")) if n]
        if total == a.size and len(parts) == 1:
            text = f"all {a.size:,} cells are {parts[0].split(' ', 1)[1]}"
        else:
            text = f"{total:,} of {a.size:,} cells are not finite ({', '.join(parts)})"
        # NaN comes from inf − inf or 0 · inf, so it too starts with a value too large for float32
        text += ": the values overflowed (too large for 32-bit floats)"
    return {"any": bool(total), "posinf": posinf, "neginf": neginf, "nan": nan, "text": text}


def gray_levels(a) -> np.ndarray:
    """A map -> uint8 levels, min–max over the finite values (the page's gray mode): a
    constant map is 128, +inf 255, -inf and NaN 0."""
    a = np.asarray(a, dtype=np.float64)
    finite = np.isfinite(a)
    out = np.full(a.shape, 128, dtype=np.uint8)
    if finite.any():
        lo, hi = float(a[finite].min()), float(a[finite].max())
        if hi > lo:
            scaled = (np.where(finite, a, lo) - lo) * (255.0 / (hi - lo))
            out = np.rint(np.clip(scaled, 0, 255)).astype(np.uint8)
    out[np.isposinf(a)] = 255
    out[np.isneginf(a) | np.isnan(a)] = 0
    return out


def map_stats(a: Any) -> dict:
    """A map's ``{"vmin", "vmax", "nonfinite"}``: :func:`value_range` and :func:`nonfinite`."""
    vmin, vmax = value_range(a)
    return {"vmin": vmin, "vmax": vmax, "nonfinite": nonfinite(a)}


# ------------------------------------------------------------------ reading files


def _label(name: str | None) -> str:
    return f'"{name}"' if name else "the file"


def check_pixel_limit(width: int, height: int, max_pixels: int = MAX_SOURCE_PIXELS, name: str | None = None) -> None:
    """Raise ValueError (width × height and the limit) if the image has more than max_pixels."""
    if width * height > max_pixels:
        raise ValueError(f"{_label(name)} is {width}×{height} pixels ({width * height / 1e6:.4g} megapixels), "
                         f"too large to open here: the limit is {max_pixels / 1e6:.4g} megapixels. "
                         f"Scale it down in an image editor first.")


def _png(d: bytes) -> dict:
    if len(d) < 33 or d[12:16] != b"IHDR":
        raise ValueError("its PNG header is cut short or damaged")
    width, height, depth, color = struct.unpack(">IIBB", d[16:26])
    # tRNS (transparency) must come before the first IDAT; scan the chunks up to it
    alpha, pos = color in (4, 6), 8
    while pos + 8 <= len(d):
        length, kind = struct.unpack(">I4s", d[pos : pos + 8])
        if kind == b"IDAT":
            break
        alpha = alpha or kind == b"tRNS"
        pos += 12 + length
    traits = {"bits": 16 if depth == 16 else 8, "alpha": alpha}
    return {"format": "PNG", "width": width, "height": height, **traits}


def _gif(d: bytes) -> dict:
    if len(d) < 13:
        raise ValueError("its GIF header is cut short")
    width, height, packed = struct.unpack("<HHB", d[6:11])
    pos = 13 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0)
    alpha = False
    # the first frame's graphic control extension says whether it has a transparent colour
    while pos < len(d) and d[pos] == 0x21 and pos + 1 < len(d):
        if d[pos + 1] == 0xF9 and pos + 3 < len(d):
            alpha = alpha or bool(d[pos + 3] & 1)
        pos += 2
        while pos < len(d) and d[pos]:  # data sub-blocks up to the zero-length one
            pos += d[pos] + 1
        pos += 1
    return {"format": "GIF", "width": width, "height": height, "bits": 8, "alpha": alpha}


# SOF markers (baseline, progressive, lossless, arithmetic); not C4 (DHT), C8, CC (DAC)
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg(d: bytes) -> dict:
    pos = 2
    while pos + 4 <= len(d):
        if d[pos] != 0xFF:
            raise ValueError("its JPEG markers are damaged")
        marker = d[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            pos += 2
            continue
        (length,) = struct.unpack(">H", d[pos + 2 : pos + 4])
        if marker in _SOF:
            if pos + 10 > len(d):
                break
            bits, height, width, components = struct.unpack(">BHHB", d[pos + 4 : pos + 10])
            return {"format": "JPEG", "width": width, "height": height, "bits": bits, "alpha": False,
                    "cmyk": components == 4}
        if marker == 0xDA:  # scan data before any frame header
            break
        pos += 2 + length
    raise ValueError("its JPEG header is cut short (no frame header with the image size)")


def _bmp(d: bytes) -> dict:
    if len(d) < 26:
        raise ValueError("its BMP header is cut short")
    (size,) = struct.unpack("<I", d[14:18])
    if size == 12:  # OS/2 1.x
        width, height, bpp = *struct.unpack("<HH", d[18:22]), struct.unpack("<H", d[24:26])[0]
    elif size >= 40 and len(d) >= 30:
        width, height = struct.unpack("<ii", d[18:26])
        (bpp,) = struct.unpack("<H", d[28:30])
    else:
        raise ValueError("its BMP header is cut short or of an unknown kind")
    return {"format": "BMP", "width": abs(width), "height": abs(height), "bits": 8, "alpha": bpp == 32}


def _webp(d: bytes) -> dict:
    kind = d[12:16]
    if kind == b"VP8 " and len(d) >= 30 and d[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", d[26:30])
        return {"format": "WEBP", "width": width & 0x3FFF, "height": height & 0x3FFF, "bits": 8, "alpha": False}
    if kind == b"VP8L" and len(d) >= 25 and d[20] == 0x2F:
        (bits,) = struct.unpack("<I", d[21:25])
        return {"format": "WEBP", "width": (bits & 0x3FFF) + 1, "height": ((bits >> 14) & 0x3FFF) + 1, "bits": 8,
                "alpha": bool(bits >> 28 & 1)}
    if kind == b"VP8X" and len(d) >= 30:
        width = int.from_bytes(d[24:27], "little") + 1
        height = int.from_bytes(d[27:30], "little") + 1
        return {"format": "WEBP", "width": width, "height": height, "bits": 8, "alpha": bool(d[20] & 0x10)}
    raise ValueError("its WebP header is cut short or damaged")


def _pnm(d: bytes) -> dict:
    # "P5 <ws> width <ws> height <ws> maxval": text tokens, '#' starts a comment
    fields, pos = [], 2
    want = 2 if d[1:2] in (b"1", b"4") else 3
    while len(fields) < want and pos < len(d):
        c = d[pos : pos + 1]
        if c == b"#":
            end = d.find(b"\n", pos)
            pos = len(d) if end < 0 else end + 1
        elif c.isspace():
            pos += 1
        else:
            end = pos
            while end < len(d) and d[end : end + 1].isdigit():
                end += 1
            if end == pos:
                raise ValueError("its PNM header is damaged")
            fields.append(int(d[pos:end]))
            pos = end
    if len(fields) < want:
        raise ValueError("its PNM header is cut short")
    maxval = fields[2] if want == 3 else 1
    return {"format": "PPM", "width": fields[0], "height": fields[1], "bits": 16 if maxval > 255 else 8,
            "alpha": False}


def _sgi(d: bytes) -> dict:
    if len(d) < 12:
        raise ValueError("its SGI header is cut short")
    bpc, _, width, height, channels = struct.unpack(">BHHHH", d[3:12])
    return {"format": "SGI", "width": width, "height": height, "bits": 16 if bpc == 2 else 8,
            "alpha": channels in (2, 4)}


def _tga(d: bytes) -> dict | None:
    # TGA has no signature: trust the 18-byte header only when every field is plausible
    if len(d) < 18:
        return None
    cmap_type, kind = d[1], d[2]
    width, height = struct.unpack("<HH", d[12:16])
    depth, descriptor = d[16], d[17]
    if (cmap_type not in (0, 1) or kind not in (1, 2, 3, 9, 10, 11) or depth not in (1, 8, 15, 16, 24, 32)
            or not width or not height or descriptor & 0xC0):
        return None
    alpha = depth == 32 or (depth == 16 and kind in (3, 11)) or bool(descriptor & 0x0F)
    return {"format": "TGA", "width": width, "height": height, "bits": 8, "alpha": alpha}


def _tiff(d: bytes) -> dict:
    end = "<" if d[:2] == b"II" else ">"
    try:
        (ifd,) = struct.unpack(end + "I", d[4:8])
        (count,) = struct.unpack(end + "H", d[ifd : ifd + 2])
        size = {}
        for i in range(count):
            tag, kind, _, value = struct.unpack(end + "HHI4s", d[ifd + 2 + 12 * i : ifd + 14 + 12 * i])
            if tag in (256, 257):
                size[tag] = struct.unpack(end + ("H" if kind == 3 else "I"), value[: 2 if kind == 3 else 4])[0]
    except struct.error:
        raise ValueError("its TIFF header is cut short") from None
    if len(size) < 2:
        raise ValueError("its TIFF header has no image size")
    return {"format": "TIFF", "width": size[256], "height": size[257], "bits": 8, "alpha": False}


# (signature test, reader, whether the browser can decode the format at all)
_HEADERS = [
    (lambda d: d[:8] == b"\x89PNG\r\n\x1a\n", _png, True),
    (lambda d: d[:6] in (b"GIF87a", b"GIF89a"), _gif, True),
    (lambda d: d[:3] == b"\xff\xd8\xff", _jpeg, True),
    (lambda d: d[:2] == b"BM", _bmp, True),
    (lambda d: d[:4] == b"RIFF" and d[8:12] == b"WEBP", _webp, True),
    (lambda d: len(d) >= 3 and d[:1] == b"P" and d[1:2] in b"123456" and d[2:3].isspace(), _pnm, False),
    (lambda d: d[:2] == b"\x01\xda", _sgi, False),
    (lambda d: d[:4] in (b"II*\x00", b"MM\x00*"), _tiff, False),
]


def read_header(data, name: str | None = None) -> dict | None:
    """What a file's header says, read without decoding (pure Python, no Pillow).

    Parameters
    ----------
    data : bytes-like
        The file (only its first bytes are needed; PNG, GIF and JPEG headers may be
        a few kB in).
    name : str, optional
        The file's name, for messages.

    Returns
    -------
    None when the format is not one of PNG, GIF, JPEG, BMP, WebP, PNM (PBM/PGM/PPM),
    SGI, TIFF or TGA; else ``{"format", "width", "height", "bits" (8 or 16),
    "alpha" (has transparency), "decoder", "reason"}``. ``decoder`` is ``"browser"``
    when the browser's canvas gives the same pixels as Pillow (8-bit, opaque, not
    CMYK), else ``"pillow"``, and ``reason`` says why (None for the browser).

    Raises
    ------
    ValueError
        The file is empty, or its signature names a format whose header is cut short
        or damaged.
    """
    d = bytes(data[:65536])
    if not d:
        raise ValueError(f"{_label(name)} is empty")
    found = next(((reader, browser) for matches, reader, browser in _HEADERS if matches(d)), None)
    if found is None:
        info, browser = _tga(d), False
        if info is None:
            return None
    else:
        reader, browser = found
        try:
            info = reader(d)
        except (struct.error, IndexError):
            raise ValueError(f"{_label(name)} is damaged: its header is cut short") from None
        except ValueError as e:
            raise ValueError(f"{_label(name)} is damaged: {e}") from None
    reason = (None if browser else f"the browser cannot decode {info['format']}") or \
        ("it has 16 bits per channel" if info["bits"] == 16 else None) or \
        ("it is CMYK (the browser converts CMYK differently)" if info.get("cmyk") else None) or \
        ("it has transparency (composited over white in one place)" if info["alpha"] else None)
    return {**info, "cmyk": bool(info.get("cmyk")), "decoder": "pillow" if reason else "browser", "reason": reason}


def image_size_from_header(data) -> tuple[int, int] | None:
    """(width, height) read from the file's header without decoding; None when the
    format is unknown or the header is damaged (see :func:`read_header`)."""
    try:
        info = read_header(data)
    except ValueError:
        return None
    return None if info is None else (info["width"], info["height"])


_SIXTEEN_BIT = ("I;16", "I;16L", "I;16B", "I;16N", "I")


def _pillow_pixels(im) -> tuple[np.ndarray, float]:
    """A Pillow image -> ((H, W, C) pixels, their maximum), by rule 1 and 2 of the module."""
    mode = im.mode
    if mode in _SIXTEEN_BIT:
        # 16-bit gray (PNG, PGM, TIFF, SGI): Pillow's I;16 or its 32-bit I; scale by 65535
        a = np.asarray(im)
        return np.clip(a, 0, 65535).astype(np.uint16)[:, :, None], 65535.0
    if mode == "F":  # float: Pillow's convert() treats it as 0..255
        return np.clip(np.asarray(im, dtype=np.float32), 0, 255)[:, :, None], 255.0
    if "A" in mode or "a" in mode or "transparency" in im.info:
        return np.asarray(im.convert("RGBA")), 255.0  # palettes and tRNS become alpha here
    if mode in ("1", "L"):
        return np.asarray(im.convert("L"))[:, :, None], 255.0
    return np.asarray(im.convert("RGB")), 255.0  # RGB, P, CMYK, YCbCr, LAB, HSV


def decode_image_bytes(data, max_pixels: int = MAX_SOURCE_PIXELS, max_side: int = 0,
                       name: str | None = None) -> tuple[np.ndarray, dict]:
    """An image file's bytes -> the working image, by the module's rule (with Pillow).

    Parameters
    ----------
    data : bytes-like
        The whole file.
    max_pixels : int
        Refuse larger images, from the header before decoding.
    max_side : int
        The working size, longest side (0: original size).
    name : str, optional
        The file's name, for messages.

    Returns
    -------
    image : ndarray, shape (3, h, w), float32 in [0, 1]
    info : dict
        ``{"format", "mode" (Pillow's), "source": [width, height] (after EXIF
        orientation), "size": [w, h] (the working size), "bits", "alpha",
        "orientation" (EXIF 1..8), "frames"}``

    Raises
    ------
    ValueError
        Empty, not an image, damaged or cut short, too large (width × height and the
        limit), or Pillow missing; each message names the file and the problem.
    """
    data = bytes(data)
    label = _label(name)
    header = read_header(data, name)
    if header is not None:
        check_pixel_limit(header["width"], header["height"], max_pixels, name)
    try:
        from PIL import Image, ImageOps, UnidentifiedImageError
    except ImportError:
        raise ValueError(f"reading {label} needs Pillow (pip install pillow)") from None
    try:
        im = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise ValueError(f"{label} is not an image file Pillow can read (unknown format or damaged)") from None
    except Image.DecompressionBombError as e:
        raise ValueError(f"{label} is too large to open here (the limit is {max_pixels / 1e6:.4g} megapixels): {e}"
                         ) from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as e:
        raise ValueError(f"{label} is damaged: {e}") from None
    with im:
        check_pixel_limit(*im.size, max_pixels, name)
        fmt, frames = im.format, int(getattr(im, "n_frames", 1))
        try:
            orientation = int(im.getexif().get(0x0112, 1))
        except Exception:  # a damaged EXIF block: the pixels may still be fine
            orientation = 1
        try:
            im.load()  # decodes; a cut-short file fails here
            upright = ImageOps.exif_transpose(im)
            pixels, max_value = _pillow_pixels(upright)
        except MemoryError:
            raise
        except (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError) as e:
            raise ValueError(f"{label} is damaged or cut short: {e}") from None
    source_h, source_w = pixels.shape[:2]
    image = from_pixels(pixels, max_value, max_side)
    info = {"format": fmt, "mode": im.mode, "source": [source_w, source_h], "size": [image.shape[2], image.shape[1]],
            "bits": 16 if max_value == 65535 else 8, "alpha": pixels.shape[2] in (2, 4),
            "orientation": orientation if 1 <= orientation <= 8 else 1, "frames": frames}
    return image, info
