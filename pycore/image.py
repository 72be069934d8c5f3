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
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["CHANNELS", "COLORS", "FITS", "from_rgba", "input_plane", "block_cells", "area_weights",
           "resample_axis", "fit_image", "block_mean"]

# the planes the convolution panel can filter: the RGB mean or one channel
CHANNELS = ("gray", "red", "green", "blue")
# a network input's colours and the two ways to fit an image to it
COLORS = ("rgb", "gray")
FITS = ("resize", "crop")


def from_rgba(rgba, height: int, width: int) -> np.ndarray:
    """RGBA bytes (row-major, 4 per pixel, as a canvas gives them) -> the working image.

    Parameters
    ----------
    rgba : bytes-like of length height*width*4
    height, width : int

    Returns
    -------
    ndarray, shape (3, height, width), float32, values in [0, 1]
    """
    buf = np.frombuffer(rgba, dtype=np.uint8)
    if buf.size != height * width * 4:
        raise ValueError(f"image data has {buf.size} bytes; a {width}x{height} RGBA image needs {height * width * 4}")
    rgb = buf.reshape(height, width, 4)[:, :, :3]  # (H, W, 3)
    return np.ascontiguousarray(rgb.transpose(2, 0, 1), dtype=np.float32) / np.float32(255)  # (3, H, W)


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
