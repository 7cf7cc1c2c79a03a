"""Widgets without a browser: set a control's value (observers fire synchronously in
ipywidgets 8) and check the returned state against what theory says and against an
independent computation with ``mlp_lib.train`` and the update rules.
"""
import io
import time

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

from mlp_lib import (MLP, adam, make_circles, make_xor, rel_error, sgd, tanh, tanh_prime, train,  # noqa: E402
                     train_val_test_split)
from mlp_lib.gradcheck import numerical_gradient  # noqa: E402
from mlp_lib.surfaces import SURFACES, descend, get_surface  # noqa: E402
from mlp_lib.widgets import (WidgetHandle, lr_explorer, neuron_explorer, optimizer_race, playground,  # noqa: E402
                             progress)
from mlp_lib.widgets.common import loss_text, lr_label, new_figure  # noqa: E402

PNG_MAGIC = b"\x89PNG"


def xor_run(lr, epochs=300, activation="tanh", optimizer="sgd", layer_sizes=(2, 4, 1)):
    """The XOR run the explorer must show, computed here with train (full batch, seed 0)."""
    X, y = make_xor()
    model = MLP(list(layer_sizes), activation=activation, loss="binary_cross_entropy", seed=0)
    return model, train(model, X, y, epochs=epochs, lr=lr, optimizer=optimizer, batch_size=4, seed=0,
                        on_divergence="stop")


def html_text(handle):
    """All text of the HTML widgets inside a handle's ui."""
    import ipywidgets as ipw
    out, stack = [], [handle.ui]
    while stack:
        w = stack.pop()
        if isinstance(w, ipw.HTML):
            out.append(w.value)
        stack.extend(getattr(w, "children", ()))
    return " ".join(out)


# -- surfaces ------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(SURFACES))
def test_surface_gradient_matches_numerical_gradient(name):
    s = get_surface(name)
    rng = np.random.default_rng(1)
    for _ in range(5):
        p = rng.uniform(-2, 2, size=2)
        numeric = numerical_gradient(lambda: s["value"](p[0], p[1]), p)
        assert rel_error(s["gradient"](p), numeric) < 1e-7


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_surface_minimum_is_a_stationary_zero(name):
    s = get_surface(name)
    m = np.array(s["minimum"])
    assert s["value"](*m) == 0
    assert np.allclose(s["gradient"](m), 0)
    assert s["value"](*s["start"]) > 1


def test_descend_sgd_is_gradient_descent_and_reports_divergence():
    s = get_surface("bowl")
    path, diverged = descend("bowl", sgd, 0.1, 3)
    p0 = np.array(s["start"])
    assert path.shape == (4, 2) and not diverged
    assert np.allclose(path[1], p0 - 0.1 * s["gradient"](p0))
    # along y the bowl's curvature is b = 2: gradient descent is unstable for lr > 2 / b = 1
    _, diverged = descend("bowl", sgd, 1.5, 200)
    assert diverged
    with pytest.raises(ValueError, match="valid names"):
        descend("cliff", sgd, 0.1, 3)


# -- learning-rate explorer -------------------------------------------------------

def test_lr_explorer_matches_train_and_shows_the_loss():
    h = lr_explorer()
    assert isinstance(h, WidgetHandle) and set(h.controls) == {"lr", "epochs"}
    _, history = xor_run(0.5)
    assert h.state["final_loss"] == pytest.approx(history.loss[-1], rel=1e-12)
    assert f"final loss: {history.loss[-1]:.4g}" in html_text(h)
    assert h.state["png"].startswith(PNG_MAGIC)


@pytest.mark.parametrize("lr", [1e-3, 0.1, 1.0, 3.0])
def test_lr_slider_retrains_at_the_new_rate(lr):
    h = lr_explorer()
    before = h.state["png"]
    h.controls["lr"].value = lr
    _, history = xor_run(lr)
    assert h.state["history"].loss == pytest.approx(history.loss, rel=1e-12)
    assert f"final loss: {history.loss[-1]:.4g}" in html_text(h)
    assert h.state["png"] != before


def test_too_small_a_rate_barely_moves_a_good_one_converges():
    h = lr_explorer()
    h.controls["lr"].value = 1e-3
    first = h.state["history"].loss[0]
    assert abs(h.state["final_loss"] - first) < 0.01 * first
    assert not h.state["diverged"]
    h.controls["lr"].value = 1.0
    assert h.state["final_loss"] < 0.05
    X, y = make_xor()
    assert np.array_equal(h.state["model"].predict(X), y)
    loss_300 = h.state["final_loss"]
    h.controls["epochs"].value = 600
    assert h.state["final_loss"] < loss_300           # more epochs at a good rate: lower loss


def test_too_large_a_rate_diverges_and_says_where():
    h = lr_explorer()
    h.controls["lr"].value = 30.0
    state = h.state
    assert state["diverged"]
    assert "learning rate 30" in state["message"] and f"in epoch {state['diverged_at'] + 1} " in state["message"]
    assert state["history"].epochs == state["diverged_at"] + 1 < 300      # the curve up to that point
    assert state["history"].loss[-1] > 3 * state["history"].loss[0]
    assert "diverged" in html_text(h)
    h.controls["lr"].value = 0.5                                           # and it recovers
    assert not h.state["diverged"] and h.state["message"] == ""


def test_non_finite_loss_is_reported_with_trains_message():
    X, y = make_xor()
    h = lr_explorer(X, y, layer_sizes=(2, 8, 1), activation="relu", loss="mse", lr=100.0,
                    blowup=float("inf"))                       # only train's own divergence rule counts
    assert h.state["diverged"] and h.state["history"].diverged
    assert h.state["message"] == h.state["history"].stopped and "learning rate 100" in h.state["message"]


# What d3's ".3g" (JavaScript's Number.prototype.toPrecision(3)) shows on a slider's read-out:
# fixed notation with trailing zeros from 1e-6 on, exponential below 1e-6 and from 1000 on.
D3_3G = [(5.0, "5.00"), (10 ** 0.7, "5.01"), (10 ** 1.2, "15.8"), (0.5, "0.500"), (0.03, "0.0300"),
         (1e-4, "0.000100"), (10 ** -3.1, "0.000794"), (1e-6, "0.00000100"), (1e-7, "1.00e-7"),
         (100.0, "100"), (99.96, "100"), (999.6, "1.00e+3"), (1234.5, "1.23e+3")]


@pytest.mark.parametrize("lr, shown", D3_3G)
def test_lr_label_writes_a_rate_as_the_slider_shows_it(lr, shown):
    assert lr_label(lr) == shown


def test_the_rate_shown_is_the_rate_trained_with():
    h = lr_explorer(lr=1.0)
    h.controls["lr"].value = 10 ** 1.2            # the slider's grid point; it reads "15.8"
    X, y = make_xor()
    model = MLP([2, 4, 1], activation="tanh", loss="binary_cross_entropy", seed=0)
    history = train(model, X, y, epochs=300, lr=15.8, batch_size=4, seed=0, on_divergence="stop",
                    on_epoch=lambda epoch, hist: hist.loss[-1] > 3 * hist.loss[0])     # the explorer's blow-up rule
    assert h.state["history"].loss == pytest.approx(history.loss, rel=1e-12)
    assert h.state["history"].lr[0] == 15.8
    assert h.state["diverged"]                     # at 15.8 the XOR run blows up within a few epochs
    assert "learning rate 15.8:" in h.state["message"] and "15.85" not in h.state["message"]
    h.controls["lr"].value = 30.0
    assert h.state["diverged"] and "learning rate 30.0:" in h.state["message"]


def test_a_small_loss_stays_informative():
    assert loss_text(1.234e-5) == "final loss: 1.234e-05"
    assert loss_text(0.00012346, "loss") == "loss: 0.0001235"
    assert loss_text(0.69314718) == "final loss: 0.6931"
    assert loss_text(float("nan")) == "final loss: nan"


def test_widget_figures_have_the_static_plots_resolution():
    import matplotlib.pyplot as plt
    static = plt.figure()                      # what a lesson's plt.subplots() draws with
    try:
        assert new_figure(4.0, 3.0)[0].dpi == static.dpi
    finally:
        plt.close(static)
    h = lr_explorer()
    fig_width_px = int(h.ui.children[-1].layout.width.removesuffix("px"))
    from PIL import Image
    assert Image.open(io.BytesIO(h.state["png"])).size[0] == fig_width_px


def test_lr_explorer_takes_the_learners_functions():
    def my_sgd(param, grad, state, lr):
        return param - lr * grad, state

    def uphill(param, grad, state, lr):
        return param + lr * grad, state

    reference = lr_explorer(lr=1.0).state["final_loss"]
    assert lr_explorer(lr=1.0, activation=(tanh, tanh_prime)).state["final_loss"] == pytest.approx(reference)
    assert lr_explorer(lr=1.0, optimizer=my_sgd).state["final_loss"] == pytest.approx(reference)
    climbing = lr_explorer(lr=1.0, optimizer=uphill).state
    assert climbing["diverged"] or climbing["final_loss"] > climbing["history"].loss[0]


def test_lr_explorer_rejects_bad_input():
    with pytest.raises(ValueError, match="blowup"):
        lr_explorer(blowup=0.5)
    with pytest.raises(ValueError, match="features"):
        lr_explorer(np.zeros((4, 3)), np.array([0, 1, 1, 0]))
    with pytest.raises(ValueError, match="lr_range"):
        lr_explorer(lr=1e3)


def test_lr_explorer_without_a_plane_shows_the_loss_only():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    y = (X.sum(axis=1) > 0).astype(int)
    h = lr_explorer(X, y, layer_sizes=(3, 4, 1), lr=0.5)
    model = MLP([3, 4, 1], activation="tanh", loss="binary_cross_entropy", seed=0)
    history = train(model, X, y, epochs=300, lr=0.5, batch_size=20, seed=0)
    assert h.state["final_loss"] == pytest.approx(history.loss[-1], rel=1e-12)


# -- neuron explorer ------------------------------------------------------------

def test_neuron_explorer_classifies_by_the_sign_of_z():
    h = neuron_explorer()
    X, y = make_xor(40, noise=0.3, seed=3)
    h = neuron_explorer(X, y)
    for w1, w2, b in [(1.0, 1.0, -1.0), (2.0, -0.5, 0.3), (-1.5, 0.0, 0.5)]:
        h.controls["w1"].value, h.controls["w2"].value, h.controls["b"].value = w1, w2, b
        expected = ((X @ np.array([w1, w2]) + b) > 0).astype(int) == y
        assert np.array_equal(h.state["correct"], expected)
        assert h.state["accuracy"] == pytest.approx(expected.mean())
        line = h.state["line"]
        assert np.allclose(line @ np.array([w1, w2]) + b, 0)       # both points lie on the line
    h.controls["w1"].value = h.controls["w2"].value = 0.0
    assert h.state["line"] is None


def test_neuron_explorer_with_separating_weights_gets_all_right():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 0, 0, 1])                                     # AND is linearly separable
    h = neuron_explorer(X, y, activation="tanh", w=(1.0, 1.0), b=-1.5)
    assert h.state["accuracy"] == 1.0
    h.controls["b"].value = 0.5                                    # everything called class 1
    assert h.state["accuracy"] == 0.25


def test_neuron_explorer_rejects_bad_input():
    with pytest.raises(ValueError, match="2 features"):
        neuron_explorer(np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="labels 0 and 1"):
        neuron_explorer(np.zeros((3, 2)), np.array([0, 1, 2]))


# -- optimizer race -------------------------------------------------------------

def test_optimizer_race_follows_the_update_rules():
    h = optimizer_race()
    assert {"surface", "steps", "lr_sgd", "lr_momentum", "lr_rmsprop", "lr_adam"} == set(h.controls)
    s = get_surface("bowl")
    start = np.array(s["start"])
    lr = h.controls["lr_adam"].value
    first, _ = adam(start, s["gradient"](start), None, lr)
    assert np.allclose(h.state["trajectories"]["adam"][1], first)
    assert np.allclose(h.state["trajectories"]["sgd"][1], start - h.controls["lr_sgd"].value * s["gradient"](start))
    assert all(len(t) == 101 for t in h.state["trajectories"].values())


def test_momentum_and_adam_beat_plain_sgd_on_the_elongated_bowl():
    finals = optimizer_race("bowl").state["final_values"]
    # same learning rate: momentum 0.9 takes up to 1 / (1 - 0.9) = 10 times longer steps along the flat axis
    assert finals["momentum"] < finals["sgd"] / 5 and finals["adam"] < finals["sgd"] / 10


def test_optimizer_race_controls_and_divergence():
    h = optimizer_race()
    h.controls["steps"].value = 20
    assert all(len(t) == 21 for t in h.state["trajectories"].values())
    h.controls["surface"].value = "valley"
    assert all(np.allclose(t[0], SURFACES["valley"]["start"]) for t in h.state["trajectories"].values())
    h.controls["lr_sgd"].value = 1.0
    assert h.state["diverged"]["sgd"] and np.isnan(h.state["final_values"]["sgd"])
    assert not h.state["diverged"]["adam"]


def test_optimizer_race_takes_a_learners_rule():
    def my_sgd(param, grad, state, lr):
        return param - lr * grad, state

    h = optimizer_race(optimizers={"mine": (my_sgd, {}, 0.05), "sgd": (sgd, {}, 0.05)})
    assert set(h.controls) == {"surface", "steps", "lr_mine", "lr_sgd"}
    assert np.allclose(h.state["trajectories"]["mine"], h.state["trajectories"]["sgd"])
    with pytest.raises(ValueError, match="valid names"):
        optimizer_race(optimizers=["sgd", "lion"])
    with pytest.raises(TypeError, match="update rule"):
        optimizer_race(optimizers={"bad": ("sgd", {}, 0.1)})


# -- playground --------------------------------------------------------------------

def reference_playground(epochs, lr=0.03):
    """The playground's default run built by hand: circles, 2-16-16-1 tanh, Adam, batches of 10."""
    X, y = make_circles(400, noise=0.1, seed=0)
    X_train, y_train, _, _, X_test, y_test = train_val_test_split(X, y, val=0.0, test=0.5, seed=0)
    model = MLP([2, 16, 16, 1], activation="tanh", loss="binary_cross_entropy", seed=0)
    return train(model, X_train, y_train, epochs=epochs, lr=lr, optimizer="adam", batch_size=10,
                 validation_data=(X_test, y_test), seed=0)


def test_playground_step_advances_one_epoch_of_the_same_run():
    h = playground()
    expected = {"dataset", "noise", "hidden_layers", "units", "activation", "lr", "optimizer", "l2",
                "batch_size", "seed", "max_epochs", "target_loss", "train", "stop", "step"}
    assert set(h.controls) == expected
    assert h.state["epoch"] == 0 and not h.state["running"]
    h.controls["step"].click()
    assert h.state["epoch"] == 1
    h.controls["step"].click()
    assert h.state["epoch"] == 2 and len(h.state["history"].loss) == 2
    reference = reference_playground(2)
    assert h.state["history"].loss == pytest.approx(reference.loss, rel=1e-12)
    assert h.state["history"].val_loss == pytest.approx(reference.val_loss, rel=1e-12)
    assert "training loss" in html_text(h) and "test loss" in html_text(h)


def test_playground_train_stop_and_the_code_line_reproduces_the_run():
    h = playground()
    h.controls["train"].click()
    assert h.wait(5) >= 5
    h.controls["stop"].click()
    assert not h.state["running"]
    epoch = h.state["epoch"]
    assert h.state["updates"] >= 2
    namespace = {}
    exec(h.state["code"], namespace)          # noqa: S102 - the line the learner copies
    assert namespace["history"].epochs == epoch
    assert namespace["history"].loss[-1] == pytest.approx(h.state["final_loss"], rel=1e-12)
    assert reference_playground(epoch).loss[-1] == pytest.approx(h.state["final_loss"], rel=1e-12)
    h.controls["step"].click()                 # stepping continues the same run
    assert h.state["epoch"] == epoch + 1


def test_changing_a_setting_starts_a_new_run():
    h = playground()
    h.controls["step"].click()
    png = h.state["png"]
    h.controls["dataset"].value = "spirals"
    assert h.state["epoch"] == 0 and h.state["history"] is None and "dataset='spirals'" in h.state["code"]
    assert h.state["png"] != png
    h.controls["hidden_layers"].value = 0                          # logistic regression
    h.controls["lr"].value = 0.1
    h.controls["step"].click()
    assert h.state["model"].layer_sizes == [2, 1] and h.state["epoch"] == 1
    with pytest.raises(ValueError, match="dataset"):
        playground(dataset="swiss roll")


def test_playground_menus_offer_every_registered_activation_and_update_rule():
    from mlp_lib.activations import ACTIVATIONS
    from mlp_lib.optim import OPTIMIZERS
    h = playground()
    assert set(h.controls["activation"].options) == set(ACTIVATIONS)
    assert set(OPTIMIZERS) | {"momentum"} == set(h.controls["optimizer"].options)
    h.controls["optimizer"].value = "adamw"
    h.controls["step"].click()
    assert h.state["epoch"] == 1 and np.isfinite(h.state["final_loss"])


def test_playground_pauses_by_itself_at_the_maximum_and_goes_on_when_it_is_raised():
    h = playground(max_epochs=3, target_loss=0.0)
    h.controls["train"].click()
    assert h.wait(10, timeout=30) == 3
    time.sleep(0.2)
    assert h.state["epoch"] == 3 and not h.state["running"]
    assert "maximum of 3 epochs" in h.state["limit"] and "maximum of 3 epochs" in html_text(h)
    h.controls["train"].click()                                     # nothing left to do
    assert h.state["epoch"] == 3 and not h.state["running"]
    h.controls["max_epochs"].value = 5                             # not a new run: the same one goes on
    assert h.state["epoch"] == 3
    h.controls["train"].click()
    assert h.wait(10, timeout=30) == 5
    time.sleep(0.2)
    assert h.state["epoch"] == 5 and h.state["history"].loss == pytest.approx(reference_playground(5).loss, rel=1e-12)


def test_playground_pauses_at_the_target_loss_and_shows_small_losses():
    reference = reference_playground(60)
    target = 0.1
    first_below = next(i + 1 for i, loss in enumerate(reference.loss) if loss <= target)
    h = playground(target_loss=target)
    h.controls["train"].click()
    h.wait(first_below + 20, timeout=60)
    time.sleep(0.2)
    assert h.state["epoch"] == first_below and not h.state["running"]
    assert "reached the target 0.1" in h.state["limit"]
    assert f"training loss: {reference.loss[first_below - 1]:.4g}" in html_text(h)
    h.controls["target_loss"].value = 1e-5                         # a lower target: it trains on
    h.controls["step"].click()
    assert h.state["epoch"] == first_below + 1 and h.state["limit"] == ""


def test_playground_rejects_bad_limits():
    with pytest.raises(ValueError, match="max_epochs"):
        playground(max_epochs=0)
    with pytest.raises(ValueError, match="target_loss"):
        playground(target_loss=0.5)


def test_no_empty_legend_before_the_first_epoch():
    from mlp_lib.plots import LiveLossCurves
    fig, (ax,) = new_figure(4, 3)
    curves = LiveLossCurves(ax)
    curves.update([])
    assert ax.get_legend() is None
    curves.update([0.7, 0.5], [0.8, 0.6])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["training loss", "test loss"]


# -- progress bar ------------------------------------------------------------------

def test_progress_bar_follows_train_and_passes_on_a_stop():
    X, y = make_xor()
    bar = progress(20)
    history = train(MLP([2, 4, 1], activation="tanh", loss="binary_cross_entropy"), X, y, epochs=20, lr=0.5,
                    on_epoch=bar)
    assert bar.bar.value == 20 and bar.bar.bar_style == "success"
    assert f"loss: {history.loss[-1]:.4g}" in bar.label.value
    stopper = progress(20, then=lambda epoch, h: epoch == 4)
    history = train(MLP([2, 4, 1], activation="tanh", loss="binary_cross_entropy"), X, y, epochs=20, lr=0.5,
                    on_epoch=stopper)
    assert history.epochs == 5 and stopper.bar.value == 5


def test_handle_displays_its_ui():
    h = neuron_explorer()
    bundle = h._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
