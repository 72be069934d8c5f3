"""Issue 11, items 3-5: decoding files with Pillow by one rule (16-bit, alpha over white,
palette through RGBA, CMYK through convert("RGB"), EXIF orientation), the header read
without decoding, the working size, and the page's adapters for them."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from pycore import image as img
from pycore import page
from pycore.cli import main

RNG = np.random.default_rng(7)


def frombytes(a, mode):
    return Image.frombytes(mode, (a.shape[1], a.shape[0]), np.ascontiguousarray(a).tobytes())


def encode(im, fmt, **kw):
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def over_white(rgb, alpha):
    """Loop twin of the rule: c·a + (1 − a), every pixel by hand."""
    h, w = alpha.shape
    out = np.empty((3, h, w))
    for i in range(h):
        for j in range(w):
            a = alpha[i, j] / 255.0
            for c in range(3):
                out[c, i, j] = rgb[i, j, c] / 255.0 * a + (1 - a)
    return out


# ------------------------------------------------------------------ decode


@pytest.mark.parametrize("fmt", ["PNG", "PPM"])
def test_16_bit_gray_keeps_its_precision(fmt):
    g = RNG.integers(0, 65536, (6, 9)).astype("<u2")
    data = encode(frombytes(g, "I;16"), fmt)
    image, info = img.decode_image_bytes(data)
    assert info["bits"] == 16 and info["source"] == [9, 6]
    for c in range(3):
        np.testing.assert_allclose(image[c], g / 65535.0, rtol=0, atol=1e-7)
    # 8-bit rounding would lose this: neighbouring 16-bit levels stay apart
    assert len(np.unique(image[0])) == len(np.unique(g))


def test_rgba_png_is_composited_over_white():
    rgba = RNG.integers(0, 256, (5, 7, 4), dtype=np.uint8)
    image, info = img.decode_image_bytes(encode(frombytes(rgba, "RGBA"), "PNG"))
    assert info["alpha"] is True
    np.testing.assert_allclose(image, over_white(rgba[:, :, :3], rgba[:, :, 3]), atol=1e-6)


def test_palette_with_transparency_goes_through_rgba():
    idx = RNG.integers(0, 4, (4, 6), dtype=np.uint8)
    pal = frombytes(idx, "P")
    palette = [200, 10, 10, 10, 200, 10, 10, 10, 200, 30, 30, 30]
    pal.putpalette(palette)
    data = encode(pal, "PNG", transparency=bytes([0, 128, 255, 255]))
    image, _ = img.decode_image_bytes(data)
    colors = np.array(palette, np.uint8).reshape(4, 3)
    alphas = np.array([0, 128, 255, 255], np.uint8)
    np.testing.assert_allclose(image, over_white(colors[idx], alphas[idx]), atol=1e-6)
    assert np.all(image[:, idx == 0] == 1.0)  # fully transparent: white


def test_la_tga_and_rle_tga_and_sgi_decode():
    la = RNG.integers(0, 256, (5, 6, 2), dtype=np.uint8)
    image, info = img.decode_image_bytes(encode(frombytes(la, "LA"), "TGA"))
    assert info["format"] == "TGA"
    gray = np.repeat(la[:, :, :1], 3, axis=2)
    np.testing.assert_allclose(image, over_white(gray, la[:, :, 1]), atol=1e-6)
    rgba = RNG.integers(0, 256, (5, 6, 4), dtype=np.uint8)
    image, _ = img.decode_image_bytes(encode(frombytes(rgba, "RGBA"), "TGA", compression="tga_rle"))
    np.testing.assert_allclose(image, over_white(rgba[:, :, :3], rgba[:, :, 3]), atol=1e-6)
    rgb = RNG.integers(0, 256, (5, 6, 3), dtype=np.uint8)
    image, info = img.decode_image_bytes(encode(frombytes(rgb, "RGB"), "SGI"))
    assert info["format"] == "SGI"
    np.testing.assert_allclose(image, rgb.transpose(2, 0, 1) / 255.0, atol=1e-7)


def test_cmyk_jpeg_is_converted_by_pillow():
    cmyk = frombytes(RNG.integers(0, 256, (8, 8, 4), dtype=np.uint8), "CMYK")
    data = encode(cmyk, "JPEG", quality=95)
    image, info = img.decode_image_bytes(data)
    with Image.open(io.BytesIO(data)) as im:
        assert im.mode == "CMYK"
        expected = np.asarray(im.convert("RGB")).transpose(2, 0, 1) / 255.0
    np.testing.assert_allclose(image, expected, atol=1e-7)
    assert info["mode"] == "CMYK"


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_turns_the_image_upright(orientation):
    px = RNG.integers(0, 256, (4, 6, 3), dtype=np.uint8)
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(frombytes(px, "RGB"), "PNG", exif=exif.tobytes())
    image, info = img.decode_image_bytes(data)
    # the EXIF meaning of each value, written out: how to turn the stored pixels upright
    upright = {1: px, 2: px[:, ::-1], 3: px[::-1, ::-1], 4: px[::-1], 5: px.transpose(1, 0, 2),
               6: np.rot90(px, -1), 7: px[::-1, ::-1].transpose(1, 0, 2), 8: np.rot90(px, 1)}[orientation]
    assert info["orientation"] == orientation
    assert info["source"] == [upright.shape[1], upright.shape[0]]
    np.testing.assert_allclose(image, upright.transpose(2, 0, 1) / 255.0, atol=1e-7)


def test_an_animated_gif_is_its_first_frame():
    frames = []
    for v in (10, 200):
        frame = frombytes(np.zeros((3, 4), np.uint8), "P")
        frame.putpalette([v, v, v] + [0, 0, 0] * 255)
        frames.append(frame)
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    image, info = img.decode_image_bytes(buf.getvalue())
    assert info["frames"] == 2
    np.testing.assert_allclose(image, 10 / 255.0, atol=1e-7)


@pytest.mark.parametrize("data,words", [
    (b"", "is empty"),
    (b"hello, I am text\n", "not an image file Pillow can read"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "damaged"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "damaged"),
    (b"GIF89a\x01", "damaged"),
])
def test_bad_files_raise_a_message_naming_the_file_and_problem(data, words):
    with pytest.raises(ValueError) as e:
        img.decode_image_bytes(data, name="x.png")
    assert '"x.png"' in str(e.value) and words in str(e.value)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_files_are_called_damaged(fmt):
    px = RNG.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    data = encode(frombytes(px, "RGB"), fmt)
    for cut in (len(data) // 3, len(data) // 2, 3 * len(data) // 4):
        with pytest.raises(ValueError, match=r'"cut" is damaged'):
            img.decode_image_bytes(data[:cut], name="cut")


# ------------------------------------------------------------------ headers


def png_header(width, height, depth=8, color=2, extra=b""):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0))
            + extra + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b""))


def test_a_30000_square_png_bomb_is_refused_from_its_header():
    data = png_header(30000, 30000)
    assert img.image_size_from_header(data) == (30000, 30000)
    with pytest.raises(ValueError, match=r'"bomb.png" is 30000×30000 pixels \(900 megapixels\).*limit is 80 '
                                         r'megapixels'):
        img.decode_image_bytes(data, name="bomb.png")
    with pytest.raises(ValueError, match="30000×30000"):
        page.call("image_header", None, {"bytes": data, "name": "bomb.png"})


def test_a_gif_with_a_huge_logical_screen_is_refused():
    data = (b"GIF89a" + struct.pack("<HHBBB", 40000, 30000, 0, 0, 0)
            + b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00\x3b")
    assert img.image_size_from_header(data) == (40000, 30000)
    with pytest.raises(ValueError, match="40000×30000 pixels"):
        img.decode_image_bytes(data)


def test_header_sizes_match_pillow_for_every_format():
    px = RNG.integers(0, 256, (13, 21, 3), dtype=np.uint8)
    im = frombytes(px, "RGB")
    for fmt, kw in [("PNG", {}), ("JPEG", {}), ("JPEG", {"progressive": True}), ("GIF", {}), ("BMP", {}),
                    ("WEBP", {}), ("WEBP", {"lossless": True}), ("PPM", {}), ("SGI", {}), ("TGA", {}),
                    ("TIFF", {})]:
        data = encode(im, fmt, **kw)
        assert img.image_size_from_header(data) == (21, 13), fmt
        assert img.read_header(data)["format"] == {"PPM": "PPM"}.get(fmt, fmt)
    rgba = encode(frombytes(RNG.integers(0, 256, (13, 21, 4), dtype=np.uint8), "RGBA"), "WEBP")
    assert img.read_header(rgba)["alpha"] is True


def test_the_header_says_which_decoder():
    def decoder(data):
        return img.read_header(data)["decoder"]

    rgb = frombytes(RNG.integers(0, 256, (4, 5, 3), dtype=np.uint8), "RGB")
    assert decoder(encode(rgb, "PNG")) == decoder(encode(rgb, "JPEG")) == "browser"
    assert decoder(encode(rgb.convert("RGBA"), "PNG")) == "pillow"
    assert decoder(encode(rgb.convert("CMYK"), "JPEG")) == "pillow"
    assert decoder(png_header(4, 4, depth=16, color=0)) == "pillow"
    assert decoder(png_header(4, 4, color=3, extra=struct.pack(">I", 1) + b"tRNS\x00" + b"\0" * 4)) == "pillow"
    assert decoder(encode(rgb, "TGA")) == decoder(encode(rgb, "SGI")) == "pillow"
    assert img.read_header(b"plain text, not an image") is None
    assert img.image_size_from_header(b"\x89PNG\r\n\x1a\n\x00") is None  # cut short: no size


def test_image_header_adapter_meta():
    data = png_header(640, 480)
    meta = page.call("image_header", None, {"bytes": memoryview(data), "name": "a.png"})["meta"]
    assert meta["known"] is True and (meta["width"], meta["height"]) == (640, 480)
    assert meta["decoder"] == "browser" and meta["max_pixels"] == img.MAX_SOURCE_PIXELS
    unknown = page.call("image_header", None, {"bytes": b"text", "name": "t.png"})["meta"]
    assert unknown["known"] is False and unknown["decoder"] is None
    with pytest.raises(ValueError, match="640×480 pixels.*limit is 0.1 megapixels"):
        page.call("image_header", None, {"bytes": data, "max_pixels": 100_000})
    with pytest.raises(ValueError, match="needs the file's bytes"):
        page.call("image_header", None, {})
    with pytest.raises(ValueError, match='"e.png" is empty'):
        page.call("image_header", None, {"bytes": b"", "name": "e.png"})


# ------------------------------------------------------------------ working size


@pytest.mark.parametrize("size,side,expected", [((4, 4), 512, (4, 4)), ((1000, 500), 512, (512, 256)),
                                                ((451, 300), 256, (256, 170)), ((3, 2000), 512, (1, 512)),
                                                ((1025, 3), 0, (1025, 3)), ((1001, 2), 500, (500, 1))])
def test_working_size_rounds_as_the_page_and_never_enlarges(size, side, expected):
    assert img.working_size(*size, side) == expected


def loop_area_resize(a, h, w):
    """Area averaging by hand: each output pixel is the covered-fraction-weighted mean."""
    H, W = a.shape
    out = np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            y0, y1, x0, x1 = i * H / h, (i + 1) * H / h, j * W / w, (j + 1) * W / w
            tot = 0.0
            for y in range(int(np.floor(y0)), int(np.ceil(y1))):
                for x in range(int(np.floor(x0)), int(np.ceil(x1))):
                    f = (min(y + 1, y1) - max(y, y0)) * (min(x + 1, x1) - max(x, x0))
                    out[i, j] += f * a[y, x]
                    tot += f
            out[i, j] /= tot
    return out


@pytest.mark.parametrize("shape,side", [((37, 53), 16), ((300, 7), 64), ((9, 9), 4)])
def test_scaling_to_the_working_size_is_area_averaging_in_bands(shape, side, monkeypatch):
    rgba = RNG.integers(0, 256, (*shape, 4), dtype=np.uint8)
    rgba[:, :, 3] = 255
    monkeypatch.setattr(img, "BAND_ROWS", 5)  # many bands: the result must not depend on them
    out = page.prepare_image(rgba.tobytes(), *shape, max_side=side)
    w, h = img.working_size(shape[1], shape[0], side)
    assert out.shape == (3, h, w)
    for c in range(3):
        np.testing.assert_allclose(out[c], loop_area_resize(rgba[:, :, c] / 255.0, h, w), atol=2e-6)


def test_decode_file_scales_like_prepare_image():
    rgb = RNG.integers(0, 256, (40, 70, 3), dtype=np.uint8)
    res = page.call("decode_file", None, {"bytes": encode(frombytes(rgb, "RGB"), "PNG"), "max_side": 32})
    rgba = np.concatenate([rgb, np.full((40, 70, 1), 255, np.uint8)], axis=2)
    np.testing.assert_array_equal(res["arrays"]["image"], page.prepare_image(rgba.tobytes(), 40, 70, 32))
    assert res["meta"]["size"] == [32, 18] and res["meta"]["source"] == [70, 40]


# ------------------------------------------------------------------ page and CLI agree


def page_edge_max(image):
    k = [2, 4, -2, 4, 0, -4, 2, -4, -2]
    m = page.call("convolve", image, {"kernels": [{"name": "edge", "rows": 3, "cols": 3, "values": k}],
                                      "pool": {"type": "none"}})["meta"]["maps"][0]
    return m["vmin"], m["vmax"]


@pytest.mark.parametrize("kind", ["rgba", "palette", "tiny", "cmyk", "large"])
def test_cli_apply_prints_the_numbers_of_the_page_for_the_same_file(kind, tmp_path, capsys):
    if kind == "rgba":
        data = encode(frombytes(RNG.integers(0, 256, (20, 30, 4), dtype=np.uint8), "RGBA"), "PNG")
    elif kind == "palette":
        pal = frombytes(RNG.integers(0, 8, (20, 30), dtype=np.uint8), "P")
        pal.putpalette(list(RNG.integers(0, 256, 24)))
        data = encode(pal, "PNG", transparency=bytes([0, 60, 255, 255, 0, 255, 90, 255]))
    elif kind == "tiny":
        pal = frombytes(np.array([[0, 1, 2, 3]] * 4, np.uint8), "P")
        pal.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255, 20, 20, 20])
        data = encode(pal, "PNG", transparency=bytes([0, 0, 255, 255]))
    elif kind == "cmyk":
        data = encode(frombytes(RNG.integers(0, 256, (20, 30, 4), dtype=np.uint8), "CMYK"), "JPEG")
    else:
        data = encode(frombytes(RNG.integers(0, 256, (700, 900, 3), dtype=np.uint8), "RGB"), "PNG")
    path = tmp_path / "f.img"
    path.write_bytes(data)
    # the page: header -> Pillow (decode_file) or the canvas (prepare_image at source size)
    header = page.call("image_header", None, {"bytes": data})["meta"]
    if header["decoder"] == "pillow":
        image = page.call("decode_file", None, {"bytes": data, "max_side": 512})["arrays"]["image"]
    else:
        with Image.open(io.BytesIO(data)) as im:
            rgba = np.asarray(im.convert("RGBA"))
        image = page.prepare_image(rgba.tobytes(), rgba.shape[0], rgba.shape[1], 512)
    vmin, vmax = page_edge_max(image)
    assert main(["apply", str(path), "-k", "edge", "--out", str(tmp_path / "o")]) == 0
    assert f"range {vmin:.4g} .. {vmax:.4g}" in capsys.readouterr().out
    if kind == "large":
        assert image.shape == (3, 398, 512)
