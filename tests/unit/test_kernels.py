"""Tests of the named kernel library (pycore.kernels)."""

import json

import numpy as np
import pytest

from pycore.kernels import (
    KERNELS,
    describe_kernels,
    gaussian_sigma,
    get_kernel,
    kernel_description,
    kernel_names,
    look_for,
)


def test_notebook_kernels_have_the_notebook_values():
    np.testing.assert_array_equal(
        get_kernel("edge"), [[2, 4, -2], [4, 0, -4], [2, -4, -2]])
    np.testing.assert_array_equal(
        get_kernel("sharpen"), [[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
    np.testing.assert_array_equal(
        get_kernel("blur"),
        [[0.0625, 0.125, 0.0625], [0.125, 0.25, 0.125], [0.0625, 0.125, 0.0625]])


def test_gradient_kernels_are_oriented_for_cross_correlation():
    sx, sy = get_kernel("sobel_x"), get_kernel("sobel_y")
    np.testing.assert_array_equal(sx, [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    np.testing.assert_array_equal(sy, sx.T)
    np.testing.assert_array_equal(get_kernel("scharr_y"), get_kernel("scharr_x").T)
    np.testing.assert_array_equal(get_kernel("prewitt_y"), get_kernel("prewitt_x").T)
    # a ramp brightening to the right: the window sum of sobel_x is positive
    ramp = np.tile(np.arange(3.0), (3, 1))
    assert np.sum(ramp * sx) > 0
    assert np.sum(ramp.T * sy) > 0


def test_every_kernel_is_a_fresh_float64_2d_copy():
    for name in kernel_names():
        k = get_kernel(name, seed=0)
        assert k.dtype == np.float64 and k.ndim == 2 and k.shape == (3, 3), name
        k[...] = 99.0
        assert not np.all(get_kernel(name, seed=0) == 99.0), name


def test_identity_and_zero_sum_kernels():
    img = np.random.default_rng(1).random((3, 3))
    assert np.sum(img * get_kernel("identity")) == img[1, 1]
    for name in ["sobel_x", "sobel_y", "scharr_x", "prewitt_y", "laplacian", "outline", "edge"]:
        assert get_kernel(name).sum() == 0, name   # flat areas give 0
    assert get_kernel("sharpen").sum() == 1 and get_kernel("emboss").sum() == 1


@pytest.mark.parametrize("size", [1, 3, 5, 7, 11])
def test_gaussian_sums_to_one_and_is_symmetric(size):
    g = get_kernel("gaussian", size)
    assert g.shape == (size, size)
    assert g.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(g, g.T, atol=1e-15)
    np.testing.assert_allclose(g, g[::-1, :], atol=1e-15)
    np.testing.assert_allclose(g, g[:, ::-1], atol=1e-15)
    assert g[size // 2, size // 2] == g.max()


def test_gaussian_sigma_follows_opencv_rule():
    assert gaussian_sigma(3) == pytest.approx(0.8)
    assert gaussian_sigma(5) == pytest.approx(1.1)
    # a wider sigma flattens the bell: the centre weight drops
    assert get_kernel("gaussian", 5, sigma=3.0)[2, 2] < get_kernel("gaussian", 5)[2, 2]
    # 1-D profile of the default 3x3 matches exp(-x^2 / (2 * 0.8^2)), normalised
    bell = np.exp(-0.5 * (np.array([-1.0, 0.0, 1.0]) / 0.8) ** 2)
    np.testing.assert_allclose(get_kernel("gaussian"), np.outer(bell, bell) / bell.sum() ** 2)


def test_box_is_a_uniform_mean():
    np.testing.assert_allclose(get_kernel("box", 5), np.full((5, 5), 1 / 25))
    assert get_kernel("box").shape == (3, 3)


def test_random_is_seeded_and_in_range():
    a = get_kernel("random", 4, seed=7)
    b = get_kernel("random", 4, seed=7)
    c = get_kernel("random", 4, seed=8)
    assert a.shape == (4, 4)          # random accepts even sizes
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert np.all((a >= -1) & (a < 1))


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="unknown kernel 'nope'") as e:
        get_kernel("nope")
    for name in ["edge", "sobel_x", "gaussian", "random"]:
        assert name in str(e.value)
    with pytest.raises(ValueError, match="valid names"):
        kernel_description("nope")


@pytest.mark.parametrize("name,size,message", [
    ("gaussian", 4, "odd size"),
    ("box", 2, "odd size"),
    ("edge", 5, "fixed size of 3"),
    ("random", 0, "kernel size must be >= 1, got 0"),
    ("box", 3.0, "kernel size must be an int, got 3.0"),
    ("box", True, "kernel size must be an int, got True"),
])
def test_bad_sizes(name, size, message):
    with pytest.raises(ValueError, match=message):
        get_kernel(name, size)


def test_bad_sigma():
    with pytest.raises(ValueError, match="positive"):
        get_kernel("gaussian", 3, sigma=0.0)
    with pytest.raises(ValueError, match="only to the 'gaussian'"):
        get_kernel("box", 3, sigma=1.0)


def test_descriptions_are_one_line_and_json_able():
    rows = describe_kernels()
    assert [r["name"] for r in rows] == kernel_names() == list(KERNELS)
    json.dumps(rows)
    for r in rows:
        assert r["description"] and "\n" not in r["description"]
        assert kernel_description(r["name"]) == r["description"]
    expected = {"identity", "edge", "sharpen", "blur", "box", "sobel_x", "sobel_y",
                "scharr_x", "scharr_y", "prewitt_x", "prewitt_y", "laplacian", "emboss",
                "outline", "gaussian", "random"}
    assert set(kernel_names()) == expected



def test_every_preset_says_what_to_look_for():
    rows = {r["name"]: r for r in describe_kernels()}
    for name, info in KERNELS.items():
        assert info.look_for and "\n" not in info.look_for and len(info.look_for) < 160, name
        assert rows[name]["look_for"] == info.look_for
        if name != "random":
            # the preset's weights get the preset's line, whatever the filter is called
            assert look_for(get_kernel(name)) == info.look_for, name
    assert len({info.look_for for info in KERNELS.values()}) == len(KERNELS)  # each its own words
    for size in (3, 5, 7, 11):
        assert look_for(get_kernel("gaussian", size)) == KERNELS["gaussian"].look_for
        assert look_for(get_kernel("box", size)) == KERNELS["box"].look_for


def test_a_preset_typed_with_six_digits_is_still_the_preset():
    g = np.array([float(f"{v:.6g}") for v in get_kernel("gaussian", 5).ravel()]).reshape(5, 5)
    assert look_for(g) == KERNELS["gaussian"].look_for
    # one weight changed: no longer the preset, read from its weights
    s = get_kernel("sharpen")
    s[0, 0] = 0.5
    assert look_for(s) != KERNELS["sharpen"].look_for


def test_random_draws_are_read_from_their_weights():
    k = get_kernel("random", 3, seed=5)
    text = look_for(k)
    assert text != KERNELS["random"].look_for
    assert f"{k.sum():.3g}".replace("-", "−") in text


@pytest.mark.parametrize("weights,words", [
    ([[1, 0, -1], [2, 0, -2], [1, 0, -1]], "flat areas go to 0; vertical edges"),  # sobel's negative
    ([[1, 1], [-1, -1]], "flat areas go to 0; horizontal edges"),
    ([[0, 1, 0], [1, -3, 0], [0, 0, 1]], "Weights sum to 0: flat areas go to 0 and edges light up"),
    ([[1, 1, 1, 1]], None),  # 4 equal positive weights: a brightening blur
    ([[0.25, 0.25], [0.25, 0.25]], "a blur; flat areas keep their brightness"),
    ([[0.1, 0.1], [0.1, 0.1]], "a blur that also makes the image darker"),
    ([[2, 3]], "a blur that also makes the image brighter"),
    ([[-1, -1]], "Only negative weights"),
    ([[-1, 0, 0], [0, 3, 0], [0, 0, -1]], "Weights sum to 1 with negative ones around"),
    ([[-1, 3]], "Weights sum to 2: flat areas are scaled by 2"),
    ([[-3, 1]], "Weights sum to −2: flat areas turn negative"),
    ([[0, 0], [0, 0]], "All weights are 0"),
    ([[0, 0, 0], [0, 2, 0], [0, 0, 0]], "One weight, at the centre: the image itself, times 2."),
    ([[0, 0, 0], [0, 0, 1], [0, 0, 0]], "One weight, at row 2, column 3: the image itself, shifted"),
    ([[1]], "One weight, at the centre: the image itself."),
    ([[1, float("inf")]], "not finite"),
])
def test_an_edited_kernel_is_read_from_its_weights(weights, words):
    k = np.array(weights, dtype=np.float64)
    text = look_for(k)
    if words is None:
        assert "brighter (4 times)" in text
    else:
        assert words in text, text
    assert text not in {info.look_for for info in KERNELS.values()}


def test_look_for_needs_a_2d_kernel():
    with pytest.raises(ValueError, match="non-empty 2-D"):
        look_for(np.ones(3))
