"""Universal approximation by hand: a one-hidden-layer sigmoid network whose weights are set, not trained.

Two steep sigmoid units with the same slope s and edges t < t' make a bump,
sigma(s (x - t)) - sigma(s (x - t')), close to 1 between t and t' and close to 0 elsewhere.
A sum of k bumps of heights f(c_1), ..., f(c_k) is a staircase that follows f; it is a
[1, 2k, 1] network with sigmoid hidden units and no output activation.
"""
import numpy as np

from .validation import FUNCTION, POSITIVE, as_float_array, check_real, checked, custom, real


def _interval(value, name):
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be a pair (lo, hi) of numbers, got {value!r}")
    lo, hi = (check_real(v, f"{name}[{i}]") for i, v in enumerate(value))
    if not lo < hi:
        raise ValueError(f"{name} must be a pair (lo, hi) with lo < hi, got ({lo}, {hi})")
    return lo, hi


@checked(f=FUNCTION, k=real(2, 100_000, integer=True),
         interval=custom(_interval, "a pair (lo, hi)"), sharpness=POSITIVE)
def bump_params(f, k, interval=(-1.0, 1.0), sharpness=20.0):
    """Weights of a [1, 2k, 1] sigmoid network that draws k bumps following f on ``interval``.

    The bump centres c_j are k evenly spaced points from lo to hi (spacing w = (hi - lo) / (k - 1));
    bump j rises at c_j - w/2 and falls at c_j + w/2, with slope s = sharpness / w, and has
    height f(c_j). Hidden units 2j and 2j + 1 are the rising and the falling edge of bump j.

    f: maps an array (k,) to an array (k,); k: number of bumps, >= 2; sharpness: s * w, how
    sharp an edge is measured in bump widths (20: each edge goes from 0 to 1 within a tenth
    of a bump, 1: the bumps blur into each other).
    -> params {"W1": (1, 2k), "b1": (2k,), "W2": (2k, 1), "b2": (1,)}, the keys and shapes of
    ``MLP([1, 2 * k, 1], activation="sigmoid", loss="mse").params``.
    """
    lo, hi = interval
    k = int(k)
    width = (hi - lo) / (k - 1)
    centres = np.linspace(lo, hi, k)                                # (k,)
    heights = as_float_array(f(centres), "f(centres)")
    if heights.shape != (k,):
        raise ValueError(f"f must return one value per point: f of an array of shape ({k},) must have shape "
                         f"({k},), got {heights.shape}")
    slope = sharpness / width
    edges = np.column_stack([centres - width / 2, centres + width / 2]).ravel()     # (2k,): rise, fall, rise, ...
    return {"W1": np.full((1, 2 * k), slope),
            "b1": -slope * edges,
            "W2": np.column_stack([heights, -heights]).reshape(2 * k, 1),          # +h_j on the rise, -h_j on the fall
            "b2": np.zeros(1)}
