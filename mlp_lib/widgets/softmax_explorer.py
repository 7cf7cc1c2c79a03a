"""Softmax explorer: one slider per logit and a choice of the true class; shows the softmax
probabilities, the cross-entropy loss, and its gradient next to the gradient of squared error.

For one sample with logits z (C,), probabilities p = softmax(z) and one-hot target y (C,):

    cross-entropy  L = -log p_y,            dL/dz = p - y
    squared error  S = sum_k (p_k - y_k)^2,  dS/dz = J^T 2(p - y),  J = diag(p) - p p^T

so dS/dz_k = p_k (g_k - sum_j p_j g_j) with g = 2(p - y). When the true class gets almost no
probability, p is nearly one-hot on a wrong class, J is nearly zero and squared error stops
pushing, while the cross-entropy gradient stays near -1 for the true class.
"""
import ipywidgets as ipw
import numpy as np

from ..activations import softmax as reference_softmax
from ..losses import softmax_cross_entropy
from ..validation import as_float_array
from .common import connect, image_widget, loss_text
from .live_figure import LiveFigure

LOGIT_RANGE = 10.0


def squared_error_gradient(p, y):
    """Gradient of sum_k (p_k - y_k)^2 with respect to the logits, through softmax.

    p: (C,) probabilities softmax(z); y: (C,) one-hot target -> (C,) dS/dz.
    """
    g = 2.0 * (p - y)
    return p * (g - np.dot(p, g))


def softmax_explorer(logits=(2.0, 1.0, -1.0), label=0, softmax=reference_softmax, loss=softmax_cross_entropy):
    """Move the logits of one sample and watch probabilities, loss and gradients.

    logits: the starting logits, 2 to 6 of them (one slider each, range -10..10);
    label: the true class, an int in 0..C-1;
    softmax: a function (1, C) logits -> (1, C) probabilities (the learner's own plugs in);
    loss: a function (logits (1, C), labels (1,)) -> (loss, dlogits (1, C)).
    -> WidgetHandle: controls "z0" .. "z<C-1>", "label"; state "logits" (C,), "probs" (C,),
    "loss", "grad" (C,) cross-entropy gradient, "se_grad" (C,) squared-error gradient, "png".
    """
    z_start = as_float_array(logits, "logits")
    if z_start.ndim != 1 or not 2 <= len(z_start) <= 6:
        raise ValueError(f"logits must be a list of 2 to 6 numbers, got {logits!r}")
    if np.any(np.abs(z_start) > LOGIT_RANGE):
        raise ValueError(f"logits must lie in [-{LOGIT_RANGE:g}, {LOGIT_RANGE:g}], got {logits!r}")
    C = len(z_start)
    if isinstance(label, (bool, np.bool_)) or not isinstance(label, (int, np.integer)) or not 0 <= label < C:
        raise ValueError(f"label must be a class index in 0..{C - 1}, got {label!r}")
    for name, fn in (("softmax", softmax), ("loss", loss)):
        if not callable(fn):
            raise TypeError(f"softmax and loss must be functions: {name} is {fn!r}")

    controls = {f"z{k}": ipw.FloatSlider(value=float(z_start[k]), min=-LOGIT_RANGE, max=LOGIT_RANGE, step=0.1,
                                         description=f"logit z{k}", readout_format=".1f")
                for k in range(C)}
    controls["label"] = ipw.Dropdown(options=list(range(C)), value=int(label), description="true class")
    state = {}
    live = LiveFigure(8.4, 3.0, 2)
    fig, (ax_p, ax_g) = live.fig, live.axes
    readout = ipw.HTML()
    classes = np.arange(C)
    width = 0.38
    # the bars are made once and only change height and colour; the axes stay fixed
    prob_bars = ax_p.bar(classes, np.zeros(C), color="C0")
    ce_bars = ax_g.bar(classes - width / 2, np.zeros(C), width, color="C1", label="cross-entropy: p - y")
    se_bars = ax_g.bar(classes + width / 2, np.zeros(C), width, color="C4", label="squared error")
    ax_p.set_ylim(0, 1.05)
    ax_p.set_xticks(classes)
    ax_p.set_xlabel("class k (green: the true class)")
    ax_p.set_title("probabilities p = softmax(z)", fontsize="medium", y=1.0)
    ax_g.axhline(0, color="k", lw=0.6)
    ax_g.set_ylim(-1.05, 1.05)
    ax_g.set_xticks(classes)
    ax_g.set_xlabel("class k")
    ax_g.set_title("gradient with respect to z", fontsize="medium", y=1.0)
    ax_g.legend(loc="lower right", fontsize="small")
    fig.tight_layout()

    def redraw():
        z = np.array([controls[f"z{k}"].value for k in range(C)])
        y_label = controls["label"].value
        y = np.zeros(C)
        y[y_label] = 1.0
        p = np.asarray(softmax(z[None, :]), dtype=np.float64).reshape(C)
        value, dz = loss(z[None, :], np.array([y_label]))
        grad = np.asarray(dz, dtype=np.float64).reshape(C)
        se_grad = squared_error_gradient(p, y)
        state.update(logits=z, probs=p, loss=float(value), grad=grad, se_grad=se_grad)
        for k in classes:
            prob_bars[k].set_height(p[k])
            prob_bars[k].set_color("C2" if k == y_label else "C0")
            ce_bars[k].set_height(grad[k])
            se_bars[k].set_height(se_grad[k])
        state["png"] = image.value = live.png()
        readout.value = (f"<b>{loss_text(float(value), 'cross-entropy loss')}</b> &nbsp; "
                         f"p(true class) = {p[y_label]:.4f} &nbsp; "
                         f"dL/dz(true) = {grad[y_label]:.4f} (cross-entropy), {se_grad[y_label]:.4f} (squared error)")

    image = image_widget(fig)
    sliders = ipw.VBox([controls[f"z{k}"] for k in range(C)] + [controls["label"]])
    return connect(ipw.VBox([sliders, readout, image]), controls, state, redraw)
