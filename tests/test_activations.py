"""Activations: values at known points, derivatives against centred differences, softmax."""
import math

import numpy as np
import pytest

from helpers import GRAD_TOL, away_from_zero
from mlp_lib.activations import (ACTIVATIONS, get_activation, leaky_relu, leaky_relu_prime, log_softmax,
                                 relu, relu_prime, sigmoid, softmax)
from mlp_lib.gradcheck import numerical_gradient_array, rel_error

# (name, z, expected f(z), expected f'(z)), written from the definitions
KNOWN_VALUES = [
    ("sigmoid", [0.0, 2.0, -2.0],
     [0.5, 1 / (1 + math.exp(-2)), 1 / (1 + math.exp(2))],
     [0.25, math.exp(-2) / (1 + math.exp(-2)) ** 2, math.exp(-2) / (1 + math.exp(-2)) ** 2]),
    ("tanh", [0.0, 1.0, -0.5],
     [0.0, math.tanh(1.0), math.tanh(-0.5)],
     [1.0, 1 / math.cosh(1.0) ** 2, 1 / math.cosh(0.5) ** 2]),
    ("relu", [-2.0, -0.5, 0.5, 3.0], [0.0, 0.0, 0.5, 3.0], [0.0, 0.0, 1.0, 1.0]),
    ("leaky_relu", [-2.0, -0.5, 0.5, 3.0], [-0.02, -0.005, 0.5, 3.0], [0.01, 0.01, 1.0, 1.0]),
    ("identity", [-2.0, 0.0, 3.0], [-2.0, 0.0, 3.0], [1.0, 1.0, 1.0]),
]


@pytest.mark.parametrize("name, z, f_expected, fp_expected", KNOWN_VALUES, ids=[k[0] for k in KNOWN_VALUES])
def test_values_and_derivatives_at_known_points(name, z, f_expected, fp_expected):
    f, f_prime = ACTIVATIONS[name]
    z = np.array(z)
    np.testing.assert_allclose(f(z), f_expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(f_prime(z), fp_expected, rtol=1e-12, atol=1e-15)


def test_known_values_cover_every_activation():
    assert {k[0] for k in KNOWN_VALUES} == set(ACTIVATIONS)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_matches_numerical_gradient(name):
    """f_prime(z) is the derivative with respect to z: compare elementwise with centred differences."""
    f, f_prime = ACTIVATIONS[name]
    rng = np.random.default_rng(1)
    z = away_from_zero(rng, (6, 5), high=3.0)
    dout = rng.standard_normal(z.shape)
    numeric = numerical_gradient_array(lambda: f(z), z, dout)
    assert rel_error(f_prime(z) * dout, numeric) < GRAD_TOL


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shape_and_dtype_are_kept(name, dtype):
    f, f_prime = ACTIVATIONS[name]
    z = np.linspace(-3, 3, 12, dtype=dtype).reshape(3, 4)
    for out in (f(z), f_prime(z)):
        assert out.shape == z.shape
        assert out.dtype == dtype


def test_sigmoid_is_symmetric_and_bounded():
    z = np.linspace(-30, 30, 61)
    s = sigmoid(z)
    np.testing.assert_allclose(s + sigmoid(-z), 1.0, rtol=0, atol=1e-15)
    assert np.all((s >= 0) & (s <= 1))


def test_relu_derivative_is_zero_at_the_kink():
    assert relu_prime(np.array([0.0]))[0] == 0.0
    assert relu(np.array([0.0]))[0] == 0.0


def test_leaky_relu_slope_is_a_parameter():
    z = np.array([-4.0, 2.0])
    np.testing.assert_allclose(leaky_relu(z, alpha=0.2), [-0.8, 2.0])
    np.testing.assert_allclose(leaky_relu_prime(z, alpha=0.2), [0.2, 1.0])


def test_softmax_by_hand():
    z = np.array([[0.0, math.log(2.0), math.log(5.0)]])   # exp: 1, 2, 5 -> total 8
    np.testing.assert_allclose(softmax(z), [[1 / 8, 2 / 8, 5 / 8]], rtol=1e-14)
    np.testing.assert_allclose(log_softmax(z), np.log([[1 / 8, 2 / 8, 5 / 8]]), rtol=1e-14)


def test_softmax_rows_sum_to_one_and_shift_invariance():
    rng = np.random.default_rng(2)
    z = 3 * rng.standard_normal((5, 4))
    p = softmax(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(softmax(z + 100.0), p, rtol=1e-12)
    np.testing.assert_allclose(log_softmax(z), np.log(p), rtol=1e-12)


def test_softmax_axis_argument():
    z = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(softmax(z, axis=0), softmax(z.T, axis=1).T, rtol=1e-14)


def test_get_activation_by_name_and_by_pair():
    assert get_activation("relu") is ACTIVATIONS["relu"]
    pair = (np.sin, np.cos)
    assert get_activation(pair) is pair
    with pytest.raises(TypeError, match=r"\(f, f_prime\)"):
        get_activation((np.sin,))
    with pytest.raises(TypeError, match=r"\(f, f_prime\)"):
        get_activation((np.sin, "cos"))
