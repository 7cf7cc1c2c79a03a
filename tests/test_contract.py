"""The contract between a model and ``train``, the loss records, lesson 7's pluggable dropout and
batch norm, and the training loop's argument checks."""
import math

import numpy as np
import pytest

from helpers import GRAD_TOL
from mlp_lib import make_moons, sgd, softmax, softmax_cross_entropy
from mlp_lib.gradcheck import check_model_gradients
from mlp_lib.losses import LOSS_RECORDS, Loss, get_loss_record
from mlp_lib.model import MLP
from mlp_lib.train import DIVERGED_ABOVE, TrainingDiverged, evaluate, train

X_MOONS, Y_MOONS = make_moons(n=96, noise=0.2, seed=0)


# -- the four members train needs -------------------------------------------------------------
class SoftmaxRegression:
    """A model that is not an MLP, written here with only the members train's docstring names."""

    def __init__(self, D, C):
        self.params = {"W": np.zeros((D, C)), "b": np.zeros(C)}
        self.loss_record = LOSS_RECORDS["softmax_cross_entropy"]
        self.layer_sizes = None          # not part of the contract: train must not need it

    def check_data(self, X, y):
        return np.asarray(X, dtype=float), np.asarray(y)

    def forward(self, X):
        return X @ self.params["W"] + self.params["b"]

    def forward_backward(self, X, y):
        logits = self.forward(X)
        loss, dlogits = softmax_cross_entropy(logits, y)
        return loss, 0.0, {"W": X.T @ dlogits, "b": dlogits.sum(axis=0)}, logits


def test_any_object_with_the_documented_members_trains():
    model = SoftmaxRegression(2, 2)
    history = train(model, X_MOONS, Y_MOONS, epochs=30, lr=0.5, validation_data=(X_MOONS, Y_MOONS))
    assert history.loss[-1] < history.loss[0] < math.log(2) + 1e-12
    assert 0.8 < history.accuracy[-1] <= 1 and history.val_accuracy[-1] > 0.8
    # the plain loop by hand, the same steps: same result
    W, b = np.zeros((2, 2)), np.zeros(2)
    rng = np.random.default_rng(0)
    for _ in range(30):
        order = rng.permutation(len(X_MOONS))
        for start in range(0, len(X_MOONS), 32):
            idx = order[start:start + 32]
            _, dz = softmax_cross_entropy(X_MOONS[idx] @ W + b, Y_MOONS[idx])
            W, b = W - 0.5 * (X_MOONS[idx].T @ dz), b - 0.5 * dz.sum(axis=0)
    np.testing.assert_allclose(model.params["W"], W, rtol=1e-12)


def test_forward_backward_returns_the_data_loss_and_the_penalty_separately():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
    model = MLP([3, 4, 3], weight_decay=0.2, seed=2)
    X, y = model.check_data(X, y)
    data_loss, penalty, grads, logits = model.forward_backward(X, y)
    expected_penalty = 0.1 * (np.sum(model.params["W1"] ** 2) + np.sum(model.params["W2"] ** 2))
    assert penalty == pytest.approx(expected_penalty, rel=1e-13)
    assert data_loss == pytest.approx(softmax_cross_entropy(logits, y)[0], rel=1e-13)
    assert model.loss(X, y)[0] == pytest.approx(data_loss + penalty, rel=1e-13)
    plain = MLP([3, 4, 3], seed=2)
    np.testing.assert_allclose(grads["W1"], plain.loss(X, y)[1]["W1"] + 0.2 * plain.params["W1"], rtol=1e-12)


@pytest.mark.parametrize("fast", [True, False])
def test_history_records_the_data_loss_without_the_l2_term(fast):
    model = MLP([2, 5, 2], weight_decay=0.5, seed=3)
    first = softmax_cross_entropy(model.forward(X_MOONS), Y_MOONS)[0]
    history = train(model, X_MOONS, Y_MOONS, epochs=2, lr=0.1, batch_size=len(X_MOONS), fast=fast)
    assert history.step_loss[0] == pytest.approx(first, rel=1e-12)


def test_check_data_is_public_and_names_what_is_wrong():
    model = MLP([2, 3, 2])
    X, y = model.check_data([[0, 1], [1, 0]], [1, 0])
    assert X.dtype == np.float64 and y.dtype == np.intp
    with pytest.raises(ValueError, match="0..1"):
        model.check_data([[0, 1]], [2])
    with pytest.raises(ValueError, match="2 features"):
        model.check_data([[0, 1, 2]], [0])


# -- the loss records ---------------------------------------------------------------------------
def test_each_loss_record_knows_its_meaning():
    logits = np.array([[2.0, -1.0], [-0.5, 0.5], [0.1, 0.0]])
    sce = get_loss_record("softmax_cross_entropy")
    np.testing.assert_allclose(sce.transform(logits), softmax(logits))
    np.testing.assert_array_equal(sce.predict(logits), [0, 1, 0])
    np.testing.assert_array_equal(sce.labels(np.eye(2)[[1, 0, 1]]), [1, 0, 1])
    assert sce.classifies(2) and sce.probabilities
    bce = get_loss_record("binary_cross_entropy")
    np.testing.assert_array_equal(bce.predict(logits[:, :1]), [1, 0, 1])
    np.testing.assert_allclose(bce.transform(logits[:, :1]), 1 / (1 + np.exp(-logits[:, 0])))
    assert bce.classifies(1) and not bce.classifies(2)
    mse = get_loss_record("mse")
    np.testing.assert_array_equal(mse.predict(logits), logits)
    assert not mse.classifies(1) and not mse.probabilities
    own = get_loss_record(lambda z, y: softmax_cross_entropy(z, y))
    assert not own.builtin and not own.classifies(2)
    with pytest.raises(ValueError, match="valid names"):
        get_loss_record("cross_entropy")
    with pytest.raises(TypeError, match="loss"):
        get_loss_record(3)


def test_a_learners_loss_record_says_it_classifies():
    def my_ce(logits, y):
        return softmax_cross_entropy(logits, y)

    record = Loss("my_ce", my_ce, lambda y, shape: np.asarray(y), predict=lambda z: np.argmax(z, axis=1),
                  labels=lambda y: y, classifies=lambda C: True)
    model = MLP([2, 6, 2], loss=record, seed=0)
    history = train(model, X_MOONS, Y_MOONS, epochs=5, lr=0.3)
    reference = MLP([2, 6, 2], seed=0)
    expected = train(reference, X_MOONS, Y_MOONS, epochs=5, lr=0.3)
    assert history.accuracy == pytest.approx(expected.accuracy)
    assert evaluate(model, X_MOONS, Y_MOONS)[1] == pytest.approx(evaluate(reference, X_MOONS, Y_MOONS)[1])


# -- lesson 7's dropout and batch norm plug in ---------------------------------------------------
def learner_dropout_forward(X, p, u, train=True):
    """Written as a learner writes lesson 7's exercise (not the package's code)."""
    if not train:
        return X, np.ones_like(X)
    mask = (u >= p) / (1 - p)
    return X * mask, mask


def learner_dropout_backward(dout, mask):
    return dout * mask


def learner_batchnorm_forward(X, gamma, beta, eps=1e-5):
    mu = X.mean(axis=0)
    var = ((X - mu) ** 2).mean(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (X - mu) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std)


def learner_batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dX = inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0))
    return dX, dgamma, dbeta


LEARNER_LAYERS = {"dropout_layer": (learner_dropout_forward, learner_dropout_backward),
                  "batchnorm_layer": (learner_batchnorm_forward, learner_batchnorm_backward)}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_learners_dropout_and_batchnorm_train_like_the_packages(dtype):
    models = []
    for layers in ({}, LEARNER_LAYERS):
        model = MLP([2, 12, 8, 2], activation="tanh", dropout=0.3, batchnorm=True, seed=4, dtype=dtype, **layers)
        history = train(model, X_MOONS, Y_MOONS, epochs=15, lr=0.2, batch_size=16)
        models.append((model, history))
    (package, h_package), (learner, h_learner) = models
    tol = dict(rtol=1e-9, atol=1e-12) if dtype == np.float64 else dict(rtol=2e-3, atol=1e-4)
    for name in package.params:
        assert learner.params[name].dtype == dtype
        np.testing.assert_allclose(learner.params[name], package.params[name], err_msg=name, **tol)
    for l in package.bn_running:
        for key in ("mean", "var"):
            np.testing.assert_allclose(learner.bn_running[l][key], package.bn_running[l][key], **tol)
    np.testing.assert_allclose(learner.forward(X_MOONS), package.forward(X_MOONS), **tol)
    assert h_learner.loss[-1] < h_learner.loss[0]


def test_a_learners_pairs_pass_the_gradient_check_and_are_really_called():
    calls = []

    def counting_forward(X, p, u, train=True):
        calls.append(X.shape)
        return learner_dropout_forward(X, p, u, train)

    rng = np.random.default_rng(5)
    model = MLP([3, 5, 4, 3], dropout=0.25, batchnorm=True, seed=1,
                dropout_layer=(counting_forward, learner_dropout_backward),
                batchnorm_layer=LEARNER_LAYERS["batchnorm_layer"])
    for name in model.params:
        if name.startswith(("b", "gamma")):
            model.params[name] = model.params[name] + rng.uniform(0.2, 1.0, model.params[name].shape)
    errors = check_model_gradients(model, rng.standard_normal((6, 3)), rng.integers(0, 3, 6))
    assert max(errors.values()) < GRAD_TOL
    assert calls and calls[0] == (6, 5)

    def unscaled(X, p, u, train=True):        # a learner's mistake: no 1/(1-p)
        mask = (u >= p) * 1.0
        return X * mask, mask

    wrong = MLP([2, 6, 2], dropout=0.5, seed=0, dropout_layer=(unscaled, learner_dropout_backward))
    right = MLP([2, 6, 2], dropout=0.5, seed=0)
    train(wrong, X_MOONS, Y_MOONS, epochs=2)
    train(right, X_MOONS, Y_MOONS, epochs=2)
    assert not np.allclose(wrong.params["W1"], right.params["W1"])


@pytest.mark.parametrize("kwargs, error, words", [
    ({"dropout_layer": (learner_dropout_forward,)}, TypeError, ["dropout_layer", "pair"]),
    ({"dropout_layer": (learner_dropout_forward, None), "dropout": 0.2}, TypeError, ["dropout_layer"]),
    ({"dropout_layer": LEARNER_LAYERS["dropout_layer"]}, ValueError, ["dropout"]),
    ({"batchnorm_layer": LEARNER_LAYERS["batchnorm_layer"]}, ValueError, ["batchnorm=True"]),
    ({"batchnorm": "no"}, TypeError, ["batchnorm", "True or False", "'no'"]),
    ({"batchnorm": 1}, TypeError, ["batchnorm"]),
    ({"batchnorm": None}, TypeError, ["batchnorm"]),
    ({"weight_decay": float("nan")}, ValueError, ["weight_decay", "nan"]),
    ({"weight_decay": -0.1}, ValueError, ["weight_decay", ">= 0"]),
    ({"weight_decay": "0.1"}, TypeError, ["weight_decay"]),
    ({"init": lambda fan_in, fan_out, rng: np.zeros((fan_out, fan_in))}, ValueError, ["(2, 3)", "(3, 2)", "W1"]),
    ({"init": lambda fan_in, fan_out, rng: np.zeros(fan_in * fan_out)}, ValueError, ["(2, 3)", "(6,)"]),
    ({"init": lambda fan_in, fan_out, rng: np.full((fan_in, fan_out), np.nan)}, ValueError, ["NaN"]),
    ({"init": lambda fan_in, fan_out, rng: "zeros"}, TypeError, ["init"]),
])
def test_model_arguments_are_refused_with_a_clear_message(kwargs, error, words):
    with pytest.raises(error) as info:
        MLP([2, 3, 2], **kwargs)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


# -- the training loop's argument checks ---------------------------------------------------------
@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("bad, error, word", [
    (-0.1, ValueError, "-0.1"), (float("nan"), ValueError, "nan"), (float("inf"), ValueError, "inf"),
    ("0.1", TypeError, "'0.1'"), (None, TypeError, "None"), (True, TypeError, "True"),
    (np.array([0.1, 0.2]), TypeError, "ndarray"),
])
def test_every_scheduled_learning_rate_is_checked(fast, bad, error, word):
    schedule = lambda epoch: 0.1 if epoch < 2 else bad                                       # noqa: E731
    model = MLP([2, 4, 2])
    with pytest.raises(error) as info:
        train(model, X_MOONS, Y_MOONS, epochs=5, batch_size=32, lr_schedule=schedule, fast=fast)
    message = str(info.value)
    assert "lr_schedule" in message and word in message and "epoch 3" in message and "step 7" in message


def test_a_schedule_may_reach_zero_and_return_numpy_numbers():
    history = train(MLP([2, 4, 2]), X_MOONS, Y_MOONS, epochs=3, lr_schedule=lambda t: np.float32(0.1) * (2 - t) / 2)
    assert history.lr == pytest.approx([0.1, 0.05, 0.0])


@pytest.mark.parametrize("optimizer, kwargs, error, words", [
    ("sgd", {"momentun": 0.9}, ValueError, ["'momentun'", "momentum", "dampening", "nesterov", "weight_decay"]),
    ("adam", {"beta1": 0.9}, ValueError, ["'beta1'", "betas", "eps"]),
    ("sgd", {"momentum": -0.5}, ValueError, ["momentum", "-0.5"]),
    ("sgd", {"momentum": float("nan")}, ValueError, ["momentum"]),
    ("sgd", {"momentum": "0.9"}, TypeError, ["momentum"]),
    ("sgd", {"nesterov": True}, ValueError, ["nesterov", "momentum"]),
    ("sgd", {"nesterov": "yes", "momentum": 0.9}, TypeError, ["nesterov"]),
    ("sgd", {"weight_decay": -1e-3}, ValueError, ["weight_decay"]),
    ("rmsprop", {"alpha": 1.5}, ValueError, ["alpha", "1.5"]),
    ("rmsprop", {"eps": 0.0}, ValueError, ["eps", "> 0"]),
    ("adam", {"betas": (0.9, 1.0)}, ValueError, ["betas[1]", "[0, 1)"]),
    ("adam", {"betas": 0.9}, TypeError, ["betas", "pair"]),
    ("adamw", {"eps": -1e-8}, ValueError, ["eps"]),
    ("adamw", {"weight_decay": float("inf")}, ValueError, ["weight_decay"]),
])
def test_optimizer_kwargs_are_checked(optimizer, kwargs, error, words):
    with pytest.raises(error) as info:
        train(MLP([2, 4, 2]), X_MOONS, Y_MOONS, epochs=1, optimizer=optimizer, optimizer_kwargs=kwargs)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_a_learners_update_rule_gets_its_own_names_listed():
    def my_momentum(param, grad, state, lr, beta=0.9):
        v = grad if state is None else beta * state + grad
        return param - lr * v, v

    with pytest.raises(ValueError, match="'momentum'.*valid names are: beta"):
        train(MLP([2, 4, 2]), X_MOONS, Y_MOONS, epochs=1, optimizer=my_momentum, optimizer_kwargs={"momentum": 0.9})
    with pytest.raises(TypeError, match="optimizer_kwargs must be a dict"):
        train(MLP([2, 4, 2]), X_MOONS, Y_MOONS, epochs=1, optimizer_kwargs=[("momentum", 0.9)])
    history = train(MLP([2, 4, 2]), X_MOONS, Y_MOONS, epochs=2, optimizer=my_momentum, optimizer_kwargs={"beta": 0.5})
    assert history.loss[-1] < history.loss[0]


# -- divergence: non-finite, or a million times the first loss, with any rule ----------------------
REGRESSION_X = np.linspace(-1, 1, 16)[:, None]
REGRESSION_Y = 3 * REGRESSION_X[:, 0] + 0.5


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("optimizer, lr", [("sgd", 3.0), ("adam", 50.0), ("rmsprop", 50.0), ("adamw", 50.0)])
def test_divergence_with_any_rule_stops_with_epoch_step_and_learning_rate(optimizer, lr, fast):
    model = MLP([1, 16, 16, 1], activation="relu", loss="mse", seed=0)
    with pytest.raises(TrainingDiverged) as info:
        train(model, REGRESSION_X, REGRESSION_Y, epochs=500, lr=lr, optimizer=optimizer, fast=fast)
    err = info.value
    message = str(err)
    assert f"epoch {err.epoch + 1}," in message and f"step {err.step + 1}" in message and f"{lr:.4g}" in message
    history = err.history
    assert history.diverged and len(history.loss) == len(history.lr) == err.epoch + 1
    finite = [v for v in history.step_loss if math.isfinite(v)]
    assert len(finite) == len(history.step_loss) == err.step     # every recorded loss is finite
    assert max(history.step_loss) <= DIVERGED_ABOVE * max(history.step_loss[0], 1.0)


def test_a_huge_but_finite_loss_counts_as_divergence():
    """Linear regression with lr past 2/curvature: the loss grows by a constant factor each step and
    stays finite for hundreds of steps; the run stops when it passes a million times the first."""
    model = MLP([1, 1], activation="identity", loss="mse", seed=0)
    history = train(model, REGRESSION_X, REGRESSION_Y, epochs=2000, lr=2.5, on_divergence="stop")
    assert history.diverged and "more than" in history.stopped and "times its first value" in history.stopped
    assert all(math.isfinite(v) for v in history.step_loss)
    assert history.step_loss[-1] > 1e3 * history.step_loss[0]
    assert len(history.step_loss) < 200


def test_a_loss_that_falls_far_below_its_start_is_not_divergence():
    history = train(MLP([1, 8, 1], loss="mse", seed=0), REGRESSION_X, 1e-4 * REGRESSION_Y, epochs=200, lr=0.05)
    assert not history.diverged and history.epochs == 200
