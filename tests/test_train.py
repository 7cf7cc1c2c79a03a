"""The training loop: learning XOR and the digits, batches and shuffling, early stopping,
callbacks, schedules, and divergence."""
import time
import warnings

import numpy as np
import pytest

from mlp_lib.data import (Standardizer, load_digits, make_moons, make_xor, one_hot,
                          train_val_test_split)
from mlp_lib.model import MLP
from mlp_lib.optim import OPTIMIZERS, make_schedule, sgd
from mlp_lib.train import FULL_BATCH_UP_TO, History, TrainingDiverged, evaluate, train


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_xor_reaches_full_accuracy(activation):
    X, y = make_xor()
    model = MLP([2, 8, 1], activation=activation, loss="binary_cross_entropy", seed=0)
    history = train(model, X, y, epochs=500, lr=0.5)
    assert history.accuracy[-1] == 1.0
    np.testing.assert_array_equal(model.predict(X), [0, 1, 1, 0])
    assert history.loss[-1] < 0.1 < history.loss[0]


def test_xor_with_softmax_output():
    X, y = make_xor()
    model = MLP([2, 8, 2], activation="tanh", seed=1)
    train(model, X, y, epochs=500, lr=0.5)
    np.testing.assert_array_equal(model.predict(X), y)


def test_digits_reach_95_percent_in_a_few_seconds():
    X, y = load_digits()
    X_train, y_train, X_val, y_val, X_test, y_test = train_val_test_split(X, y, seed=0)
    scaler = Standardizer().fit(X_train)
    model = MLP([64, 64, 10], seed=0)
    start = time.process_time()   # CPU time: other processes do not count
    history = train(model, scaler.transform(X_train), y_train, epochs=20, lr=1e-3, optimizer="adam",
                    batch_size=32, validation_data=(scaler.transform(X_val), y_val))
    elapsed = time.process_time() - start
    test_loss, test_acc = evaluate(model, scaler.transform(X_test), y_test)
    assert test_acc >= 0.95, f"test accuracy {test_acc:.4f}"
    assert history.val_accuracy[-1] >= 0.95
    assert elapsed < 15, f"training took {elapsed:.1f} s of CPU time"


@pytest.mark.parametrize("optimizer, kwargs, lr", [
    ("sgd", {"momentum": 0.9, "nesterov": True}, 0.05), ("rmsprop", {}, 0.01), ("adam", {}, 0.01),
    ("adamw", {"weight_decay": 1e-3}, 0.01)])
def test_each_optimizer_learns_the_moons(optimizer, kwargs, lr):
    X, y = make_moons(200, noise=0.1, seed=0)
    model = MLP([2, 16, 2], activation="tanh", seed=0)
    history = train(model, X, y, epochs=60, lr=lr, optimizer=optimizer, optimizer_kwargs=kwargs)
    assert history.accuracy[-1] > 0.95
    assert history.loss[-1] < history.loss[0] / 3


def test_own_update_rule_is_used():
    calls = []

    def my_sgd(param, grad, state, lr):
        calls.append(lr)
        return param - lr * grad, state

    X, y = make_xor()
    model_a, model_b = MLP([2, 4, 1], loss="binary_cross_entropy"), MLP([2, 4, 1], loss="binary_cross_entropy")
    train(model_a, X, y, epochs=3, lr=0.3, optimizer=my_sgd)
    train(model_b, X, y, epochs=3, lr=0.3, optimizer=sgd)
    assert calls == [0.3] * (3 * len(model_a.params))
    for name in model_a.params:
        np.testing.assert_array_equal(model_a.params[name], model_b.params[name])


def _recording_model(seen, D=1):
    """A model whose loss records the targets of each batch; y holds the sample indices."""
    def loss(logits, y):
        seen.append(np.array(y, copy=True))
        return 0.0, np.zeros_like(logits)
    return MLP([D, 1], loss=loss)


@pytest.mark.parametrize("N, batch_size, steps", [(10, None, 1), (FULL_BATCH_UP_TO, None, 1),
                                                 (FULL_BATCH_UP_TO + 1, None, 2), (100, 30, 4)])
def test_every_sample_exactly_once_per_epoch(N, batch_size, steps):
    seen = []
    X, y = np.arange(N, dtype=float)[:, None], np.arange(N, dtype=float)
    history = train(_recording_model(seen), X, y, epochs=4, lr=0.1, batch_size=batch_size, seed=3)
    assert len(seen) == 4 * steps == len(history.step_loss)
    epochs = [np.concatenate(seen[e * steps:(e + 1) * steps]) for e in range(4)]
    for order in epochs:
        np.testing.assert_array_equal(np.sort(order), np.arange(N))     # without replacement
    if steps > 1:
        assert max(len(b) for b in seen) == (batch_size or FULL_BATCH_UP_TO)
        orders = {tuple(order) for order in epochs}
        assert len(orders) == 4                                          # a fresh order each epoch
    else:
        assert all(len(b) == N for b in seen)                            # full batch


def test_shuffling_is_seeded():
    runs = []
    for seed in (5, 5, 6):
        seen = []
        train(_recording_model(seen), np.zeros((50, 1)), np.arange(50.0), epochs=2, lr=0.1, batch_size=10, seed=seed)
        runs.append(np.concatenate(seen))
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


def test_history_records():
    X, y = make_moons(60, seed=1)
    schedule = make_schedule("step", 0.1, step_size=2, gamma=0.5)
    history = train(MLP([2, 4, 2]), X, y, epochs=5, lr=0.1, lr_schedule=schedule, validation_data=(X, y),
                    batch_size=20)
    assert isinstance(history, History)
    assert history.epochs == 5
    assert history.lr == [0.1, 0.1, 0.05, 0.05, 0.025]
    assert len(history.step_loss) == 5 * 3
    for name in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert len(getattr(history, name)) == 5
    assert all(0 <= a <= 1 for a in history.accuracy + history.val_accuracy)
    # the epoch loss is the sample-weighted mean of its step losses (batches of 20: equal weights)
    assert history.loss[0] == pytest.approx(np.mean(history.step_loss[:3]))
    assert history.stopped is None and not history.diverged


def test_validation_metrics_match_evaluate():
    X, y = make_moons(80, seed=2)
    model = MLP([2, 6, 2])
    history = train(model, X[:60], y[:60], epochs=3, validation_data=(X[60:], y[60:]))
    assert (history.val_loss[-1], history.val_accuracy[-1]) == evaluate(model, X[60:], y[60:])


def test_regression_history_has_no_accuracy():
    X = np.linspace(-1, 1, 40)[:, None]
    history = train(MLP([1, 8, 1], activation="tanh", loss="mse"), X, X[:, 0] ** 2, epochs=50, lr=0.1)
    assert history.accuracy == [None] * 50
    assert history.loss[-1] < history.loss[0]


def test_one_hot_targets_train_like_labels():
    X, y = make_moons(40, seed=3)
    a, b = MLP([2, 5, 2], seed=4), MLP([2, 5, 2], seed=4)
    ha = train(a, X, y, epochs=5, lr=0.1)
    hb = train(b, X, one_hot(y, 2), epochs=5, lr=0.1)
    np.testing.assert_allclose(ha.loss, hb.loss, rtol=1e-12)
    assert ha.accuracy == hb.accuracy


def test_training_loss_excludes_the_l2_term():
    X, y = make_xor()
    model = MLP([2, 4, 2], weight_decay=10.0)
    history = train(model, X, y, epochs=1, lr=1e-9)
    data_loss, _ = evaluate(model, X, y)
    assert history.loss[0] == pytest.approx(data_loss, rel=1e-6)


def test_early_stopping_stops_and_restores_the_best_parameters():
    # a tiny, noisy training set and a big learning rate: the validation loss soon rises
    X, y = make_moons(300, noise=0.35, seed=0)
    snapshots = []
    model = MLP([2, 64, 64, 2], seed=0)
    history = train(model, X[:20], y[:20], epochs=300, lr=0.05, optimizer="adam", patience=5,
                    validation_data=(X[20:], y[20:]),
                    on_epoch=lambda epoch, h: snapshots.append({k: v.copy() for k, v in model.params.items()}))
    best = int(np.argmin(history.val_loss))
    assert history.best_epoch == best
    assert history.epochs == best + 6 < 300                     # stopped `patience` epochs after the best
    assert "early stopping" in history.stopped and f"parameters of epoch {best + 1}" in history.stopped
    for name, value in model.params.items():
        np.testing.assert_array_equal(value, snapshots[best][name])
    assert evaluate(model, X[20:], y[20:])[0] == pytest.approx(history.val_loss[best])


def test_early_stopping_on_training_loss_without_validation_data():
    def gradient_ascent(param, grad, state, lr):
        return param + lr * grad, state              # the training loss rises from the first epoch on

    X, y = make_xor()
    model = MLP([2, 4, 2])
    start = {k: v.copy() for k, v in model.params.items()}
    history = train(model, X, y, epochs=50, lr=0.1, optimizer=gradient_ascent, patience=3)
    assert history.best_epoch == 0 and history.epochs == 4
    assert "early stopping after epoch 4" in history.stopped and "parameters of epoch 1" in history.stopped
    # restored to the parameters after epoch 0 (one step from the start, full batch)
    _, grads = MLP([2, 4, 2]).loss(X, y)
    for name in start:
        np.testing.assert_allclose(model.params[name], start[name] + 0.1 * grads[name], rtol=1e-12)


@pytest.mark.parametrize("where", ["on_step", "on_epoch"])
def test_callbacks_can_stop_training(where):
    X, y = make_moons(100, seed=0)
    calls = []

    def on_step(info):
        calls.append(info)
        return info["step"] == 7

    def on_epoch(epoch, history):
        calls.append(epoch)
        return epoch == 2

    kwargs = {"on_step": on_step} if where == "on_step" else {"on_epoch": on_epoch}
    history = train(MLP([2, 4, 2]), X, y, epochs=50, batch_size=10, **kwargs)
    assert where in history.stopped
    if where == "on_step":
        assert len(calls) == 7 == len(history.step_loss)
        assert set(calls[0]) == {"epoch", "step", "loss", "lr"}
        assert history.epochs == 1
    else:
        assert calls == [0, 1, 2] and history.epochs == 3


def test_callback_returning_none_does_not_stop():
    X, y = make_xor()
    history = train(MLP([2, 3, 2]), X, y, epochs=4, on_epoch=lambda e, h: None, on_step=lambda info: None)
    assert history.epochs == 4 and history.stopped is None


def test_verbose_prints_rounded_summaries(capsys):
    X, y = make_xor()
    train(MLP([2, 3, 2]), X, y, epochs=5, verbose=2, validation_data=(X, y))
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3                                  # epochs 0, 2 and the last one (4)
    assert lines[0].startswith("epoch    0") and "val_acc" in lines[0]


# -- divergence -----------------------------------------------------------------------

def _diverging_run(**kwargs):
    X, y = make_moons(200, seed=0)
    return train(MLP([2, 16, 2], seed=0), X, y, epochs=50, lr=1e6, **kwargs)


def test_divergence_raises_naming_epoch_step_and_lr():
    with pytest.raises(TrainingDiverged) as info:
        _diverging_run()
    err = info.value
    message = str(err)
    assert f"in epoch {err.epoch + 1}, step {err.step + 1} " in message     # counted from 1 for the reader
    assert err.lr == 1e6 and "learning rate 1e+06" in message
    assert 0 < err.step and err.epoch < 50
    assert err.history.diverged and np.isnan(err.history.loss[-1])


def test_divergence_stop_returns_the_history():
    history = _diverging_run(on_divergence="stop", validation_data=make_moons(50, seed=1))
    assert history.diverged is True
    assert "diverged" in history.stopped and "1e+06" in history.stopped
    assert history.epochs < 50 and np.isnan(history.loss[-1])
    # every per-epoch list has one entry per epoch, so the curves can be plotted together
    lengths = {len(getattr(history, k)) for k in ("loss", "accuracy", "val_loss", "val_accuracy", "lr")}
    assert lengths == {history.epochs}


def runaway(param, grad, state, lr):
    """A learner's update rule whose result overflows to infinity inside the update itself."""
    return param * 1e300 * lr, state


@pytest.mark.parametrize("optimizer, lr", [("sgd", 1e6), ("adamw", 1e30), (runaway, 1e10)],
                         ids=["sgd", "adamw", "overflowing rule"])
def test_divergence_gives_no_floating_point_warning(optimizer, lr):
    X, y = make_moons(200, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = train(MLP([2, 16, 2], seed=0), X, y, epochs=50, lr=lr, optimizer=optimizer,
                        on_divergence="stop", validation_data=(X, y))
    assert history.diverged


def test_large_but_finite_steps_do_not_count_as_divergence():
    X, y = make_xor()
    history = train(MLP([2, 4, 2], activation="tanh"), X, y, epochs=20, lr=50.0)
    assert not history.diverged and np.all(np.isfinite(history.loss))


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_training_does_not_modify_the_data(name):
    X, y = make_moons(40, seed=5)
    X0, y0 = X.copy(), y.copy()
    train(MLP([2, 4, 2]), X, y, epochs=2, optimizer=name, lr=0.01)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
