"""Image files the worker reads itself: the header check, and Pillow for what the
browser cannot decode (or would decode differently).

``image_header(None, {bytes, name, max_pixels})``  size and decoder, without decoding
``decode_file(None, {bytes, name, max_side, max_pixels})``  Pillow -> the working image

The worker calls ``image_header`` on every file before the browser decodes it (so a
bomb is refused by its size), then ``decode_file`` when ``decoder`` is ``"pillow"``
or when the browser fails; only then does it need Pillow (``loadPackage("pillow")``).
"""

from __future__ import annotations

from .. import image as img
from . import params as P

__all__ = ["image_header", "decode_file"]


def _file(params, who: str) -> tuple[bytes, str | None, int]:
    params = P.settings(params, who)
    data = P.get(params, "bytes", None)
    if data is None:
        raise ValueError(f"{who} needs the file's bytes")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"{who}: the file's bytes must be bytes (a Uint8Array from JS), got {type(data).__name__}")
    name = P.get(params, "name", None)
    name = None if name is None else str(name)
    max_pixels = P.integer(params, "max_pixels", img.MAX_SOURCE_PIXELS, "pixel limit", minimum=1)
    return bytes(data), name, max_pixels


def image_header(image, params) -> dict:
    """Read a file's header: its size (refused when over the limit) and which decoder.

    Parameters
    ----------
    params : ``{"bytes": the file (its first 64 kB are enough), "name": str,
        "max_pixels": int (default pycore.image.MAX_SOURCE_PIXELS)}``

    Returns
    -------
    meta ``{"known": bool, "format", "width", "height", "bits", "alpha", "cmyk",
    "decoder": "browser" | "pillow" | None, "reason", "max_pixels"}``; an unknown
    format has ``known`` false and the rest None (let the browser try, then Pillow).
    No arrays.

    Raises
    ------
    ValueError
        Empty file, damaged header, or more pixels than the limit (width × height and
        the limit in the message).
    """
    data, name, max_pixels = _file(params, "image_header")
    info = img.read_header(data, name)
    if info is None:
        keys = ("format", "width", "height", "bits", "alpha", "cmyk", "decoder", "reason")
        return P.result({"known": False, **dict.fromkeys(keys), "max_pixels": max_pixels})
    img.check_pixel_limit(info["width"], info["height"], max_pixels, name)
    return P.result({"known": True, **info, "max_pixels": max_pixels})


def decode_file(image, params) -> dict:
    """Decode a file with Pillow into the working image (the rule of :mod:`pycore.image`).

    Parameters
    ----------
    params : ``{"bytes": the whole file, "name": str, "max_side": int (0: original
        size; default 512), "max_pixels": int}``

    Returns
    -------
    meta ``{"format", "mode", "source": [width, height], "size": [w, h], "bits",
    "alpha", "orientation", "frames", "array": "image"}``
    arrays ``{"image": (3, h, w)}`` float32 in [0, 1]: the worker keeps it as its
    current image (as it keeps :func:`pycore.page.prepare_image`'s).

    Raises
    ------
    ValueError
        A message naming the file and the problem (not an image, damaged, too large).
    """
    data, name, max_pixels = _file(params, "decode_file")
    max_side = P.integer(P.settings(params, "decode_file"), "max_side", img.DEFAULT_MAX_SIDE, "working size",
                         minimum=0)
    decoded, info = img.decode_image_bytes(data, max_pixels=max_pixels, max_side=max_side, name=name)
    return P.result({**info, "array": "image"}, {"image": decoded})
