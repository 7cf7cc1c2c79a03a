"""Losses, each returning ``(loss, dlogits)`` with the loss averaged over the batch.

``logits`` are the output layer's values before any sigmoid or softmax; computing
the loss from them (not from probabilities) keeps it finite for logits up to ±1e4.
"""
import numpy as np

from .activations import log_softmax, sigmoid, softmax
from .validation import as_float_array, as_labels, check_same_length, lookup


def mse(pred, y):
    """Mean squared error, the mean of (pred - y)**2 over all N*K entries (as torch's MSELoss).

    pred: (N, K) or (N,); y: same shape (an (N,) target is accepted for (N, 1) pred)
    -> loss: float, dpred: same shape as pred, 2 * (pred - y) / (N * K).
    """
    y = _targets_like(pred, y)
    diff = pred - y
    return float(np.mean(diff * diff)), (2.0 / diff.size) * diff


def binary_cross_entropy(logits, y):
    """Binary cross-entropy from logits: mean of -[y log s(z) + (1 - y) log(1 - s(z))].

    logits: (N,) or (N, 1); y: targets in [0, 1] of shape (N,) or the logits' shape
    -> loss: float, dlogits: same shape as logits, (sigmoid(z) - y) / N.
    Written as max(z, 0) - z*y + log(1 + exp(-|z|)), which never overflows.
    """
    y = _targets_like(logits, y)
    if y.size and (y.min() < 0 or y.max() > 1):
        raise ValueError(f"binary cross-entropy targets must lie in [0, 1], got values from {y.min()} to {y.max()}")
    z = logits
    losses = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    N = z.shape[0]
    return float(np.sum(losses) / N), (sigmoid(z) - y) / N


def softmax_cross_entropy(logits, y):
    """Softmax cross-entropy from logits: mean over the batch of -log softmax(z)[y].

    logits: (N, C); y: integer labels (N,) in 0..C-1, or one-hot / probabilities (N, C)
    -> loss: float, dlogits: (N, C), (softmax(z) - Y) / N with Y the one-hot labels.
    """
    N, C = logits.shape
    if np.ndim(y) == 1:
        labels = as_labels(y, C)
        check_same_length(logits, labels, "logits", "y")
        log_p = log_softmax(logits)
        rows = np.arange(N)
        loss = -np.sum(log_p[rows, labels]) / N
        dlogits = np.exp(log_p)                  # softmax(z), from the log-probabilities at hand
        dlogits[rows, labels] -= 1
        dlogits /= N
        return float(loss), dlogits
    Y = as_float_array(y, "y", ndim=2)
    if Y.shape != logits.shape:
        raise ValueError(f"one-hot y must have the logits' shape {logits.shape}, got {Y.shape}")
    log_p = log_softmax(logits)
    loss = -np.sum(Y * log_p) / N
    return float(loss), (np.exp(log_p) - Y) / N


def _targets_like(pred, y):
    """Return y as a float array of pred's shape; (N,) is taken for (N, 1)."""
    y = as_float_array(y, "y")
    if y.shape != pred.shape:
        if pred.ndim == 2 and pred.shape[1] == 1 and y.shape == (pred.shape[0],):
            return y[:, None]
        raise ValueError(f"y must have shape {pred.shape} to match the predictions, got {y.shape}")
    return y


LOSSES = {
    "mse": mse,
    "binary_cross_entropy": binary_cross_entropy,
    "softmax_cross_entropy": softmax_cross_entropy,
}

# What turns the output layer's values into predicted probabilities (or values).
OUTPUT_TRANSFORMS = {
    "mse": lambda z: z,
    "binary_cross_entropy": sigmoid,
    "softmax_cross_entropy": softmax,
}


def get_loss(loss):
    """Return the loss function for a name in ``LOSSES`` or a given function."""
    return loss if callable(loss) else lookup(LOSSES, loss, "loss")
