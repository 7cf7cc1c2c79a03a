"""What every widget shares: the handle a builder returns, figures drawn straight to PNG
for an ``Image`` widget, the loss read-out, and a progress bar for ``train``.

Figures are ``matplotlib.figure.Figure`` objects rendered by Agg without pyplot: a redraw
is one ``savefig`` into bytes that the browser shows, with no inline-backend round trip,
and the same code runs (and is tested) without a browser.
"""
import io
import math
import numbers
import time

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from ..validation import check_positive

DPI = 72


class WidgetHandle:
    """What a widget builder returns.

    ui: the ipywidget to show (the handle displays it when it is a cell's last expression);
    controls: dict name -> ipywidget, so a test can set ``controls["lr"].value = 0.1``;
    state: dict with the data behind the plot, updated on every redraw.
    """

    def __init__(self, ui, controls, state, redraw=None):
        self.ui, self.controls, self.state = ui, controls, state
        self._redraw = redraw

    def redraw(self):
        """Recompute and redraw with the current control values."""
        if self._redraw is not None:
            self._redraw()
        return self

    def _repr_mimebundle_(self, **kwargs):
        return self.ui._repr_mimebundle_(**kwargs)

    def __repr__(self):
        return f"WidgetHandle(controls={sorted(self.controls)}, state={sorted(self.state)})"


def new_figure(width, height, ncols=1):
    """A pyplot-free figure of ``width`` x ``height`` inches with ``ncols`` axes side by side.

    The margins are fixed (in inches, room for tick labels and titles) so that a redraw
    needs no ``tight_layout``, which would cost more than the drawing itself.
    """
    fig = Figure(figsize=(width, height), dpi=DPI)
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    left, right, bottom, top, gap = 0.8, 0.15, 0.5, 0.3, 0.85
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height,
                        wspace=gap * ncols / (width - left - right - gap * (ncols - 1)))
    return fig, axes


def figure_png(fig):
    """Render ``fig`` to PNG bytes (fixed layout, no tight bounding box: one draw, not two)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def image_widget(fig):
    """An ``Image`` widget showing ``fig``; update it with ``image.value = figure_png(fig)``."""
    return W.Image(value=figure_png(fig), format="png", layout=W.Layout(width=f"{fig.get_figwidth() * DPI:.0f}px"))


def loss_text(loss, label="final loss"):
    """The read-out a learner (and the browser test) reads: the loss rounded to 4 decimals."""
    return f"{label}: {loss:.4f}" if math.isfinite(loss) else f"{label}: {loss}"


def check_choice(value, choices, name):
    """Raise a ValueError naming the valid choices unless ``value`` is one of them (a name or a
    number: True is not the learning rate 1.0)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (str, numbers.Real)) or value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


class Progress:
    """An ``on_epoch`` callback for ``train`` that shows a progress bar with the loss.

    epochs: the number of epochs ``train`` will run; then: another on_epoch callback, called
    every epoch (its return value is passed on, so it can still stop training).
    The bar is displayed when created inside a notebook; ``bar`` and ``label`` are its widgets.
    """

    def __init__(self, epochs, description="training", then=None):
        check_positive(epochs, "epochs", integer=True)
        if not isinstance(description, str):
            raise TypeError(f"description must be a str, got {description!r}")
        if then is not None and not callable(then):
            raise TypeError(f"then must be an on_epoch function (epoch, history) -> stop, or None; got {then!r}")
        self.bar = W.IntProgress(value=0, min=0, max=int(epochs), description=description)
        self.label = W.Label("")
        self.ui = W.HBox([self.bar, self.label])
        self.then = then
        self.start = self._shown = time.perf_counter()
        _display_in_notebook(self.ui)

    def __call__(self, epoch, history):
        stop = self.then(epoch, history) if self.then is not None else None
        now = time.perf_counter()
        # at most ten redraws a second (each is a message to the browser), and always the last one
        if stop or epoch + 1 >= self.bar.max or now - self._shown >= 0.1:
            self._shown = now
            self.bar.value = epoch + 1
            self.label.value = (f"epoch {epoch + 1}/{self.bar.max}  {loss_text(history.loss[-1], 'loss')}  "
                                f"{now - self.start:.1f} s")
            if epoch + 1 >= self.bar.max:
                self.bar.bar_style = "success"
        return stop

    def _repr_mimebundle_(self, **kwargs):
        return self.ui._repr_mimebundle_(**kwargs)


def progress(epochs, description="training", then=None):
    """Return an ``on_epoch`` callback that shows a progress bar, e.g.
    ``train(model, X, y, epochs=200, on_epoch=progress(200))``."""
    return Progress(epochs, description, then)


def _display_in_notebook(widget):
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and getattr(shell, "kernel", None) is not None:
        display(widget)
