"""Small shared pieces of the core test suite: the gradient tolerance and random inputs."""

GRAD_TOL = 1e-7  # relative error allowed between analytic and numerical gradients (float64)


def away_from_zero(rng, shape, low=0.1, high=2.0):
    """Random float64 values with |x| in [low, high] and random signs: no ReLU kink, no zero."""
    return rng.uniform(low, high, size=shape) * rng.choice([-1.0, 1.0], size=shape)
