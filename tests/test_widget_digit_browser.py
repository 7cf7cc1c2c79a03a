"""The digit browser without a browser: set the controls, read the state."""
import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

from mlp_lib import load_digits  # noqa: E402
from mlp_lib.widgets import WidgetHandle  # noqa: E402
from mlp_lib.widgets.digit_browser import digit_browser  # noqa: E402

PNG_MAGIC = b"\x89PNG"


def fixed_probabilities(X):
    """A fake classifier: predicts (sum of the ink // 50) % 10 with probability 0.91."""
    labels = (X.sum(axis=1) // 50).astype(int) % 10
    P = np.full((len(X), 10), 0.01)
    P[np.arange(len(X)), labels] = 0.91
    return P


@pytest.fixture
def data():
    X, y = load_digits()
    return X[:30], y[:30]


def test_handle_controls_and_state_follow_the_slider(data):
    X, y = data
    h = digit_browser(X, fixed_probabilities, labels=y)
    assert isinstance(h, WidgetHandle) and set(h.controls) == {"index", "only_wrong"}
    P = fixed_probabilities(X)
    np.testing.assert_array_equal(h.state["predictions"], P.argmax(axis=1))
    assert h.state["wrong"] == int(np.sum(P.argmax(axis=1) != y))
    for i in (0, 7, 29):
        h.controls["index"].value = i
        assert h.state["index"] == i and h.state["label"] == y[i]
        assert h.state["prediction"] == P[i].argmax()
        np.testing.assert_array_equal(h.state["probabilities"], P[i])
        assert h.state["png"].startswith(PNG_MAGIC)


def test_only_wrong_steps_through_the_misclassified_images(data):
    X, y = data
    h = digit_browser(X, fixed_probabilities, labels=y)
    h.controls["only_wrong"].value = True
    wrong = np.flatnonzero(fixed_probabilities(X).argmax(axis=1) != y)
    np.testing.assert_array_equal(h.state["shown"], wrong)
    assert h.controls["index"].max == len(wrong) - 1
    h.controls["index"].value = len(wrong) - 1
    assert h.state["index"] == wrong[-1] and h.state["prediction"] != h.state["label"]


def test_every_image_right_leaves_nothing_to_show_when_only_wrong(data):
    X, y = data
    perfect = lambda A: np.eye(10)[y[:len(A)]]
    h = digit_browser(X, perfect, labels=y, only_wrong=True)
    assert h.state["wrong"] == 0 and h.state["index"] is None and len(h.state["shown"]) == 0


def test_without_labels_names_are_titles_and_only_wrong_is_off(data):
    X, _ = data
    names = [f"img{i}.png" for i in range(len(X))]
    h = digit_browser(X.reshape(-1, 8, 8), fixed_probabilities, names=names)
    assert h.controls["only_wrong"].disabled and h.state["label"] is None and h.state["wrong"] is None
    h.controls["index"].value = 3
    assert h.state["name"] == "img3.png"
    with pytest.raises(ValueError, match="needs the true labels"):
        digit_browser(X, fixed_probabilities, only_wrong=True)


@pytest.mark.parametrize("images, proba, error, match", [
    (np.zeros((4, 63)), fixed_probabilities, ValueError, "64 pixels"),
    (np.zeros((4, 64)), "not a function", TypeError, "function"),
    (np.zeros((4, 64)), lambda X: np.zeros((3, 10)), ValueError, r"\(4, C\)"),
])
def test_bad_input_is_refused(images, proba, error, match):
    with pytest.raises(error, match=match):
        digit_browser(images, proba)


def test_labels_of_another_length_are_refused(data):
    X, y = data
    with pytest.raises(ValueError, match="same number"):
        digit_browser(X, fixed_probabilities, labels=y[:5])
