"""Checks of the exercises of lesson 3, backpropagation (solutions/03_backpropagation.ipynb).

The learner writes the affine layer forward (the exercise of lesson 2, checked the same way)
and backward, the derivative of the sigmoid,
the gradients of a two-layer network, one gradient-descent step, and trains XOR with them;
then a class ``MyMLP`` of any depth built from those pieces, which ``mlp_lib.train`` can train
(a class exercise: each case is a scenario, see ``checks.scenario``).
The network of this lesson: z1 = X W1 + b1, a1 = sigmoid(z1), z2 = a1 W2 + b2 (N, 1),
p = sigmoid(z2), loss = -mean(y log p + (1 - y) log(1 - p)) over the batch.
"""
import functools

import numpy as np

from ..activations import sigmoid, sigmoid_prime
from ..data import make_xor
from ..gradcheck import numerical_gradient, numerical_gradient_array
from ..layers import affine_backward, affine_forward
from ..losses import LOSS_RECORDS, binary_cross_entropy
from . import scenario
from .base import Case, Exercise, Mistake, elementwise_numerical, make_check
from .lesson02 import AFFINE_FORWARD, _affine_sizes, _shape, check_affine_forward

EXERCISE_SET = "03_backpropagation"


# -- affine_backward -----------------------------------------------------------------

def _affine_backward_cases(rng):
    cases = []
    for N, D, M, dtype in _affine_sizes(rng):
        X, W, dout = (rng.standard_normal(s).astype(dtype) for s in ((N, D), (D, M), (N, M)))
        cases.append(Case((dout, (X, W)), _shape(("dout", dout), ("X", X), ("W", W)), facts={"N": N}))
    return cases


def _affine_numerical(case):
    dout, (X, W) = case.args
    X, W = X.copy(), W.copy()
    b = np.zeros(W.shape[1])
    forward = lambda: affine_forward(X, W, b)[0]
    return {"dX": numerical_gradient_array(forward, X, dout),
            "dW": numerical_gradient_array(forward, W, dout),
            "db": numerical_gradient_array(forward, b, dout)}


def _backward_with(dX=None, dW=None, db=None):
    """A mistaken affine_backward: the reference with some outputs replaced."""
    def compute(dout, cache):
        X, W = cache
        right = affine_backward(dout, cache)
        return tuple(f(dout, X, W) if f is not None else r for f, r in zip((dX, dW, db), right))
    return compute


AFFINE_BACKWARD = Exercise(
    name="affine_backward",
    points=3,
    make_cases=_affine_backward_cases,
    reference=affine_backward,
    outputs=("dX", "dW", "db"),
    gradient=_affine_numerical,
    references=("mlp_lib.layers:affine_backward",),
    mistakes=[
        Mistake("dW is transposed: it must have the shape of W, (D, M), one row per input feature.",
                _backward_with(dW=lambda dout, X, W: dout.T @ X)),
        Mistake("db is summed over the wrong axis: add up over the batch (the rows), "
                "which leaves one value per output unit, shape (M,).",
                _backward_with(db=lambda dout, X, W: dout.sum(axis=1))),
        Mistake("db keeps an extra axis: it must have the shape of b, (M,), not (1, M).",
                _backward_with(db=lambda dout, X, W: dout.sum(axis=0, keepdims=True))),
        Mistake("db must add up the contributions of all the examples of the batch, "
                "one value per output unit.",
                _backward_with(db=lambda dout, X, W: dout)),
        Mistake("the gradient is divided by N: the 1/N of the batch mean is already inside dout, "
                "so the affine layer must not divide again.",
                _backward_with(dX=lambda dout, X, W: dout @ W.T / len(X),
                               dW=lambda dout, X, W: X.T @ dout / len(X),
                               db=lambda dout, X, W: dout.sum(axis=0) / len(X))),
        Mistake("dX needs W transposed: dX has the shape of X, (N, D), and dout is (N, M).",
                _backward_with(dX=lambda dout, X, W: dout @ W)),
        Mistake("dW needs X transposed on the left: dW has the shape of W, (D, M).",
                _backward_with(dW=lambda dout, X, W: X @ dout)),
    ],
)


# -- sigmoid_prime ---------------------------------------------------------------

def _sigmoid_cases(rng):
    shapes = [((4, 3), np.float64), ((1, 5), np.float64), ((7,), np.float64), ((3, 4), np.float32)]
    cases = []
    for shape, dtype in shapes:
        z = rng.uniform(-6, 6, size=shape).astype(dtype)
        cases.append(Case((z,), f"z {z.shape}" + (" float32" if dtype == np.float32 else "")))
    return cases


SIGMOID_PRIME = Exercise(
    name="sigmoid_prime",
    points=2,
    make_cases=_sigmoid_cases,
    reference=sigmoid_prime,
    gradient=elementwise_numerical(sigmoid),
    references=("mlp_lib.activations:sigmoid_prime",),
    mistakes=[
        Mistake("the formula s(1 - s) holds for s = sigmoid(z), the activation's output; "
                "here it was applied to z itself. Compute the sigmoid of z first.",
                lambda z: z * (1 - z)),
        Mistake("the derivative is evaluated at the activation's output a = sigmoid(z) instead of "
                "at z: sigmoid_prime takes the pre-activation z (the sigmoid ends up applied twice).",
                lambda z: sigmoid_prime(sigmoid(z))),
        Mistake("this is the sigmoid itself, not its derivative.", lambda z: sigmoid(z)),
        Mistake("a sign inside the product is wrong: the derivative is s times (one minus s).",
                lambda z: sigmoid(z) * (1 + sigmoid(z))),
        Mistake("this is 1 - s, only one factor of the derivative s(1 - s).", lambda z: 1 - sigmoid(z)),
    ],
)


# -- two_layer_gradients ---------------------------------------------------------

def _two_layer_cases(rng):
    X_xor, y_xor = make_xor()
    specs = [(X_xor, y_xor, 3, np.float64, "XOR")]
    for N, D, H, dtype in [(1, 2, 3, np.float64), (6, 3, 5, np.float64), (5, 2, 4, np.float32)]:
        X = rng.standard_normal((N, D))
        y = rng.integers(0, 2, size=N)
        specs.append((X, y, H, dtype, None))
    cases = []
    for X, y, H, dtype, name in specs:
        D = X.shape[1]
        params = {"W1": rng.standard_normal((D, H)), "b1": 0.5 * rng.standard_normal(H),
                  "W2": rng.standard_normal((H, 1)), "b2": 0.5 * rng.standard_normal(1)}
        params = {k: v.astype(dtype) for k, v in params.items()}
        label = (f"{name + ' ' if name else ''}X {X.shape}, y {y.shape}, W1 {params['W1'].shape}, "
                 f"W2 {params['W2'].shape}" + (" float32" if dtype == np.float32 else ""))
        cases.append(Case((X.astype(dtype), y.astype(dtype), params), label, facts={"N": len(X)}))
    return cases


def two_layer_gradients_reference(X, y, params):
    """Loss and gradients of the lesson's network (the check's reference).

    X: (N, D); y: (N,) labels in {0, 1}; params: W1 (D, H), b1 (H,), W2 (H, 1), b2 (1,)
    -> (loss: float, grads: dict with the keys and shapes of params).
    """
    return _two_layer(X, y, params)


def _two_layer(X, y, params, scale=1.0, act_prime_at_output=False, skip_act_prime=False):
    z1, cache1 = affine_forward(X, params["W1"], params["b1"])
    a1 = sigmoid(z1)
    z2, cache2 = affine_forward(a1, params["W2"], params["b2"])
    loss, dz2 = binary_cross_entropy(z2, y)
    dz2 = dz2 * scale
    da1, dW2, db2 = affine_backward(dz2, cache2)
    if skip_act_prime:
        dz1 = da1
    else:
        dz1 = da1 * sigmoid_prime(a1 if act_prime_at_output else z1)
    _, dW1, db1 = affine_backward(dz1, cache1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def _two_layer_broadcast_y(X, y, params):
    """y kept as (N,) next to an (N, 1) output: p - y broadcasts to (N, N)."""
    a1 = sigmoid(X @ params["W1"] + params["b1"])
    p = sigmoid(a1 @ params["W2"] + params["b2"])
    dz2 = (p - y) / len(X)
    dW2, db2 = a1.T @ dz2, dz2.sum(axis=0)
    dz1 = (dz2 @ params["W2"].T) * a1 * (1 - a1)
    return 0.0, {"W1": X.T @ dz1, "b1": dz1.sum(axis=0), "W2": dW2, "b2": db2}


def _two_layer_numerical(case):
    X, y, params = case.args
    params = {k: v.copy() for k, v in params.items()}
    loss = lambda: _two_layer(X, y, params)[0]
    return {"grads": {k: numerical_gradient(loss, params[k]) for k in params}}


def _with_grads(change):
    def compute(X, y, params):
        loss, grads = _two_layer(X, y, params)
        return loss, change(grads, X, y, params)
    return compute


TWO_LAYER_GRADIENTS = Exercise(
    name="two_layer_gradients",
    intermediates=("grads['W2']", "grads['b2']"),   # backpropagation computes them before W1, b1
    points=4,
    make_cases=_two_layer_cases,
    reference=two_layer_gradients_reference,
    outputs=("loss", "grads"),
    gradient=_two_layer_numerical,
    references=("mlp_lib.checks.lesson03:two_layer_gradients_reference", "mlp_lib.model:MLP.forward_backward",
                "mlp_lib.model:MLP.loss"),
    mistakes=[
        Mistake("the gradients are N times too large: the loss is a mean over the batch, so the "
                "gradient at the output, p - y, is divided by N.",
                lambda X, y, params: _two_layer(X, y, params, scale=len(X))),
        Mistake("the hidden layer's derivative is evaluated at its output a1 = sigmoid(z1) instead of "
                "at the pre-activation z1.",
                lambda X, y, params: _two_layer(X, y, params, act_prime_at_output=True)),
        Mistake("the hidden activation's derivative is missing: going back through a1 = sigmoid(z1) "
                "multiplies the gradient by sigmoid'(z1), entry by entry.",
                lambda X, y, params: _two_layer(X, y, params, skip_act_prime=True)),
        Mistake("y has shape (N,) while the output p has shape (N, 1): subtracting them broadcasts "
                "to an (N, N) array. Make y a column of shape (N, 1) first.",
                _two_layer_broadcast_y),
        Mistake("dW1 is transposed: it must have the shape of W1, (D, H).",
                _with_grads(lambda g, X, y, p: {**g, "W1": g["W1"].T})),
        Mistake("dW2 is transposed: it must have the shape of W2, (H, 1).",
                _with_grads(lambda g, X, y, p: {**g, "W2": g["W2"].T})),
        Mistake("a bias gradient is summed over the wrong axis: add up over the batch (the rows).",
                _with_grads(lambda g, X, y, p: {**g, "b1": _two_layer_dz1(X, y, p).sum(axis=1)})),
        Mistake("the loss is summed over the batch instead of averaged.",
                lambda X, y, params: (_two_layer(X, y, params)[0] * len(X), _two_layer(X, y, params)[1])),
    ],
)


def _two_layer_dz1(X, y, params):
    """The hidden layer's dL/dz1 (N, H), for the wrong-axis mistake."""
    a1 = sigmoid(X @ params["W1"] + params["b1"])
    p = sigmoid(a1 @ params["W2"] + params["b2"])
    dz2 = (p - y.reshape(-1, 1)) / len(X)
    return (dz2 @ params["W2"].T) * a1 * (1 - a1)


# -- sgd_step -----------------------------------------------------------------------

def _sgd_cases(rng):
    specs = [({"W1": (2, 3), "b1": (3,), "W2": (3, 1), "b2": (1,)}, 0.5, np.float64),
             ({"W1": (4, 5), "b1": (5,)}, 0.1, np.float64),
             ({"W1": (3, 2), "b1": (2,), "W2": (2, 2), "b2": (2,)}, 0.05, np.float32)]
    cases = []
    for shapes, lr, dtype in specs:
        params = {k: rng.standard_normal(s).astype(dtype) for k, s in shapes.items()}
        grads = {k: rng.standard_normal(s).astype(dtype) for k, s in shapes.items()}
        label = f"params {', '.join(f'{k} {s}' for k, s in shapes.items())}, lr {lr}" + (
            " float32" if dtype == np.float32 else "")
        cases.append(Case((params, grads, lr), label))
    return cases


def sgd_step_reference(params, grads, lr):
    """One gradient-descent step: a new dict {name: param - lr * grad} (the check's reference)."""
    return {k: params[k] - lr * grads[k] for k in params}


SGD_STEP = Exercise(
    name="sgd_step",
    points=2,
    may_change=("args[0]",),        # the notebook allows updating the arrays in place
    changes=lambda case: {f"the new params[{k!r}]": ("the step (the change of the parameter)", v)
                          for k, v in case.args[0].items()},
    make_cases=_sgd_cases,
    reference=sgd_step_reference,
    result="the new params",
    references=("mlp_lib.checks.lesson03:sgd_step_reference", "mlp_lib.optim:sgd"),
    mistakes=[
        Mistake("the step goes up the gradient: descent subtracts the learning rate times the gradient "
                "(is there a + where a - belongs?).",
                lambda p, g, lr: {k: p[k] + lr * g[k] for k in p}),
        Mistake("the learning rate is not applied: the step is the learning rate times the gradient.",
                lambda p, g, lr: {k: p[k] - g[k] for k in p}),
        Mistake("the gradient is divided by the learning rate instead of multiplied by it.",
                lambda p, g, lr: {k: p[k] - g[k] / lr for k in p}),
        Mistake("this parameter did not move: every parameter, biases included, takes a step.",
                lambda p, g, lr: {k: p[k].copy() for k in p}),
    ],
)


# -- train_xor (scored) --------------------------------------------------------------

def _xor_cases(rng):
    X, y = make_xor()
    order = rng.permutation(4)
    return [Case((X[order], y[order]), "the XOR truth table", private=(X, y))]


def _xor_score(case, params):
    """Accuracy of the returned parameters on the four XOR points: 4/4 full marks, 3/4 half."""
    X, y = case.private
    problem = _params_problem(params, X.shape[1])
    if problem:
        return 0.0, problem, "train_xor/wrong-params"
    W1, b1 = np.asarray(params["W1"], float), np.asarray(params["b1"], float)
    a1 = sigmoid(X @ W1 + b1)
    z2 = a1 @ np.asarray(params["W2"], float) + np.asarray(params["b2"], float)
    if not np.all(np.isfinite(z2)):
        return 0.0, "the trained parameters give NaN or infinite outputs: the training diverged", "train_xor/diverged"
    correct = int(np.sum((z2[:, 0] > 0).astype(int) == y))
    fraction = 1.0 if correct == 4 else 0.5 if correct == 3 else 0.0
    text = f"the trained network classifies {correct} of the 4 XOR points correctly ({correct / 4:.0%})"
    if correct == 4:
        return fraction, text
    return (fraction, *_xor_cause(W1, b1, z2[:, 0], y, text))


def _xor_cause(W1, b1, z2, y, text):
    """What the trained parameters show about the training: (message, diagnosis id)."""
    loss = binary_cross_entropy(z2, y.astype(float))[0]
    if W1.shape[1] > 1 and np.allclose(W1, W1[:, :1]) and np.allclose(b1, b1[0]):
        return (text + ": the hidden units are all identical. They started equal (a constant initialisation), "
                "so they received equal gradients and stayed equal; start the weights at random values "
                "drawn from the generator"), "train_xor/symmetric-hidden-units"
    if loss > np.log(2) + XOR_LOSS_MARGIN:
        return (text + f": its loss, {loss:.2f}, is above that of a network that answers 1/2 everywhere "
                f"(ln 2 = 0.69). The steps went uphill: each step must subtract the learning rate "
                f"times the gradient"), "train_xor/loss-went-up"
    if abs(loss - np.log(2)) <= XOR_LOSS_MARGIN:
        return (text + ": it still answers about 1/2 everywhere (its loss is ln 2 = 0.69, that of the "
                "start): the parameters barely moved. Check that each step updates them, with a learning "
                "rate that is not tiny, for enough epochs"), "train_xor/loss-never-moves"
    return text, "train_xor/not-yet-trained"


XOR_LOSS_MARGIN = 0.02      # how far from ln 2 the loss of a network that has learned nothing may be


def _params_problem(params, D):
    if not isinstance(params, dict):
        return f"should return the trained params dict (W1, b1, W2, b2), got a {type(params).__name__}"
    missing = [k for k in ("W1", "b1", "W2", "b2") if k not in params]
    if missing:
        return f"the returned params lack {', '.join(missing)}"
    shapes = {k: np.shape(params[k]) for k in ("W1", "b1", "W2", "b2")}
    H = shapes["W1"][1] if len(shapes["W1"]) == 2 else None
    want = {"W1": (D, H), "b1": (H,), "W2": (H, 1), "b2": (1,)}
    for k, s in want.items():
        if shapes[k] != s or not np.issubdtype(np.asarray(params[k]).dtype, np.number):
            return f"the returned {k} has shape {shapes[k]}, expected {s}"
    return None


TRAIN_XOR = Exercise(
    name="train_xor",
    points=2,
    make_cases=_xor_cases,
    score=_xor_score,
    references=("mlp_lib.train:train", "mlp_lib.model:MLP.forward_backward"),
    time_budget=60.0,
)


# -- MyMLP (a class) -----------------------------------------------------------------

class MyMLPReference:
    """The check's reference for ``MyMLP``: sigmoid hidden layers, one output logit, binary
    cross-entropy, and the members ``train`` needs. ``mistake`` names a typical wrong version.

    layer_sizes: [D, H1, ..., 1]; params: {"W1": (D, H1), "b1": (H1,), ..., "WL": (H, 1), "bL": (1,)}.
    """
    loss_record = LOSS_RECORDS["binary_cross_entropy"]

    def __init__(self, layer_sizes, seed=0, mistake=None):
        rng = np.random.default_rng(seed)
        self.L, self.mistake = len(layer_sizes) - 1, mistake
        self.params = {}
        for l in range(1, self.L + 1):
            self.params[f"W{l}"] = rng.standard_normal((layer_sizes[l - 1], layer_sizes[l])) / np.sqrt(layer_sizes[l - 1])
            self.params[f"b{l}"] = np.zeros(layer_sizes[l])

    def check_data(self, X, y):
        """X: (N, D), y: (N,) labels -> X (N, D) floats, y (N, 1) floats."""
        X = np.asarray(X, dtype=float)
        return X, np.asarray(y, dtype=float).reshape(len(X), 1)

    def forward(self, X):
        """X: (N, D) -> logits (N, 1); keeps (a_{l-1}, W_l, z_l) of every layer."""
        self.caches, a = [], X
        for l in range(1, self.L + 1):
            W = self.params[f"W{l}"]
            z = a @ W + self.params[f"b{l}"]
            self.caches.append((a, W, z))
            a = sigmoid(z) if l < self.L or self.mistake == "output-sigmoid" else z
            if self.mistake == "hidden-linear" and l < self.L:
                a = z
        return a

    def backward(self, dout):
        """dout: dL/dlogits (N, 1) -> grads, a dict with the keys and shapes of params."""
        grads, m = {}, self.mistake
        layers = range(1, self.L + 1) if m == "loop-not-reversed" else range(self.L, 0, -1)
        for l in layers:
            a, W, z = self.caches[-1 if m == "cache-overwritten" else l - 1]
            if l < self.L and m != "no-activation-derivative":
                dout = dout * sigmoid_prime(sigmoid(z) if m == "derivative-at-output" else z)
            if m == "output-sigmoid" and l == self.L:
                dout = dout * sigmoid_prime(z)
            grads[f"W{l}"] = (dout.T @ a if m == "dW-transposed" else a[-1:].T @ dout[-1:] if m == "dW-last-sample"
                              else a.T @ dout)
            grads[f"b{l}"] = dout if m == "db-not-summed" else dout.sum(axis=1) if m == "db-wrong-axis" else dout.sum(axis=0)
            dout = dout @ W.T
        return {f"d{k}": v for k, v in grads.items()} if m == "grads-misnamed" else grads

    def forward_backward(self, X, y):
        """On checked data -> (data loss, penalty 0.0, grads, logits (N, 1))."""
        logits = self.forward(X)
        loss, dlogits = binary_cross_entropy(logits, y)
        return loss, 0.0, self.backward(dlogits), logits


def my_mlp_reference(steps):
    """The reference's results on a scenario (see ``checks.scenario``)."""
    return scenario.play(MyMLPReference, steps)


def _with_mistake(mistake):
    return lambda steps: scenario.play(functools.partial(MyMLPReference, mistake=mistake), steps)


MY_MLP_SIZES = ([3, 1], [2, 4, 1], [3, 5, 4, 1], [2, 3, 3, 3, 1])   # L = 1 to 4
MY_MLP_BATCHES = (4, 1, 6, 5)
FORWARD_BACKWARD = ("loss", "penalty", "grads", "logits")
XOR_START_SEED, XOR_SIZES, XOR_EPOCHS, XOR_LR = 3, [2, 4, 1], 300, 5.0
XOR_LOSS_BELOW = 0.1        # what the training case must reach (the reference reaches it from its start)


def _params(rng, sizes):
    params = {}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = rng.standard_normal((sizes[l - 1], sizes[l]))
        params[f"b{l}"] = 0.5 * rng.standard_normal(sizes[l])
    return params


def _gradient_steps(sizes, params, X, y):
    return [("new", (list(sizes),), {"seed": 0}), ("shapes", "params", "initial shapes"), ("update", "params", params),
            ("call", "check_data", (X, y), {}, None),
            ("call", "forward_backward", scenario.PREVIOUS, {}, FORWARD_BACKWARD)]


def _training_steps(params):
    X, y = make_xor()
    return [("new", (list(XOR_SIZES),), {"seed": 0}), ("update", "params", params),
            ("descend", (X, y), {"epochs": XOR_EPOCHS, "lr": XOR_LR}, (".loss", ".accuracy"))]


def _my_mlp_cases(rng):
    cases = []
    for sizes, N in zip(MY_MLP_SIZES, MY_MLP_BATCHES):
        X = rng.standard_normal((N, sizes[0]))
        y = rng.integers(0, 2, size=N).astype(float)
        cases.append(Case((_gradient_steps(sizes, _params(rng, sizes), X, y),),
                          f"layer_sizes {sizes} (L = {len(sizes) - 1}), X {X.shape}: forward_backward",
                          facts={"N": N, "sizes": sizes}))
    start = _params(np.random.default_rng(XOR_START_SEED), XOR_SIZES)
    cases.append(Case((_training_steps(start),), f"XOR, layer_sizes {XOR_SIZES} from a given start, "
                      f"train(model, X, y, epochs={XOR_EPOCHS}, lr={XOR_LR})", facts={"training": True}))
    return cases


def _my_mlp_numerical(case):
    if case.facts.get("training"):
        return {}
    new, _, update, check_data, _ = case.args[0]
    model = MyMLPReference(new[1][0])
    model.params.update({k: np.array(v, dtype=float) for k, v in update[2].items()})
    X, y = model.check_data(*check_data[2])
    loss = lambda: binary_cross_entropy(model.forward(X), y)[0]
    return {"grads": {k: numerical_gradient(loss, model.params[k]) for k in model.params}}


def _my_mlp_contract(case, value):
    """The members ``train`` relies on, before the values: the parameters' names, and that the
    model computes with the parameters ``train`` puts into ``model.params``."""
    if case.facts.get("training"):
        loss = value.get("loss") if isinstance(value, dict) else None
        if isinstance(loss, list) and len(loss) > 1 and all(isinstance(v, float) for v in loss) \
                and max(loss) - min(loss) <= 1e-12 * max(1.0, abs(loss[0])):
            return (f"trained with train, the loss never moved ({loss[0]:.4f} at every epoch). The training loop "
                    f"puts new arrays into the model's dict of parameters at every step, under the same names, "
                    f"so every forward pass must read the weights from that dict; copies kept elsewhere (in a "
                    f"list, or in layer objects holding their own arrays) are never updated.", "ignores-params")
        return None
    sizes = case.facts["sizes"]
    shapes = value.get("initial shapes") if isinstance(value, dict) else None
    for l in range(1, len(sizes)):
        for key, want_shape in ((f"W{l}", (sizes[l - 1], sizes[l])), (f"b{l}", (sizes[l],))):
            if isinstance(shapes, dict) and key in shapes and tuple(shapes[key]) != want_shape:
                return (f"the new model's parameter {key} has the shape {tuple(shapes[key])} for the layer sizes "
                        f"{sizes}; it must be {want_shape}. The weights of layer l are a matrix of the size of "
                        f"layer l - 1 by the size of layer l, its bias a vector of the size of layer l.",
                        "initial-shapes")
    grads = value.get("grads") if isinstance(value, dict) else None
    want = [f"{p}{l}" for l in range(1, len(sizes)) for p in "Wb"]
    if isinstance(grads, dict) and sorted(grads) != sorted(want):
        return (f"the gradients are named {', '.join(map(str, grads)) or '(none)'}; the training loop expects the "
                f"names {', '.join(want)}: the parameters and their gradients both use W1, b1 for the first "
                f"layer up to W{len(want) // 2}, b{len(want) // 2} for the output layer.", "parameter-names")
    return None


def _my_mlp_trained(case, value):
    """The training case reaches the stated loss and all four XOR points."""
    if not case.facts.get("training"):
        return None
    loss, accuracy = value["loss"][-1], value["accuracy"][-1]
    if not (loss < XOR_LOSS_BELOW and accuracy == 1.0):
        return (f"trained on XOR, the loss is {loss:.4f} and the accuracy {accuracy:.0%}; it must reach a loss "
                f"below {XOR_LOSS_BELOW} with all four points right.", "not-trained")
    return None


MY_MLP = Exercise(
    name="MyMLP",
    points=4,
    scenario=True,
    make_cases=_my_mlp_cases,
    reference=my_mlp_reference,
    gradient=_my_mlp_numerical,
    before_values=_my_mlp_contract,
    extra=_my_mlp_trained,
    result="your model",
    arg_names=("scenario",),
    time_budget=60.0,
    references=("mlp_lib.model:MLP.__init__", "mlp_lib.model:MLP.forward_backward", "mlp_lib.model:MLP.loss",
                "mlp_lib.model:MLP.forward", "mlp_lib.model:MLP._forward", "mlp_lib.model:MLP._backward"),
    mistakes=[
        Mistake("the layers' caches overwrite each other: keep one cache per layer (a list, or a dict by layer), "
                "so that the backward pass of layer l uses layer l's own input and weights, not the last layer's.",
                _with_mistake("cache-overwritten"), id="caches-overwritten"),
        Mistake("the backward loop runs forwards: the gradient starts at the output, so it must visit the layers "
                "in reverse, from layer L down to layer 1.", _with_mistake("loop-not-reversed"),
                id="backward-loop-not-reversed"),
        Mistake("a dW is transposed: dW_l has the shape of W_l, the layer's input transposed times dout.",
                _with_mistake("dW-transposed"), id="dW-transposed"),
        Mistake("dW keeps only the last example of the batch: it must add up the contributions of all N examples.",
                _with_mistake("dW-last-sample"), id="dW-not-accumulated"),
        Mistake("the hidden activation's derivative is missing: going back through a = sigmoid(z) multiplies the "
                "gradient by sigmoid'(z) of that layer, entry by entry.", _with_mistake("no-activation-derivative"),
                id="missing-activation-derivative"),
        Mistake("the activation's derivative is evaluated at the layer's output a = sigmoid(z) instead of at the "
                "pre-activation z.", _with_mistake("derivative-at-output"), id="derivative-at-the-output"),
        Mistake("a bias gradient is not summed over the batch: db_l has the shape of b_l, the sum of dout over "
                "the rows.", _with_mistake("db-not-summed"), id="bias-gradient-not-summed"),
        Mistake("a bias gradient is summed over the wrong axis: add up over the batch (the rows).",
                _with_mistake("db-wrong-axis"), id="bias-gradient-wrong-axis"),
        Mistake("the output layer goes through a sigmoid too: forward must return the logits z_L, because the "
                "loss (binary cross-entropy from logits) applies the sigmoid itself.",
                _with_mistake("output-sigmoid"), id="output-through-sigmoid"),
        Mistake("the gradients are not named like the parameters: the training loop looks up each parameter's "
                "gradient under the parameter's own name (W1, b1, ...).", _with_mistake("grads-misnamed"),
                id="gradients-misnamed"),
        Mistake("the hidden layers are not activated: a_l = sigmoid(z_l) for every layer but the last.",
                _with_mistake("hidden-linear"), id="hidden-layers-linear"),
    ],
)


EXERCISES = [AFFINE_FORWARD, AFFINE_BACKWARD, SIGMOID_PRIME, TWO_LAYER_GRADIENTS, SGD_STEP, TRAIN_XOR, MY_MLP]

check_affine_backward = make_check(AFFINE_BACKWARD)
check_sigmoid_prime = make_check(SIGMOID_PRIME)
check_two_layer_gradients = make_check(TWO_LAYER_GRADIENTS)
check_sgd_step = make_check(SGD_STEP)
check_train_xor = make_check(TRAIN_XOR)
check_MyMLP = make_check(MY_MLP)
