"""Property-based tests (Hypothesis) of the model, the training loop and the small public
pieces around them: initializers, registries, schedules called directly, the standardizer,
one_hot, the real data sets and the gradient checks. Hostile arrays, sizes 0, 1 and many,
and hyperparameters inside and outside their ranges; the oracle is a result an independent
reference gives (a NumPy network written here, PyTorch when installed) or a ValueError or
TypeError from mlp_lib naming expected and given (see fuzz_support)."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import special

import mlp_lib
from fuzz_support import (FEW, FUZZ, MUTATIONS, Expect, all_finite, clean, combine, expect_outcome, hostile, outcome,
                          torch_loss)
from mlp_lib import data as D
from mlp_lib import init as I
from mlp_lib import optim as O

try:
    import torch
except ImportError:  # PyTorch is optional: the NumPy references below are used alone
    torch = None

REFUSE = Expect(refuse=(ValueError, TypeError))
OK = Expect(values=None)

# -- a network written independently of the package ------------------------------------------

ACTIVATION_REFERENCES = {"sigmoid": special.expit, "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0),
                         "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z), "identity": lambda z: z}


def reference_logits(params, X, activation, L):
    a = X
    for l in range(1, L + 1):
        z = a @ params[f"W{l}"] + params[f"b{l}"]
        a = z if l == L else ACTIVATION_REFERENCES[activation](z)
    return a


def reference_loss(loss, logits, y, params, lam, L):
    """Data loss (mean over the batch) plus lam/2 * sum ||W||^2, written from the definitions."""
    if loss == "mse":
        data = np.mean((logits - y.reshape(logits.shape)) ** 2)
    elif loss == "binary_cross_entropy":
        yy = y.reshape(logits.shape)
        data = np.mean(np.logaddexp(0, logits) - logits * yy)
    else:
        Y = np.eye(logits.shape[1])[y.astype(int)] if y.ndim == 1 else y
        data = -np.sum(Y * special.log_softmax(logits, axis=1)) / len(logits)
    return data + 0.5 * lam * sum(np.sum(params[f"W{l}"] ** 2) for l in range(1, L + 1))


def reference_gradients(loss, activation, params, X, y, lam, L):
    """Gradients of the total loss: PyTorch autograd if installed, else centred differences."""
    if torch is not None:
        tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
        act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "identity": lambda z: z,
               "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01)}[activation]
        a = torch.tensor(X)
        for l in range(1, L + 1):
            z = a @ tp[f"W{l}"] + tp[f"b{l}"]
            a = z if l == L else act(z)
        total = torch_loss(loss, a, y) + 0.5 * lam * sum((tp[f"W{l}"] ** 2).sum() for l in range(1, L + 1))
        total.backward()
        return {k: t.grad.numpy() for k, t in tp.items()}
    grads = {}
    for name, value in params.items():
        g = np.zeros_like(value)
        for i in np.ndindex(value.shape):
            plus, minus = dict(params), dict(params)
            plus[name], minus[name] = value.copy(), value.copy()
            plus[name][i] += 1e-6
            minus[name][i] -= 1e-6
            f = [reference_loss(loss, reference_logits(p, X, activation, L), y, p, lam, L) for p in (plus, minus)]
            g[i] = (f[0] - f[1]) / 2e-6
        grads[name] = g
    return grads


@st.composite
def model_cases(draw):
    """(model arguments, X to pass, Expect for X, y to pass, Expect for y, the clean X and y)."""
    loss = draw(st.sampled_from(["softmax_cross_entropy", "binary_cross_entropy", "mse"]))
    activation = draw(st.sampled_from(list(ACTIVATION_REFERENCES)))
    D_, H = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    C = 1 if loss == "binary_cross_entropy" else draw(st.integers(1 if loss == "mse" else 2, 3))
    N = draw(st.sampled_from([0, 1, 2, 5]))
    kwargs = dict(layer_sizes=[D_, H, C], activation=activation, loss=loss, seed=draw(st.integers(0, 9)),
                  weight_decay=draw(st.sampled_from([0.0, 0.0, 0.1])))
    X, e_X = hostile(draw, clean(draw, (N, D_)))
    rng = np.random.default_rng(draw(st.integers(0, 99)))
    target = draw(st.sampled_from(["labels", "soft"])) if loss == "softmax_cross_entropy" else "real"
    if loss == "mse":
        y, kind = rng.normal(size=draw(st.sampled_from([(N, C), (N,)])) if C == 1 else (N, C)), "real"
    elif loss == "binary_cross_entropy":
        y, kind = rng.random(draw(st.sampled_from([(N,), (N, 1)]))), "unit"
    elif target == "labels":
        y, kind = rng.integers(0, C, N).astype(float), "labels"
    else:
        y, kind = rng.dirichlet(np.ones(C), size=N), "unit"
    y_in, e_y = hostile(draw, y, kind, allow=[m for m in MUTATIONS if m not in ("big", "denormal")])
    if kind == "labels" and e_y.ok and draw(st.integers(0, 4)) == 0:       # a label out of range
        y_in, e_y = np.where(np.arange(N) == 0, C, y).astype(int), Expect(refuse=(ValueError,)) if N else e_y
    if draw(st.integers(0, 6)) == 0 and N:                                 # one target too few
        y_in, e_y = np.asarray(y)[1:], Expect(refuse=(ValueError,))
    return kwargs, X, e_X, y_in, e_y


@FUZZ
@given(case=model_cases())
def test_model_forward_and_loss_against_an_independent_network(case):
    kwargs, X, e_X, y, e_y = case
    model = mlp_lib.MLP(**kwargs)
    params = {k: v.copy() for k, v in model.params.items()}
    L, lam, activation, loss = 2, kwargs["weight_decay"], kwargs["activation"], kwargs["loss"]
    empty = Expect(refuse=(ValueError,)) if e_X.ok and len(e_X.values) == 0 else e_X
    if len(np.shape(X)) == 2 and np.shape(X)[0] == 0:        # empty: refused, whatever else is wrong
        empty = Expect(refuse=tuple({ValueError, *e_X.refuse}))
    logits = expect_outcome(empty, model.forward, X)
    if logits is not None:
        ref = reference_logits(params, e_X.values, activation, L)
        np.testing.assert_allclose(logits, ref, rtol=1e-9, atol=1e-12)
        proba = model.predict_proba(X)
        predicted = model.predict(X)
        if loss == "softmax_cross_entropy":
            np.testing.assert_allclose(proba, special.softmax(ref, axis=1), rtol=1e-9, atol=1e-15)
            np.testing.assert_array_equal(predicted, np.argmax(ref, axis=1))
        elif loss == "binary_cross_entropy":
            np.testing.assert_allclose(proba, special.expit(ref[:, 0]), rtol=1e-9, atol=1e-15)
            np.testing.assert_array_equal(predicted, (ref[:, 0] > 0).astype(int))
        else:
            np.testing.assert_allclose(predicted, ref, rtol=1e-9, atol=1e-12)
    expect = combine(empty, e_y)
    result = expect_outcome(expect, model.loss, X, y)
    if result is None:
        return
    total, grads = result
    yy = e_y.values
    ref_total = reference_loss(loss, reference_logits(params, e_X.values, activation, L), yy, params, lam, L)
    assert isinstance(total, float) and total == pytest.approx(ref_total, rel=1e-9, abs=1e-12)
    ref_grads = reference_gradients(loss, activation, params, e_X.values, yy, lam, L)
    assert grads.keys() == ref_grads.keys()
    tol = dict(rtol=1e-6, atol=1e-9) if torch is not None else dict(rtol=1e-4, atol=1e-6)
    if activation in ("relu", "leaky_relu") and torch is None:
        return                  # centred differences across the kink at 0 are not a reference
    for name in grads:
        np.testing.assert_allclose(grads[name], ref_grads[name], **tol, err_msg=name)


MODEL_ARGS = {
    "layer_sizes": ([[2, 3, 2], (2, 2)], [[2], [], [2, 0, 2], [2, -1, 2], [2, 2.5, 2], [2, True, 2], "2,3", None, 5]),
    "activation": (["relu", "tanh", (mlp_lib.relu, mlp_lib.relu_prime)], ["rleu", 3, None, (mlp_lib.relu,)]),
    "loss": (["softmax_cross_entropy", "mse"], ["cross_entropy", 3, None]),
    "init": ([None, "he_normal", "xavier_uniform"], ["he", 3, lambda fi, fo, rng: np.ones((fo, fi + 1)),
                                                     lambda fi, fo, rng: np.full((fi, fo), np.nan)]),
    "weight_decay": ([0.0, 1e-3], [-0.1, np.nan, np.inf, "0.1", None, True]),
    "dropout": ([0.0, 0.5], [1.0, -0.1, np.nan, "0.5"]),
    "batchnorm": ([False, True], ["no", 0, 1, None]),
    "seed": ([0, 3, np.random.default_rng(1)], [-1, 2.5, "a"]),
    "dtype": ([np.float64, np.float32, "float32"], [np.float16, np.int64, "abc", int]),
}


@FUZZ
@given(data=st.data())
def test_model_arguments(data):
    kwargs, valid = {}, True
    for key, (good, bad) in MODEL_ARGS.items():
        if data.draw(st.booleans()):
            ok = data.draw(st.integers(0, 2)) > 0
            kwargs[key] = data.draw(st.sampled_from(good if ok else bad))
            valid = valid and ok
    kwargs.setdefault("layer_sizes", [2, 3, 2])
    model = expect_outcome(OK if valid else REFUSE, mlp_lib.MLP, **kwargs)
    if model is None:
        return
    sizes = list(kwargs["layer_sizes"])
    for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        assert model.params[f"W{l}"].shape == (fan_in, fan_out) and all_finite(model.params[f"W{l}"])
        assert model.params[f"W{l}"].dtype == model.dtype


# -- training ---------------------------------------------------------------------------------

X_TRAIN = np.random.default_rng(0).standard_normal((10, 2))
Y_TRAIN = (X_TRAIN[:, 0] > 0).astype(int)

TRAIN_ARGS = {
    "epochs": ([1, 2], [0, -1, 1.5, True, "2", None]),
    "lr": ([0.1, np.float32(0.05)], [0, -0.1, np.nan, np.inf, "0.1", None]),
    "batch_size": ([None, 1, 4, 100], [0, -2, 2.5, True, "4"]),
    "optimizer": (["sgd", "adam", "rmsprop", "adamw", O.sgd], ["sgdd", 3, None]),
    "lr_schedule": ([None, O.make_schedule("cosine", 0.1, T=3), lambda t: 0.1 / (t + 1)],
                    [0.1, "cosine", lambda t: -0.1, lambda t: np.nan, lambda t: "0.1", lambda t: None]),
    "patience": ([None, 1], [0, -1, 1.5]),
    "seed": ([0, 5, np.random.default_rng(2)], [-1, "a", 1.5]),
    "on_divergence": (["raise", "stop"], ["ignore", None]),
    "verbose": ([0], [-1, 1.5, "1"]),
    "fast": ([True, False], ["yes", None, 1]),
    "on_step": ([None, lambda info: False], [3, "stop"]),
    "on_epoch": ([None, lambda epoch, history: False], [3]),
    "clip_norm": ([None, 0.01, 5.0], [0, -1.0, np.nan, "1"]),
    "clip_value": ([None, 0.01, 5.0], [0.0, -0.5, np.inf]),
    "clip": ([mlp_lib.clip_gradients, lambda grads, max_norm=None, max_value=None: grads], [None, "norm"]),
    "validation_data": ([None, (X_TRAIN[:4], Y_TRAIN[:4])],
                        [(X_TRAIN[:0], Y_TRAIN[:0]), (X_TRAIN[:4],), (X_TRAIN[:4], Y_TRAIN[:3]), X_TRAIN,
                         (X_TRAIN[:4, :1], Y_TRAIN[:4]), (X_TRAIN[:4] * np.nan, Y_TRAIN[:4])]),
}
OPTIMIZER_KWARGS = {"sgd": ([{"momentum": 0.9}, {"momentum": 0.5, "nesterov": True}, {"weight_decay": 1e-3}],
                            [{"momentom": 0.9}, {"momentum": -0.5}, {"nesterov": True}, {"momentum": "0.9"}]),
                    "adam": ([{"betas": (0.8, 0.99)}, {"eps": 1e-6}], [{"betas": (0.9, 1.0)}, {"eps": 0.0}, {"beta1": 0.9}]),
                    "rmsprop": ([{"alpha": 0.9}], [{"alpha": 1.0}, {"eps": -1.0}]),
                    "adamw": ([{"weight_decay": 0.1}], [{"weight_decay": np.nan}])}


@FUZZ
@given(data=st.data())
def test_train_arguments(data):
    kwargs, valid = {}, True
    for key, (good, bad) in TRAIN_ARGS.items():
        if data.draw(st.integers(0, 3)) == 0:
            ok = data.draw(st.integers(0, 2)) > 0
            kwargs[key] = data.draw(st.sampled_from(good if ok else bad))
            valid = valid and ok
    name = kwargs.get("optimizer", "sgd")
    name = name.__name__ if callable(name) else name
    if name in OPTIMIZER_KWARGS and data.draw(st.booleans()):
        ok = data.draw(st.booleans())
        kwargs["optimizer_kwargs"] = data.draw(st.sampled_from(OPTIMIZER_KWARGS[name][0 if ok else 1]))
        valid = valid and ok
    kwargs.setdefault("epochs", 2)
    X, y = X_TRAIN.copy(), Y_TRAIN.copy()
    model = mlp_lib.MLP([2, 3, 2], seed=0)
    before = {k: v.copy() for k, v in model.params.items()}
    history = expect_outcome(OK if valid else REFUSE, lambda X, y, **kw: mlp_lib.train(model, X, y, **kw),
                             X, y, **kwargs)
    if history is None:
        for k in before:          # a refused run leaves the model as it was
            np.testing.assert_array_equal(model.params[k], before[k])
        return
    epochs = kwargs["epochs"]
    assert history.epochs <= epochs and (history.epochs == epochs or history.stopped)
    assert len(history.lr) == len(history.loss) == len(history.accuracy) == history.epochs
    assert all_finite(history.loss, history.step_loss, model.params)
    schedule = kwargs.get("lr_schedule")
    lr = kwargs.get("lr", 0.1)
    expected_lr = [float(schedule(t)) if schedule else float(lr) for t in range(history.epochs)]
    assert history.lr == pytest.approx(expected_lr)


SOFT_TARGETS = np.random.default_rng(5).random((10, 2))            # rows sum to anything in (0, 2)


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("targets", [Y_TRAIN, SOFT_TARGETS], ids=["labels", "soft targets"])
def test_one_full_batch_sgd_step_is_the_gradient_step(fast, targets):
    """train(epochs=1, full batch, plain sgd) moves every parameter by -lr times model.loss's
    gradient (checked against PyTorch above), on either path: W <- W - lr dL/dW."""
    model = mlp_lib.MLP([2, 3, 2], activation="tanh", weight_decay=0.01, seed=1)
    _, grads = model.loss(X_TRAIN, targets)
    before = {k: v.copy() for k, v in model.params.items()}
    mlp_lib.train(model, X_TRAIN, targets, epochs=1, lr=0.3, fast=fast)
    for k in before:
        np.testing.assert_allclose(model.params[k], before[k] - 0.3 * grads[k], rtol=1e-12, atol=1e-15)


@FEW
@given(data=st.data())
def test_evaluate(data):
    model = mlp_lib.MLP([2, 3, 2], activation="tanh", seed=3)
    N = data.draw(st.sampled_from([0, 1, 4]))
    X, e_X = hostile(data.draw, clean(data.draw, (N, 2)))
    labels = np.random.default_rng(N).integers(0, 2, N).astype(float)
    y, e_y = hostile(data.draw, labels, "labels", allow=[m for m in MUTATIONS if m not in ("big", "denormal")])
    expect = combine(Expect(refuse=tuple({ValueError, *e_X.refuse})) if N == 0 else e_X, e_y)
    result = expect_outcome(expect, lambda X, y: mlp_lib.evaluate(model, X, y), X, y)
    if result is None:
        return
    loss, acc = result
    logits = reference_logits(model.params, e_X.values, "tanh", 2)
    assert loss == pytest.approx(reference_loss("softmax_cross_entropy", logits, e_y.values, model.params, 0, 2))
    assert acc == pytest.approx(np.mean(np.argmax(logits, axis=1) == e_y.values))


@FEW
@given(data=st.data(), h=st.sampled_from([1e-5, 1e-4, 0.0, -1e-5, np.nan, "1e-5"]),
       model_kind=st.sampled_from(["mlp", "mlp", "dict", "none"]))
def test_check_model_gradients(data, h, model_kind):
    model = {"mlp": mlp_lib.MLP([2, 3, 2], activation="tanh", seed=4), "dict": {"W1": np.ones((2, 2))},
             "none": None}[model_kind]
    X, e_X = hostile(data.draw, clean(data.draw, (3, 2)), allow=["clean", "list", "int64", "nan", "complex", "str"])
    expect = combine(e_X, OK if model_kind == "mlp" and isinstance(h, float) and h > 0 else REFUSE)
    errors = expect_outcome(expect, lambda X, y, h: mlp_lib.check_model_gradients(model, X, y, h=h), X, [0, 1, 1], h)
    if errors is not None:
        assert errors.keys() == model.params.keys() and max(errors.values()) < 1e-6


# -- initializers and registries ---------------------------------------------------------------

FANS = ([1, 3, 5], [0, -1, 2.5, True, "3", None, 10 ** 9])
INIT_DEFINITIONS = {   # W from a generator: the definitions of Glorot & Bengio (2010) and He et al. (2015)
    "zeros": lambda fi, fo, rng: np.zeros((fi, fo)),
    "normal": lambda fi, fo, rng: 0.01 * rng.standard_normal((fi, fo)),
    "xavier_uniform": lambda fi, fo, rng: rng.uniform(-1, 1, (fi, fo)) * math.sqrt(6 / (fi + fo)),
    "xavier_normal": lambda fi, fo, rng: rng.standard_normal((fi, fo)) * math.sqrt(2 / (fi + fo)),
    "he_uniform": lambda fi, fo, rng: rng.uniform(-1, 1, (fi, fo)) * math.sqrt(6 / fi),
    "he_normal": lambda fi, fo, rng: rng.standard_normal((fi, fo)) * math.sqrt(2 / fi),
}


@pytest.mark.parametrize("name", list(I.INITIALIZERS))
@FEW
@given(fan_in=st.sampled_from(FANS[0] + FANS[1]), fan_out=st.sampled_from(FANS[0] + FANS[1]),
       seed=st.sampled_from([0, 7, -1, "a", 1.5]))
def test_initializers(name, fan_in, fan_out, seed):
    valid = fan_in in FANS[0] and fan_out in FANS[0] and not isinstance(fan_in, bool) \
        and not isinstance(fan_out, bool) and seed in (0, 7) and not isinstance(seed, float)
    W = expect_outcome(OK if valid else REFUSE, I.INITIALIZERS[name], fan_in, fan_out, np.random.default_rng(seed)
                       if isinstance(seed, int) and seed >= 0 else seed)
    if W is None:
        return
    reference = INIT_DEFINITIONS[name](fan_in, fan_out, np.random.default_rng(seed))
    assert W.shape == (fan_in, fan_out)
    np.testing.assert_allclose(W, reference, rtol=1e-12, atol=1e-12)


REGISTRIES = [(mlp_lib.get_activation, mlp_lib.ACTIVATIONS, "activation"),
              (mlp_lib.losses.get_loss_record, mlp_lib.LOSSES, "loss"),
              (mlp_lib.optim.get_optimizer, mlp_lib.OPTIMIZERS, "optimizer"),
              (I.get_initializer, I.INITIALIZERS, "initializer")]


@pytest.mark.parametrize("getter, registry, kind", REGISTRIES, ids=[r[2] for r in REGISTRIES])
@FEW
@given(name=st.one_of(st.sampled_from(["relu", "mse", "adam", "he_normal", "Relu", "", "adam "]),
                      st.text(max_size=8), st.sampled_from([3, None, 2.5, b"relu", ["relu"]])))
def test_registries_list_the_valid_names(getter, registry, kind, name):
    if isinstance(name, str) and name in registry:
        assert expect_outcome(OK, getter, name) is not None
        return
    status, error = outcome(getter, name)
    assert status == "refused" and all(valid in str(error) for valid in registry), (status, error)


SCHEDULE_CALLS = {   # schedule, required arguments, the definition of lr_t
    O.constant_lr: ({}, lambda t, lr0: lr0),
    O.step_lr: ({"step_size": 2, "gamma": 0.5}, lambda t, lr0: lr0 * 0.5 ** (t // 2)),
    O.exponential_lr: ({"gamma": 0.9}, lambda t, lr0: lr0 * 0.9 ** t),
    O.cosine_lr: ({"T": 4}, lambda t, lr0: lr0 * (1 + math.cos(math.pi * min(t, 4) / 4)) / 2),
    O.warmup_lr: ({"warmup": 3}, lambda t, lr0: lr0 * (t + 1) / 3 if t < 3 else lr0),
}


@pytest.mark.parametrize("schedule", list(SCHEDULE_CALLS), ids=lambda f: f.__name__)
@FEW
@given(t=st.sampled_from([0, 1, 3, 10, -1, 1.5, True, "2", None, np.int64(2)]),
       lr0=st.sampled_from([0.1, 1.0, 0.0, -0.1, np.nan, "0.1"]))
def test_schedules_called_directly(schedule, t, lr0):
    kwargs, definition = SCHEDULE_CALLS[schedule]
    valid = isinstance(t, (int, np.integer)) and not isinstance(t, bool) and t >= 0 \
        and isinstance(lr0, float) and lr0 > 0
    rate = expect_outcome(OK if valid else REFUSE, schedule, t, lr0, **kwargs)
    if rate is not None:
        assert rate == pytest.approx(definition(int(t), lr0), rel=1e-12)


# -- data pieces ------------------------------------------------------------------------------

@FUZZ
@given(data=st.data())
def test_standardizer_against_numpy(data):
    N, D_ = data.draw(st.sampled_from([0, 1, 3, 6])), data.draw(st.integers(1, 3))
    X, expect = hostile(data.draw, clean(data.draw, (N, D_)))
    if expect.ok and N == 0:
        expect = Expect(refuse=(ValueError,))
    out = expect_outcome(expect, D.Standardizer().fit_transform, X)
    if out is None:
        return
    x = expect.values
    std = x.std(axis=0)
    reference = (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0)
    np.testing.assert_allclose(out, reference, **(dict(rtol=1e-4, atol=1e-4) if expect.dtype == np.float32 else
                                                  dict(rtol=1e-9, atol=1e-9)))
    other, e_other = hostile(data.draw, clean(data.draw, (2, data.draw(st.integers(1, 3)))))
    if e_other.ok and other is not None and np.shape(other)[1] != D_:
        e_other = Expect(refuse=(ValueError,))
    expect_outcome(e_other, D.Standardizer().fit(x).transform, other)


@FUZZ
@given(data=st.data(), C=st.sampled_from([1, 2, 4, 0, -1, 2.5, True, "3"]))
def test_one_hot_against_the_identity_matrix(data, C):
    N = data.draw(st.sampled_from([0, 1, 5]))
    labels = np.random.default_rng(N).integers(0, 2, N).astype(float)
    y, expect = hostile(data.draw, labels, "labels")
    valid_C = isinstance(C, int) and not isinstance(C, bool) and C >= 1
    if expect.ok and valid_C and N and expect.values.max() >= C:
        expect = Expect(refuse=(ValueError,))
    Y = expect_outcome(expect if valid_C else REFUSE, D.one_hot, y, C)
    if Y is not None:
        np.testing.assert_array_equal(Y, np.eye(C)[expect.values.astype(int)].reshape(N, C))


@pytest.mark.parametrize("load, shape, classes", [(D.load_digits, (1797, 64), 10), (D.load_breast_cancer, (569, 30), 2),
                                                  (D.load_diabetes, (442, 10), None)])
def test_real_data_sets_are_finite_and_refuse_arguments(load, shape, classes):
    X, y = load()
    assert X.shape == shape and y.shape == (shape[0],) and all_finite(X, y)
    if classes:
        assert set(np.unique(y)) == set(range(classes))
    expect_outcome(REFUSE, load, 10)
    expect_outcome(REFUSE, load, n_class=3)


@FEW
@given(data=st.data())
def test_numerical_gradient_array_against_the_derivative(data):
    x = clean(data.draw, (3,)) + 0.0
    c = np.array([1.0, -2.0, 0.5])
    dout, expect = hostile(data.draw, clean(data.draw, data.draw(st.sampled_from([(3,), (3,), (2,)]))))
    if expect.ok and np.shape(expect.values) != (3,):
        expect = Expect(refuse=(ValueError,))
    grad = expect_outcome(expect, mlp_lib.numerical_gradient_array, lambda: c * x ** 2, x, dout)
    if grad is not None:
        np.testing.assert_allclose(grad, 2 * c * x * expect.values, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("N", [1, 2, 3])
def test_batch_norm_trains_on_two_samples_or_more(N):
    model = mlp_lib.MLP([2, 3, 2], batchnorm=True, seed=0)
    expect = Expect(refuse=(ValueError,)) if N < 2 else OK
    result = expect_outcome(expect, lambda X, y: model.loss(X, y), X_TRAIN[:N], Y_TRAIN[:N])
    if result is not None:
        assert all_finite(result, model.bn_running)
    assert model.forward(X_TRAIN[:1]).shape == (1, 2)                  # evaluation needs no batch statistics
    status, error = outcome(lambda: mlp_lib.train(model, X_TRAIN[:5], Y_TRAIN[:5], epochs=1, batch_size=4))
    assert status == "refused" and "batch of shape (1, 3)" in str(error)          # 5 = 4 + a batch of one


def test_every_public_function_is_fuzzed():
    """Each public function and class of mlp_lib, mlp_lib.io, mlp_lib.images and the widget
    builders is called by name in one of the property-based suites."""
    import inspect
    import pathlib
    import re

    from mlp_lib import images, io, widgets
    text = " ".join(p.read_text(encoding="utf-8") for p in pathlib.Path(__file__).parent.glob("test_fuzz_*.py"))
    public = {name: value for name, value in vars(mlp_lib).items()
              if not name.startswith("_") and (inspect.isfunction(value) or value in (mlp_lib.MLP, D.Standardizer))}
    public.update({name: value for module in (io, images) for name, value in vars(module).items()
                   if not name.startswith("_") and inspect.isfunction(value) and value.__module__ == module.__name__})
    public.update({name: getattr(widgets, name) for name in widgets.__all__ if inspect.isfunction(getattr(widgets, name))})
    missing = sorted(name for name in public if not re.search(rf"\b{name}\b", text))
    assert not missing, missing
