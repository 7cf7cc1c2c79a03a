"""Update rules and learning-rate schedules against values worked out by hand.

The expected numbers are written from the formulas, either as literals worked on paper
(SGD family, first steps) or as plain scalar arithmetic on Python floats, never by calling
the code under test.
"""
import math

import numpy as np
import pytest

from mlp_lib.optim import (OPTIMIZERS, SCHEDULES, adam, adamw, constant_lr, cosine_lr, exponential_lr,
                           make_schedule, rmsprop, sgd, step_lr, warmup_lr)

GRADS = [0.5, -0.2, 0.1]   # the gradient seen at steps 1, 2, 3 (param starts at 1.0)


def run(rule, grads=GRADS, p0=1.0, **hyper):
    """Apply ``rule`` to a one-element parameter for the given gradients -> list of params after each step."""
    param, state, out = np.array([p0]), None, []
    for g in grads:
        param, state = rule(param, np.array([g]), state, **hyper)
        out.append(float(param[0]))
    return out


# SGD family, lr = 0.1, worked by hand:
#   plain:     p = 1 - 0.05 = 0.95;  0.95 + 0.02 = 0.97;  0.97 - 0.01 = 0.96
#   momentum:  v = 0.5 -> 0.95;  v = 0.45 - 0.2 = 0.25 -> 0.925;  v = 0.225 + 0.1 = 0.325 -> 0.8925
#   nesterov:  step = g + 0.9 v: 0.95 -> 0.905;  -0.2 + 0.225 = 0.025 -> 0.9025;  0.1 + 0.2925 -> 0.86325
#   L2 0.1:    g = 0.5 + 0.1 -> 0.94;  -0.2 + 0.094 = -0.106 -> 0.9506;  0.1 + 0.09506 -> 0.931094
#   dampening 0.5 with momentum 0.9: v = 0.5 -> 0.95; v = 0.45 - 0.1 = 0.35 -> 0.915;
#                                    v = 0.315 + 0.05 = 0.365 -> 0.8785
#   momentum 0.9 + L2 0.1: g = 0.6, v = 0.6 -> 0.94;  g = -0.106, v = 0.434 -> 0.8966;
#                          g = 0.18966, v = 0.58026 -> 0.838574
SGD_CASES = [
    ({}, [0.95, 0.97, 0.96]),
    ({"momentum": 0.9}, [0.95, 0.925, 0.8925]),
    ({"momentum": 0.9, "nesterov": True}, [0.905, 0.9025, 0.86325]),
    ({"weight_decay": 0.1}, [0.94, 0.9506, 0.931094]),
    ({"momentum": 0.9, "dampening": 0.5}, [0.95, 0.915, 0.8785]),
    ({"momentum": 0.9, "weight_decay": 0.1}, [0.94, 0.8966, 0.838574]),
]


@pytest.mark.parametrize("hyper, expected", SGD_CASES, ids=["plain", "momentum", "nesterov", "weight_decay",
                                                            "dampening", "momentum+weight_decay"])
def test_sgd_by_hand(hyper, expected):
    np.testing.assert_allclose(run(sgd, lr=0.1, **hyper), expected, rtol=1e-12)


def test_rmsprop_by_hand():
    lr, alpha, eps = 0.01, 0.9, 1e-8
    # first step: s = (1 - alpha) g^2, so the step is lr * sign(g) / sqrt(1 - alpha)
    assert run(rmsprop, lr=lr, alpha=alpha)[0] == pytest.approx(1 - lr / math.sqrt(0.1), abs=1e-8)
    p, s, expected = 1.0, 0.0, []
    for g in GRADS:
        s = alpha * s + (1 - alpha) * g * g
        p = p - lr * g / (math.sqrt(s) + eps)
        expected.append(p)
    np.testing.assert_allclose(run(rmsprop, lr=lr, alpha=alpha, eps=eps), expected, rtol=1e-13)


def test_rmsprop_weight_decay_by_hand():
    lr, alpha, wd = 0.01, 0.99, 0.5
    p, s, expected = 1.0, 0.0, []
    for g in GRADS:
        g = g + wd * p
        s = alpha * s + (1 - alpha) * g * g
        p = p - lr * g / (math.sqrt(s) + 1e-8)
        expected.append(p)
    np.testing.assert_allclose(run(rmsprop, lr=lr, alpha=alpha, weight_decay=wd), expected, rtol=1e-13)


def _adam_by_hand(lr, b1, b2, eps, l2=0.0, decoupled=0.0):
    p, m, v, expected = 1.0, 0.0, 0.0, []
    for t, g in enumerate(GRADS, start=1):
        p = p * (1 - lr * decoupled)
        g = g + l2 * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        p = p - lr * m_hat / (math.sqrt(v_hat) + eps)
        expected.append(p)
    return expected


def test_adam_by_hand():
    # first step: m_hat = g and v_hat = g^2, so the step is lr * sign(g) (up to eps)
    assert run(adam, lr=0.01)[0] == pytest.approx(0.99, abs=1e-8)
    np.testing.assert_allclose(run(adam, lr=0.01, betas=(0.8, 0.95), eps=1e-6),
                               _adam_by_hand(0.01, 0.8, 0.95, 1e-6), rtol=1e-13)


def test_adam_l2_weight_decay_by_hand():
    np.testing.assert_allclose(run(adam, lr=0.01, weight_decay=0.3),
                               _adam_by_hand(0.01, 0.9, 0.999, 1e-8, l2=0.3), rtol=1e-13)


def test_adamw_by_hand():
    # first step: p * (1 - lr * wd) - lr = 1 * (1 - 0.1 * 0.5) - 0.1
    assert run(adamw, lr=0.1, weight_decay=0.5)[0] == pytest.approx(0.85, abs=1e-8)
    np.testing.assert_allclose(run(adamw, lr=0.1, weight_decay=0.5, betas=(0.9, 0.99)),
                               _adam_by_hand(0.1, 0.9, 0.99, 1e-8, decoupled=0.5), rtol=1e-13)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_rules_are_elementwise_and_keep_inputs(name):
    """A 2-element parameter behaves as two independent scalars, and nothing is modified in place."""
    rule = OPTIMIZERS[name]
    param, grad = np.array([1.0, -2.0]), np.array([0.3, 0.7])
    before = param.copy(), grad.copy()
    new, state = rule(param, grad, None, 0.05)
    np.testing.assert_array_equal(param, before[0])
    np.testing.assert_array_equal(grad, before[1])
    for i in range(2):
        alone, _ = rule(param[i:i + 1].copy(), grad[i:i + 1].copy(), None, 0.05)
        assert new[i] == alone[0]
    new2, _ = rule(new, grad, state, 0.05)
    assert new2.shape == param.shape


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_rules_minimize_a_quadratic(name):
    """Each rule brings f(p) = ||p - target||^2 / 2 (gradient p - target) close to its minimum."""
    rule, target = OPTIMIZERS[name], np.array([3.0, -1.0, 0.5])
    param, state = np.zeros(3), None
    for _ in range(2000):
        param, state = rule(param, param - target, state, 0.01, **({"weight_decay": 0.0} if name == "adamw" else {}))
    np.testing.assert_allclose(param, target, atol=1e-2)


# -- schedules -------------------------------------------------------------------------

def test_constant_schedule():
    assert [constant_lr(t, 0.3) for t in range(3)] == [0.3, 0.3, 0.3]


def test_step_schedule_by_hand():
    expected = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]
    np.testing.assert_allclose([step_lr(t, 0.1, step_size=3, gamma=0.5) for t in range(7)], expected, rtol=1e-15)


def test_exponential_schedule_by_hand():
    np.testing.assert_allclose([exponential_lr(t, 0.1, gamma=0.9) for t in range(4)],
                               [0.1, 0.09, 0.081, 0.0729], rtol=1e-14)


def test_cosine_schedule_by_hand():
    half_sqrt2 = math.sqrt(2) / 2
    expected = [1.0, (1 + half_sqrt2) / 2, 0.5, (1 - half_sqrt2) / 2, 0.0, 0.0]   # T = 4, flat after T
    np.testing.assert_allclose([cosine_lr(t, 1.0, T=4) for t in range(6)], expected, rtol=1e-14, atol=1e-16)
    assert cosine_lr(2, 1.0, T=4, lr_min=0.1) == pytest.approx(0.1 + 0.9 * 0.5)
    assert cosine_lr(9, 1.0, T=4, lr_min=0.1) == pytest.approx(0.1)


def test_warmup_schedule_by_hand():
    np.testing.assert_allclose([warmup_lr(t, 0.3, warmup=3) for t in range(5)], [0.1, 0.2, 0.3, 0.3, 0.3],
                               rtol=1e-14)
    # warm-up then a step schedule counted from the end of the warm-up
    got = [warmup_lr(t, 0.4, warmup=2, after=step_lr, step_size=2, gamma=0.5) for t in range(6)]
    np.testing.assert_allclose(got, [0.2, 0.4, 0.4, 0.4, 0.2, 0.2], rtol=1e-14)
    # or a schedule named: warm-up for 2 epochs, then cosine over T = 4 epochs
    schedule = make_schedule("warmup", 1.0, warmup=2, after="cosine", T=4)
    half_sqrt2 = math.sqrt(2) / 2
    np.testing.assert_allclose([schedule(t) for t in range(8)],
                               [0.5, 1.0, 1.0, (1 + half_sqrt2) / 2, 0.5, (1 - half_sqrt2) / 2, 0.0, 0.0],
                               rtol=1e-14, atol=1e-16)


@pytest.mark.parametrize("name, kwargs, expected", [
    ("constant", {}, [0.2, 0.2, 0.2]),
    ("step", {"step_size": 2, "gamma": 0.1}, [0.2, 0.2, 0.02]),
    ("exponential", {"gamma": 0.5}, [0.2, 0.1, 0.05]),
    ("cosine", {"T": 2}, [0.2, 0.1, 0.0]),
    ("warmup", {"warmup": 2}, [0.1, 0.2, 0.2]),
])
def test_make_schedule(name, kwargs, expected):
    schedule = make_schedule(name, 0.2, **kwargs)
    np.testing.assert_allclose([schedule(t) for t in range(3)], expected, rtol=1e-14, atol=1e-17)


def test_every_schedule_is_in_make_schedule_test():
    assert set(SCHEDULES) == {"constant", "step", "exponential", "cosine", "warmup"}
