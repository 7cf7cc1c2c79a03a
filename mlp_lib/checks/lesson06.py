"""Checks of the exercises of lesson 6, optimizers (solutions/06_optimizers.ipynb).

The learner writes three update rules with the signature of ``mlp_lib.optim``,
``rule(param, grad, state, lr, **hyper) -> (param, state)``, and the cosine schedule.
An update rule is checked over several consecutive steps of one trajectory: step 1 starts
from ``state=None``; every later step receives the reference's state after the previous step
(so one wrong step does not spoil the next ones) with a new gradient, and the learning rate
changes between steps as a schedule would change it. Both the new parameter and the new
state are compared with ``mlp_lib.optim``. The rules are called under
``np.errstate(divide="raise", invalid="raise")``: a division by zero (a bias correction at
t = 0) or the square root of a negative number (v built from g instead of g**2) raises, and
the error is named.
"""
import math

import numpy as np

from ..optim import adam, cosine_lr, rmsprop, sgd
from .base import Case, Exercise, Mistake, make_check
from .promises import returns_float

EXERCISE_SET = "06_optimizers"
DIVISION_RAISES = {"divide": "raise", "invalid": "raise"}


def _previous(case, key):
    """An entry of the state a case starts from (zeros for a first step, state None)."""
    param, state = case.args[0], case.args[2]
    return np.zeros_like(param, dtype=np.float64) if state is None else np.asarray(state[key], dtype=np.float64)


def _average_terms(name, beta, old, new, share):
    """The two terms of a running average, name = beta · old + (1 - beta) · new."""
    return {f"{beta} · {name} (the previous average, decayed)": old, f"(1 - {beta}) · {share}": new}


def _momentum_terms(case):
    grad, mu = np.asarray(case.args[1], dtype=np.float64), case.kwargs.get("momentum", 0.9)
    return {"state['v']": {"momentum · v (the previous velocity)": mu * _previous(case, "v"), "g (the gradient)": grad}}


def _rmsprop_terms(case):
    grad, a = np.asarray(case.args[1], dtype=np.float64), case.kwargs.get("alpha", 0.99)
    return {"state['s']": _average_terms("s", "alpha", a * _previous(case, "s"), (1 - a) * grad ** 2,
                                         "g² (the new squared gradient's share)")}


def _adam_terms(case):
    grad = np.asarray(case.args[1], dtype=np.float64)
    b1, b2 = case.kwargs.get("betas", (0.9, 0.999))
    return {"state['m']": _average_terms("m", "beta1", b1 * _previous(case, "m"), (1 - b1) * grad,
                                         "g (the new gradient's share)"),
            "state['v']": _average_terms("v", "beta2", b2 * _previous(case, "v"), (1 - b2) * grad ** 2,
                                         "g² (the new squared gradient's share)")}


# -- cases: several steps along one trajectory ---------------------------------------------

STEP = "the step (the change of the parameter)"


def _momentum_step(case):
    """The new parameter is the old one plus the step, -lr · v."""
    param, grad, state, lr = case.args
    mu = case.kwargs.get("momentum", 0.9)
    v = grad if state is None else mu * state["v"] + grad
    return {"param": (STEP, param, {"v (the velocity)": v})}


def _rmsprop_step(case):
    """The new parameter is the old one plus the step, -lr · g / (sqrt(s) + eps)."""
    param, grad, state, lr = case.args
    a, eps = case.kwargs.get("alpha", 0.99), case.kwargs.get("eps", 1e-8)
    s = a * _previous(case, "s") + (1 - a) * grad ** 2
    return {"param": (STEP, param, {"g (the gradient)": grad, "1 / (sqrt(s) + eps)": 1 / (np.sqrt(s) + eps)})}


def _adam_step(case):
    """The new parameter is the old one plus the step, -lr · m_hat / (sqrt(v_hat) + eps)."""
    param, grad, state, lr = case.args
    (b1, b2), eps = case.kwargs.get("betas", (0.9, 0.999)), case.kwargs.get("eps", 1e-8)
    t = 1 if state is None else state["t"] + 1
    m_hat = (b1 * _previous(case, "m") + (1 - b1) * grad) / (1 - b1 ** t)
    v_hat = (b2 * _previous(case, "v") + (1 - b2) * grad ** 2) / (1 - b2 ** t)
    return {"param": (STEP, param, {"m_hat (the corrected first moment)": m_hat,
                                    "1 / (sqrt(v_hat) + eps)": 1 / (np.sqrt(v_hat) + eps)})}


def _trajectory_cases(rng, rule, hyper_sets):
    """Cases for an update rule: for each (shape, dtype, lrs, hyper) run the reference for
    len(lrs) steps and turn every step into a case (param, grad, state before, lr)."""
    cases = []
    for shape, dtype, lrs, hyper in hyper_sets:
        param = rng.standard_normal(shape).astype(dtype)
        state = None
        for step, lr in enumerate(lrs, start=1):
            grad = rng.standard_normal(shape).astype(dtype)
            extras = ", ".join(f"{k}={v}" for k, v in hyper.items())
            label = (f"step {step} of a trajectory, param {shape}{' float32' if dtype == np.float32 else ''}, "
                     f"lr {lr}" + (f", {extras}" if extras else "")
                     + (", state None" if state is None else ", state from the previous step"))
            cases.append(Case((param, grad, _copy_state(state), lr), label, kwargs=dict(hyper),
                              facts={"step": step}))
            param, state = rule(param, grad, _copy_state(state), lr, **hyper)
    return cases


def _copy_state(state):
    return None if state is None else {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in state.items()}


# -- sgd_momentum ---------------------------------------------------------------------------

def sgd_momentum_reference(param, grad, state, lr, momentum=0.9):
    """SGD with (heavy-ball) momentum as in torch.optim.SGD: v = g on the first step, then
    v = momentum * v + g; param - lr * v. -> (param, {"v": v})."""
    return sgd(param, grad, state, lr, momentum=momentum)


def _momentum_cases(rng):
    return _trajectory_cases(rng, sgd_momentum_reference, [
        ((3, 2), np.float64, [0.05, 0.05, 0.02, 0.02], {}),   # lr != 1 - momentum: v = lr g is not (1 - mu) g
        ((4,), np.float64, [0.2, 0.1, 0.1], {"momentum": 0.5}),
        ((2, 3), np.float32, [0.1, 0.1], {}),
    ])


def _momentum_with(first_v=None, update=None, step_sign=-1.0):
    """A mistaken momentum rule: another first velocity, another velocity update, or + for -."""
    def compute(param, grad, state, lr, momentum=0.9):
        if state is None:
            v = grad.copy() if first_v is None else first_v(param, grad, lr, momentum)
        elif update is None:
            v = momentum * state["v"] + grad
        else:
            v = update(state["v"], grad, lr, momentum)
        return param + step_sign * lr * v, {"v": v}
    return compute


def _momentum_lr_inside(param, grad, state, lr, momentum=0.9):
    """The velocity holds the learning rate: v = momentum * v + lr * g; param - v."""
    v = lr * grad if state is None else momentum * state["v"] + lr * grad
    return param - v, {"v": v}


SGD_MOMENTUM = Exercise(
    name="sgd_momentum",
    may_change=("args[2]",),        # the state may be updated in place; the parameter may not
    changes=_momentum_step,
    terms=_momentum_terms,
    intermediates=("state",),
    points=2,
    make_cases=_momentum_cases,
    reference=sgd_momentum_reference,
    outputs=("param", "state"),
    references=("mlp_lib.optim:sgd", "mlp_lib.checks.lesson06:sgd_momentum_reference"),
    errstate=DIVISION_RAISES,
    mistakes=[
        Mistake("the step goes uphill: the parameter must move against the velocity, param - lr · v "
                "(is the step added where it should be subtracted?).",
                _momentum_with(step_sign=1.0)),
        Mistake("the velocity is an exponential average here, v = momentum · v + (1 - momentum) · g; "
                "the momentum of this course (and of PyTorch) adds the whole gradient: v = momentum · v + g.",
                _momentum_with(first_v=lambda p, g, lr, mu: (1 - mu) * g,
                               update=lambda v, g, lr, mu: mu * v + (1 - mu) * g)),
        Mistake("the velocity includes the learning rate (v = momentum · v + lr · g): that form agrees "
                "only while lr never changes. Keep lr out of v, v = momentum · v + g, and step by lr · v.",
                _momentum_lr_inside),
        Mistake("the momentum buffer is initialised wrongly: it starts from the parameter; it should start "
                "from zero, so that the first velocity is the gradient, v = g.",
                _momentum_with(first_v=lambda p, g, lr, mu: mu * p + g)),
        Mistake("the momentum buffer is initialised wrongly: it starts from ones; it should start from zero, "
                "so that the first velocity is the gradient, v = g.",
                _momentum_with(first_v=lambda p, g, lr, mu: mu + g)),
        Mistake("the new velocity ignores the old one: v = momentum · v_old + g, with v_old the velocity the "
                "state brings from the previous step.",
                _momentum_with(update=lambda v, g, lr, mu: g)),
        Mistake("momentum and gradient are swapped: v = momentum · v + g, the old velocity is the one "
                "scaled by momentum.",
                _momentum_with(update=lambda v, g, lr, mu: v + mu * g)),
    ],
)


# -- rmsprop --------------------------------------------------------------------------------

def rmsprop_reference(param, grad, state, lr, alpha=0.99, eps=1e-8):
    """RMSProp as in torch.optim.RMSprop: s = alpha * s + (1 - alpha) * g**2 (s starts at 0);
    param - lr * g / (sqrt(s) + eps). -> (param, {"s": s})."""
    return rmsprop(param, grad, state, lr, alpha=alpha, eps=eps)


def _rmsprop_cases(rng):
    return _trajectory_cases(rng, rmsprop_reference, [
        ((3, 2), np.float64, [0.01, 0.01, 0.005, 0.005], {}),
        ((4,), np.float64, [0.1, 0.05, 0.05], {"alpha": 0.9, "eps": 0.1}),
        ((2, 3), np.float32, [0.01, 0.01], {}),
    ])


def _rmsprop_with(s_new=None, denominator=None, step_sign=-1.0):
    def compute(param, grad, state, lr, alpha=0.99, eps=1e-8):
        s_old = np.zeros_like(param) if state is None else state["s"]
        s = alpha * s_old + (1 - alpha) * grad * grad if s_new is None else s_new(s_old, grad, alpha, state)
        d = np.sqrt(s) + eps if denominator is None else denominator(s, eps)
        return param + step_sign * lr * grad / d, {"s": s}
    return compute


RMSPROP = Exercise(
    name="rmsprop",
    may_change=("args[2]",),        # the state may be updated in place; the parameter may not
    changes=_rmsprop_step,
    terms=_rmsprop_terms,
    intermediates=("state",),
    points=2,
    make_cases=_rmsprop_cases,
    reference=rmsprop_reference,
    outputs=("param", "state"),
    references=("mlp_lib.optim:rmsprop", "mlp_lib.checks.lesson06:rmsprop_reference"),
    errstate=DIVISION_RAISES,
    mistakes=[
        Mistake("the step goes uphill: subtract lr · g / (sqrt(s) + eps) from the parameter "
                "(is the step added where it should be subtracted?).",
                _rmsprop_with(step_sign=1.0)),
        Mistake("eps is inside the square root: the step divides by sqrt(s) + eps, with eps added after "
                "the root (as in PyTorch).",
                _rmsprop_with(denominator=lambda s, eps: np.sqrt(s + eps))),
        Mistake("s averages g instead of g^2: it is a running mean of the SQUARED gradient (and the square "
                "root of a negative average is NaN).",
                _rmsprop_with(s_new=lambda s, g, a, st: a * s + (1 - a) * g)),
        Mistake("the running average is initialised wrongly: s starts at zero, so the first step gives "
                "s = (1 - alpha) · g^2, not g^2.",
                _rmsprop_with(s_new=lambda s, g, a, st: g * g if st is None else a * s + (1 - a) * g * g)),
        Mistake("alpha and 1 - alpha are swapped: the OLD average keeps the weight alpha (0.99), the new "
                "squared gradient gets 1 - alpha.",
                _rmsprop_with(s_new=lambda s, g, a, st: (1 - a) * s + a * g * g)),
        Mistake("the square root is missing: divide by sqrt(s) + eps, the root-mean-square of the gradient.",
                _rmsprop_with(denominator=lambda s, eps: s + eps)),
    ],
)


# -- adam -------------------------------------------------------------------------------------

def adam_reference(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    """Adam as in torch.optim.Adam, t counting from 1 at the first step (state None).
    -> (param, {"t": t, "m": m, "v": v})."""
    return adam(param, grad, state, lr, betas=betas, eps=eps)


def _adam_cases(rng):
    return _trajectory_cases(rng, adam_reference, [
        ((3, 2), np.float64, [0.01, 0.01, 0.01, 0.005, 0.005], {}),
        ((4,), np.float64, [0.1, 0.1, 0.05], {"betas": (0.8, 0.9), "eps": 0.1}),
        ((2, 3), np.float32, [0.01, 0.01], {}),
    ])


def _adam_with(t_of=None, m_hat=None, v_hat=None, v_new=None, denominator=None, step_sign=-1.0, t_stored=None):
    """A mistaken Adam: the reference with one piece replaced.

    t_of(t_old) -> the t used in the corrections (t_old = 0 before the first step);
    t_stored(t) -> the t kept in the state; m_hat/v_hat(m or v, beta, t) -> the corrected moments;
    v_new(v, g, beta2) -> the new second moment; denominator(v_hat, eps)."""
    def compute(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
        b1, b2 = betas
        if state is None:
            state = {"t": 0, "m": np.zeros_like(param), "v": np.zeros_like(param)}
        t = state["t"] + 1 if t_of is None else t_of(state["t"])
        m = b1 * state["m"] + (1 - b1) * grad
        v = b2 * state["v"] + (1 - b2) * grad * grad if v_new is None else v_new(state["v"], grad, b2)
        mh = m / (1 - b1 ** t) if m_hat is None else m_hat(m, b1, t)
        vh = v / (1 - b2 ** t) if v_hat is None else v_hat(v, b2, t)
        d = np.sqrt(vh) + eps if denominator is None else denominator(vh, eps)
        stored = t if t_stored is None else t_stored(t)
        return param + step_sign * lr * mh / d, {"t": stored, "m": m, "v": v}
    return compute


def _adam_python_division_t0(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    """t starts at 0, the correction computed as a Python float first: 1 / (1 - beta ** 0) fails."""
    b1, b2 = betas
    t = 0 if state is None else state["t"]
    return param - lr * (1.0 / (1 - b1 ** t)), state


ADAM_T_FROM_0 = ("the bias correction is applied at the wrong step: t counts from 1 at the first step. "
                 "With t = 0 the correction divides by 1 - beta^0 = 0, and every later step is one step behind. "
                 "Increase t before using it, and store the increased t in the state.")

ADAM = Exercise(
    name="adam",
    may_change=("args[2]",),        # the state may be updated in place; the parameter may not
    changes=_adam_step,
    terms=_adam_terms,
    intermediates=("state",),
    points=3,
    make_cases=_adam_cases,
    reference=adam_reference,
    outputs=("param", "state"),
    references=("mlp_lib.optim:adam", "mlp_lib.optim:adamw", "mlp_lib.checks.lesson06:adam_reference"),
    errstate=DIVISION_RAISES,
    mistakes=[
        Mistake("t is not increased from step to step: each call uses t = (the stored t) + 1 and stores that "
                "new t in the state, so the bias correction fades as the steps go on.",
                _adam_with(t_of=lambda t_old: max(t_old, 1), t_stored=lambda t: t)),
        Mistake(ADAM_T_FROM_0, _adam_with(t_of=lambda t_old: t_old, t_stored=lambda t: t + 1)),
        Mistake(ADAM_T_FROM_0, _adam_with(t_of=lambda t_old: t_old)),
        Mistake(ADAM_T_FROM_0, _adam_python_division_t0),
        Mistake("the step goes uphill: subtract lr · m_hat / (sqrt(v_hat) + eps) from the parameter "
                "(is the step added where it should be subtracted?).",
                _adam_with(step_sign=1.0)),
        Mistake("the bias correction is missing: m and v start at zero, so early on they are too small by the "
                "factors 1 - beta1^t and 1 - beta2^t; divide by them to get m_hat and v_hat.",
                _adam_with(m_hat=lambda m, b, t: m, v_hat=lambda v, b, t: v)),
        Mistake("only m is bias-corrected: v needs its own correction, v_hat = v / (1 - beta2^t).",
                _adam_with(v_hat=lambda v, b, t: v)),
        Mistake("only v is bias-corrected: m needs its own correction, m_hat = m / (1 - beta1^t).",
                _adam_with(m_hat=lambda m, b, t: m)),
        Mistake("the bias correction is applied one step late: t counts from 1 at the first step (t = 1 gives "
                "m_hat = g exactly), here the correction uses t + 1.",
                _adam_with(t_of=lambda t_old: t_old + 2, t_stored=lambda t: t - 1)),
        Mistake("eps is inside the square root: the step divides by sqrt(v_hat) + eps, with eps added after "
                "the root (as in PyTorch).",
                _adam_with(denominator=lambda vh, eps: np.sqrt(vh + eps))),
        Mistake("v averages g instead of g^2: it is a running mean of the SQUARED gradient (and the square "
                "root of a negative average is NaN).",
                _adam_with(v_new=lambda v, g, b2: b2 * v + (1 - b2) * g)),
        Mistake("the square root is missing: divide by sqrt(v_hat) + eps.",
                _adam_with(denominator=lambda vh, eps: vh + eps)),
    ],
)


# -- cosine_lr -----------------------------------------------------------------------------

def _cosine_cases(rng):
    specs = [(0, 0.1, 50, 0.0), (10, 0.1, 50, 0.0), (25, 0.1, 50, 0.0), (37, 0.1, 50, 0.0),
             (50, 0.1, 50, 0.0), (60, 0.1, 50, 0.0), (3, 0.5, 10, 0.01), (7, 0.5, 10, 0.01), (15, 0.5, 10, 0.01)]
    return [Case((t, lr0, T), f"t = {t}, lr0 = {lr0}, T = {T}, lr_min = {lr_min}", kwargs={"lr_min": lr_min})
            for t, lr0, T, lr_min in specs]


def _cosine_with(factor=0.5, period=1.0, clamp=True, fn=math.cos):
    def compute(t, lr0, T, lr_min=0.0):
        if clamp:
            t = min(t, T)
        return lr_min + (lr0 - lr_min) * factor * (1 + fn(math.pi * t / T * period))
    return compute


def _cosine_terms(case):
    t, lr0, T = case.args
    lr_min = case.kwargs.get("lr_min", 0.0)
    return {"the learning rate": {
        "lr_min (the floor)": lr_min,
        "(lr0 - lr_min) · (1 + cos(π t / T)) / 2 (the cosine part)":
            (lr0 - lr_min) * (1 + math.cos(math.pi * min(t, T) / T)) / 2}}


COSINE_LR = Exercise(
    name="cosine_lr",
    terms=_cosine_terms,
    points=2,
    promises=[returns_float("the learning rate")],
    make_cases=_cosine_cases,
    reference=cosine_lr,
    result="the learning rate",
    references=("mlp_lib.optim:cosine_lr", "mlp_lib.optim:make_schedule"),
    mistakes=[
        Mistake("the factor 1/2 is missing: (1 + cos(pi t / T)) runs from 2 down to 0, so it must be halved "
                "for the learning rate to start at lr0.",
                _cosine_with(factor=1.0)),
        Mistake("the period is wrong: the cosine should make HALF a turn over the T epochs, cos(pi t / T), "
                "going once from lr0 down to lr_min; here it makes a whole turn and comes back up.",
                _cosine_with(period=2.0)),
        Mistake("the period is wrong: the cosine should make half a turn over T epochs, cos(pi t / T); "
                "here it turns only a quarter and stops halfway down.",
                _cosine_with(period=0.5)),
        Mistake("the angle is not divided by T: the argument of the cosine is pi t / T.",
                lambda t, lr0, T, lr_min=0.0: lr_min + (lr0 - lr_min) * 0.5 * (1 + math.cos(math.pi * min(t, T)))),
        Mistake("after t = T the learning rate should stay at lr_min; here the cosine keeps turning and the "
                "rate climbs again. Use t = min(t, T).",
                _cosine_with(clamp=False)),
        Mistake("lr_min is ignored: the rate goes from lr0 down to lr_min, "
                "lr_min + (lr0 - lr_min) · (1 + cos(pi t / T)) / 2.",
                lambda t, lr0, T, lr_min=0.0: lr0 * 0.5 * (1 + math.cos(math.pi * min(t, T) / T))),
        Mistake("this is a sine where a cosine belongs: at t = 0 the rate must be lr0.",
                _cosine_with(fn=math.sin)),
    ],
)


EXERCISES = [SGD_MOMENTUM, RMSPROP, ADAM, COSINE_LR]

check_sgd_momentum = make_check(SGD_MOMENTUM)
check_rmsprop = make_check(RMSPROP)
check_adam = make_check(ADAM)
check_cosine_lr = make_check(COSINE_LR)
