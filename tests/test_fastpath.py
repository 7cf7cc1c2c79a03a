"""The training loop's fast path gives the parameters of the plain loop, to float rounding."""
import numpy as np
import pytest

from mlp_lib import adam, load_digits, make_moons, make_xor, relu, relu_prime, sgd, softmax_cross_entropy
from mlp_lib.model import MLP
from mlp_lib.train import train

# the benchmark's workloads (benchmarks/bench_training.py; fewer epochs and samples for W1 and W2),
# then variations of every fused part
WORKLOADS = {
    "W1 digits": dict(sizes=[64, 128, 10], activation="relu", loss="softmax_cross_entropy", batch_size=64,
                      epochs=3, lr=0.05, dtype=np.float32, data="digits"),
    "W2 784-256-256-10": dict(sizes=[784, 256, 256, 10], activation="relu", loss="softmax_cross_entropy",
                              batch_size=128, epochs=1, lr=0.05, dtype=np.float32, data="random"),
    "W3 XOR": dict(sizes=[2, 4, 1], activation="sigmoid", loss="binary_cross_entropy", batch_size=4,
                   epochs=2000, lr=1.0, dtype=np.float32, data="xor"),
    "W4 moons float64": dict(sizes=[2, 16, 16, 2], activation="relu", loss="softmax_cross_entropy",
                             batch_size=32, epochs=50, lr=0.1, dtype=np.float64, data="moons"),
}


def _data(kind, loss, C, dtype):
    if kind == "digits":
        X, y = load_digits()
        X, y = X[:1437] / 16.0, y[:1437]
    elif kind == "random":
        rng = np.random.default_rng(0)
        X, y = rng.standard_normal((1000, 784)), rng.integers(0, 10, 1000)
    elif kind == "xor":
        X, y = make_xor()
    else:
        X, y = make_moons(n=300, noise=0.2, seed=0)
    if loss == "binary_cross_entropy":
        y = (y % 2).astype(float)
    elif loss == "mse":
        y = np.eye(C)[y % C] if C > 1 else (y % 2).astype(float)
    return X.astype(dtype), y


def _both_paths(w, **train_kwargs):
    models = []
    for fast in (True, False):
        model = MLP(w["sizes"], activation=w["activation"], loss=w["loss"], seed=3, dtype=w["dtype"],
                    weight_decay=w.get("weight_decay", 0.0))
        X, y = _data(w["data"], w["loss"] if isinstance(w["loss"], str) else "softmax_cross_entropy",
                     w["sizes"][-1], w["dtype"])
        history = train(model, X, y, epochs=w["epochs"], lr=w["lr"], batch_size=w["batch_size"], seed=5,
                        fast=fast, **train_kwargs)
        models.append((model, history))
    return models


def _assert_same(fast, pure, dtype):
    (fast_model, fast_history), (pure_model, pure_history) = fast, pure
    rtol, atol = (1e-9, 1e-12) if dtype == np.float64 else (2e-3, 2e-5)
    assert set(fast_model.params) == set(pure_model.params)
    for name in pure_model.params:
        assert fast_model.params[name].dtype == pure_model.params[name].dtype == dtype
        np.testing.assert_allclose(fast_model.params[name], pure_model.params[name], rtol=rtol, atol=atol,
                                   err_msg=name)
    np.testing.assert_allclose(fast_history.step_loss, pure_history.step_loss, rtol=rtol * 10, atol=atol)
    assert fast_history.accuracy == pytest.approx(pure_history.accuracy, abs=1e-12, nan_ok=True) \
        if pure_history.accuracy[0] is not None else fast_history.accuracy == pure_history.accuracy
    assert len(fast_history.loss) == len(pure_history.loss)


def _took_fast_path(model):
    """The fast path keeps every parameter in one flat array."""
    bases = [v.base for v in model.params.values()]
    return all(base is not None and base is bases[0] for base in bases)


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_fast_path_matches_the_plain_loop_on_the_benchmark_workloads(name):
    w = WORKLOADS[name]
    fast, pure = _both_paths(w)
    assert _took_fast_path(fast[0]) and not _took_fast_path(pure[0])
    _assert_same(fast, pure, w["dtype"])


MOONS = dict(sizes=[2, 8, 7, 2], activation="relu", loss="softmax_cross_entropy", batch_size=24,
             epochs=15, lr=0.2, dtype=np.float64, data="moons")


@pytest.mark.parametrize("change", [
    {"activation": "tanh"}, {"activation": "sigmoid"}, {"activation": "leaky_relu"}, {"activation": "identity"},
    {"loss": "binary_cross_entropy", "sizes": [2, 8, 1]}, {"loss": "mse", "sizes": [2, 8, 2]},
    {"loss": "mse", "sizes": [2, 8, 1]}, {"sizes": [2, 2]}, {"weight_decay": 0.05},
    {"batch_size": 300}, {"batch_size": 7}, {"dtype": np.float32},
], ids=lambda c: "-".join(f"{k}={getattr(v, '__name__', v)}" for k, v in c.items()))
def test_fast_path_matches_the_plain_loop_for_every_fused_part(change):
    w = {**MOONS, **change}
    fast, pure = _both_paths(w)
    assert _took_fast_path(fast[0])
    _assert_same(fast, pure, w["dtype"])


@pytest.mark.parametrize("kwargs", [
    {"optimizer_kwargs": {"momentum": 0.9}},
    {"optimizer_kwargs": {"momentum": 0.8, "nesterov": True, "weight_decay": 1e-3}},
    {"optimizer_kwargs": {"momentum": 0.5, "dampening": 0.3}},
    {"optimizer": "adam", "lr": 0.01}, {"optimizer": "adamw", "lr": 0.01}, {"optimizer": "rmsprop", "lr": 0.01},
    {"lr_schedule": lambda epoch: 0.3 / (1 + epoch)},
    {"patience": 2, "validation_data": make_moons(n=60, noise=0.4, seed=9)},
], ids=["momentum", "nesterov-wd", "dampening", "adam", "adamw", "rmsprop", "schedule", "patience"])
def test_fast_path_matches_the_plain_loop_for_every_update_rule(kwargs):
    kwargs = dict(kwargs)
    w = {**MOONS, "lr": kwargs.pop("lr", MOONS["lr"])}
    fast, pure = _both_paths(w, **kwargs)
    _assert_same(fast, pure, np.float64)


def test_one_hot_targets_take_the_fast_path_too():
    X, y = make_moons(n=100, noise=0.2, seed=1)
    results = []
    for fast in (True, False):
        model = MLP([2, 6, 2], seed=0)
        train(model, X, np.eye(2)[y], epochs=10, lr=0.3, batch_size=16, fast=fast)
        results.append(model.params)
    for name in results[1]:
        np.testing.assert_allclose(results[0][name], results[1][name], rtol=1e-10, atol=1e-13)


def test_a_learners_own_part_is_called_and_the_rest_stays_fused():
    """A learner's activation, loss or update rule is called as given; the results match the
    plain loop, and the parameters still live in the fast path's flat array."""
    calls = {"f": 0, "loss": 0, "rule": 0}

    def my_relu(z):
        calls["f"] += 1
        return relu(z)

    def my_loss(logits, y):
        calls["loss"] += 1
        return softmax_cross_entropy(logits, y)

    def my_sgd(param, grad, state, lr):
        calls["rule"] += 1
        return sgd(param, grad, state, lr)

    X, y = make_moons(n=90, noise=0.2, seed=2)
    results = []
    for fast in (True, False):
        model = MLP([2, 6, 5, 2], activation=(my_relu, relu_prime), loss=my_loss, seed=1)
        train(model, X, y, epochs=6, lr=0.2, batch_size=30, optimizer=my_sgd, fast=fast)
        results.append(model)
    assert _took_fast_path(results[0])
    steps = 6 * 3
    assert calls == {"f": 2 * 2 * steps, "loss": 2 * steps, "rule": 2 * steps * 6}
    for name in results[1].params:
        np.testing.assert_allclose(results[0].params[name], results[1].params[name], rtol=1e-12, atol=1e-14)


def test_adam_through_the_fast_path_equals_adam_called_by_hand():
    """Independent of the plain loop: full-batch Adam written out here step by step."""
    X, y = make_moons(n=40, noise=0.2, seed=3)
    model = MLP([2, 5, 2], seed=4)
    start = {k: v.copy() for k, v in model.params.items()}
    train(model, X, y, epochs=5, lr=0.01, optimizer="adam", batch_size=40)
    by_hand = MLP([2, 5, 2], seed=4)
    by_hand.params = {k: v.copy() for k, v in start.items()}
    states = {k: None for k in start}
    for _ in range(5):
        _, grads = by_hand.loss(X, y)
        for k in start:
            by_hand.params[k], states[k] = adam(by_hand.params[k], grads[k], states[k], 0.01)
    for k in start:
        np.testing.assert_allclose(model.params[k], by_hand.params[k], rtol=1e-12, atol=1e-15)


def test_train_never_modifies_the_callers_arrays_and_callbacks_may_replace_parameters():
    X, y = make_moons(n=64, noise=0.2, seed=4)
    start = {k: v.copy() for k, v in MLP([2, 6, 2], seed=0).params.items()}

    def run(fast):
        model = MLP([2, 6, 2], seed=0)
        model.params = {k: v.copy() for k, v in start.items()}
        held = model.params["W1"]

        def on_epoch(epoch, history):
            if epoch == 1:                    # a learner's intervention between epochs
                model.params["W2"] = np.zeros_like(model.params["W2"])

        train(model, X, y, epochs=3, lr=0.1, on_epoch=on_epoch, fast=fast)
        np.testing.assert_array_equal(held, start["W1"])           # the caller's array is untouched
        return model

    fast, pure = run(True), run(False)
    assert not np.allclose(fast.params["W2"], pure.params["W2"] * 0 + start["W2"])
    for k in start:
        np.testing.assert_allclose(fast.params[k], pure.params[k], rtol=1e-12, atol=1e-15)


def test_float32_stays_float32_through_the_fast_path():
    X, y = make_moons(n=50, noise=0.2, seed=5)
    model = MLP([2, 4, 2], dtype=np.float32)
    history = train(model, X, y, epochs=3, lr=0.1, batch_size=16)
    assert all(v.dtype == np.float32 for v in model.params.values())
    assert all(isinstance(v, float) for v in history.step_loss)


@pytest.mark.parametrize("kwargs", [
    {"clip_norm": 0.5}, {"clip_value": 0.05}, {"clip_norm": 0.5, "clip_value": 0.05},
    {"clip_norm": 0.5, "optimizer": "adam", "lr": 0.01},
    {"clip_norm": 0.5, "optimizer_kwargs": {"momentum": 0.9, "weight_decay": 1e-3}},
], ids=["norm", "value", "value-then-norm", "norm-adam", "norm-momentum-wd"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fast_path_matches_the_plain_loop_with_clipping(kwargs, dtype):
    kwargs = dict(kwargs)
    w = {**MOONS, "lr": kwargs.pop("lr", MOONS["lr"]), "dtype": dtype, "weight_decay": 0.01}
    fast, pure = _both_paths(w, **kwargs)
    assert _took_fast_path(fast[0])
    _assert_same(fast, pure, dtype)
    steps = len(pure[1].step_loss)
    assert 0 < pure[1].clipped <= steps          # these limits are below the gradients of the first steps
    assert fast[1].clipped == pure[1].clipped


def test_a_learners_clip_function_is_called_on_both_paths():
    calls = []

    def my_clip(grads, max_norm=None, max_value=None):
        calls.append((sorted(grads), max_norm, max_value))
        return {k: np.clip(g, -max_value, max_value) for k, g in grads.items()}

    fast, pure = _both_paths(MOONS, clip_value=0.05, clip=my_clip)
    _assert_same(fast, pure, np.float64)
    steps = len(pure[1].step_loss)
    assert len(calls) == 2 * steps
    assert calls[0] == (["W1", "W2", "W3", "b1", "b2", "b3"], None, 0.05)
    reference = _both_paths(MOONS, clip_value=0.05)[1]
    for name in reference[0].params:
        np.testing.assert_allclose(pure[0].params[name], reference[0].params[name], rtol=1e-12, atol=1e-14)
