"""Plots for the lessons: loss curves, decision boundaries, activations, weight histograms.

Each function draws on a given matplotlib ``ax`` (or a new figure) and returns the
figure, so a notebook can call ``plt.show()`` after it and a widget can redraw in place.
"""
from ._optional import require

require("mlp_lib.plots", "matplotlib")

import matplotlib.pyplot as plt
import numpy as np

from .activations import get_activation


def _axes(ax, figsize=(5, 3.5)):
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


def plot_history(history, ax=None, log=False, title=None):
    """Training (and validation) loss per epoch; accuracy on a second axis when there is one.

    history: a ``train.History``. log: logarithmic loss axis. -> the figure.
    """
    fig, ax = _axes(ax)
    epochs = np.arange(1, len(history.loss) + 1)
    ax.plot(epochs, history.loss, label="training loss", color="C0")
    if history.val_loss:
        ax.plot(epochs, history.val_loss, label="validation loss", color="C1")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if log:
        ax.set_yscale("log")
    lines, labels = ax.get_legend_handles_labels()
    if history.accuracy and history.accuracy[-1] is not None:
        ax2 = ax.twinx()
        ax2.plot(epochs, history.accuracy, "--", color="C0", alpha=0.6, label="training accuracy")
        if history.val_accuracy and history.val_accuracy[-1] is not None:
            ax2.plot(epochs, history.val_accuracy, "--", color="C1", alpha=0.6, label="validation accuracy")
        ax2.set_ylabel("accuracy")
        ax2.set_ylim(0, 1.05)
        more_lines, more_labels = ax2.get_legend_handles_labels()
        lines, labels = lines + more_lines, labels + more_labels
    if history.diverged:
        lines.append(ax.axvline(len(history.loss), color="red", linestyle=":"))
        labels.append("diverged")
    ax.legend(lines, labels, loc="best", fontsize="small")
    if title:
        ax.set_title(title)
    return fig


def decision_grid(X, resolution=200, margin=0.5):
    """A grid covering the 2-D points X (N, 2). -> xx, yy: (R, R) and the points (R*R, 2)."""
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def plot_decision_boundary(predict, X, y, ax=None, resolution=200, title=None):
    """Regions where a 2-D classifier predicts each class, with the data on top.

    predict: a fitted model (its ``predict`` is used) or a function (M, 2) -> (M,) labels;
    X: (N, 2); y: (N,) integer labels. -> the figure.
    """
    predict = getattr(predict, "predict", predict)
    fig, ax = _axes(ax, (4.5, 4))
    xx, yy, grid = decision_grid(X, resolution)
    Z = np.asarray(predict(grid)).reshape(xx.shape)
    classes = int(max(Z.max(), np.max(y))) + 1
    ax.contourf(xx, yy, Z, levels=np.arange(classes + 1) - 0.5, cmap="coolwarm" if classes == 2 else "tab10",
                alpha=0.3, vmin=-0.5, vmax=classes - 0.5 if classes == 2 else 9.5)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm" if classes == 2 else "tab10", edgecolors="k", s=25,
               vmin=0, vmax=1 if classes == 2 else 9)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return fig


def plot_activations(names=("sigmoid", "tanh", "relu", "leaky_relu"), z=None):
    """Each activation f(z) and its derivative f'(z), one panel per activation. -> the figure."""
    z = np.linspace(-5, 5, 401) if z is None else z
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 2.8), squeeze=False)
    for ax, name in zip(axes[0], names):
        f, f_prime = get_activation(name)
        ax.plot(z, f(z), label="$f(z)$")
        ax.plot(z, f_prime(z), "--", label="$f'(z)$")
        ax.axhline(0, color="gray", lw=0.5)
        ax.axvline(0, color="gray", lw=0.5)
        ax.set_title(name)
        ax.set_xlabel("$z$")
        ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


class LiveLossCurves:
    """Loss curves that a widget updates in place (much faster than redrawing the axes).

    ax: the axes to draw on; log: logarithmic loss axis; labels: names of the two curves;
    ylim: fixed (low, high) loss limits, or None to follow the data (rounded outwards).
    ``update(train_loss, test_loss=None, diverged_at=None, epochs=None)`` sets the data;
    ``epochs`` fixes the right end of the x axis (default: the length of ``train_loss``).
    """

    def __init__(self, ax, log=True, labels=("training", "test"), ylim=None):
        self.ax, self.log, self.ylim = ax, log, ylim
        (self.train_line,) = ax.plot([], [], color="C0", label=f"{labels[0]} loss")
        (self.test_line,) = ax.plot([], [], color="C1", label=f"{labels[1]} loss")
        (self.marker,) = ax.plot([], [], "o", color="red", markersize=8, label="diverged")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        if log:
            ax.set_yscale("log")
            # plain numbers instead of mathtext powers of ten: parsing those dominates a redraw
            ax.yaxis.set_major_locator(plt.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}"))
            ax.yaxis.set_minor_formatter(plt.NullFormatter())
        self.legend, self._legend_handles = None, None

    def update(self, train_loss, test_loss=None, diverged_at=None, epochs=None):
        train_loss = np.asarray(train_loss, dtype=float)
        x = np.arange(1, len(train_loss) + 1)
        ok = np.isfinite(train_loss)
        self.train_line.set_data(x[ok], train_loss[ok])
        shown = [train_loss[ok]]
        if test_loss is not None and len(test_loss):
            test_loss = np.asarray(test_loss, dtype=float)
            ok_test = np.isfinite(test_loss)
            self.test_line.set_data(x[:len(test_loss)][ok_test], test_loss[ok_test])
            shown.append(test_loss[ok_test])
        else:
            self.test_line.set_data([], [])
        if diverged_at is not None and ok.any():
            self.marker.set_data([min(diverged_at + 1, len(x))], [train_loss[ok][-1]])
        else:
            self.marker.set_data([], [])
        values = np.concatenate(shown)
        if self.log:
            values = values[values > 0]
        if self.ylim is not None:
            self.ax.set_ylim(*self.ylim)
        elif values.size:   # round limits outwards so that they (and the ticks) change rarely while training
            lo, hi = values.min(), values.max()
            if self.log:
                self.ax.set_ylim(10.0 ** np.floor(np.log10(lo)), 10.0 ** np.ceil(np.log10(hi) + 1e-9))
            else:
                step = _nice_number((hi - lo) / 4 if hi > lo else abs(hi) / 4 or 1.0)
                self.ax.set_ylim(np.floor(lo / step) * step, np.ceil(hi / step + 1e-9) * step)
        self.ax.set_xlim(0.5, (epochs or _nice_number(max(len(x), 10))) + 0.5)
        if self.log:   # 1-2-5 ticks over a few decades, powers of ten over many
            lo, hi = self.ax.get_ylim()
            self.ax.yaxis.set_major_locator(plt.LogLocator(base=10, subs=(1.0, 2.0, 5.0) if hi / lo <= 1e3 else (1.0,)))
        handles = tuple(h for h in (self.train_line, self.test_line, self.marker) if len(h.get_xdata()))
        if handles != self._legend_handles:     # a new legend only when its entries change
            if self.legend is not None:
                self.legend.remove()
                self.legend = None
            if handles:             # no curve yet (epoch 0): no legend, not an empty box
                # a diverging curve ends high on the right: keep the legend out of its way
                corner = "lower right" if self.marker in handles else "upper right"
                self.legend = self.ax.legend(handles=handles, loc=corner, fontsize="small")
            self._legend_handles = handles


def _nice_number(v):
    """The smallest of 1, 2, 5 times a power of ten that is >= v > 0."""
    power = 10.0 ** np.floor(np.log10(v))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= v * (1 - 1e-12))


class LiveProbabilityMap:
    """A 2-D binary classifier's P(y=1) as shading with its 0.5 contour and the data on top,
    updated in place: ``update(predict_proba)`` with predict_proba (M, 2) -> (M,).

    ax: the axes; X: (N, 2) points and y: (N,) labels in {0, 1}; resolution: grid points per side.
    """

    def __init__(self, ax, X, y, resolution=50, margin=0.5):
        self.ax = ax
        self.xx, self.yy, self.grid = decision_grid(X, resolution, margin)
        extent = (self.xx[0, 0], self.xx[0, -1], self.yy[0, 0], self.yy[-1, 0])
        self.image = ax.imshow(np.full(self.xx.shape, 0.5), origin="lower", extent=extent, cmap="coolwarm",
                               vmin=0, vmax=1, alpha=0.45, aspect="auto", interpolation="bilinear")
        self.points = ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", vmin=0, vmax=1, edgecolors="k",
                                 s=50 if len(X) < 20 else 18)
        self.contour = None
        ax.set_xlim(extent[:2])
        ax.set_ylim(extent[2:])
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")

    def update(self, predict_proba):
        with np.errstate(all="ignore"):
            P = np.asarray(predict_proba(self.grid), dtype=float).reshape(self.xx.shape)
        P = np.nan_to_num(P, nan=0.5)
        self.image.set_data(P)
        if self.contour is not None:
            self.contour.remove()
            self.contour = None
        if P.min() < 0.5 < P.max():
            self.contour = self.ax.contour(self.xx, self.yy, P, levels=[0.5], colors="k", linewidths=1)
        return P
