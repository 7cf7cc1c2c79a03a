"""Gradient clipping: keep one step from being too large, by the global norm or by value.

For the gradients g_k of all the parameters, seen as one long vector g:

    by norm:   g <- g * min(1, c / ||g||),   ||g|| = sqrt(sum_k sum(g_k ** 2))
               (one factor for every parameter: the direction of the step is kept);
    by value:  every entry clipped into [-v, v] (each entry on its own: the direction changes).

``torch.nn.utils.clip_grad_norm_`` and ``clip_grad_value_`` do the same in place (the norm
with an epsilon of 1e-6 added to ||g||); ``clip_gradients`` returns new arrays instead.
"""
import numpy as np

from .validation import Spec, as_array, check_real, checked, custom


def _gradient_dict(value, name):
    if not isinstance(value, dict) or not value:
        raise TypeError(f"{name} must be a non-empty dict of gradients such as {{'W1': dW1, 'b1': db1}}, "
                        f"got {type(value).__name__} {value!r:.60}")
    return {k: as_array(g, f"{name}[{k!r}]") for k, g in value.items()}


def _limit(value, name):
    return None if value is None else check_real(value, name, 0, low_open=True)


def _some_limit(args):
    if args["max_norm"] is None and args["max_value"] is None:
        raise ValueError("clip_gradients needs max_norm (clip by the global L2 norm) or max_value (clip every "
                         "entry into [-max_value, max_value]), or both; got neither")


GRADIENTS = custom(_gradient_dict, "a dict of gradient arrays")
LIMIT = Spec(_limit, "None or a positive number")


def global_norm(grads):
    """The L2 norm of all the gradients together: sqrt of the sum of every squared entry.
    grads: dict name -> array (any shapes) -> float."""
    return float(np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads.values())))


@checked(grads=GRADIENTS, max_norm=LIMIT, max_value=LIMIT, extra=_some_limit)
def clip_gradients(grads, max_norm=None, max_value=None):
    """Clip gradients by value, then by their global norm; the input is not modified.

    grads: dict name -> array, e.g. {"W1": (D, H), "b1": (H,), ...} (finite values);
    max_norm: c > 0: if the global norm ||g|| of all the arrays together exceeds c, every
        array is multiplied by the same factor c / ||g|| (direction kept); None: no norm clipping;
    max_value: v > 0: every entry is clipped into [-v, v]; None: no value clipping.
    -> dict with the same keys, arrays of the same shapes and dtypes (new arrays).
    """
    if max_value is not None:
        grads = {k: np.clip(g, -max_value, max_value) for k, g in grads.items()}
    if max_norm is not None:
        norm = global_norm(grads)
        if norm > max_norm:
            scale = max_norm / norm
            return {k: g * g.dtype.type(scale) for k, g in grads.items()}
    return {k: np.array(g, copy=True) for k, g in grads.items()}


def checked_clip_result(clipped, grads):
    """A clipping function's result (a learner's, in the training loop): a dict of arrays with the keys and shapes of grads."""
    if not isinstance(clipped, dict) or set(clipped) != set(grads):
        raise TypeError(f"the clip function must return a dict with the keys {sorted(grads)} of the gradients "
                        f"it was given, got {type(clipped).__name__}"
                        + (f" with keys {sorted(clipped)}" if isinstance(clipped, dict) else ""))
    for name, g in grads.items():
        if np.shape(clipped[name]) != g.shape:
            raise ValueError(f"the clip function must keep the shape of every gradient: {name} has shape "
                             f"{g.shape}, the clipped one {np.shape(clipped[name])}")
    return clipped


def gradients_changed(before, after):
    """True when any array of ``after`` differs from the same-named one of ``before``."""
    return any(not np.array_equal(before[k], after[k]) for k in before)
