"""The MLP: whole-model gradients, shapes, modes, plug-in pieces and reproducibility."""
import numpy as np
import pytest

from helpers import GRAD_TOL, away_from_zero
from mlp_lib.activations import relu, relu_prime, sigmoid, softmax
from mlp_lib.gradcheck import check_model_gradients
from mlp_lib.init import INITIALIZERS
from mlp_lib.layers import affine_backward, affine_forward
from mlp_lib.model import MLP

N = 6


def _targets(loss, C, rng):
    if loss == "softmax_cross_entropy":
        return rng.integers(0, C, N)
    if loss == "binary_cross_entropy":
        return rng.integers(0, 2, N).astype(float)
    return rng.standard_normal((N, C))


def _output_size(loss):
    return {"softmax_cross_entropy": 3, "binary_cross_entropy": 1, "mse": 2}[loss]


def _model(sizes, loss="softmax_cross_entropy", seed=0, **kwargs):
    """A float64 MLP whose biases (and batch-norm gamma, beta) are random and non-zero, so that
    no pre-activation sits on ReLU's kink at 0."""
    model = MLP(sizes, loss=loss, seed=seed, **kwargs)
    rng = np.random.default_rng(seed + 100)
    for name, value in model.params.items():
        if name.startswith(("b", "gamma")):
            model.params[name] = away_from_zero(rng, value.shape, 0.2, 1.0)
    return model


def assert_gradients_ok(model, X, y):
    errors = check_model_gradients(model, X, y)
    assert set(errors) == set(model.params)
    worst = max(errors, key=errors.get)
    assert errors[worst] < GRAD_TOL, f"{worst}: relative error {errors[worst]:.2e}"


@pytest.mark.parametrize("hidden", [[], [5], [5, 4], [4, 5, 3]], ids=["depth1", "depth2", "depth3", "depth4"])
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu"])
@pytest.mark.parametrize("loss", ["softmax_cross_entropy", "binary_cross_entropy", "mse"])
def test_model_gradients(hidden, activation, loss):
    rng = np.random.default_rng(1)
    C = _output_size(loss)
    model = _model([3, *hidden, C], loss=loss, activation=activation)
    assert_gradients_ok(model, rng.standard_normal((N, 3)), _targets(loss, C, rng))


@pytest.mark.parametrize("loss", ["softmax_cross_entropy", "binary_cross_entropy", "mse"])
@pytest.mark.parametrize("options", [{"weight_decay": 0.3}, {"dropout": 0.4}, {"batchnorm": True},
                                     {"batchnorm": True, "dropout": 0.25, "weight_decay": 0.1}],
                         ids=["weight_decay", "dropout", "batchnorm", "all"])
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_model_gradients_with_regularization(loss, options, activation):
    rng = np.random.default_rng(2)
    C = _output_size(loss)
    model = _model([3, 5, 4, C], loss=loss, activation=activation, **options)
    assert_gradients_ok(model, rng.standard_normal((N, 3)), _targets(loss, C, rng))


def test_model_gradients_with_one_hot_targets_and_own_activation():
    rng = np.random.default_rng(3)
    model = _model([3, 5, 3], activation=(np.sin, np.cos))
    assert_gradients_ok(model, rng.standard_normal((N, 3)), np.eye(3)[rng.integers(0, 3, N)])


def test_gradient_check_catches_a_wrong_backward():
    """A learner's affine_backward that forgets to sum db over the batch must be caught."""
    def wrong_backward(dout, cache):
        dX, dW, db = affine_backward(dout, cache)
        return dX, dW, dout.mean(axis=0)

    rng = np.random.default_rng(4)
    model = _model([3, 5, 3], affine=(affine_forward, wrong_backward))
    errors = check_model_gradients(model, rng.standard_normal((N, 3)), rng.integers(0, 3, N))
    assert errors["b1"] > 1e-2 and errors["b2"] > 1e-2
    assert errors["W2"] < GRAD_TOL


def test_dropout_mask_changes_with_the_generator():
    rng = np.random.default_rng(5)
    model = _model([3, 8, 3], dropout=0.5)
    X, y = rng.standard_normal((N, 3)), rng.integers(0, 3, N)
    same = [model.loss(X, y, rng=np.random.default_rng(9))[0] for _ in range(2)]
    other = model.loss(X, y, rng=np.random.default_rng(10))[0]
    assert same[0] == same[1] != other


def test_parameter_shapes_and_names():
    model = MLP([4, 7, 5, 3])
    shapes = {k: v.shape for k, v in model.params.items()}
    assert shapes == {"W1": (4, 7), "b1": (7,), "W2": (7, 5), "b2": (5,), "W3": (5, 3), "b3": (3,)}
    assert model.num_layers == 3
    bn = MLP([4, 7, 5, 3], batchnorm=True)
    assert set(bn.params) == {"W1", "gamma1", "beta1", "W2", "gamma2", "beta2", "W3", "b3"}


def test_forward_by_hand():
    model = MLP([2, 2, 1], activation="relu", loss="mse")
    model.params.update(W1=np.array([[1.0, -1.0], [2.0, 1.0]]), b1=np.array([0.5, -0.5]),
                        W2=np.array([[1.0], [3.0]]), b2=np.array([0.25]))
    X = np.array([[1.0, 1.0], [-1.0, 0.0]])
    # z1 = [[3.5, -0.5], [-0.5, 0.5]] -> a1 = [[3.5, 0], [0, 0.5]] -> z2 = [[3.75], [1.75]]
    np.testing.assert_allclose(model.forward(X), [[3.75], [1.75]])
    np.testing.assert_allclose(model.predict(X), [[3.75], [1.75]])


def test_predictions_for_each_loss():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((N, 3))
    multi = MLP([3, 4, 3])
    logits = multi.forward(X)
    np.testing.assert_allclose(multi.predict_proba(X), softmax(logits))
    np.testing.assert_array_equal(multi.predict(X), np.argmax(logits, axis=1))
    binary = MLP([3, 4, 1], loss="binary_cross_entropy")
    z = binary.forward(X)[:, 0]
    np.testing.assert_allclose(binary.predict_proba(X), sigmoid(z))
    np.testing.assert_array_equal(binary.predict(X), (z > 0).astype(int))


def test_loss_includes_l2_penalty():
    rng = np.random.default_rng(7)
    X, y = rng.standard_normal((N, 3)), rng.integers(0, 3, N)
    plain = MLP([3, 4, 3], seed=1)
    decayed = MLP([3, 4, 3], seed=1, weight_decay=0.5)
    by_hand = 0.5 * 0.5 * (np.sum(plain.params["W1"] ** 2) + np.sum(plain.params["W2"] ** 2))
    assert decayed.loss(X, y)[0] == pytest.approx(plain.loss(X, y)[0] + by_hand, rel=1e-13)
    np.testing.assert_allclose(decayed.loss(X, y)[1]["W1"], plain.loss(X, y)[1]["W1"] + 0.5 * plain.params["W1"])
    np.testing.assert_array_equal(decayed.loss(X, y)[1]["b1"], plain.loss(X, y)[1]["b1"])


def test_evaluation_mode_is_deterministic_with_dropout_and_batchnorm():
    rng = np.random.default_rng(8)
    model = MLP([3, 6, 3], dropout=0.5, batchnorm=True)
    X = rng.standard_normal((N, 3))
    np.testing.assert_array_equal(model.forward(X), model.forward(X))
    running = {k: v.copy() for k, v in model.bn_running[1].items()}
    model.forward(X)
    np.testing.assert_array_equal(model.bn_running[1]["mean"], running["mean"])
    model.loss(X, rng.integers(0, 3, N))            # a training pass updates the running statistics
    assert not np.array_equal(model.bn_running[1]["mean"], running["mean"])


def test_own_activation_pair_and_affine_pair_give_the_same_model():
    X = np.random.default_rng(9).standard_normal((N, 3))
    calls = []

    def my_affine_forward(X_, W, b):
        calls.append(X_.shape)
        return affine_forward(X_, W, b)

    by_name = MLP([3, 5, 2], activation="relu", init="he_normal", seed=3)
    by_pair = MLP([3, 5, 2], activation=(relu, relu_prime), init="he_normal", seed=3,
                  affine=(my_affine_forward, affine_backward))
    np.testing.assert_array_equal(by_name.forward(X), by_pair.forward(X))
    assert calls == [(N, 3), (N, 5)]


@pytest.mark.parametrize("init", sorted(INITIALIZERS))
def test_initializers_shapes_and_scale(init):
    model = MLP([200, 300, 2], init=init, seed=0)
    W = model.params["W1"]
    assert W.shape == (200, 300)
    expected_std = {"zeros": 0.0, "normal": 0.01, "xavier_uniform": np.sqrt(2 / 500), "xavier_normal": np.sqrt(2 / 500),
                    "he_uniform": np.sqrt(2 / 200), "he_normal": np.sqrt(2 / 200)}[init]
    assert W.std() == pytest.approx(expected_std, rel=0.02, abs=1e-12)
    np.testing.assert_array_equal(model.params["b1"], 0.0)


def test_default_initializer_follows_the_activation():
    relu_model, tanh_model = MLP([400, 300, 2], activation="relu"), MLP([400, 300, 2], activation="tanh")
    assert relu_model.params["W1"].std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)   # He
    assert tanh_model.params["W1"].std() == pytest.approx(np.sqrt(2 / 700), rel=0.02)   # Xavier


def test_seed_reproducibility():
    a, b, c = MLP([3, 4, 2], seed=1), MLP([3, 4, 2], seed=1), MLP([3, 4, 2], seed=2)
    np.testing.assert_array_equal(a.params["W1"], b.params["W1"])
    assert not np.array_equal(a.params["W1"], c.params["W1"])


def test_float32_model_stays_float32():
    rng = np.random.default_rng(10)
    model = MLP([3, 4, 3], dtype=np.float32, batchnorm=True, dropout=0.2)
    loss, grads = model.loss(rng.standard_normal((N, 3)), rng.integers(0, 3, N))
    assert all(g.dtype == np.float32 for g in grads.values())
    assert all(p.dtype == np.float32 for p in model.params.values())
    assert model.forward(rng.standard_normal((N, 3))).dtype == np.float32


def test_repr_names_sizes_activation_and_loss():
    text = repr(MLP([2, 3, 1], activation="tanh", loss="binary_cross_entropy"))
    assert "[2, 3, 1]" in text and "tanh" in text and "binary_cross_entropy" in text
