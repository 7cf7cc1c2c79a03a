"""Learning-rate explorer: a log-scale learning-rate slider that retrains a small network
(XOR by default) and redraws its loss curve and decision boundary.

A run diverges when its loss stops being finite (``train`` reports it) or grows to more
than ``blowup`` times its first value: the steps overshoot the minimum and climb the
other side of the valley. The message names the epoch and the learning rate.
"""
import math

import ipywidgets as ipw
import numpy as np

from ..data import make_xor
from ..model import MLP
from ..plots import LiveLossCurves, LiveProbabilityMap
from ..train import train
from ..validation import as_float_array, check_real
from .common import LR_FORMAT, connect, image_widget, loss_text, lr_label
from .live_figure import LiveFigure


def lr_explorer(X=None, y=None, layer_sizes=(2, 4, 1), activation="tanh", loss="binary_cross_entropy",
                lr=0.5, epochs=300, optimizer="sgd", seed=0, *, optimizer_kwargs=None, affine=None,
                blowup=3.0, lr_range=(1e-4, 1e2)):
    """Retrain on every move of the learning-rate (or epochs) slider and show the result.

    X: (N, D), y: (N,) (default: the four XOR points); layer_sizes, activation, loss, affine:
    passed to ``MLP`` (names or the learner's own functions); optimizer: a name or an update
    rule, with ``optimizer_kwargs``; full-batch ``train`` for ``epochs`` epochs from ``seed``.
    blowup: a loss above blowup * (first epoch's loss) counts as diverged (math.inf: only train's rule).
    -> WidgetHandle: controls "lr", "epochs"; state "history", "final_loss", "diverged",
    "message", "diverged_at" (0-based index of the epoch, or None), "model", "png".
    """
    if X is None:
        X, y = make_xor()
    X = as_float_array(X, "X", ndim=2, nonempty=True)
    if blowup != math.inf:                      # inf: only train's own divergence rule counts
        blowup = check_real(blowup, "blowup", 1, low_open=True)
    if not isinstance(lr_range, (tuple, list)) or len(lr_range) != 2:
        raise TypeError(f"lr_range must be a pair (lowest, highest) of learning rates, got {lr_range!r}")
    low = check_real(lr_range[0], "lr_range[0]", 0, low_open=True)
    lr_range = (low, check_real(lr_range[1], "lr_range[1]", low))
    lr = check_real(lr, "lr (within lr_range)", *lr_range)
    epochs = check_real(epochs, "epochs", 10, 2000, integer=True)       # the slider's range
    lo, hi = (math.log10(v) for v in lr_range)
    controls = {
        "lr": ipw.FloatLogSlider(value=lr, base=10, min=lo, max=hi, step=0.1, description="learning rate",
                                 readout_format=LR_FORMAT, continuous_update=False,
                                 style={"description_width": "90px"}),
        "epochs": ipw.IntSlider(value=epochs, min=10, max=2000, step=10, description="epochs",
                                continuous_update=False),
    }
    model_kwargs = dict(activation=activation, loss=loss, seed=seed)
    if affine is not None:
        model_kwargs["affine"] = affine
    state = {}
    plane = X.shape[1] == 2            # a decision boundary can be drawn for 2-D inputs only
    live = LiveFigure(8.4, 3.2, 2) if plane else LiveFigure(4.6, 3.2)
    fig, ax_loss = live.fig, live.axes[0]
    # fixed loss axis: curves for different rates compare at a glance, and the axes need no redraw
    curves = LiveLossCurves(ax_loss, ylim=(1e-4, 1e2))
    if plane:
        boundary = LiveProbabilityMap(live.axes[1], X, np.asarray(y))
        live.axes[1].set_title("P(class 1) after training", fontsize="medium", y=1.0)
    status, message = ipw.HTML(), ipw.HTML()

    def redraw():
        # the rate as the slider shows it: the one trained with, in the title and in any message
        lr_now, epochs_now = float(lr_label(controls["lr"].value)), controls["epochs"].value
        model = MLP(list(layer_sizes), **model_kwargs)
        history = train(model, X, y, epochs=epochs_now, lr=lr_now, optimizer=optimizer,
                        optimizer_kwargs=optimizer_kwargs, batch_size=len(X), seed=seed,
                        on_epoch=lambda epoch, h: h.loss[-1] > blowup * h.loss[0], on_divergence="stop")
        diverged_at, text = _divergence(history, lr_now, blowup)
        final = history.loss[-1]
        state.update(history=history, model=model, final_loss=final, diverged=diverged_at is not None,
                     diverged_at=diverged_at, message=text)
        curves.update(history.loss, diverged_at=diverged_at, epochs=None if diverged_at is not None else epochs_now)
        ax_loss.set_title(f"learning rate {lr_label(lr_now)}", fontsize="medium", y=1.0)
        if plane:
            boundary.update(_probability(model))
        state["png"] = image.value = live.png()
        status.value = f"<b>{loss_text(final)}</b> after {history.epochs} epochs"
        message.value = f"<span style='color:#c00'>{text}</span>" if text else ""

    image = image_widget(fig)
    ui = ipw.VBox([ipw.HBox([controls["lr"], controls["epochs"]]), status, message, image])
    return connect(ui, controls, state, redraw)


def _divergence(history, lr, blowup):
    """(epoch where the run diverged or None, an explanation for the learner or "")."""
    if history.diverged:      # train's message, with the rate written as the slider shows it
        where, rest = history.stopped.split(" with learning rate ", 1)
        return len(history.loss) - 1, f"{where} with learning rate {lr_label(lr)}: {rest.split(': ', 1)[1]}"
    first, last = history.loss[0], history.loss[-1]
    if history.stopped and last > blowup * first:
        epoch = len(history.loss) - 1
        return epoch, (f"training diverged in epoch {epoch + 1} with learning rate {lr_label(lr)}: the loss grew "
                       f"from {first:.4g} to {last:.4g}, more than {blowup:g} times its first value. Each step "
                       f"overshoots the minimum and lands higher on the other side. Try a smaller learning rate.")
    return None, ""


def _probability(model):
    """A function grid (M, 2) -> (M,) giving the model's belief in class 1, for shading."""
    def p(grid):
        if model.loss_record.probabilities:
            proba = model.predict_proba(grid)
            return proba if proba.ndim == 1 else proba[:, 1:].sum(axis=1)
        return np.clip(model.forward(grid)[:, 0], 0, 1)
    return p
