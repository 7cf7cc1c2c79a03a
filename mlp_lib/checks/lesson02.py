"""Checks of the exercises of lesson 2, the forward pass (solutions/02_forward_pass.ipynb).

The learner writes the affine layer z = X W + b (lesson 3 asks for it again, with this
same check), the forward pass of a whole MLP from lists of weights and biases with tanh
hidden units, and the number of parameters of a network from its layer sizes.
"""
import numpy as np

from ..activations import relu, sigmoid
from ..layers import affine_forward
from .base import Case, Exercise, Mistake, make_check
from .promises import returns_int

EXERCISE_SET = "02_forward_pass"


def _shape(*arrays):
    return ", ".join(f"{n} {a.shape}" for n, a in arrays)


# -- affine_forward ----------------------------------------------------------------

def _affine_sizes(rng):
    """(N, D, M, dtype) of the affine cases: a rectangle, a batch of one, a square W, float32."""
    return [(4, 3, 5, np.float64), (1, 3, 5, np.float64), (5, 4, 4, np.float64), (6, 2, 3, np.float32)]


def _affine_forward_cases(rng):
    cases = []
    for N, D, M, dtype in _affine_sizes(rng):
        X, W, b = (rng.standard_normal(s).astype(dtype) for s in ((N, D), (D, M), (M,)))
        cases.append(Case((X, W, b), _shape(("X", X), ("W", W), ("b", b)), facts={"N": N}))
    return cases


AFFINE_FORWARD = Exercise(
    name="affine_forward",
    points=2,
    make_cases=_affine_forward_cases,
    reference=affine_forward,
    outputs=("z", "cache"),
    references=("mlp_lib.layers:affine_forward",),
    mistakes=[
        Mistake("the bias b is not added.", lambda X, W, b: (X @ W, (X, W))),
        Mistake("the bias is subtracted instead of added.", lambda X, W, b: (X @ W - b, (X, W))),
        Mistake("z should have one row per example, shape (N, M); yours is transposed "
                "(the factors are in the wrong order or the result is transposed).",
                lambda X, W, b: ((X @ W + b).T, (X, W))),
        Mistake("W is used transposed: W already has shape (D, M), so X times W is (N, M).",
                lambda X, W, b: (X @ W.T + b, (X, W))),
        Mistake("the cache should hold (X, W) in this order: affine_backward reads it back.",
                lambda X, W, b: (X @ W + b, (W, X))),
    ],
)

check_affine_forward = make_check(AFFINE_FORWARD)


# -- mlp_forward ---------------------------------------------------------------------

def _mlp_cases(rng):
    specs = [([3, 5, 4, 2], 4, np.float64), ([2, 4, 1], 5, np.float64), ([4, 3], 3, np.float64),
             ([2, 3, 3], 1, np.float64), ([3, 4, 2], 6, np.float32)]
    cases = []
    for sizes, N, dtype in specs:
        X = rng.standard_normal((N, sizes[0])).astype(dtype)
        weights = [(rng.standard_normal((m, n)) / np.sqrt(m)).astype(dtype) for m, n in zip(sizes[:-1], sizes[1:])]
        biases = [(0.5 * rng.standard_normal(n)).astype(dtype) for n in sizes[1:]]
        label = f"X ({N}, {sizes[0]}), layer sizes {sizes}" + (" float32" if dtype == np.float32 else "")
        cases.append(Case((X, weights, biases), label, facts={"N": N}))
    return cases


def mlp_forward_reference(X, weights, biases):
    """Logits of an MLP with tanh hidden units (the check's reference).

    X: (N, D_0); weights: list of L arrays, W_l (D_{l-1}, D_l); biases: list of L arrays,
    b_l (D_l,) -> logits (N, D_L): z_l = a_{l-1} W_l + b_l, a_l = tanh(z_l) for l < L.
    """
    return _forward(X, weights, biases)


def _forward(X, weights, biases, f=np.tanh, last=None, use_bias=True, before=False, stop=None):
    """The forward pass and its typical variations, for the known mistakes.

    f: the hidden activation; last: an activation applied to the logits too; before: the
    activation applied to each layer's input instead of its output; stop: layers computed.
    """
    a = X
    L = len(weights) if stop is None else stop
    for l in range(L):
        inputs = f(a) if before else a
        z = inputs @ weights[l] + (biases[l] if use_bias else 0)
        a = f(z) if l < len(weights) - 1 and not before else z
    return last(a) if last is not None else a


MLP_FORWARD = Exercise(
    name="mlp_forward",
    points=3,
    make_cases=_mlp_cases,
    reference=mlp_forward_reference,
    result="the output",
    references=("mlp_lib.checks.lesson02:mlp_forward_reference", "mlp_lib.model:MLP.forward",
                "mlp_lib.model:MLP._forward"),
    mistakes=[
        Mistake("tanh is applied to the last layer too: the output layer has no activation, its values "
                "are the logits that the loss receives as they are.",
                lambda X, W, b: _forward(X, W, b, last=np.tanh)),
        Mistake("the hidden layers have no activation: apply tanh after every layer except the last "
                "(without it the layers collapse into a single affine layer).",
                lambda X, W, b: _forward(X, W, b, f=lambda z: z)),
        Mistake("the hidden activation is the sigmoid; this network uses tanh.",
                lambda X, W, b: _forward(X, W, b, f=sigmoid)),
        Mistake("the hidden activation is ReLU; this network uses tanh.",
                lambda X, W, b: _forward(X, W, b, f=relu)),
        Mistake("the biases are missing: every layer computes z = a W + b.",
                lambda X, W, b: _forward(X, W, b, use_bias=False)),
        Mistake("tanh is applied to each layer's input, X included, instead of to each hidden layer's "
                "output: a layer computes z = a W + b first, then a = tanh(z).",
                lambda X, W, b: _forward(X, W, b, before=True)),
        Mistake("only the first layer is applied: loop over all the layers, feeding each layer's output "
                "to the next one.", lambda X, W, b: _forward(X, W, b, stop=1)),
        Mistake("the loop stops one layer early: the result is the last hidden layer's activation, "
                "not the output layer's logits.",
                lambda X, W, b: _forward(X, W, b, stop=len(W) - 1) if len(W) > 1 else None),
        Mistake("every layer is applied to X: each layer's input is the previous layer's output "
                "(only the first layer sees X).",
                lambda X, W, b: [np.tanh(X @ W_l + b_l) for W_l, b_l in zip(W, b)][-1]),
    ],
)


# -- count_parameters ------------------------------------------------------------------

def _count_cases(rng):
    specs = [[3, 5, 4, 2], [2, 2, 1], [4, 3], [784, 256, 10], [10, 20, 20, 20, 3]]
    return [Case((sizes,), f"layer sizes {sizes}") for sizes in specs]


def count_parameters_reference(layer_sizes):
    """Weights and biases of an MLP: the sum over layers of (D_{l-1} + 1) * D_l (the check's reference).

    layer_sizes: list [D_0, ..., D_L] of L + 1 ints -> an int.
    """
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:]))


def _pairs(sizes):
    return list(zip(sizes[:-1], sizes[1:]))


COUNT_PARAMETERS = Exercise(
    name="count_parameters",
    points=2,
    promises=[returns_int("the count")],
    make_cases=_count_cases,
    reference=count_parameters_reference,
    result="the count",
    references=("mlp_lib.checks.lesson02:count_parameters_reference", "mlp_lib.model:MLP.__init__"),
    mistakes=[
        Mistake("the biases are missing: besides its D_{l-1} x D_l weights, layer l has one bias per "
                "neuron, D_l of them.", lambda s: sum(m * n for m, n in _pairs(s))),
        Mistake("one bias per input was counted: a bias belongs to a neuron, so layer l has D_l biases "
                "(its outputs), not D_{l-1} (its inputs).", lambda s: sum((m * (n + 1)) for m, n in _pairs(s))),
        Mistake("the input layer got biases too: the inputs are data, not neurons; only layers 1 to L "
                "have biases.", lambda s: sum(m * n for m, n in _pairs(s)) + sum(s)),
        Mistake("one extra parameter per layer: layer l has D_{l-1} x D_l weights plus D_l biases, "
                "that is (D_{l-1} + 1) x D_l.", lambda s: sum((m + 1) * (n + 1) for m, n in _pairs(s))),
        Mistake("weights connect neighbouring layers only: multiply each pair of consecutive sizes and "
                "add up, instead of multiplying all the sizes together.", lambda s: int(np.prod(s))),
        Mistake("this counts the neurons (units); the parameters are the weights and biases connecting "
                "them.", lambda s: sum(s)),
        Mistake("only the first layer is counted: add up over all L layers.", lambda s: (s[0] + 1) * s[1]),
        Mistake("only the last layer is counted: add up over all L layers.", lambda s: (s[-2] + 1) * s[-1]),
    ],
)


EXERCISES = [AFFINE_FORWARD, MLP_FORWARD, COUNT_PARAMETERS]

check_mlp_forward = make_check(MLP_FORWARD)
check_count_parameters = make_check(COUNT_PARAMETERS)

__all__ = ["check_affine_forward", "check_mlp_forward", "check_count_parameters", "EXERCISES", "EXERCISE_SET"]
