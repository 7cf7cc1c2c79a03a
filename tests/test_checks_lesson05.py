"""The checks of lesson 5 (softmax and cross-entropy): right answers written in several ways
pass, and typical mistakes, including the formulas that overflow or take log(0), fail with
the explanation that names them."""
import numpy as np
import pytest

from mlp_lib.checks import exercise_sets
from mlp_lib.checks.lesson05 import (BINARY_CROSS_ENTROPY, SOFTMAX, SOFTMAX_CROSS_ENTROPY,
                                     check_binary_cross_entropy, check_softmax, check_softmax_cross_entropy)


def stub(*args):
    raise NotImplementedError()


def test_the_set_is_registered_in_notebook_order():
    names = [e.name for e in exercise_sets()["05_softmax_cross_entropy"]]
    assert names == ["softmax", "softmax_cross_entropy", "binary_cross_entropy"]


@pytest.mark.parametrize("check", [check_softmax, check_softmax_cross_entropy, check_binary_cross_entropy])
def test_an_untouched_stub_is_not_implemented(check):
    result = check(stub)
    assert not result.passed and result.status == "not_implemented"


def test_references_agree_with_values_worked_by_hand():
    # softmax of (0, log 2, log 3) is (1, 2, 3) / 6, also shifted by 1000
    Z = np.log(np.array([[1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(SOFTMAX.reference(Z), [[1 / 6, 2 / 6, 3 / 6]], rtol=1e-12)
    np.testing.assert_allclose(SOFTMAX.reference(Z + 1000), [[1 / 6, 2 / 6, 3 / 6]], rtol=1e-12)
    # two samples, labels 2 and 0: loss = -(log 3/6 + log 1/6) / 2, dlogits = (P - Y) / 2
    loss, dZ = SOFTMAX_CROSS_ENTROPY.reference(np.vstack([Z, Z]), np.array([2, 0]))
    assert loss == pytest.approx(-(np.log(0.5) + np.log(1 / 6)) / 2, rel=1e-12)
    np.testing.assert_allclose(dZ, [[1 / 12, 2 / 12, -3 / 12], [-5 / 12, 2 / 12, 3 / 12]], rtol=1e-12)
    # z = 40 labelled 0 costs 40 (to 1e-17), z = 0 costs log 2; gradient (sigmoid(z) - y) / N
    loss, dz = BINARY_CROSS_ENTROPY.reference(np.array([40.0, 0.0]), np.array([0.0, 1.0]))
    assert loss == pytest.approx((40 + np.log(2)) / 2, rel=1e-12)
    np.testing.assert_allclose(dz, [0.5, -0.25], rtol=1e-12)


def test_every_check_has_a_case_where_naive_formulas_break():
    rng = np.random.default_rng(0)
    assert any(np.abs(c.args[0]).max() >= 1000 for c in SOFTMAX.make_cases(rng))
    assert any(np.abs(c.args[0]).max() >= 900 for c in SOFTMAX_CROSS_ENTROPY.make_cases(rng))
    assert any(np.abs(c.args[0]).max() >= 800 for c in BINARY_CROSS_ENTROPY.make_cases(rng))


# -- softmax --------------------------------------------------------------------------

def _softmax_in_place(Z):
    Z = Z.copy()                 # in place on a fresh array: the caller's logits stay as they were
    Z -= Z.max(axis=1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=1, keepdims=True)
    return Z


def _softmax_via_logsumexp(Z):
    m = Z.max(axis=1, keepdims=True)
    return np.exp(Z - m - np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True)))


def _softmax_loop(Z):
    rows = []
    for z in Z:
        e = np.exp(z - z.max())
        rows.append(e / e.sum())
    return np.array(rows)


RIGHT_SOFTMAX = {
    "keepdims": lambda Z: np.exp(Z - Z.max(axis=1, keepdims=True)) / np.exp(Z - Z.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True),
    "in place": _softmax_in_place,
    "via log-sum-exp": _softmax_via_logsumexp,
    "row by row": _softmax_loop,
    "in float64": lambda Z: _softmax_loop(Z.astype(np.float64)),
    "axis=-1 and [:, None]": lambda Z: (lambda E: E / E.sum(-1)[:, None])(np.exp(Z - Z.max(-1)[:, None])),
}


@pytest.mark.parametrize("fn", RIGHT_SOFTMAX.values(), ids=RIGHT_SOFTMAX.keys())
def test_softmax_accepts_right_answers(fn):
    result = check_softmax(fn)
    assert result.passed, result.message


def _softmax_global_max(Z):
    E = np.exp(Z - Z.max())
    return E / E.sum(axis=1, keepdims=True)


def _softmax_no_keepdims(Z):
    E = np.exp(Z - Z.max(axis=1))
    return E / E.sum(axis=1, keepdims=True)


WRONG_SOFTMAX = [
    (lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True), "exp overflows for large logits"),
    (lambda Z: np.exp(Z - Z.max(axis=0)) / np.exp(Z - Z.max(axis=0)).sum(axis=0), "the sum runs over the wrong axis"),
    (_softmax_global_max, "one maximum is subtracted for the whole batch"),
    (_softmax_no_keepdims, "keep it as a column of shape (N, 1), one value per row"),
    (lambda Z: Z - Z.max(axis=1, keepdims=True) - np.log(np.exp(Z - Z.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True)),
     "the result is the log-softmax"),
]


@pytest.mark.parametrize("fn, hint", WRONG_SOFTMAX)
def test_softmax_rejects_mistakes_with_their_hint(fn, hint):
    result = check_softmax(fn)
    assert not result.passed and hint in result.message, result.message


def test_softmax_names_an_overflow_in_float32_only():
    def float32_overflow(Z):      # right in float64, overflows when the logits come as float32
        if Z.dtype == np.float32:
            return np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
        return _softmax_loop(Z)
    result = check_softmax(float32_overflow)
    assert not result.passed and "float32" in result.message and "exp overflows" in result.message, result.message


# -- softmax_cross_entropy ----------------------------------------------------------------

def _ce_onehot(Z, y):
    N, C = Z.shape
    Y = np.eye(C)[y]
    m = Z.max(axis=1, keepdims=True)
    log_P = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    P = np.exp(log_P)
    return -np.sum(Y * log_P) / N, (P - Y) / N


def _ce_in_place(Z, y):
    N = len(Z)
    Z = Z.copy()
    Z -= Z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(Z).sum(axis=1))
    loss = float(np.mean(lse - Z[np.arange(N), y]))
    Z -= lse[:, None]
    np.exp(Z, out=Z)
    Z[np.arange(N), y] -= 1
    Z /= N
    return loss, Z


def _ce_logaddexp(Z, y):
    N = len(Z)
    lse = np.logaddexp.reduce(Z, axis=1)
    dZ = np.exp(Z - lse[:, None])
    dZ[np.arange(N), y] -= 1
    return np.mean(lse - Z[np.arange(N), y]), dZ / N


RIGHT_CE = {"one-hot matrix": _ce_onehot, "in place": _ce_in_place, "np.logaddexp": _ce_logaddexp,
            "float64 inside": lambda Z, y: _ce_onehot(Z.astype(np.float64), y)}


@pytest.mark.parametrize("fn", RIGHT_CE.values(), ids=RIGHT_CE.keys())
def test_softmax_cross_entropy_accepts_right_answers(fn):
    result = check_softmax_cross_entropy(fn)
    assert result.passed, result.message


def _stable_softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def _ce_from(probabilities, loss_factor=1.0, grad_factor=1.0, sign=1.0):
    """A learner's cross-entropy built on softmax probabilities, with optional slips."""
    def ce(Z, y):
        N = len(Z)
        P = probabilities(Z)
        loss = -np.mean(np.log(P[np.arange(N), y]))
        dZ = P.copy()
        dZ[np.arange(N), y] -= 1
        return loss * (N if loss_factor == "N" else 1), sign * dZ / (1 if grad_factor == "N" else N)
    return ce


def _ce_lse(loss_factor=1.0, grad_factor=1.0, sign=1.0):
    def ce(Z, y):
        N = len(Z)
        loss, dZ = _ce_onehot(Z, y)
        return loss * (N if loss_factor == "N" else 1), sign * dZ * (N if grad_factor == "N" else 1)
    return ce


WRONG_CE = [
    (_ce_from(lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)), "exp overflows for large logits"),
    (_ce_from(_stable_softmax), "takes the log of softmax probabilities"),
    (_ce_lse(grad_factor="N"), "the gradient is N times too large"),
    (_ce_lse(loss_factor="N", grad_factor="N"), "sums over the batch, not means"),
    (_ce_lse(sign=-1.0), "the gradient has the wrong sign"),
    (lambda Z, y: (_ce_onehot(Z, y)[0], _stable_softmax(Z) / len(Z)), "missing the one-hot labels"),
    (lambda Z, y: (-np.mean(np.log(_stable_softmax(Z))[:, y]), _ce_onehot(Z, y)[1]), "whole columns"),
]


@pytest.mark.parametrize("fn, hint", WRONG_CE)
def test_softmax_cross_entropy_rejects_mistakes_with_their_hint(fn, hint):
    with np.errstate(divide="ignore"):
        result = check_softmax_cross_entropy(fn)
    assert not result.passed and hint in result.message, result.message


def test_softmax_cross_entropy_reports_an_infinite_loss_as_infinite():
    with np.errstate(divide="ignore"):
        result = check_softmax_cross_entropy(_ce_from(_stable_softmax))
    assert "inf" in result.message and "confidently wrong" in result.message, result.message


# -- binary_cross_entropy ----------------------------------------------------------------

def _bce_logaddexp(z, y):
    return np.mean(np.logaddexp(0, z) - z * y), (0.5 * (1 + np.tanh(z / 2)) - y) / len(z)


def _bce_where(z, y):
    # both branches are evaluated, so silence the harmless overflow in the unused one
    with np.errstate(over="ignore"):
        softplus_minus = np.where(z >= 0, np.log1p(np.exp(-z)), -z + np.log1p(np.exp(z)))
        p = np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))
    return np.mean(softplus_minus + (1 - y) * z), (p - y) / len(z)


def _bce_in_place(z, y):
    N = len(z)
    loss = float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))
    e = np.exp(-np.abs(z))
    p = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    dz = np.empty_like(z)
    dz[...] = (p - y) / N
    return loss, dz


RIGHT_BCE = {"logaddexp": _bce_logaddexp, "np.where on both branches": _bce_where, "in place": _bce_in_place,
             "float64 inside": lambda z, y: _bce_logaddexp(z.astype(np.float64), y.astype(np.float64))}


@pytest.mark.parametrize("fn", RIGHT_BCE.values(), ids=RIGHT_BCE.keys())
def test_binary_cross_entropy_accepts_right_answers(fn):
    result = check_binary_cross_entropy(fn)
    assert result.passed, result.message


def _naive_sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _stable_sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _bce_from_probabilities(z, y):
    p = _stable_sigmoid(z)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), (p - y) / len(z)


def _bce_naive_softplus(z, y):
    return np.mean((1 - y) * z + np.log(1 + np.exp(-z))), (_naive_sigmoid(z) - y) / len(z)


WRONG_BCE = [
    (_bce_from_probabilities, "the loss is computed from sigmoid probabilities"),
    (_bce_naive_softplus, "exp(-z) overflows"),
    (lambda z, y: (_bce_logaddexp(z, y)[0], (_naive_sigmoid(z) - y) / len(z)), "exp(-z) overflows"),
    (lambda z, y: (_bce_logaddexp(z, y)[0], _bce_logaddexp(z, y)[1] * len(z)), "the gradient is N times too large"),
    (lambda z, y: (_bce_logaddexp(z, y)[0], -_bce_logaddexp(z, y)[1]), "the gradient has the wrong sign"),
    (lambda z, y: (_bce_logaddexp(z, y)[0], _bce_logaddexp(z, y)[1] * _stable_sigmoid(z) * (1 - _stable_sigmoid(z))),
     "extra factor sigmoid'(z)"),
    (lambda z, y: (-_bce_logaddexp(z, y)[0], _bce_logaddexp(z, y)[1]), "the loss has the wrong sign"),
]


@pytest.mark.parametrize("fn, hint", WRONG_BCE)
def test_binary_cross_entropy_rejects_mistakes_with_their_hint(fn, hint):
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        result = check_binary_cross_entropy(fn)
    assert not result.passed and hint in result.message, result.message
