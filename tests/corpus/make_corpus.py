"""Make the corpus of unusual and broken image files (small; the files are committed).

    python3 tests/corpus/make_corpus.py        # rewrites tests/corpus/files/

Each file is listed in EXPECTED (tests/corpus/expected.json) with what reading it must
give: ``{"result": {"format", "source": [w, h], "decoder"}}`` when Pillow (and, with
``decoder`` "browser", the browser) can read it, or ``{"error": words the message must
contain}``. tests/unit/test_hardening_corpus.py runs every file through pycore's
decode and the command line; the page's end-to-end test can use the same list.
Deterministic: the same bytes every run (seeded pixels, no timestamps).
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
# the name with HTML in it: a page that put it in innerHTML would run the script
HTML_NAME = '<img src=x onerror="alert(1)">.png'


def _pixels(h, w, c, seed=0):
    """Smooth seeded pixels (a gradient plus noise), so JPEG stays small and maps are non-trivial."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = (xx * 255 // max(w - 1, 1) + yy * 128 // max(h - 1, 1)) % 256
    planes = [(base + 60 * i + rng.integers(0, 40, (h, w))) % 256 for i in range(c)]
    return np.stack(planes, axis=-1).astype(np.uint8)


def _image(a: np.ndarray, mode: str) -> Image.Image:
    """(H, W[, C]) pixels as a Pillow image of ``mode`` (frombytes: no guessing from the dtype)."""
    return Image.frombytes(mode, (a.shape[1], a.shape[0]), np.ascontiguousarray(a).tobytes())


def _save(im, fmt, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def header_only_png(width, height) -> bytes:
    """A valid PNG signature and IHDR for width × height (8-bit RGB), a few bytes of IDAT
    and IEND: a 'bomb' whose size is in its header; nothing decodes it."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + _png_chunk(b"IEND", b""))


def huge_screen_gif(width, height) -> bytes:
    """A GIF whose logical screen is width × height and whose one frame is 1×1."""
    header = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    return header + frame + b"\x3b"


def exif_jpeg(orientation: int) -> bytes:
    """A 12×8 JPEG (stored as is) whose EXIF says how to turn it upright."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    # a corner mark so each orientation gives different pixels
    px = _pixels(8, 12, 3, seed=orientation)
    px[:3, :3] = 255
    return _save(_image(px, "RGB"), "JPEG", quality=95, exif=exif.tobytes())


def make() -> dict:
    """Write every file into FILES; return {file name: expectation}."""
    FILES.mkdir(parents=True, exist_ok=True)
    for old in FILES.iterdir():
        old.unlink()
    files: dict[str, tuple[bytes, dict]] = {}

    def ok(name, data, fmt, size, decoder):
        files[name] = (data, {"result": {"format": fmt, "source": list(size), "decoder": decoder}})

    def bad(name, data, words):
        files[name] = (data, {"error": words})

    rgb = _pixels(16, 20, 3)
    png = _save(_image(rgb, "RGB"), "PNG")
    jpeg = _save(_image(rgb, "RGB"), "JPEG", quality=90)
    ok("rgb.png", png, "PNG", (20, 16), "browser")
    ok("rgb.jpg", jpeg, "JPEG", (20, 16), "browser")
    bad("truncated.png", png[: len(png) // 2], "damaged")
    bad("truncated.jpg", jpeg[: len(jpeg) // 2], "damaged")
    bad("header_cut.png", png[:20], "damaged")
    ok("cmyk.jpg", _save(_image(_pixels(16, 20, 4), "CMYK"), "JPEG", quality=90), "JPEG", (20, 16),
       "pillow")
    gray16 = (_pixels(16, 20, 1)[:, :, 0].astype(np.uint16) * 257 + np.arange(20, dtype=np.uint16)).astype('<u2')
    ok("gray16.png", _save(_image(gray16, "I;16"), "PNG"), "PNG", (20, 16), "pillow")
    ok("gray16.pgm", _save(_image(gray16, "I;16"), "PPM"), "PPM", (20, 16), "pillow")
    pal = _image(_pixels(16, 20, 1)[:, :, 0] // 16, "P")
    pal.putpalette([v for i in range(16) for v in (i * 16, 255 - i * 16, (i * 40) % 256)])
    pal.info["transparency"] = 3
    ok("palette_transparent.png", _save(pal, "PNG", transparency=3), "PNG", (20, 16), "pillow")
    rgba = np.concatenate([rgb, _pixels(16, 20, 1, seed=9)], axis=-1)
    ok("rgba.png", _save(_image(rgba, "RGBA"), "PNG"), "PNG", (20, 16), "pillow")
    for o in range(1, 9):
        # orientations 5-8 swap the sides: the upright image is 8 wide, 12 high
        ok(f"exif_{o}.jpg", exif_jpeg(o), "JPEG", (12, 8) if o < 5 else (8, 12), "browser")
    la = np.concatenate([_pixels(16, 20, 1), _pixels(16, 20, 1, seed=3)], axis=-1)
    ok("la.tga", _save(_image(la, "LA"), "TGA"), "TGA", (20, 16), "pillow")
    ok("rgb32rle.tga", _save(_image(rgba, "RGBA"), "TGA", compression="tga_rle"), "TGA", (20, 16),
       "pillow")
    ok("rgb.sgi", _save(_image(rgb, "RGB"), "SGI"), "SGI", (20, 16), "pillow")
    frames = [_image(_pixels(16, 20, 3, seed=s), "RGB").convert("P") for s in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    ok("animated.gif", buf.getvalue(), "GIF", (20, 16), "browser")
    bad("bomb_30000.png", header_only_png(30000, 30000), "30000×30000")
    bad("bomb_screen.gif", huge_screen_gif(65535, 65535), "65535×65535")
    bad("empty.png", b"", "empty")
    bad("text.png", b"this is not a picture, only text\n", "not an image")
    ok(HTML_NAME, png, "PNG", (20, 16), "browser")
    tiny = _image(np.array([[0, 1, 2, 3]] * 4, np.uint8), "P")
    tiny.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255, 20, 20, 20])
    # columns 0 and 1 transparent, as Pillow's own tiny.png
    ok("tiny.png", _save(tiny, "PNG", transparency=bytes([0, 0, 255, 255])), "PNG", (4, 4), "pillow")

    expected = {}
    for name, (data, expect) in files.items():
        (FILES / name).write_bytes(data)
        expected[name] = expect
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
    return expected


if __name__ == "__main__":
    made = make()
    total = sum((FILES / n).stat().st_size for n in made)
    print(f"wrote {len(made)} files ({total / 1024:.1f} kB) to {FILES}")
