"""Input validation for every public function: one thin layer at the boundary.

A public function states its contract in one decorator line, ``@checked(X="N,D", W="D,M", b="M")``,
and its body stays the maths. Every violation raises ``TypeError`` (wrong kind of thing) or
``ValueError`` (right kind, wrong shape or value) with a message naming what was expected and
what was given; nothing is silently reshaped, truncated or computed in the wrong precision.

The contract, the same for every array argument of every public function:

* **Numbers only.** Lists, tuples, ``np.matrix`` and read-only, non-contiguous or Fortran-ordered
  arrays are accepted and read as plain ``ndarray`` (never modified). ``bool``, integer and
  ``float16`` arrays are converted to float64 on purpose (NumPy would compute int8/uint8/bool
  in float16, three significant digits); float32 and float64 are kept. Complex numbers, objects
  and strings are refused with a ``TypeError`` (NumPy would drop an imaginary part with a warning).
* **Shapes.** A spec such as ``"N,D"`` fixes the number of dimensions; a letter used by two
  arguments must have the same size in both (``affine_forward``: X is (N, D), W is (D, M), b is
  (M,)), and the message names both shapes. ``"*"`` is any shape, ``"like param"`` the shape of
  another argument, ``"N|N,1"`` lists alternatives.
* **Not empty.** Every array must hold at least one number: an empty batch has no mean, no
  loss, no accuracy and no batch statistics (NumPy returns NaN or raises from deep inside).
* **Finite.** Every array argument of a checked call must be finite. A NaN in a public call's
  input is refused rather than passed on: an activation or a layer would hand it on silently,
  and a metric, a split or a label lookup would turn it into a plausible-looking number.
  Decided per function: ``iterate_minibatches`` does not scan (it only hands back rows of its
  input, unchanged, and the training loop's X was checked by the model); ``numerical_gradient``
  also refuses a non-finite result (f undefined next to x); ``load_params`` checks every array
  it reads, after converting it to the model's dtype (a float64 value may overflow float32).
  Values computed inside the training loop (logits, gradients) are not scanned: a diverging
  run is caught by the loop's own check of the loss.
* **Hyperparameters** have the ranges of ``torch.optim`` or stricter (``lr >= 0``, ``eps >= 0``
  where no 0/0 arises and ``eps > 0`` in training, ``0 <= beta < 1``, ``0 <= momentum < 1``, ...),
  and flags must be real booleans (``"no"`` is not False). Sizes have limits (``MAX_SAMPLES``,
  ``MAX_CLASSES``, ``MAX_FAN``) so that a typo cannot ask for gigabytes.
* **The model and the loop.** ``MLP.check_data`` checks X and y once per call (an empty X is
  refused); batch norm in training needs two samples per batch (``check_batchnorm_batch``);
  ``train`` checks its callbacks, each scheduled rate and the optimizer's keyword arguments, the
  values through the rule's own contract (``check_call``).

The fast path: a checked function keeps its unchecked body as ``f.unchecked``
(``unchecked(f)`` also accepts a learner's plain function and returns it as it is). The model
and the training loop check X and y once and then call the unchecked bodies, so the checks
cost nothing per step. A loss called with ``check=False`` skips its checks too.

Helpers other modules use: ``as_float_array``, ``as_labels``, ``check_same_length``,
``check_positive``, ``check_nonnegative``, ``check_probability``, ``check_real``, ``check_flag``,
``check_float_dtype``, ``check_finite``, ``lookup``, ``as_rng``,
``unchecked``, ``check_call`` (validate a call of a checked function without making it: the
training loop can check an optimizer's keyword arguments once, before the first step).
"""
import functools
import inspect
import numbers

import numpy as np

_CONVERTED_KINDS = "biu"                          # bool, signed, unsigned integers -> float64


# -- small helpers for messages -------------------------------------------------------------

def _interval(low, high, low_open, high_open):
    if low is None and high is None:
        return ""
    if high is None:
        return f"> {low}" if low_open else f">= {low}"
    if low is None:
        return f"< {high}" if high_open else f"<= {high}"
    return f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"


def _kind_of(x):
    if x is None:
        return "None"
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    if isinstance(x, (tuple, list, dict, set)):
        return f"a {type(x).__name__} of {len(x)} item(s)"
    return f"{type(x).__name__} {x!r}"[:80]


def _shape_text(option):
    """["N", "D"] -> "(N, D)", ["M"] -> "(M,)"."""
    return f"({option[0]},)" if len(option) == 1 else f"({', '.join(option)})"


def _first(arr):
    return arr.flat[0] if arr.size else None


# -- arrays --------------------------------------------------------------------------------

def as_array(x, name, finite=True, nonempty=True, dtype=None):
    """``x`` as a real floating-point ndarray (see the module docstring), or raise."""
    if isinstance(x, (str, bytes, dict, set)) or x is None or callable(x):
        raise TypeError(f"{name} must be an array of numbers, got {_kind_of(x)}")
    if isinstance(x, np.ndarray) and type(x) is not np.ndarray:
        x = np.asarray(x)                         # np.matrix: * would be a matrix product
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:        # ragged nested lists and the like
        raise TypeError(f"{name} must be a rectangular array of numbers; {exc}") from None
    kind = arr.dtype.kind
    if kind == "c":
        raise TypeError(f"{name} must hold real numbers, got complex values (dtype {arr.dtype}); "
                        f"take .real or np.abs(...) first if that is what you mean")
    if kind not in "fbiu":
        raise TypeError(f"{name} must be an array of numbers, got dtype {arr.dtype} "
                        f"(e.g. {_first(arr)!r:.40})")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    elif kind in _CONVERTED_KINDS or arr.dtype == np.float16:
        arr = arr.astype(np.float64)
    if nonempty and arr.size == 0:
        raise ValueError(f"{name} must hold at least one number, got an empty array of shape {arr.shape}")
    if finite:
        check_finite(arr, name)
    return arr


def check_finite(arr, name):
    """Raise unless every entry of the array ``arr`` is finite."""
    if not np.isfinite(arr).all():
        bad = ~np.isfinite(arr)
        where = tuple(int(i) for i in np.argwhere(bad)[0]) if arr.ndim else ()
        raise ValueError(f"{name} contains {int(bad.sum())} NaN or infinite value(s) of {arr.size} "
                         f"(the first at index {where}); expected finite numbers")
    return arr


def as_float_array(x, name, ndim=None, dtype=None, nonempty=False):
    """Return ``x`` as a finite floating-point array, or raise.

    x: array-like; name: how the argument is called in messages;
    ndim: an int or a tuple of allowed numbers of dimensions; dtype: convert to it.
    """
    arr = as_array(x, name, finite=False, nonempty=nonempty, dtype=dtype)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}, got an array of shape {arr.shape}")
    return check_finite(arr, name)


def check_same_length(X, y, x_name="X", y_name="y"):
    """Raise unless ``X`` and ``y`` have the same number of samples (rows)."""
    for value, name in ((X, x_name), (y, y_name)):
        sized = hasattr(value, "__len__") and getattr(value, "ndim", 1) != 0
        if isinstance(value, (str, bytes, dict, set)) or not sized:
            raise TypeError(f"{name} must be an array with one entry per sample, got {_kind_of(value)}")
    if len(X) != len(y):
        raise ValueError(
            f"{x_name} and {y_name} must have the same number of samples: "
            f"{x_name} has {len(X)} rows, {y_name} has {len(y)}"
        )


def as_labels(y, C=None, name="y"):
    """Integer class labels (N,) in 0..C-1 (0 or more when C is None) as an intp array.

    Floats are accepted only when every value is a whole number: probabilities or scores
    passed by mistake are refused, with the way to turn them into labels.
    """
    if isinstance(y, (str, bytes, dict, set)) or y is None:
        raise TypeError(f"{name} must be integer class labels, got {_kind_of(y)}")
    try:
        arr = np.asarray(y)
    except (ValueError, TypeError) as exc:
        raise TypeError(f"{name} must be a 1-D array of integer class labels; {exc}") from None
    span = "0..C-1" if C is None else f"0..{C - 1}"
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold integer class labels {span}, got dtype {arr.dtype}")
    if arr.ndim == 2 and arr.shape[1] > 1 and arr.dtype.kind == "f":
        raise ValueError(f"{name} must be 1-D integer labels of shape (N,), got shape {arr.shape}: for "
                         f"probabilities or one-hot rows (N, C) take labels = np.argmax({name}, axis=1)")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D integer labels of shape (N,), got shape {arr.shape}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinite values; expected integer class labels {span}")
        if not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must hold integer class labels {span}, got dtype {arr.dtype} with "
                             f"non-integer values such as {float(arr[arr != np.round(arr)][0])}: for probabilities "
                             f"take np.argmax(p, axis=1) (classes) or (p > 0.5).astype(int) (binary)")
    if arr.size and (arr.min() < 0 or (C is not None and arr.max() >= C)):
        raise ValueError(f"{name} must hold class labels in {span}" + ("" if C is None else f" (C={C})") +
                         f", got values from {arr.min()} to {arr.max()}")
    return arr.astype(np.intp)


# -- scalars -------------------------------------------------------------------------------

def check_real(value, name, low=None, high=None, low_open=False, high_open=False, integer=False):
    """Return ``value`` as a float (int if ``integer``) in the interval given, or raise.

    bool is not a number here; NaN and infinities are refused.
    """
    kind = numbers.Integral if integer else numbers.Real
    interval = _interval(low, high, low_open, high_open)
    if high is None and low is not None and (low == 0 and low_open or integer and low == 1 and not low_open):
        want = "a positive integer" if integer else "a positive number"
    else:
        want = ("an integer" if integer else "a number") + (
            "" if not interval else f" {interval}" if interval[0] in "<>" else f" in {interval}")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, kind):
        raise TypeError(f"{name} must be {want}, got {value!r} ({type(value).__name__})")
    if not np.isfinite(value) or (low is not None and (value <= low if low_open else value < low)) \
            or (high is not None and (value >= high if high_open else value > high)):
        raise ValueError(f"{name} must be {want}, got {value!r}")
    return int(value) if integer else float(value)


def check_positive(value, name, integer=False):
    """Raise unless ``value`` is a positive (integer, if asked) number; return it."""
    kind = numbers.Integral if integer else numbers.Real
    want = "a positive integer" if integer else "a positive number"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, kind):
        raise TypeError(f"{name} must be {want}, got {value!r} ({type(value).__name__})")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be {want}, got {value!r}")
    return value


def check_probability(value, name, high_inclusive=False):
    """Raise unless ``0 <= value < 1`` (``<= 1`` if ``high_inclusive``); return it as a float."""
    return check_real(value, name, 0, 1, high_open=not high_inclusive)


def check_flag(value, name):
    """Raise unless ``value`` is True or False (a string such as "no" is not False)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")
    return bool(value)


def check_float_dtype(dtype, name="dtype"):
    """Return ``np.dtype(dtype)`` if it is float32 or float64, else raise."""
    try:
        found = np.dtype(dtype)
    except (TypeError, ValueError):
        found = None
    if found not in (np.float32, np.float64):
        raise (TypeError if found is None else ValueError)(
            f"{name} must be np.float32 or np.float64, got {dtype!r}")
    return found


def lookup(registry, name, kind):
    """Return ``registry[name]``; an unknown name raises listing the valid ones."""
    if not isinstance(name, str):
        raise TypeError(f"{kind} must be a name (one of {sorted(registry)}) or a function, got {name!r}")
    try:
        return registry[name]
    except KeyError:
        raise ValueError(f"unknown {kind} {name!r}; valid names are: {', '.join(sorted(registry))}") from None


def as_rng(rng):
    """Return a ``np.random.Generator`` from a Generator, an int seed >= 0 or None (seed 0)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng(0)
    if isinstance(rng, numbers.Integral) and not isinstance(rng, (bool, np.bool_)):
        if rng < 0:
            raise ValueError(f"a seed must be an integer >= 0, got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(f"rng must be a numpy Generator or an int seed, got {type(rng).__name__}")


# -- specs: what one argument of a checked function must be ----------------------------------

class Spec:
    """Converts and checks one argument: ``spec(value, name, dims) -> value``, where ``dims``
    maps shape letters already seen to (size, the argument that fixed it)."""

    def __init__(self, check, describe):
        self.check, self.describe = check, describe

    def __call__(self, value, name, dims, args):
        return self.check(value, name)

    def __repr__(self):
        return self.describe


class Shape(Spec):
    """An array with a shape spec: letters ("N,D"), literals ("N,1"), "*" (any shape),
    "like other" (the shape of another argument) and alternatives ("N|N,1")."""

    def __init__(self, spec, finite=True, low=None):
        self.spec, self.finite, self.low = spec, finite, low
        self.like = spec[5:] if spec.startswith("like ") else None
        self.options = None if self.like or spec == "*" else \
            [[d.strip() for d in option.split(",")] for option in spec.split("|")]
        self.describe = spec

    def __call__(self, value, name, dims, args):
        arr = as_array(value, name, finite=self.finite)
        if self.like is not None:
            other = args[self.like]
            if arr.shape != other.shape:
                raise ValueError(f"{name} must have the shape of {self.like}, {other.shape}, got {arr.shape}")
        elif self.options is not None:
            self._match(arr, name, dims)
        if self.low is not None and arr.min() < self.low:
            raise ValueError(f"{name} must be >= {self.low} everywhere, got a minimum of {float(arr.min())}")
        return arr

    def _match(self, arr, name, dims):
        fits = [o for o in self.options if len(o) == arr.ndim]
        if not fits:
            want = " or ".join(f"{len(o)}-D {_shape_text(o)}" for o in self.options)
            hint = f"; for one sample use {name}.reshape(1, -1)" if arr.ndim == 1 and all(
                len(o) == 2 for o in self.options) else ""
            raise ValueError(f"{name} must be {want}, got an array of shape {arr.shape}{hint}")
        errors = []
        for option in fits:
            problem = self._bind(option, arr.shape, name, dims, dict(dims))
            if problem is None:
                return
            errors.append(problem)
        raise ValueError(errors[0])

    @staticmethod
    def _bind(option, shape, name, dims, trial):
        for letter, size in zip(option, shape):
            if letter.isdigit():
                if size != int(letter):
                    return f"{name} must have shape {_shape_text(option)}, got {shape}"
            elif letter in trial and trial[letter][0] != size:
                known, source = trial[letter]
                return (f"{name} must have shape {_shape_text(option)} with {letter} = {known} as in "
                        f"{source}, got shape {shape}")
            else:
                trial[letter] = (size, f"{name} {tuple(shape)}")
        dims.update(trial)
        return None


def real(low=None, high=None, low_open=False, high_open=False, integer=False):
    """Spec of a number in an interval (see ``check_real``)."""
    describe = _interval(low, high, low_open, high_open) or "a number"
    return Spec(functools.partial(_check_real_spec, low=low, high=high, low_open=low_open,
                                  high_open=high_open, integer=integer), describe)


def _check_real_spec(value, name, **kw):
    return check_real(value, name, **kw)


def custom(check, describe):
    """Spec from a function ``check(value, name) -> value``."""
    return Spec(check, describe)


FLAG = Spec(check_flag, "True or False")
NONNEG = real(0)                                  # lr, weight_decay
POSITIVE = real(0, low_open=True)                 # eps
FRACTION = real(0, 1, high_open=True)             # beta, alpha of RMSProp, momentum, dropout p
UNIT = real(0, 1)                                 # dampening, batch-norm momentum
ANY = Shape("*")
AXIS = real(integer=True)


def axis_in_range(args):
    """softmax(z, axis): z has at least one dimension, and axis is one of them."""
    z, axis = args["z"], args["axis"]
    if z.ndim == 0:
        raise ValueError(f"z must have at least one dimension (the classes), got a scalar {z!r}")
    if not -z.ndim <= axis < z.ndim:
        raise ValueError(f"axis must be in -{z.ndim}..{z.ndim - 1} for z of shape {z.shape}, got {axis}")


def _optional_rng(value, name):
    return None if value is None else as_rng(value)


RNG_OR_NONE = Spec(_optional_rng, "a np.random.Generator, an int seed or None")


def _function(value, name):
    if not callable(value):
        raise TypeError(f"{name} must be a function, got {_kind_of(value)}")
    return value


FUNCTION = Spec(_function, "a function")


def _activation_pair(value, name):
    from .activations import get_activation      # activations import this module
    return get_activation(value)


ACTIVATION = Spec(_activation_pair, "an activation name or a pair (f, f_prime)")


class Cache(Spec):
    """The cache a forward function returned: a tuple of parts, each with its own spec."""

    def __init__(self, source, **parts):
        self.source = source
        self.parts = {n: Shape(s) if isinstance(s, str) else s for n, s in parts.items()}
        self.describe = f"the cache of {source}: ({', '.join(parts)})"

    def __call__(self, value, name, dims, args):
        if not isinstance(value, (tuple, list)) or len(value) != len(self.parts):
            raise TypeError(f"{name} must be the cache returned by {self.source}, a tuple "
                            f"({', '.join(self.parts)}); got {_kind_of(value)}")
        return tuple(spec(part, f"{name}[{i}] ({part_name})", dims, args)
                     for i, ((part_name, spec), part) in enumerate(zip(self.parts.items(), value)))


class Running(Spec):
    """Batch-norm running statistics: a dict {"mean": (H,), "var": (H,) >= 0}."""
    describe = 'a dict {"mean": (H,), "var": (H,)}'

    def __init__(self):
        self.mean, self.var = Shape("H"), Shape("H", low=0)

    def __call__(self, value, name, dims, args):
        if not isinstance(value, dict) or set(value) != {"mean", "var"}:
            raise TypeError(f'{name} must be a dict {{"mean": (H,), "var": (H,)}}, got {_kind_of(value)}')
        return {"mean": self.mean(value["mean"], f'{name}["mean"]', dims, args),
                "var": self.var(value["var"], f'{name}["var"]', dims, args)}


RUNNING = Running()
AFFINE_CACHE = Cache("affine_forward", X="N,D", W="D,M")
ACTIVATION_CACHE = Cache("activation_forward", z="*", f_prime=FUNCTION)
BATCHNORM_CACHE = Cache("batchnorm_forward", x_hat="N,H", gamma="H", inv_std="H", train=FLAG)


def _dropout_cache(value, name):
    return value if value is None else as_array(value, name)


DROPOUT_CACHE = Spec(_dropout_cache, "None or the scaled mask of dropout_forward")


def dropout_arguments(args):
    """dropout_forward: a fixed mask has X's shape and holds only 0 and 1 (keep flags)."""
    mask = args["mask"]
    if mask is not None:
        mask = as_array(mask, "mask")
        if mask.shape != args["X"].shape:
            raise ValueError(f"mask must have the shape of X, {args['X'].shape}, got {mask.shape}")
        if not np.all((mask == 0) | (mask == 1)):
            raise ValueError("mask must hold only 0 and 1 (keep flags), got values such as "
                             f"{float(mask[(mask != 0) & (mask != 1)][0])}")
        args["mask"] = mask


def activation_backward_arguments(args):
    """activation_backward: the upstream gradient da has the shape of the cached z."""
    z = args["cache"][0]
    if args["da"].shape != z.shape:
        raise ValueError(f"da must have the shape of the cached z, {z.shape}, got {args['da'].shape}")


def dropout_backward_arguments(args):
    """dropout_backward: the cache (the scaled mask) has dout's shape."""
    cache = args["cache"]
    if cache is not None and cache.shape != args["dout"].shape:
        raise ValueError(f"dout must have the shape of the dropout cache, {cache.shape}, got {args['dout'].shape}")


class State(Spec):
    """An update rule's state: None on the first step, else the dict it returned last time,
    holding arrays of the parameter's shape (and a step count ``t`` if ``counted``)."""

    def __init__(self, *keys, counted=False, nonneg=()):
        self.keys, self.counted, self.nonneg = keys, counted, nonneg
        self.describe = f"None or a dict with {', '.join(keys)}"

    def __call__(self, value, name, dims, args):
        if value is None:
            return None
        want = set(self.keys) | ({"t"} if self.counted else set())
        if not isinstance(value, dict) or not want <= set(value):
            raise TypeError(f"{name} must be None (first step) or the state this rule returned, a dict with "
                            f"keys {sorted(want)}; got {_kind_of(value)}"
                            + (f" with keys {sorted(value)}" if isinstance(value, dict) else ""))
        state = dict(value)
        shape = args["param"].shape
        for key in self.keys:
            state[key] = as_array(value[key], f'{name}["{key}"]')
            if state[key].shape != shape:
                raise ValueError(f'{name}["{key}"] must have the shape of param, {shape}, got {state[key].shape}')
            if key in self.nonneg and state[key].min() < 0:
                raise ValueError(f'{name}["{key}"] is a running mean of squares and must be >= 0, '
                                 f"got a minimum of {float(state[key].min())}")
        if self.counted:
            state["t"] = check_real(value["t"], f'{name}["t"]', 0, integer=True)
        return state


def _betas(value, name):
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be a pair (beta1, beta2) of numbers in [0, 1), got {_kind_of(value)}")
    return tuple(check_real(b, f"{name}[{i}]", 0, 1, high_open=True) for i, b in enumerate(value))


BETAS = Spec(_betas, "a pair of numbers in [0, 1)")
UPDATE_RULE = dict(param="*", grad="like param", lr=NONNEG, weight_decay=NONNEG)


def sgd_arguments(args):
    """sgd: Nesterov momentum needs a momentum and zero dampening (as torch.optim.SGD)."""
    if args["nesterov"] and (args["momentum"] <= 0 or args["dampening"] != 0):
        raise ValueError(f"nesterov=True requires momentum > 0 and dampening = 0 (as torch.optim.SGD), got "
                         f"momentum={args['momentum']}, dampening={args['dampening']}")


def nonzero_denominator(args):
    """rmsprop and adam with eps=0 (allowed, as in torch): no entry may divide 0 by 0."""
    if args["eps"] == 0:
        state, g = args["state"], args["grad"]
        key = "s" if "alpha" in args else "v"
        if np.any((g == 0) & (True if state is None else state[key] == 0)):
            raise ValueError("eps=0 with a gradient entry of 0 and no running average yet divides 0 by 0; "
                             "use eps > 0 (default 1e-8)")


EPOCH = real(0, integer=True)


def schedule_function(value, name):
    """A schedule: a function (t, lr0, ...) -> lr or a name in optim.SCHEDULES."""
    if isinstance(value, str):
        from .optim import SCHEDULES              # optim imports this module
        return lookup(SCHEDULES, value, "schedule")
    return _function(value, name)


SCHEDULE = Spec(schedule_function, "a schedule function or name")


def cosine_arguments(args):
    """cosine_lr: the rate goes down from lr0 to lr_min."""
    if args["lr_min"] > args["lr0"]:
        raise ValueError(f"lr_min must be <= lr0, got lr_min={args['lr_min']} and lr0={args['lr0']}")


def warmup_arguments(args):
    """warmup_lr: the keyword arguments of the schedule after the warm-up are that schedule's."""
    check_call(args["after"], 0, args["lr0"], **args["after_kwargs"])


def _gradient_point(x, name):
    if not isinstance(x, np.ndarray) or type(x) is not np.ndarray:
        raise TypeError(f"{name} must be the NumPy array that f reads (it is perturbed in place), "
                        f"got {_kind_of(x)}")
    if x.dtype.kind != "f" or x.dtype == np.float16:
        raise TypeError(f"{name} must be a float64 (or float32) array, got dtype {x.dtype}: a step of h "
                        f"would be rounded away; make x = x.astype(np.float64) the array f reads")
    if not x.flags.writeable:
        raise ValueError(f"{name} must be writable (it is perturbed in place and restored), got a read-only array")
    return as_array(x, name)


gradient_point = Spec(_gradient_point, "the float array f reads")


def _resolvable_step(x, h):
    """Raise unless x + h and x - h differ from x in x's dtype, at every entry."""
    typed = x.dtype.type(h)
    if np.any((x + typed == x) | (x - typed == x)):
        where = tuple(int(i) for i in np.argwhere((x + typed == x) | (x - typed == x))[0])
        raise ValueError(f"h={h} is too small for x[{where}]={float(x[where])} in {x.dtype}: x + h rounds "
                         f"back to x; use a larger h" + (" or float64" if x.dtype != np.float64 else ""))


def _value_of(f, what):
    try:
        return f()
    except Exception as exc:
        raise ValueError(f"f() raised {type(exc).__name__} at the unperturbed x: {exc}") from exc


def gradient_step(args):
    """numerical_gradient: the step survives rounding and f() returns one real number."""
    _resolvable_step(args["x"], args["h"])
    value = _value_of(args["f"], "a number")
    if isinstance(value, (bool, np.bool_)) or not (isinstance(value, numbers.Real) or (
            isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "fiu")):
        raise TypeError(f"f() must return one real number (the loss), got {_kind_of(value)}; for a function "
                        f"with an array output use numerical_gradient_array")


def gradient_output(args):
    """numerical_gradient_array: the step survives rounding and f() has dout's shape."""
    _resolvable_step(args["x"], args["h"])
    value = as_array(_value_of(args["f"], "an array"), "f()", finite=False, nonempty=False)
    if value.shape != args["dout"].shape:
        raise ValueError(f"dout must have the shape of f()'s output, {value.shape}, got {args['dout'].shape}")


def finite_gradient(grad, args):
    """numerical_gradient's result: a NaN means f was NaN or infinite next to x."""
    if not np.isfinite(grad).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(grad))[0])
        raise ValueError(f"the centred difference at x[{where}] is not finite: f() returned NaN or an "
                         f"infinity at x +- h there (is f defined and finite around x?)")
    return grad


def _model_with_params(model, name):
    if not isinstance(getattr(model, "params", None), dict) or not callable(getattr(model, "loss", None)):
        raise TypeError(f"{name} must be an MLP (with .params and .loss(X, y)), got {type(model).__name__}")
    return model


model_with_params = Spec(_model_with_params, "an MLP")


def _labels(value, name):
    labels = as_labels(value, None, name)
    if labels.size == 0:
        raise ValueError(f"{name} must hold at least one label, got an empty array")
    return labels


LABELS = Spec(_labels, "integer class labels (N,)")
MAX_CLASSES = 1000                                # a confusion matrix of 1000 x 1000 counts is 8 MB


def metric_arguments(args):
    """Metrics: y_true and y_pred of the same length; for the per-class counts, every label below
    C (when C is given) and at most ``MAX_CLASSES`` classes (accuracy only compares labels)."""
    y_true, y_pred = args["y_true"], args["y_pred"]
    check_same_length(y_true, y_pred, "y_true", "y_pred")
    if "C" not in args:
        return
    high = int(max(y_true.max(), y_pred.max()))
    C = args["C"]
    if C is None:
        if high >= MAX_CLASSES:
            raise ValueError(f"labels must lie in 0..{MAX_CLASSES - 1} (at most {MAX_CLASSES} classes are "
                             f"counted), got labels up to {high}")
        return
    C = args["C"] = check_real(C, "C", 1, MAX_CLASSES, integer=True)
    if high >= C:
        raise ValueError(f"labels must lie in 0..{C - 1} (C={C}), got values from "
                         f"{int(min(y_true.min(), y_pred.min()))} to {high}")


def _binary_labels(value, name):
    labels = _labels(value, name)
    if labels.max() > 1:
        found = np.unique(labels)
        raise ValueError(f"{name} must hold binary labels 0 and 1 (1 = the positive class), got the labels "
                         f"{found[:10].tolist()}{' ...' if len(found) > 10 else ''}: for C classes use "
                         f"precision_recall(y_true, y_pred, C), or ask one question with (y == k).astype(int)")
    return labels


BINARY_LABELS = Spec(_binary_labels, "binary labels 0/1 (N,)")


def binary_pair(args):
    """Binary metrics: one prediction or score per label."""
    other = "y_pred" if "y_pred" in args else "scores"
    check_same_length(args["y_true"], args[other], "y_true", other)


def both_classes(args):
    """Curves over thresholds: the true labels hold both classes (a rate of 0 / 0 is undefined)."""
    binary_pair(args)
    counts = np.bincount(args["y_true"], minlength=2)
    if counts.min() == 0:
        raise ValueError(f"y_true must hold both classes (at least one 0 and one 1) for a curve of rates, "
                         f"got {counts[0]} negatives and {counts[1]} positives")


def curve_points(args):
    """auc: x and y the same length (at least 2 points) and x sorted, up or down."""
    x, y = args["x"], args["y"]
    check_same_length(x, y, "x", "y")
    if len(x) < 2:
        raise ValueError(f"x and y must hold at least 2 points of a curve, got {len(x)}")
    steps = np.diff(x)
    if np.any(steps < 0) and np.any(steps > 0):
        raise ValueError(f"x must be sorted (increasing or decreasing), got a step up at index "
                         f"{int(np.argmax(steps > 0))} and a step down at index {int(np.argmax(steps < 0))}")


def _fan(value, name):
    return check_real(value, name, 1, MAX_FAN, integer=True)


MAX_FAN = 1_000_000                               # a (1e6, 1) weight matrix is 8 MB
INITIALIZER = dict(fan_in=Spec(_fan, "a positive integer"), fan_out=Spec(_fan, "a positive integer"),
                   rng=Spec(lambda value, name: as_rng(value), "a np.random.Generator or an int seed >= 0"))

MAX_SAMPLES = 10_000_000                          # a generated data set of 10 million points is 160 MB
SAMPLES = real(1, MAX_SAMPLES, integer=True)
SEED = Spec(lambda value, name: as_rng(value), "a np.random.Generator or an int seed >= 0")


def _data_kept(value, name):
    if isinstance(value, np.ndarray) and type(value) is np.ndarray:
        arr = value
    else:
        try:
            arr = np.asarray(value)
        except (ValueError, TypeError) as exc:
            raise TypeError(f"{name} must be a rectangular array of numbers; {exc}") from None
    as_array(arr, name, finite=False)             # complex, objects, strings, empty: refused
    if arr.ndim == 0:
        raise ValueError(f"{name} must have a first axis of samples, got a scalar {arr!r}")
    return arr


DATA = Spec(_data_kept, "an array of samples (dtype kept)")


def _finite_data(value, name):
    return check_finite(_data_kept(value, name), name)


FINITE_DATA = Spec(_finite_data, "an array of finite samples (dtype kept)")


def same_length(args):
    """X and y: one row of y per row of X."""
    check_same_length(args["X"], args["y"])


def split_arguments(args):
    """train_val_test_split: X and y of the same length, fractions that leave a training part."""
    check_same_length(args["X"], args["y"])
    if args["val"] + args["test"] >= 1:
        raise ValueError(f"val and test must be fractions with val + test < 1 (to leave a training part), "
                         f"got val={args['val']}, test={args['test']}")


def split_parts(parts, args):
    """train_val_test_split's result: no part that was asked for is empty."""
    for (name, fraction), X_part in zip((("train", 1), ("val", args["val"]), ("test", args["test"])), parts[::2]):
        if fraction > 0 and len(X_part) == 0:
            raise ValueError(f"the {name} part must hold at least one sample, got none from {len(args['X'])} "
                             f"samples with val={args['val']} and test={args['test']}" + (" (rounded per class: stratify=False rounds once)" if args["stratify"] else "")
                             + f"; use more data or a larger fraction (or 0 for no {name} part)")
    return parts


def centers_argument(value, name):
    """make_blobs' centers: a number of centres, or their coordinates (K, D)."""
    if isinstance(value, numbers.Number) and not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a number of centres (an int) or an array (K, D), got {value!r}")
    if isinstance(value, numbers.Integral):
        return check_real(value, name, 1, MAX_SAMPLES, integer=True)
    return as_float_array(value, name, ndim=2, nonempty=True)


CENTERS = Spec(centers_argument, "an int or an array (K, D)")


def one_hot_arguments(args):
    """one_hot: labels (N,) in 0..C-1."""
    args["y"] = as_labels(args["y"], args["C"])


class NotFittedError(ValueError, RuntimeError):
    """A transform asked of a Standardizer (or the like) before fit."""


def check_batchnorm_batch(X):
    """Batch norm in training needs two samples per batch (the variance of one is 0), as PyTorch."""
    if X.shape[0] < 2:
        raise ValueError(f"batch norm in training needs at least 2 samples per batch (the variance of one "
                         f"sample is 0), got a batch of shape {X.shape}; choose a batch_size that leaves "
                         f"no batch of one sample")


def batchnorm_arguments(args):
    """batchnorm_forward: two samples in training; eps = 0 only where no variance is 0."""
    if args["train"]:
        check_batchnorm_batch(args["X"])
    if args["eps"] == 0:
        var = args["X"].var(axis=0) if args["train"] else args["running"]["var"]
        if np.any(var == 0):
            raise ValueError(f"eps=0 with a feature of variance 0 (column {int(np.argmin(var))}) divides by "
                             f"zero; use eps > 0 (default 1e-5)")


# -- the decorator -------------------------------------------------------------------------

class Contract:
    """The checks of one function: a Spec per argument, a cross-argument ``extra`` check,
    and optionally a flag argument (``check=False``) that turns them off."""

    def __init__(self, fn, specs, extra=None, flag=None, post=None):
        self.fn, self.extra, self.flag, self.post = fn, extra, flag, post
        self.signature = inspect.signature(fn)
        self.specs = {n: Shape(s) if isinstance(s, str) else s for n, s in specs.items()}
        unknown = set(self.specs) - set(self.signature.parameters)
        if unknown:                                # a typo in a contract is the package's bug
            raise AssertionError(f"{fn.__name__} has no arguments {sorted(unknown)}")
        names = list(self.signature.parameters)
        self.flag_index = names.index(flag) if flag else None

    def __call__(self, args, kwargs):
        if self.flag is not None:
            on = kwargs[self.flag] if self.flag in kwargs else (
                args[self.flag_index] if len(args) > self.flag_index else True)
            if on is False:
                return args, kwargs
        bound = self.bind(args, kwargs)
        return bound.args, bound.kwargs

    def finish(self, result, args, kwargs):
        """The result, after the ``post`` check with the arguments by name."""
        return self.post(result, self.signature.bind(*args, **kwargs).arguments)

    def bind(self, args, kwargs):
        name = self.fn.__name__
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as exc:
            valid = ", ".join(self.signature.parameters)
            given = ", ".join([f"{len(args)} positional"] * bool(args) + list(kwargs))
            raise TypeError(f"{name}(): {exc}; expected arguments ({valid}), got {given or 'none'}") from None
        bound.apply_defaults()
        values = bound.arguments
        dims = {}
        for arg, spec in self.specs.items():
            values[arg] = spec(values[arg], arg, dims, values)
        if self.extra is not None:
            self.extra(values)
        return bound


# The wrapper is a plain function with its own globals, not a closure, so that tools that
# record calls of a function by swapping its code object (the exercise checks do, to notice a
# learner calling the package's solution) see calls of the checked function too.
_WRAPPER_SOURCE = ("def {name}(*args, **kwargs):\n"
                   "    args, kwargs = _contract(args, kwargs)\n"
                   "    return _unchecked(*args, **kwargs)\n")
_WRAPPER_POST_SOURCE = ("def {name}(*args, **kwargs):\n"
                        "    args, kwargs = _contract(args, kwargs)\n"
                        "    return _contract.finish(_unchecked(*args, **kwargs), args, kwargs)\n")


def checked(extra=None, flag=None, post=None, **specs):
    """Decorator: check the arguments named in ``specs`` before calling the function.

    A spec is a shape string ("N,D", "*", "like param", "N|N,1") for an array argument, or a
    Spec (``FLAG``, ``NONNEG``, ``real(0, 1)``, ...). ``extra(arguments)`` checks relations
    between arguments after the specs; ``post(result, args)`` checks the result; ``flag`` names a boolean argument that turns the
    checks off (``check=False``). The result keeps the body as ``.unchecked`` and the
    contract as ``.contract``.
    """
    def decorate(fn):
        contract = Contract(fn, specs, extra, flag, post)
        namespace = {"_contract": contract, "_unchecked": fn}
        exec((_WRAPPER_POST_SOURCE if post else _WRAPPER_SOURCE).format(name=fn.__name__), namespace)
        wrapper = functools.wraps(fn)(namespace[fn.__name__])
        wrapper.unchecked, wrapper.contract = fn, contract
        return wrapper
    return decorate


def unchecked(fn):
    """The body of a checked function without its checks; any other function as it is."""
    return getattr(fn, "unchecked", fn)


def check_call(fn, *args, **kwargs):
    """Check the arguments of a call of ``fn`` as the call would, without making it.

    -> dict argument name -> value as the function would receive it ({} for a function
    without a contract, such as a learner's own).
    """
    contract = getattr(fn, "contract", None)
    return {} if contract is None else dict(contract.bind(args, kwargs).arguments)


def check_nonnegative(value, name):
    """Raise unless ``value`` is a finite real number >= 0 (a learning rate of 0, an L2 strength
    of 0); return it as a float."""
    return check_real(value, name, 0)
