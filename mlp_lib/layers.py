"""Layers as pure pairs: ``*_forward(...) -> (out, cache)`` and ``*_backward(dout, cache)``.

A batch is rows: ``X`` is (N, D), a weight ``W`` is (D, M), a bias ``b`` is (M,),
and the affine layer computes ``z = X @ W + b`` of shape (N, M).
"""
import numpy as np

from .validation import (ACTIVATION, ACTIVATION_CACHE, AFFINE_CACHE, ANY, BATCHNORM_CACHE, DROPOUT_CACHE,
                         FLAG, FRACTION, NONNEG, RNG_OR_NONE, RUNNING, UNIT, batchnorm_arguments, checked,
                         activation_backward_arguments, dropout_arguments, dropout_backward_arguments)


@checked(X="N,D", W="D,M", b="M")
def affine_forward(X, W, b):
    """z = X @ W + b.

    X: (N, D), W: (D, M), b: (M,) -> out z: (N, M), cache (X, W).
    """
    return X @ W + b, (X, W)


@checked(cache=AFFINE_CACHE, dout="N,M", input_grad=FLAG)
def affine_backward(dout, cache, input_grad=True):
    """Gradients of the affine layer.

    dout: (N, M) upstream gradient dL/dz; cache from affine_forward
    -> dX: (N, D) = dout @ W.T, dW: (D, M) = X.T @ dout, db: (M,) = dout summed over the batch.
    input_grad=False skips dX (returned as None): the network's input needs no gradient.
    """
    X, W = cache
    dX = dout @ W.T if input_grad else None
    return dX, X.T @ dout, dout.sum(axis=0)


@checked(z=ANY, activation=ACTIVATION)
def activation_forward(z, activation):
    """a = f(z) for an activation pair ``(f, f_prime)``.

    z: any shape -> a: same shape, cache (z, f_prime).
    """
    f, f_prime = activation
    return f(z), (z, f_prime)


@checked(cache=ACTIVATION_CACHE, da=ANY, extra=activation_backward_arguments)
def activation_backward(da, cache):
    """dz = da * f'(z), the chain rule through an elementwise activation.

    da: upstream gradient dL/da, same shape as z -> dz: same shape.
    """
    z, f_prime = cache
    return da * f_prime(z)


@checked(X=ANY, p=FRACTION, rng=RNG_OR_NONE, train=FLAG, extra=dropout_arguments)
def dropout_forward(X, p, rng=None, train=True, mask=None):
    """Inverted dropout: in training, zero each unit with probability p and scale the rest by 1/(1-p).

    X: (N, H); p: drop probability in [0, 1); rng: a np.random.Generator (needed when
    training unless ``mask`` is given); mask: optional fixed (N, H) array of 0/1 keep flags.
    -> out: (N, H), cache: the scaled mask (None in evaluation, where out is X itself).
    """
    if not train or p == 0:
        return X, None
    if mask is None:
        if rng is None:
            raise ValueError("dropout_forward in training needs rng (a np.random.Generator) or a fixed mask")
        mask = rng.random(X.shape) >= p
    scaled_mask = mask.astype(X.dtype) / X.dtype.type(1 - p)
    return X * scaled_mask, scaled_mask


@checked(dout=ANY, cache=DROPOUT_CACHE, extra=dropout_backward_arguments)
def dropout_backward(dout, cache):
    """Gradient of inverted dropout. dout: (N, H) -> dX: (N, H)."""
    return dout if cache is None else dout * cache


@checked(X="N,H", gamma="H", beta="H", running=RUNNING, train=FLAG, momentum=UNIT, eps=NONNEG,
         extra=batchnorm_arguments)
def batchnorm_forward(X, gamma, beta, running, train=True, momentum=0.1, eps=1e-5):
    """Batch normalization over the batch axis, with running statistics (as torch.nn.BatchNorm1d).

    X: (N, H); gamma, beta: (H,); running: dict {"mean": (H,), "var": (H,)}.
    Training normalizes with the batch mean and (biased) variance and returns updated
    running statistics, ``new = (1 - momentum) * old + momentum * batch`` (the
    unbiased batch variance, as PyTorch); evaluation normalizes with the running ones.
    -> out: (N, H), cache, new running dict.
    """
    if train:
        N = X.shape[0]
        mu = X.mean(axis=0)
        var = X.var(axis=0)
        unbiased = var * (N / (N - 1)) if N > 1 else var
        running = {
            "mean": (1 - momentum) * running["mean"] + momentum * mu,
            "var": (1 - momentum) * running["var"] + momentum * unbiased,
        }
    else:
        mu, var = running["mean"], running["var"]
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (X - mu) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, train), running


@checked(cache=BATCHNORM_CACHE, dout="N,H")
def batchnorm_backward(dout, cache):
    """Gradients of batch normalization.

    dout: (N, H) -> dX: (N, H), dgamma: (H,), dbeta: (H,).
    In training the batch statistics depend on X, which gives the compact form
    dX = inv_std / N * (N * dx_hat - sum(dx_hat) - x_hat * sum(dx_hat * x_hat)).
    """
    x_hat, gamma, inv_std, train = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    if not train:
        return dx_hat * inv_std, dgamma, dbeta
    N = dout.shape[0]
    dX = (inv_std / N) * (N * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    return dX, dgamma, dbeta
