"""Numerical gradients by centred differences, the tool that checks every backward pass.

    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2h)

has an error of order h**2; in float64 with h = 1e-5 a correct analytic gradient
agrees to a relative error around 1e-9 or better, a wrong one to 1e-2 or worse.
"""
import numpy as np

from .validation import (FUNCTION, POSITIVE, checked, finite_gradient, gradient_output, gradient_point,
                         gradient_step, model_with_params)


@checked(f=FUNCTION, x=gradient_point, h=POSITIVE, extra=gradient_step, post=finite_gradient)
def numerical_gradient(f, x, h=1e-5):
    """Gradient of a scalar function by centred differences.

    f: function of no arguments returning a float, reading ``x``; x: float32 or float64 array of
    any shape, perturbed in place one entry at a time and restored -> grad: float64, same shape.
    The step divided by is the one actually taken, x_i + h minus x_i - h after rounding to x's dtype.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        try:
            x[i] = old + h
            x_plus, f_plus = float(x[i]), f()
            x[i] = old - h
            x_minus, f_minus = float(x[i]), f()
        finally:
            x[i] = old
        grad[i] = (f_plus - f_minus) / (x_plus - x_minus)
    return grad


@checked(f=FUNCTION, x=gradient_point, dout="*", h=POSITIVE, extra=gradient_output)
def numerical_gradient_array(f, x, dout, h=1e-5):
    """Gradient of sum(f() * dout) with respect to x: what a backward pass returns
    for the upstream gradient ``dout``.

    f: function of no arguments returning an array shaped like dout, reading ``x``;
    x: any shape (perturbed in place and restored) -> grad: same shape as x.
    """
    return numerical_gradient.unchecked(lambda: float(np.sum(f() * dout)), x, h)


@checked(a="*", b="like a")
def rel_error(a, b):
    """Relative error ||a - b|| / max(||a|| + ||b||, 1e-12), in [0, 1]; 0 means equal."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12))


@checked(model=model_with_params, h=POSITIVE)
def check_model_gradients(model, X, y, h=1e-5, seed=0):
    """Compare ``model.loss``'s analytic gradients with numerical ones, parameter by parameter.

    X: (N, D); y: targets. Each evaluation draws dropout masks from a generator freshly
    seeded with ``seed``, so the mask stays fixed. -> {param name: relative error}.
    Use a float64 model: float32 rounding swamps centred differences. With ReLU, give the
    biases random non-zero values first: a pre-activation at exactly 0 sits on ReLU's kink,
    where the centred difference and the derivative disagree.
    """
    def loss():
        return model.loss(X, y, rng=np.random.default_rng(seed))[0]

    _, grads = model.loss(X, y, rng=np.random.default_rng(seed))
    return {name: rel_error(grads[name], numerical_gradient(loss, param, h))
            for name, param in model.params.items()}
