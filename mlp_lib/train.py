"""The training loop: mini-batches, an update rule, a history, early stopping, callbacks,
and divergence detection.

Only pure functions are called: the model's forward/backward pass and an update rule
``rule(param, grad, state, lr, **hyper) -> (param, state)`` from ``optim`` or a learner's own.
An ``MLP`` built from the package's own pieces trains through a fused fast path
(``fastpath``) with the same results to float rounding.

A run has diverged when a step's loss (data loss plus L2 term) is NaN or infinite, or larger
than ``DIVERGED_ABOVE`` times the first step's loss (times 1 when the first is below 1):
a loss a million times its start has overshot, even if it is still a finite number.
"""
import inspect
import math
from dataclasses import dataclass, field

import numpy as np

from . import data
from .clip import checked_clip_result, clip_gradients, gradients_changed
from .fastpath import fast_steps
from .optim import get_optimizer
from .validation import as_rng, check_call, check_flag, check_positive, check_real, unchecked

iterate_minibatches = unchecked(data.iterate_minibatches)     # X and y are checked once, by the model

FULL_BATCH_UP_TO = 32
DIVERGED_ABOVE = 1e6


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite, or grew past ``DIVERGED_ABOVE`` times its first value. ``epoch`` and ``step`` (0-based indices: the message
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
    diverged: True when it stopped because the loss was no longer finite;
    clipped: the number of steps whose gradients the clipping changed (0 without clipping).
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
    clipped: int = 0

    @property
    def epochs(self):
        """Number of completed epochs."""
        return len(self.loss)


def train(model, X, y, *, epochs=100, lr=0.1, optimizer="sgd", optimizer_kwargs=None,
          batch_size=None, validation_data=None, lr_schedule=None, patience=None,
          seed=0, on_step=None, on_epoch=None, on_divergence="raise", verbose=0, fast=True,
          clip_norm=None, clip_value=None, clip=clip_gradients):
    """Train ``model`` in place with mini-batch gradient descent and return its History.

    X: (N, D); y: (N,) labels or (N, K) targets. epochs: passes over the data.
    lr: the learning rate (or the starting rate of ``lr_schedule``, a function epoch -> lr,
    whose every value is checked: a finite number >= 0).
    optimizer: a name in ``optim.OPTIMIZERS`` or an update rule of the learner's own;
    optimizer_kwargs: its hyperparameters, e.g. {"momentum": 0.9} (unknown names and values
    out of range are refused, listing the valid ones).
    batch_size: samples per step; by default the full batch when N <= 32, else 32.
    Each epoch visits every sample once in a new order drawn from ``seed``.
    validation_data: (X_val, y_val) evaluated after every epoch.
    patience: stop when the validation loss (training loss if no validation data) has not
    improved for this many epochs, and restore the best parameters.
    on_step(info) with info = {"epoch", "step", "loss", "lr"} and on_epoch(epoch, history)
    are called after each step / epoch; a callback returning True stops training. The loop
    updates the arrays of ``model.params`` in place: a callback that keeps them copies them
    (``{k: v.copy() for k, v in model.params.items()}``). ``train`` first copies the
    parameters, so arrays the caller put into ``model.params`` are never modified.
    on_divergence: "raise" a TrainingDiverged, or "stop" and return the history with
    ``diverged`` set; either way the message names the epoch, the step and the learning rate.
    verbose: print a rounded summary every ``verbose`` epochs (0: silent).
    fast: take the fused fast path for the package's own pieces (False: the plain loop).
    clip_norm, clip_value: clip every step's gradients (after the L2 term, before the update
    rule) to a global L2 norm of at most clip_norm and / or every entry into
    [-clip_value, clip_value]; None: no clipping. ``history.clipped`` counts the steps it changed.
    clip: the clipping function, ``clip(grads, max_norm=..., max_value=...) -> new grads``
    (``clip.clip_gradients`` or a learner's own with that signature).

    The model contract: ``train`` uses four members of ``model``: ``params`` (dict of
    arrays), ``check_data(X, y) -> (X, y)``, ``forward_backward(X, y) -> (data_loss, penalty,
    grads, logits)`` and ``loss_record`` (a ``losses.Loss``: predictions, accuracy), and
    ``forward(X)`` for ``validation_data``; ``bn_running``, if the model has it, is restored
    with the parameters by ``patience``.
    """
    X, y = model.check_data(X, y)
    if len(X) == 0:
        raise ValueError(f"X must hold at least one sample, got shape {X.shape}")
    check_positive(epochs, "epochs", integer=True)
    check_positive(lr, "lr")
    if batch_size is None:
        batch_size = len(X) if len(X) <= FULL_BATCH_UP_TO else FULL_BATCH_UP_TO
    check_positive(batch_size, "batch_size", integer=True)
    if on_divergence not in ("raise", "stop"):
        raise ValueError(f"on_divergence must be 'raise' or 'stop', got {on_divergence!r}")
    if patience is not None:
        check_positive(patience, "patience", integer=True)
    for name, callback, example in (("lr_schedule", lr_schedule, "epoch -> lr, e.g. make_schedule('cosine', 0.1, T=50)"),
                                    ("on_step", on_step, "info -> stop"), ("on_epoch", on_epoch, "(epoch, history) -> stop")):
        if callback is not None and not callable(callback):
            raise TypeError(f"{name} must be a function {example}, or None; got {callback!r}")
    verbose = check_real(verbose, "verbose", 0, integer=True)
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError(f"validation_data must be a pair (X_val, y_val), got {type(validation_data).__name__}")
        X_val, y_val = model.check_data(*validation_data)
        if len(X_val) == 0:
            raise ValueError(f"validation_data must hold at least one sample, got X_val of shape {X_val.shape}")
    clip_norm, clip_value = (None if v is None else check_real(v, name, 0, low_open=True)
                             for v, name in ((clip_norm, "clip_norm"), (clip_value, "clip_value")))
    if not callable(clip):
        raise TypeError(f"clip must be a function (grads, max_norm=..., max_value=...) -> grads, such as "
                        f"clip_gradients; got {clip!r}")
    clipping = clip_norm is not None or clip_value is not None
    rule = get_optimizer(optimizer)
    hyper = check_optimizer_kwargs(rule, optimizer_kwargs)
    fast = check_flag(fast, "fast")
    rng = as_rng(seed)
    shuffle = batch_size < len(X)
    steps = (fast and fast_steps(model, rule, hyper, X, y, batch_size, shuffle)) or \
        _Steps(model, rule, hyper, X, y, batch_size, shuffle)
    history = History()
    best_loss, best_params = np.inf, None
    step, limit = 0, None
    saved_errstate = np.geterr()

    # one errstate for the run: divergence is caught by the checks of the loss, not by warnings;
    # the learner's callbacks run under the caller's settings
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for epoch in range(epochs):
            lr_t = _scheduled_lr(lr_schedule, epoch, step) if lr_schedule is not None else lr
            loss_sum = correct = seen = 0
            for n in steps.batches(rng):
                loss, penalty, hits = steps.compute()
                total = loss + penalty
                if limit is None:
                    limit = DIVERGED_ABOVE * max(total, 1.0) if math.isfinite(total) else -math.inf
                if not total <= limit:        # NaN, infinite, or a million times the first loss
                    _record_diverged_epoch(history, lr_t, steps.classify, validation_data is not None)
                    return _diverged(history, epoch, step, lr_t, total, limit, on_divergence)
                if clipping:
                    history.clipped += steps.clip(unchecked(clip), clip_norm, clip_value)
                steps.update(lr_t)
                history.step_loss.append(loss)
                loss_sum += loss * n
                seen += n
                correct += hits
                step += 1
                if on_step is not None:
                    with np.errstate(**saved_errstate):
                        stop = on_step({"epoch": epoch, "step": step, "loss": loss, "lr": lr_t})
                    steps.sync()
                    if stop:
                        history.stopped = f"stopped by on_step in epoch {epoch + 1}, after step {step}"
                        break
            history.loss.append(loss_sum / seen)
            history.accuracy.append(correct / seen if steps.classify else None)
            history.lr.append(lr_t)
            if validation_data is not None:
                val_loss, val_acc = _evaluate(model, X_val, y_val)
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
                    best_running = {l: dict(r) for l, r in getattr(model, "bn_running", {}).items()}
                elif epoch - history.best_epoch >= patience:
                    steps.restore(best_params)
                    if best_running:
                        model.bn_running.update(best_running)
                    history.stopped = (f"early stopping after epoch {epoch + 1}: no improvement for {patience} "
                                       f"epochs; restored the parameters of epoch {history.best_epoch + 1}")
                    break
            if on_epoch is not None:
                with np.errstate(**saved_errstate):
                    stop = on_epoch(epoch, history)
                steps.sync()
                if stop:
                    history.stopped = f"stopped by on_epoch after epoch {epoch + 1}"
                    break
    return history


class _Steps:
    """The plain loop: mini-batches from ``iterate_minibatches``, ``model.forward_backward``, and
    the update rule called once per parameter, as the lessons write it (its unchecked body:
    ``check_optimizer_kwargs`` checked the hyperparameters once)."""

    def __init__(self, model, rule, hyper, X, y, batch_size, shuffle):
        self.model, self.rule, self.hyper = model, unchecked(rule), hyper
        self.X, self.y, self.batch_size, self.shuffle = X, y, batch_size, shuffle
        self.classify = None        # known from the width of the first logits
        self.states = {name: None for name in model.params}
        model.params.update({k: np.array(v) for k, v in model.params.items()})   # the loop's own copies

    def batches(self, rng):
        for self.X_batch, self.y_batch in iterate_minibatches(self.X, self.y, self.batch_size, rng, self.shuffle):
            yield len(self.X_batch)

    def compute(self):
        """-> (data loss, L2 term, number of correct predictions) on the current batch."""
        loss, penalty, self.grads, logits = self.model.forward_backward(self.X_batch, self.y_batch)
        record = self.model.loss_record
        if self.classify is None:
            self.classify = bool(record.classifies(logits.shape[1]))
        hits = (np.count_nonzero(record.predict(logits) == record.labels(self.y_batch))
                if self.classify else 0)
        return loss, penalty, hits

    def clip(self, fn, max_norm, max_value):
        """Replace the gradients by fn's clipped ones -> whether that changed them."""
        clipped = checked_clip_result(fn(self.grads, max_norm=max_norm, max_value=max_value), self.grads)
        changed = gradients_changed(self.grads, clipped)
        self.grads = clipped
        return changed

    def update(self, lr):
        params, grads, states = self.model.params, self.grads, self.states
        for name in params:
            params[name], states[name] = self.rule(params[name], grads[name], states.get(name), lr, **self.hyper)

    def sync(self):
        pass

    def restore(self, best_params):
        self.model.params.update(best_params)


def evaluate(model, X, y):
    """Data loss and accuracy (None for regression) of ``model`` on (X, y) in evaluation mode."""
    X, y = model.check_data(X, y)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _evaluate(model, X, y)


def _evaluate(model, X, y):
    record = model.loss_record
    logits = model.forward(X)
    loss, _ = record.fn(logits, y, check=False) if record.builtin else record.fn(logits, y)
    if not record.classifies(logits.shape[1]):
        return loss, None
    return loss, float(np.mean(record.predict(logits) == record.labels(y)))


def _scheduled_lr(lr_schedule, epoch, step):
    """The learning rate lr_schedule(epoch), checked: a finite real number >= 0."""
    return check_real(lr_schedule(epoch), f"the rate lr_schedule returned for epoch {epoch + 1} "
                      f"(before step {step + 1})", 0)


def check_optimizer_kwargs(rule, optimizer_kwargs):
    """Return the hyperparameters as a dict after checking their names against the update
    rule's signature (the valid names are listed) and, for the package's rules, their values
    against the rule's own contract (``optim``; ranges as torch.optim's). In training eps must
    be > 0: the loop calls the rules unchecked, and eps = 0 divides 0 by 0 where a gradient is 0."""
    if optimizer_kwargs is None:
        return {}
    if not isinstance(optimizer_kwargs, dict):
        raise TypeError(f"optimizer_kwargs must be a dict such as {{'momentum': 0.9}}, got {optimizer_kwargs!r}")
    hyper = dict(optimizer_kwargs)
    name = getattr(rule, "__name__", "the update rule")
    try:
        parameters = list(inspect.signature(rule).parameters.values())[4:]
    except (TypeError, ValueError):          # a builtin without a signature: let the call decide
        parameters = None
    if parameters is not None and not any(p.kind is p.VAR_KEYWORD for p in parameters):
        valid = [p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        unknown = sorted(set(hyper) - set(valid))
        if unknown:
            raise ValueError(f"unknown optimizer_kwargs {', '.join(map(repr, unknown))} for {name}; valid names are: "
                             f"{', '.join(valid) if valid else '(none)'}")
    if getattr(rule, "contract", None) is None:                   # a learner's rule checks its own values
        return hyper
    try:
        check_call(rule, _PROBE, _PROBE, None, 0.0, **hyper)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"optimizer_kwargs of {name}: {exc}") from None
    if hyper.get("eps", 1) == 0:
        raise ValueError(f"optimizer_kwargs of {name}: eps must be > 0 in training (where a gradient entry "
                         f"is 0, eps = 0 divides 0 by 0), got {hyper['eps']!r}")
    return hyper


_PROBE = np.ones(1)                  # a parameter and a gradient for checking a rule's keyword arguments


def _record_diverged_epoch(history, lr, classify, validation):
    """One NaN entry per per-epoch list, so that they all keep the same length."""
    history.loss.append(np.nan)
    history.accuracy.append(np.nan if classify else None)
    history.lr.append(lr)
    if validation:
        history.val_loss.append(np.nan)
        history.val_accuracy.append(np.nan if classify else None)


def _diverged(history, epoch, step, lr, loss, limit, on_divergence):
    history.diverged = True
    what = ("the loss became NaN or infinite" if not math.isfinite(loss) else
            f"the loss reached {loss:.4g}, more than {DIVERGED_ABOVE:g} times its first value")
    history.stopped = (f"training diverged in epoch {epoch + 1}, step {step + 1} with learning rate {lr:.4g}: "
                       f"{what}. Try a smaller learning rate.")
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
