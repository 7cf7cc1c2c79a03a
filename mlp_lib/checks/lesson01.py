"""Checks of the exercises of lesson 1, weights and biases (solutions/01_weights_and_biases.ipynb).

The learner writes one neuron, a = sigmoid(w . x + b), for one sample and for a batch,
and picks weights that make a neuron compute the logic gates AND, OR and NAND.
"""
import numpy as np

from ..activations import sigmoid
from .base import Case, Exercise, Mistake, make_check

EXERCISE_SET = "01_weights_and_biases"


def _float32(dtype):
    return " float32" if dtype == np.float32 else ""


def _bias(rng, dtype):
    """A bias as a plain number (float64 cases) or a NumPy float32 scalar."""
    value = rng.uniform(-1, 1)
    return np.float32(value) if dtype == np.float32 else float(value)


# -- neuron_output: one sample -------------------------------------------------------

def _neuron_output_cases(rng):
    cases = []
    for D, dtype in [(2, np.float64), (5, np.float64), (1, np.float64), (3, np.float32)]:
        x, w = (rng.uniform(-1, 1, size=D).astype(dtype) for _ in range(2))
        cases.append(Case((x, w, _bias(rng, dtype)), f"x ({D},), w ({D},), b a number" + _float32(dtype)))
    return cases


def neuron_output_reference(x, w, b):
    """a = sigmoid(w . x + b). x: (D,), w: (D,), b: a number -> a: a number (the check's reference)."""
    return sigmoid(w @ x + b)


NEURON_OUTPUT = Exercise(
    name="neuron_output",
    points=2,
    make_cases=_neuron_output_cases,
    reference=neuron_output_reference,
    result="a",
    references=("mlp_lib.checks.lesson01:neuron_output_reference",),
    mistakes=[
        Mistake("this is the pre-activation z = w . x + b; the neuron's output is the sigmoid of it, "
                "a = sigmoid(z).", lambda x, w, b: w @ x + b),
        Mistake("the products w_d x_d must be added up into one number (a dot product), not kept "
                "one per input.", lambda x, w, b: sigmoid(w * x + b)),
        Mistake("the bias b is missing: z = w . x + b.", lambda x, w, b: sigmoid(w @ x)),
        Mistake("the bias is subtracted instead of added.", lambda x, w, b: sigmoid(w @ x - b)),
        Mistake("the bias is added once per input (D times) instead of once: add it after the sum.",
                lambda x, w, b: sigmoid(np.sum(w * x + b))),
        Mistake("the weighted inputs are averaged; a neuron adds them up (a sum, not a mean).",
                lambda x, w, b: sigmoid(np.mean(w * x) + b)),
        Mistake("the sign in the exponent is flipped: sigmoid(z) = 1 / (1 + exp(-z)) grows with z.",
                lambda x, w, b: 1 / (1 + np.exp(w @ x + b))),
        Mistake("the activation is applied before the bias is added: the bias belongs inside, "
                "a = sigmoid(w . x + b).", lambda x, w, b: sigmoid(w @ x) + b),
    ],
)


# -- neuron_output_batch: a batch, vectorised --------------------------------------------

def _batch_cases(rng):
    cases = []
    for N, D, dtype in [(7, 2, np.float64), (1, 3, np.float64), (3, 3, np.float64), (5, 4, np.float32)]:
        X = rng.uniform(-1, 1, size=(N, D)).astype(dtype)
        w = rng.uniform(-1, 1, size=D).astype(dtype)
        cases.append(Case((X, w, _bias(rng, dtype)), f"X ({N}, {D}), w ({D},), b a number" + _float32(dtype),
                          facts={"N": N}))
    return cases


def neuron_output_batch_reference(X, w, b):
    """a = sigmoid(X w + b). X: (N, D), w: (D,), b: a number -> a: (N,) (the check's reference)."""
    return sigmoid(X @ w + b)


NEURON_OUTPUT_BATCH = Exercise(
    name="neuron_output_batch",
    points=2,
    make_cases=_batch_cases,
    reference=neuron_output_batch_reference,
    result="a",
    references=("mlp_lib.checks.lesson01:neuron_output_batch_reference",),
    mistakes=[
        Mistake("these are the pre-activations z = X w + b; the outputs are their sigmoid, a = sigmoid(z).",
                lambda X, w, b: X @ w + b),
        Mistake("the result should be flat, shape (N,), one output per sample: w was turned into a "
                "column (D, 1), which gives a column (N, 1).", lambda X, w, b: sigmoid(X @ w[:, None] + b)),
        Mistake("X has one row per sample, shape (N, D), so X times w (in that order, no transpose) "
                "gives one weighted sum per sample.", lambda X, w, b: sigmoid(X.T @ w + b)),
        Mistake("the order of the factors is swapped: X is (N, D) and w is (D,), so the product is "
                "X times w.", lambda X, w, b: sigmoid(w @ X + b)),
        Mistake("the products are summed over the samples (axis 0) instead of over the inputs (axis 1).",
                lambda X, w, b: sigmoid((X * w).sum(axis=0) + b)),
        Mistake("only one sample is computed: the function must return one output per row of X.",
                lambda X, w, b: sigmoid(X[0] @ w + b)),
        Mistake("the bias b is missing: z = X w + b.", lambda X, w, b: sigmoid(X @ w)),
        Mistake("the bias is subtracted instead of added.", lambda X, w, b: sigmoid(X @ w - b)),
        Mistake("the bias is added once per input (D times per sample) instead of once: add it after "
                "the sum.", lambda X, w, b: sigmoid((X * w + b).sum(axis=1))),
        Mistake("the sign in the exponent is flipped: sigmoid(z) = 1 / (1 + exp(-z)) grows with z.",
                lambda X, w, b: 1 / (1 + np.exp(X @ w + b))),
    ],
)


# -- logic_gates: hand-picked weights (scored) ----------------------------------------

CORNERS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
TRUTH_TABLES = {"AND": np.array([0, 0, 0, 1]), "OR": np.array([0, 1, 1, 1]),
                "NAND": np.array([1, 1, 1, 0]), "NOR": np.array([1, 0, 0, 0]),
                "XOR": np.array([0, 1, 1, 0])}
GATES = ("AND", "OR", "NAND")
CONFIDENT = 0.1   # a right output is within this of its target: below 0.1 for 0, above 0.9 for 1


def _gate_cases(rng):
    return [Case((), "the four inputs (0, 0), (0, 1), (1, 0), (1, 1)")]


def _gates_score(case, value):
    """1/3 of the points per gate whose neuron is right, and confident, on all four corners."""
    if not isinstance(value, dict):
        got = "None (is the return statement missing?)" if value is None else f"a {type(value).__name__}"
        return 0.0, f"should return a dict with the keys 'AND', 'OR' and 'NAND', each a pair (w, b); got {got}"
    verdicts = {gate: _gate_verdict(gate, value.get(gate)) for gate in GATES}
    right = [gate for gate, problem in verdicts.items() if problem is None]
    problems = [(gate, *problem) for gate, problem in verdicts.items() if problem is not None]
    if not problems:
        return 1.0, "AND, OR and NAND are each computed correctly and confidently on all four inputs"
    summary = f"{len(right)} of 3 gates right" + (f" ({', '.join(right)})" if right else "")
    gate, _, kind = problems[0]
    return (len(right) / len(GATES), summary + ".\n  " + "\n  ".join(text for _, text, _ in problems),
            f"logic_gates/{gate.lower()}-{kind}")


def _gate_verdict(gate, pair):
    """None when (w, b) computes ``gate`` with confident outputs, else (what is wrong, an id)."""
    if pair is None:
        return f"{gate}: the dict has no entry '{gate}'.", "missing"
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        return f"{gate}: the entry should be a pair (w, b), got {_describe(pair)}.", "not-a-pair"
    w, b = pair
    try:
        w = np.asarray(w, dtype=float)
        b = np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return f"{gate}: w and b must be numbers, got {_describe(pair[0])} and {_describe(pair[1])}.", "not-numbers"
    if w.shape != (2,):
        return f"{gate}: w must hold one weight per input, shape (2,), got shape {w.shape}.", "w-shape"
    if b.size != 1:
        return f"{gate}: b must be a single number, got shape {b.shape}.", "b-not-one-number"
    b = float(b.reshape(()))
    if not (np.all(np.isfinite(w)) and np.isfinite(b)):
        return f"{gate}: w and b must be finite numbers.", "not-finite"
    z = CORNERS @ w + b
    a = sigmoid(z)
    target = TRUTH_TABLES[gate]
    wrong = (z > 0).astype(int) != target
    undecided = z == 0
    if undecided.any():
        corner = _corner(np.flatnonzero(undecided)[0])
        return (f"{gate}: at the input {corner} the pre-activation z is exactly 0 (output 0.5), so the "
                f"decision line passes through that corner. Move the line with b."), "line-through-a-corner"
    if wrong.any():
        shown = ", ".join(f"output {a[i]:.2f} at {_corner(i)} where {gate} is {target[i]}"
                          for i in np.flatnonzero(wrong))
        hint, kind = _gate_hint(gate, z > 0)
        return f"{gate} is wrong: {shown}. Likely cause: {hint}", kind
    weak = np.abs(a - target) > CONFIDENT
    if weak.any():
        i = int(np.flatnonzero(weak)[0])
        return (f"{gate} puts every input on the right side of its line, but not confidently: output "
                f"{a[i]:.2f} at {_corner(i)}, where it should be {'above 0.9' if target[i] else 'below 0.1'}. "
                f"Multiply w and b by the same large factor (say 10 or 20): the line stays where it is and "
                f"the sigmoid becomes steeper."), "not-confident"
    return None


def _gate_hint(gate, fires):
    """(why the neuron fires on the wrong inputs, an id)."""
    computed = [name for name, table in TRUTH_TABLES.items() if np.array_equal(fires, table)]
    if computed:
        name = computed[0]
        opposite = {"AND": "NAND", "NAND": "AND", "OR": "NOR", "NOR": "OR"}
        if opposite.get(gate) == name:
            return (f"these weights compute {name}, the opposite of {gate}: flip the signs of w and b "
                    f"(the line stays, the sides swap)."), "computes-the-opposite"
        return (f"these weights compute {name}, not {gate}: {_THRESHOLD_HINT.format(gate=gate)}",
                f"computes-{name.lower()}")
    if not fires.any():
        return ("the neuron never fires: b is too negative (or the weights too small) for any input to reach "
                "z > 0."), "never-fires"
    if fires.all():
        return "the neuron always fires: b is too large for the inputs that should give 0.", "always-fires"
    return _THRESHOLD_HINT.format(gate=gate), "wrong-threshold"


_THRESHOLD_HINT = ("with equal weights the neuron thresholds the count x1 + x2 (0, 1 or 2): decide between "
                   "which two counts {gate} switches, and choose b to put the line there (and the signs of "
                   "w and b to say which side fires).")


def _corner(i):
    return f"({int(CORNERS[i, 0])}, {int(CORNERS[i, 1])})"


def _describe(x):
    if x is None:
        return "None"
    if hasattr(x, "type_name"):
        return f"a {x.type_name}"
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    return f"a {type(x).__name__}" + (f" of length {len(x)}" if isinstance(x, (tuple, list)) else "")


LOGIC_GATES = Exercise(
    name="logic_gates",
    points=3,
    make_cases=_gate_cases,
    score=_gates_score,
)


EXERCISES = [NEURON_OUTPUT, NEURON_OUTPUT_BATCH, LOGIC_GATES]

check_neuron_output = make_check(NEURON_OUTPUT)
check_neuron_output_batch = make_check(NEURON_OUTPUT_BATCH)
check_logic_gates = make_check(LOGIC_GATES)
