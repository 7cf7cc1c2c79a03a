"""The checks of lesson 7 (mini-batches, dropout, L2, batch norm): right answers written in
several ways pass, and typical mistakes fail with the explanation that names them."""
import numpy as np
import pytest

from mlp_lib.checks import exercise_sets
from mlp_lib.checks.lesson07 import (add_l2_reference, batchnorm_backward_reference, batchnorm_forward_reference,
                                     check_add_l2, check_batchnorm_backward, check_batchnorm_forward,
                                     check_clip_gradients, check_dropout_backward, check_dropout_forward,
                                     check_minibatches, check_random_search, clip_gradients_reference,
                                     dropout_forward_reference)
from mlp_lib.checks.wire import ConfigScore, snapshot
from mlp_lib.gradcheck import numerical_gradient_array, rel_error


def stub(*args, **kwargs):
    raise NotImplementedError()


def test_the_set_is_registered_in_notebook_order():
    names = [e.name for e in exercise_sets()["07_training_in_practice"]]
    assert names == ["minibatches", "dropout_forward", "dropout_backward", "add_l2", "batchnorm_forward",
                     "batchnorm_backward", "clip_gradients", "random_search"]


@pytest.mark.parametrize("check", [check_minibatches, check_dropout_forward, check_dropout_backward, check_add_l2,
                                   check_batchnorm_forward, check_batchnorm_backward, check_clip_gradients,
                                   check_random_search])
def test_every_check_says_a_stub_is_not_implemented(check):
    result = check(stub)
    assert result.status == "not_implemented" and not result.passed


# -- references against facts worked out independently --------------------------------------

def test_dropout_reference_by_hand():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    u = np.array([[0.1, 0.9], [0.6, 0.2]])
    out, mask = dropout_forward_reference(X, 0.5, u)          # drop where u < 0.5, keep x 2
    np.testing.assert_array_equal(out, [[0.0, 4.0], [6.0, 0.0]])
    np.testing.assert_array_equal(mask, [[0.0, 2.0], [2.0, 0.0]])
    out, mask = dropout_forward_reference(X, 0.5, u, train=False)
    np.testing.assert_array_equal(out, X)
    np.testing.assert_array_equal(mask, np.ones_like(X))


def test_l2_reference_by_hand():
    params = {"W1": np.array([[1.0, 2.0]]), "b1": np.array([5.0, 5.0])}
    grads = {"W1": np.array([[0.5, 0.5]]), "b1": np.array([1.0, 1.0])}
    loss, new = add_l2_reference(1.0, grads, params, 0.1)
    assert loss == pytest.approx(1.0 + 0.05 * 5.0)            # lam/2 * (1 + 4), biases excluded
    np.testing.assert_allclose(new["W1"], [[0.6, 0.7]])
    np.testing.assert_array_equal(new["b1"], [1.0, 1.0])


def test_batchnorm_references_against_definition_and_numerical_gradient():
    rng = np.random.default_rng(3)
    X, gamma, beta = rng.standard_normal((7, 3)) * 3 + 2, rng.uniform(0.5, 2, 3), rng.standard_normal(3)
    out, (x_hat, g, inv_std) = batchnorm_forward_reference(X, gamma, beta)
    np.testing.assert_allclose(x_hat.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out, gamma * (X - X.mean(0)) / np.sqrt(X.var(0) + 1e-5) + beta, rtol=1e-12)
    dout = rng.standard_normal(X.shape)
    dX, dgamma, dbeta = batchnorm_backward_reference(dout, (x_hat, g, inv_std))
    f = lambda: batchnorm_forward_reference(X, gamma, beta)[0]
    assert rel_error(dX, numerical_gradient_array(f, X, dout)) < 1e-7
    assert rel_error(dgamma, numerical_gradient_array(f, gamma, dout)) < 1e-7
    assert rel_error(dbeta, numerical_gradient_array(f, beta, dout)) < 1e-7


# -- minibatches ------------------------------------------------------------------------------

def batches_by_permutation(X, y, batch_size, seed):
    order = np.random.default_rng(seed).permutation(len(X))
    return [(X[order[i:i + batch_size]], y[order[i:i + batch_size]]) for i in range(0, len(X), batch_size)]


def batches_by_shuffle_in_place(X, y, batch_size, seed):
    idx = np.arange(len(X))
    np.random.default_rng(seed).shuffle(idx)
    return [(X[part], y[part]) for part in np.array_split(idx, range(batch_size, len(X), batch_size))]


def batches_as_generator_listed(X, y, batch_size, seed):
    def gen():
        rng = np.random.default_rng(seed)
        order = rng.choice(len(X), size=len(X), replace=False)
        for start in range(0, len(X), batch_size):
            yield X[order[start:start + batch_size]], y[order[start:start + batch_size]]
    return list(gen())


def batches_shuffled_together(X, y, batch_size, seed):
    data = np.column_stack([X, y])
    np.random.default_rng(seed).shuffle(data)            # rows shuffled in place: pairs stay together
    return [(data[i:i + batch_size, :-1], data[i:i + batch_size, -1].astype(int))
            for i in range(0, len(data), batch_size)]


RIGHT_MINIBATCHES = {"permutation": batches_by_permutation, "shuffle in place": batches_by_shuffle_in_place,
                     "choice without replacement": batches_as_generator_listed,
                     "rows shuffled together": batches_shuffled_together}


@pytest.mark.parametrize("fn", RIGHT_MINIBATCHES.values(), ids=RIGHT_MINIBATCHES.keys())
def test_minibatches_accepts_right_answers(fn):
    result = check_minibatches(fn)
    assert result.passed, result.message


def _with_replacement(X, y, batch_size, seed):
    idx = np.random.default_rng(seed).integers(0, len(X), len(X))
    return [(X[idx[i:i + batch_size]], y[idx[i:i + batch_size]]) for i in range(0, len(X), batch_size)]


def _drops_last(X, y, batch_size, seed):
    order = np.random.default_rng(seed).permutation(len(X))
    return [(X[order[i:i + batch_size]], y[order[i:i + batch_size]])
            for i in range(0, len(X) - batch_size + 1, batch_size)]


def _two_shuffles(X, y, batch_size, seed):
    rng = np.random.default_rng(seed)
    ox, oy = rng.permutation(len(X)), rng.permutation(len(X))
    return [(X[ox[i:i + batch_size]], y[oy[i:i + batch_size]]) for i in range(0, len(X), batch_size)]


def _no_shuffle(X, y, batch_size, seed):
    return [(X[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(X), batch_size)]


def _generator(X, y, batch_size, seed):
    order = np.random.default_rng(seed).permutation(len(X))
    return ((X[order[i:i + batch_size]], y[order[i:i + batch_size]]) for i in range(0, len(X), batch_size))


def _repeats_first_batch(X, y, batch_size, seed):
    order = np.random.default_rng(seed).permutation(len(X))
    return [(X[order[:batch_size]], y[order[:batch_size]]) for _ in range(0, len(X), batch_size)]


WRONG_MINIBATCHES = {
    "sampling with replacement": (_with_replacement, "sampling without replacement"),
    "last partial batch dropped": (_drops_last, "last, smaller batch"),
    "X and y shuffled differently": (_two_shuffles, "no longer paired"),
    "not shuffled": (_no_shuffle, "original order"),
    "a generator": (_generator, "got generator (a generator must be turned into a list before it is returned)"),
    "the same batch repeated": (_repeats_first_batch, "more than once"),
}


@pytest.mark.parametrize("fn, hint", WRONG_MINIBATCHES.values(), ids=WRONG_MINIBATCHES.keys())
def test_minibatches_rejects_mistakes_with_their_hint(fn, hint):
    result = check_minibatches(fn)
    assert not result.passed
    assert hint in result.message, result.message


# -- dropout ----------------------------------------------------------------------------------

def dropout_where(X, p, u, train=True):
    if not train:
        return X.copy(), np.ones_like(X)
    mask = np.where(u < p, 0.0, 1.0 / (1.0 - p))
    return X * mask, mask


def dropout_in_place(X, p, u, train=True):
    mask = np.ones_like(X)
    if train:
        mask[u < p] = 0
        mask /= 1 - p
        X = X * mask                    # a new array: the caller's X stays as it was
    return X, mask


def dropout_float32_kept(X, p, u, train=True):
    if not train:
        return X, np.ones(X.shape, dtype=X.dtype)
    mask = (u >= p).astype(X.dtype) / X.dtype.type(1 - p)
    return X * mask, mask


RIGHT_DROPOUT = {"np.where": dropout_where, "in place": dropout_in_place, "dtype kept": dropout_float32_kept}


@pytest.mark.parametrize("fn", RIGHT_DROPOUT.values(), ids=RIGHT_DROPOUT.keys())
def test_dropout_forward_accepts_right_answers(fn):
    result = check_dropout_forward(fn)
    assert result.passed, result.message


def _dropout(scale, keep=lambda u, p: u >= p, in_eval=None):
    def fn(X, p, u, train=True):
        if not train:
            return in_eval(X, p, u) if in_eval else (X, np.ones_like(X))
        mask = keep(u, p) * scale(p)
        return X * mask, mask
    return fn


WRONG_DROPOUT = {
    "not scaled": (_dropout(lambda p: 1.0), "not scaled by 1/(1-p)"),
    "multiplied by 1-p": (_dropout(lambda p: 1 - p), "multiplied by (1-p) instead"),
    "divided by p": (_dropout(lambda p: 1 / p), "divided by p, the drop probability"),
    "keep rule reversed": (_dropout(lambda p: 1 / (1 - p), keep=lambda u, p: u < p), "keep rule is reversed"),
    "drops in evaluation": (_dropout(lambda p: 1 / (1 - p), in_eval=lambda X, p, u: (X * (u >= p) / (1 - p),
                                                                                      (u >= p) / (1 - p))),
                            "still drops units in evaluation"),
    "scaled in evaluation": (_dropout(lambda p: 1 / (1 - p), in_eval=lambda X, p, u: (X * (1 - p),
                                                                                       np.full(X.shape, 1 - p))),
                             "nothing is scaled"),
}


@pytest.mark.parametrize("fn, hint", WRONG_DROPOUT.values(), ids=WRONG_DROPOUT.keys())
def test_dropout_forward_rejects_mistakes_with_their_hint(fn, hint):
    result = check_dropout_forward(fn)
    assert not result.passed
    assert hint in result.message, result.message


RIGHT_DROPOUT_BACKWARD = {
    "product": lambda dout, mask: dout * mask,
    "np.multiply into a fresh array": lambda dout, mask: np.multiply(dout, mask, out=np.empty_like(dout)),
    "where": lambda dout, mask: np.where(mask == 0, 0.0, dout * mask),
}


@pytest.mark.parametrize("fn", RIGHT_DROPOUT_BACKWARD.values(), ids=RIGHT_DROPOUT_BACKWARD.keys())
def test_dropout_backward_accepts_right_answers(fn):
    result = check_dropout_backward(fn)
    assert result.passed, result.message


def _new_mask(dout, mask):
    # the mask drawn again in the backward pass: the zeros land elsewhere
    keep = np.random.default_rng(99).random(dout.shape) >= 0.5
    return dout * keep / 0.5


WRONG_DROPOUT_BACKWARD = {
    "mask ignored": (lambda dout, mask: dout, "mask is not applied"),
    "scale forgotten": (lambda dout, mask: dout * (mask > 0), "scale is missing"),
    "summed over the batch": (lambda dout, mask: (dout * mask).sum(axis=0), "nothing is summed"),
    "a new mask in backward": (_new_mask, "is wrong on the case"),
}


@pytest.mark.parametrize("fn, hint", WRONG_DROPOUT_BACKWARD.values(), ids=WRONG_DROPOUT_BACKWARD.keys())
def test_dropout_backward_rejects_mistakes_with_their_hint(fn, hint):
    result = check_dropout_backward(fn)
    assert not result.passed
    assert hint in result.message, result.message


# -- add_l2 -----------------------------------------------------------------------------------

def l2_in_place(loss, grads, params, lam):
    for name in params:
        if name[0] == "W":
            loss += lam / 2 * np.vdot(params[name], params[name])
            grads[name] += lam * params[name]
    return loss, grads


def l2_with_norm(loss, grads, params, lam):
    weights = [k for k in params if k.startswith("W")]
    penalty = 0.5 * lam * sum(np.linalg.norm(params[k]) ** 2 for k in weights)
    return float(loss + penalty), {k: (g + lam * params[k] if k in weights else g) for k, g in grads.items()}


def l2_einsum_float_loop(loss, grads, params, lam):
    total, out = float(loss), dict(grads)
    for name, W in params.items():
        if name.startswith("W"):
            total += 0.5 * lam * float(np.einsum("ij,ij->", W, W))
            out[name] = grads[name] + lam * W
    return total, out


RIGHT_L2 = {"in place": l2_in_place, "with np.linalg.norm": l2_with_norm, "einsum, new dict": l2_einsum_float_loop}


@pytest.mark.parametrize("fn", RIGHT_L2.values(), ids=RIGHT_L2.keys())
def test_add_l2_accepts_right_answers(fn):
    result = check_add_l2(fn)
    assert result.passed, result.message


def _l2(loss_term, grad_term, keys=lambda k: k.startswith("W")):
    def fn(loss, grads, params, lam):
        chosen = [k for k in params if keys(k)]
        total = loss + sum(loss_term(params[k], lam) for k in chosen)
        return total, {k: grads[k] + grad_term(params[k], lam) if k in chosen else grads[k] for k in grads}
    return fn


HALF = lambda W, lam: lam / 2 * np.sum(W * W)
LAMW = lambda W, lam: lam * W

WRONG_L2 = {
    "biases regularized": (_l2(HALF, LAMW, keys=lambda k: True), "biases are regularized too"),
    "no 1/2 in the loss": (_l2(lambda W, lam: lam * np.sum(W * W), LAMW), "factor 1/2 of the penalty is missing"),
    "gradient 2 lam W": (_l2(HALF, lambda W, lam: 2 * lam * W), "twice too large"),
    "gradient without lam": (_l2(HALF, lambda W, lam: W), "lacks the factor lam"),
    "gradient missing": (_l2(HALF, lambda W, lam: 0 * W), "not added to dW"),
    "loss term missing": (_l2(lambda W, lam: 0.0, LAMW), "not to the loss"),
}


@pytest.mark.parametrize("fn, hint", WRONG_L2.values(), ids=WRONG_L2.keys())
def test_add_l2_rejects_mistakes_with_their_hint(fn, hint):
    result = check_add_l2(fn)
    assert not result.passed
    assert hint in result.message, result.message


# -- batch norm -------------------------------------------------------------------------------

def bn_two_pass(X, gamma, beta, eps=1e-5):
    N = X.shape[0]
    mu = X.sum(axis=0) / N
    centred = X - mu
    var = (centred ** 2).sum(axis=0) / N
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = centred * inv_std
    return x_hat * gamma + beta, (x_hat, gamma, inv_std)


def bn_keepdims(X, gamma, beta, eps=1e-5):
    mu = np.mean(X, axis=0, keepdims=True)
    std = np.sqrt(np.mean((X - mu) ** 2, axis=0, keepdims=True) + eps)
    x_hat = (X - mu) / std
    return gamma * x_hat + beta, (x_hat, gamma, (1 / std).ravel())


def bn_column_loop(X, gamma, beta, eps=1e-5):
    """Column by column, with the variance as E[x^2] - E[x]^2 (fine at these scales)."""
    out, x_hat = np.empty_like(X), np.empty_like(X)
    inv_std = np.empty(X.shape[1], dtype=X.dtype)
    for j in range(X.shape[1]):
        col = X[:, j]
        mu = col.mean()
        var = (col - mu) @ (col - mu) / len(col)
        inv_std[j] = 1 / np.sqrt(var + eps)
        x_hat[:, j] = (col - mu) * inv_std[j]
        out[:, j] = gamma[j] * x_hat[:, j] + beta[j]
    return out, (x_hat, gamma, inv_std)


RIGHT_BN_FORWARD = {"two passes": bn_two_pass, "keepdims": bn_keepdims, "column loop": bn_column_loop}


@pytest.mark.parametrize("fn", RIGHT_BN_FORWARD.values(), ids=RIGHT_BN_FORWARD.keys())
def test_batchnorm_forward_accepts_right_answers(fn):
    result = check_batchnorm_forward(fn)
    assert result.passed, result.message


def _bn(var=lambda X: X.var(axis=0), std=lambda v, eps: np.sqrt(v + eps), axis=0, affine=lambda xh, g, b: g * xh + b):
    def fn(X, gamma, beta, eps=1e-5):
        mu = X.mean(axis=axis, keepdims=True)
        v = var(X) if axis == 0 else X.var(axis=1, keepdims=True)
        inv_std = 1 / std(v, eps)
        x_hat = (X - mu) * inv_std
        return affine(x_hat, gamma, beta), (x_hat, gamma, np.ravel(inv_std))
    return fn


WRONG_BN_FORWARD = {
    "over the features": (_bn(axis=1), "over the features (axis 1)"),
    "unbiased variance": (_bn(var=lambda X: X.var(axis=0, ddof=1)), "unbiased one"),
    "eps outside the root": (_bn(std=lambda v, eps: np.sqrt(v) + eps), "inside the square root"),
    "gamma and beta swapped": (_bn(affine=lambda xh, g, b: b * xh + g), "swapped"),
    "no scale and shift": (_bn(affine=lambda xh, g, b: xh), "are not applied"),
    "divided by the variance": (_bn(std=lambda v, eps: v + eps), "instead of by the standard deviation"),
}


@pytest.mark.parametrize("fn, hint", WRONG_BN_FORWARD.values(), ids=WRONG_BN_FORWARD.keys())
def test_batchnorm_forward_rejects_mistakes_with_their_hint(fn, hint):
    result = check_batchnorm_forward(fn)
    assert not result.passed
    assert hint in result.message, result.message


def bn_backward_step_by_step(dout, cache):
    """The long way round: through the mean and the variance explicitly (as in CS231n)."""
    x_hat, gamma, inv_std = cache
    N = dout.shape[0]
    dx_hat = dout * gamma
    std = 1 / inv_std
    xmu = x_hat * std
    dvar = np.sum(dx_hat * xmu, axis=0) * -0.5 * inv_std ** 3
    dmu = np.sum(-dx_hat * inv_std, axis=0) + dvar * np.mean(-2 * xmu, axis=0)
    dX = dx_hat * inv_std + dvar * 2 * xmu / N + dmu / N
    return dX, np.sum(dout * x_hat, axis=0), np.sum(dout, axis=0)


def bn_backward_compact(dout, cache):
    x_hat, gamma, inv_std = cache
    N = len(dout)
    dx_hat = dout * gamma
    dX = inv_std / N * (N * dx_hat - dx_hat.sum(0) - x_hat * (dx_hat * x_hat).sum(0))
    return dX, (dout * x_hat).sum(0), dout.sum(0)


def bn_backward_einsum(dout, cache):
    """Through the Jacobian of x_hat, column by column: (I - 1/N - x_hat x_hat^T / N) inv_std."""
    x_hat, gamma, inv_std = cache
    N = dout.shape[0]
    dX = np.empty_like(dout)
    for j in range(dout.shape[1]):
        J = (np.eye(N) - 1.0 / N - np.outer(x_hat[:, j], x_hat[:, j]) / N) * inv_std[j]
        dX[:, j] = J.T @ (dout[:, j] * gamma[j])
    return dX, np.einsum("nh,nh->h", dout, x_hat), np.einsum("nh->h", dout)


RIGHT_BN_BACKWARD = {"step by step": bn_backward_step_by_step, "compact": bn_backward_compact,
                     "Jacobian per column": bn_backward_einsum}


@pytest.mark.parametrize("fn", RIGHT_BN_BACKWARD.values(), ids=RIGHT_BN_BACKWARD.keys())
def test_batchnorm_backward_accepts_right_answers(fn):
    result = check_batchnorm_backward(fn)
    assert result.passed, result.message
    assert "numerical gradient check passed" in result.message


def _bn_back(dX=None, dgamma=None, dbeta=None):
    def fn(dout, cache):
        x_hat, gamma, inv_std = cache
        right = bn_backward_compact(dout, cache)
        dxh = dout * gamma
        return tuple(f(dout, dxh, x_hat, inv_std) if f else r for f, r in zip((dX, dgamma, dbeta), right))
    return fn


WRONG_BN_BACKWARD = {
    "mean and variance treated as constants": (_bn_back(dX=lambda d, dxh, xh, s: dxh * s),
                                               "ignores that the batch mean and variance depend on X"),
    "variance path missing": (_bn_back(dX=lambda d, dxh, xh, s: s * (dxh - dxh.mean(0))),
                              "but not the one through the variance"),
    "mean path missing": (_bn_back(dX=lambda d, dxh, xh, s: s * (dxh - xh * (dxh * xh).mean(0))),
                          "but not the one through the mean"),
    "gamma forgotten": (_bn_back(dX=lambda d, dxh, xh, s: s * (d - d.mean(0) - xh * (d * xh).mean(0))),
                        "gamma is missing in dX"),
    "dgamma without x_hat": (_bn_back(dgamma=lambda d, dxh, xh, s: d.sum(0)), "dgamma is the batch sum"),
    "dbeta averaged": (_bn_back(dbeta=lambda d, dxh, xh, s: d.mean(0)), "not its mean"),
}


@pytest.mark.parametrize("fn, hint", WRONG_BN_BACKWARD.values(), ids=WRONG_BN_BACKWARD.keys())
def test_batchnorm_backward_rejects_mistakes_with_their_hint(fn, hint):
    result = check_batchnorm_backward(fn)
    assert not result.passed
    assert hint in result.message, result.message


# -- clip_gradients ---------------------------------------------------------------------------

def test_clip_reference_by_hand():
    grads = {"W1": np.array([[3.0]]), "b1": np.array([4.0])}                 # global norm 5
    clipped = clip_gradients_reference(grads, max_norm=2.5)
    np.testing.assert_allclose([clipped["W1"][0, 0], clipped["b1"][0]], [1.5, 2.0])
    clipped = clip_gradients_reference(grads, max_norm=10.0)
    np.testing.assert_array_equal(clipped["b1"], [4.0])
    clipped = clip_gradients_reference({"W1": np.array([3.0, -4.0])}, max_value=3.5)
    np.testing.assert_array_equal(clipped["W1"], [3.0, -3.5])


def clip_by_loops(grads, max_norm=None, max_value=None):
    out = {}
    for name, g in grads.items():
        out[name] = np.minimum(np.maximum(g, -max_value), max_value) if max_value is not None else g.copy()
    if max_norm is not None:
        total = 0.0
        for g in out.values():
            for x in g.ravel():
                total += float(x) ** 2
        norm = total ** 0.5
        if norm > max_norm:
            for name in out:
                out[name] = out[name] * (max_norm / norm)
    return out


def clip_by_concatenation(grads, max_norm=None, max_value=None):
    grads = {k: np.clip(g, -max_value, max_value) if max_value else g for k, g in grads.items()}
    if max_norm:
        norm = np.linalg.norm(np.concatenate([g.ravel() for g in grads.values()]))
        grads = {k: g * min(1.0, max_norm / max(norm, 1e-300)) for k, g in grads.items()}
    return {k: np.array(g) for k, g in grads.items()}


def clip_copies_in_place(grads, max_norm=None, max_value=None):
    out = {k: g.copy() for k, g in grads.items()}
    if max_value is not None:
        for g in out.values():
            np.clip(g, -max_value, max_value, out=g)
    norm = np.sqrt(sum(np.sum(g * g) for g in out.values()))
    if max_norm is not None and norm > max_norm:
        for g in out.values():
            g *= max_norm / norm
    return out


@pytest.mark.parametrize("fn", [clip_by_loops, clip_by_concatenation, clip_copies_in_place])
def test_clip_gradients_accepts_right_answers(fn):
    result = check_clip_gradients(fn)
    assert result.passed, result.message


def _clip_norm_with(norm, always=False):
    def clip(grads, max_norm=None, max_value=None):
        grads = {k: np.clip(g, -max_value, max_value) if max_value is not None else g.copy() for k, g in grads.items()}
        if max_norm is None:
            return grads
        out = {}
        for k, g in grads.items():
            n = norm(grads, k)
            out[k] = g * (max_norm / n if always or n > max_norm else 1.0) if n > 0 else g
        return out
    return clip


def _in_place(grads, max_norm=None, max_value=None):
    if max_value is not None:
        for g in grads.values():
            np.clip(g, -max_value, max_value, out=g)
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
    if max_norm is not None and norm > max_norm:
        for g in grads.values():
            g *= max_norm / norm
    return grads


def _value_for_norm(grads, max_norm=None, max_value=None):
    limit = max_value if max_value is not None else max_norm
    return {k: np.clip(g, -limit, limit) for k, g in grads.items()}


def _python_division(grads, max_norm=None, max_value=None):
    if max_value is not None:
        grads = {k: np.clip(g, -max_value, max_value) for k, g in grads.items()}
    norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
    return {k: g * min(1.0, max_norm / norm) if max_norm is not None else g.copy() for k, g in grads.items()}


_GLOBAL = lambda grads, k: float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
WRONG_CLIP = {
    "per-parameter norm": (_clip_norm_with(lambda grads, k: float(np.sqrt(np.sum(grads[k] ** 2)))), "its own norm"),
    "clipping always": (_clip_norm_with(_GLOBAL, always=True), "small gradients are scaled up"),
    "squared norm": (_clip_norm_with(lambda grads, k: _GLOBAL(grads, k) ** 2), "squared norm"),
    "weights only": (_clip_norm_with(lambda grads, k: float(np.sqrt(sum(np.sum(g ** 2) for n, g in grads.items()
                                                                         if n.startswith("W"))))), "leaves out the biases"),
    "in place": (_in_place, "in place"),
    "by value with max_norm": (_value_for_norm, "bound on each entry"),
    "norm 0 divides by zero": (_python_division, "their norm is 0"),
}


@pytest.mark.parametrize("fn, hint", WRONG_CLIP.values(), ids=WRONG_CLIP.keys())
def test_clip_gradients_rejects_mistakes_with_their_hint(fn, hint):
    result = check_clip_gradients(fn)
    assert not result.passed
    assert hint in result.message, result.message


# -- random_search ----------------------------------------------------------------------------

def test_config_score_travels_as_plain_data_and_ties_when_weights_are_zero():
    f = ConfigScore(["lr", "width"], np.array([-2.0, 16.0]), np.array([1.0, 0.01]), [True, False], decimals=3)
    assert f({"lr": 1e-2, "width": 16}) == 1.0                            # at the centre
    assert f({"lr": 1e-3, "width": 16}) == pytest.approx(0.0)              # one decade off: 1 - 1 * 1^2
    copy = snapshot(f)
    assert isinstance(copy, ConfigScore) and copy({"lr": 0.1, "width": 6}) == f({"lr": 0.1, "width": 6})
    ties = ConfigScore(["lr"], np.array([0.0]), np.array([0.0]), [True])
    assert ties({"lr": 1e-5}) == ties({"lr": 0.5}) == 1.0
    with pytest.raises(TypeError, match="needs a dict with the keys"):
        f({"lr": 0.1})


def draw(rng, spec, log_by_exp=False):
    if isinstance(spec, list):
        return spec[int(rng.integers(len(spec)))]
    kind, low, high = spec
    if kind == "log":
        if log_by_exp:
            return float(np.exp(rng.uniform(np.log(low), np.log(high))))
        return float(10 ** rng.uniform(np.log10(low), np.log10(high)))
    return float(rng.uniform(low, high))


def search(draw_value=draw, better=lambda s, best: s > best, pick=None, rng_of=np.random.default_rng, trials_of=None):
    def random_search(evaluate, space, n_trials, seed):
        rng = rng_of(seed)
        trials = []
        best_config, best_score = None, None
        for _ in range(n_trials if trials_of is None else trials_of(n_trials)):
            config = {name: draw_value(rng, spec) for name, spec in space.items()}
            score = evaluate(config)
            trials.append((config, score))
            if best_score is None or better(score, best_score):
                best_config, best_score = config, score
        if pick is not None:
            best_config, best_score = pick(trials)
        return best_config, best_score, trials
    return random_search


def search_with_choice_and_max(evaluate, space, n_trials, seed):
    rng = np.random.default_rng(seed)
    configs = []
    for _ in range(n_trials):
        configs.append({name: (spec[rng.choice(len(spec))] if isinstance(spec, list) else draw(rng, spec, True))
                        for name, spec in space.items()})
    scores = [evaluate(c) for c in configs]
    best = int(np.argmax(scores))                 # argmax keeps the first of equal scores
    return configs[best], scores[best], list(zip(configs, scores))


RIGHT_SEARCH = {"a loop": search(), "exp of a natural log": search(lambda rng, spec: draw(rng, spec, True)),
                "choice and argmax": search_with_choice_and_max}


@pytest.mark.parametrize("fn", RIGHT_SEARCH.values(), ids=RIGHT_SEARCH.keys())
def test_random_search_accepts_right_answers(fn):
    result = check_random_search(fn)
    assert result.passed, result.message


def _uniform(rng, spec):
    if isinstance(spec, tuple) and spec[0] == "log":
        return float(rng.uniform(spec[1], spec[2]))
    return draw(rng, spec)


def _log_everywhere(rng, spec):
    if isinstance(spec, tuple) and spec[0] == "uniform":
        low = max(spec[1], 1e-3)
        return float(10 ** rng.uniform(np.log10(low), np.log10(spec[2])))
    return draw(rng, spec)


def _last_choice_missing(rng, spec):
    return spec[int(rng.integers(len(spec) - 1))] if isinstance(spec, list) else draw(rng, spec)


def _unpaired_scores(evaluate, space, n_trials, seed):
    best, score, trials = search()(evaluate, space, n_trials, seed)
    return best, score, [(c, s + 0.5) for c, s in trials]


WRONG_SEARCH = {
    "uniform instead of log-uniform": (search(_uniform), "not on a log scale"),
    "log-uniform for a linear range": (search(_log_everywhere), "its range is linear"),
    "returns the last trial": (search(pick=lambda trials: trials[-1]), "the last trial's score"),
    "returns the worst": (search(better=lambda s, best: s < best), "the lowest score"),
    "ties keep the last": (search(better=lambda s, best: s >= best), "on a tie"),
    "global random state": (search(rng_of=lambda seed: np.random.default_rng()), "same seed tried different"),
    "seed ignored": (search(rng_of=lambda seed: np.random.default_rng(0)), "different seeds tried exactly"),
    "one trial too few": (search(trials_of=lambda n: n - 1), "expected n_trials"),
    "a choice never drawn": (search(_last_choice_missing), "never drawn"),
    "scores not from evaluate": (_unpaired_scores, "not the score that evaluate gives"),
}


@pytest.mark.parametrize("fn, hint", WRONG_SEARCH.values(), ids=WRONG_SEARCH.keys())
def test_random_search_rejects_mistakes_with_their_hint(fn, hint):
    result = check_random_search(fn)
    assert not result.passed
    assert hint in result.message, result.message


def test_the_packages_random_search_is_right_and_scores_zero_when_called():
    from mlp_lib.checks.lesson07 import RANDOM_SEARCH
    from mlp_lib.search import random_search
    for case in RANDOM_SEARCH.make_cases(np.random.default_rng(4)):
        fraction, message, *_ = RANDOM_SEARCH.score(case, random_search(*case.args))
        assert fraction == 1.0, message
    result = check_random_search(random_search)
    assert not result.passed and "solution" in result.message.lower(), result.message
