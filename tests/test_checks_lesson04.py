"""The checks of lesson 4 accept right answers written in other ways and reject the typical
mistakes with the matching explanation.

The right answers below are written here from the formulas (not taken from the package);
each wrong answer is a plausible learner's version, and the test asserts which hint it gets.
"""
import numpy as np
import pytest

from mlp_lib.checks import get_exercise_set, in_kernel, runner, wire
from mlp_lib.checks.lesson04 import (check_leaky_relu_prime, check_numerical_gradient, check_sigmoid_prime,
                                     check_stable_sigmoid, check_tanh_prime)
from mlp_lib.checks.wire import ScalarFunction


def stub(*args, **kwargs):
    raise NotImplementedError()


# -- right answers ----------------------------------------------------------------------

def sigmoid_branches(z):
    """Boolean masks: each exponential only where it cannot overflow."""
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1 / (1 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1 + e)
    return out


def sigmoid_exp_abs(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def sigmoid_tanh(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def sigmoid_logaddexp(z):
    return np.exp(-np.logaddexp(0, -z))


def sigmoid_float64_always(z):
    """Returns float64 even for float32 input: the values are still right."""
    return sigmoid_exp_abs(np.asarray(z, dtype=np.float64))


def sigmoid_prime_product(z):
    s = sigmoid_exp_abs(z)
    return s * (1 - s)


def sigmoid_prime_in_place(z):
    s = sigmoid_exp_abs(z)
    s *= 1 - s
    return s


def sigmoid_prime_exp_abs(z):
    # e^{-|z|} / (1 + e^{-|z|})^2, symmetric in z and stable
    e = np.exp(-np.abs(z))
    return e / (1 + e) ** 2


def tanh_prime_square(z):
    return 1 - np.tanh(z) ** 2


def tanh_prime_cosh(z):
    return 1 / np.cosh(np.clip(z, -300, 300)) ** 2


def tanh_prime_in_place(z):
    t = np.tanh(z)
    t *= t
    np.subtract(1, t, out=t)
    return t


def leaky_where(z, alpha=0.01):
    return np.where(z > 0, 1.0, alpha)


def leaky_from_output(z, alpha=0.01):
    """The mask taken from the output with a strict > is the same mask."""
    a = np.where(z > 0, z, alpha * z)
    return np.where(a > 0, 1.0, alpha)


def leaky_booleans(z, alpha=0.01):
    return (z > 0) + alpha * (z <= 0)


def leaky_in_place(z, alpha=0.01):
    out = np.full_like(z, alpha)
    out[z > 0] = 1
    return out


def gradient_ndindex(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def gradient_flat_view(f, x, h=1e-5):
    flat = x.reshape(-1)          # a view: writing it changes x
    grad = np.zeros(x.size)
    for i in range(x.size):
        old = flat[i]
        flat[i] = old + h
        f_plus = f()
        flat[i] = old - h
        f_minus = f()
        flat[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad.reshape(x.shape)


def gradient_nditer(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        i = it.multi_index
        old = float(x[i])
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
        it.iternext()
    return grad


RIGHT = [
    (check_stable_sigmoid, sigmoid_branches),
    (check_stable_sigmoid, sigmoid_exp_abs),
    (check_stable_sigmoid, sigmoid_tanh),
    (check_stable_sigmoid, sigmoid_logaddexp),
    (check_stable_sigmoid, sigmoid_float64_always),
    (check_sigmoid_prime, sigmoid_prime_product),
    (check_sigmoid_prime, sigmoid_prime_in_place),
    (check_sigmoid_prime, sigmoid_prime_exp_abs),
    (check_tanh_prime, tanh_prime_square),
    (check_tanh_prime, tanh_prime_cosh),
    (check_tanh_prime, tanh_prime_in_place),
    (check_leaky_relu_prime, leaky_where),
    (check_leaky_relu_prime, leaky_from_output),
    (check_leaky_relu_prime, leaky_booleans),
    (check_leaky_relu_prime, leaky_in_place),
    (check_numerical_gradient, gradient_ndindex),
    (check_numerical_gradient, gradient_flat_view),
    (check_numerical_gradient, gradient_nditer),
]


@pytest.mark.parametrize("check, fn", RIGHT, ids=lambda v: getattr(v, "__name__", "?"))
def test_right_answers_pass(check, fn):
    result = check(fn)
    assert result.passed, result.message
    assert result.message.startswith("✓")


# -- wrong answers ------------------------------------------------------------------------

def naive_sigmoid(z):
    return 1 / (1 + np.exp(-z))


def ratio_sigmoid(z):
    return np.exp(z) / (1 + np.exp(z))


def where_both_branches(z):
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))


def flipped_sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, e, 1.0) / (1.0 + e)


def negative_branch_everywhere(z):
    e = np.exp(-np.abs(z))
    return e / (1 + e)


def positive_branch_everywhere(z):
    return 1 / (1 + np.exp(-np.abs(z)))


def prime_of_z(z):
    return z * (1 - z)


def prime_at_output(z):
    a = sigmoid_exp_abs(z)
    s = sigmoid_exp_abs(a)
    return s * (1 - s)


def prime_is_sigmoid(z):
    return sigmoid_exp_abs(z)


def prime_naive(z):
    e = np.exp(-z)
    return e / (1 + e) ** 2


def prime_one_factor(z):
    return 1 - sigmoid_exp_abs(z)


def tanh_prime_of_z(z):
    return 1 - z ** 2


def tanh_prime_at_output(z):
    return 1 - np.tanh(np.tanh(z)) ** 2


def tanh_prime_no_square(z):
    return 1 - np.tanh(z)


def tanh_prime_sigmoid_rule(z):
    t = np.tanh(z)
    return t * (1 - t)


def leaky_mask_from_output(z, alpha=0.01):
    a = np.where(z > 0, z, alpha * z)
    return np.where(a >= 0, 1.0, alpha)


def leaky_value_not_slope(z, alpha=0.01):
    return np.where(z > 0, z, alpha * z)


def leaky_alpha_times_z(z, alpha=0.01):
    return np.where(z > 0, 1.0, alpha * z)


def leaky_plain_relu(z, alpha=0.01):
    return (z > 0).astype(float)


def leaky_ge_zero(z, alpha=0.01):
    return np.where(z >= 0, 1.0, alpha)


def leaky_ignores_alpha(z, alpha=0.01):
    return np.where(z > 0, 1.0, 0.01)


def gradient_forward(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    f0 = f()
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        grad[i] = (f() - f0) / h
        x[i] = old
    return grad


def gradient_divided_by_h(f, x, h=1e-5):
    return 2 * gradient_ndindex(f, x, h)


def gradient_not_restored(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        x[i] += h
        f_plus = f()
        x[i] -= 2 * h
        f_minus = f()
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def gradient_on_a_copy(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        x_plus, x_minus = x.copy(), x.copy()
        x_plus[i] += h
        x_minus[i] -= h
        grad[i] = (f() - f()) / (2 * h)
    return grad


def gradient_half_steps(f, x, h=1e-5):
    return 0.5 * gradient_ndindex(f, x, h / 2)


def gradient_ignores_h(f, x, h=1e-5):
    return gradient_ndindex(f, x)


WRONG = [
    (check_stable_sigmoid, naive_sigmoid, "error", "choosing between two formulas entry by entry still evaluates both"),
    (check_stable_sigmoid, ratio_sigmoid, "error", "overflowed"),
    (check_stable_sigmoid, where_both_branches, "error", "overflowed"),
    (check_stable_sigmoid, flipped_sigmoid, "failed", "sigma(-z) = 1 - sigma(z)"),
    (check_stable_sigmoid, negative_branch_everywhere, "failed", "for z >= 0 the numerator must be 1"),
    (check_stable_sigmoid, positive_branch_everywhere, "failed", "for z < 0 the numerator must be e^(-|z|)"),
    (check_sigmoid_prime, prime_of_z, "failed", "applied to z itself"),
    (check_sigmoid_prime, prime_at_output, "failed", "evaluated at the activation's output"),
    (check_sigmoid_prime, prime_is_sigmoid, "failed", "the sigmoid itself"),
    (check_sigmoid_prime, prime_naive, "error", "Write the derivative with your stable sigmoid"),
    (check_sigmoid_prime, lambda z: naive_sigmoid(z) * (1 - naive_sigmoid(z)), "error", "in the sigmoid it calls"),
    (check_sigmoid_prime, prime_one_factor, "failed", "only one factor"),
    (check_tanh_prime, tanh_prime_of_z, "failed", "applied to z itself"),
    (check_tanh_prime, tanh_prime_at_output, "failed", "evaluated at the activation's output"),
    (check_tanh_prime, np.tanh, "failed", "this is tanh itself"),
    (check_tanh_prime, tanh_prime_no_square, "failed", "the square is missing"),
    (check_tanh_prime, tanh_prime_sigmoid_rule, "failed", "the sigmoid's rule"),
    (check_leaky_relu_prime, leaky_mask_from_output, "failed", "the mask comes from the activation's output"),
    (check_leaky_relu_prime, leaky_value_not_slope, "failed", "the activation's value"),
    (check_leaky_relu_prime, leaky_alpha_times_z, "failed", "the derivative of alpha z is the constant alpha"),
    (check_leaky_relu_prime, leaky_plain_relu, "failed", "as for plain ReLU"),
    (check_leaky_relu_prime, leaky_ge_zero, "failed", "test z > 0, not z >= 0"),
    (check_leaky_relu_prime, leaky_ignores_alpha, "failed", "the alpha argument is ignored"),
    (check_numerical_gradient, gradient_forward, "failed", "forward difference"),
    (check_numerical_gradient, gradient_divided_by_h, "failed", "divide their difference by 2h, not by h"),
    (check_numerical_gradient, gradient_not_restored, "failed", "x is not restored"),
    (check_numerical_gradient, gradient_on_a_copy, "failed", "changing a copy of x changes nothing"),
    (check_numerical_gradient, gradient_half_steps, "failed", "only h apart"),
    (check_numerical_gradient, gradient_ignores_h, "failed", "the argument h is ignored"),
]


@pytest.mark.parametrize("check, fn, status, hint", WRONG, ids=lambda v: getattr(v, "__name__", None))
def test_typical_mistakes_get_their_hint(check, fn, status, hint):
    result = check(fn)
    assert not result.passed
    assert result.status == status, result.message
    assert result.message.startswith("✗")
    assert hint in result.message, result.message


CHECKS = [check_stable_sigmoid, check_sigmoid_prime, check_tanh_prime, check_leaky_relu_prime,
          check_numerical_gradient]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_an_untouched_stub_is_not_implemented(check):
    result = check(stub)
    assert result.status == "not_implemented"
    assert "not implemented yet" in result.message


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_calling_the_course_solution_scores_nothing(check):
    import mlp_lib
    own = {"check_stable_sigmoid": lambda z: mlp_lib.sigmoid(z),
           "check_sigmoid_prime": lambda z: mlp_lib.sigmoid_prime(z),
           "check_tanh_prime": lambda z: mlp_lib.tanh_prime(z),
           "check_leaky_relu_prime": lambda z, alpha=0.01: mlp_lib.leaky_relu_prime(z, alpha),
           "check_numerical_gradient": lambda f, x, h=1e-5: mlp_lib.numerical_gradient(f, x, h)}[check.__name__]
    assert check(own).status == "reference_called"


def test_the_set_is_registered_in_notebook_order():
    names = [e.name for e in get_exercise_set("04_activation_derivatives")]
    assert names == ["stable_sigmoid", "sigmoid_prime", "tanh_prime", "leaky_relu_prime", "numerical_gradient"]


# -- the two additions to the framework these checks rely on ----------------------------

def test_errstate_turns_an_overflow_into_an_error_only_when_asked():
    z = np.array([-1e4, 0.0, 1e4])
    with np.errstate(over="ignore"):
        quiet = runner.call_cases(naive_sigmoid, [((z,), {})])
        strict = runner.call_cases(naive_sigmoid, [((z,), {})], errstate={"over": "raise"})
    assert quiet[0]["status"] == "ok"
    np.testing.assert_array_equal(quiet[0]["value"], [0.0, 0.5, 1.0])
    assert strict[0]["status"] == "error"
    assert strict[0]["error"] == "FloatingPointError: overflow encountered in exp"


def test_a_scalar_function_travels_with_the_array_it_reads(tmp_path):
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    f = ScalarFunction(x, np.array([1.0, 0.5, 2.0, 1.5]), np.arange(12.0).reshape(3, 4) / 10)
    stem = str(tmp_path / "cases")
    wire.save(stem, [((f, x), {})])
    (args, kwargs), = wire.load(stem)
    g, y = args
    assert isinstance(g, ScalarFunction) and g.x is y
    assert g() == pytest.approx(f())
    y[0, 1] += 0.25                       # the decoded function reads the decoded array
    x[0, 1] += 0.25
    assert g() == pytest.approx(f())


def test_scalar_function_gradient_matches_its_definition():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3))
    c, A = rng.uniform(0.5, 1.5, 6), rng.standard_normal((7, 6))
    f = ScalarFunction(x, c, A)
    v = x.reshape(-1)
    assert f() == pytest.approx(np.sum(c * np.sin(v)) + 0.5 * np.sum((A @ v) ** 2))
    np.testing.assert_allclose(f.gradient(), (c * np.cos(v) + A.T @ A @ v).reshape(2, 3))


def test_the_graders_entry_point_applies_errstate_and_rebuilds_functions(tmp_path):
    z = np.array([-1e4, 0.0, 1e4])
    x = np.array([0.5, -0.5])
    f = ScalarFunction(x, np.ones(2), np.eye(2))
    for name, fn, cases, errstate, want in [
            ("stable_sigmoid", naive_sigmoid, [((z,), {})], {"over": "raise"}, "error"),
            ("stable_sigmoid", sigmoid_exp_abs, [((z,), {})], {"over": "raise"}, "ok"),
            ("numerical_gradient", gradient_ndindex, [((f, x), {})], None, "ok")]:
        wire.save(str(tmp_path / "in"), cases)
        in_kernel.collect({name: fn}, name, str(tmp_path / "in"), str(tmp_path / "out"), errstate=errstate)
        outcome, = wire.load(str(tmp_path / "out"))
        assert outcome["status"] == want, outcome
    np.testing.assert_allclose(outcome["value"], f.gradient(), rtol=1e-8)
