"""Checks of the exercises of lesson 5, softmax and cross-entropy
(solutions/05_softmax_cross_entropy.ipynb).

The learner writes a numerically stable softmax, softmax cross-entropy from logits with its
gradient, and binary cross-entropy from logits with its gradient. Each check includes a case
with logits in the hundreds or thousands, where the textbook formulas overflow or take the
log of zero: the three are called under ``np.errstate(over="raise", invalid="raise")``, as
the exercise notebook says, so an unshifted exp fails with an error that is then named.
"""
import numpy as np

from ..activations import log_softmax, sigmoid, softmax
from ..gradcheck import numerical_gradient
from ..losses import binary_cross_entropy, softmax_cross_entropy
from .base import Case, Exercise, Mistake, make_check

EXERCISE_SET = "05_softmax_cross_entropy"
# an unshifted exp overflows and 0 / 0 appears: both raise, so the mistake is named, not just "NaN"
OVERFLOW_RAISES = {"over": "raise", "invalid": "raise"}
KEEPDIMS_HINT = ("a row maximum or a row sum has shape (N,) and is broadcast along the wrong axis (across the "
                 "columns instead of down the rows): keep it as a column of shape (N, 1), one value per row, so "
                 "that each row is shifted and divided by its own value.")


def _dtype_note(a):
    return " float32" if a.dtype == np.float32 else ""


# -- softmax ---------------------------------------------------------------------------

def _softmax_cases(rng):
    """A rectangle, a batch of one, a square (catches a missing keepdims), rows of very
    different scale (catches one shift for the whole batch), huge logits, float32."""
    Z_scales = np.array([[1000.0, 1001.0, 1002.0, 999.0],
                         [-1000.0, -1002.0, -999.0, -1001.0],
                         [0.5, -0.3, 0.1, 0.0]])
    Z32 = rng.uniform(-100, 100, size=(3, 5)).astype(np.float32)
    Z32[0, 2] = 95.0                                   # exp(95) overflows in float32
    arrays = [rng.standard_normal((4, 3)), rng.standard_normal((1, 5)), 2 * rng.standard_normal((3, 3)),
              Z_scales, Z32]
    return [Case((Z,), f"Z {Z.shape}" + (" with logits near ±1000" if np.abs(Z).max() > 500 else "")
                 + (" with logits up to ±100" if Z.dtype == np.float32 else "") + _dtype_note(Z),
                 facts={"N": Z.shape[0]}) for Z in arrays]


def _naive_softmax(Z):
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def _softmax_global_shift(Z):
    E = np.exp(Z - np.max(Z))
    return E / E.sum(axis=1, keepdims=True)


def _softmax_no_keepdims_max(Z):
    E = np.exp(Z - np.max(Z, axis=1))
    return E / E.sum(axis=1, keepdims=True)


def _softmax_no_keepdims_sum(Z):
    E = np.exp(Z - np.max(Z, axis=1, keepdims=True))
    return E / E.sum(axis=1)


SOFTMAX = Exercise(
    name="softmax",
    points=2,
    make_cases=_softmax_cases,
    reference=softmax,
    references=("mlp_lib.activations:softmax", "mlp_lib.activations:log_softmax"),
    errstate=OVERFLOW_RAISES,
    mistakes=[
        Mistake("exp overflows for large logits (e^1000 is more than the largest float64, and in float32 "
                "the limit is e^88): subtract each row's maximum from the row before exponentiating; "
                "softmax does not change when the same number is subtracted from a whole row.",
                _naive_softmax),
        Mistake("the sum runs over the wrong axis: each ROW (one sample) must sum to 1, so add up over the "
                "classes, axis 1, not over the batch.",
                lambda Z: softmax(Z, axis=0)),
        Mistake("the shift and the sum must both be per row: here the maximum is taken over the classes "
                "but the sum over the batch (or the other way round).",
                lambda Z: np.exp(Z - Z.max(axis=1, keepdims=True))
                / np.exp(Z - Z.max(axis=1, keepdims=True)).sum(axis=0, keepdims=True)),
        Mistake("one maximum is subtracted for the whole batch instead of one per row: a row whose logits are "
                "far below the batch's maximum underflows to 0 / 0. Take the maximum of each row over the classes, "
                "kept as a column of shape (N, 1).",
                _softmax_global_shift),
        Mistake(KEEPDIMS_HINT, _softmax_no_keepdims_max),
        Mistake(KEEPDIMS_HINT, _softmax_no_keepdims_sum),
        Mistake("the result is the log-softmax; softmax itself is the exponential of it.",
                lambda Z: log_softmax(Z)),
    ],
)


# -- softmax_cross_entropy ----------------------------------------------------------------

def _ce_cases(rng):
    """Several shapes, a batch of one, a very confidently wrong sample, huge logits, float32."""
    specs = [(4, 3, np.float64, 1.0), (1, 5, np.float64, 1.0), (6, 4, np.float64, 3.0), (5, 3, np.float32, 2.0)]
    cases = []
    for N, C, dtype, scale in specs:
        Z = (scale * rng.standard_normal((N, C))).astype(dtype)
        y = rng.integers(0, C, size=N)
        cases.append(Case((Z, y), f"logits {Z.shape}, y {y.shape}{_dtype_note(Z)}", facts={"N": N}))
    # sample 0 puts everything on class 1 but is labelled 0; the others sit near +-1000
    Z = np.array([[0.0, 900.0, 0.0], [1000.0, 1001.0, 998.0], [-1000.0, -1003.0, -1001.0]])
    y = np.array([0, 2, 0])
    cases.append(Case((Z, y), "logits (3, 3) with a very confidently wrong sample and logits near ±1000",
                      facts={"N": 3}))
    return cases


def _ce_from_probabilities(Z, y, probabilities):
    N = len(Z)
    P = probabilities(Z)
    with np.errstate(divide="ignore"):
        loss = -np.mean(np.log(P[np.arange(N), y]))
    dZ = P.copy()
    dZ[np.arange(N), y] -= 1
    return float(loss), dZ / N


def _ce_with(loss_scale=1.0, grad_scale=1.0, grad_sign=1.0, subtract_one=True):
    """A mistaken softmax_cross_entropy: the reference with a factor on the loss or gradient
    (the factor "N" is the batch size), or without the one-hot labels in the gradient."""
    def compute(Z, y):
        loss, dZ = softmax_cross_entropy(Z, y)
        if not subtract_one:
            dZ = softmax(Z) / len(Z)
        N = len(Z)
        loss_factor = N if loss_scale == "N" else loss_scale
        grad_factor = N if grad_scale == "N" else grad_scale
        return loss * loss_factor, grad_sign * grad_factor * dZ
    return compute


def _ce_columns_of_y(Z, y):
    """-log P[:, y]: an (N, N) block instead of one entry per row."""
    return float(-np.mean(log_softmax(Z)[:, y])), softmax_cross_entropy(Z, y)[1]


def _loss_numerical(loss):
    """A ``gradient`` for a loss exercise: case -> {"dlogits": centred differences of the
    reference loss at the case's logits, in float64}."""
    def gradient(case):
        z, y = case.args
        z = z.astype(np.float64)
        return {"dlogits": numerical_gradient(lambda: loss(z, y)[0], z)}
    return gradient


SOFTMAX_CROSS_ENTROPY = Exercise(
    name="softmax_cross_entropy",
    points=3,
    make_cases=_ce_cases,
    reference=softmax_cross_entropy,
    outputs=("loss", "dlogits"),
    gradient=_loss_numerical(softmax_cross_entropy),
    references=("mlp_lib.losses:softmax_cross_entropy", "mlp_lib.activations:log_softmax",
                "mlp_lib.activations:softmax"),
    errstate=OVERFLOW_RAISES,
    mistakes=[
        Mistake("exp overflows for large logits: shift each row by its maximum before exponentiating "
                "(in the log-sum-exp as well as in the softmax of the gradient).",
                lambda Z, y: _ce_from_probabilities(Z, y, _naive_softmax)),
        Mistake("the loss takes the log of softmax probabilities: a probability that underflows to 0 gives "
                "log(0) = -inf and an infinite loss. Use log-softmax, z_y - m - log(exp(z_1 - m) + ... + exp(z_C - m)) "
                "with m the row's maximum, which never takes the log of a number smaller than 1.",
                lambda Z, y: _ce_from_probabilities(Z, y, softmax)),
        Mistake("the gradient is N times too large: the loss is a mean over the batch, so dlogits is "
                "(P - Y) / N.",
                _ce_with(grad_scale="N")),
        Mistake("loss and gradient are sums over the batch, not means: divide both by N.",
                _ce_with(loss_scale="N", grad_scale="N")),
        Mistake("the gradient has the wrong sign: dL/dz = P - Y (predicted minus true), so the true class's "
                "entry is negative.",
                _ce_with(grad_sign=-1.0)),
        Mistake("the gradient is missing the one-hot labels: dL/dz = (P - Y) / N, subtract 1 at each "
                "sample's true class.",
                _ce_with(subtract_one=False)),
        Mistake("the loss picks whole columns of P, the entry of every row at every sample's label (an N x N "
                "block), instead of one entry per row: row i must be paired with its own label y_i, the "
                "row numbers 0 to N - 1 going together with the labels.",
                _ce_columns_of_y),
    ],
)


# -- binary_cross_entropy -------------------------------------------------------------

def _bce_cases(rng):
    """Moderate logits, a batch of one, confident predictions right and wrong (|z| up to 800),
    float32."""
    cases = []
    for N, dtype in [(6, np.float64), (1, np.float64), (5, np.float32)]:
        z = (2 * rng.standard_normal(N)).astype(dtype)
        y = rng.integers(0, 2, size=N).astype(dtype)
        cases.append(Case((z, y), f"logits {z.shape}, y {y.shape}{_dtype_note(z)}", facts={"N": N}))
    # confidently wrong at z = 40 (sigmoid rounds to 1) and at z = -800 (exp(800) overflows)
    z = np.array([40.0, 30.0, -30.0, 3.0, -0.5])
    y = np.array([0.0, 1.0, 0.0, 1.0, 0.0])
    cases.append(Case((z, y), "logits (5,) up to 40, confidently wrong on the first", facts={"N": 5}))
    z = np.array([-800.0, 2.0, -700.0, 0.0])
    y = np.array([1.0, 1.0, 0.0, 1.0])
    cases.append(Case((z, y), "logits (4,) down to -800, confidently wrong on the first", facts={"N": 4}))
    return cases


def _bce_from_probabilities(z, y):
    p = sigmoid(z)
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    return float(loss), (p - y) / len(z)


def _bce_naive_softplus(z, y):
    loss = np.mean((1 - y) * z + np.log(1 + np.exp(-z)))      # overflows, as the learner's does
    return float(loss), (sigmoid(z) - y) / len(z)


def _bce_grad(change):
    def compute(z, y):
        loss, dz = binary_cross_entropy(z, y)
        return loss, change(z, y, dz)
    return compute


BINARY_CROSS_ENTROPY = Exercise(
    name="binary_cross_entropy",
    points=3,
    make_cases=_bce_cases,
    reference=binary_cross_entropy,
    outputs=("loss", "dlogits"),
    gradient=_loss_numerical(binary_cross_entropy),
    errstate=OVERFLOW_RAISES,
    references=("mlp_lib.losses:binary_cross_entropy", "mlp_lib.losses:softmax_cross_entropy"),
    mistakes=[
        Mistake("exp(-z) overflows for very negative z (exp(800) is infinite), in the loss or in the "
                "sigmoid of the gradient: use |z| in every exponent, max(z, 0) - z y + log(1 + exp(-|z|)) "
                "for the loss and a sigmoid built on e^(-|z|).",
                _bce_naive_softplus),
        Mistake("the loss is computed from sigmoid probabilities: sigmoid(40) rounds to exactly 1.0, and "
                "log(1 - 1) = -inf. Write the loss with the logit itself: "
                "max(z, 0) - z y + log(1 + exp(-|z|)).",
                _bce_from_probabilities),
        Mistake("the gradient is N times too large: the loss is a mean over the batch, so dlogits is "
                "(sigmoid(z) - y) / N.",
                _bce_grad(lambda z, y, dz: dz * len(z))),
        Mistake("loss and gradient are sums over the batch, not means: divide both by N.",
                lambda z, y: (binary_cross_entropy(z, y)[0] * len(z), binary_cross_entropy(z, y)[1] * len(z))),
        Mistake("the gradient has the wrong sign: dL/dz = sigmoid(z) - y (predicted minus true).",
                _bce_grad(lambda z, y, dz: -dz)),
        Mistake("the gradient has an extra factor sigmoid'(z) = p(1 - p): that factor belongs to squared "
                "error through a sigmoid. With cross-entropy it cancels, leaving (sigmoid(z) - y) / N.",
                _bce_grad(lambda z, y, dz: dz * sigmoid(z) * (1 - sigmoid(z)))),
        Mistake("the loss has the wrong sign: cross-entropy is MINUS the mean log-likelihood, so it is never "
                "negative.",
                lambda z, y: (-binary_cross_entropy(z, y)[0], binary_cross_entropy(z, y)[1])),
    ],
)


EXERCISES = [SOFTMAX, SOFTMAX_CROSS_ENTROPY, BINARY_CROSS_ENTROPY]

check_softmax = make_check(SOFTMAX)
check_softmax_cross_entropy = make_check(SOFTMAX_CROSS_ENTROPY)
check_binary_cross_entropy = make_check(BINARY_CROSS_ENTROPY)
