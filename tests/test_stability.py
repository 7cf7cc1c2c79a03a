"""Numerical stability: inputs of +-1e4 give finite, correct values with floating-point errors raised."""
import numpy as np
import pytest

from mlp_lib.activations import ACTIVATIONS, log_softmax, sigmoid, sigmoid_prime, softmax
from mlp_lib.losses import binary_cross_entropy, softmax_cross_entropy
from mlp_lib.model import MLP

BIG = 1e4


@pytest.fixture(autouse=True)
def raise_on_floating_point_errors():
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        yield


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_limits(dtype):
    z = np.array([-BIG, -50.0, 0.0, 50.0, BIG], dtype=dtype)
    s = sigmoid(z)
    assert s.dtype == dtype
    np.testing.assert_allclose(s, [0.0, np.exp(-50.0), 0.5, 1.0, 1.0], rtol=1e-6, atol=0)
    np.testing.assert_allclose(sigmoid_prime(z)[[0, 2, 4]], [0.0, 0.25, 0.0])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_activation_and_derivative_finite(name):
    f, f_prime = ACTIVATIONS[name]
    z = np.array([-BIG, -1.0, 1.0, BIG])
    assert np.all(np.isfinite(f(z))) and np.all(np.isfinite(f_prime(z)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_and_log_softmax_limits(dtype):
    z = np.array([[BIG, -BIG, 0.0], [BIG, BIG, -BIG], [-BIG, -BIG, -BIG]], dtype=dtype)
    p = softmax(z)
    np.testing.assert_allclose(p, [[1, 0, 0], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)
    log_p = log_softmax(z)
    assert np.all(np.isfinite(log_p))
    np.testing.assert_allclose(log_p[0], [0.0, -2 * BIG, -BIG], rtol=1e-6)
    np.testing.assert_allclose(log_p[1], [-np.log(2), -np.log(2), -2 * BIG - np.log(2)], rtol=1e-6)


@pytest.mark.parametrize("z, y, loss, dz", [
    (BIG, 1.0, 0.0, 0.0),          # confident and right
    (BIG, 0.0, BIG, 1.0),          # confident and wrong: loss ~ z, gradient sigmoid(z) - y = 1
    (-BIG, 1.0, BIG, -1.0),
    (-BIG, 0.0, 0.0, 0.0),
])
def test_binary_cross_entropy_limits(z, y, loss, dz):
    value, dlogits = binary_cross_entropy(np.array([[z]]), np.array([y]))
    assert value == pytest.approx(loss, abs=1e-12)
    np.testing.assert_allclose(dlogits, [[dz]], atol=1e-12)


@pytest.mark.parametrize("label, loss, grad", [
    (0, 0.0, [0.0, 0.0, 0.0]),
    (1, 2 * BIG, [1.0, -1.0, 0.0]),
    (2, BIG, [1.0, 0.0, -1.0]),
])
@pytest.mark.parametrize("one_hot", [False, True], ids=["labels", "one-hot"])
def test_softmax_cross_entropy_limits(label, loss, grad, one_hot):
    logits = np.array([[BIG, -BIG, 0.0]])
    y = np.eye(3)[[label]] if one_hot else np.array([label])
    value, dlogits = softmax_cross_entropy(logits, y)
    assert np.isfinite(value) and value == pytest.approx(loss, abs=1e-9)
    np.testing.assert_allclose(dlogits, [grad], atol=1e-12)


@pytest.mark.parametrize("loss, C, y", [("softmax_cross_entropy", 3, [0, 2]),
                                        ("binary_cross_entropy", 1, [1.0, 0.0])])
def test_model_with_huge_outputs_stays_finite(loss, C, y):
    model = MLP([2, C], loss=loss)
    model.params["W1"] = np.full((2, C), BIG / 2) * np.array([1.0, -1.0, 0.5])[:C]
    X = np.array([[1.0, 1.0], [-1.0, -1.0]])
    value, grads = model.loss(X, y)
    assert np.isfinite(value) and all(np.all(np.isfinite(g)) for g in grads.values())
    probabilities = model.predict_proba(X)
    assert np.all(np.isfinite(probabilities)) and np.all((probabilities >= 0) & (probabilities <= 1))
