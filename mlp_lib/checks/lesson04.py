"""Checks of the exercises of lesson 4, activation derivatives (solutions/04_activation_derivatives.ipynb).

The learner writes a sigmoid that never overflows, the derivatives of the sigmoid, tanh and
(leaky) ReLU with respect to the pre-activation z, and a centred-difference numerical gradient.
The sigmoid exercises run under ``np.errstate(over="raise")``: an overflow is an error.
"""
import numpy as np

from ..activations import leaky_relu, leaky_relu_prime, sigmoid, sigmoid_prime, tanh_prime
from ..gradcheck import numerical_gradient, rel_error
from .base import Case, Exercise, Mistake, elementwise_numerical, make_check
from .lesson03 import SIGMOID_PRIME as LESSON03_SIGMOID_PRIME
from .wire import ScalarFunction

EXERCISE_SET = "04_activation_derivatives"

OVERFLOW_RAISES = {"over": "raise"}
H = 1e-5


def _label(z, extra=""):
    return f"z {z.shape}" + (" float32" if z.dtype == np.float32 else "") + extra


def _away_from_zero(z, margin=1e-3):
    """Move entries within ``margin`` of 0 to 0.5, so that no kink sits inside a difference step."""
    return np.where(np.abs(z) < margin, 0.5, z)


# -- stable_sigmoid ------------------------------------------------------------------

def _sigmoid_cases(rng):
    """Moderate values, then values whose naive exp overflows (|z| up to 1e4), and float32."""
    extreme = np.array([-1e4, -1000.0, -710.0, -50.0, 0.0, 50.0, 710.0, 1000.0, 1e4])
    cases = [Case((rng.uniform(-6, 6, size=(4, 3)),), "z (4, 3)"),
             Case((rng.uniform(-6, 6, size=(1, 5)),), "z (1, 5)"),
             Case((extreme,), "z with entries from -1e4 to 1e4, under np.errstate(over='raise')"),
             Case((np.concatenate([-extreme, rng.uniform(-800, 800, size=6)]).reshape(3, 5),),
                  "z (3, 5) with large entries of both signs, under np.errstate(over='raise')")]
    z32 = np.array([-1e4, -100.0, -3.0, 0.0, 2.5, 100.0, 1e4], dtype=np.float32)
    cases.append(Case((z32,), "z (7,) float32 with entries from -1e4 to 1e4 (float32 exp overflows above 88), under np.errstate(over='raise')"))
    return cases


def _naive_sigmoid(z):
    return 1 / (1 + np.exp(-z))


OVERFLOW_HINT = ("an exponential overflowed: e to the power of a large positive number is infinite (float64 stops "
                 "near e^709.8, float32 near e^88.7). The textbook formula 1 / (1 + e^(-z)) computes e^(-z), "
                 "which overflows for very negative z; e^z / (1 + e^z) overflows for very positive z. Only "
                 "e^(-|z|) is always safe: with e = e^(-|z|), sigma(z) = 1 / (1 + e) for z >= 0 and "
                 "e / (1 + e) for z < 0. Beware that choosing between two formulas entry by entry still evaluates "
                 "both formulas on every entry, so the branch that overflows still overflows where it is not chosen.")

def _sign_regions(case):
    """The two branches of a piecewise formula of z, the first argument."""
    z = np.asarray(case.args[0])
    return {"where z >= 0": z >= 0, "where z < 0": z < 0}


STABLE_SIGMOID = Exercise(
    name="stable_sigmoid",
    regions=_sign_regions,
    points=3,
    make_cases=_sigmoid_cases,
    reference=sigmoid,
    errstate=OVERFLOW_RAISES,
    references=("mlp_lib.activations:sigmoid",),
    mistakes=[
        Mistake(OVERFLOW_HINT, _naive_sigmoid),
        Mistake("this is sigma(-z) = 1 - sigma(z), which goes down as z grows: either the sign of the "
                "exponent is flipped (1 / (1 + e^z)) or the two branches of the stable formula are swapped.",
                lambda z: sigmoid(-z)),
        Mistake("for z >= 0 the numerator must be 1: you return e^(-|z|) / (1 + e^(-|z|)) = sigma(-|z|) "
                "everywhere, which is right only for negative z.", lambda z: sigmoid(-np.abs(z))),
        Mistake("for z < 0 the numerator must be e^(-|z|): you return 1 / (1 + e^(-|z|)) = sigma(|z|) "
                "everywhere, which is right only for z >= 0.", lambda z: sigmoid(np.abs(z))),
    ],
)


# -- sigmoid_prime -----------------------------------------------------------------

def _sigmoid_prime_cases(rng):
    return [Case((rng.uniform(-6, 6, size=(4, 3)),), "z (4, 3)"),
            Case((rng.uniform(-6, 6, size=(7,)),), "z (7,)"),
            Case((np.array([-1e4, -800.0, -20.0, 0.0, 20.0, 800.0, 1e4]),), "z with entries from -1e4 to 1e4, under np.errstate(over='raise')"),
            Case((rng.uniform(-6, 6, size=(3, 4)).astype(np.float32),), "z (3, 4) float32")]


def _naive_sigmoid_prime(z):
    e = np.exp(-z)
    return e / (1 + e) ** 2


SIGMOID_PRIME = Exercise(
    name="sigmoid_prime",
    points=2,
    make_cases=_sigmoid_prime_cases,
    reference=sigmoid_prime,
    gradient=elementwise_numerical(sigmoid),
    errstate=OVERFLOW_RAISES,
    references=("mlp_lib.activations:sigmoid_prime",),
    # the mistakes of lesson 3's sigmoid_prime, and overflow, which this lesson's inputs provoke
    mistakes=LESSON03_SIGMOID_PRIME.mistakes + [
        Mistake("an exponential overflowed, in sigmoid_prime or in the sigmoid it calls: "
                "e^(-z) / (1 + e^(-z))^2 is right on paper, but e^(-z) overflows for very negative z. "
                "Write the derivative with your stable sigmoid, s(1 - s) where s is your stable sigmoid of z, "
                "and make sure stable_sigmoid passes its own check first.",
                _naive_sigmoid_prime),
    ],
)


# -- tanh_prime ------------------------------------------------------------------------

def _tanh_cases(rng):
    return [Case((rng.uniform(-3, 3, size=(4, 3)),), "z (4, 3)"),
            Case((rng.uniform(-3, 3, size=(1, 6)),), "z (1, 6)"),
            Case((np.array([-20.0, -2.0, -0.5, 0.0, 0.5, 2.0, 20.0]),), "z with entries from -20 to 20"),
            Case((rng.uniform(-3, 3, size=(5,)).astype(np.float32),), "z (5,) float32")]


TANH_PRIME = Exercise(
    name="tanh_prime",
    points=2,
    make_cases=_tanh_cases,
    reference=tanh_prime,
    gradient=elementwise_numerical(np.tanh),
    references=("mlp_lib.activations:tanh_prime",),
    mistakes=[
        Mistake("the formula 1 - a^2 holds for a = tanh(z), the activation's output; here it was applied "
                "to z itself. Compute tanh(z) first, then 1 - tanh(z)^2.", lambda z: 1 - z ** 2),
        Mistake("the derivative is evaluated at the activation's output a = tanh(z) instead of at z: tanh "
                "ends up applied twice. tanh_prime takes the pre-activation z.",
                lambda z: tanh_prime(np.tanh(z))),
        Mistake("this is tanh itself, not its derivative.", lambda z: np.tanh(z)),
        Mistake("the square is missing: the derivative is 1 - tanh(z)^2, not 1 - tanh(z).",
                lambda z: 1 - np.tanh(z)),
        Mistake("the sign is wrong: the derivative is 1 minus tanh(z)^2 (it is at most 1, at z = 0).",
                lambda z: 1 + np.tanh(z) ** 2),
        Mistake("this is the sigmoid's rule t(1 - t) applied to t = tanh(z); tanh's derivative is "
                "1 - tanh(z)^2.", lambda z: np.tanh(z) * (1 - np.tanh(z))),
    ],
)


# -- leaky_relu_prime -----------------------------------------------------------------

def _leaky_cases(rng):
    def z_with_zeros(shape, dtype=np.float64):
        z = _away_from_zero(rng.uniform(-3, 3, size=shape))
        z.flat[::4] = 0.0     # exact zeros: the slope there is a convention (the left one)
        return z.astype(dtype)
    z1, z2, z3, z4 = z_with_zeros((4, 3)), z_with_zeros((8,)), z_with_zeros((1, 5)), z_with_zeros((3, 4), np.float32)
    return [Case((z2, 0.0), _label(z2, ", alpha 0 (plain ReLU)")),
            Case((z1,), _label(z1, ", alpha left at its default 0.01")),
            Case((z3, 0.2), _label(z3, ", alpha 0.2")),
            Case((z4, 0.1), _label(z4, ", alpha 0.1"))]


def _leaky_numerical(case):
    """Centred differences away from the kink; at z = 0 exactly, the course's convention alpha."""
    z = np.asarray(case.args[0], dtype=np.float64)
    alpha = case.args[1] if len(case.args) > 1 else 0.01
    numeric = (leaky_relu(z + H, alpha) - leaky_relu(z - H, alpha)) / (2 * H)
    return np.where(z == 0, alpha, numeric)


def _leaky_mistake(rule):
    def compute(z, alpha=0.01):
        return rule(z, alpha).astype(np.result_type(z, np.float32))
    return compute


LEAKY_RELU_PRIME = Exercise(
    name="leaky_relu_prime",
    regions=_sign_regions,
    points=2,
    make_cases=_leaky_cases,
    reference=leaky_relu_prime,
    gradient=_leaky_numerical,
    references=("mlp_lib.activations:leaky_relu_prime", "mlp_lib.activations:relu_prime"),
    mistakes=[
        Mistake("the mask comes from the activation's output a with a >= 0: a ReLU's output is never "
                "negative, so that test is true everywhere and the slope is 1 even where z < 0. Take the "
                "mask from the pre-activation z, with z > 0.",
                _leaky_mistake(lambda z, alpha: np.where(leaky_relu(z, alpha) >= 0, 1.0, alpha))),
        Mistake("this is the activation's value (z or alpha z), not its slope: the derivative is 1 where "
                "z > 0 and alpha elsewhere.", _leaky_mistake(lambda z, alpha: leaky_relu(z, alpha))),
        Mistake("on the negative side the slope is alpha z, the activation's value there, but the "
                "derivative of alpha z is the constant alpha.",
                _leaky_mistake(lambda z, alpha: np.where(z > 0, 1.0, alpha * z))),
        Mistake("the slope for z < 0 is 0, as for plain ReLU: leaky ReLU keeps the small slope alpha there.",
                _leaky_mistake(lambda z, alpha: (z > 0) * 1.0)),
        Mistake("at z = 0 exactly the slope should be alpha (the course takes the left-hand slope there, "
                "0 for plain ReLU): test z > 0, not z >= 0.",
                _leaky_mistake(lambda z, alpha: np.where(z >= 0, 1.0, alpha))),
        Mistake("the two slopes are swapped: 1 where z > 0, alpha elsewhere.",
                _leaky_mistake(lambda z, alpha: np.where(z > 0, alpha, 1.0))),
        Mistake("the alpha argument is ignored (0.01 is used whatever alpha is passed).",
                _leaky_mistake(lambda z, alpha: np.where(z > 0, 1.0, 0.01))),
    ],
)


# -- numerical_gradient ---------------------------------------------------------------

def _gradient_cases(rng):
    """(f, x) or (f, x, h), where f() reads the very array x (perturb it in place)."""
    cases = []
    for shape, h in [((4,), None), ((2, 3), 1e-4), ((1,), None), ((3, 2), 0.05)]:
        x = rng.uniform(-2, 2, size=shape)
        size = x.size
        f = ScalarFunction(x, rng.uniform(0.5, 1.5, size=size), rng.standard_normal((size + 1, size)))
        args = (f, x) if h is None else (f, x, h)
        cases.append(Case(args, f"x {shape}" + (f", h {h:g}" if h is not None else ", h left at its default")))
    return cases


def _h(args):
    return args[2] if len(args) > 2 else 1e-5


def _loop(step):
    """A mistaken numerical gradient visiting every entry of x; step(f, x, i, h) -> its estimate."""
    def compute(*args):
        f, x, h = args[0], args[1], _h(args)
        grad = np.zeros(x.shape)
        for i in np.ndindex(x.shape):
            grad[i] = step(f, x, i, h)
        return grad
    return compute


def _forward_step(f, x, i, h):
    old = x[i]
    f0 = f()
    x[i] = old + h
    f1 = f()
    x[i] = old
    return (f1 - f0) / h


def _centred_step(scale=2.0, half_steps=False, restore=True, h_used=None):
    def step(f, x, i, h):
        h = h if h_used is None else h_used
        d = h / 2 if half_steps else h
        old = x[i]
        x[i] = old + d
        f_plus = f()
        x[i] = old - d
        f_minus = f()
        if restore:
            x[i] = old
        return (f_plus - f_minus) / (scale * h)
    return step


def _two_points(up, down, scale, sign=-1.0):
    """An estimate from the points x_i + up·h and x_i - down·h: (f_up + sign · f_down) / (scale · h)."""
    def step(f, x, i, h):
        old = x[i]
        x[i] = old + up * h
        f_up = f()
        x[i] = old - down * h
        f_down = f()
        x[i] = old
        return (f_up + sign * f_down) / (scale * h)
    return step


def _close_to_true_gradient(case, value):
    """With the default step, the estimate must match the exact gradient of the test function."""
    f, x = case.args[0], case.args[1]
    if len(case.args) > 2:
        return None
    err = rel_error(value, f.gradient())
    if not err < 1e-7:
        return (f"on the case {case.label} the result is {err:.1e} away from the exact gradient "
                f"(relative error; a centred difference with h = 1e-5 is within 1e-7).")
    return None


NUMERICAL_GRADIENT = Exercise(
    name="numerical_gradient",
    points=3,
    make_cases=_gradient_cases,
    reference=lambda *args: numerical_gradient(args[0], args[1], _h(args)),
    extra=_close_to_true_gradient,
    references=("mlp_lib.gradcheck:numerical_gradient", "mlp_lib.gradcheck:numerical_gradient_array"),
    mistakes=[
        Mistake("this is the forward difference (f(x + h) - f(x)) / h, whose error shrinks only like h. "
                "The centred difference (f(x + h) - f(x - h)) / (2h) cancels the h term and is far more "
                "accurate.", _loop(_forward_step)),
        Mistake("the step is scaled wrongly: the two points x + h and x - h are 2h apart, so divide their "
                "difference by 2h, not by h.", _loop(_centred_step(scale=1.0))),
        Mistake("the two points are x + h/2 and x - h/2, only h apart, but the difference is divided by 2h: "
                "either step by h on each side or divide by h.",
                _loop(_centred_step(half_steps=True))),
        Mistake("x is not restored after each entry: once the entry x_i has been moved to x_i - h it must be put "
                "back to its old value, otherwise every later entry is measured at a shifted point (and the "
                "caller's x is left changed).", _loop(_centred_step(restore=False))),
        Mistake("this is the backward difference (f(x) - f(x - h)) / h, whose error shrinks only like h. "
                "The centred difference (f(x + h) - f(x - h)) / (2h) cancels the h term and is far more "
                "accurate.", _loop(_two_points(0.0, 1.0, 1.0))),
        Mistake("only one of the two points is moved: the difference of f at x and at x - h (or x + h) is "
                "divided by 2h, which gives about half the slope. Evaluate f at x + h and at x - h.",
                _loop(_two_points(0.0, 1.0, 2.0))),
        Mistake("only one of the two points is moved: the difference of f at x + h and at x is divided by 2h, "
                "which gives about half the slope. Evaluate f at x + h and at x - h.",
                _loop(_two_points(1.0, 0.0, 2.0))),
        Mistake("the two values of f are added instead of subtracted: f(x + h) + f(x - h) is about 2 f(x), so "
                "the estimate is about f(x) / h, huge. The slope comes from their difference.",
                _loop(_two_points(1.0, 1.0, 2.0, sign=1.0))),
        Mistake("the argument h is ignored: use the step you are given.",
                _loop(_centred_step(h_used=1e-5))),
        Mistake("every estimate is 0: f reads the array x itself, so changing a copy of x changes nothing "
                "f sees. Change the entry of x itself (to its old value plus h), evaluate f again, and put the old "
                "value back.",
                lambda *args: np.zeros(np.shape(args[1]))),
    ],
)


EXERCISES = [STABLE_SIGMOID, SIGMOID_PRIME, TANH_PRIME, LEAKY_RELU_PRIME, NUMERICAL_GRADIENT]

check_stable_sigmoid = make_check(STABLE_SIGMOID)
check_sigmoid_prime = make_check(SIGMOID_PRIME)
check_tanh_prime = make_check(TANH_PRIME)
check_leaky_relu_prime = make_check(LEAKY_RELU_PRIME)
check_numerical_gradient = make_check(NUMERICAL_GRADIENT)
