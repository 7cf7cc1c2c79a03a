"""The checks of lesson 3 accept every correct answer (another formula, in place, float32)
and reject each typical mistake with the hint that names it."""
import numpy as np
import pytest

import mlp_lib
from mlp_lib import sigmoid
from mlp_lib.checks import lesson03 as L


# -- right answers, written independently of the package ---------------------------

def affine_forward(X, W, b):
    return X @ W + b, (X, W)


def affine_forward_einsum(X, W, b):
    return np.einsum("nd,dm->nm", X, W) + b[None, :], (X, W)


def affine_forward_float32(X, W, b):
    X32, W32 = X.astype(np.float32), W.astype(np.float32)
    return X32 @ W32 + b.astype(np.float32), (X, W)


def affine_forward_list_cache(X, W, b):
    return np.dot(X, W) + b, [X, W]


def affine_backward(dout, cache):
    X, W = cache
    return dout @ W.T, X.T @ dout, dout.sum(axis=0)


def affine_backward_loops(dout, cache):
    X, W = cache
    dX, dW, db = np.zeros(X.shape), np.zeros(W.shape), np.zeros(W.shape[1])
    for n in range(X.shape[0]):
        dX[n] = W @ dout[n]
        dW += np.outer(X[n], dout[n])
        db += dout[n]
    return dX, dW, db


def affine_backward_einsum(dout, cache):
    X, W = cache
    return np.einsum("nm,dm->nd", dout, W), np.einsum("nd,nm->dm", X, dout), np.ones(len(dout)) @ dout


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1 - s)


def sigmoid_prime_exp(z):
    e = np.exp(-np.abs(z))
    return e / (1 + e) ** 2


def sigmoid_prime_tanh(z):
    return 0.25 * (1 - np.tanh(z / 2) ** 2)


def sigmoid_prime_inplace(z):
    out = sigmoid(z)
    out *= 1 - out
    return out


def two_layer(X, y, params):
    N = len(X)
    y = y.reshape(-1, 1)
    z1 = X @ params["W1"] + params["b1"]
    a1 = 1 / (1 + np.exp(-z1))
    z2 = a1 @ params["W2"] + params["b2"]
    p = 1 / (1 + np.exp(-z2))
    loss = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    dz2 = (p - y) / N
    dz1 = (dz2 @ params["W2"].T) * a1 * (1 - a1)
    return loss, {"W1": X.T @ dz1, "b1": dz1.sum(0), "W2": a1.T @ dz2, "b2": dz2.sum(0)}


def two_layer_stable_loss(X, y, params):
    """Loss from the logits with log-sum-exp, the grads as a list of pairs turned into a dict."""
    loss, grads = two_layer(X, y, params)
    z2 = sigmoid(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
    yc = y.reshape(-1, 1)
    stable = np.mean(np.logaddexp(0, z2) - yc * z2)
    return np.float64(stable), dict(sorted(grads.items()))


def two_layer_float32(X, y, params):
    loss, grads = two_layer(X.astype(np.float32), y.astype(np.float32),
                            {k: v.astype(np.float32) for k, v in params.items()})
    return np.float32(loss), grads


def sgd_step(params, grads, lr):
    return {k: params[k] - lr * grads[k] for k in params}


def sgd_step_inplace(params, grads, lr):
    for k in params:
        params[k] -= lr * grads[k]
    return params


def sgd_step_float32(params, grads, lr):
    return {k: (params[k] - np.float32(lr) * grads[k]).astype(np.float32) for k in params}


def train_xor(X, y, hidden=4, lr=2.0, epochs=3000, seed=0):
    rng = np.random.default_rng(seed)
    params = {"W1": rng.standard_normal((2, hidden)), "b1": np.zeros(hidden),
              "W2": rng.standard_normal((hidden, 1)), "b2": np.zeros(1)}
    for _ in range(epochs):
        params = sgd_step(params, two_layer(X, y, params)[1], lr)
    return params


# MyMLP, in several styles; each reads its weights from self.params at every pass, as train needs
BCE = mlp_lib.losses.get_loss_record("binary_cross_entropy")


class MyMLP:
    """Lists of caches, the learner's own layer functions, the package's loss."""
    loss_record = BCE

    def __init__(self, layer_sizes, seed=0):
        rng = np.random.default_rng(seed)
        self.L = len(layer_sizes) - 1
        self.params = {}
        for l in range(1, self.L + 1):
            self.params[f"W{l}"] = 0.5 * rng.standard_normal((layer_sizes[l - 1], layer_sizes[l]))
            self.params[f"b{l}"] = np.zeros(layer_sizes[l])

    def check_data(self, X, y):
        return np.asarray(X, float), np.asarray(y, float).reshape(-1, 1)

    def forward(self, X):
        self.caches, a = [], X
        for l in range(1, self.L + 1):
            z, cache = affine_forward(a, self.params[f"W{l}"], self.params[f"b{l}"])
            self.caches.append((cache, z))
            a = sigmoid(z) if l < self.L else z
        return a

    def backward(self, dout):
        grads = {}
        for l in reversed(range(1, self.L + 1)):
            cache, z = self.caches[l - 1]
            if l < self.L:
                dout = dout * sigmoid_prime(z)
            dout, grads[f"W{l}"], grads[f"b{l}"] = affine_backward(dout, cache)
        return grads

    def forward_backward(self, X, y):
        logits = self.forward(X)
        loss, dlogits = mlp_lib.binary_cross_entropy(logits, y)
        return loss, 0.0, self.backward(dlogits), logits


class Layer:
    """One affine layer that looks its weights up in the model's params by name."""

    def __init__(self, params, l, hidden):
        self.params, self.W, self.b, self.hidden = params, f"W{l}", f"b{l}", hidden

    def forward(self, a):
        self.a = a
        z = a @ self.params[self.W] + self.params[self.b]
        self.out = sigmoid(z) if self.hidden else z
        return self.out

    def backward(self, dout):
        if self.hidden:
            dout = dout * self.out * (1 - self.out)       # sigma'(z) written with the output
        return dout @ self.params[self.W].T, {self.W: self.a.T @ dout, self.b: np.sum(dout, axis=0)}


class MyMLPLayerObjects:
    """A list of layer objects, the loss written out in its stable form, y kept as (N,)."""
    loss_record = BCE

    def __init__(self, layer_sizes, seed=0):
        rng = np.random.default_rng(seed)
        self.params = {}
        for l, (m, n) in enumerate(zip(layer_sizes, layer_sizes[1:]), start=1):
            self.params.update({f"W{l}": rng.normal(0, 1 / np.sqrt(m), (m, n)), f"b{l}": np.zeros(n)})
        L_ = len(layer_sizes) - 1
        self.layers = [Layer(self.params, l, l < L_) for l in range(1, L_ + 1)]

    def check_data(self, X, y):
        return np.array(X, dtype=np.float64), np.array(y, dtype=np.float64)

    def forward(self, X):
        for layer in self.layers:
            X = layer.forward(X)
        return X

    def forward_backward(self, X, y):
        z = self.forward(X)[:, 0]
        loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
        dout, grads = ((sigmoid(z) - y) / len(y))[:, None], {}
        for layer in reversed(self.layers):
            dout, g = layer.backward(dout)
            grads.update(g)
        return loss, 0.0, grads, z[:, None]


class MyMLPLoops(MyMLP):
    """Caches in a dict by layer, and a backward pass that adds up dW and db one example at a time."""

    def forward(self, X):
        self.cache, a = {}, X
        for l in range(1, self.L + 1):
            z = a @ self.params[f"W{l}"] + self.params[f"b{l}"]
            self.cache[l] = (a, z)
            a = 1 / (1 + np.exp(-z)) if l < self.L else z
        return a

    def backward(self, dout):
        grads = {}
        for l in range(self.L, 0, -1):
            a, z = self.cache[l]
            if l < self.L:
                dout = dout * sigmoid_prime(z)
            W = self.params[f"W{l}"]
            dW, db = np.zeros_like(W), np.zeros(W.shape[1])
            for n in range(len(a)):
                dW += np.outer(a[n], dout[n])
                db += dout[n]
            grads[f"W{l}"], grads[f"b{l}"] = dW, db
            dout = dout @ W.T
        return grads


class CachesOverwritten(MyMLP):
    def forward(self, X):
        a = X
        for l in range(1, self.L + 1):
            z, self.cache = affine_forward(a, self.params[f"W{l}"], self.params[f"b{l}"])
            self.z = z
            a = sigmoid(z) if l < self.L else z
        return a

    def backward(self, dout):
        grads = {}
        for l in range(self.L, 0, -1):
            if l < self.L:
                dout = dout * sigmoid_prime(self.z)
            dout, grads[f"W{l}"], grads[f"b{l}"] = affine_backward(dout, self.cache)
        return grads


class LoopNotReversed(MyMLP):
    def backward(self, dout):
        grads = {}
        for l in range(1, self.L + 1):
            cache, z = self.caches[l - 1]
            if l < self.L:
                dout = dout * sigmoid_prime(z)
            dout, grads[f"W{l}"], grads[f"b{l}"] = affine_backward(dout, cache)
        return grads


class NoActivationDerivative(MyMLP):
    def backward(self, dout):
        grads = {}
        for l in range(self.L, 0, -1):
            dout, grads[f"W{l}"], grads[f"b{l}"] = affine_backward(dout, self.caches[l - 1][0])
        return grads


def _with_grads(change):
    class Changed(MyMLP):
        def backward(self, dout):
            grads = MyMLP.backward(self, dout)
            for l in range(1, self.L + 1):
                (a, W), z = self.caches[l - 1]
                change(grads, l, a)
            return grads
    return Changed


class BiasNotSummed(MyMLP):
    def backward(self, dout):
        grads = {}
        for l in range(self.L, 0, -1):
            (a, W), z = self.caches[l - 1]
            if l < self.L:
                dout = dout * sigmoid_prime(z)
            grads[f"W{l}"], grads[f"b{l}"] = a.T @ dout, dout
            dout = dout @ W.T
        return grads


class SquareWeights(MyMLP):
    """W_l initialised (H_l, H_l), the fan-out twice: the check's own parameters would hide it."""

    def __init__(self, layer_sizes, seed=0):
        super().__init__(layer_sizes, seed)
        for l in range(1, self.L + 1):
            self.params[f"W{l}"] = np.ones((layer_sizes[l], layer_sizes[l])) * 0.1


class GradientsNamedD(MyMLP):
    def backward(self, dout):
        return {f"d{k}": v for k, v in MyMLP.backward(self, dout).items()}


class ZeroBasedNames(MyMLP):
    def __init__(self, layer_sizes, seed=0):
        super().__init__(layer_sizes, seed)
        self.params = {f"{k[0]}{int(k[1:]) - 1}": v for k, v in self.params.items()}

    def forward(self, X):
        self.caches, a = [], X
        for l in range(self.L):
            z, cache = affine_forward(a, self.params[f"W{l}"], self.params[f"b{l}"])
            self.caches.append((cache, z))
            a = sigmoid(z) if l < self.L - 1 else z
        return a

    def backward(self, dout):
        return {f"{k[0]}{int(k[1:]) - 1}": v for k, v in MyMLP.backward(self, dout).items()}


class OwnCopies(MyMLPLayerObjects):
    """Layer objects holding their own arrays: the params train updates are never read."""

    def __init__(self, layer_sizes, seed=0):
        super().__init__(layer_sizes, seed)
        frozen = dict(self.params)
        for layer in self.layers:
            layer.params = frozen


class OutputThroughSigmoid(MyMLP):
    def forward(self, X):
        return sigmoid(MyMLP.forward(self, X))

    def forward_backward(self, X, y):
        p = self.forward(X)
        loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
        dz = (p - y) / len(X)                # the gradient at z_L, then the backward of the hidden layers
        return loss, 0.0, self.backward(dz), p


class DelegatesToMLP:
    loss_record = BCE

    def __init__(self, layer_sizes, seed=0):
        self.net = mlp_lib.MLP(layer_sizes, activation="sigmoid", loss="binary_cross_entropy", seed=seed)
        self.params = self.net.params

    def check_data(self, X, y):
        return self.net.check_data(X, y)

    def forward_backward(self, X, y):
        return self.net.forward_backward(X, y)


class SubclassOfMLP(mlp_lib.MLP):
    pass


CORRECT = {
    "affine_forward": [affine_forward, affine_forward_einsum, affine_forward_float32, affine_forward_list_cache],
    "affine_backward": [affine_backward, affine_backward_loops, affine_backward_einsum],
    "sigmoid_prime": [sigmoid_prime, sigmoid_prime_exp, sigmoid_prime_tanh, sigmoid_prime_inplace],
    "two_layer_gradients": [two_layer, two_layer_stable_loss, two_layer_float32],
    "sgd_step": [sgd_step, sgd_step_inplace, sgd_step_float32],
    "train_xor": [train_xor, lambda X, y: train_xor(X, y, hidden=3, lr=3.0, seed=1),
                  lambda X, y: train_xor(X, y, hidden=8, lr=1.0, epochs=5000, seed=2)],
    "MyMLP": [MyMLP, MyMLPLayerObjects, MyMLPLoops],
}

# -- typical mistakes, each with the words its hint must contain --------------------


def _two_layer_variant(kind):
    def f(X, y, params):
        N = len(X)
        yc = y if kind == "broadcast" else y.reshape(-1, 1)
        z1 = X @ params["W1"] + params["b1"]
        a1 = sigmoid(z1)
        p = sigmoid(a1 @ params["W2"] + params["b2"])
        loss = float(-np.mean(yc * np.log(p) + (1 - yc) * np.log(1 - p)))
        dz2 = (p - yc) if kind == "no 1/N" else (p - yc) / N
        da1 = dz2 @ params["W2"].T
        if kind == "prime of output":
            dz1 = da1 * sigmoid_prime(a1)
        elif kind == "no prime":
            dz1 = da1
        else:
            dz1 = da1 * sigmoid_prime(z1)
        grads = {"W1": X.T @ dz1, "b1": dz1.sum(0), "W2": a1.T @ dz2, "b2": dz2.sum(0)}
        if kind == "dW1 transposed":
            grads["W1"] = dz1.T @ X
        if kind == "b1 axis":
            grads["b1"] = dz1.sum(1)
        if kind == "summed loss":
            loss *= N
        return loss, grads
    return f


WRONG = {
    "affine_forward": [
        (lambda X, W, b: (X @ W, (X, W)), "bias b is not added"),
        (lambda X, W, b: ((X @ W + b).T, (X, W)), "transposed"),
        (lambda X, W, b: (X @ W + b, (W, X)), "cache should hold (X, W)"),
        (lambda X, W, b: (X @ W - b, (X, W)), "subtracted"),
        (lambda X, W, b: (X @ W.T + b, (X, W)), "W is used transposed"),
        (lambda X, W, b: X @ W + b, "it must return 2 values"),
    ],
    "affine_backward": [
        (lambda d, c: (d @ c[1].T, d.T @ c[0], d.sum(0)), "dW is transposed"),
        (lambda d, c: (d @ c[1].T, c[0].T @ d, d.sum(1)), "wrong axis"),
        (lambda d, c: (d @ c[1].T, c[0].T @ d, d.sum(0, keepdims=True)), "extra axis"),
        (lambda d, c: (d @ c[1].T / len(d), c[0].T @ d / len(d), d.sum(0) / len(d)), "divided by N"),
        (lambda d, c: (d @ c[1], c[0].T @ d, d.sum(0)), "dX needs W transposed"),
        (lambda d, c: (d @ c[1].T, c[0].T @ d, d), "contributions of all the examples"),
        (lambda d, c: (d @ c[1].T, c[0].T @ d, d.mean(0)), "divided by N"),
    ],
    "sigmoid_prime": [
        (lambda z: z * (1 - z), "applied to z itself"),
        (lambda z: sigmoid_prime(sigmoid(z)), "evaluated at the activation's output"),
        (lambda z: sigmoid(z), "the sigmoid itself"),
        (lambda z: sigmoid(z) * (1 + sigmoid(z)), "sign inside the product"),
        (lambda z: -sigmoid_prime(z), "wrong sign"),
    ],
    "two_layer_gradients": [
        (_two_layer_variant("no 1/N"), "N times too large"),
        (_two_layer_variant("prime of output"), "evaluated at its output a1"),
        (_two_layer_variant("no prime"), "derivative is missing"),
        (_two_layer_variant("broadcast"), "broadcasts to an (N, N) array"),
        (_two_layer_variant("dW1 transposed"), "dW1 is transposed"),
        (_two_layer_variant("b1 axis"), "wrong axis"),
        (_two_layer_variant("summed loss"), "summed over the batch instead of averaged"),
    ],
    "sgd_step": [
        (lambda p, g, lr: {k: p[k] + lr * g[k] for k in p}, "goes up the gradient"),
        (lambda p, g, lr: {k: p[k] - g[k] for k in p}, "learning rate is not applied"),
        (lambda p, g, lr: {k: p[k] - g[k] / lr for k in p}, "divided by the learning rate"),
        (lambda p, g, lr: {k: p[k] - lr * g[k] if k.startswith("W") else p[k] for k in p}, "biases included"),
        (lambda p, g, lr: {k: p[k] - lr * g[k] for k in p if k.startswith("W")}, "lacks the keys b1, b2"),
    ],
    "train_xor": [
        (lambda X, y: train_xor(X, y, epochs=1), "correctly"),
        (lambda X, y: {"W1": np.zeros((2, 2))}, "lack b1"),
        (lambda X, y: [np.zeros((2, 2))], "should return the trained params dict"),
    ],
    "MyMLP": [
        (CachesOverwritten, "caches overwrite each other"),
        (LoopNotReversed, "must visit the layers in reverse"),
        (NoActivationDerivative, "activation's derivative is missing"),
        (_with_grads(lambda g, l, a: g.update({f"W{l}": g[f"W{l}"].T})), "a dW is transposed"),
        (BiasNotSummed, "not summed over the batch"),
        (SquareWeights, "parameter W1 has the shape (1, 1) for the layer sizes [3, 1]; it must be (3, 1)"),
        (GradientsNamedD, "gradient under the parameter's own name"),
        (ZeroBasedNames, "holds the names W0, b0; the parameters must be named W1, b1"),
        (OwnCopies, "the loss never moved"),
        (OutputThroughSigmoid, "the output layer goes through a sigmoid too"),
    ],
}

CHECKS = {e.name: getattr(L, f"check_{e.name}") for e in L.EXERCISES}


def test_every_exercise_has_right_and_wrong_answers_here():
    assert set(CORRECT) == set(WRONG) == set(CHECKS)
    assert all(len(WRONG[name]) >= 3 for name in WRONG)


@pytest.mark.parametrize("name, fn", [(n, f) for n, fs in CORRECT.items() for f in fs],
                         ids=lambda x: getattr(x, "__name__", x))
def test_a_correct_answer_passes(name, fn, capsys):
    result = CHECKS[name](fn)
    assert result.passed, result.message
    assert result.status == "passed" and result.fraction == 1.0
    out = capsys.readouterr().out
    assert out.startswith("✓") and out.count("\n") == 1          # one clear line


@pytest.mark.parametrize("name, fn, hint", [(n, f, h) for n, ws in WRONG.items() for f, h in ws],
                         ids=lambda x: x if isinstance(x, str) and len(x) < 30 else "")
def test_a_typical_mistake_is_rejected_with_its_hint(name, fn, hint, capsys):
    result = CHECKS[name](fn)
    assert not result.passed and result.fraction < 1.0
    assert hint in result.message, result.message
    assert "Traceback" not in capsys.readouterr().out


@pytest.mark.parametrize("name", list(CHECKS))
def test_a_stub_says_not_implemented(name):
    def stub(*args, **kwargs):
        raise NotImplementedError()
    stub.__name__ = name
    result = CHECKS[name](stub)
    assert result.status == "not_implemented" and "not implemented yet" in result.message
    assert "Traceback" not in result.message


def test_calling_an_unfinished_helper_is_named():
    def helper(z):
        raise NotImplementedError()

    def sigmoid_prime(z):
        return helper(z)
    result = L.check_sigmoid_prime(sigmoid_prime)
    assert result.status == "not_implemented" and "it calls helper" in result.message


@pytest.mark.parametrize("name, fn", [
    ("affine_forward", lambda X, W, b: mlp_lib.affine_forward(X, W, b)),
    ("affine_backward", lambda dout, cache: mlp_lib.layers.affine_backward(dout, cache)),
    ("sigmoid_prime", lambda z: mlp_lib.sigmoid_prime(z)),
    ("sgd_step", lambda p, g, lr: {k: mlp_lib.sgd(p[k], g[k], None, lr)[0] for k in p}),
    ("two_layer_gradients", lambda X, y, p: L.two_layer_gradients_reference(X, y, p)),
    ("MyMLP", SubclassOfMLP),
    ("MyMLP", DelegatesToMLP),
])
def test_calling_the_package_solution_scores_zero(name, fn):
    result = CHECKS[name](fn)
    assert result.status == "reference_called" and result.fraction == 0
    assert "course's own solution" in result.message


def test_sentinels_are_removed_after_a_check():
    code = mlp_lib.affine_forward.__code__
    L.check_affine_forward(lambda X, W, b: mlp_lib.affine_forward(X, W, b))
    assert mlp_lib.affine_forward.__code__ is code
    assert not [k for k in vars(mlp_lib.layers) if k.startswith("__mlp_course_sentinel")]


def test_an_error_shows_the_learner_line_and_case():
    def affine_backward(dout, cache):
        X, W = cache
        dX = dout @ W
        return dX, X.T @ dout, dout.sum(0)
    result = L.check_affine_backward(affine_backward)
    assert result.status == "error"
    assert "dX = dout @ W" in result.message and "dout (4, 5)" in result.message
    assert "dX needs W transposed" in result.message


def test_a_wrong_value_shows_entries_beside_the_expected_ones():
    result = L.check_affine_forward(lambda X, W, b: (X @ W, (X, W)))
    lines = result.message.splitlines()
    assert "entries differ" in lines[0]
    assert any(line.strip().startswith("entry [0, 0]: yours") and "expected" in line for line in lines)


def test_the_check_does_not_let_an_in_place_answer_spoil_the_reference():
    # sgd_step may update the arrays in place (the notebook allows it); the next cases and the
    # reference are unaffected
    assert L.check_sgd_step(sgd_step_inplace).passed
    assert L.check_sgd_step(sgd_step).passed


def test_passing_the_result_instead_of_the_function_is_explained():
    result = L.check_sigmoid_prime(sigmoid_prime(np.zeros(3)))
    assert not result.passed and "pass the function itself" in result.message


def test_returning_none_is_explained():
    result = L.check_affine_backward(lambda dout, cache: None)
    assert "returned None" in result.message and "return" in result.message


def test_under_nbgrader_a_failing_check_raises(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(AssertionError, match="bias b is not added"):
        L.check_affine_forward(lambda X, W, b: (X @ W, (X, W)))
    assert L.check_affine_forward(affine_forward).passed


def test_a_slow_function_runs_out_of_its_budget(monkeypatch):
    import time
    monkeypatch.setattr(L.SIGMOID_PRIME, "time_budget", 0.5)

    def sigmoid_prime(z):
        while True:
            try:
                time.sleep(0.05)
            except Exception:   # a learner's catch-all cannot swallow the budget
                pass
    result = L.check_sigmoid_prime(sigmoid_prime)
    assert result.status == "timeout" and "time budget" in result.message


def test_a_class_that_passes_trains_with_the_package_loop_as_the_check_says():
    """The check's training case is train itself: a passing class trains XOR there to the stated loss."""
    X, y = mlp_lib.make_xor()
    history = mlp_lib.train(MyMLPLayerObjects([2, 4, 4, 1], seed=1), X, y, epochs=1000, lr=5.0)
    assert history.loss[-1] < L.XOR_LOSS_BELOW and history.accuracy[-1] == 1.0


def test_the_training_case_matches_the_package_model_from_the_same_start():
    """An independent oracle for the reference's run: mlp_lib.MLP with the same start and train."""
    case = [c for c in L.MY_MLP.make_cases(np.random.default_rng(0)) if c.facts.get("training")][0]
    got = L.my_mlp_reference(case.args[0])
    model = mlp_lib.MLP(L.XOR_SIZES, activation="sigmoid", loss="binary_cross_entropy")
    model.params = {k: np.array(v) for k, v in case.args[0][1][2].items()}
    X, y = mlp_lib.make_xor()
    history = mlp_lib.train(model, X, y, epochs=L.XOR_EPOCHS, lr=L.XOR_LR)
    np.testing.assert_allclose(got["loss"], history.loss, rtol=1e-9)
    assert got["loss"][-1] < L.XOR_LOSS_BELOW and got["accuracy"][-1] == 1.0


def test_a_class_stub_names_the_unwritten_method():
    class Stub(MyMLP):
        def forward(self, X):
            raise NotImplementedError()
    result = L.check_MyMLP(Stub)
    assert result.status == "not_implemented" and "it calls forward" in result.message


def test_a_model_without_params_is_told_what_train_needs():
    class NoParams(MyMLP):
        def __init__(self, layer_sizes, seed=0):
            pass
    result = L.check_MyMLP(NoParams)
    assert result.status == "error" and "model.params, a dict" in result.message


def test_forward_backward_returning_two_values_is_explained():
    class TwoValues(MyMLP):
        def forward_backward(self, X, y):
            return MyMLP.forward_backward(self, X, y)[:2]
    result = L.check_MyMLP(TwoValues)
    assert "forward_backward must return 4 values (loss, penalty, grads, logits)" in result.message


@pytest.mark.parametrize("fast", [False, True])
def test_the_harness_trains_a_model_exactly_as_train_does(fast):
    """MyMLP's training case runs ``scenario.descend`` (the grader withholds ``train``): on a
    full batch with plain SGD it must give train's losses, accuracies and parameters."""
    from mlp_lib import MLP, make_xor, train
    from mlp_lib.checks import scenario
    X, y = make_xor()
    ours, theirs = (MLP([2, 4, 1], activation="sigmoid", loss="binary_cross_entropy", seed=3) for _ in range(2))
    history = scenario.descend(ours, X, y, epochs=60, lr=5.0)
    reference = train(theirs, X, y, epochs=60, lr=5.0, fast=fast)
    assert history.loss == pytest.approx(reference.loss, rel=1e-10)
    assert history.accuracy == reference.accuracy
    for name in theirs.params:
        np.testing.assert_allclose(ours.params[name], theirs.params[name], rtol=1e-10, atol=1e-12)
