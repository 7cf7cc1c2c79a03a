"""The checks of lesson 1 (one neuron, logic gates): right answers written in several ways
pass, and typical mistakes fail with the explanation that names them."""
import numpy as np
import pytest

from mlp_lib import sigmoid
from mlp_lib.checks import exercise_sets
from mlp_lib.checks.lesson01 import (check_logic_gates, check_neuron_output, check_neuron_output_batch,
                                     neuron_output_batch_reference, neuron_output_reference)


def stub(*args):
    raise NotImplementedError()


def test_the_set_is_registered_in_notebook_order():
    names = [e.name for e in exercise_sets()["01_weights_and_biases"]]
    assert names == ["neuron_output", "neuron_output_batch", "logic_gates"]


def test_references_agree_with_the_lesson_worked_by_hand():
    # x = (2, -1), w = (0.5, 1.5), b = 0.25: z = 1 - 1.5 + 0.25 = -0.25, a = 1 / (1 + e^0.25)
    a = neuron_output_reference(np.array([2.0, -1.0]), np.array([0.5, 1.5]), 0.25)
    assert a == pytest.approx(1 / (1 + np.exp(0.25)), rel=1e-12)
    X = np.array([[2.0, -1.0], [0.0, 0.0], [1.0, 1.0]])
    expected = 1 / (1 + np.exp(-np.array([-0.25, 0.25, 2.25])))
    np.testing.assert_allclose(neuron_output_batch_reference(X, np.array([0.5, 1.5]), 0.25), expected, rtol=1e-12)


# -- neuron_output ------------------------------------------------------------------

def _neuron_loop(x, w, b):
    z = b
    for x_d, w_d in zip(x, w):
        z = z + x_d * w_d
    return 1.0 / (1.0 + np.exp(-z))


def _neuron_in_place(x, w, b):
    x = x.copy()                 # in place, on a fresh array: the caller's x stays as it was
    x *= w
    return sigmoid(x.sum() + b)


RIGHT_NEURON = {
    "dot product": lambda x, w, b: sigmoid(w @ x + b),
    "own sigmoid with np.dot": lambda x, w, b: 1 / (1 + np.exp(-(np.dot(x, w) + b))),
    "python loop": _neuron_loop,
    "in place": _neuron_in_place,
    "tanh form of the sigmoid": lambda x, w, b: 0.5 * (1 + np.tanh((x @ w + b) / 2)),
    "computed in float64": lambda x, w, b: float(sigmoid(x.astype(np.float64) @ w.astype(np.float64) + b)),
}


@pytest.mark.parametrize("fn", RIGHT_NEURON.values(), ids=RIGHT_NEURON.keys())
def test_neuron_output_accepts_right_answers(fn):
    result = check_neuron_output(fn)
    assert result.passed, result.message


WRONG_NEURON = {
    "no sigmoid": (lambda x, w, b: w @ x + b, "pre-activation z"),
    "elementwise, no sum": (lambda x, w, b: sigmoid(w * x + b), "added up into one number"),
    "no bias": (lambda x, w, b: sigmoid(w @ x), "bias b is missing"),
    "bias subtracted": (lambda x, w, b: sigmoid(w @ x - b), "subtracted"),
    "bias once per input": (lambda x, w, b: sigmoid(np.sum(w * x + b)), "once per input"),
    "mean instead of sum": (lambda x, w, b: sigmoid(np.mean(w * x) + b), "a sum, not a mean"),
    "sign in the exponent": (lambda x, w, b: 1 / (1 + np.exp(w @ x + b)), "sign in the exponent"),
    "bias after the sigmoid": (lambda x, w, b: sigmoid(w @ x) + b, "before the bias"),
}


@pytest.mark.parametrize("fn, hint", WRONG_NEURON.values(), ids=WRONG_NEURON.keys())
def test_neuron_output_rejects_mistakes_with_their_hint(fn, hint):
    result = check_neuron_output(fn)
    assert not result.passed
    assert hint in result.message, result.message


def test_neuron_output_says_a_stub_is_not_implemented():
    result = check_neuron_output(stub)
    assert result.status == "not_implemented" and not result.passed


# -- neuron_output_batch -------------------------------------------------------------

def _batch_in_place(X, w, b):
    z = X @ w
    z += b
    np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1
    return np.reciprocal(z, out=z)


RIGHT_BATCH = {
    "matrix product": lambda X, w, b: sigmoid(X @ w + b),
    "w @ X.T": lambda X, w, b: sigmoid(w @ X.T + b),
    "einsum": lambda X, w, b: sigmoid(np.einsum("nd,d->n", X, w) + b),
    "elementwise then sum over inputs": lambda X, w, b: sigmoid((X * w).sum(axis=1) + b),
    "in place": _batch_in_place,
    "computed in float64": lambda X, w, b: sigmoid(X.astype(np.float64) @ w.astype(np.float64) + b),
}


@pytest.mark.parametrize("fn", RIGHT_BATCH.values(), ids=RIGHT_BATCH.keys())
def test_neuron_output_batch_accepts_right_answers(fn):
    result = check_neuron_output_batch(fn)
    assert result.passed, result.message


WRONG_BATCH = {
    "no sigmoid": (lambda X, w, b: X @ w + b, "pre-activations"),
    "column output": (lambda X, w, b: sigmoid(X @ w[:, None] + b), "turned into a column"),
    "X transposed": (lambda X, w, b: sigmoid(X.T @ w + b), "no transpose"),
    "factors swapped": (lambda X, w, b: sigmoid(w @ X + b), "order of the factors"),
    "sum over samples": (lambda X, w, b: sigmoid((X * w).sum(axis=0) + b), "summed over the samples"),
    "first sample only": (lambda X, w, b: sigmoid(X[0] @ w + b), "only one sample"),
    "no bias": (lambda X, w, b: sigmoid(X @ w), "bias b is missing"),
    "bias once per input": (lambda X, w, b: sigmoid((X * w + b).sum(axis=1)), "once per input"),
    "sign in the exponent": (lambda X, w, b: 1 / (1 + np.exp(X @ w + b)), "sign in the exponent"),
}


@pytest.mark.parametrize("fn, hint", WRONG_BATCH.values(), ids=WRONG_BATCH.keys())
def test_neuron_output_batch_rejects_mistakes_with_their_hint(fn, hint):
    result = check_neuron_output_batch(fn)
    assert not result.passed
    assert hint in result.message, result.message


def test_neuron_output_batch_names_the_case_and_the_entries_that_differ():
    result = check_neuron_output_batch(lambda X, w, b: sigmoid(X @ w))
    assert "X (7, 2)" in result.message and "entries differ" in result.message


# -- logic_gates ---------------------------------------------------------------------

def gates(AND=((20, 20), -30), OR=((20, 20), -10), NAND=((-20, -20), 30)):
    return lambda: {"AND": AND, "OR": OR, "NAND": NAND}


RIGHT_GATES = {
    "the lesson's weights": gates(),
    "arrays and numpy numbers": gates(AND=(np.array([20.0, 20.0]), np.float64(-30.0)),
                                      OR=(np.array([20.0, 20.0]), np.array([-10.0]))),
    "another scale": gates(AND=((10, 10), -15), OR=((6, 6), -3), NAND=((-8, -8), 12)),
    "unequal weights": gates(AND=((30, 20), -40), OR=((10, 30), -5), NAND=((-20, -30), 40)),
    "lists for the pairs": lambda: {"AND": [[20, 20], -30], "OR": [[20, 20], -10], "NAND": [[-20, -20], 30]},
}


@pytest.mark.parametrize("fn", RIGHT_GATES.values(), ids=RIGHT_GATES.keys())
def test_logic_gates_accepts_right_weights(fn):
    result = check_logic_gates(fn)
    assert result.passed and result.fraction == 1.0, result.message


WRONG_GATES = {
    "AND computes OR": (gates(AND=((20, 20), -10)), "compute OR, not AND"),
    "NAND computes AND": (gates(NAND=((20, 20), -30)), "compute AND, the opposite of NAND"),
    "weights too small": (gates(OR=((1, 1), -0.5)), "not confidently"),
    "line through a corner": (gates(AND=((20, 20), -20)), "exactly 0"),
    "never fires": (gates(NAND=((-20, -20), -30)), "never fires"),
    "always fires": (gates(OR=((20, 20), 10)), "always fires"),
    "three weights": (gates(AND=((20, 20, 20), -30)), "shape (2,)"),
    "a missing gate": (lambda: {"AND": ((20, 20), -30), "OR": ((20, 20), -10)}, "no entry 'NAND'"),
    "not a pair": (gates(OR=np.array([20.0, 20.0])), "should be a pair (w, b)"),
    "not a dict": (lambda: ((20, 20), -30), "should return a dict"),
    "no return": (lambda: None, "is the return statement missing"),
}


@pytest.mark.parametrize("fn, hint", WRONG_GATES.values(), ids=WRONG_GATES.keys())
def test_logic_gates_rejects_mistakes_with_their_hint(fn, hint):
    result = check_logic_gates(fn)
    assert not result.passed
    assert hint in result.message, result.message


def test_logic_gates_gives_partial_credit_per_gate():
    result = check_logic_gates(gates(AND=((20, 20), -10)))
    assert result.status == "partial"
    assert result.fraction == pytest.approx(2 / 3)
    assert "2 of 3 gates right (OR, NAND)" in result.message


def test_logic_gates_says_a_stub_is_not_implemented():
    result = check_logic_gates(stub)
    assert result.status == "not_implemented" and result.fraction == 0.0
