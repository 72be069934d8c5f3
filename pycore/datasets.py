"""Data sets to train on: the 8x8 handwritten digits and generated 16x16 shapes.

Both load the same way in CPython and in Pyodide (numpy only, no network) and give a
:class:`Dataset`: images ``(N, 1, H, W)`` float32 in ``[0, 1]`` (ink bright, background 0)
and integer labels ``(N,)``, split once into a train and a test part.

``"digits"``
    The UCI "optdigits" 8x8 digits as scikit-learn ships them (1,797 images, levels
    0..16, classes 0..9), stored as package data ``pycore/data/digits.npz`` (its source
    and licence: ``pycore/data/ATTRIBUTION.md``; ``tools/make_digits_data.py`` rebuilds
    it). One seeded stratified split, 1,437 train / 360 test, the same everywhere.
    Pixels are ``level / 16``.
``"shapes"``
    16x16 images of six classes (horizontal bar, vertical bar, two diagonals, a cross,
    a box) drawn by a seeded generator with random position, length, thickness and
    noise: first-layer filters trained on them become visible edge detectors.

:func:`reduce_digit` turns any grayscale image of one digit into the 8x8 levels the
digits were made with (the command line's ``predict`` and the page's drawing pad share it).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from importlib import resources

import numpy as np

__all__ = [
    "DATASETS", "DIGITS_FILE", "DIGITS_SHA256", "DIGITS_TEST_SIZE", "DIGITS_SPLIT_SEED",
    "SHAPE_CLASSES", "INK_MODES", "Dataset", "load_dataset", "load_digits", "load_digit_levels",
    "digits_file_bytes", "stratified_split", "make_shapes", "levels_to_input", "reduce_digit",
]

DATASETS = ("digits", "shapes")
DIGITS_FILE = "digits.npz"
# sha256 of pycore/data/digits.npz as tools/make_digits_data.py writes it
DIGITS_SHA256 = "b3b9c8cc11d765ce4264d8748bf3edbafa5038d91c93cf713ddbd6ae8652b410"
DIGITS_TEST_SIZE = 360
DIGITS_SPLIT_SEED = 0
DIGIT_LEVELS = 16          # an 8x8 cell counts the on pixels of a 4x4 block: 0..16
DIGIT_BITMAP = 32          # optdigits' normalized bitmap is 32x32
SHAPE_CLASSES = ("horizontal", "vertical", "diagonal \\", "diagonal /", "cross", "box")
SHAPE_SIZE = 16
INK_MODES = ("auto", "dark", "light")


@dataclass(frozen=True)
class Dataset:
    """A data set split into train and test.

    Attributes
    ----------
    name : str
    x_train, x_test : ndarray, float32, shape (N, 1, H, W), values in [0, 1]
    y_train, y_test : ndarray, int64, shape (N,)
    classes : tuple of str
        Class names; label ``k`` is ``classes[k]``.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: tuple

    @property
    def input_shape(self) -> tuple:
        """``(C, H, W)`` of one image."""
        return tuple(int(s) for s in self.x_train.shape[1:])


def load_dataset(name: str) -> Dataset:
    """A data set by name (one of ``DATASETS``); the same arrays on every call."""
    if name == "digits":
        return load_digits()
    elif name == "shapes":
        return make_shapes()
    else:
        raise ValueError(f"unknown data set {name!r}; valid: {', '.join(DATASETS)}")


# ------------------------------------------------------------------------------ digits

def digits_file_bytes(images: np.ndarray, labels: np.ndarray) -> bytes:
    """The package data file's bytes: an ``.npz`` (zip) of ``images`` (N, 8, 8) uint8 and
    ``labels`` (N,) uint8, with fixed timestamps so equal arrays give equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for key, array in (("images", images), ("labels", labels)):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array, dtype=np.uint8),
                                      allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, member.getvalue(), compresslevel=9)
    return out.getvalue()


def load_digit_levels() -> tuple[np.ndarray, np.ndarray]:
    """The whole digits set as stored.

    Returns
    -------
    images : ndarray, uint8, shape (1797, 8, 8)
        Levels 0..16.
    labels : ndarray, int64, shape (1797,)

    Raises
    ------
    RuntimeError
        When the package data file's sha256 is not ``DIGITS_SHA256`` (a damaged install).
    """
    data = (resources.files("pycore") / "data" / DIGITS_FILE).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != DIGITS_SHA256:
        raise RuntimeError(f"pycore/data/{DIGITS_FILE} is damaged: sha256 {digest}, "
                           f"expected {DIGITS_SHA256}")
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return npz["images"], npz["labels"].astype(np.int64)


def stratified_split(labels, test_size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded stratified train/test indices.

    Each class gives the test part its share of ``test_size`` (largest remainders, ties
    to the lower class, so the shares sum to ``test_size``), drawn from a seeded
    permutation of that class's indices.

    Parameters
    ----------
    labels : array of int, shape (N,)
    test_size : int
        0 < test_size < N.
    seed : int

    Returns
    -------
    train, test : ndarray of int64, sorted ascending, disjoint, together ``arange(N)``.
    """
    labels = np.asarray(labels)
    n = labels.shape[0]
    if not 0 < test_size < n:
        raise ValueError(f"test_size must be between 1 and {n - 1}, got {test_size}")
    classes, counts = np.unique(labels, return_counts=True)
    quota = counts * test_size / n
    share = np.floor(quota).astype(np.int64)
    # stable sort: equal remainders keep class order
    extra = np.argsort(-(quota - share), kind="stable")[: test_size - share.sum()]
    share[extra] += 1
    rng = np.random.default_rng(seed)
    test = [rng.permutation(np.flatnonzero(labels == c))[:k] for c, k in zip(classes, share)]
    test_idx = np.sort(np.concatenate(test)).astype(np.int64)
    train_idx = np.setdiff1d(np.arange(n), test_idx).astype(np.int64)
    return train_idx, test_idx


def levels_to_input(levels) -> np.ndarray:
    """8x8 levels 0..16 -> network input: float32 ``level / 16``, shape (N, 1, 8, 8).

    ``levels`` is (8, 8) (one digit) or (N, 8, 8).
    """
    a = np.asarray(levels)
    if a.shape[-2:] != (8, 8) or a.ndim not in (2, 3):
        raise ValueError(f"digit levels must be (8, 8) or (N, 8, 8), got shape {a.shape}")
    a = a.reshape(-1, 1, 8, 8)
    return (a.astype(np.float32) / np.float32(DIGIT_LEVELS)).astype(np.float32)


def load_digits() -> Dataset:
    """The digits, split ``DIGITS_TEST_SIZE`` test by ``stratified_split(seed=DIGITS_SPLIT_SEED)``."""
    images, labels = load_digit_levels()
    train, test = stratified_split(labels, DIGITS_TEST_SIZE, DIGITS_SPLIT_SEED)
    x = levels_to_input(images)
    return Dataset("digits", x[train], labels[train], x[test], labels[test],
                   tuple(str(d) for d in range(10)))


# ------------------------------------------------------------------------------ shapes

def _shape_image(kind: int, rng: np.random.Generator) -> np.ndarray:
    """One noiseless (16, 16) image of class ``SHAPE_CLASSES[kind]``, ink 1 on 0."""
    size = SHAPE_SIZE
    rows, cols = np.mgrid[0:size, 0:size]
    img = np.zeros((size, size))
    thick = int(rng.integers(1, 4))                      # 1..3 pixels
    length = int(rng.integers(8, 15))                    # 8..14 pixels
    if kind in (0, 1):                                   # bars
        a0 = int(rng.integers(1, size - thick))          # the bar's first row (or column)
        b0 = int(rng.integers(0, size - length + 1))     # where it starts along its length
        across = (rows >= a0) & (rows < a0 + thick)
        along = (cols >= b0) & (cols < b0 + length)
        img[(across & along) if kind == 0 else (across & along).T] = 1.0
    elif kind == 4:                                      # a "+": two bars through one centre
        cy, cx = (int(v) for v in rng.integers(4, 12, size=2))
        arm = int(rng.integers(3, 7))
        first = -(thick // 2)
        bar_h = (rows >= cy + first) & (rows < cy + first + thick) & (abs(cols - cx) <= arm)
        bar_v = (cols >= cx + first) & (cols < cx + first + thick) & (abs(rows - cy) <= arm)
        img[bar_h | bar_v] = 1.0
    elif kind in (2, 3):                                 # diagonals, thickened downwards
        r0 = int(rng.integers(0, size - length - thick + 2))
        c0 = int(rng.integers(0, size - length + 1))
        t = np.arange(length)
        c = c0 + t if kind == 2 else size - 1 - (c0 + t)   # one runs down-right, "/" down-left
        for k in range(thick):
            img[r0 + t + k, c] = 1.0
    elif kind == 5:                                      # a hollow box
        thick = int(rng.integers(1, 3))
        h, w = (int(v) for v in rng.integers(6, 13, size=2))
        top, left = int(rng.integers(0, size - h + 1)), int(rng.integers(0, size - w + 1))
        inside = (rows >= top) & (rows < top + h) & (cols >= left) & (cols < left + w)
        hole = ((rows >= top + thick) & (rows < top + h - thick)
                & (cols >= left + thick) & (cols < left + w - thick))
        img[inside & ~hole] = 1.0
    else:
        raise ValueError(f"unknown shape class {kind}; valid: 0..{len(SHAPE_CLASSES) - 1}")
    return img


def make_shapes(n_train: int = 200, n_test: int = 50, noise: float = 0.1, seed: int = 0) -> Dataset:
    """The generated shapes set.

    Parameters
    ----------
    n_train, n_test : int
        Images per class in each part.
    noise : float
        Standard deviation of the Gaussian noise added to every pixel (then clipped to [0, 1]).
    seed : int
        One generator draws every image in order (class by class), so the same arguments
        give the same arrays.

    Returns
    -------
    Dataset
        Images (N, 1, 16, 16) float32; the test part holds the last ``n_test`` images drawn
        for each class.
    """
    if n_train < 1 or n_test < 1:
        raise ValueError(f"n_train and n_test must be >= 1, got {n_train} and {n_test}")
    rng = np.random.default_rng(seed)
    n = n_train + n_test
    k = len(SHAPE_CLASSES)
    images = np.empty((k, n, SHAPE_SIZE, SHAPE_SIZE))
    for kind in range(k):
        for i in range(n):
            images[kind, i] = _shape_image(kind, rng)
    images = np.clip(images + rng.normal(0.0, noise, size=images.shape), 0.0, 1.0)
    labels = np.repeat(np.arange(k, dtype=np.int64), n).reshape(k, n)
    x = images.astype(np.float32)[:, :, np.newaxis]        # (K, n, 1, 16, 16)
    return Dataset("shapes",
                   x[:, :n_train].reshape(-1, 1, SHAPE_SIZE, SHAPE_SIZE),
                   labels[:, :n_train].reshape(-1),
                   x[:, n_train:].reshape(-1, 1, SHAPE_SIZE, SHAPE_SIZE),
                   labels[:, n_train:].reshape(-1),
                   SHAPE_CLASSES)


# --------------------------------------------------------------------- one digit -> 8x8

def _area_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights: each output cell's mean over the input span it covers
    (output cell j spans input [j * n_in / n_out, (j + 1) * n_in / n_out))."""
    edges = np.arange(n_out + 1) * (n_in / n_out)
    lo, hi = edges[:-1, None], edges[1:, None]
    px = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(hi, px + 1) - np.maximum(lo, px), 0.0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def reduce_digit(image, ink: str = "auto") -> tuple[np.ndarray, str]:
    """Reduce a grayscale image of one digit to the data set's 8x8 levels.

    The steps follow how optdigits was made: the ink is found, its bounding box is scaled
    (aspect kept) so its longer side fills a 32x32 bitmap and centred there, and the on
    pixels of each 4x4 block are counted (0..16).

    Parameters
    ----------
    image : array_like, shape (H, W)
        Grayscale, any value range (0..1 or 0..255).
    ink : {"auto", "dark", "light"}
        ``"dark"``: dark ink on light paper; ``"light"``: light ink on a dark ground;
        ``"auto"``: light paper if the median of the border pixels lies in the brighter
        half of the image's range.

    Returns
    -------
    levels : ndarray, uint8, shape (8, 8)
        0..16; all 0 for an image of one value (nothing drawn).
    ink : str
        ``"dark"`` or ``"light"``, the ink used (detected or as given).

    Notes
    -----
    Ink strength is the pixel's place between the image's paper and ink extremes (0..1);
    a pixel is on where the scaled strength is at least 0.5. Scaling averages over the
    area each bitmap pixel covers, so it works for enlarging and shrinking.
    """
    a = np.asarray(image, dtype=np.float64)
    if a.ndim != 2 or min(a.shape) < 1:
        raise ValueError(f"image must be 2-D grayscale (H, W), got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("image holds NaN or infinite values")
    lo, hi = float(a.min()), float(a.max())
    if ink == "auto":
        border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
        ink = "dark" if np.median(border) >= (lo + hi) / 2 else "light"
    elif ink not in ("dark", "light"):
        raise ValueError(f"ink must be one of {', '.join(INK_MODES)}, got {ink!r}")
    levels = np.zeros((8, 8), dtype=np.uint8)
    if hi == lo:
        return levels, ink
    strength = (hi - a) / (hi - lo) if ink == "dark" else (a - lo) / (hi - lo)
    rows = np.flatnonzero((strength >= 0.5).any(axis=1))
    cols = np.flatnonzero((strength >= 0.5).any(axis=0))
    crop = strength[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    scale = DIGIT_BITMAP / max(h, w)
    nh = min(DIGIT_BITMAP, max(1, int(np.floor(h * scale + 0.5))))
    nw = min(DIGIT_BITMAP, max(1, int(np.floor(w * scale + 0.5))))
    scaled = _area_matrix(h, nh) @ crop @ _area_matrix(w, nw).T
    bitmap = np.zeros((DIGIT_BITMAP, DIGIT_BITMAP), dtype=bool)
    top, left = (DIGIT_BITMAP - nh) // 2, (DIGIT_BITMAP - nw) // 2
    bitmap[top:top + nh, left:left + nw] = scaled >= 0.5
    block = DIGIT_BITMAP // 8
    levels[:] = bitmap.reshape(8, block, 8, block).sum(axis=(1, 3))
    return levels, ink
