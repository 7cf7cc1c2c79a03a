"""The numerical gradient checker itself: known derivatives, restored inputs, relative error."""
import numpy as np
import pytest

from mlp_lib.gradcheck import numerical_gradient, numerical_gradient_array, rel_error


def test_numerical_gradient_of_known_functions():
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]])
    np.testing.assert_allclose(numerical_gradient(lambda: float(np.sum(x ** 2)), x), 2 * x, rtol=1e-9)
    np.testing.assert_allclose(numerical_gradient(lambda: float(np.sum(np.sin(x))), x), np.cos(x), rtol=1e-8)
    # cross terms: f = x0 * x1 * x2 for the first row
    row = x[0]
    grad = numerical_gradient(lambda: float(row[0] * row[1] * row[2]), row)
    np.testing.assert_allclose(grad, [row[1] * row[2], row[0] * row[2], row[0] * row[1]], rtol=1e-9)


def test_centred_difference_error_is_second_order():
    """For exp at 0 the centred difference is (e^h - e^-h) / 2h = 1 + h^2/6 + ..."""
    x = np.array([0.0])
    for h in (1e-2, 1e-3):
        grad = numerical_gradient(lambda: float(np.exp(x[0])), x, h=h)
        assert grad[0] - 1 == pytest.approx(h * h / 6, rel=1e-3)


def test_input_is_restored():
    x = np.random.default_rng(0).standard_normal((3, 4))
    before = x.copy()
    numerical_gradient(lambda: float(np.sum(x ** 3)), x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_array_is_a_vector_jacobian_product():
    rng = np.random.default_rng(1)
    x, A, dout = rng.standard_normal(4), rng.standard_normal((3, 4)), rng.standard_normal(3)
    np.testing.assert_allclose(numerical_gradient_array(lambda: A @ x, x, dout), A.T @ dout, rtol=1e-9)


def test_rel_error():
    a = np.array([1.0, 2.0, 3.0])
    assert rel_error(a, a) == 0.0
    assert rel_error(a, -a) == pytest.approx(1.0)
    assert rel_error(a, 2 * a) == pytest.approx(1 / 3)
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(a, a + 1e-9) < 1e-9
