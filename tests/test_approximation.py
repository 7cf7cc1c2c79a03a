"""The hand-set bump network of lesson 2: its shapes, what it computes, and how its error falls with k."""
import numpy as np
import pytest

from mlp_lib import MLP
from mlp_lib.approximation import bump_params


def bump_network(f, k, interval, sharpness=20.0):
    net = MLP([1, 2 * k, 1], activation="sigmoid", loss="mse", seed=0)
    net.params = bump_params(f, k, interval, sharpness)
    return lambda x: net.forward(np.asarray(x, dtype=float).reshape(-1, 1)).ravel()


@pytest.mark.parametrize("k", [2, 5, 40])
def test_shapes_are_those_of_an_mlp_with_2k_hidden_units(k):
    params = bump_params(np.cos, k, (0.0, 1.0))
    reference = MLP([1, 2 * k, 1], activation="sigmoid", loss="mse").params
    assert {name: p.shape for name, p in params.items()} == {name: p.shape for name, p in reference.items()}


def test_a_constant_is_one_wide_bump():
    # the bumps of f = 1 telescope: sigma(s(x - t_0)) - sigma(s(x - t_k)) is 1 well inside [t_0, t_k]
    g = bump_network(np.ones_like, 10, (-2.0, 3.0))
    np.testing.assert_allclose(g(np.linspace(-2, 3, 101)), 1.0, atol=1e-4)
    np.testing.assert_allclose(g([-10.0, 10.0]), 0.0, atol=1e-6)     # and 0 far outside


def test_each_bump_is_the_difference_of_two_sigmoid_units():
    params = bump_params(lambda x: 1 + x ** 2, 4, (0.0, 3.0), sharpness=20.0)     # centres 0, 1, 2, 3
    W1, b1, W2 = params["W1"].ravel(), params["b1"], params["W2"].ravel()
    np.testing.assert_allclose(W1, 20.0)                             # slope s = sharpness / spacing 1
    np.testing.assert_allclose(-b1 / W1, [-0.5, 0.5, 0.5, 1.5, 1.5, 2.5, 2.5, 3.5])   # edges c_j -+ 1/2
    np.testing.assert_allclose(W2, [1, -1, 2, -2, 5, -5, 10, -10])   # +f(c_j) on the rise, -f(c_j) on the fall
    assert params["b2"].tolist() == [0.0]


def test_the_network_passes_through_f_at_the_centres():
    f = lambda x: np.sin(3 * x) + x
    centres = np.linspace(-1.0, 2.0, 7)
    np.testing.assert_allclose(bump_network(f, 7, (-1.0, 2.0))(centres), f(centres), atol=1e-3)


def test_error_is_bounded_by_the_slope_times_the_spacing_and_falls_like_1_over_k():
    f, slope = (lambda x: np.sin(2 * x) + 0.3 * x), 2.3          # |f'| <= 2 + 0.3
    x = np.linspace(-3, 3, 3001)
    errors = {}
    for k in (8, 16, 32, 64):
        errors[k] = np.max(np.abs(bump_network(f, k, (-3.0, 3.0))(x) - f(x)))
        # between two centres the output is (up to sigmoid tails) a mix of their heights
        assert errors[k] <= slope * 6 / (k - 1) + 1e-3
    for k in (8, 16, 32):
        assert 1.6 < errors[k] / errors[2 * k] < 2.5                 # doubling k about halves the error


def test_blurred_bumps_miss_the_ends_of_the_interval():
    f = lambda x: np.ones_like(x)
    sharp, blurred = bump_network(f, 20, (0.0, 1.0), 20.0), bump_network(f, 20, (0.0, 1.0), 1.0)
    assert abs(sharp(0.0)[0] - 1) < 1e-3 and blurred(0.0)[0] < 0.8


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(f=np.sin, k=1), ValueError, "k must be an integer"),
    (dict(f=np.sin, k=2.5), TypeError, "k must be an integer"),
    (dict(f="sin", k=4), TypeError, "f must be a function"),
    (dict(f=np.sin, k=4, interval=(1.0, 1.0)), ValueError, "lo < hi"),
    (dict(f=np.sin, k=4, interval=(0.0, np.inf)), ValueError, "interval"),
    (dict(f=np.sin, k=4, interval=3.0), TypeError, "pair"),
    (dict(f=np.sin, k=4, sharpness=0.0), ValueError, "sharpness"),
    (dict(f=lambda x: np.sum(x), k=4), ValueError, r"shape \(4,\)"),
    (dict(f=lambda x: x / 0, k=4), ValueError, "NaN or infinite"),
])
def test_bad_input_is_refused_with_a_clear_message(kwargs, error, words):
    with pytest.raises(error, match=words):
        with np.errstate(divide="ignore", invalid="ignore"):
            bump_params(**kwargs)
