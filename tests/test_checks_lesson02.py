"""The checks of lesson 2 (the forward pass): right answers written in several ways pass,
and typical mistakes fail with the explanation that names them."""
import numpy as np
import pytest

from mlp_lib import MLP, activation_forward, affine_forward, get_activation, sigmoid
from mlp_lib.checks import exercise_sets, lesson02, lesson03
from mlp_lib.checks.lesson02 import (check_affine_forward, check_count_parameters, check_mlp_forward,
                                     count_parameters_reference, mlp_forward_reference)


def stub(*args):
    raise NotImplementedError()


def test_the_set_is_registered_in_notebook_order():
    names = [e.name for e in exercise_sets()["02_forward_pass"]]
    assert names == ["affine_forward", "mlp_forward", "count_parameters"]


def test_affine_forward_is_the_one_exercise_shared_with_lesson_3():
    assert lesson02.AFFINE_FORWARD is lesson03.AFFINE_FORWARD
    assert check_affine_forward is lesson03.check_affine_forward


def test_mlp_forward_reference_agrees_with_the_model_class():
    model = MLP([3, 6, 5, 2], activation="tanh", seed=1)
    X = np.random.default_rng(0).standard_normal((7, 3))
    weights = [model.params[f"W{l}"] for l in (1, 2, 3)]
    biases = [model.params[f"b{l}"] + 0.1 * l for l in (1, 2, 3)]   # non-zero biases
    for l, b in enumerate(biases, start=1):
        model.params[f"b{l}"] = b
    np.testing.assert_allclose(mlp_forward_reference(X, weights, biases), model.forward(X), rtol=1e-12)


@pytest.mark.parametrize("sizes, count", [([2, 2, 1], 9), ([64, 32, 10], 2410), ([784, 256, 128, 10], 235146),
                                          ([4, 3], 15)])
def test_count_parameters_reference_on_counts_worked_by_hand(sizes, count):
    # 3*2 + 3*1 = 9; 65*32 + 33*10 = 2410; 785*256 + 257*128 + 129*10 = 235146; 5*3 = 15
    assert count_parameters_reference(sizes) == count
    assert sum(p.size for p in MLP(sizes).params.values()) == count


# -- affine_forward (shared with lesson 3) ---------------------------------------------

@pytest.mark.parametrize("fn", [lambda X, W, b: (X @ W + b, (X, W)),
                                lambda X, W, b: (np.dot(X, W) + b[None, :], (X, W)),
                                lambda X, W, b: (np.einsum("nd,dm->nm", X, W) + b, (X, W))])
def test_affine_forward_accepts_right_answers(fn):
    assert check_affine_forward(fn).passed


@pytest.mark.parametrize("fn, hint", [
    (lambda X, W, b: (X @ W, (X, W)), "bias b is not added"),
    (lambda X, W, b: (X @ W.T + b, (X, W)), "W is used transposed"),
    (lambda X, W, b: (X @ W + b, (W, X)), "the cache should hold (X, W)"),
])
def test_affine_forward_rejects_mistakes_with_their_hint(fn, hint):
    result = check_affine_forward(fn)
    assert not result.passed and hint in result.message, result.message


# -- mlp_forward ------------------------------------------------------------------------

def _loop(X, weights, biases):
    a = X
    for l, (W, b) in enumerate(zip(weights, biases)):
        z = a @ W + b
        a = np.tanh(z) if l < len(weights) - 1 else z
    return a


def _with_package_layers(X, weights, biases):
    tanh_pair = get_activation("tanh")
    a = X
    for W, b in zip(weights[:-1], biases[:-1]):
        a, _ = activation_forward(affine_forward(a, W, b)[0], tanh_pair)
    return affine_forward(a, weights[-1], biases[-1])[0]


def _recursive(X, weights, biases):
    z = X @ weights[0] + biases[0]
    return z if len(weights) == 1 else _recursive(np.tanh(z), weights[1:], biases[1:])


def _in_place(X, weights, biases):
    a = X
    for l, (W, b) in enumerate(zip(weights, biases)):
        a = a @ W
        a += b
        if l < len(weights) - 1:
            np.tanh(a, out=a)
    return a


RIGHT_MLP = {
    "loop": _loop,
    "package layer functions": _with_package_layers,
    "recursion": _recursive,
    "in place": _in_place,
    "tanh written with exp": lambda X, W, b: _forward_with(X, W, b, lambda z: 2 * sigmoid(2 * z) - 1),
    "computed in float64": lambda X, W, b: _loop(X.astype(np.float64), W, b),
}


def _forward_with(X, weights, biases, f):
    a = X
    for l, (W, b) in enumerate(zip(weights, biases)):
        z = a @ W + b
        a = f(z) if l < len(weights) - 1 else z
    return a


@pytest.mark.parametrize("fn", RIGHT_MLP.values(), ids=RIGHT_MLP.keys())
def test_mlp_forward_accepts_right_answers(fn):
    result = check_mlp_forward(fn)
    assert result.passed, result.message


def _only_first_layer(X, weights, biases):
    return np.tanh(X @ weights[0] + biases[0])


def _stops_early(X, weights, biases):
    a = X
    for l in range(len(weights) - 1):       # one iteration short: the output layer never runs
        a = np.tanh(a @ weights[l] + biases[l])
    return a


def _every_layer_on_X(X, weights, biases):
    for W, b in zip(weights, biases):
        a = np.tanh(X @ W + b)
    return a


def _tanh_before(X, weights, biases):
    a = X
    for W, b in zip(weights, biases):
        a = np.tanh(a) @ W + b
    return a


WRONG_MLP = {
    "tanh on the output": (lambda X, W, b: np.tanh(_loop(X, W, b)), "applied to the last layer too"),
    "no activation": (lambda X, W, b: _forward_with(X, W, b, lambda z: z), "have no activation"),
    "sigmoid": (lambda X, W, b: _forward_with(X, W, b, sigmoid), "is the sigmoid"),
    "relu": (lambda X, W, b: _forward_with(X, W, b, lambda z: np.maximum(z, 0)), "is ReLU"),
    "no biases": (lambda X, W, b: _loop(X, W, [np.zeros_like(b_l) for b_l in b]), "biases are missing"),
    "tanh before each layer": (_tanh_before, "applied to each layer's input"),
    "first layer only": (_only_first_layer, "only the first layer"),
    "one layer short": (_stops_early, "stops one layer early"),
    "every layer on X": (_every_layer_on_X, "every layer is applied to X"),
}


@pytest.mark.parametrize("fn, hint", WRONG_MLP.values(), ids=WRONG_MLP.keys())
def test_mlp_forward_rejects_mistakes_with_their_hint(fn, hint):
    result = check_mlp_forward(fn)
    assert not result.passed
    assert hint in result.message, result.message


def test_mlp_forward_through_the_model_class_scores_nothing():
    def via_model(X, weights, biases):
        model = MLP([W.shape[0] for W in weights] + [weights[-1].shape[1]], activation="tanh")
        for l, (W, b) in enumerate(zip(weights, biases), start=1):
            model.params[f"W{l}"], model.params[f"b{l}"] = W, b
        return model.forward(X)
    result = check_mlp_forward(via_model)
    assert result.status == "reference_called" and result.fraction == 0.0


def test_mlp_forward_says_a_stub_is_not_implemented():
    assert check_mlp_forward(stub).status == "not_implemented"


# -- count_parameters -------------------------------------------------------------------

def _count_loop(layer_sizes):
    total = 0
    for l in range(1, len(layer_sizes)):
        total += layer_sizes[l - 1] * layer_sizes[l] + layer_sizes[l]
    return total


RIGHT_COUNT = {
    "formula": lambda s: sum((m + 1) * n for m, n in zip(s[:-1], s[1:])),
    "weights plus biases in a loop": _count_loop,
    "numpy": lambda s: np.sum((np.array(s[:-1]) + 1) * np.array(s[1:])),
    "weights and biases apart": lambda s: int(np.dot(s[:-1], s[1:]) + sum(s[1:])),
}


@pytest.mark.parametrize("fn", RIGHT_COUNT.values(), ids=RIGHT_COUNT.keys())
def test_count_parameters_accepts_right_answers(fn):
    result = check_count_parameters(fn)
    assert result.passed, result.message


WRONG_COUNT = {
    "no biases": (lambda s: sum(m * n for m, n in zip(s[:-1], s[1:])), "biases are missing"),
    "a bias per input": (lambda s: sum(m * (n + 1) for m, n in zip(s[:-1], s[1:])), "one bias per input"),
    "input layer biases": (lambda s: sum(m * n for m, n in zip(s[:-1], s[1:])) + sum(s), "input layer got biases"),
    "one too many per layer": (lambda s: sum((m + 1) * (n + 1) for m, n in zip(s[:-1], s[1:])), "one extra parameter"),
    "product of all sizes": (lambda s: int(np.prod(s)), "neighbouring layers only"),
    "number of neurons": (lambda s: sum(s), "counts the neurons"),
    "first layer only": (lambda s: (s[0] + 1) * s[1], "only the first layer"),
    "per-layer list": (lambda s: [(m + 1) * n for m, n in zip(s[:-1], s[1:])], "is a list of 3 items: it must be a number"),
}


@pytest.mark.parametrize("fn, hint", WRONG_COUNT.values(), ids=WRONG_COUNT.keys())
def test_count_parameters_rejects_mistakes_with_their_hint(fn, hint):
    result = check_count_parameters(fn)
    assert not result.passed
    assert hint in result.message, result.message


def test_count_parameters_through_the_model_class_scores_nothing():
    result = check_count_parameters(lambda s: sum(p.size for p in MLP(s).params.values()))
    assert result.status == "reference_called"
