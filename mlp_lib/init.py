"""Weight initializers: each takes (fan_in, fan_out, rng) and returns W of shape (fan_in, fan_out).

Biases start at zero. ``zeros`` is here to show the symmetry problem: every hidden
unit then computes, and learns, the same thing.
"""
import numpy as np

from .validation import INITIALIZER, NONNEG, checked, lookup


@checked(**INITIALIZER)
def zeros(fan_in, fan_out, rng):
    """All-zero weights (D, M): the symmetry problem made visible."""
    return np.zeros((fan_in, fan_out))


@checked(**INITIALIZER, scale=NONNEG)
def normal(fan_in, fan_out, rng, scale=0.01):
    """Normal weights with a fixed standard deviation ``scale``. -> (D, M)."""
    return scale * rng.standard_normal((fan_in, fan_out))


@checked(**INITIALIZER)
def xavier_uniform(fan_in, fan_out, rng):
    """Glorot/Xavier uniform: U(-a, a) with a = sqrt(6 / (fan_in + fan_out)). -> (D, M)."""
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))


@checked(**INITIALIZER)
def xavier_normal(fan_in, fan_out, rng):
    """Glorot/Xavier normal: std sqrt(2 / (fan_in + fan_out)). -> (D, M)."""
    return np.sqrt(2.0 / (fan_in + fan_out)) * rng.standard_normal((fan_in, fan_out))


@checked(**INITIALIZER)
def he_uniform(fan_in, fan_out, rng):
    """He/Kaiming uniform, for ReLU: U(-a, a) with a = sqrt(6 / fan_in). -> (D, M)."""
    a = np.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=(fan_in, fan_out))


@checked(**INITIALIZER)
def he_normal(fan_in, fan_out, rng):
    """He/Kaiming normal, for ReLU: std sqrt(2 / fan_in). -> (D, M)."""
    return np.sqrt(2.0 / fan_in) * rng.standard_normal((fan_in, fan_out))


INITIALIZERS = {
    "zeros": zeros,
    "normal": normal,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
}


def get_initializer(init):
    """Return the initializer for a name in ``INITIALIZERS`` or a given function."""
    return init if callable(init) else lookup(INITIALIZERS, init, "initializer")
