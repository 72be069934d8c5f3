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
    JSON-able list of ``{"name", "description", "look_for", "default_size", "sizes"}``.
look_for(kernel)
    One line on what to look for in a kernel's feature map: the library entry's own
    line when the weights are one of its kernels, else a line read from the weights.
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
    "look_for",
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
    look_for : str
        One line on what the kernel's feature map shows: what to look for in it.
    """

    description: str
    make: Callable[[int, int | None, float | None], np.ndarray]
    default_size: int = 3
    sizes: str = "fixed"
    look_for: str = ""


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
        _fixed([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
        look_for="The image itself, unchanged: compare the other maps with this one."),
    "edge": KernelInfo(
        "The tutorial's edge detector [[2,4,-2],[4,0,-4],[2,-4,-2]]: bright where intensity changes.",
        _fixed([[2, 4, -2], [4, 0, -4], [2, -4, -2]]),
        look_for="Weights sum to 0: flat areas go to 0 and outlines light up wherever the brightness changes."),
    "sharpen": KernelInfo(
        "Sharpen: the pixel times 5 minus its 4 neighbours; boosts local contrast.",
        _fixed([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
        look_for="Weights sum to 1: flat areas keep their brightness while edges and texture (and noise) get crisper."),
    "blur": KernelInfo(
        "The tutorial's 3x3 Gaussian blur [[1,2,1],[2,4,2],[1,2,1]]/16; softens detail.",
        _fixed(np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16.0),
        look_for="A weighted average (the weights sum to 1): fine detail and noise soften, large shapes stay."),
    "box": KernelInfo(
        "Box blur: the plain mean of a size x size window (odd size, default 3).",
        _box, 3, "odd",
        look_for="The plain average of the window: detail smears evenly; a larger window smears more."),
    "gaussian": KernelInfo(
        "Gaussian blur of odd size (default 3), sigma by OpenCV's rule 0.3*((size-1)/2-1)+0.8; sums to 1.",
        _gaussian, 3, "odd",
        look_for="An average weighted by a bell: a softer, rounder blur than the box; a larger size blurs more."),
    "sobel_x": KernelInfo(
        "Sobel x: horizontal gradient; positive where the image gets brighter to the right.",
        _fixed(_SOBEL_X),
        look_for="Vertical edges: positive where the image gets brighter to the right, negative where it gets darker."),
    "sobel_y": KernelInfo(
        "Sobel y: vertical gradient; positive where the image gets brighter downwards.",
        _fixed(_t(_SOBEL_X)),
        look_for="Horizontal edges: positive where the image gets brighter downwards, negative where it gets darker."),
    "scharr_x": KernelInfo(
        "Scharr x: like Sobel x with weights 3-10-3, more rotation-accurate.",
        _fixed(_SCHARR_X),
        look_for="Vertical edges, as Sobel x, with more even weight for slanted edges."),
    "scharr_y": KernelInfo(
        "Scharr y: like Sobel y with weights 3-10-3, more rotation-accurate.",
        _fixed(_t(_SCHARR_X)),
        look_for="Horizontal edges, as Sobel y, with more even weight for slanted edges."),
    "prewitt_x": KernelInfo(
        "Prewitt x: horizontal gradient with equal row weights.",
        _fixed(_PREWITT_X),
        look_for="Vertical edges: brightness to the right minus brightness to the left, rows weighted alike."),
    "prewitt_y": KernelInfo(
        "Prewitt y: vertical gradient with equal column weights.",
        _fixed(_t(_PREWITT_X)),
        look_for="Horizontal edges: brightness below minus brightness above, columns weighted alike."),
    "laplacian": KernelInfo(
        "Laplacian: 4 neighbours minus 4x the centre; responds to edges in every direction.",
        _fixed([[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
        look_for=("Weights sum to 0: flat areas and even slopes go to 0; thin lines and spots stand out in "
                  "every direction, dark spots positive.")),
    "emboss": KernelInfo(
        "Emboss: a diagonal gradient plus the pixel itself; looks like raised relief.",
        _fixed([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]),
        look_for=("One side of each edge light, the other dark, as if lit from a corner; flat areas keep their "
                  "brightness.")),
    "outline": KernelInfo(
        "Outline: 8x the centre minus its 8 neighbours; zero on flat areas, strong on edges.",
        _fixed([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]),
        look_for="Weights sum to 0: flat areas go to 0 and every edge and corner lights up, in all directions."),
    "random": KernelInfo(
        "Random: uniform(-1, 1) weights like an untrained filter (any size, reproducible with a seed).",
        _random, 3, "any",
        look_for=("Random weights, as an untrained network starts: no designed pattern; see which edges or "
                  "textures it happens to pick up.")),
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
    return [{"name": name, "description": info.description, "look_for": info.look_for,
             "default_size": info.default_size, "sizes": info.sizes}
            for name, info in KERNELS.items()]


def _matches(kernel: np.ndarray, name: str) -> bool:
    """Whether ``kernel`` holds the library kernel ``name`` at its size (to the six
    significant digits a kernel cell shows; ``random`` never matches: any weights may
    be a draw)."""
    info = KERNELS[name]
    rows, cols = kernel.shape
    if name == "random" or rows != cols or rows < 2:  # a 1x1 box or bell is the identity
        return False
    if (info.sizes == "fixed" and rows != info.default_size) or (info.sizes == "odd" and rows % 2 == 0):
        return False
    ref = info.make(rows, None, None)
    return bool(np.allclose(kernel, ref, rtol=1e-5, atol=1e-6 * np.abs(ref).max()))


def _number(v: float) -> str:
    return f"{v:.3g}".replace("-", "−")


def _read_weights(k: np.ndarray) -> str:
    """What to look for, read from the weights alone (an edited or hand-typed kernel)."""
    scale = np.abs(k).sum()
    if scale == 0:
        return "All weights are 0: the map is 0 everywhere."
    total = float(k.sum())
    near = 1e-6 * scale  # the cells show six significant digits
    nonzero = np.flatnonzero(np.abs(k) > near)
    rows, cols = k.shape
    if nonzero.size == 1:
        r, c = divmod(int(nonzero[0]), cols)
        scaled = "" if abs(total - 1) <= near else f", times {_number(total)}"
        if (2 * r + 1, 2 * c + 1) == (rows, cols):
            return f"One weight, at the centre: the image itself{scaled}."
        return (f"One weight, at row {r + 1}, column {c + 1}: the image itself{scaled}, shifted (each output "
                "reads the pixel under that weight).")
    if abs(total) <= near:
        if np.allclose(k, -k[:, ::-1], atol=near):
            return ("Weights sum to 0: flat areas go to 0; vertical edges light up, one sign where the image "
                    "gets brighter to the right, the other where it gets darker.")
        if np.allclose(k, -k[::-1, :], atol=near):
            return ("Weights sum to 0: flat areas go to 0; horizontal edges light up, one sign where the image "
                    "gets brighter downwards, the other where it gets darker.")
        return "Weights sum to 0: flat areas go to 0 and edges light up."
    negative = bool((k < -near).any())
    if not negative:
        if abs(total - 1) <= near:
            return ("No negative weights, summing to 1: an average of the neighbourhood, so a blur; flat areas "
                    "keep their brightness.")
        brighter = "brighter" if total > 1 else "darker"
        return (f"No negative weights, summing to {_number(total)}: a blur that also makes the image "
                f"{brighter} ({_number(total)} times).")
    if not (k > near).any():
        return (f"Only negative weights, summing to {_number(total)}: a blur of the negative image; "
                "after ReLU, nothing is left.")
    if abs(total - 1) <= near:
        return ("Weights sum to 1 with negative ones around: flat areas keep their brightness and edges get "
                "crisper, like sharpen.")
    if total > 0:
        return (f"Weights sum to {_number(total)}: flat areas are scaled by {_number(total)}; patterns like the "
                "positive weights light up and their opposite goes negative.")
    return (f"Weights sum to {_number(total)}: flat areas turn negative (0 after ReLU); what lights up is "
            "brightness under the positive weights and darkness under the negative ones.")


def look_for(kernel) -> str:
    """One line on what to look for in the feature map of ``kernel``.

    Parameters
    ----------
    kernel : array_like, shape (kH, kW)

    Returns
    -------
    str
        The library entry's ``look_for`` when ``kernel`` is one of the library's kernels
        (whatever it is called), else a line read from its weights: what their sum and
        signs do to flat areas and edges.
    """
    k = np.asarray(kernel, dtype=np.float64)
    if k.ndim != 2 or k.size == 0:
        raise ValueError(f"a kernel must be a non-empty 2-D array, got shape {k.shape}")
    if not np.all(np.isfinite(k)):
        return "Some weights are not finite numbers: the map holds infinities or NaN."
    for name in KERNELS:
        if _matches(k, name):
            return KERNELS[name].look_for
    return _read_weights(k)
