"""Two-dimensional loss surfaces for watching optimizers move: an elongated bowl and a
Rosenbrock-like curved valley, each with its exact gradient.

A point is an array p = (x, y) of shape (2,); grids (any shape) work through broadcasting
when x and y are passed as separate arrays to ``*_value``.
"""
import numpy as np

from .validation import as_float_array, lookup

BOWL_SCALES = (0.1, 2.0)   # f = (a x^2 + b y^2) / 2: curvature 20 times larger along y
VALLEY_STEEPNESS = 10.0    # Rosenbrock's constant (100 in the original; 10 keeps the valley visible)


def bowl_value(x, y):
    """f(x, y) = (a x^2 + b y^2) / 2 with (a, b) = BOWL_SCALES; minimum 0 at (0, 0)."""
    a, b = BOWL_SCALES
    return 0.5 * (a * x * x + b * y * y)


def bowl_gradient(p):
    """Gradient of the bowl at p (2,) -> (2,): (a x, b y)."""
    a, b = BOWL_SCALES
    return np.array([a * p[0], b * p[1]])


def valley_value(x, y):
    """f(x, y) = (1 - x)^2 + s (y - x^2)^2 with s = VALLEY_STEEPNESS; minimum 0 at (1, 1)."""
    return (1 - x) ** 2 + VALLEY_STEEPNESS * (y - x * x) ** 2


def valley_gradient(p):
    """Gradient of the valley at p (2,) -> (2,):
    (-2 (1 - x) - 4 s x (y - x^2),  2 s (y - x^2))."""
    x, y = p
    r = y - x * x
    return np.array([-2 * (1 - x) - 4 * VALLEY_STEEPNESS * x * r, 2 * VALLEY_STEEPNESS * r])


# name -> value(x, y), gradient(p), start point, minimum, plotting window (x0, x1, y0, y1)
SURFACES = {
    "bowl": dict(value=bowl_value, gradient=bowl_gradient, start=(-4.0, 1.5), minimum=(0.0, 0.0),
                 window=(-5.0, 2.0, -2.0, 2.0)),
    "valley": dict(value=valley_value, gradient=valley_gradient, start=(-1.5, 2.0), minimum=(1.0, 1.0),
                   window=(-2.0, 2.0, -1.0, 3.0)),
}


def get_surface(name):
    """The entry of ``SURFACES`` for a name, or an error listing the valid names."""
    return lookup(SURFACES, name, "surface")


def descend(surface, rule, lr, steps, start=None, max_norm=1e6, **hyper):
    """Follow an update rule on a surface from its start point.

    surface: a name in SURFACES; rule(param, grad, state, lr, **hyper) -> (param, state), e.g.
    ``optim.adam`` or a learner's own; steps: number of updates.
    Stops early when the point leaves the disc of radius ``max_norm`` or stops being finite.
    -> trajectory (T + 1, 2) with T <= steps, and True if it diverged.
    """
    s = get_surface(surface)
    p = as_float_array(s["start"] if start is None else start, "start", ndim=1)
    if p.shape != (2,):
        raise ValueError(f"start must be a point (x, y) of shape (2,), got shape {p.shape}")
    path, state = [p], None
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            p, state = rule(p, s["gradient"](p), state, lr, **hyper)
            if not np.all(np.isfinite(p)) or np.hypot(*p) > max_norm:
                return np.array(path), True
            path.append(p)
    return np.array(path), False
