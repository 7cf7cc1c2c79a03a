"""Losses: values by hand and the returned dlogits against the numerical gradient of the loss."""
import math

import numpy as np
import pytest

from helpers import GRAD_TOL
from mlp_lib.data import one_hot
from mlp_lib.gradcheck import numerical_gradient, rel_error
from mlp_lib.losses import LOSSES, binary_cross_entropy, mse, softmax_cross_entropy

N, C = 7, 4


def _case(kind, rng):
    """(loss function, logits, targets) for each kind of loss and target."""
    if kind == "mse":
        return mse, rng.standard_normal((N, 3)), rng.standard_normal((N, 3))
    if kind == "mse (N,) targets":
        return mse, rng.standard_normal((N, 1)), rng.standard_normal(N)
    if kind == "binary_cross_entropy":
        return binary_cross_entropy, 3 * rng.standard_normal((N, 1)), rng.integers(0, 2, N).astype(float)
    if kind == "binary_cross_entropy soft targets":
        return binary_cross_entropy, 3 * rng.standard_normal(N), rng.random(N)
    if kind == "softmax_cross_entropy int labels":
        return softmax_cross_entropy, 3 * rng.standard_normal((N, C)), rng.integers(0, C, N)
    if kind == "softmax_cross_entropy one-hot":
        return softmax_cross_entropy, 3 * rng.standard_normal((N, C)), one_hot(rng.integers(0, C, N), C)
    if kind == "softmax_cross_entropy probabilities":
        return softmax_cross_entropy, 3 * rng.standard_normal((N, C)), rng.dirichlet(np.ones(C), N)
    raise KeyError(kind)


KINDS = ["mse", "mse (N,) targets", "binary_cross_entropy", "binary_cross_entropy soft targets",
         "softmax_cross_entropy int labels", "softmax_cross_entropy one-hot",
         "softmax_cross_entropy probabilities"]


@pytest.mark.parametrize("kind", KINDS)
def test_dlogits_matches_numerical_gradient(kind):
    loss_fn, logits, y = _case(kind, np.random.default_rng(0))
    loss, dlogits = loss_fn(logits, y)
    assert isinstance(loss, float)
    assert dlogits.shape == logits.shape
    numeric = numerical_gradient(lambda: loss_fn(logits, y)[0], logits)
    assert rel_error(dlogits, numeric) < GRAD_TOL


def test_every_registered_loss_is_checked():
    assert {k.split()[0] for k in KINDS} == set(LOSSES)


def test_mse_by_hand():
    pred = np.array([[1.0, 2.0], [3.0, 4.0]])
    y = np.array([[0.0, 2.0], [5.0, 1.0]])
    loss, dpred = mse(pred, y)
    assert loss == pytest.approx((1 + 0 + 4 + 9) / 4)          # mean over all N*K entries
    np.testing.assert_allclose(dpred, 2 * (pred - y) / 4)


def test_binary_cross_entropy_by_hand():
    logits = np.array([0.0, 2.0, -1.0])
    y = np.array([1.0, 0.0, 0.0])
    s = [0.5, 1 / (1 + math.exp(-2)), 1 / (1 + math.exp(1))]
    expected = -(math.log(s[0]) + math.log(1 - s[1]) + math.log(1 - s[2])) / 3
    loss, dlogits = binary_cross_entropy(logits, y)
    assert loss == pytest.approx(expected, rel=1e-14)
    np.testing.assert_allclose(dlogits, (np.array(s) - y) / 3, rtol=1e-14)


def test_binary_cross_entropy_accepts_n_targets_for_n_by_1_logits():
    logits = np.array([[0.3], [-1.2], [2.0]])
    y = np.array([1, 0, 1])
    loss_a, d_a = binary_cross_entropy(logits, y)
    loss_b, d_b = binary_cross_entropy(logits, y[:, None].astype(float))
    assert loss_a == loss_b
    assert d_a.shape == logits.shape
    np.testing.assert_array_equal(d_a, d_b)


def test_softmax_cross_entropy_by_hand():
    # uniform logits: the loss is log C whatever the label
    loss, dlogits = softmax_cross_entropy(np.zeros((2, 4)), np.array([0, 3]))
    assert loss == pytest.approx(math.log(4), rel=1e-14)
    np.testing.assert_allclose(dlogits, [[-0.375, 0.125, 0.125, 0.125], [0.125, 0.125, 0.125, -0.375]])
    # exp(logits) = 1, 2, 5: p = 1/8, 2/8, 5/8
    logits = np.array([[0.0, math.log(2), math.log(5)]])
    loss, dlogits = softmax_cross_entropy(logits, np.array([1]))
    assert loss == pytest.approx(-math.log(2 / 8), rel=1e-14)
    np.testing.assert_allclose(dlogits, [[1 / 8, 2 / 8 - 1, 5 / 8]], rtol=1e-14)


def test_softmax_cross_entropy_int_labels_equal_one_hot():
    rng = np.random.default_rng(1)
    logits, labels = rng.standard_normal((N, C)), rng.integers(0, C, N)
    loss_int, d_int = softmax_cross_entropy(logits, labels)
    loss_hot, d_hot = softmax_cross_entropy(logits, one_hot(labels, C))
    assert loss_int == pytest.approx(loss_hot, rel=1e-14)
    np.testing.assert_allclose(d_int, d_hot, rtol=1e-14, atol=1e-17)


def test_losses_do_not_modify_their_inputs():
    rng = np.random.default_rng(2)
    for kind in KINDS:
        loss_fn, logits, y = _case(kind, rng)
        before = logits.copy(), np.array(y, copy=True)
        loss_fn(logits, y)
        np.testing.assert_array_equal(logits, before[0])
        np.testing.assert_array_equal(y, before[1])
