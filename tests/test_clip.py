"""Gradient clipping: clip_gradients against norms computed here independently (and against
torch.nn.utils when PyTorch is installed), its edge cases and errors, and train(clip_norm=...)."""
import math

import numpy as np
import pytest

from mlp_lib import MLP, clip_gradients, make_spirals, train


def grads_of(rng, scale=1.0):
    return {"W1": scale * rng.standard_normal((3, 4)), "b1": scale * rng.standard_normal(4),
            "W2": scale * rng.standard_normal((4, 2)), "b2": scale * rng.standard_normal(2)}


def norm_by_hand(grads):
    """The global norm written out as a loop over every entry."""
    return math.sqrt(sum(float(x) ** 2 for g in grads.values() for x in np.ravel(g)))


def test_a_gradient_above_the_limit_is_scaled_to_it_with_its_direction_kept():
    grads = {"W": np.array([[3.0, 0.0]]), "b": np.array([4.0])}        # global norm 5
    clipped = clip_gradients(grads, max_norm=1.0)
    np.testing.assert_allclose(clipped["W"], [[0.6, 0.0]])
    np.testing.assert_allclose(clipped["b"], [0.8])
    rng = np.random.default_rng(0)
    grads = grads_of(rng, scale=10.0)
    clipped = clip_gradients(grads, max_norm=2.0)
    assert norm_by_hand(clipped) == pytest.approx(2.0, rel=1e-12)
    factor = clipped["W1"].flat[0] / grads["W1"].flat[0]
    for k in grads:                                  # one factor for every parameter
        np.testing.assert_allclose(clipped[k], factor * grads[k], rtol=1e-12)


def test_the_norm_is_global_not_per_parameter():
    grads = {"W": np.array([3.0]), "b": np.array([4.0])}     # each below 5, together 5
    clipped = clip_gradients(grads, max_norm=4.0)
    np.testing.assert_allclose([clipped["W"][0], clipped["b"][0]], [2.4, 3.2])


@pytest.mark.parametrize("max_norm", [5.0, 5.0 + 1e-9, 100.0])
def test_a_gradient_at_or_below_the_limit_is_unchanged(max_norm):
    grads = {"W": np.array([[3.0, 0.0]]), "b": np.array([4.0])}
    clipped = clip_gradients(grads, max_norm=max_norm)
    for k in grads:
        np.testing.assert_array_equal(clipped[k], grads[k])
        assert clipped[k] is not grads[k]


def test_a_zero_gradient_stays_zero():
    grads = {"W": np.zeros((2, 3)), "b": np.zeros(3)}
    for kwargs in ({"max_norm": 1.0}, {"max_value": 1.0}, {"max_norm": 1.0, "max_value": 0.5}):
        clipped = clip_gradients(grads, **kwargs)
        assert all(np.array_equal(clipped[k], grads[k]) for k in grads)


def test_by_value_clips_each_entry_and_changes_the_direction():
    grads = {"W": np.array([[3.0, -0.5], [-7.0, 1.0]]), "b": np.array([0.2])}
    clipped = clip_gradients(grads, max_value=1.0)
    np.testing.assert_array_equal(clipped["W"], [[1.0, -0.5], [-1.0, 1.0]])
    np.testing.assert_array_equal(clipped["b"], [0.2])
    cos = sum(np.sum(clipped[k] * grads[k]) for k in grads) / (norm_by_hand(clipped) * norm_by_hand(grads))
    assert cos < 0.99


def test_value_then_norm():
    grads = {"W": np.array([10.0, 10.0, 0.1])}
    clipped = clip_gradients(grads, max_norm=1.0, max_value=2.0)    # (2, 2, 0.1), then norm 1
    expected = np.array([2.0, 2.0, 0.1]) / math.sqrt(8.01)
    np.testing.assert_allclose(clipped["W"], expected, rtol=1e-12)


def test_inputs_are_not_modified_and_dtypes_kept():
    rng = np.random.default_rng(1)
    grads = {k: v.astype(np.float32) for k, v in grads_of(rng, 10.0).items()}
    before = {k: v.copy() for k, v in grads.items()}
    clipped = clip_gradients(grads, max_norm=1.0, max_value=3.0)
    for k in grads:
        np.testing.assert_array_equal(grads[k], before[k])
        assert clipped[k].dtype == np.float32 and clipped[k].shape == grads[k].shape


@pytest.mark.parametrize("bad, message", [
    ({"W": np.array([1.0, np.nan])}, "NaN or infinite"),
    ({"W": np.array([np.inf, 1.0])}, "NaN or infinite"),
])
def test_non_finite_gradients_are_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        clip_gradients(bad, max_norm=1.0)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"max_norm": -1.0}, ValueError, "max_norm must be a positive number, got -1.0"),
    ({"max_norm": 0.0}, ValueError, "max_norm must be a positive number"),
    ({"max_value": -0.5}, ValueError, "max_value must be a positive number"),
    ({"max_norm": np.nan}, ValueError, "max_norm must be a positive number"),
    ({"max_norm": "1"}, TypeError, "max_norm must be a positive number"),
    ({}, ValueError, "needs max_norm .* or max_value"),
])
def test_bad_limits_are_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        clip_gradients({"W": np.ones(2)}, **kwargs)


@pytest.mark.parametrize("grads", [[np.ones(2)], {}, np.ones(3), None])
def test_grads_must_be_a_dict_of_arrays(grads):
    with pytest.raises(TypeError, match="must be a non-empty dict of gradients"):
        clip_gradients(grads, max_norm=1.0)


def test_against_torch_clip_grad_norm_and_value():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    for scale, max_norm, max_value in [(10.0, 1.0, 0.3), (0.01, 1.0, 0.3), (3.0, 2.5, 5.0)]:
        grads = grads_of(rng, scale)
        tensors = {k: torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for k, g in grads.items()}
        for k, t in tensors.items():
            t.grad = torch.from_numpy(grads[k].copy())
        total = torch.nn.utils.clip_grad_norm_(list(tensors.values()), max_norm)
        assert float(total) == pytest.approx(norm_by_hand(grads), rel=1e-12)
        clipped = clip_gradients(grads, max_norm=max_norm)
        for k in grads:    # torch divides by norm + 1e-6
            np.testing.assert_allclose(clipped[k], tensors[k].grad.numpy(), rtol=1e-5, atol=1e-12)
        for k, t in tensors.items():
            t.grad = torch.from_numpy(grads[k].copy())
        torch.nn.utils.clip_grad_value_(list(tensors.values()), max_value)
        clipped = clip_gradients(grads, max_value=max_value)
        for k in grads:
            np.testing.assert_array_equal(clipped[k], tensors[k].grad.numpy())


# -- in the training loop --------------------------------------------------------------------

def test_train_clips_every_step_as_clip_gradients_by_hand():
    """Full-batch SGD with clip_norm, against the same steps written out here."""
    X, y = make_spirals(n=40, noise=0.2, seed=0)
    model = MLP([2, 16, 2], seed=0)
    start = {k: v.copy() for k, v in model.params.items()}
    history = train(model, X, y, epochs=8, lr=1.0, batch_size=40, clip_norm=0.3, fast=False)
    by_hand = MLP([2, 16, 2], seed=0)
    by_hand.params = {k: v.copy() for k, v in start.items()}
    fired = 0
    for _ in range(8):
        _, grads = by_hand.loss(X, y)
        norm = norm_by_hand(grads)
        fired += norm > 0.3
        scale = min(1.0, 0.3 / norm)
        by_hand.params = {k: by_hand.params[k] - 1.0 * scale * grads[k] for k in grads}
    for k in start:
        np.testing.assert_allclose(model.params[k], by_hand.params[k], rtol=1e-12, atol=1e-14)
    assert history.clipped == fired > 0


def test_without_limits_nothing_is_clipped():
    X, y = make_spirals(n=40, noise=0.2, seed=0)
    history = train(MLP([2, 8, 2], seed=0), X, y, epochs=3, lr=0.1)
    assert history.clipped == 0


def test_clipping_tames_an_exploding_start():
    """The lesson's run: momentum SGD at lr 1 overshoots in its first steps; clipped, it trains."""
    X, y = make_spirals(n=300, noise=0.2, seed=0)
    runs = {}
    for clip_norm in (None, 1.0):
        model = MLP([2, 64, 64, 2], seed=0)
        runs[clip_norm] = train(model, X, y, epochs=50, lr=1.0, optimizer_kwargs={"momentum": 0.9},
                                clip_norm=clip_norm, on_divergence="stop")
    assert runs[None].accuracy[-1] < 0.7 < 0.95 < runs[1.0].accuracy[-1]
    assert 0 < runs[1.0].clipped < len(runs[1.0].step_loss) // 10


@pytest.mark.parametrize("kwargs, error, message", [
    ({"clip_norm": -1.0}, ValueError, "clip_norm must be a positive number"),
    ({"clip_value": 0}, ValueError, "clip_value must be a positive number"),
    ({"clip_norm": 1.0, "clip": "norm"}, TypeError, "clip must be a function"),
    ({"clip_norm": 1.0, "clip": lambda grads, max_norm=None, max_value=None: list(grads.values())},
     TypeError, "must return a dict with the keys"),
    ({"clip_norm": 1.0, "clip": lambda grads, max_norm=None, max_value=None: {k: g.ravel() for k, g in grads.items()}},
     ValueError, "must keep the shape of every gradient"),
])
@pytest.mark.parametrize("fast", [True, False])
def test_train_refuses_bad_clipping_arguments(kwargs, error, message, fast):
    X, y = make_spirals(n=20, noise=0.2, seed=0)
    with pytest.raises(error, match=message):
        train(MLP([2, 4, 2], seed=0), X, y, epochs=1, fast=fast, **kwargs)
