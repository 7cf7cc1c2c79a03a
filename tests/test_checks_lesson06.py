"""The checks of lesson 6 (optimizers): update rules written in several right ways pass over
several steps, and the typical mistakes (an uphill step, Adam's bias correction missing or at
the wrong step, a wrongly initialised buffer, eps inside the root, g instead of g**2, a cosine
off by a factor or with the wrong period) fail with the explanation that names them."""
import math

import numpy as np
import pytest

from mlp_lib.checks import exercise_sets
from mlp_lib.checks.lesson06 import (ADAM, COSINE_LR, RMSPROP, SGD_MOMENTUM, adam_reference, check_adam,
                                     check_cosine_lr, check_rmsprop, check_sgd_momentum, rmsprop_reference,
                                     sgd_momentum_reference)


def stub(*args, **kwargs):
    raise NotImplementedError()


def test_the_set_is_registered_in_notebook_order():
    names = [e.name for e in exercise_sets()["06_optimizers"]]
    assert names == ["sgd_momentum", "rmsprop", "adam", "cosine_lr"]


@pytest.mark.parametrize("check", [check_sgd_momentum, check_rmsprop, check_adam, check_cosine_lr])
def test_an_untouched_stub_is_not_implemented(check):
    result = check(stub)
    assert not result.passed and result.status == "not_implemented"


# -- the references, against values worked by hand ------------------------------------------

def test_momentum_reference_by_hand():
    # g = 1 three times, mu = 0.9, lr = 0.1: v = 1, 1.9, 2.71; param = -0.1, -0.29, -0.561
    p, s = np.zeros(1), None
    for v_expected, p_expected in [(1.0, -0.1), (1.9, -0.29), (2.71, -0.561)]:
        p, s = sgd_momentum_reference(p, np.ones(1), s, 0.1)
        assert s["v"][0] == pytest.approx(v_expected) and p[0] == pytest.approx(p_expected)


def test_rmsprop_reference_by_hand():
    # first step: s = 0.01 g^2, step = lr g / (0.1 |g|) = 10 lr sign(g)
    p, s = rmsprop_reference(np.zeros(2), np.array([3.0, -0.5]), None, 0.01, eps=0.0)
    np.testing.assert_allclose(s["s"], [0.09, 0.0025])
    np.testing.assert_allclose(p, [-0.1, 0.1])


def test_adam_reference_by_hand():
    # t = 1: m_hat = g and v_hat = g^2 exactly, so the step is lr * g / (|g| + eps)
    g = np.array([2.0, -0.5])
    p, s = adam_reference(np.zeros(2), g, None, 0.01, eps=0.0)
    assert s["t"] == 1
    np.testing.assert_allclose(s["m"], 0.1 * g)
    np.testing.assert_allclose(s["v"], 0.001 * g * g)
    np.testing.assert_allclose(p, [-0.01, 0.01])
    # t = 2 with the same gradient: still exactly lr * sign(g)
    p, s = adam_reference(p, g, s, 0.01, eps=0.0)
    assert s["t"] == 2
    np.testing.assert_allclose(p, [-0.02, 0.02])


def test_cosine_reference_by_hand():
    assert COSINE_LR.reference(0, 0.1, 50) == pytest.approx(0.1)
    assert COSINE_LR.reference(25, 0.1, 50) == pytest.approx(0.05)
    assert COSINE_LR.reference(50, 0.1, 50) == pytest.approx(0.0)
    assert COSINE_LR.reference(80, 0.1, 50, lr_min=0.01) == pytest.approx(0.01)


def test_rule_cases_follow_trajectories_with_changing_learning_rates():
    for exercise in (SGD_MOMENTUM, RMSPROP, ADAM):
        cases = exercise.make_cases(np.random.default_rng(0))
        steps = [c.facts["step"] for c in cases]
        assert steps.count(1) >= 3 and max(steps) >= 3
        assert all((c.args[2] is None) == (c.facts["step"] == 1) for c in cases)
        assert len({c.args[3] for c in cases}) >= 3
        assert any(c.args[0].dtype == np.float32 for c in cases)
    adam_steps = [c.args[2]["t"] for c in ADAM.make_cases(np.random.default_rng(0)) if c.args[2] is not None]
    assert adam_steps and all(t == c_step - 1 for t, c_step in zip(
        adam_steps, [c.facts["step"] for c in ADAM.make_cases(np.random.default_rng(0)) if c.args[2] is not None]))


# -- sgd_momentum ------------------------------------------------------------------------------

def _momentum_zeros(param, grad, state, lr, momentum=0.9):
    v = momentum * (np.zeros_like(param) if state is None else state["v"]) + grad
    return param - lr * v, {"v": v}


def _momentum_in_place(param, grad, state, lr, momentum=0.9):
    if state is None:
        state = {"v": np.zeros_like(param)}
    state["v"] *= momentum
    state["v"] += grad
    param = param.copy()
    param -= lr * state["v"]
    return param, state


RIGHT_MOMENTUM = {"zeros then update": _momentum_zeros, "in place": _momentum_in_place,
                  "in float64": lambda p, g, s, lr, momentum=0.9: _momentum_zeros(
                      p.astype(np.float64), g.astype(np.float64), s, lr, momentum)}


@pytest.mark.parametrize("fn", RIGHT_MOMENTUM.values(), ids=RIGHT_MOMENTUM.keys())
def test_sgd_momentum_accepts_right_answers(fn):
    result = check_sgd_momentum(fn)
    assert result.passed, result.message


def _momentum(first=lambda p, g: np.zeros_like(p), update=lambda v, g, mu, lr: mu * v + g, sign=-1.0):
    def rule(param, grad, state, lr, momentum=0.9):
        v = update(first(param, grad) if state is None else state["v"], grad, momentum, lr)
        return param + sign * lr * v, {"v": v}
    return rule


def _momentum_lr_in_v(param, grad, state, lr, momentum=0.9):
    v = momentum * (np.zeros_like(param) if state is None else state["v"]) + lr * grad
    return param - v, {"v": v}


WRONG_MOMENTUM = [
    (_momentum(sign=1.0), "the step goes uphill"),
    (_momentum(update=lambda v, g, mu, lr: mu * v + (1 - mu) * g), "exponential average"),
    (_momentum_lr_in_v, "the velocity includes the learning rate"),
    (_momentum(first=lambda p, g: p.copy()), "initialised wrongly: it starts from the parameter"),
    (_momentum(first=lambda p, g: np.ones_like(p)), "initialised wrongly: it starts from ones"),
    (_momentum(update=lambda v, g, mu, lr: g), "ignores the old one"),
]


@pytest.mark.parametrize("fn, hint", WRONG_MOMENTUM)
def test_sgd_momentum_rejects_mistakes_with_their_hint(fn, hint):
    result = check_sgd_momentum(fn)
    assert not result.passed and hint in result.message, result.message


# -- rmsprop ------------------------------------------------------------------------------------

def _rmsprop(s_update=lambda s, g, a: a * s + (1 - a) * g ** 2, denom=lambda s, eps: np.sqrt(s) + eps, sign=-1.0,
             first=lambda p, g: np.zeros_like(p)):
    def rule(param, grad, state, lr, alpha=0.99, eps=1e-8):
        s = s_update(first(param, grad) if state is None else state["s"], grad, alpha)
        return param + sign * lr * grad / denom(s, eps), {"s": s}
    return rule


def _rmsprop_in_place(param, grad, state, lr, alpha=0.99, eps=1e-8):
    if state is None:
        state = {"s": np.zeros_like(param)}
    state["s"] *= alpha
    state["s"] += (1 - alpha) * np.square(grad)
    param = param.copy()
    param -= lr * grad / (np.sqrt(state["s"]) + eps)
    return param, state


RIGHT_RMSPROP = {"formula": _rmsprop(), "in place": _rmsprop_in_place,
                 "s = s + (1 - alpha)(g^2 - s)": _rmsprop(s_update=lambda s, g, a: s + (1 - a) * (g * g - s))}


@pytest.mark.parametrize("fn", RIGHT_RMSPROP.values(), ids=RIGHT_RMSPROP.keys())
def test_rmsprop_accepts_right_answers(fn):
    result = check_rmsprop(fn)
    assert result.passed, result.message


WRONG_RMSPROP = [
    (_rmsprop(sign=1.0), "the step goes uphill"),
    (_rmsprop(denom=lambda s, eps: np.sqrt(s + eps)), "eps is inside the square root"),
    (_rmsprop(s_update=lambda s, g, a: a * s + (1 - a) * g), "s averages g instead of g^2"),
    (_rmsprop(s_update=lambda s, g, a: (1 - a) * s + a * g ** 2), "alpha and 1 - alpha are swapped"),
    (_rmsprop(denom=lambda s, eps: s + eps), "the square root is missing"),
]


@pytest.mark.parametrize("fn, hint", WRONG_RMSPROP)
def test_rmsprop_rejects_mistakes_with_their_hint(fn, hint):
    result = check_rmsprop(fn)
    assert not result.passed and hint in result.message, result.message


def test_rmsprop_first_average_from_the_first_squared_gradient_is_named():
    def first_g2(param, grad, state, lr, alpha=0.99, eps=1e-8):
        s = grad ** 2 if state is None else alpha * state["s"] + (1 - alpha) * grad ** 2
        return param - lr * grad / (np.sqrt(s) + eps), {"s": s}
    result = check_rmsprop(first_g2)
    assert not result.passed and "initialised wrongly" in result.message, result.message


# -- adam ---------------------------------------------------------------------------------------

def _adam(t_used=lambda t_old: t_old + 1, t_kept=None, correct_m=True, correct_v=True, g2=True,
          denom=lambda vh, eps: np.sqrt(vh) + eps, sign=-1.0):
    """A learner's Adam; the defaults give the right rule, each argument one slip."""
    def rule(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
        b1, b2 = betas
        if state is None:
            state = {"t": 0, "m": np.zeros_like(param), "v": np.zeros_like(param)}
        t = t_used(state["t"])
        m = b1 * state["m"] + (1 - b1) * grad
        v = b2 * state["v"] + (1 - b2) * (grad ** 2 if g2 else grad)
        m_hat = m / (1 - b1 ** t) if correct_m else m
        v_hat = v / (1 - b2 ** t) if correct_v else v
        kept = t if t_kept is None else t_kept(state["t"])
        return param + sign * lr * m_hat / denom(v_hat, eps), {"t": kept, "m": m, "v": v}
    return rule


def _adam_in_place(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    b1, b2 = betas
    if state is None:
        state = {"t": 0, "m": np.zeros_like(param), "v": np.zeros_like(param)}
    state["t"] += 1
    state["m"] *= b1
    state["m"] += (1 - b1) * grad
    state["v"] *= b2
    state["v"] += (1 - b2) * grad * grad
    step_size = lr / (1 - b1 ** state["t"])
    param = param.copy()
    param -= step_size * state["m"] / (np.sqrt(state["v"] / (1 - b2 ** state["t"])) + eps)
    return param, state


RIGHT_ADAM = {"formula": _adam(), "in place with a folded step size": _adam_in_place,
              "in float64": lambda p, g, s, lr, betas=(0.9, 0.999), eps=1e-8: _adam()(
                  p.astype(np.float64), g.astype(np.float64), s, lr, betas, eps)}


@pytest.mark.parametrize("fn", RIGHT_ADAM.values(), ids=RIGHT_ADAM.keys())
def test_adam_accepts_right_answers(fn):
    result = check_adam(fn)
    assert result.passed, result.message


def _adam_python_t0(param, grad, state, lr, betas=(0.9, 0.999), eps=1e-8):
    b1, b2 = betas
    if state is None:
        state = {"t": 0, "m": np.zeros_like(param), "v": np.zeros_like(param)}
    t = state["t"]
    m = b1 * state["m"] + (1 - b1) * grad
    v = b2 * state["v"] + (1 - b2) * grad ** 2
    lr_t = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    return param - lr_t * m / (np.sqrt(v) + eps), {"t": t + 1, "m": m, "v": v}


WRONG_ADAM = [
    (_adam(sign=1.0), "the step goes uphill"),
    (_adam(correct_m=False, correct_v=False), "the bias correction is missing"),
    (_adam(t_used=lambda t_old: t_old, t_kept=lambda t_old: t_old + 1), "t counts from 1 at the first step"),
    (_adam(t_used=lambda t_old: t_old, t_kept=lambda t_old: t_old), "t counts from 1 at the first step"),
    (_adam_python_t0, "t counts from 1 at the first step"),
    (_adam(t_used=lambda t_old: t_old + 2, t_kept=lambda t_old: t_old + 1), "applied one step late"),
    (_adam(correct_v=False), "only m is bias-corrected"),
    (_adam(correct_m=False), "only v is bias-corrected"),
    (_adam(t_used=lambda t_old: max(t_old, 1)), "t is not increased"),
    (_adam(denom=lambda vh, eps: np.sqrt(vh + eps)), "eps is inside the square root"),
    (_adam(g2=False), "v averages g instead of g^2"),
    (_adam(denom=lambda vh, eps: vh + eps), "the square root is missing"),
]


@pytest.mark.parametrize("fn, hint", WRONG_ADAM)
def test_adam_rejects_mistakes_with_their_hint(fn, hint):
    result = check_adam(fn)
    assert not result.passed and hint in result.message, result.message


def test_adam_with_t_from_0_fails_on_the_first_step():
    result = check_adam(_adam(t_used=lambda t_old: t_old, t_kept=lambda t_old: t_old + 1))
    assert "step 1 of a trajectory" in result.message and "divide by zero" in result.message, result.message


# -- cosine_lr ----------------------------------------------------------------------------------

def _cosine(factor=0.5, period=1.0, clamp=True):
    def schedule(t, lr0, T, lr_min=0.0):
        t = min(t, T) if clamp else t
        return lr_min + (lr0 - lr_min) * factor * (1 + math.cos(period * math.pi * t / T))
    return schedule


RIGHT_COSINE = {
    "formula": _cosine(),
    "with numpy": lambda t, lr0, T, lr_min=0.0: float(lr_min + (lr0 - lr_min) * (1 + np.cos(np.pi * np.minimum(t, T) / T)) / 2),
    "cos squared": lambda t, lr0, T, lr_min=0.0: lr_min + (lr0 - lr_min) * math.cos(math.pi * min(t, T) / (2 * T)) ** 2,
    "if / else": lambda t, lr0, T, lr_min=0.0: lr_min if t >= T else lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * t / T)),
}


@pytest.mark.parametrize("fn", RIGHT_COSINE.values(), ids=RIGHT_COSINE.keys())
def test_cosine_lr_accepts_right_answers(fn):
    result = check_cosine_lr(fn)
    assert result.passed, result.message


WRONG_COSINE = [
    (_cosine(factor=1.0), "the factor 1/2 is missing"),
    (_cosine(period=2.0), "the period is wrong"),
    (_cosine(period=0.5), "the period is wrong"),
    (_cosine(clamp=False), "the rate climbs again"),
    (lambda t, lr0, T, lr_min=0.0: lr0 * (1 + math.cos(math.pi * min(t, T) / T)) / 2, "lr_min is ignored"),
    (lambda t, lr0, T, lr_min=0.0: lr_min + (lr0 - lr_min) * (1 + math.sin(math.pi * min(t, T) / T)) / 2,
     "a sine where a cosine belongs"),
]


@pytest.mark.parametrize("fn, hint", WRONG_COSINE)
def test_cosine_lr_rejects_mistakes_with_their_hint(fn, hint):
    result = check_cosine_lr(fn)
    assert not result.passed and hint in result.message, result.message
