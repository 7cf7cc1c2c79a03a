"""Plots: each function returns a figure holding the expected artists (Agg backend, see conftest)."""
import numpy as np
import pytest

plt = pytest.importorskip("matplotlib.pyplot")
from matplotlib.collections import PathCollection      # noqa: E402

from mlp_lib.data import make_blobs, make_moons, make_xor      # noqa: E402
from mlp_lib.model import MLP                                  # noqa: E402
from mlp_lib.graph import Graph, gate_examples, neuron_graph  # noqa: E402
from mlp_lib.plots import (decision_grid, plot_activations, plot_computational_graph, plot_decision_boundary,  # noqa: E402
                           plot_history)
from mlp_lib.train import History, train                       # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _history(epochs=5, validation=True, classify=True, diverged=False):
    h = History()
    h.loss = list(np.linspace(1.0, 0.2, epochs))
    h.accuracy = list(np.linspace(0.5, 0.9, epochs)) if classify else [None] * epochs
    h.lr = [0.1] * epochs
    if validation:
        h.val_loss = list(np.linspace(1.1, 0.3, epochs))
        h.val_accuracy = list(np.linspace(0.4, 0.8, epochs)) if classify else [None] * epochs
    h.diverged = diverged
    return h


def _data_lines(ax):
    return [line for line in ax.get_lines() if len(line.get_xdata()) > 2]


@pytest.mark.parametrize("validation, classify, curves, accuracy_curves", [
    (True, True, 2, 2), (False, True, 1, 1), (True, False, 2, 0), (False, False, 1, 0)])
def test_plot_history_draws_one_line_per_curve(validation, classify, curves, accuracy_curves):
    h = _history(validation=validation, classify=classify)
    fig = plot_history(h)
    axes = fig.get_axes()
    assert len(axes) == (2 if classify else 1)              # accuracy on a twin axis
    loss_lines = _data_lines(axes[0])
    assert len(loss_lines) == curves
    np.testing.assert_allclose(loss_lines[0].get_ydata(), h.loss)
    np.testing.assert_array_equal(loss_lines[0].get_xdata(), np.arange(1, 6))
    if classify:
        assert len(_data_lines(axes[1])) == accuracy_curves
    legend = axes[0].get_legend()
    assert legend is not None and len(legend.get_texts()) == curves + accuracy_curves


def test_plot_history_marks_divergence_and_uses_given_axes():
    fig, ax = plt.subplots()
    assert plot_history(_history(diverged=True), ax=ax, log=True, title="run") is fig
    assert "diverged" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert ax.get_yscale() == "log" and ax.get_title() == "run"


def test_plot_history_of_a_diverged_training_run():
    X, y = make_moons(200, seed=0)
    history = train(MLP([2, 16, 2]), X, y, epochs=50, lr=1e6, on_divergence="stop", validation_data=(X, y))
    assert history.diverged
    fig = plot_history(history)
    assert len(fig.get_axes()) == 2


def test_decision_grid_covers_the_data():
    X = np.array([[0.0, -1.0], [2.0, 3.0]])
    xx, yy, grid = decision_grid(X, resolution=11, margin=0.5)
    assert xx.shape == yy.shape == (11, 11) and grid.shape == (121, 2)
    assert (xx.min(), xx.max(), yy.min(), yy.max()) == (-0.5, 2.5, -1.5, 3.5)


@pytest.mark.parametrize("make, classes", [(make_xor, 2), (make_blobs, 3)])
def test_plot_decision_boundary_has_regions_and_points(make, classes):
    X, y = make(n=40, seed=0) if make is make_blobs else make()
    model = MLP([2, 4, classes])
    fig = plot_decision_boundary(model, X, y, resolution=30, title="boundary")
    ax = fig.get_axes()[0]
    contour_sets = [c for c in ax.collections if hasattr(c, "levels")]
    assert len(contour_sets) == 1                                          # the filled regions
    scatters = [c for c in ax.collections if isinstance(c, PathCollection) and not hasattr(c, "levels")]
    assert len(scatters) == 1 and len(scatters[0].get_offsets()) == len(X)
    assert ax.get_title() == "boundary"


def test_plot_decision_boundary_accepts_a_function():
    X, y = make_xor()
    fig = plot_decision_boundary(lambda P: (P[:, 0] > 0.5).astype(int), X, y, resolution=20)
    assert any(hasattr(c, "levels") for c in fig.get_axes()[0].collections)


@pytest.mark.parametrize("names", [("sigmoid",), ("sigmoid", "tanh", "relu", "leaky_relu")])
def test_plot_activations_one_panel_per_activation(names):
    fig = plot_activations(names)
    axes = fig.get_axes()
    assert [ax.get_title() for ax in axes] == list(names)
    for ax in axes:
        assert len(_data_lines(ax)) == 2                                   # f and f'




# -- the computational graph (lesson 3) -------------------------------------------------

NEURON = dict(x=[1.0, -2.0], w=[0.5, -0.3], b=0.1, y=1.0)


def _neuron_loss(**inputs):
    x, w = np.array(inputs["x"]), np.array(inputs["w"])
    a = 1 / (1 + np.exp(-(w @ x + inputs["b"])))
    return 0.5 * (a - inputs["y"]) ** 2


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_graphs_gradients_are_the_numerical_ones(seed):
    rng = np.random.default_rng(seed)
    inputs = dict(x=list(rng.normal(size=2)), w=list(rng.normal(size=2)), b=float(rng.normal()), y=float(rng.uniform()))
    graph = neuron_graph(**inputs)
    assert graph.nodes["L"].value == pytest.approx(_neuron_loss(**inputs), rel=1e-12)
    h = 1e-6
    for key, index, node in [("x", 0, "x1"), ("x", 1, "x2"), ("w", 0, "w1"), ("w", 1, "w2"), ("b", None, "b")]:
        up, down = dict(inputs, x=list(inputs["x"]), w=list(inputs["w"])), dict(inputs, x=list(inputs["x"]),
                                                                                 w=list(inputs["w"]))
        if index is None:
            up[key] += h
            down[key] -= h
        else:
            up[key][index] += h
            down[key][index] -= h
        numeric = (_neuron_loss(**up) - _neuron_loss(**down)) / (2 * h)
        assert graph.nodes[node].grad == pytest.approx(numeric, rel=1e-6, abs=1e-10), node


def test_the_gates_distribute_swap_and_route_the_gradient():
    rows = {gate: rest for gate, *rest in gate_examples(a=3.0, b=-2.0, upstream=2.0)}
    assert rows["add"] == [1.0, 2.0, 2.0]            # both inputs get the upstream gradient
    assert rows["mul"] == [-6.0, 2.0 * -2.0, 2.0 * 3.0]   # each gets it times the other input
    assert rows["max"] == [3.0, 2.0, 0.0]            # all of it to the larger input
    assert {g: r for g, *r in gate_examples(a=-1.0, b=4.0, upstream=1.5)}["max"] == [4.0, 0.0, 1.5]


def test_a_node_used_twice_collects_both_gradients():
    g = Graph()
    g.input("a", 3.0)
    g.gate("square", "mul", "a", "a")
    assert g.backward().nodes["a"].grad == 6.0


def test_the_graph_refuses_what_it_cannot_build():
    g = Graph()
    g.input("a", 1.0)
    with pytest.raises(ValueError, match="unknown gate 'pow'; valid gates are: add, mul, max"):
        g.gate("c", "pow", "a", "a")
    with pytest.raises(ValueError, match="already has a node named 'a'"):
        g.input("a", 2.0)
    with pytest.raises(ValueError, match="x and w must each hold 2 numbers, got shapes"):
        neuron_graph([1.0, 2.0, 3.0], [0.5, 0.5], 0.0, 1.0)


def test_the_drawn_graph_shows_every_edges_value_and_gradient():
    graph = neuron_graph(**NEURON)
    fig = plot_computational_graph(graph)
    ax = fig.axes[0]
    texts = [t for t in ax.texts]
    red = [t.get_text() for t in texts if t.get_color() == "C3"]
    black = [t.get_text() for t in texts if t.get_fontsize() == 8 and t.get_color() != "C3"]
    edges = graph.edges()
    assert len(edges) == 12 and len(red) == len(edges)
    assert red == [f"{graph.nodes[source].grad:.3f}" for source, _ in edges]
    assert black[:len(edges)] == [f"{graph.nodes[source].value:.3f}" for source, _ in edges]
    # the numbers of the lesson's hand computation: dL/dw2 > 0 and dL/dw1 < 0 on their edges
    assert f"{graph.nodes['w2'].grad:.3f}" == "0.082" and graph.nodes["w1"].grad < 0
    assert len(ax.patches) + len([c for c in ax.get_children() if type(c).__name__ == "Annotation"]) >= len(edges)
