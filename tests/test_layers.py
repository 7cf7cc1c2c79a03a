"""Layers: every backward pass against centred differences (float64), plus forward values by hand."""
import numpy as np
import pytest

from helpers import GRAD_TOL, away_from_zero
from mlp_lib.activations import ACTIVATIONS
from mlp_lib.gradcheck import numerical_gradient_array, rel_error
from mlp_lib.layers import (activation_backward, activation_forward, affine_backward, affine_forward,
                            batchnorm_backward, batchnorm_forward, dropout_backward, dropout_forward)

N, D, M = 6, 4, 5


def check_layer(forward, backward, inputs, seed=0):
    """Backward of ``forward(*inputs)`` for a random upstream gradient against the numerical one.

    forward: function of the arrays in ``inputs`` returning (out, cache); backward(dout, cache)
    returns one gradient per input (a lone array for one input). -> list of relative errors.
    """
    out, cache = forward(*inputs)
    dout = np.random.default_rng(seed).standard_normal(out.shape)
    analytic = backward(dout, cache)
    analytic = analytic if isinstance(analytic, tuple) else (analytic,)
    assert len(analytic) == len(inputs)
    errors = []
    for x, grad in zip(inputs, analytic):
        assert grad.shape == x.shape
        numeric = numerical_gradient_array(lambda: forward(*inputs)[0], x, dout)
        errors.append(rel_error(grad, numeric))
    return errors


def test_affine_forward_by_hand():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    W = np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 1.0]])
    b = np.array([0.1, 0.2, 0.3])
    z, _ = affine_forward(X, W, b)
    np.testing.assert_allclose(z, [[2.1, 4.2, 1.3], [5.1, 8.2, 1.3]], rtol=1e-14)


@pytest.mark.parametrize("shape", [(N, D, M), (1, 3, 2), (7, 1, 1)])
def test_affine_backward(shape):
    n, d, m = shape
    rng = np.random.default_rng(0)
    X, W, b = rng.standard_normal((n, d)), rng.standard_normal((d, m)), rng.standard_normal(m)
    errors = check_layer(affine_forward, affine_backward, [X, W, b])
    assert max(errors) < GRAD_TOL, errors


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_pair_backward(name):
    rng = np.random.default_rng(1)
    z = away_from_zero(rng, (N, M), high=3.0)
    pair = ACTIVATIONS[name]
    errors = check_layer(lambda z_: activation_forward(z_, pair), activation_backward, [z])
    assert max(errors) < GRAD_TOL, errors


def test_activation_forward_applies_f():
    z = np.array([[-1.0, 2.0]])
    a, _ = activation_forward(z, ACTIVATIONS["relu"])
    np.testing.assert_array_equal(a, [[0.0, 2.0]])


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_dropout_backward_with_fixed_mask(p):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((N, M))
    mask = rng.random((N, M)) >= p
    errors = check_layer(lambda X_: dropout_forward(X_, p, mask=mask), dropout_backward, [X])
    assert max(errors) < GRAD_TOL, errors


def test_dropout_forward_by_hand():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    mask = np.array([[1, 0], [0, 1]])
    out, _ = dropout_forward(X, 0.5, mask=mask)
    np.testing.assert_allclose(out, [[2.0, 0.0], [0.0, 8.0]])   # kept units scaled by 1 / (1 - 0.5)


def test_dropout_is_identity_in_evaluation_and_for_p0():
    X = np.random.default_rng(3).standard_normal((N, M))
    for out, cache in (dropout_forward(X, 0.5, train=False), dropout_forward(X, 0.0, np.random.default_rng(0))):
        np.testing.assert_array_equal(out, X)
        np.testing.assert_array_equal(dropout_backward(X, cache), X)


def test_dropout_drops_about_p_and_keeps_the_mean():
    X = np.ones((400, 250))
    out, _ = dropout_forward(X, 0.3, np.random.default_rng(4))
    assert abs(np.mean(out == 0) - 0.3) < 0.01
    assert abs(out.mean() - 1.0) < 0.02   # inverted dropout: expectation unchanged


def test_dropout_needs_a_generator_or_a_mask():
    with pytest.raises(ValueError, match="rng"):
        dropout_forward(np.ones((2, 2)), 0.5)


def _bn_inputs(seed):
    rng = np.random.default_rng(seed)
    X = 2.0 * rng.standard_normal((N, M)) + 1.0
    gamma, beta = away_from_zero(rng, M), rng.standard_normal(M)
    running = {"mean": rng.standard_normal(M), "var": rng.uniform(0.5, 2.0, M)}
    return X, gamma, beta, running


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
def test_batchnorm_backward(train):
    X, gamma, beta, running = _bn_inputs(5)

    def forward(X_, gamma_, beta_):
        out, cache, _ = batchnorm_forward(X_, gamma_, beta_, running, train=train)
        return out, cache

    errors = check_layer(forward, batchnorm_backward, [X, gamma, beta])
    assert max(errors) < GRAD_TOL, errors


def test_batchnorm_train_normalizes_with_batch_statistics():
    X, _, _, running = _bn_inputs(6)
    out, _, new = batchnorm_forward(X, np.ones(M), np.zeros(M), running, train=True, momentum=0.1, eps=0.0)
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), 1.0, rtol=1e-12)
    # running statistics: (1 - momentum) * old + momentum * batch, with the unbiased batch variance
    var_unbiased = np.sum((X - X.mean(axis=0)) ** 2, axis=0) / (N - 1)
    np.testing.assert_allclose(new["mean"], 0.9 * running["mean"] + 0.1 * X.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(new["var"], 0.9 * running["var"] + 0.1 * var_unbiased, rtol=1e-13)


def test_batchnorm_eval_uses_running_statistics_and_leaves_them():
    X, gamma, beta, running = _bn_inputs(7)
    out, _, new = batchnorm_forward(X, gamma, beta, running, train=False, eps=1e-5)
    expected = gamma * (X - running["mean"]) / np.sqrt(running["var"] + 1e-5) + beta
    np.testing.assert_allclose(out, expected, rtol=1e-13)
    np.testing.assert_array_equal(new["mean"], running["mean"])
    np.testing.assert_array_equal(new["var"], running["var"])


def test_batchnorm_does_not_modify_its_running_dict():
    X, gamma, beta, running = _bn_inputs(8)
    before = {k: v.copy() for k, v in running.items()}
    batchnorm_forward(X, gamma, beta, running, train=True)
    for k in before:
        np.testing.assert_array_equal(running[k], before[k])
