"""Activation functions and their derivatives with respect to the pre-activation z.

Each activation ``f`` maps an array ``z`` of any shape to ``a = f(z)`` of the same
shape, and ``f_prime(z)`` is the elementwise derivative ``da/dz`` evaluated at
``z`` (not at ``a``). Everything stays finite and warning-free for |z| up to 1e4.
"""
import numpy as np

from .validation import ANY, AXIS, axis_in_range, checked, lookup, real


@checked(z=ANY)
def sigmoid(z):
    """Logistic sigmoid 1 / (1 + exp(-z)), computed without overflow. z: any shape."""
    e = np.exp(-np.abs(z))          # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


@checked(z=ANY)
def sigmoid_prime(z):
    """d sigmoid / dz = sigmoid(z) * (1 - sigmoid(z)). z: any shape."""
    s = sigmoid.unchecked(z)        # z is checked already
    return s * (1.0 - s)


@checked(z=ANY)
def tanh(z):
    """Hyperbolic tangent. z: any shape."""
    return np.tanh(z)


@checked(z=ANY)
def tanh_prime(z):
    """d tanh / dz = 1 - tanh(z)**2. z: any shape."""
    t = np.tanh(z)
    return 1.0 - t * t


@checked(z=ANY)
def relu(z):
    """Rectified linear unit max(0, z). z: any shape."""
    return np.maximum(z, 0)


@checked(z=ANY)
def relu_prime(z):
    """d relu / dz: 1 where z > 0, else 0 (we take 0 at z = 0). z: any shape."""
    return (z > 0).astype(np.result_type(z, np.float32))


@checked(z=ANY, alpha=real(0, 1, high_open=True))
def leaky_relu(z, alpha=0.01):
    """Leaky ReLU: z where z > 0, alpha * z elsewhere. z: any shape."""
    return np.where(z > 0, z, alpha * z)


@checked(z=ANY, alpha=real(0, 1, high_open=True))
def leaky_relu_prime(z, alpha=0.01):
    """d leaky_relu / dz: 1 where z > 0, alpha elsewhere. z: any shape."""
    dtype = np.result_type(z, np.float32)
    return np.where(z > 0, dtype.type(1), dtype.type(alpha))


@checked(z=ANY)
def identity(z):
    """The identity, used for the output layer before a loss. z: any shape."""
    return z


@checked(z=ANY)
def identity_prime(z):
    """d identity / dz = 1. z: any shape."""
    return np.ones_like(z)


@checked(z=ANY, axis=AXIS, extra=axis_in_range)
def softmax(z, axis=-1):
    """Softmax along ``axis`` (classes), shifted by the max so exp never overflows.

    z: (N, C) logits -> (N, C) probabilities whose rows sum to 1.
    """
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


@checked(z=ANY, axis=AXIS, extra=axis_in_range)
def log_softmax(z, axis=-1):
    """log(softmax(z)) by the log-sum-exp trick: finite even where softmax underflows.

    z: (N, C) logits -> (N, C) log-probabilities.
    """
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (tanh, tanh_prime),
    "relu": (relu, relu_prime),
    "leaky_relu": (leaky_relu, leaky_relu_prime),
    "identity": (identity, identity_prime),
}


def get_activation(activation):
    """Return the pair ``(f, f_prime)`` for a name in ``ACTIVATIONS`` or a given pair."""
    if isinstance(activation, tuple):
        if len(activation) != 2 or not all(callable(g) for g in activation):
            raise TypeError(f"an activation pair must be (f, f_prime), two functions; got {activation!r}")
        return activation
    if not isinstance(activation, str):
        raise TypeError(f"activation must be a name (one of {sorted(ACTIVATIONS)}) or a tuple (f, f_prime) "
                        f"of two functions; got {activation!r}")
    return lookup(ACTIVATIONS, activation, "activation")
