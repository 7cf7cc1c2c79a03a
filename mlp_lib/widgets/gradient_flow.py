"""Gradient flow: how large each layer's weight gradient is in a deep network, for several
activations side by side, with sliders for the depth and the scale of the initial weights.

For layers l = 1..L the plot shows ||dW_l|| (Frobenius norm) from one forward and backward
pass of a freshly initialized ``MLP`` on a fixed batch. Sigmoid gradients shrink by about
the same factor at every layer on the way back (sigma' <= 1/4), ReLU ones do not.
"""
import ipywidgets as ipw
import numpy as np

from ..data import Standardizer, make_moons
from ..model import MLP
from ..validation import as_float_array, check_real
from .common import connect, figure_png, image_widget, new_figure


def layer_gradient_norms(model, X, y):
    """||dW_l|| for l = 1..L from ``model.loss(X, y)``. X: (N, D), y: (N,) -> norms: (L,)."""
    with np.errstate(over="ignore", invalid="ignore"):
        _, grads = model.loss(X, y)
        return np.array([np.linalg.norm(grads[f"W{l}"]) for l in range(1, model.num_layers + 1)])


def gradient_flow(X=None, y=None, activations=("sigmoid", "tanh", "relu"), depth=10, width=32, scale=1.0,
                  loss="binary_cross_entropy", seed=0):
    """Per-layer gradient norms of a deep MLP, redrawn when the depth or weight-scale slider moves.

    X: (N, D), y: (N,) (default: 200 standardized two-moons points with 0/1 labels).
    activations: names in ``ACTIVATIONS``, or a dict label -> name or (f, f_prime) pair of the
    learner's own; each gets its own curve. depth: number of hidden layers, each ``width`` units
    wide, so L = depth + 1 weight matrices. scale: factor applied to the default initial weights
    (Xavier for sigmoid/tanh, He for ReLU-like). loss: passed to ``MLP``. seed: initialization.
    -> WidgetHandle: controls "depth", "scale"; state "norms" (label -> (L,) array, layer 1 first),
    "ratio" (label -> ||dW_1|| / ||dW_L||), "depth", "scale", "png".
    """
    if X is None:
        X, y = make_moons(200, seed=0)
        X = Standardizer().fit_transform(X)
    X = as_float_array(X, "X", ndim=2, nonempty=True)
    depth = check_real(depth, "depth", 1, 30, integer=True)                # the sliders' ranges
    width = check_real(width, "width", 1, 1024, integer=True)
    scale = check_real(scale, "scale", 10 ** -0.6, 10 ** 0.6)
    if not isinstance(activations, dict):
        if isinstance(activations, str) or not all(isinstance(a, str) for a in activations):
            raise TypeError(f"activations must be a sequence of names or a dict label -> activation, "
                            f"got {activations!r}")
        activations = {name: name for name in activations}
    if not activations:
        raise ValueError(f"activations must name at least one activation, got {activations!r}")
    for label, activation in activations.items():   # fail now, with MLP's message, not in a callback
        MLP([X.shape[1], 1], activation=activation, loss=loss)
    controls = {
        "depth": ipw.IntSlider(value=depth, min=1, max=30, description="hidden layers", continuous_update=False,
                               style={"description_width": "90px"}),
        "scale": ipw.FloatLogSlider(value=scale, base=10, min=-0.6, max=0.6, step=0.05, description="weight scale",
                                    readout_format=".2f", continuous_update=False,
                                    style={"description_width": "90px"}),
    }
    state = {}
    fig, (ax,) = new_figure(6.4, 3.4)
    readout = ipw.HTML()

    def redraw():
        depth_now, scale_now = controls["depth"].value, controls["scale"].value
        sizes = [X.shape[1]] + [width] * depth_now + [1]
        norms, ratio = {}, {}
        for label, activation in activations.items():
            model = MLP(sizes, activation=activation, loss=loss, seed=seed)
            for name in model.params:
                if name.startswith("W"):
                    model.params[name] *= scale_now
            norms[label] = layer_gradient_norms(model, X, y)
            ratio[label] = norms[label][0] / norms[label][-1]
        state.update(norms=norms, ratio=ratio, depth=depth_now, scale=scale_now)
        ax.clear()
        layers = np.arange(1, depth_now + 2)
        for label, values in norms.items():
            shown = np.where(np.isfinite(values) & (values > 0), values, np.nan)
            ax.plot(layers, shown, "o-", ms=3, label=label)
        ax.set_yscale("log")
        ax.set_xlabel("layer l (1 = next to the input)")
        ax.set_ylabel(r"$\|dW_l\|$")
        ax.set_title(f"gradient norm per layer, {depth_now} hidden layers of {width}", fontsize="medium")
        ax.legend(fontsize="small")
        fig.tight_layout()
        state["png"] = image.value = figure_png(fig)
        readout.value = "first layer / last layer: " + ", ".join(
            f"<b>{label}</b> {value:.1e}" for label, value in ratio.items())

    image = image_widget(fig)
    ui = ipw.VBox([ipw.HBox([controls["depth"], controls["scale"]]), readout, image])
    return connect(ui, controls, state, redraw)
