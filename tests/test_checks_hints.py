"""No message of a check shows code: hints speak in words and maths, never in NumPy or Python.

The rule, ``code_in(text)``: a message may write the maths of the lessons (``1/N``,
``sqrt(var + eps)``, ``s(1 - s)``, ``e^(-|z|)``, ``D_{l-1}``, ``gamma · x_hat``, shapes such as
``(N,)``), and name the learner's functions and arguments; it may not write NumPy's API or
Python's syntax. Precisely, a message shows code when it contains

- a token of Python or NumPy syntax: ``@``, ``*`` (products are written ``·``, as ``\\cdot`` in the
  lessons, or by juxtaposition, and powers ``^``), ``==``, ``!=``, ``+=``, ``-=``, ``/=``, ``//``,
  ``->``, a backtick, ``np.`` or ``numpy``, ``.T``, ``sum(``, ``axis=``;
- a call of a function that is not a function of the lessons' maths (sigma or sigmoid, tanh, exp,
  log, ln, sqrt, max, min, cos, sin, softmax, LSE, Var, ReLU) nor a one-letter function such as
  ``f(x + h)`` or ``s(1 - s)``; a call with no argument, ``f()``;
- attribute access ``x.sum``, keyword arguments or assignments without spaces ``keepdims=True``,
  indexing or slicing ``x[i]``, ``[:, None]``, a dict literal ``{'AND': ...}`` (braces are allowed
  only as subscripts and exponents, ``D_{l-1}``);
- a name that exists only in NumPy's API, e.g. ``keepdims``, ``arange``, ``zeros_like``.

Every exercise of every lesson module is covered: the hints of its known mistakes, for scored
exercises the messages its score function returns on a set of typical wrong answers, and the
message of an extra condition; so are the shape and value diagnoses every check shares.
"""
import dataclasses
import re

import numpy as np
import pytest

from mlp_lib.checks import exercise_sets

SYNTAX_TOKENS = ("@", "*", "==", "!=", "+=", "-=", "/=", "//", "->", "`", "np.", "numpy", ".T", "sum(", "axis=")
MATH_FUNCTIONS = {"sigma", "sigmoid", "tanh", "exp", "log", "ln", "sqrt", "max", "min", "cos", "sin",
                  "softmax", "LSE", "Var", "ReLU", "relu"}
NUMPY_ONLY_NAMES = {"keepdims", "ddof", "arange", "reshape", "astype", "newaxis", "einsum", "default_rng",
                    "errstate", "ndarray", "ndim", "dtype", "matmul", "ndindex", "flatnonzero", "isfinite",
                    "allclose", "argsort", "nonzero", "linspace", "concatenate", "vstack", "hstack"}
ABBREVIATIONS = re.compile(r"\b(?:e\.g|i\.e)\.")
CALL = re.compile(r"\b([A-Za-z_]\w*)'*\(")
PATTERNS = {
    "a call with no argument": re.compile(r"\w\(\)"),
    "attribute access": re.compile(r"\b[A-Za-z_]\w*\.[A-Za-z_]"),
    "a keyword argument or an assignment without spaces": re.compile(r"\w=[\w'\"(\[\-]"),
    "indexing or slicing": re.compile(r"[\w\])]\[|\[:|:\]|\bNone\]"),
    "a dict or set literal": re.compile(r"(?<![_^])\{"),
}


def code_in(text):
    """The pieces of code in ``text``: an empty list when it speaks in words and maths."""
    found = [f"the token {t!r}" for t in SYNTAX_TOKENS if t in text]
    prose = ABBREVIATIONS.sub("", text)
    found += [f"a call of {m.group(0)!r}, not a function of the maths" for m in CALL.finditer(prose)
              if m.group(1) not in MATH_FUNCTIONS and len(m.group(1)) > 1]
    found += [f"{what}: {m.group(0)!r}" for what, pattern in PATTERNS.items() for m in pattern.finditer(prose)]
    words = set(re.findall(r"[A-Za-z_]\w*", prose))
    found += [f"the NumPy name {w!r}" for w in sorted(words)
              if w in NUMPY_ONLY_NAMES or ("_" in w and hasattr(np, w))]
    return found


# -- the rule itself -------------------------------------------------------------------------

CODE = ["index with the pair (np.arange(N), y)", "the sum is x.sum(axis=0)", "the derivative is a * (1 - a)",
        "keep the axis with keepdims=True", "v += g", "param -= lr", "a column X[:, None]", "the sum axis=1",
        "v_old = state['v']", "the columns P[:, y]", "log(sum(exp(z - m)))", "z = X @ W + b", "dX needs W.T",
        "test a == b", "the square g**2", "is a `return` missing?", "a dict {'AND': (w, b)}",
        "return list(batches)", "call f() again", "np.where(z > 0, 1, alpha)", "use zeros_like",
        "take the mean with keepdims", "M[y_true, y_pred] += 1", "in evaluation (train=False)",
        "compute np.exp", "s = stable_sigmoid(z)", "x[i] = old + h", "the dtype of z"]

MATHS = ["the 1/N of the batch mean", "divide by sqrt(var + eps), not by sqrt(var) + eps",
         "sigmoid(z) = 1 / (1 + exp(-z))", "the derivative s(1 - s)",
         "z_y - m - log(exp(z_1 - m) + ... + exp(z_C - m))", "D_{l-1} x D_l weights", "e^(-|z|) is always safe",
         "max(z, 0) - z y + log(1 + exp(-|z|))", "a flat array of shape (N,), not (N, 1)",
         "sigmoid'(z1), entry by entry", "for z >= 0 and e / (1 + e) for z < 0", "over the rows, e.g. the batch",
         "lr_min + (lr0 - lr_min) · (1 + cos(pi t / T)) / 2",
         "v = momentum · v + g", "v_hat = v / (1 - beta2^t)", "the forward difference (f(x + h) - f(x)) / h",
         "out = gamma · x_hat + beta", "the sum over layers of (D_{l-1} + 1) x D_l", "sigma(-|z|)",
         "the summed products over the samples (axis 0)", "a = tanh(z)", "t = min(t, T)", "1 - beta^0 = 0"]


@pytest.mark.parametrize("text", CODE)
def test_the_rule_catches_code(text):
    assert code_in(text), f"{text!r} is code but passed the rule"


@pytest.mark.parametrize("text", MATHS)
def test_the_rule_allows_maths_and_words(text):
    assert code_in(text) == []


# -- the hints of the known mistakes ------------------------------------------------------------

EXERCISES = [(set_name, exercise) for set_name, exercises in exercise_sets().items() for exercise in exercises]
IDS = [f"{set_name}:{exercise.name}" for set_name, exercise in EXERCISES]


def test_every_lesson_is_covered():
    assert sorted({set_name[:2] for set_name, _ in EXERCISES}) == [f"{n:02d}" for n in range(1, 9)]


@pytest.mark.parametrize("set_name, exercise", EXERCISES, ids=IDS)
def test_no_hint_shows_code(set_name, exercise):
    shown = {m.hint: code_in(m.hint) for m in exercise.mistakes}
    assert {hint: code for hint, code in shown.items() if code} == {}


# -- the messages of scored exercises ------------------------------------------------------------

XOR_PARAMS = {"W1": np.array([[20.0, -20.0], [20.0, -20.0]]), "b1": np.array([-10.0, 30.0]),
              "W2": np.array([[20.0], [20.0]]), "b2": np.array([-30.0])}


def _gates(**entries):
    right = {"AND": ([20.0, 20.0], -30.0), "OR": ([20.0, 20.0], -10.0), "NAND": ([-20.0, -20.0], 30.0)}
    return {gate: pair for gate, pair in {**right, **entries}.items() if pair is not None}


def _batches(case, order=None, sizes=None, pair=True, drop_last=False, draws=None):
    """Mini-batches of a case in a given order: the right answer and its typical variations."""
    X, y, B, seed = case.args
    N = len(X)
    order = np.random.default_rng(seed).permutation(N) if order is None else order
    if draws is not None:
        order = draws
    starts = range(0, len(order) - (len(order) % B if drop_last else 0), B)
    labels = y[order] if pair else y[np.random.default_rng(seed + 1).permutation(N)]
    return [(X[order[i:i + B]], labels[i:i + B]) for i in starts]


def _searches(case):
    """Typical answers of random_search on a case: right, and with each classic slip."""
    evaluate, space, n, seed = case.args

    def run(rng, log=True, skip_last_choice=False, n_trials=n):
        trials = []
        for _ in range(n_trials):
            config = {}
            for name, spec in space.items():
                if isinstance(spec, list):
                    config[name] = spec[int(rng.integers(len(spec) - skip_last_choice))]
                elif spec[0] == "log" and log:
                    config[name] = float(10 ** rng.uniform(np.log10(spec[1]), np.log10(spec[2])))
                else:
                    config[name] = float(rng.uniform(spec[1], spec[2]))
            trials.append((config, evaluate(config)))
        return trials

    right = run(np.random.default_rng(seed))
    best = max(range(len(right)), key=lambda i: (right[i][1], -i))
    worst = min(range(len(right)), key=lambda i: right[i][1])
    last_tie = max(i for i in range(len(right)) if right[i][1] == right[best][1])
    return [None, "text", (1, 2), (right[best][0], right[best][1], "trials"), (right[0][0], 0.0, right[:-1]),
            (right[best][0], right[best][1], [({"lr": -1.0}, 0.0)] * n),
            (right[best][0], right[best][1], [(c, s + 1) for c, s in right]),
            (right[worst][0], right[worst][1], right), (right[-1][0], right[-1][1], right),
            (right[last_tie][0], right[last_tie][1], right), (right[best][0], right[best][1], right),
            (lambda t: (t[0][0], t[0][1], t))(run(np.random.default_rng(seed), log=False)),
            (lambda t: (t[0][0], t[0][1], t))(run(np.random.default_rng(seed), skip_last_choice=True))]


PROBES = {
    "logic_gates": lambda case: [
        None, [1, 2], {}, _gates(AND=None), _gates(AND=3), _gates(AND=("a", "b")), _gates(AND=([1.0, 1.0, 1.0], 0.0)),
        _gates(AND=([1.0, 1.0], [1.0, 2.0])), _gates(AND=([np.inf, 1.0], 0.0)), _gates(AND=([1.0, 1.0], -1.0)),
        _gates(AND=([-20.0, -20.0], 30.0)), _gates(AND=([20.0, 20.0], -10.0)), _gates(OR=([-20.0, -20.0], 10.0)),
        _gates(AND=([-1.0, -1.0], -5.0)), _gates(AND=([1.0, 1.0], 5.0)), _gates(AND=([1.0, 1.0], -1.5)),
        _gates(NAND=([-20.0, 20.0], -10.0)), _gates()],
    "train_xor": lambda case: [
        None, [1], {}, {"W1": XOR_PARAMS["W1"]}, {**XOR_PARAMS, "W2": np.ones((3, 1))},
        {**XOR_PARAMS, "b2": np.array([np.nan])}, {k: np.zeros_like(v) for k, v in XOR_PARAMS.items()},
        {**XOR_PARAMS, "b2": np.array([-50.0])}, XOR_PARAMS],
    "minibatches": lambda case: [
        "text", [1, 2], [], iter([]), [(case.args[0][:, :1], case.args[1])],
        _batches(case, drop_last=True), _batches(case, draws=np.random.default_rng(0).integers(0, len(case.args[0]),
                                                                                                 len(case.args[0]))),
        _batches(case, order=np.arange(len(case.args[0]))[:-1]), _batches(case, pair=False),
        _batches(case, order=np.arange(len(case.args[0]))), _batches(case),
        [(case.args[0], case.args[1])]],
    "random_search": lambda case: _searches(case),
    "digits_pipeline": lambda case: [
        None, ["a"] * len(case.private), np.zeros((len(case.private), 10)), np.zeros(3, dtype=int),
        np.full(len(case.private), 12), np.full(len(case.private), 0.5), np.zeros(len(case.private), dtype=int),
        case.private],
}

SCORED = [(set_name, exercise) for set_name, exercise in EXERCISES if exercise.kind == "score"]


@pytest.mark.parametrize("set_name, exercise", SCORED, ids=[f"{s}:{e.name}" for s, e in SCORED])
def test_no_score_message_shows_code(set_name, exercise):
    assert exercise.name in PROBES, f"add typical answers of {exercise.name} to PROBES"
    messages = set()
    for case in exercise.make_cases(np.random.default_rng(0)):
        for value in PROBES[exercise.name](case):
            fraction, message, *_ = exercise.score(case, value)
            assert 0.0 <= fraction <= 1.0
            messages.add(message)
    assert len(messages) >= 5          # the probes reach the different diagnoses, not one message
    assert {message: code_in(message) for message in messages if code_in(message)} == {}


EXTRA = [(set_name, exercise) for set_name, exercise in EXERCISES if exercise.extra is not None]


@pytest.mark.parametrize("set_name, exercise", EXTRA, ids=[f"{s}:{e.name}" for s, e in EXTRA])
def test_no_extra_condition_message_shows_code(set_name, exercise):
    messages = [exercise.extra(case, np.zeros(np.shape(case.args[1])))
                for case in exercise.make_cases(np.random.default_rng(0))]
    messages = [m for m in messages if m]
    assert messages
    assert {message: code_in(message) for message in messages if code_in(message)} == {}


# -- the diagnoses every check shares ----------------------------------------------------------

def _shared_diagnoses():
    """The shape, value and term diagnoses of ``diagnose`` on answers that trigger each of them."""
    from mlp_lib.checks import diagnose
    w = np.arange(1.0, 13.0).reshape(4, 3)
    shapes = [((3, 4), (4, 3)), ((4, 1), (4,)), ((4,), (4, 1)), ((4, 3), (4,)), ((3,), (4, 3)), ((2, 3, 4), (4, 3, 2))]
    square = np.arange(1.0, 10.0).reshape(3, 3)
    rows = w.copy()
    rows[1] *= 2
    cols = w.copy()
    cols[:, 2] += 1
    values = [(np.full((4, 3), np.nan), w), (-w, w), (square.T, square), (4 * w, w), (w / 4, w), (3 * w, w),
              (w + 0.5, w), (np.zeros((4, 3)), w), (np.ones(3), np.zeros(3)), (rows, w), (cols, w)]
    found = [diagnose.shape_pattern(g, want) for g, want in shapes]
    found += [diagnose.value_pattern(g, want, 1e-6, 1e-9, N=4) for g, want in values]
    found += [diagnose.term_patterns(w + c * square[:1].repeat(4, 0), w, {"b": square[:1].repeat(4, 0)}, 1e-6, 1e-9)[0]
              for c in [*diagnose.TERM_WORDS, 0.3]]
    base = w - 1.0
    found += [diagnose.step_pattern(base + k * (w - base) * s, w, base, "the step", 1e-6, 1e-9)
              for k, s in ((0.0, 1.0), (-1.0, 1.0), (0.5, 1.0))]
    # the hints for a factor that differs between the cases
    found += [diagnose.agree([d, dataclasses.replace(d, value=d.value + 1)]) for d in found if d.varying]
    return found


def test_no_shared_diagnosis_shows_code():
    found = _shared_diagnoses()
    assert None not in found
    assert len({d.hint for d in found}) == len(found)           # each pattern says something of its own
    assert all(d.id.startswith("generic/") for d in found)
    assert {d.hint: code_in(d.hint) for d in found if code_in(d.hint)} == {}
