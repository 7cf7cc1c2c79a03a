"""Losses, each returning ``(loss, dlogits)`` with the loss averaged over the batch.

``logits`` are the output layer's values before any sigmoid or softmax; computing
the loss from them (not from probabilities) keeps it finite for logits up to ±1e4.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import activations
from .validation import FLAG, as_float_array, as_labels, check_same_length, checked, lookup

# the losses check their logits at the boundary, and the model's outputs are checked data's
# images, so the losses and the records call these without checks
identity, log_softmax, sigmoid, softmax = (activations.identity.unchecked, activations.log_softmax.unchecked,
                                           activations.sigmoid.unchecked, activations.softmax.unchecked)


@checked(pred="N|N,K", check=FLAG, flag="check")
def mse(pred, y, check=True):
    """Mean squared error, the mean of (pred - y)**2 over all N*K entries (as torch's MSELoss).

    pred: (N, K) or (N,); y: same shape (an (N,) target is accepted for (N, 1) pred)
    -> loss: float, dpred: same shape as pred, 2 * (pred - y) / (N * K).
    check=False skips the checks of y, for a caller that ran ``check_targets`` once.
    """
    if check:
        y = check_targets("mse", y, pred.shape)
    diff = pred - y
    return float(np.mean(diff * diff)), (2.0 / diff.size) * diff


@checked(logits="N|N,1", check=FLAG, flag="check")
def binary_cross_entropy(logits, y, check=True):
    """Binary cross-entropy from logits: mean of -[y log s(z) + (1 - y) log(1 - s(z))].

    logits: (N,) or (N, 1); y: targets in [0, 1] of shape (N,) or the logits' shape
    -> loss: float, dlogits: same shape as logits, (sigmoid(z) - y) / N.
    Written as max(z, 0) - z*y + log(1 + exp(-|z|)), which never overflows.
    check=False skips the checks of y, for a caller that ran ``check_targets`` once.
    """
    if check:
        y = check_targets("binary_cross_entropy", y, logits.shape)
    z = logits
    losses = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    N = z.shape[0]
    return float(np.sum(losses) / N), (sigmoid(z) - y) / N


@checked(logits="N,C", check=FLAG, flag="check")
def softmax_cross_entropy(logits, y, check=True):
    """Softmax cross-entropy from logits: mean over the batch of -log softmax(z)[y].

    logits: (N, C); y: integer labels (N,) in 0..C-1, or one-hot / probabilities (N, C) in [0, 1]
    -> loss: float, dlogits: (N, C), (softmax(z) - Y) / N with Y the one-hot labels; for soft
    targets (softmax(z) * sum_c Y - Y) / N, which is the same when each row sums to 1 (as torch).
    check=False skips the checks of y, for a caller that ran ``check_targets`` once.
    """
    if check:
        y = check_targets("softmax_cross_entropy", y, logits.shape)
    N = logits.shape[0]
    log_p = log_softmax(logits)
    if y.ndim == 1:
        rows = np.arange(N)
        loss = -np.sum(log_p[rows, y]) / N
        dlogits = np.exp(log_p)                  # softmax(z), from the log-probabilities at hand
        dlogits[rows, y] -= 1
        dlogits /= N
        return float(loss), dlogits
    loss = -np.sum(y * log_p) / N
    # d/dz of -sum_c y_c log softmax(z)_c is softmax(z) * sum_c y_c - y: rows of y need not sum to 1
    return float(loss), (np.exp(log_p) * np.sum(y, axis=1, keepdims=True) - y) / N


def check_targets(loss_name, y, shape):
    """Check the targets y of a built-in loss for outputs of ``shape`` and return them as the
    loss computes with them: integer labels (N,) or one-hot (N, C) for softmax cross-entropy,
    else a float array of the outputs' shape ((N,) targets are taken for (N, 1) outputs)."""
    if loss_name == "softmax_cross_entropy":
        N, C = shape
        if np.ndim(y) == 1:
            labels = as_labels(y, C)
            check_same_length(range(N), labels, "logits", "y")
            return labels
        Y = as_float_array(y, "y", ndim=2)
        if Y.shape != shape:
            raise ValueError(f"one-hot y must have the logits' shape {shape}, got {Y.shape}")
        if Y.min() < 0 or Y.max() > 1:
            raise ValueError(f"one-hot or probability targets must lie in [0, 1], got values from {Y.min()} to {Y.max()}")
        return Y
    y = as_float_array(y, "y")
    if y.shape != shape:
        if len(shape) == 2 and shape[1] == 1 and y.shape == (shape[0],):
            y = y[:, None]
        else:
            raise ValueError(f"y must have shape {shape} to match the predictions, got {y.shape}")
    if loss_name == "binary_cross_entropy" and y.size and (y.min() < 0 or y.max() > 1):
        raise ValueError(f"binary cross-entropy targets must lie in [0, 1], got values from {y.min()} to {y.max()}")
    return y


LOSSES = {
    "mse": mse,
    "binary_cross_entropy": binary_cross_entropy,
    "softmax_cross_entropy": softmax_cross_entropy,
}


@dataclass(frozen=True)
class Loss:
    """What a loss means to a model: one record per loss, read by ``MLP``, ``train`` and the widgets.

    name: how it is called; fn(logits (N, C), y) -> (loss, dlogits (N, C)).
    check(y, shape) -> y checked and converted for outputs of ``shape`` (N, C).
    transform(logits (N, C)) -> what the outputs stand for: probabilities ((N,) P(y=1) for one
        binary output), or the predicted values themselves for regression.
    predict(logits (N, C)) -> predictions: labels (N,) when it classifies, else the values.
    labels(y) -> the integer labels (N,) that checked targets stand for, to score accuracy against.
    classifies(C) -> True when accuracy means something for C outputs.
    probabilities: True when ``transform`` gives probabilities.
    builtin: True for the package's own losses, whose ``fn`` takes ``check=False`` to skip
        the target checks that ``check`` already ran once.
    """
    name: str
    fn: Callable
    check: Callable
    transform: Callable = identity
    predict: Callable = identity
    labels: Callable = None
    classifies: Callable = lambda C: False
    probabilities: bool = False
    builtin: bool = False


def _binary_transform(logits):
    p = sigmoid(logits)
    return p[:, 0] if p.shape[1] == 1 else p


def _binary_predict(logits):
    return (logits[:, 0] > 0).astype(np.intp) if logits.shape[1] == 1 else (logits > 0).astype(np.intp)


def _own_targets(y, shape):
    """A learner's loss gets its targets as given, as an array (its own function checks them)."""
    return np.asarray(y)


LOSS_RECORDS = {
    "mse": Loss("mse", mse, lambda y, shape: check_targets("mse", y, shape), builtin=True),
    "binary_cross_entropy": Loss(
        "binary_cross_entropy", binary_cross_entropy,
        lambda y, shape: check_targets("binary_cross_entropy", y, shape),
        transform=_binary_transform, predict=_binary_predict,
        labels=lambda y: (y.reshape(len(y), -1)[:, 0] > 0.5).astype(np.intp),
        classifies=lambda C: C == 1, probabilities=True, builtin=True),
    "softmax_cross_entropy": Loss(
        "softmax_cross_entropy", softmax_cross_entropy,
        lambda y, shape: check_targets("softmax_cross_entropy", y, shape),
        transform=softmax, predict=lambda logits: np.argmax(logits, axis=1),
        labels=lambda y: y if y.ndim == 1 else np.argmax(y, axis=1),
        classifies=lambda C: True, probabilities=True, builtin=True),
}


def get_loss(loss):
    """Return the loss function for a name in ``LOSSES`` or a given function."""
    return loss if callable(loss) else lookup(LOSSES, loss, "loss")


def get_loss_record(loss):
    """Return the ``Loss`` record for a name in ``LOSSES``, a ``Loss`` record, or a learner's own
    function (logits, y) -> (loss, dlogits), which is taken as a loss that does not classify
    (pass a ``Loss`` record to say more about it)."""
    if isinstance(loss, Loss):
        return loss
    if callable(loss):
        return Loss(getattr(loss, "__name__", "custom loss"), loss, _own_targets)
    if not isinstance(loss, str):
        raise TypeError(f"loss must be a name (one of {sorted(LOSSES)}), a function (logits, y) -> (loss, dlogits) "
                        f"or a Loss record; got {loss!r}")
    return lookup(LOSS_RECORDS, loss, "loss")
