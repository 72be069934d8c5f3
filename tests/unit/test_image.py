"""pycore.image: the working image from RGBA bytes, input planes, crops, and fitting an
image to a network's input, against loops written here."""

import math

import numpy as np
import pytest

from pycore import image


def rand_image(h=40, w=56, seed=0):
    return np.random.default_rng(seed).random((3, h, w)).astype(np.float32)


# ----------------------------------------------------------------------- image fit

def reference_area(img, top, left, wh, ww, oh, ow):
    """Box-filter resample by walking every output and source pixel (independent)."""
    c = img.shape[0]
    dy, dx = wh / oh, ww / ow
    out = np.zeros((c, oh, ow))
    for i in range(oh):
        y0, y1 = top + i * dy, top + (i + 1) * dy
        for j in range(ow):
            x0, x1 = left + j * dx, left + (j + 1) * dx
            acc = np.zeros(c)
            for p in range(int(math.floor(y0)), int(math.ceil(y1))):
                oy = min(p + 1, y1) - max(p, y0)
                for q in range(int(math.floor(x0)), int(math.ceil(x1))):
                    ox = min(q + 1, x1) - max(q, x0)
                    if oy > 0 and ox > 0:
                        acc += oy * ox * img[:, p, q]
            out[:, i, j] = acc / (dy * dx)
    return out


@pytest.mark.parametrize("src,dst", [((17, 23), (5, 7)), ((6, 9), (13, 10)), ((12, 12), (12, 12)),
                                     ((30, 8), (7, 20))])
def test_resize_matches_a_loop_reference(src, dst):
    img = rand_image(*src, seed=1)
    x, info = image.fit_image(img, "rgb", dst[0], dst[1], "resize")
    assert x.shape == (3, *dst) and x.dtype == np.float32
    ref = reference_area(img.astype(np.float64), 0, 0, src[0], src[1], *dst)
    np.testing.assert_allclose(x, ref, atol=1e-5)
    assert info["fit"] == "resize" and info["source"] == list(src)


def test_resize_keeps_constant_images_constant_and_values_in_range():
    img = np.full((3, 37, 41), 0.25, np.float32)
    x, _ = image.fit_image(img, "rgb", 11, 64, "resize")
    np.testing.assert_allclose(x, 0.25, atol=1e-6)
    x, _ = image.fit_image(rand_image(50, 60), "rgb", 33, 47, "crop")
    assert 0 <= x.min() and x.max() <= 1


def test_crop_at_scale_one_is_a_slice_of_whole_pixels():
    # the tutorial's case: a 360x480 photo cut to 352x480
    img = rand_image(360, 480, seed=2)
    x, info = image.fit_image(img, "rgb", 352, 480, "crop")
    np.testing.assert_array_equal(x, img[:, 4:356, :])
    assert info["scale"] == [1.0, 1.0] and info["window"]["top"] == 4
    assert "Cropped" in info["text"] and "4 rows at the top" in info["text"]
    # odd leftovers: the extra row goes to the bottom
    img = rand_image(11, 9, seed=3)
    x, _ = image.fit_image(img, "rgb", 8, 9, "crop")
    np.testing.assert_array_equal(x, img[:, 1:9, :])


def test_crop_scales_to_cover_then_keeps_the_centre():
    img = rand_image(30, 40, seed=4)  # 3:4, to a 2:1 target: width decides, scale 0.5
    x, info = image.fit_image(img, "rgb", 10, 20, "crop")
    assert info["scale"] == [0.5, 0.5]
    w = info["window"]
    assert (w["top"], w["left"], w["height"], w["width"]) == (5.0, 0.0, 20.0, 40.0)
    np.testing.assert_allclose(x, reference_area(img.astype(np.float64), 5, 0, 20, 40, 10, 20),
                               atol=1e-5)
    # a small image is enlarged to cover (aspect kept)
    img = rand_image(6, 8, seed=5)
    x, info = image.fit_image(img, "rgb", 12, 12, "crop")
    assert info["scale"] == [2.0, 2.0]
    np.testing.assert_allclose(x, reference_area(img.astype(np.float64), 0, 1, 6, 6, 12, 12),
                               atol=1e-5)


def test_gray_is_the_mean_of_rgb():
    img = rand_image(9, 9, seed=6)
    x, info = image.fit_image(img, "gray", 9, 9, "resize")
    assert x.shape == (1, 9, 9) and info["color"] == "gray"
    np.testing.assert_allclose(x[0], img.mean(axis=0), atol=1e-6)




def test_block_cells_average_each_block_of_the_crop():
    img = rand_image(20, 30, seed=13)
    cells = image.block_cells(img, 3, 5, 4, 3)
    assert cells.shape == (3, 4, 4)
    for i in range(4):
        for j in range(4):
            block = img[:, 3 + 3 * i : 6 + 3 * i, 5 + 3 * j : 8 + 3 * j].astype(np.float64)
            np.testing.assert_allclose(cells[:, i, j], block.mean(axis=(1, 2)), rtol=1e-12)


def test_block_mean_averages_maps_down_by_a_whole_factor():
    # a whole number of blocks: each shown value is the mean of its f×f block
    maps = np.random.default_rng(14).random((2, 6, 9))
    shown = image.block_mean(maps, 3)
    assert shown.shape == (2, 2, 3)
    np.testing.assert_allclose(shown, maps.reshape(2, 2, 3, 3, 3).mean(axis=(2, 4)), rtol=1e-12)
    # otherwise an area resample to ceil(H/f) × ceil(W/f), as the loop reference computes it
    maps = np.random.default_rng(15).random((2, 7, 9))
    shown = image.block_mean(maps, 3)
    assert shown.shape == (2, 3, 3)
    np.testing.assert_allclose(shown, reference_area(maps, 0, 0, 7, 9, 3, 3), rtol=1e-10)
    assert image.block_mean(maps, 1) is maps


def test_from_rgba_and_input_plane_reject_what_they_cannot_read():
    with pytest.raises(ValueError, match="image data has 7 bytes; a 1x2 RGBA image needs 8"):
        image.from_rgba(bytes(7), 2, 1)
    with pytest.raises(ValueError, match="input channel must be one of gray, red, green, blue; got 'rgb'"):
        image.input_plane(rand_image(2, 2), "rgb")
