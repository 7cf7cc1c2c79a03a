"""The softmax explorer without a browser: set the sliders, read the state.

Expected values are computed here from the definitions (exp / sum, -log p_y, p - y, and a
numerical gradient of the squared error), not taken from the widget's own code.
"""
import numpy as np
import pytest

pytest.importorskip("ipywidgets")
from mlp_lib.gradcheck import numerical_gradient, rel_error  # noqa: E402
from mlp_lib.widgets.softmax_explorer import softmax_explorer  # noqa: E402


def by_definition(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def test_state_follows_the_sliders():
    h = softmax_explorer(logits=(2.0, 1.0, -1.0), label=0)
    h.controls["z0"].value = -3.0
    h.controls["z2"].value = 4.0
    h.controls["label"].value = 2
    z = np.array([-3.0, 1.0, 4.0])
    p = by_definition(z)
    np.testing.assert_allclose(h.state["logits"], z)
    np.testing.assert_allclose(h.state["probs"], p, rtol=1e-12)
    assert h.state["loss"] == pytest.approx(-np.log(p[2]), rel=1e-12)
    np.testing.assert_allclose(h.state["grad"], p - np.eye(3)[2], atol=1e-12)
    assert h.state["png"][:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("z, label", [((2.0, 1.0, -1.0), 0), ((-6.0, 3.0, 0.5, 1.0), 0), ((0.3, -0.2), 1)])
def test_squared_error_gradient_matches_a_numerical_gradient(z, label):
    h = softmax_explorer(logits=z, label=label)
    C = len(z)
    y = np.eye(C)[label]
    zz = np.array(z, dtype=np.float64)
    numeric = numerical_gradient(lambda: float(np.sum((by_definition(zz) - y) ** 2)), zz)
    assert rel_error(h.state["se_grad"], numeric) < 1e-7


def test_confidently_wrong_squared_error_stalls_cross_entropy_does_not():
    h = softmax_explorer(logits=(-8.0, 4.0, 0.0), label=0)
    assert h.state["grad"][0] < -0.99
    assert abs(h.state["se_grad"][0]) < 1e-3


def test_a_learners_functions_are_used():
    calls = []

    def uniform_softmax(Z):
        calls.append(Z.shape)
        return np.full_like(Z, 1.0 / Z.shape[1])

    def constant_loss(logits, y):
        return 1.5, np.zeros_like(logits)

    h = softmax_explorer(logits=(1.0, 0.0, -1.0), softmax=uniform_softmax, loss=constant_loss)
    assert calls and calls[0] == (1, 3)
    np.testing.assert_allclose(h.state["probs"], 1 / 3)
    assert h.state["loss"] == 1.5
    np.testing.assert_allclose(h.state["grad"], 0.0)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"logits": (1.0,)}, ValueError, "2 to 6"),
    ({"logits": (1.0, 20.0)}, ValueError, "[-10, 10]"),
    ({"label": 3}, ValueError, "0..2"),
    ({"softmax": "softmax"}, TypeError, "functions"),
])
def test_bad_arguments_are_explained(kwargs, error, words):
    with pytest.raises(error, match=None) as info:
        softmax_explorer(**kwargs)
    assert words in str(info.value)
