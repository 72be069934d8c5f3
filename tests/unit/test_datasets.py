"""pycore.datasets: the digits file, the split, the shapes generator and reduce_digit."""

import hashlib
from importlib import resources

import numpy as np
import pytest

from pycore import datasets as D

# sha256 of pycore/data/digits.npz, written out here so a changed file fails this test
DIGITS_FILE_SHA256 = "b3b9c8cc11d765ce4264d8748bf3edbafa5038d91c93cf713ddbd6ae8652b410"
# images per class in scikit-learn's digits (load_digits().target counts)
DIGIT_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_digits_file_sha256_and_contents():
    data = (resources.files("pycore") / "data" / D.DIGITS_FILE).read_bytes()
    assert hashlib.sha256(data).hexdigest() == DIGITS_FILE_SHA256 == D.DIGITS_SHA256
    assert 10_000 < len(data) < 100_000                     # tens of KB
    images, labels = D.load_digit_levels()
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8
    assert images.min() == 0 and images.max() == 16
    assert np.bincount(labels).tolist() == DIGIT_COUNTS
    # the writer is deterministic: the same arrays give the shipped bytes
    assert D.digits_file_bytes(images, labels.astype(np.uint8)) == data


def test_digits_equal_scikit_learns():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    ref = sklearn_datasets.load_digits()
    images, labels = D.load_digit_levels()
    np.testing.assert_array_equal(images, ref.images)
    np.testing.assert_array_equal(labels, ref.target)


def test_damaged_digits_file_is_refused(monkeypatch):
    monkeypatch.setattr(D, "DIGITS_SHA256", "0" * 64)
    with pytest.raises(RuntimeError, match="damaged"):
        D.load_digit_levels()


def test_digits_split_is_stratified_and_fixed():
    d = D.load_digits()
    assert d.x_train.shape == (1437, 1, 8, 8) and d.x_test.shape == (360, 1, 8, 8)
    assert d.x_train.dtype == np.float32 and d.input_shape == (1, 8, 8)
    # each class's share of 360 (counts * 360 / 1797), largest remainders rounded up:
    # classes 7, 8, 3, 0 and 1 (ties between 1 and 5 go to the lower class)
    assert np.bincount(d.y_test).tolist() == [36, 37, 35, 37, 36, 36, 36, 36, 35, 36]
    assert (np.bincount(d.y_train) + np.bincount(d.y_test)).tolist() == DIGIT_COUNTS
    images, labels = D.load_digit_levels()
    train, test = D.stratified_split(labels, 360, D.DIGITS_SPLIT_SEED)
    assert np.intersect1d(train, test).size == 0 and np.union1d(train, test).size == 1797
    np.testing.assert_array_equal(d.x_test[:, 0], images[test] / np.float32(16))
    np.testing.assert_array_equal(d.y_train, labels[train])
    again = D.load_digits()
    np.testing.assert_array_equal(again.x_train, d.x_train)
    np.testing.assert_array_equal(again.y_test, d.y_test)
    other_train, other_test = D.stratified_split(labels, 360, D.DIGITS_SPLIT_SEED + 1)
    assert not np.array_equal(other_test, test)
    assert np.bincount(labels[other_test]).tolist() == np.bincount(d.y_test).tolist()


def test_stratified_split_rejects_bad_sizes():
    with pytest.raises(ValueError, match="test_size"):
        D.stratified_split(np.arange(10) % 2, 10, 0)


def test_load_dataset_names():
    assert D.load_dataset("shapes").name == "shapes"
    with pytest.raises(ValueError, match="valid: digits, shapes"):
        D.load_dataset("mnist")


# ---------------------------------------------------------------------------- shapes

def _ink(img):
    rows, cols = np.nonzero(img > 0.5)
    return rows, cols


def test_shapes_classes_and_determinism():
    s = D.make_shapes(n_train=20, n_test=5, seed=3)
    assert s.classes == D.SHAPE_CLASSES and len(s.classes) == 6
    assert s.x_train.shape == (120, 1, 16, 16) and s.x_test.shape == (30, 1, 16, 16)
    assert np.bincount(s.y_train).tolist() == [20] * 6 and np.bincount(s.y_test).tolist() == [5] * 6
    assert s.x_train.min() >= 0 and s.x_train.max() <= 1 and s.x_train.dtype == np.float32
    again = D.make_shapes(n_train=20, n_test=5, seed=3)
    np.testing.assert_array_equal(again.x_train, s.x_train)
    np.testing.assert_array_equal(again.x_test, s.x_test)
    assert not np.array_equal(D.make_shapes(n_train=20, n_test=5, seed=4).x_train, s.x_train)


def test_shapes_look_like_their_class():
    s = D.make_shapes(n_train=30, n_test=1, noise=0.0, seed=1)
    for img, label in zip(s.x_train[:, 0], s.y_train):
        rows, cols = _ink(img)
        name = D.SHAPE_CLASSES[label]
        if name == "horizontal":
            assert np.ptp(rows) <= 2 and np.ptp(cols) >= 7
        elif name == "vertical":
            assert np.ptp(cols) <= 2 and np.ptp(rows) >= 7
        elif name == "diagonal \\":
            assert np.ptp(rows - cols) <= 2 and np.ptp(cols) >= 7
        elif name == "diagonal /":
            assert np.ptp(rows + cols) <= 2 and np.ptp(cols) >= 7
        elif name == "cross":
            # one full row and one full column of the ink's bounding box cross each other
            box = img[rows.min():rows.max() + 1, cols.min():cols.max() + 1] > 0.5
            assert box.all(axis=1).any() and box.all(axis=0).any() and not box.all()
        else:
            box = img[rows.min():rows.max() + 1, cols.min():cols.max() + 1] > 0.5
            assert box[0].all() and box[-1].all() and box[:, 0].all() and box[:, -1].all()
            assert not box[box.shape[0] // 2, box.shape[1] // 2]   # hollow


# ---------------------------------------------------------------------- reduce_digit

def _l_shape(scale, paper, ink):
    """An L of side 32 * scale (bars 8 * scale thick) on a (48 * scale)^2 page."""
    n, off, bar = 48 * scale, 8 * scale, 8 * scale
    img = np.full((n, n), paper, dtype=np.float64)
    img[off:off + 32 * scale, off:off + bar] = ink                  # the upright
    img[off + 24 * scale:off + 32 * scale, off:off + 32 * scale] = ink  # the foot
    return img


# The L fills the 32x32 bitmap: blocks of columns 0-1 and rows 6-7 are fully on.
L_LEVELS = np.zeros((8, 8), dtype=np.uint8)
L_LEVELS[:, :2] = 16
L_LEVELS[6:, :] = 16


def test_reduce_digit_dark_ink_at_scale_one():
    levels, ink = D.reduce_digit(_l_shape(1, paper=255, ink=0))
    assert ink == "dark"
    np.testing.assert_array_equal(levels, L_LEVELS)
    assert levels.dtype == np.uint8


def test_reduce_digit_light_ink_shrunk_by_two():
    levels, ink = D.reduce_digit(_l_shape(2, paper=0.0, ink=1.0))
    assert ink == "light"
    np.testing.assert_array_equal(levels, L_LEVELS)


def test_reduce_digit_keeps_the_aspect_and_centres():
    # 40 tall x 20 wide -> 32 x 16, centred: bitmap columns 8..23 = blocks 2..5
    img = np.ones((64, 64))
    img[10:50, 30:50] = 0.0
    levels, ink = D.reduce_digit(img)
    expected = np.zeros((8, 8), dtype=np.uint8)
    expected[:, 2:6] = 16
    assert ink == "dark"
    np.testing.assert_array_equal(levels, expected)



def test_reduce_digit_scales_a_wide_digit_by_its_width():
    # 10 tall x 40 wide -> 8 x 32, centred: bitmap rows 12..19 = blocks 3 and 4
    img = np.zeros((30, 60))
    img[5:15, 10:50] = 1.0
    levels, _ = D.reduce_digit(img)
    expected = np.zeros((8, 8), dtype=np.uint8)
    expected[3:5, :] = 16
    np.testing.assert_array_equal(levels, expected)


def test_reduce_digit_counts_partial_blocks():
    # 32 tall x 6 wide at scale 1: columns 13..18; block 3 (12..15) holds 13, 14, 15 and
    # block 4 (16..19) holds 16, 17, 18: 3 columns x 4 rows = 12 on pixels in each
    img = np.zeros((40, 40))
    img[4:36, 10:16] = 200.0
    levels, ink = D.reduce_digit(img)
    expected = np.zeros((8, 8), dtype=np.uint8)
    expected[:, 3:5] = 12
    assert ink == "light"
    np.testing.assert_array_equal(levels, expected)


def test_reduce_digit_ink_override():
    img = _l_shape(1, paper=255, ink=0)
    as_light, ink = D.reduce_digit(img, ink="light")
    assert ink == "light"
    # light ink on the dark-ink page is the paper: the same as the inverted page read as dark
    np.testing.assert_array_equal(as_light, D.reduce_digit(255 - img, ink="dark")[0])
    assert not np.array_equal(as_light, L_LEVELS)
    np.testing.assert_array_equal(D.reduce_digit(img, ink="dark")[0], L_LEVELS)


def test_reduce_digit_blank_and_bad_input():
    levels, ink = D.reduce_digit(np.full((20, 30), 7.0))
    assert not levels.any() and ink in ("dark", "light")
    with pytest.raises(ValueError, match="2-D"):
        D.reduce_digit(np.zeros((3, 8, 8)))
    with pytest.raises(ValueError, match="ink must be one of auto, dark, light"):
        D.reduce_digit(np.zeros((8, 8)), ink="blue")
    with pytest.raises(ValueError, match="NaN"):
        D.reduce_digit(np.full((8, 8), np.nan))


def test_levels_to_input():
    x = D.levels_to_input(np.arange(64).reshape(8, 8) % 17)
    assert x.shape == (1, 1, 8, 8) and x.dtype == np.float32
    assert x[0, 0, 1, 0] == np.float32(8 / 16)
    with pytest.raises(ValueError, match="8, 8"):
        D.levels_to_input(np.zeros((4, 4)))
