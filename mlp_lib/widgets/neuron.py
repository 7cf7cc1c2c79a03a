"""Neuron explorer: sliders for the weights and the bias of one neuron with two inputs,
its decision line w1 x1 + w2 x2 + b = 0, and which points it classifies correctly.

The neuron computes a = f(z) with z = X @ w + b and says "class 1" where f(z) > f(0),
i.e. where z > 0 for any increasing activation f.
"""
import ipywidgets as ipw
import numpy as np

from ..activations import get_activation
from ..data import make_blobs
from ..validation import as_float_array, check_real, check_same_length
from .common import connect, image_widget
from .live_figure import LiveFigure


def neuron_explorer(X=None, y=None, activation="sigmoid", w=(1.0, -1.0), b=0.0):
    """Move w1, w2 and b and watch the decision line and the correctly classified points.

    X: (N, 2) points and y: (N,) labels in {0, 1} (default: two separable blobs);
    activation: a name or a pair (f, f_prime) of the learner's own; w, b: starting values.
    -> WidgetHandle: controls "w1", "w2", "b"; state "z" (N,), "a" (N,), "predicted" (N,),
    "correct" (N,) bools, "accuracy", "line" (two points (2, 2) of the line in the window,
    or None when w = 0), "png".
    """
    if X is None:
        X, y = make_blobs(n=40, centers=[[-1.0, -1.0], [1.0, 1.2]], std=0.7, seed=1)
    X = as_float_array(X, "X", ndim=2, nonempty=True)
    if X.shape[1] != 2:
        raise ValueError(f"X must have 2 features (columns) to draw in the plane, got shape {X.shape}")
    y = np.asarray(y)
    check_same_length(X, y)
    if not np.all((y == 0) | (y == 1)):
        raise ValueError(f"y must hold labels 0 and 1, got values {np.unique(y)}")
    f, _ = get_activation(activation)
    if not isinstance(w, (tuple, list, np.ndarray)) or len(w) != 2:
        raise TypeError(f"w must be a pair (w1, w2) of numbers in [-5, 5], got {w!r}")
    w = [check_real(v, f"w[{i}]", -5, 5) for i, v in enumerate(w)]        # the sliders' range
    b = check_real(b, "b", -5, 5)
    slider = dict(min=-5.0, max=5.0, step=0.1, continuous_update=True, readout_format=".1f")
    controls = {"w1": ipw.FloatSlider(value=w[0], description="$w_1$", **slider),
                "w2": ipw.FloatSlider(value=w[1], description="$w_2$", **slider),
                "b": ipw.FloatSlider(value=b, description="$b$", **slider)}
    lo, hi = X.min(axis=0) - 0.7, X.max(axis=0) + 0.7
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], 60), np.linspace(lo[1], hi[1], 60))
    state = {}
    live = LiveFigure(4.6, 4.0)
    fig, (ax,) = live.fig, live.axes
    grid = np.c_[xx.ravel(), yy.ravel()]
    shade = ax.imshow(np.zeros(xx.shape), origin="lower", extent=(lo[0], hi[0], lo[1], hi[1]), cmap="coolwarm",
                      alpha=0.35, aspect="auto", vmin=float(f(np.array(-10.0))), vmax=float(f(np.array(10.0))))
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", vmin=0, vmax=1, edgecolors="k", s=30)
    wrong = ax.scatter(np.zeros(0), np.zeros(0), marker="x", color="k", s=60, label="wrong")
    (boundary,) = ax.plot([], [], "k-", lw=1.5, label="w1 x1 + w2 x2 + b = 0")
    arrow = ax.annotate("", (0, 0), (0, 0), arrowprops=dict(arrowstyle="->", color="k"))
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.legend(loc="upper left", fontsize="small")
    label = ipw.HTML()

    def redraw():
        w_now = np.array([controls["w1"].value, controls["w2"].value])
        b_now = controls["b"].value
        z = X @ w_now + b_now
        a = f(z)
        predicted = (a > f(0.0)).astype(int)
        correct = predicted == y
        line = _line_in_window(w_now, b_now, lo, hi)
        state.update(z=z, a=a, predicted=predicted, correct=correct, accuracy=float(correct.mean()), line=line)
        shade.set_data(f(grid @ w_now + b_now).reshape(xx.shape))
        wrong.set_offsets(X[~correct])
        arrow.set_visible(line is not None)
        if line is None:
            boundary.set_data([], [])
        else:
            boundary.set_data(line[:, 0], line[:, 1])
            middle = line.mean(axis=0)
            arrow.xy, arrow.xyann = middle + 0.6 * w_now / np.linalg.norm(w_now), middle
        ax.set_title(f"{int(correct.sum())} of {len(y)} correct", fontsize="medium", y=1.0)
        state["png"] = image.value = live.png()
        label.value = f"accuracy: {state['accuracy']:.4f} &nbsp; (the arrow is w: the side the neuron calls class 1)"

    image = image_widget(fig)
    return connect(ipw.VBox([ipw.HBox([ipw.VBox(list(controls.values())), image]), label]), controls, state, redraw)


def _line_in_window(w, b, lo, hi):
    """Two points (2, 2) of the line w . x + b = 0 spanning the window [lo, hi], or None if w = 0."""
    if np.allclose(w, 0):
        return None
    if abs(w[1]) >= abs(w[0]):   # solve for x2 at the window's left and right edges
        x1 = np.array([lo[0], hi[0]])
        return np.column_stack([x1, -(w[0] * x1 + b) / w[1]])
    x2 = np.array([lo[1], hi[1]])
    return np.column_stack([-(w[1] * x2 + b) / w[0], x2])
