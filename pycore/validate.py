"""The core's argument checks: the one set ops, layers, network and kernels use.

These guard library calls (Python callers), so they speak in argument names
(``stride must be >= 1, got 0``). The page's controls are checked apart, at the
boundary, by :mod:`pycore.page.params`, which speaks in the controls' words.

A whole number given as something else raises :class:`NotAnInteger`, which is
both a ``TypeError`` (what the ops promise, as numpy and torch do for a wrong
type) and a ``ValueError`` (what callers of layers, specs and kernels catch for
any bad setting), as ``numpy.exceptions.AxisError`` is both a ValueError and an
IndexError.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = ["NotAnInteger", "is_int", "integer", "pair", "at_least", "boolean", "real", "choice"]


class NotAnInteger(TypeError, ValueError):
    """A value that must be a whole number is of another type (float, bool, str...)."""


def is_int(v: Any) -> bool:
    """True for Python and numpy integers; False for bool (``stride=True`` is a bug, not 1)."""
    return isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, (bool, np.bool_))


def integer(v: Any, name: str, minimum: int | None = None) -> int:
    """``v`` as an int, at least ``minimum``.

    Raises
    ------
    NotAnInteger
        ``v`` is not an integer (floats such as 2.0 and bools included).
    ValueError
        ``v < minimum``.
    """
    if not is_int(v):
        raise NotAnInteger(f"{name} must be an int, got {v!r}")
    if minimum is not None and v < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {v!r}")
    return int(v)


def at_least(values: tuple[int, ...], given: Any, name: str, minimum: int) -> None:
    """Raise ValueError naming ``given`` (the caller's form) when any of ``values`` < minimum."""
    if min(values) < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {given!r}")


def pair(v: Any, name: str, minimum: int | None = None) -> tuple[int, int]:
    """An int or a 2-sequence of ints -> ``(rows, cols)``, each at least ``minimum``.

    Raises
    ------
    NotAnInteger
        ``v`` is neither an int nor a pair of ints (1.5 and True are rejected).
    ValueError
        A value below ``minimum``.
    """
    if is_int(v):
        out = (int(v), int(v))
    elif isinstance(v, (tuple, list)) and len(v) == 2 and all(is_int(e) for e in v):
        out = (int(v[0]), int(v[1]))
    else:
        raise NotAnInteger(f"{name} must be an int or a pair of ints, got {v!r}")
    if minimum is not None:
        at_least(out, v, name, minimum)
    return out


def pair_text(p: tuple[int, int]) -> str:
    """A pair as a message says it: "2" when both sides agree, else "2 by 3" (rows by columns)."""
    return str(p[0]) if p[0] == p[1] else f"{p[0]} by {p[1]}"


def boolean(v: Any, name: str) -> bool:
    """``v`` if it is a bool (numpy's included), else TypeError."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    raise TypeError(f"{name} must be a bool, got {v!r}")


def real(v: Any, name: str) -> float:
    """``v`` as a float if it is a real number (not a bool), else TypeError."""
    if isinstance(v, (numbers.Real, np.floating, np.integer)) and not isinstance(v, (bool, np.bool_)):
        return float(v)
    raise TypeError(f"{name} must be a real number, got {v!r}")


def choice(v: Any, allowed: tuple[str, ...], name: str) -> str:
    """``v`` if it is one of ``allowed``, else ValueError listing them."""
    if isinstance(v, str) and v in allowed:
        return v
    choices = ", ".join(repr(m) for m in allowed)
    raise ValueError(f"{name} must be one of {choices}, got {v!r}")
