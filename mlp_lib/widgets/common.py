"""What every widget shares: the handle a builder returns and the way a builder ends
(``connect``), figures drawn straight to PNG for an ``Image`` widget, the loss and
learning-rate read-outs, and a progress bar for ``train``.

Figures are ``matplotlib.figure.Figure`` objects rendered by Agg without pyplot: a redraw
is one ``savefig`` into bytes that the browser shows, with no inline-backend round trip,
and the same code runs (and is tested) without a browser.
"""
import io
import math
import numbers
import time

import ipywidgets as ipw
import matplotlib
import numpy as np
from matplotlib.figure import Figure

from ..validation import check_positive


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


def connect(ui, controls, state, redraw):
    """The end of every widget builder: redraw whenever a control's value changes, draw once,
    and return the ``WidgetHandle``.

    ui: the ipywidget to show; controls: dict name -> ipywidget; state: the dict ``redraw``
    fills; redraw: a function of no arguments.
    """
    for control in controls.values():
        control.observe(lambda change: redraw(), names="value")
    redraw()
    return WidgetHandle(ui, controls, state, redraw)


def new_figure(width, height, ncols=1):
    """A pyplot-free figure of ``width`` x ``height`` inches with ``ncols`` axes side by side.

    Its resolution is matplotlib's ``figure.dpi``, the one the lessons' static plots are drawn
    with, so a widget's text and lines are as large as those of the plots beside it. The
    margins are fixed (in inches, room for tick labels and titles) so that a redraw needs no
    ``tight_layout``, which would cost more than the drawing itself.
    """
    fig = Figure(figsize=(width, height), dpi=matplotlib.rcParams["figure.dpi"])
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    left, right, bottom, top, gap = 0.8, 0.15, 0.5, 0.3, 0.85
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height,
                        wspace=gap * ncols / (width - left - right - gap * (ncols - 1)))
    return fig, axes


def figure_png(fig):
    """Render ``fig`` to PNG bytes (fixed layout, no tight bounding box: one draw, not two)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    return buffer.getvalue()


def image_widget(fig):
    """An ``Image`` widget showing ``fig``; update it with ``image.value = figure_png(fig)``."""
    return ipw.Image(value=figure_png(fig), format="png",
                     layout=ipw.Layout(width=f"{fig.get_figwidth() * fig.dpi:.0f}px"))


def loss_text(loss, label="final loss"):
    """The read-out a learner (and the browser test) reads: the loss to 4 significant digits,
    so that a small loss stays informative (0.0001234 or 1.234e-05, never 0.0000)."""
    return f"{label}: {loss:.4g}" if math.isfinite(loss) else f"{label}: {loss}"


def lr_label(lr):
    """A learning rate to 3 significant digits, written exactly as a slider with
    ``readout_format=LR_FORMAT`` shows it (d3's ".3g" is JavaScript's ``toPrecision(3)``:
    fixed notation from 1e-6 to below 1000 with its trailing zeros, "5.00", "0.0300";
    "1.58e+3" beyond). Widgets train with ``float(lr_label(v))``, so the rate a learner reads
    on the slider, in the title and in the messages is the rate used."""
    if not math.isfinite(lr) or lr == 0:
        return f"{lr:g}"
    mantissa, exponent = f"{lr:.2e}".split("e")
    e = int(exponent)
    if -6 <= e < 3:
        return f"{float(mantissa) * 10.0 ** e:.{max(0, 2 - e)}f}"
    return f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


LR_FORMAT = ".3g"     # the d3 format of learning-rate sliders, written in Python by ``lr_label``


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
        self.bar = ipw.IntProgress(value=0, min=0, max=int(epochs), description=description)
        self.label = ipw.Label("")
        self.ui = ipw.HBox([self.bar, self.label])
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
