"""The gradient-flow widget without a browser: set the sliders, read the per-layer norms.

The expected norms are computed here from numerical gradients of the loss (centred
differences), independently of the backward pass the widget relies on.
"""
import numpy as np
import pytest

pytest.importorskip("ipywidgets")
from mlp_lib import MLP, make_moons, numerical_gradient, sigmoid, sigmoid_prime  # noqa: E402
from mlp_lib.widgets.gradient_flow import gradient_flow, layer_gradient_norms  # noqa: E402


def numerical_norms(sizes, activation, scale, X, y, seed=0):
    model = MLP(sizes, activation=activation, loss="binary_cross_entropy", seed=seed)
    for name in model.params:
        if name.startswith("W"):
            model.params[name] *= scale
    loss = lambda: model.loss(X, y)[0]  # noqa: E731
    return np.array([np.linalg.norm(numerical_gradient(loss, model.params[f"W{l}"]))
                     for l in range(1, len(sizes))])


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu"])
def test_norms_match_numerical_gradients_after_moving_the_sliders(activation):
    X, y = make_moons(12, noise=0.2, seed=3)
    h = gradient_flow(X, y, activations=(activation,), depth=2, width=4)
    h.controls["depth"].value = 3
    h.controls["scale"].value = 1.5
    expected = numerical_norms([2, 4, 4, 4, 1], activation, h.controls["scale"].value, X, y)
    norms = h.state["norms"][activation]
    assert norms.shape == (4,)
    np.testing.assert_allclose(norms, expected, rtol=1e-6)
    assert h.state["ratio"][activation] == pytest.approx(expected[0] / expected[-1], rel=1e-6)
    assert h.state["depth"] == 3
    assert h.state["png"][:8] == b"\x89PNG\r\n\x1a\n"


def test_sigmoid_gradients_vanish_and_relu_ones_do_not():
    # sigma' <= 1/4, so ten sigmoid layers shrink the gradient by roughly 4**10 ~ 1e6
    h = gradient_flow(depth=10)
    assert h.state["ratio"]["sigmoid"] < 1e-4
    assert h.state["ratio"]["relu"] > 1e-2
    assert h.state["ratio"]["tanh"] > 1e-2
    shallow = h.state["ratio"]["sigmoid"]
    h.controls["depth"].value = 20
    assert len(h.state["norms"]["sigmoid"]) == 21
    assert h.state["ratio"]["sigmoid"] < shallow * 1e-3


def test_a_learners_activation_pair_plugs_in():
    h = gradient_flow(activations={"mine": (sigmoid, sigmoid_prime), "reference": "sigmoid"}, depth=4)
    np.testing.assert_allclose(h.state["norms"]["mine"], h.state["norms"]["reference"], rtol=1e-12)


def test_layer_gradient_norms_has_one_entry_per_weight_matrix():
    X, y = make_moons(10, seed=0)
    model = MLP([2, 3, 3, 1], activation="tanh", loss="binary_cross_entropy")
    assert layer_gradient_norms(model, X, y).shape == (3,)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="activation"):
        gradient_flow(activations=("sigmoid", "swish"))
    with pytest.raises(TypeError, match="sequence of names"):
        gradient_flow(activations="relu")
    with pytest.raises(ValueError, match="2-D"):
        gradient_flow(np.zeros(5), np.zeros(5))
