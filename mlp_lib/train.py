"""The training loop: mini-batches, an update rule, a history, early stopping, callbacks,
and divergence detection.

Only pure functions are called: the model's forward/backward pass and an update rule
``rule(param, grad, state, lr, **hyper) -> (param, state)`` from ``optim`` or a learner's own.
"""
import math
from dataclasses import dataclass, field

import numpy as np

from . import data
from .model import predictions_from_logits
from .optim import get_optimizer
from .validation import as_rng, check_positive, unchecked

iterate_minibatches = unchecked(data.iterate_minibatches)     # X and y are checked once, by the model

FULL_BATCH_UP_TO = 32


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite. ``epoch`` and ``step`` (0-based indices: the message
    counts from 1, as a learner does), ``lr`` and the ``history`` so far are attributes, so a
    plot can show where it happened."""

    def __init__(self, message, epoch, step, lr, history):
        super().__init__(message)
        self.epoch, self.step, self.lr, self.history = epoch, step, lr, history


@dataclass
class History:
    """Per-epoch records of a run (the loss is the data loss, without the L2 term).

    loss, accuracy: mean over the epoch's training batches (accuracy is None for regression);
    val_loss, val_accuracy: on the validation data after each epoch, if given;
    lr: the learning rate of each epoch; step_loss: the loss of every step;
    stopped: why training stopped before ``epochs`` (None if it ran to the end), counting
    epochs from 1; best_epoch: the 0-based index of the best epoch when ``patience`` is set;
    diverged: True when it stopped because the loss was no longer finite.
    """
    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    step_loss: list = field(default_factory=list)
    stopped: str = None
    diverged: bool = False
    best_epoch: int = None

    @property
    def epochs(self):
        """Number of completed epochs."""
        return len(self.loss)


def train(model, X, y, *, epochs=100, lr=0.1, optimizer="sgd", optimizer_kwargs=None,
          batch_size=None, validation_data=None, lr_schedule=None, patience=None,
          seed=0, on_step=None, on_epoch=None, on_divergence="raise", verbose=0):
    """Train ``model`` in place with mini-batch gradient descent and return its History.

    X: (N, D); y: (N,) labels or (N, K) targets. epochs: passes over the data.
    lr: the learning rate (or the starting rate of ``lr_schedule``, a function epoch -> lr).
    optimizer: a name in ``optim.OPTIMIZERS`` or an update rule of the learner's own;
    optimizer_kwargs: its hyperparameters, e.g. {"momentum": 0.9}.
    batch_size: samples per step; by default the full batch when N <= 32, else 32.
    Each epoch visits every sample once in a new order drawn from ``seed``.
    validation_data: (X_val, y_val) evaluated after every epoch.
    patience: stop when the validation loss (training loss if no validation data) has not
    improved for this many epochs, and restore the best parameters.
    on_step(info) with info = {"epoch", "step", "loss", "lr"} and on_epoch(epoch, history)
    are called after each step / epoch; a callback returning True stops training.
    on_divergence: "raise" a TrainingDiverged, or "stop" and return the history with
    ``diverged`` set; either way the message names the epoch, the step and the learning rate.
    verbose: print a rounded summary every ``verbose`` epochs (0: silent).
    """
    X, y = model._check_Xy(X, y)
    if len(X) == 0:
        raise ValueError(f"X must hold at least one sample, got shape {X.shape}")
    check_positive(epochs, "epochs", integer=True)
    check_positive(lr, "lr")
    if lr_schedule is not None and not callable(lr_schedule):
        raise TypeError(f"lr_schedule must be a function epoch -> lr, e.g. make_schedule('cosine', 0.1, T=50); "
                        f"got {lr_schedule!r}")
    if batch_size is None:
        batch_size = len(X) if len(X) <= FULL_BATCH_UP_TO else FULL_BATCH_UP_TO
    check_positive(batch_size, "batch_size", integer=True)
    if on_divergence not in ("raise", "stop"):
        raise ValueError(f"on_divergence must be 'raise' or 'stop', got {on_divergence!r}")
    if patience is not None:
        check_positive(patience, "patience", integer=True)
    if validation_data is not None:
        X_val, y_val = model._check_Xy(*validation_data)
    rule = unchecked(get_optimizer(optimizer))
    hyper = dict(optimizer_kwargs or {})
    rng = as_rng(seed)
    classify = _is_classifier(model)
    states = {name: None for name in model.params}
    history = History()
    best_loss, best_params = np.inf, None
    step = 0

    for epoch in range(epochs):
        lr_t = lr_schedule(epoch) if lr_schedule is not None else lr
        loss_sum = correct = seen = 0
        shuffle = batch_size < len(X)
        for X_batch, y_batch in iterate_minibatches(X, y, batch_size, rng, shuffle):
            # one errstate per step: divergence is caught by the finite check below, not by warnings
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                loss, grads, logits = model.forward_backward(X_batch, y_batch)
                if model.weight_decay:
                    loss -= model.l2_penalty()
                if not math.isfinite(loss):
                    # one NaN entry per per-epoch list, so that they all keep the same length
                    history.loss.append(np.nan)
                    history.accuracy.append(np.nan if classify else None)
                    history.lr.append(lr_t)
                    if validation_data is not None:
                        history.val_loss.append(np.nan)
                        history.val_accuracy.append(np.nan if classify else None)
                    return _diverged(history, epoch, step, lr_t, on_divergence)
                for name in model.params:
                    model.params[name], states[name] = rule(model.params[name], grads[name], states[name],
                                                            lr_t, **hyper)
            history.step_loss.append(loss)
            n = len(X_batch)
            loss_sum += loss * n
            seen += n
            if classify:
                predicted = predictions_from_logits(logits, model.loss_name)
                correct += np.count_nonzero(predicted == _labels_for_accuracy(model, y_batch))
            step += 1
            if on_step is not None and on_step({"epoch": epoch, "step": step, "loss": loss, "lr": lr_t}):
                history.stopped = f"stopped by on_step in epoch {epoch + 1}, after step {step}"
                break
        history.loss.append(loss_sum / seen)
        history.accuracy.append(correct / seen if classify else None)
        history.lr.append(lr_t)
        if validation_data is not None:
            val_loss, val_acc = evaluate(model, X_val, y_val)
            history.val_loss.append(val_loss)
            history.val_accuracy.append(val_acc)
        if verbose and (epoch % verbose == 0 or epoch == epochs - 1):
            print(_summary(history, epoch))
        if history.stopped:
            break
        if patience is not None:
            monitored = history.val_loss[-1] if validation_data is not None else history.loss[-1]
            if best_params is None or monitored < best_loss:
                best_loss, history.best_epoch = monitored, epoch
                best_params = {k: v.copy() for k, v in model.params.items()}
                best_running = {l: dict(r) for l, r in model.bn_running.items()}
            elif epoch - history.best_epoch >= patience:
                model.params.update(best_params)
                model.bn_running.update(best_running)
                history.stopped = (f"early stopping after epoch {epoch + 1}: no improvement for {patience} "
                                   f"epochs; restored the parameters of epoch {history.best_epoch + 1}")
                break
        if on_epoch is not None and on_epoch(epoch, history):
            history.stopped = f"stopped by on_epoch after epoch {epoch + 1}"
            break
    return history


def evaluate(model, X, y):
    """Data loss and accuracy (None for regression) of ``model`` on (X, y) in evaluation mode."""
    X, y = model._check_Xy(X, y)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        logits = model.forward(X)
        loss, _ = model.loss_fn(logits, y)
    labels = _labels_for_accuracy(model, y)
    acc = None if labels is None else float(np.mean(predictions_from_logits(logits, model.loss_name) == labels))
    return loss, acc


def _is_classifier(model):
    """True when accuracy means something: softmax cross-entropy, or one binary output."""
    return model.loss_name == "softmax_cross_entropy" or (
        model.loss_name == "binary_cross_entropy" and model.layer_sizes[-1] == 1)


def _labels_for_accuracy(model, y):
    """Integer labels to score accuracy against, or None for regression / custom losses."""
    if not _is_classifier(model):
        return None
    if model.loss_name == "softmax_cross_entropy":
        return y if y.ndim == 1 else np.argmax(y, axis=1)
    return (y.reshape(len(y), -1)[:, 0] > 0.5).astype(np.intp)


def _diverged(history, epoch, step, lr, on_divergence):
    history.diverged = True
    history.stopped = (f"training diverged in epoch {epoch + 1}, step {step + 1} with learning rate {lr:.4g}: "
                       f"the loss became NaN or infinite. Try a smaller learning rate.")
    if on_divergence == "raise":
        raise TrainingDiverged(history.stopped, epoch, step, lr, history)
    return history


def _summary(history, epoch):
    parts = [f"epoch {epoch:4d}", f"loss {history.loss[-1]:.4f}"]
    if history.accuracy[-1] is not None:
        parts.append(f"acc {history.accuracy[-1]:.3f}")
    if history.val_loss:
        parts.append(f"val_loss {history.val_loss[-1]:.4f}")
        if history.val_accuracy[-1] is not None:
            parts.append(f"val_acc {history.val_accuracy[-1]:.3f}")
    return "  ".join(parts)
