"""Checks of the exercises of lesson 7, training in practice (solutions/07_training_in_practice.ipynb).

The learner writes a mini-batch iterator, inverted dropout forward and backward, the L2
term of the loss and its gradients, (the advanced one) batch normalization forward and
backward in training mode, gradient clipping, and a random hyperparameter search.
Randomness is passed in as plain data so that every answer can be reproduced: the iterator
and the search get a ``seed``, dropout gets the uniform numbers ``u`` (a unit is dropped
where ``u < p``). The search is scored by properties (any way of drawing is fine): its
``evaluate`` is a ``wire.ConfigScore``, plain data that travels to a learner's kernel.
"""
import numpy as np

from ..clip import clip_gradients
from ..gradcheck import numerical_gradient_array
from ..layers import batchnorm_backward, batchnorm_forward, dropout_forward
from .base import Case, Exercise, Mistake, Promise, leaves, make_check
from .promises import differs_for_other_seed, same_for_same_seed
from .wire import ConfigScore

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


# -- clip_gradients ---------------------------------------------------------------------------

def clip_gradients_reference(grads, max_norm=None, max_value=None):
    """By value into [-max_value, max_value], then by the global norm of all the arrays together
    (g * max_norm / ||g|| when ||g|| > max_norm). grads: dict name -> array -> a new dict."""
    return clip_gradients.unchecked(grads, max_norm=max_norm, max_value=max_value)


def _clip_cases(rng):
    def grads(sizes, scale, dtype=np.float64):
        out = {}
        for l, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            out[f"W{l}"] = (scale * rng.standard_normal((a, b))).astype(dtype)
            out[f"b{l}"] = (scale * rng.standard_normal(b)).astype(dtype)
        return out
    specs = [([3, 4, 2], 5.0, 1.0, None, np.float64, "global norm above max_norm"),
             ([2, 5, 5, 3], 0.05, 1.0, None, np.float64, "global norm below max_norm"),
             ([3, 4, 2], 2.0, None, 0.5, np.float64, "max_value only"),
             ([4, 3, 2], 3.0, 2.0, 1.0, np.float64, "max_value, then max_norm"),
             ([3, 6, 2], 4.0, 0.5, None, np.float32, "global norm above max_norm, float32"),
             ([2, 3], 0.0, 1.0, None, np.float64, "all gradients zero")]
    cases = []
    for sizes, scale, max_norm, max_value, dtype, what in specs:
        g = grads(sizes, scale, dtype)
        if what == "global norm above max_norm" and dtype == np.float64:
            # one array above max_norm, the others below, so that each mistaken norm gives another result
            own = {"W1": 1.5, "b1": 0.3, "W2": 0.9, "b2": 0.2}
            g = {k: v * (own[k] / float(np.sqrt(np.sum(v ** 2)))) for k, v in g.items()}
        kwargs = {k: v for k, v in (("max_norm", max_norm), ("max_value", max_value)) if v is not None}
        norm = float(np.sqrt(sum(np.sum(v.astype(np.float64) ** 2) for v in g.values())))
        cases.append(Case((g,), f"{what}: layer sizes {sizes}, global norm {norm:.3g}, "
                                + ", ".join(f"{k} = {v}" for k, v in kwargs.items()), kwargs=kwargs))
    return cases


def _clip_with(norm=None, factor=None, value=None, order="value first"):
    """A mistaken clip_gradients: another norm, another scale factor, another value clipping or order."""
    def global_norm(g):
        return float(np.sqrt(sum(np.sum(v.astype(np.float64) ** 2) for v in g.values())))
    norm = norm or (lambda g, k: global_norm(g))
    factor = factor or (lambda c, n: min(1.0, c / n) if n > 0 else 1.0)
    value = value or (lambda v, m: np.clip(v, -m, m))

    def by_norm(g, max_norm):
        norms = {k: norm(g, k) for k in g}
        return {k: v * v.dtype.type(factor(max_norm, norms[k])) for k, v in g.items()}

    def compute(grads, max_norm=None, max_value=None):
        g = dict(grads)
        if order == "norm first" and max_norm is not None:
            g = by_norm(g, max_norm)
        if max_value is not None:
            g = {k: value(v, max_value) for k, v in g.items()}
        if order == "value first" and max_norm is not None:
            g = by_norm(g, max_norm)
        if order == "norm as value" and max_norm is not None:
            g = {k: np.clip(v, -max_norm, max_norm) for k, v in g.items()}
        return {k: np.array(v) for k, v in g.items()}
    return compute


def _own_norm(g, k):
    return float(np.sqrt(np.sum(g[k].astype(np.float64) ** 2)))


def _weights_norm(g, k):
    return float(np.sqrt(sum(np.sum(v.astype(np.float64) ** 2) for n, v in g.items() if n.startswith("W"))))


def _squared(g, k):
    return float(sum(np.sum(v.astype(np.float64) ** 2) for v in g.values()))


def _divides_by_zero(grads, max_norm=None, max_value=None):
    norm = float(np.sqrt(sum(np.sum(v ** 2) for v in grads.values())))
    if max_norm is not None:
        scale = min(1.0, max_norm / norm)          # ZeroDivisionError when every gradient is 0
        grads = {k: v * scale for k, v in grads.items()}
    return grads


CLIP_GRADIENTS = Exercise(
    name="clip_gradients",
    points=2,
    make_cases=_clip_cases,
    reference=clip_gradients_reference,
    result="the clipped gradients",
    references=("mlp_lib.clip:clip_gradients",),
    mistakes=[
        Mistake("each parameter is clipped by its own norm: the norm is global, the square root of the sum of "
                "the squares of every entry of every gradient together, and one factor max_norm / ||g|| "
                "scales them all (so the direction of the whole step is kept).",
                _clip_with(norm=_own_norm), id="per-parameter-norm"),
        Mistake("the norm leaves out the biases: the global norm runs over every parameter's gradient, "
                "weights and biases alike.",
                _clip_with(norm=_weights_norm), id="weights-only"),
        Mistake("small gradients are scaled up: clipping only ever shrinks. Multiply by min(1, max_norm / ||g||), "
                "so a gradient whose norm is already at most max_norm stays as it is.",
                _clip_with(factor=lambda c, n: c / n if n > 0 else 1.0), id="clips-always"),
        Mistake("the squared norm is compared with max_norm: ||g|| is the square root of the sum of squares.",
                _clip_with(norm=_squared), id="squared-norm"),
        Mistake("the factor is inverted: the gradients are multiplied by ||g|| / max_norm instead of "
                "max_norm / ||g||.",
                _clip_with(factor=lambda c, n: max(1.0, n / c)), id="inverted-factor"),
        Mistake("max_norm is used as a bound on each entry (clipping by value): clipping by norm rescales the "
                "whole gradient by one factor instead, which keeps its direction.",
                _clip_with(order="norm as value"), id="norm-as-value"),
        Mistake("the entries are clipped only from above: clipping by value keeps every entry in "
                "[-max_value, max_value], so large negative entries are clipped too.",
                _clip_with(value=lambda v, m: np.minimum(v, m)), id="value-only-from-above"),
        Mistake("the order is reversed: clip by value first, then by the global norm (so that the result "
                "keeps the norm limit).",
                _clip_with(order="norm first"), id="norm-before-value"),
        Mistake("when every gradient is 0 their norm is 0: compute max_norm / ||g|| only when ||g|| exceeds "
                "max_norm (a zero gradient needs no clipping).",
                _divides_by_zero, id="divides-by-zero-norm"),
    ],
)


# -- random_search (scored by properties) ---------------------------------------------------------

SEARCH_SPACE = {"lr": ("log", 1e-4, 1.0), "l2": ("log", 1e-6, 1e-1), "width": [8, 16, 32, 64]}
WIDE_SPACE = {"lr": ("log", 1e-5, 1e-1), "dropout": ("uniform", 0.0, 0.5), "width": [4, 8, 16, 32, 64]}


def _score_function(rng, space, ties=False):
    names = list(space)
    logs = [isinstance(space[k], tuple) and space[k][0] == "log" for k in names]
    centres, weights = [], []
    for name, log in zip(names, logs):
        spec = space[name]
        if isinstance(spec, list):
            low, high = float(min(spec)), float(max(spec))
        else:
            low, high = (np.log10(spec[1]), np.log10(spec[2])) if log else (spec[1], spec[2])
        centres.append(float(rng.uniform(low, high)))
        weights.append(0.0 if ties else float(rng.uniform(0.2, 1.0)) / max(high - low, 1e-12) ** 2)
    return ConfigScore(names, np.array(centres), np.array(weights), logs, top=1.0, decimals=3)


def _search_cases(rng):
    cases = []
    seed = int(rng.integers(0, 1000))
    evaluate = _score_function(rng, SEARCH_SPACE)
    for again, what in ((seed, "the search of the lesson"), (seed, "the same search again"),
                        (seed + 1, "the same search with another seed")):
        cases.append(Case((evaluate, dict(SEARCH_SPACE), 12, again), f"{what}: 12 trials, seed = {again}",
                          facts={"role": "seed"}))
    cases.append(Case((_score_function(rng, WIDE_SPACE), dict(WIDE_SPACE), 300, int(rng.integers(0, 1000))),
                      "300 trials over a log, a linear and a list range", facts={"role": "distribution"}))
    cases.append(Case((_score_function(rng, SEARCH_SPACE, ties=True), dict(SEARCH_SPACE), 5, int(rng.integers(0, 1000))),
                      "5 trials that all score the same", facts={"role": "ties"}))
    cases.append(Case((_score_function(rng, SEARCH_SPACE), dict(SEARCH_SPACE), 1, int(rng.integers(0, 1000))),
                      "a single trial", facts={"role": "one"}))
    return cases


def _in_space(config, space):
    """None when every value of config lies in its range, else what is wrong."""
    if not isinstance(config, dict) or set(config) != set(space):
        got = f"the keys {sorted(config)}" if isinstance(config, dict) else f"a {type(config).__name__}"
        return f"a configuration must be a dict with the keys {sorted(space)}, got {got}"
    for name, spec in space.items():
        value = config[name]
        if isinstance(spec, list):
            if value not in spec:
                return f"{name} = {_number(value)} is not one of the choices {spec}"
        elif not isinstance(value, (int, float, np.number)) or not spec[1] <= float(value) <= spec[2]:
            return f"{name} = {_number(value)} lies outside its range [{spec[1]}, {spec[2]}]"
    return None


def _search_score(case, value):
    """1 for a right answer on this case, 0 with the reason and its identifier otherwise."""
    evaluate, space, n_trials, _ = case.args
    where = f"({case.label})"
    if not (isinstance(value, (tuple, list)) and len(value) == 3):
        got = getattr(value, "type_name", type(value).__name__)
        return 0.0, (f"should return three values (best_config, best_score, trials) {where}; got {got}"), \
            "random_search/not-three-values"
    best_config, best_score, trials = value
    if not isinstance(trials, (list, tuple)) or not all(isinstance(t, (list, tuple)) and len(t) == 2 for t in trials):
        return 0.0, f"trials must be a list of (config, score) pairs {where}", "random_search/trials-not-pairs"
    if len(trials) != n_trials:
        return 0.0, f"trials holds {len(trials)} entries, expected n_trials = {n_trials} {where}", \
            "random_search/wrong-number-of-trials"
    for config, score in trials:
        problem = _in_space(config, space)
        if problem is not None:
            return 0.0, f"a trial's configuration is outside the search space {where}: {problem}", \
                "random_search/outside-the-space"
        if not isinstance(score, (int, float, np.number)) or abs(float(score) - evaluate(config)) > 1e-9:
            return 0.0, (f"a trial's score is not the score that evaluate gives its own configuration {where}: "
                         f"got {_number(score)}, evaluate gives {evaluate(config)}; record the score of each "
                         f"configuration tried"), \
                "random_search/score-not-from-evaluate"
    scores = [float(s) for _, s in trials]
    top = max(scores)
    problem = _in_space(best_config, space)
    if problem is not None:
        return 0.0, f"best_config is not a configuration of the space {where}: {problem}", "random_search/best-not-a-config"
    if not isinstance(best_score, (int, float, np.number)) or float(best_score) != top:
        if isinstance(best_score, (int, float, np.number)) and float(best_score) == min(scores) and min(scores) < top:
            return 0.0, (f"best_score is the lowest score of the trials {where}: evaluate returns a validation "
                         f"score where higher is better, so keep the maximum"), "random_search/returns-worst"
        if isinstance(best_score, (int, float, np.number)) and float(best_score) == scores[-1]:
            return 0.0, (f"best_score is the last trial's score, not the best one {where}: compare every score "
                         f"with the best so far and keep the larger"), "random_search/returns-last"
        return 0.0, f"best_score {_number(best_score)} is not the largest score of the trials, {top} {where}", \
            "random_search/not-the-best-score"
    first = scores.index(top)
    if best_config != trials[first][0]:
        if any(best_config == trials[i][0] for i in range(first + 1, len(trials)) if scores[i] == top):
            return 0.0, (f"on a tie best_config is a later trial {where}: keep the first configuration that "
                         f"reached the best score (replace it only by a strictly better one)"), "random_search/ties-keep-the-last"
        return 0.0, f"best_config is not the configuration of the best trial {where}", "random_search/best-config-wrong"
    if case.facts["role"] == "distribution":
        problem = _distribution_problem([t[0] for t in trials], space)
        if problem is not None:
            return (0.0, f"{problem[0]} {where}", problem[1])
    return 1.0, "the best configuration, its score and every trial are right, with log-uniform draws"


def _number(value):
    """A returned value as a learner reads it: 0.097, not np.float64(0.097)."""
    if isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_)):
        return f"{float(value):.4g}"
    return f"a {getattr(value, 'type_name', type(value).__name__)}"


def _distribution_problem(configs, space):
    """(message, id) when the drawn values do not follow their ranges' distributions, else None."""
    for name, spec in space.items():
        values = [c[name] for c in configs]
        if isinstance(spec, list):
            missing = [v for v in spec if v not in values]
            if missing:
                return (f"{name}: the choices {missing} were never drawn in {len(values)} trials; draw every "
                        f"choice with the same probability"), "random_search/choice-never-drawn"
            continue
        kind, low, high = spec
        middle = np.sqrt(low * high) if kind == "log" else (low + high) / 2
        below = float(np.mean(np.asarray(values, dtype=float) < middle))
        if kind == "log" and below < 0.3:
            return (f"{name} is drawn uniformly between {low} and {high}, not on a log scale: only {below:.0%} of "
                    f"the values lie below {middle:.3g}, the middle of the range on a log scale, where half "
                    f"should be. Draw its exponent uniformly between the logarithms of the two ends"), \
                "random_search/uniform-not-log-uniform"
        if kind == "uniform" and below > 0.7:
            return (f"{name} is drawn on a log scale, but its range is linear ('uniform'): {below:.0%} of "
                    f"the values lie below the middle {middle:.3g}, where half should be"), \
                "random_search/log-for-a-linear-range"
        if not 0.3 <= below <= 0.7:
            return (f"{name}: {below:.0%} of the values lie below the middle of its range, where about half "
                    f"should"), "random_search/skewed-draws"
    return None


def _seed_promise(same):
    def holds(cases, values):
        by_role = [v for c, v in zip(cases, values) if c.facts.get("role") == "seed"]
        if len(by_role) < 3:
            return True
        trials = [leaves(v[2], "") for v in by_role]
        equal = lambda a, b: a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
        return equal(trials[0], trials[1]) if same else not equal(trials[0], trials[2])
    return holds


RANDOM_SEARCH = Exercise(
    name="random_search",
    points=3,
    make_cases=_search_cases,
    score=_search_score,
    references=("mlp_lib.search:random_search",),
    promises=[Promise("seed-not-used", "two searches with the same seed tried different configurations: draw "
                                       "every value from one generator seeded with seed, not from the global "
                                       "random state.", _seed_promise(True), across=True),
              Promise("seed-ignored", "two different seeds tried exactly the same configurations: the draws "
                                      "must come from a generator made from seed.", _seed_promise(False), across=True)],
)


EXERCISES = [MINIBATCHES, DROPOUT_FORWARD, DROPOUT_BACKWARD, ADD_L2, BATCHNORM_FORWARD, BATCHNORM_BACKWARD,
             CLIP_GRADIENTS, RANDOM_SEARCH]

check_minibatches = make_check(MINIBATCHES)
check_dropout_forward = make_check(DROPOUT_FORWARD)
check_dropout_backward = make_check(DROPOUT_BACKWARD)
check_add_l2 = make_check(ADD_L2)
check_batchnorm_forward = make_check(BATCHNORM_FORWARD)
check_batchnorm_backward = make_check(BATCHNORM_BACKWARD)
check_clip_gradients = make_check(CLIP_GRADIENTS)
check_random_search = make_check(RANDOM_SEARCH)
