"""The page's boundary: its settings in, its results out.

Everything that crosses from JavaScript is plain: dicts of numbers, strings and
flat numeric buffers (typed arrays arrive as ``memoryview``); a Pyodide ``JsProxy``
is unwrapped by :func:`plain`. Every setting is checked here, and a problem raises
``ValueError`` (or ``TypeError`` for a value of the wrong kind) whose message the
page shows as is, so each names the control in the page's words and the bad value.
An emptied number box reaches Python as NaN (or None) and is called empty.

Every page function returns :func:`result`: ``{"meta": JSON-able dict, "arrays":
{name: float32 C-contiguous ndarray}}``; meta refers to arrays by name.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Any

import numpy as np

__all__ = ["plain", "deep_plain", "settings", "get", "whole", "integer", "number", "choice", "padding", "flag",
           "matrix", "result", "at", "problem", "shown"]


def problem(message: str, field: str | None) -> ValueError:
    """A ValueError tied to the page control ``field`` (the settings key; a dotted path
    such as ``"kernels.2"`` for nested settings), so the page shows it next to that control."""
    error = ValueError(message)
    error.field = field
    return error


@contextmanager
def at(field: str):
    """Tie a ValueError or TypeError raised inside to the control ``field``, unless an
    inner :func:`at` already tied it (the innermost control is the most precise)."""
    try:
        yield
    except (ValueError, TypeError) as error:
        if getattr(error, "field", None) is None:
            error.field = field
        raise


def shown(value: Any) -> str:
    """A value as a message quotes it: numbers short (1e308 typed in a box is "1e+308",
    not 309 digits), anything else by its repr, cut to 40 characters."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) if abs(value) < 10**12 else f"{value:.3g}"
    if isinstance(value, float):
        if math.isnan(value):
            return "not a number"
        if math.isinf(value):
            return "infinity" if value > 0 else "minus infinity"
        return f"{value:.6g}"
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def plain(value: Any) -> Any:
    """Unwrap a Pyodide JsProxy (it has ``to_py``); leave Python values alone."""
    to_py = getattr(value, "to_py", None)
    return to_py() if callable(to_py) else value


def deep_plain(value: Any) -> Any:
    """:func:`plain` all the way down; whole floats become ints (JS sends 3 as 3.0 on
    some paths, and a network spec wants ints)."""
    value = plain(value)
    if isinstance(value, dict):
        return {str(plain(k)): deep_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [deep_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer() and math.isfinite(value):
        return int(value)
    return value


def settings(params: Any, who: str) -> dict:
    """A call's settings as a dict ({} for None); ``who`` names the call in the error."""
    params = plain(params)
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise TypeError(f"{who} expects a dict of settings, got {type(params).__name__}")
    return params


def get(params: dict, key: str, default: Any) -> Any:
    """``params[key]``, or ``default`` when missing or None."""
    value = params.get(key, default)
    return default if value is None else plain(value)


def whole(value: Any, label: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """A whole number (JS numbers arrive as float) in [minimum, maximum]."""
    empty = value is None or (isinstance(value, float) and math.isnan(value))
    if empty or (isinstance(value, str) and not value.strip()):
        # what an emptied or unparsable number box sends: say so, not "got nan"
        advice = f": type a whole number from {minimum} to {maximum}" if None not in (minimum, maximum) else ""
        raise ValueError(f"{label} is empty or not a number{advice}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{label} must be a whole number, got {shown(value)}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{label} must be a whole number, got {shown(value)}")
        value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{label} must be at least {minimum}, got {shown(value)}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{label} must be at most {maximum}, got {shown(value)}")
    return value


def integer(params: dict, key: str, default: int, label: str, minimum: int | None = None,
            maximum: int | None = None) -> int:
    """``params[key]`` (default when missing) as a :func:`whole` number; a problem is
    tied to the control ``key``."""
    with at(key):
        return whole(get(params, key, default), label, minimum, maximum)


def number(params: dict, key: str, default: float, label: str, minimum: float | None = None,
           maximum: float | None = None, above: float | None = None) -> float:
    """``params[key]`` as a finite float, at least ``minimum``, more than ``above`` and at
    most ``maximum`` (each bound only when given); a problem is tied to the control ``key``."""
    value = get(params, key, default)
    if isinstance(value, float) and math.isnan(value):  # what an emptied or unparsable box sends
        raise problem(f"{label} is empty or not a number", key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise problem(f"{label} must be a finite number, got {shown(value)}", key)
    if minimum is not None and value < minimum:
        raise problem(f"{label} must be at least {minimum:g}, got {shown(value)}", key)
    if above is not None and value <= above:
        raise problem(f"{label} must be more than {above:g}, got {shown(value)}", key)
    if maximum is not None and value > maximum:
        raise problem(f"{label} must be at most {maximum:g}, got {shown(value)}", key)
    return float(value)


def choice(params: dict, key: str, default: str, options, label: str) -> str:
    """``params[key]`` if it is one of ``options`` (a tuple of values)."""
    value = get(params, key, default)
    if value not in options:
        raise problem(f"{label} must be one of {', '.join(map(str, options))}; got {shown(value)}", key)
    return value


def flag(params: dict, key: str, default: bool = False) -> bool:
    """``params[key]`` as a bool (a checkbox)."""
    return bool(get(params, key, default))


def padding(params: dict, key: str, label: str, maximum: int, default: Any = 0):
    """An int in [0, maximum] (a number or digits), or "same"/"valid"; a problem is tied
    to the control ``key``."""
    value = get(params, key, default)
    with at(key):
        if isinstance(value, str):
            if value in ("same", "valid"):
                return value
            text = value.strip()
            if text.isdigit():
                return whole(int(text), label, 0, maximum)
            raise ValueError(f"{label} must be a whole number from 0 to {maximum}, 'same' or 'valid'; "
                             f"got {shown(value)}")
        return whole(value, label, 0, maximum)


def matrix(spec: Any, label: str, max_side: int, default_side: int = 3) -> np.ndarray:
    """``{rows, cols, values}`` -> (rows, cols) float64, each side in [1, max_side]."""
    spec = plain(spec) or {}
    if not isinstance(spec, dict):
        raise TypeError(f"{label} must be a dict with rows, cols and values")
    rows = integer(spec, "rows", default_side, f"{label} rows", 1, max_side)
    cols = integer(spec, "cols", default_side, f"{label} columns", 1, max_side)
    values = np.asarray(get(spec, "values", []), dtype=np.float64).ravel()
    if values.size != rows * cols:
        raise ValueError(f"{label} has {values.size} values for a {rows}×{cols} grid")
    if not np.all(np.isfinite(values)):
        bad = int(np.flatnonzero(~np.isfinite(values))[0])
        raise ValueError(f"{label} row {bad // cols + 1}, column {bad % cols + 1} is not a finite number")
    return values.reshape(rows, cols)


def result(meta: dict, arrays: dict | None = None) -> dict:
    """Package a result: float32, C-contiguous arrays (JS reads them as-is), keyed by name."""
    return {"meta": meta,
            "arrays": {name: np.ascontiguousarray(a, dtype=np.float32) for name, a in (arrays or {}).items()}}

