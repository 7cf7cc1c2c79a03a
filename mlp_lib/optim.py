"""Update rules and learning-rate schedules, with the definitions of ``torch.optim``.

An update rule is a pure function ``rule(param, grad, state, lr, **hyper) -> (param, state)``:
``param`` and ``grad`` have the same shape, ``state`` is None on the first step and
afterwards whatever the rule returned last time (a dict of arrays and a step count).
The input arrays are never modified, so a learner can compare before and after.
"""
import math

import numpy as np

from .validation import (BETAS, EPOCH, FLAG, FRACTION, NONNEG, POSITIVE, SCHEDULE, UNIT, UPDATE_RULE, State,
                         check_call, checked, cosine_arguments, lookup, nonzero_denominator, real, sgd_arguments,
                         unchecked, warmup_arguments)

DECAY = real(0, 1, low_open=True)                 # a schedule's factor gamma, in (0, 1]


@checked(**UPDATE_RULE, state=State("v"), momentum=FRACTION, dampening=UNIT, nesterov=FLAG, extra=sgd_arguments)
def sgd(param, grad, state, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
    """Stochastic gradient descent, optionally with (Nesterov) momentum and L2 weight decay.

    g = grad + weight_decay * param
    v = g on the first step, then v = momentum * v + (1 - dampening) * g
    step = g + momentum * v if nesterov else v;   param <- param - lr * step
    """
    g = grad + weight_decay * param if weight_decay else grad
    if not momentum:
        return param - lr * g, state
    v = g.copy() if state is None else momentum * state["v"] + (1 - dampening) * g
    step = g + momentum * v if nesterov else v
    return param - lr * step, {"v": v}


@checked(**UPDATE_RULE, state=State("s", nonneg="s"), alpha=FRACTION, eps=NONNEG,
         extra=nonzero_denominator)
def rmsprop(param, grad, state, lr, alpha=0.99, eps=1e-8, weight_decay=0.0):
    """RMSProp: divide the step by a running root-mean-square of the gradient.

    s = alpha * s + (1 - alpha) * g**2   (s starts at 0)
    param <- param - lr * g / (sqrt(s) + eps)
    """
    g = grad + weight_decay * param if weight_decay else grad
    s = (1 - alpha) * g * g if state is None else alpha * state["s"] + (1 - alpha) * g * g
    return param - lr * g / (np.sqrt(s) + eps), {"s": s}


@checked(**UPDATE_RULE, state=State("m", "v", counted=True, nonneg="v"), betas=BETAS, eps=NONNEG,
         extra=nonzero_denominator)
def adam(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    """Adam with bias correction (t counts steps from 1).

    m = beta1 * m + (1 - beta1) * g,   v = beta2 * v + (1 - beta2) * g**2   (both start at 0)
    m_hat = m / (1 - beta1**t),        v_hat = v / (1 - beta2**t)
    param <- param - lr * m_hat / (sqrt(v_hat) + eps)
    ``weight_decay`` here is L2 added to the gradient; see ``adamw`` for decoupled decay.
    """
    beta1, beta2 = betas
    g = grad + weight_decay * param if weight_decay else grad
    if state is None:
        state = {"t": 0, "m": np.zeros_like(param), "v": np.zeros_like(param)}
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    v = beta2 * state["v"] + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), {"t": t, "m": m, "v": v}


@checked(**UPDATE_RULE, state=State("m", "v", counted=True, nonneg="v"), betas=BETAS, eps=NONNEG,
         extra=nonzero_denominator)
def adamw(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    """AdamW: Adam with decoupled weight decay, param <- param * (1 - lr * weight_decay) first."""
    return adam.unchecked(param * (1 - lr * weight_decay), grad, state, lr, betas=betas, eps=eps)


OPTIMIZERS = {"sgd": sgd, "rmsprop": rmsprop, "adam": adam, "adamw": adamw}


def get_optimizer(optimizer):
    """Return the update rule for a name in ``OPTIMIZERS`` or a given function."""
    return optimizer if callable(optimizer) else lookup(OPTIMIZERS, optimizer, "optimizer")


# -- learning-rate schedules: lr_t as a function of the epoch t = 0, 1, 2, ... --------

@checked(t=EPOCH, lr0=POSITIVE)
def constant_lr(t, lr0):
    """lr_t = lr0."""
    return lr0


@checked(t=EPOCH, lr0=POSITIVE, step_size=real(1, integer=True), gamma=DECAY)
def step_lr(t, lr0, step_size, gamma=0.1):
    """Multiply by gamma every ``step_size`` epochs: lr_t = lr0 * gamma ** (t // step_size)."""
    return lr0 * gamma ** (t // step_size)


@checked(t=EPOCH, lr0=POSITIVE, gamma=DECAY)
def exponential_lr(t, lr0, gamma):
    """lr_t = lr0 * gamma ** t."""
    return lr0 * gamma ** t


@checked(t=EPOCH, lr0=POSITIVE, T=POSITIVE, lr_min=NONNEG, extra=cosine_arguments)
def cosine_lr(t, lr0, T, lr_min=0.0):
    """Cosine annealing from lr0 at t = 0 to lr_min at t = T (and lr_min after it):
    lr_t = lr_min + (lr0 - lr_min) * (1 + cos(pi * t / T)) / 2."""
    t = min(t, T)
    return lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * t / T)) / 2


@checked(t=EPOCH, lr0=POSITIVE, warmup=real(1, integer=True), after=SCHEDULE, extra=warmup_arguments)
def warmup_lr(t, lr0, warmup, after=constant_lr, **after_kwargs):
    """Linear warm-up: lr_t = lr0 * (t + 1) / warmup for the first ``warmup`` epochs, then
    the schedule ``after`` (a function or a name in ``SCHEDULES``, counted from the end of the warm-up)."""
    if t < warmup:
        return lr0 * (t + 1) / warmup
    if isinstance(after, str):
        after = lookup(SCHEDULES, after, "schedule")
    return unchecked(after)(t - warmup, lr0, **after_kwargs)


SCHEDULES = {"constant": constant_lr, "step": step_lr, "exponential": exponential_lr,
             "cosine": cosine_lr, "warmup": warmup_lr}


def make_schedule(name, lr0, **kwargs):
    """Return ``t -> lr_t`` for a schedule name in ``SCHEDULES``, e.g.
    ``make_schedule("cosine", 0.1, T=50)``. Its arguments are checked now, not at the first call."""
    schedule = lookup(SCHEDULES, name, "schedule")
    arguments = check_call(schedule, 0, lr0, **kwargs)
    arguments.pop("t")
    arguments.update(arguments.pop("after_kwargs", {}))
    body = schedule.unchecked

    def lr_at(t):
        return body(EPOCH(t, "the epoch t", None, None), **arguments)
    lr_at.__doc__ = f"{name} schedule from lr0={lr0}: epoch t (0, 1, ...) -> learning rate"
    return lr_at
