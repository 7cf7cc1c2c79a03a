"""Input validation shared by the public entry points.

Every function raises ``TypeError`` or ``ValueError`` with a message that names
what was expected and what was given, so that a learner never meets a silent
wrong answer or a traceback from deep inside NumPy.
"""
import math
import numbers

import numpy as np


def as_float_array(x, name, ndim=None, dtype=None):
    """Return ``x`` as a finite floating-point array, or raise.

    x: array-like; name: how the argument is called in messages;
    ndim: an int or a tuple of allowed numbers of dimensions.
    """
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be an array of numbers, got {type(x).__name__}")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of numbers: {exc}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be an array of numbers, got dtype {arr.dtype}")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    elif not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}, got an array of shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s); expected finite numbers")
    return arr


def check_same_length(X, y, x_name="X", y_name="y"):
    """Raise unless ``X`` and ``y`` have the same number of samples (rows)."""
    if len(X) != len(y):
        raise ValueError(
            f"{x_name} and {y_name} must have the same number of samples: "
            f"{x_name} has {len(X)} rows, {y_name} has {len(y)}"
        )


def as_labels(y, C, name="y"):
    """Return integer class labels of shape (N,) checked to lie in ``0..C-1``."""
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D integer labels of shape (N,), got shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.number) and not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinite values; expected integer class labels 0..{C - 1}")
        if not np.issubdtype(arr.dtype, np.number) or not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must hold integer class labels 0..{C - 1}, got dtype {arr.dtype}")
    arr = arr.astype(np.intp)
    if arr.size and (arr.min() < 0 or arr.max() >= C):
        raise ValueError(
            f"{name} must hold class labels in 0..{C - 1} (C={C}), "
            f"got values from {arr.min()} to {arr.max()}"
        )
    return arr


def check_positive(value, name, integer=False):
    """Raise unless ``value`` is a positive (integer, if asked) number."""
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        want = "a positive integer" if integer else "a positive number"
        raise TypeError(f"{name} must be {want}, got {value!r} ({type(value).__name__})")
    if not np.isfinite(value) or value <= 0:
        want = "a positive integer" if integer else "a positive number"
        raise ValueError(f"{name} must be {want}, got {value!r}")
    return value


def check_probability(value, name, high_inclusive=False):
    """Raise unless ``0 <= value < 1`` (``<= 1`` if ``high_inclusive``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in [0, 1), got {value!r}")
    ok = 0 <= value <= 1 if high_inclusive else 0 <= value < 1
    if not ok:
        interval = "[0, 1]" if high_inclusive else "[0, 1)"
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return float(value)


def lookup(registry, name, kind):
    """Return ``registry[name]``; an unknown name raises listing the valid ones."""
    if not isinstance(name, str):
        raise TypeError(f"{kind} must be a name (one of {sorted(registry)}) or a function, got {name!r}")
    try:
        return registry[name]
    except KeyError:
        raise ValueError(f"unknown {kind} {name!r}; valid names are: {', '.join(sorted(registry))}") from None


def as_rng(rng):
    """Return a ``np.random.Generator`` from a Generator, an int seed or None (seed 0)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng(0)
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(f"rng must be a numpy Generator or an int seed, got {type(rng).__name__}")


def check_nonnegative(value, name):
    """Raise unless ``value`` is a finite real number >= 0 (a learning rate of 0, an L2 strength of 0);
    return it as a float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number >= 0, got {value!r} ({type(value).__name__})")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)
