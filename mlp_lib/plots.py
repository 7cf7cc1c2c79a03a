"""Plots for the lessons: loss curves, decision boundaries, activations, weight histograms.

Each function draws on a given matplotlib ``ax`` (or a new figure) and returns the
figure, so a notebook can call ``plt.show()`` after it and a widget can redraw in place.
"""
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


def plot_weight_histograms(model, grads=None, bins=30):
    """Histograms of each layer's weights (and of their gradients, if given). -> the figure."""
    names = [k for k in model.params if k.startswith("W")]
    rows = 1 if grads is None else 2
    fig, axes = plt.subplots(rows, len(names), figsize=(3 * len(names), 2.4 * rows), squeeze=False)
    for j, name in enumerate(names):
        axes[0, j].hist(model.params[name].ravel(), bins=bins, color="C0")
        axes[0, j].set_title(f"{name}  std {model.params[name].std():.3f}")
        if grads is not None:
            axes[1, j].hist(grads[name].ravel(), bins=bins, color="C3")
            axes[1, j].set_title(f"d{name}  std {grads[name].std():.2e}")
    fig.tight_layout()
    return fig
