"""Bad input: every public entry point raises ValueError or TypeError naming what it expected
and what it was given."""
import re

import numpy as np
import pytest

from mlp_lib.activations import ACTIVATIONS, relu, relu_prime
from mlp_lib.data import Standardizer, iterate_minibatches, one_hot, train_val_test_split
from mlp_lib.init import INITIALIZERS
from mlp_lib.layers import dropout_forward
from mlp_lib.losses import LOSSES, binary_cross_entropy, mse, softmax_cross_entropy
from mlp_lib.metrics import accuracy, confusion_matrix
from mlp_lib.model import MLP
from mlp_lib.optim import OPTIMIZERS, SCHEDULES, make_schedule
from mlp_lib.train import evaluate, train

X = np.random.default_rng(0).standard_normal((5, 3))
Y = np.array([0, 1, 2, 0, 1])


def model(**kwargs):
    return MLP([3, 4, 3], **kwargs)


def with_entry(value, row=1, col=2):
    """X with one entry replaced (NaN, inf, ...)."""
    bad = X.copy()
    bad[row, col] = value
    return bad


# (id, call, exception type, fragments that must all appear in the message)
CASES = [
    # X and y of different lengths: both lengths named
    ("length loss", lambda: model().loss(X, Y[:4]), ValueError, ["same number of samples", "5", "4"]),
    ("length train", lambda: train(model(), X, Y[:4]), ValueError, ["same number of samples", "5", "4"]),
    ("length evaluate", lambda: evaluate(model(), X[:2], Y), ValueError, ["same number of samples", "2", "5"]),
    ("length split", lambda: train_val_test_split(X, Y[:3]), ValueError, ["same number of samples", "5", "3"]),
    ("length minibatches", lambda: list(iterate_minibatches(X, Y[:2], 2)), ValueError, ["5", "2"]),
    ("length accuracy", lambda: accuracy([0, 1], [0]), ValueError, ["same number", "2", "1"]),
    ("length softmax CE", lambda: softmax_cross_entropy(X, [0, 1]), ValueError, ["same number", "5", "2"]),
    # wrong number of features
    ("features predict", lambda: model().predict(np.ones((5, 2))), ValueError, ["3 features", "got 2"]),
    ("features train", lambda: train(model(), np.ones((5, 4)), Y), ValueError, ["3 features", "got 4"]),
    ("features validation", lambda: train(model(), X, Y, validation_data=(np.ones((2, 2)), [0, 1])),
     ValueError, ["3 features", "got 2"]),
    ("features standardizer", lambda: Standardizer().fit(X).transform(np.ones((2, 5))), ValueError,
     ["3 features", "got 5"]),
    ("X 1-D", lambda: model().forward(np.ones(3)), ValueError, ["2-D", "(3,)"]),
    ("X text", lambda: model().forward("abc"), TypeError, ["array of numbers", "str"]),
    ("X no samples", lambda: train(model(), np.ones((0, 3)), np.array([], dtype=int)), ValueError,
     ["at least one sample", "(0, 3)"]),
    # labels outside 0..C-1
    ("label too big", lambda: model().loss(X, [0, 1, 3, 0, 1]), ValueError, ["0..2", "3"]),
    ("label negative", lambda: train(model(), X, [0, -1, 2, 0, 1]), ValueError, ["0..2", "-1"]),
    ("label not integer", lambda: model().loss(X, [0, 1.5, 2, 0, 1]), ValueError, ["integer", "0..2", "float"]),
    ("label in softmax CE", lambda: softmax_cross_entropy(np.zeros((2, 3)), [0, 5]), ValueError, ["0..2", "5"]),
    ("label one_hot", lambda: one_hot([0, 3], 3), ValueError, ["0..2", "3"]),
    ("label confusion", lambda: confusion_matrix([0, 1], [0, 3], C=2), ValueError, ["0..1", "3"]),
    ("binary target", lambda: MLP([3, 1], loss="binary_cross_entropy").loss(X, [0, 1, 2, 0, 1]), ValueError,
     ["[0, 1]", "2"]),
    ("binary CE target", lambda: binary_cross_entropy(np.zeros(2), [0.5, -1.0]), ValueError, ["[0, 1]", "-1"]),
    ("one-hot shape", lambda: model().loss(X, np.ones((5, 2))), ValueError, ["(5, 3)", "(5, 2)"]),
    ("mse shape", lambda: mse(np.zeros((5, 2)), np.zeros((5, 3))), ValueError, ["(5, 2)", "(5, 3)"]),
    # NaN or infinite input
    ("NaN X loss", lambda: model().loss(with_entry(np.nan), Y), ValueError, ["X", "NaN or infinite", "1"]),
    ("inf X predict", lambda: model().predict(with_entry(np.inf)), ValueError, ["X", "NaN or infinite"]),
    ("-inf X train", lambda: train(model(), with_entry(-np.inf), Y), ValueError, ["X", "NaN or infinite"]),
    ("NaN X validation", lambda: train(model(), X, Y, validation_data=(with_entry(np.nan), Y)), ValueError,
     ["X", "NaN or infinite"]),
    ("NaN X standardizer", lambda: Standardizer().fit(with_entry(np.nan)), ValueError, ["NaN or infinite"]),
    ("NaN label", lambda: model().loss(X, [0, np.nan, 2, 0, 1]), ValueError, ["NaN or infinite", "0..2"]),
    ("NaN target", lambda: MLP([3, 1], loss="mse").loss(X, [0, np.nan, 1, 1, 1]), ValueError,
     ["y", "NaN or infinite"]),
    # non-positive sizes and rates
    ("lr zero", lambda: train(model(), X, Y, lr=0), ValueError, ["lr", "positive", "got 0"]),
    ("lr negative", lambda: train(model(), X, Y, lr=-0.1), ValueError, ["lr", "positive", "-0.1"]),
    ("lr not a number", lambda: train(model(), X, Y, lr="fast"), TypeError, ["lr", "positive number", "'fast'"]),
    ("lr0 schedule", lambda: make_schedule("constant", -1.0), ValueError, ["lr0", "positive", "-1.0"]),
    ("batch size zero", lambda: train(model(), X, Y, batch_size=0), ValueError, ["batch_size", "positive", "0"]),
    ("batch size float", lambda: train(model(), X, Y, batch_size=2.5), TypeError,
     ["batch_size", "positive integer", "2.5"]),
    ("batch size minibatches", lambda: list(iterate_minibatches(X, Y, -3)), ValueError, ["batch_size", "-3"]),
    ("epochs zero", lambda: train(model(), X, Y, epochs=0), ValueError, ["epochs", "positive integer", "0"]),
    ("epochs float", lambda: train(model(), X, Y, epochs=2.5), TypeError, ["epochs", "positive integer", "2.5"]),
    ("patience zero", lambda: train(model(), X, Y, patience=0), ValueError, ["patience", "positive", "0"]),
    ("layer size zero", lambda: MLP([3, 0, 3]), ValueError, ["layer_sizes[1]", "positive integer", "0"]),
    ("layer size negative", lambda: MLP([3, 4, -2]), ValueError, ["layer_sizes[2]", "positive integer", "-2"]),
    ("layer size float", lambda: MLP([3.5, 4]), TypeError, ["layer_sizes[0]", "positive integer", "3.5"]),
    ("one layer size", lambda: MLP([3]), ValueError, ["at least an input and an output", "[3]"]),
    ("step size", lambda: make_schedule("step", 0.1, step_size=0), ValueError, ["step_size", "positive", "0"]),
    ("cosine T", lambda: make_schedule("cosine", 0.1, T=-5), ValueError, ["T", "positive", "-5"]),
    ("warm-up", lambda: make_schedule("warmup", 0.1, warmup=0), ValueError, ["warmup", "positive", "0"]),
    ("warm-up then", lambda: make_schedule("warmup", 0.1, warmup=2, after="linear"), ValueError,
     ["'linear'", "constant", "cosine", "exponential", "step"]),
    ("weight decay", lambda: model(weight_decay=-1.0), ValueError, ["weight_decay", ">= 0", "-1.0"]),
    # dropout outside [0, 1)
    ("dropout one", lambda: model(dropout=1.0), ValueError, ["dropout", "[0, 1)", "1.0"]),
    ("dropout negative", lambda: model(dropout=-0.2), ValueError, ["dropout", "[0, 1)", "-0.2"]),
    ("dropout layer", lambda: dropout_forward(X, 1.5, np.random.default_rng(0)), ValueError, ["[0, 1)", "1.5"]),
    ("dropout text", lambda: model(dropout="half"), TypeError, ["dropout", "[0, 1)", "'half'"]),
    # other options
    ("split fractions", lambda: train_val_test_split(X, Y, val=0.6, test=0.5), ValueError,
     ["val + test < 1", "0.6", "0.5"]),
    ("on_divergence", lambda: train(model(), X, Y, on_divergence="ignore"), ValueError,
     ["'raise' or 'stop'", "'ignore'"]),
    ("lr_schedule name", lambda: train(model(), X, Y, lr_schedule="cosine"), TypeError,
     ["function epoch -> lr", "'cosine'"]),
    ("dtype", lambda: MLP([3, 2], dtype=np.int32), ValueError, ["float32 or np.float64", "int32"]),
    ("activation list", lambda: model(activation=[relu, relu_prime]), TypeError,
     ["(f, f_prime)", "relu", "sigmoid"]),
    ("activation pair of three", lambda: model(activation=(relu, relu_prime, relu)), TypeError, ["(f, f_prime)"]),
]


@pytest.mark.parametrize("call, error, fragments", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_explained(call, error, fragments):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    missing = [f for f in fragments if f not in message]
    assert not missing, f"message {message!r} lacks {missing}"


# unknown names: the message names the given one and lists every valid one
UNKNOWN = [
    ("activation", ACTIVATIONS, lambda name: MLP([3, 2], activation=name)),
    ("loss", LOSSES, lambda name: MLP([3, 2], loss=name)),
    ("initializer", INITIALIZERS, lambda name: MLP([3, 2], init=name)),
    ("optimizer", OPTIMIZERS, lambda name: train(MLP([3, 3]), X, Y, optimizer=name)),
    ("schedule", SCHEDULES, lambda name: make_schedule(name, 0.1)),
]


@pytest.mark.parametrize("kind, registry, call", UNKNOWN, ids=[u[0] for u in UNKNOWN])
def test_unknown_name_lists_the_valid_ones(kind, registry, call):
    with pytest.raises(ValueError) as info:
        call("no_such_thing")
    message = str(info.value)
    assert kind in message and "'no_such_thing'" in message
    for valid in registry:
        assert re.search(rf"\b{valid}\b", message), f"{valid!r} missing from {message!r}"


@pytest.mark.parametrize("kind, registry, call", UNKNOWN, ids=[u[0] for u in UNKNOWN])
def test_name_of_the_wrong_type(kind, registry, call):
    with pytest.raises(TypeError) as info:
        call(42)
    assert "42" in str(info.value)


def test_valid_input_passes_the_same_checks():
    """The cases above fail because of the one thing changed, not because the set-up is wrong."""
    m = model()
    m.loss(X, Y)
    train(m, X, Y, epochs=1, validation_data=(X, Y), batch_size=2, patience=1, lr_schedule=make_schedule(
        "warmup", 0.1, warmup=2))
    model(dropout=0.0, weight_decay=0.0, activation=(relu, relu_prime))
    dropout_forward(X, 0.5, np.random.default_rng(0))
    confusion_matrix([0, 1], [0, 1], C=2)
    binary_cross_entropy(np.zeros(2), [0.5, 1.0])
    train_val_test_split(X, Y, val=0.2, test=0.2, stratify=False)   # 5 samples: 1 per class and part is too few
