"""The named kernel library: small 2-D filters a learner can pick by name.

Every kernel is a float64 array of shape ``(kH, kW)`` meant for
cross-correlation (what :func:`pycore.ops.conv2d` computes, as every
deep-learning library does): the kernel is laid over the image as written,
without flipping. The directional kernels below are oriented for that, so
``sobel_x`` responds positively where the image gets brighter to the right.

Public names
------------
KERNELS : dict
    name -> :class:`KernelInfo` (description, default size, whether the size
    can change). The one place the library is defined.
get_kernel(name, size=None, seed=None, *, sigma=None)
    A fresh copy of the named kernel.
kernel_names()
    The names, in library order.
kernel_description(name)
    The one-line description (for UI tooltips).
describe_kernels()
    JSON-able list of ``{"name", "description", "default_size", "sizes"}``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import validate

__all__ = [
    "KERNELS",
    "KernelInfo",
    "get_kernel",
    "kernel_names",
    "kernel_description",
    "describe_kernels",
    "gaussian_sigma",
]


@dataclass(frozen=True)
class KernelInfo:
    """One entry of the library.

    Attributes
    ----------
    description : str
        One line, for tooltips and ``python -m pycore kernels``.
    make : callable
        ``make(size, seed, sigma) -> ndarray (size, size)``; fixed kernels
        ignore their arguments.
    default_size : int
        Side length used when ``size`` is None.
    sizes : str
        ``"fixed"`` (only ``default_size``), ``"odd"`` (any odd size >= 1) or
        ``"any"`` (any size >= 1).
    """

    description: str
    make: Callable[[int, int | None, float | None], np.ndarray]
    default_size: int = 3
    sizes: str = "fixed"


def _fixed(rows):
    """Build a maker for a constant kernel (stored once, copied on each call)."""
    value = np.array(rows, dtype=np.float64)
    value.setflags(write=False)
    return lambda size, seed, sigma: value.copy()


def gaussian_sigma(size: int) -> float:
    """Default standard deviation of a ``size`` x ``size`` Gaussian kernel.

    Uses OpenCV's rule (``cv2.getGaussianKernel`` with ``sigma <= 0``):
    ``0.3 * ((size - 1) * 0.5 - 1) + 0.8``, so 3 -> 0.8, 5 -> 1.1, 7 -> 1.4.
    It keeps the tails of the bell inside the window for every odd size.

    Parameters
    ----------
    size : int
        Odd side length >= 1.

    Returns
    -------
    float
    """
    return 0.3 * ((size - 1) * 0.5 - 1) + 0.8


def _gaussian(size, seed, sigma):
    if sigma is None:
        sigma = gaussian_sigma(size)
    if not (np.isfinite(sigma) and sigma > 0):
        raise ValueError(f"gaussian sigma must be a positive number, got {sigma!r}")
    # separable: the 2-D kernel is the outer product of two 1-D bells
    offsets = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    bell = np.exp(-0.5 * (offsets / sigma) ** 2)
    kernel = np.outer(bell, bell)
    return kernel / kernel.sum()


def _box(size, seed, sigma):
    return np.full((size, size), 1.0 / (size * size), dtype=np.float64)


def _random(size, seed, sigma):
    # the notebook's initialisation: uniform(-1, 1)
    return np.random.default_rng(seed).uniform(-1.0, 1.0, size=(size, size))


_SOBEL_X = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
_SCHARR_X = [[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]]
_PREWITT_X = [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]


def _t(rows):
    """Transpose a list-of-lists kernel (the y version of an x gradient)."""
    return [list(col) for col in zip(*rows)]


KERNELS: dict[str, KernelInfo] = {
    "identity": KernelInfo(
        "Identity: copies each pixel unchanged (a 1 in the centre).",
        _fixed([[0, 0, 0], [0, 1, 0], [0, 0, 0]])),
    "edge": KernelInfo(
        "The tutorial's edge detector [[2,4,-2],[4,0,-4],[2,-4,-2]]: bright where intensity changes.",
        _fixed([[2, 4, -2], [4, 0, -4], [2, -4, -2]])),
    "sharpen": KernelInfo(
        "Sharpen: the pixel times 5 minus its 4 neighbours; boosts local contrast.",
        _fixed([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])),
    "blur": KernelInfo(
        "The tutorial's 3x3 Gaussian blur [[1,2,1],[2,4,2],[1,2,1]]/16; softens detail.",
        _fixed(np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16.0)),
    "box": KernelInfo(
        "Box blur: the plain mean of a size x size window (odd size, default 3).",
        _box, 3, "odd"),
    "gaussian": KernelInfo(
        "Gaussian blur of odd size (default 3), sigma by OpenCV's rule 0.3*((size-1)/2-1)+0.8; sums to 1.",
        _gaussian, 3, "odd"),
    "sobel_x": KernelInfo(
        "Sobel x: horizontal gradient; positive where the image gets brighter to the right.",
        _fixed(_SOBEL_X)),
    "sobel_y": KernelInfo(
        "Sobel y: vertical gradient; positive where the image gets brighter downwards.",
        _fixed(_t(_SOBEL_X))),
    "scharr_x": KernelInfo(
        "Scharr x: like Sobel x with weights 3-10-3, more rotation-accurate.",
        _fixed(_SCHARR_X)),
    "scharr_y": KernelInfo(
        "Scharr y: like Sobel y with weights 3-10-3, more rotation-accurate.",
        _fixed(_t(_SCHARR_X))),
    "prewitt_x": KernelInfo(
        "Prewitt x: horizontal gradient with equal row weights.",
        _fixed(_PREWITT_X)),
    "prewitt_y": KernelInfo(
        "Prewitt y: vertical gradient with equal column weights.",
        _fixed(_t(_PREWITT_X))),
    "laplacian": KernelInfo(
        "Laplacian: 4 neighbours minus 4x the centre; responds to edges in every direction.",
        _fixed([[0, 1, 0], [1, -4, 1], [0, 1, 0]])),
    "emboss": KernelInfo(
        "Emboss: a diagonal gradient plus the pixel itself; looks like raised relief.",
        _fixed([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])),
    "outline": KernelInfo(
        "Outline: 8x the centre minus its 8 neighbours; zero on flat areas, strong on edges.",
        _fixed([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]])),
    "random": KernelInfo(
        "Random: uniform(-1, 1) weights like an untrained filter (any size, reproducible with a seed).",
        _random, 3, "any"),
}


def kernel_names() -> list[str]:
    """Names of the library's kernels, in library order.

    Returns
    -------
    list of str
    """
    return list(KERNELS)


def _info(name: str) -> KernelInfo:
    try:
        return KERNELS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown kernel {name!r}; valid names: {', '.join(KERNELS)}") from None


def kernel_description(name: str) -> str:
    """One-line description of a kernel (for UI tooltips).

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid names).
    """
    return _info(name).description


def get_kernel(name: str, size: int | None = None, seed: int | None = None,
               *, sigma: float | None = None) -> np.ndarray:
    """A fresh float64 copy of a named kernel.

    Parameters
    ----------
    name : str
        One of :func:`kernel_names`.
    size : int, optional
        Side length. Only ``box`` and ``gaussian`` (odd sizes) and ``random``
        (any size >= 1) accept a size other than their default; the fixed
        3x3 kernels accept None or 3.
    seed : int, optional
        Seed for ``random`` (``np.random.default_rng(seed)``); None draws
        fresh entropy. Ignored by the other kernels.
    sigma : float, optional
        Standard deviation for ``gaussian``; None uses :func:`gaussian_sigma`.

    Returns
    -------
    ndarray, shape (size, size), float64
        A new array each call; changing it does not change the library.

    Raises
    ------
    ValueError
        Unknown name (lists the valid names), a size that is not an int
        >= 1 (:class:`pycore.validate.NotAnInteger`, also a TypeError), an even
        size for ``box``/``gaussian``, a size other than 3 for a fixed kernel, or
        a non-positive sigma.
    """
    info = _info(name)
    size = info.default_size if size is None else validate.integer(size, "kernel size", 1)
    if info.sizes == "fixed" and size != info.default_size:
        raise ValueError(
            f"kernel {name!r} has a fixed size of {info.default_size}, got size {size}")
    if info.sizes == "odd" and size % 2 == 0:
        raise ValueError(
            f"kernel {name!r} needs an odd size so it has a centre pixel, got {size}")
    if sigma is not None and name != "gaussian":
        raise ValueError(f"sigma applies only to the 'gaussian' kernel, not {name!r}")
    return np.array(info.make(size, seed, sigma), dtype=np.float64)


def describe_kernels() -> list[dict]:
    """The library as plain dicts (JSON-able), for the UI and the CLI.

    Returns
    -------
    list of dict
        ``{"name": str, "description": str, "default_size": int,
        "sizes": "fixed" | "odd" | "any"}`` per kernel, in library order.
    """
    return [{"name": name, "description": info.description,
             "default_size": info.default_size, "sizes": info.sizes}
            for name, info in KERNELS.items()]
