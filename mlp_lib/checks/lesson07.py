"""Checks of the exercises of lesson 7, training in practice (solutions/07_training_in_practice.ipynb).

The learner writes a mini-batch iterator, inverted dropout forward and backward, the L2
term of the loss and its gradients, and (the advanced one) batch normalization forward and
backward in training mode. Randomness is passed in as plain data so that every answer can
be reproduced: the iterator gets a ``seed``, dropout gets the uniform numbers ``u`` (a unit
is dropped where ``u < p``).
"""
import numpy as np

from ..gradcheck import numerical_gradient_array
from ..layers import batchnorm_backward, batchnorm_forward, dropout_forward
from .base import Case, Exercise, Mistake, make_check
from .promises import differs_for_other_seed, same_for_same_seed

EXERCISE_SET = "07_training_in_practice"


# -- minibatches (scored by properties: any shuffling method is fine) ------------------------

def _minibatch_cases(rng):
    specs = [(10, 4), (12, 4), (7, 10), (50, 8), (9, 1)]
    cases = []
    for N, B in specs:
        X = np.column_stack([np.arange(N, dtype=float), 10.0 * np.arange(N)])  # row i identifies sample i
        y = np.arange(N)
        seed = int(rng.integers(0, 1000))
        cases.append(Case((X, y, B, seed), f"N = {N}, batch_size = {B}, seed = {seed}", facts={"N": N, "B": B}))
    X, y, B, seed = cases[3].args      # the use of seed: the same seed again, then another seed
    for again in (seed, seed + 1):
        cases.append(Case((X, y, B, again), f"N = {len(X)}, batch_size = {B}, seed = {again}",
                          facts={"N": len(X), "B": B}))
    return cases


def _minibatch_score(case, batches):
    """1 for a right answer on this case, 0 with the reason and its identifier otherwise."""
    X, y, B, _ = case.args
    N = len(X)
    where = f"(N = {N}, batch_size = {B})"
    if not isinstance(batches, (list, tuple)) or not all(isinstance(b, (list, tuple)) and len(b) == 2 for b in batches):
        got = ("a list whose items are not pairs" if isinstance(batches, (list, tuple))
               else getattr(batches, "type_name", type(batches).__name__))
        return 0.0, (f"should return a list of (X_batch, y_batch) pairs {where}; got {got}"
                     f" (a generator must be turned into a list before it is returned)"), "minibatches/not-a-list-of-pairs"
    if not batches:
        return 0.0, f"returned no batches at all {where}", "minibatches/no-batches"
    ids, labels, sizes = [], [], []
    for X_batch, y_batch in batches:
        X_batch, y_batch = np.asarray(X_batch), np.asarray(y_batch)
        if X_batch.ndim != 2 or X_batch.shape[1:] != X.shape[1:] or y_batch.ndim != 1 or len(X_batch) != len(y_batch):
            return 0.0, (f"each batch must be X_batch (B, {X.shape[1]}) and y_batch (B,) with the same B {where}; "
                         f"got shapes {X_batch.shape} and {y_batch.shape}"), "minibatches/batch-shapes"
        ids.append(X_batch[:, 0])
        labels.append(y_batch)
        sizes.append(len(X_batch))
    ids, labels = np.concatenate(ids), np.concatenate(labels)
    expected_sizes = [B] * (N // B) + ([N % B] if N % B else [])
    if len(ids) < N and sizes == [B] * (N // B):
        return 0.0, (f"the last, smaller batch of {N % B} samples is missing {where}: an epoch must use every "
                     f"sample once, so keep the remainder as a final short batch"), "minibatches/last-batch-missing"
    if len(np.unique(ids)) < len(ids):
        return 0.0, (f"some samples appear more than once and others never {where}: the order must be a "
                     f"permutation of 0..N-1 (sampling without replacement), not N independent random draws"), "minibatches/drawn-with-replacement"
    if len(ids) != N or not np.array_equal(np.sort(ids), np.arange(N)):
        return 0.0, f"the batches hold {len(ids)} samples, not each of the {N} samples exactly once {where}", "minibatches/not-each-sample-once"
    if sizes != expected_sizes:
        return 0.0, f"batch sizes {sizes}, expected {expected_sizes} {where}: full batches of batch_size, the rest last", "minibatches/batch-sizes"
    if not np.array_equal(ids, labels):
        return 0.0, (f"X and y are no longer paired {where}: row i of X_batch must keep its own label, so index "
                     f"X and y with the same order, not two different shuffles"), "minibatches/x-and-y-unpaired"
    if N > 2 and np.array_equal(ids, np.arange(N)):
        return 0.0, (f"the samples come in their original order {where}: shuffle them, with a permutation drawn "
                     f"from a random generator seeded with seed"), "minibatches/not-shuffled"
    return 1.0, f"N = {N}, batch_size = {B} right"


MINIBATCHES = Exercise(
    name="minibatches",
    points=2,
    make_cases=_minibatch_cases,
    score=_minibatch_score,
    promises=[same_for_same_seed(), differs_for_other_seed()],
    references=("mlp_lib.data:iterate_minibatches",),
)


# -- dropout_forward ----------------------------------------------------------------------

def dropout_forward_reference(X, p, u, train=True):
    """Inverted dropout with the caller's uniform numbers u (N, H): drop where u < p.

    -> out (N, H), mask (N, H): the keep flags times 1/(1-p) in training, ones in evaluation.
    """
    out, mask = dropout_forward(X, p, train=train, mask=(u >= p))
    return out, (np.ones_like(X) if mask is None else mask)


def _dropout_cases(rng):
    specs = [((4, 5), 0.5, True, np.float64), ((1, 6), 0.2, True, np.float64), ((6, 3), 0.3, False, np.float64),
             ((5, 4), 0.25, True, np.float32), ((3, 8), 0.75, True, np.float64)]
    cases = []
    for shape, p, train, dtype in specs:
        X = rng.standard_normal(shape).astype(dtype)
        u = rng.random(shape)
        label = f"X {shape}, p = {p}, train = {train}" + (" float32" if dtype == np.float32 else "")
        cases.append(Case((X, p, u), label, kwargs={"train": train}, facts={"N": shape[0]}))
    return cases


def _drop(scale_train=lambda p: 1 / (1 - p), keep=lambda u, p: u >= p, evaluation=None):
    """A mistaken dropout_forward: another scale, another keep rule, or another evaluation mode."""
    def compute(X, p, u, train=True):
        if not train:
            if evaluation is None:
                return X.copy(), np.ones_like(X)
            return evaluation(X, p, u)
        mask = keep(u, p).astype(X.dtype) * X.dtype.type(scale_train(p))
        return X * mask, mask
    return compute


DROPOUT_FORWARD = Exercise(
    name="dropout_forward",
    points=2,
    make_cases=_dropout_cases,
    reference=dropout_forward_reference,
    outputs=("out", "mask"),
    references=("mlp_lib.layers:dropout_forward",),
    mistakes=[
        Mistake("the kept units are not scaled by 1/(1-p): inverted dropout divides them by the keep "
                "probability so that the expected output stays equal to the input.",
                _drop(scale_train=lambda p: 1.0)),
        Mistake("the kept units are multiplied by (1-p) instead of divided by it.",
                _drop(scale_train=lambda p: 1 - p)),
        Mistake("the kept units are divided by p, the drop probability, instead of by 1-p, the keep probability.",
                _drop(scale_train=lambda p: 1 / p)),
        Mistake("the keep rule is reversed: a unit is dropped where u < p (so a share p is dropped); yours "
                "drops it where u >= p.",
                _drop(keep=lambda u, p: u < p)),
        Mistake("in evaluation (when train is False) inverted dropout does nothing: out = X and the mask is all ones. "
                "Yours still drops units in evaluation.",
                _drop(evaluation=lambda X, p, u: _drop()(X, p, u, True))),
        Mistake("in evaluation (when train is False) nothing is scaled: that (1-p) factor belongs to the old, "
                "non-inverted dropout. Inverted dropout already scaled in training, so out = X here.",
                _drop(evaluation=lambda X, p, u: (X * X.dtype.type(1 - p), np.full_like(X, 1 - p)))),
    ],
)


# -- dropout_backward ---------------------------------------------------------------------

def dropout_backward_reference(dout, mask):
    """dX = dout * mask, with the mask saved by the forward pass. dout, mask: (N, H) -> (N, H)."""
    return dout * mask


def _dropout_backward_cases(rng):
    cases = []
    for forward_case in _dropout_cases(rng):
        X, p, u = forward_case.args
        _, mask = dropout_forward_reference(X, p, u, **forward_case.kwargs)
        dout = rng.standard_normal(X.shape).astype(X.dtype)
        cases.append(Case((dout, mask), f"dout {dout.shape}, mask of {forward_case.label}",
                          facts=forward_case.facts, private=forward_case))
    return cases


def _dropout_numerical(case):
    X, p, u = (a.copy() if isinstance(a, np.ndarray) else a for a in case.private.args)
    dout = case.args[0]
    X = X.astype(np.float64)
    return numerical_gradient_array(lambda: dropout_forward_reference(X, p, u, **case.private.kwargs)[0], X, dout)


DROPOUT_BACKWARD = Exercise(
    name="dropout_backward",
    points=1,
    make_cases=_dropout_backward_cases,
    reference=dropout_backward_reference,
    gradient=_dropout_numerical,
    result="dX",
    references=("mlp_lib.layers:dropout_backward",),
    mistakes=[
        Mistake("the mask is not applied: the gradient reaches only the units that were kept in the forward "
                "pass (and is scaled like them), so multiply dout by the mask from the cache.",
                lambda dout, mask: dout.copy()),
        Mistake("the 1/(1-p) scale is missing: the forward pass multiplied the kept units by it, so the "
                "gradient must be multiplied by the very same scaled mask, not just by 0 or 1.",
                lambda dout, mask: dout * (mask > 0)),
        Mistake("dX must have the shape of X, (N, H): nothing is summed over the batch in dropout.",
                lambda dout, mask: (dout * mask).sum(axis=0)),
    ],
)


# -- add_l2 -------------------------------------------------------------------------------

def add_l2_reference(loss, grads, params, lam):
    """Add the L2 term to a data loss and its gradients.

    loss: float; grads, params: dicts {"W1": (D, H), "b1": (H,), ...}; lam: the strength
    -> (loss + lam/2 * sum over weights of ||W||^2, grads with lam * W added to every dW;
    biases, whose names do not start with "W", unchanged).
    """
    weights = [k for k in params if k.startswith("W")]
    total = loss + 0.5 * lam * sum(float(np.sum(params[k] ** 2)) for k in weights)
    return total, {k: grads[k] + lam * params[k] if k in weights else grads[k] for k in grads}


def _l2_cases(rng):
    specs = [([3, 4, 2], 0.1, np.float64), ([2, 5, 5, 3], 0.01, np.float64), ([4, 3], 1.0, np.float64),
             ([3, 6, 2], 0.05, np.float32)]
    cases = []
    for sizes, lam, dtype in specs:
        params, grads = {}, {}
        for l, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            params[f"W{l}"] = rng.standard_normal((a, b)).astype(dtype)
            params[f"b{l}"] = rng.standard_normal(b).astype(dtype)
        for k, v in params.items():
            grads[k] = rng.standard_normal(v.shape).astype(dtype)
        loss = float(rng.uniform(0.5, 2.0))
        label = f"layer sizes {sizes}, lam = {lam}" + (" float32" if dtype == np.float32 else "")
        cases.append(Case((loss, grads, params, lam), label))
    return cases


def _l2_with(loss_term=None, grad_term=None, with_biases=False):
    """A mistaken add_l2: another penalty, another gradient term, or the biases included."""
    loss_term = loss_term or (lambda W, lam: 0.5 * lam * float(np.sum(W ** 2)))
    grad_term = grad_term or (lambda W, lam: lam * W)

    def compute(loss, grads, params, lam):
        keys = [k for k in params if with_biases or k.startswith("W")]
        total = loss + sum(loss_term(params[k], lam) for k in keys)
        return total, {k: grads[k] + grad_term(params[k], lam) if k in keys else grads[k] for k in grads}
    return compute


ADD_L2 = Exercise(
    name="add_l2",
    may_change=("args[1]",),        # adding to the gradients in place is fine; the weights stay
    changes=lambda case: {"loss": ("the L2 term of the loss", case.args[0]),
                          **{f"grads[{k!r}]": ("the L2 term of the gradient", g) for k, g in case.args[1].items()}},
    points=2,
    make_cases=_l2_cases,
    reference=add_l2_reference,
    outputs=("loss", "grads"),
    references=("mlp_lib.model:MLP.l2_penalty",),
    mistakes=[
        Mistake("the biases are regularized too: the L2 term covers the weights W only (the names starting "
                "with W); the biases' loss term and gradients stay as they are.",
                _l2_with(with_biases=True)),
        Mistake("the factor 1/2 of the penalty is missing: the loss adds lam/2 times the sum of the squared "
                "weights, which is what makes its gradient exactly lam times W.",
                _l2_with(loss_term=lambda W, lam: lam * float(np.sum(W ** 2)))),
        Mistake("the gradient of the L2 term is twice too large: the derivative of lam/2 ||W||^2 is lam W "
                "(the 1/2 cancels the 2 of the square).",
                _l2_with(grad_term=lambda W, lam: 2 * lam * W)),
        Mistake("the gradient of the L2 term lacks the factor lam: it is lam times W.",
                _l2_with(grad_term=lambda W, lam: W)),
        Mistake("the L2 term is added to the gradients but not to the loss.",
                _l2_with(loss_term=lambda W, lam: 0.0)),
        Mistake("the L2 term is added to the loss but its gradient lam W is not added to dW.",
                _l2_with(grad_term=lambda W, lam: 0 * W)),
        Mistake("this is the L1 penalty (absolute values); L2 uses the squares of the weights.",
                _l2_with(loss_term=lambda W, lam: 0.5 * lam * float(np.sum(np.abs(W))))),
    ],
)


# -- batchnorm_forward (training mode) -------------------------------------------------------

def batchnorm_forward_reference(X, gamma, beta, eps=1e-5):
    """Batch normalization in training mode. X: (N, H); gamma, beta: (H,)
    -> out (N, H) = gamma * x_hat + beta, cache (x_hat (N, H), gamma (H,), inv_std (H,))."""
    running = {"mean": np.zeros_like(gamma), "var": np.ones_like(gamma)}
    out, (x_hat, _, inv_std, _), _ = batchnorm_forward(X, gamma, beta, running, train=True, eps=eps)
    return out, (x_hat, gamma, inv_std)


def _bn_inputs(rng):
    specs = [(8, 4, np.float64), (5, 3, np.float64), (3, 3, np.float64), (6, 5, np.float32), (16, 2, np.float64)]
    out = []
    for N, H, dtype in specs:
        X = (3.0 + 2.0 * rng.standard_normal((N, H))).astype(dtype)
        gamma = rng.uniform(0.5, 2.0, H).astype(dtype)
        beta = rng.standard_normal(H).astype(dtype)
        out.append((X, gamma, beta, f"X {X.shape}, gamma {gamma.shape}, beta {beta.shape}"
                    + (" float32" if dtype == np.float32 else "")))
    return out


def _bn_forward_cases(rng):
    return [Case((X, gamma, beta), label, facts={"N": len(X)}) for X, gamma, beta, label in _bn_inputs(rng)]



def _bn_forward_with(var=lambda X: X.var(axis=0), std=lambda var, eps: np.sqrt(var + eps), axis=0,
                     affine=lambda x_hat, g, b: g * x_hat + b):
    def compute(X, gamma, beta, eps=1e-5):
        mu = X.mean(axis=axis, keepdims=True)
        v = var(X) if axis == 0 else X.var(axis=1, keepdims=True)
        inv_std = 1.0 / std(v, eps)
        x_hat = (X - mu) * inv_std
        return affine(x_hat, gamma, beta), (x_hat, gamma, np.reshape(inv_std, -1))
    return compute


BATCHNORM_FORWARD = Exercise(
    name="batchnorm_forward",
    intermediates=("cache[2]", "cache[0]"),          # inv_std, then x_hat, then out
    points=2,
    make_cases=_bn_forward_cases,
    reference=batchnorm_forward_reference,
    outputs=("out", "cache"),
    references=("mlp_lib.layers:batchnorm_forward",),
    mistakes=[
        Mistake("the statistics are taken over the features (axis 1) instead of over the batch (axis 0): each "
                "unit is normalized with the mean and variance of its own column.",
                _bn_forward_with(axis=1)),
        Mistake("the variance is the unbiased one (divided by N-1); batch norm normalizes with the biased "
                "batch variance, the mean of the squared deviations (divided by N).",
                _bn_forward_with(var=lambda X: X.var(axis=0, ddof=1))),
        Mistake("eps belongs inside the square root: divide by sqrt(var + eps), not by sqrt(var) + eps.",
                _bn_forward_with(std=lambda var, eps: np.sqrt(var) + eps)),
        Mistake("gamma and beta are swapped: out = gamma · x_hat + beta (gamma scales, beta shifts).",
                _bn_forward_with(affine=lambda x_hat, g, b: b * x_hat + g)),
        Mistake("the scale gamma and the shift beta are not applied: out = gamma · x_hat + beta.",
                _bn_forward_with(affine=lambda x_hat, g, b: x_hat)),
        Mistake("x_hat is divided by the variance instead of by the standard deviation sqrt(var + eps).",
                _bn_forward_with(std=lambda var, eps: var + eps)),
    ],
)


# -- batchnorm_backward (training mode, the advanced one) ----------------------------------

def batchnorm_backward_reference(dout, cache):
    """Gradients of batch normalization in training mode. dout: (N, H); cache (x_hat, gamma, inv_std)
    -> dX (N, H), dgamma (H,), dbeta (H,)."""
    x_hat, gamma, inv_std = cache
    return batchnorm_backward(dout, (x_hat, gamma, inv_std, True))


def _bn_backward_cases(rng):
    cases = []
    for X, gamma, beta, label in _bn_inputs(rng):
        _, cache = batchnorm_forward_reference(X, gamma, beta)
        dout = rng.standard_normal(X.shape).astype(X.dtype)
        cases.append(Case((dout, cache), f"dout {dout.shape}, the cache of {label}", facts={"N": len(X)},
                          private=(X, gamma, beta)))
    return cases


def _bn_numerical(case):
    X, gamma, beta = (a.astype(np.float64) for a in case.private)
    dout = case.args[0].astype(np.float64)
    forward = lambda: batchnorm_forward_reference(X, gamma, beta)[0]
    return {"dX": numerical_gradient_array(forward, X, dout),
            "dgamma": numerical_gradient_array(forward, gamma, dout),
            "dbeta": numerical_gradient_array(forward, beta, dout)}


def _bn_backward_with(dX=None, dgamma=None, dbeta=None):
    def compute(dout, cache):
        x_hat, gamma, inv_std = cache
        dx_hat = dout * gamma
        right = (inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0)),
                 (dout * x_hat).sum(axis=0), dout.sum(axis=0))
        return tuple(f(dout, dx_hat, x_hat, gamma, inv_std) if f is not None else r
                     for f, r in zip((dX, dgamma, dbeta), right))
    return compute


BATCHNORM_BACKWARD = Exercise(
    name="batchnorm_backward",
    intermediates=("dbeta", "dgamma"),
    points=3,
    make_cases=_bn_backward_cases,
    reference=batchnorm_backward_reference,
    outputs=("dX", "dgamma", "dbeta"),
    gradient=_bn_numerical,
    references=("mlp_lib.layers:batchnorm_backward",),
    mistakes=[
        Mistake("dX ignores that the batch mean and variance depend on X: it treats them as constants "
                "(dX = gamma · dout / sqrt(var + eps)). Add the paths through the mean and the variance: "
                "subtract the batch mean of dx_hat and x_hat times the batch mean of dx_hat · x_hat.",
                _bn_backward_with(dX=lambda dout, dxh, xh, g, s: dxh * s)),
        Mistake("dX follows the path through the mean but not the one through the variance: the term "
                "x_hat times the batch mean of (dx_hat · x_hat) is missing.",
                _bn_backward_with(dX=lambda dout, dxh, xh, g, s: s * (dxh - dxh.mean(axis=0)))),
        Mistake("dX follows the path through the variance but not the one through the mean: the batch mean "
                "of dx_hat must be subtracted too.",
                _bn_backward_with(dX=lambda dout, dxh, xh, g, s: s * (dxh - xh * (dxh * xh).mean(axis=0)))),
        Mistake("gamma is missing in dX: out = gamma · x_hat + beta, so dL/dx_hat = gamma · dout.",
                _bn_backward_with(dX=lambda dout, dxh, xh, g, s: s * (dout - dout.mean(axis=0)
                                                                     - xh * (dout * xh).mean(axis=0)))),
        Mistake("dgamma is the batch sum of dout times x_hat (gamma multiplies x_hat), not of dout alone.",
                _bn_backward_with(dgamma=lambda dout, dxh, xh, g, s: dout.sum(axis=0))),
        Mistake("dbeta is the sum of dout over the batch, not its mean.",
                _bn_backward_with(dbeta=lambda dout, dxh, xh, g, s: dout.mean(axis=0))),
    ],
)


EXERCISES = [MINIBATCHES, DROPOUT_FORWARD, DROPOUT_BACKWARD, ADD_L2, BATCHNORM_FORWARD, BATCHNORM_BACKWARD]

check_minibatches = make_check(MINIBATCHES)
check_dropout_forward = make_check(DROPOUT_FORWARD)
check_dropout_backward = make_check(DROPOUT_BACKWARD)
check_add_l2 = make_check(ADD_L2)
check_batchnorm_forward = make_check(BATCHNORM_FORWARD)
check_batchnorm_backward = make_check(BATCHNORM_BACKWARD)
