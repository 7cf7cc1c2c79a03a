"""Shared pieces of the property-based (Hypothesis) suites tests/test_fuzz_*.py.

An input is drawn clean (finite float64 values of a shape), then maybe made hostile: another
dtype, another container, a NaN, an infinity, a huge or a denormal value. ``hostile`` returns the
value to pass and what mlp_lib must do with it: compute with the values it effectively holds
(``Expect.ok``), or refuse it with a ValueError or TypeError (``Expect.refuse``). ``outcome`` makes
the call and checks the oracle's general part: only ValueError/TypeError, raised inside mlp_lib
(not from deep inside NumPy), with a message that says what was expected and what was given; no
warning; the inputs unchanged. Each test then compares a successful result with an independent
reference.
"""
import copy
import dataclasses
import re
import traceback
import warnings

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st

# The profile loaded by conftest ("course": derandomised, 40 examples; "thorough": 400), and a
# smaller share of it for the tests whose examples are slow (files, widgets, training runs).
FUZZ = settings()
FEW = settings(FUZZ, max_examples=max(5, FUZZ.max_examples * 3 // 8))

EXPECTED = re.compile(r"\b(must|expected|expects|needs|requires|supports|limit|not a|no ink|is not|too small|valid)\b")
GIVEN = re.compile(r"\b(got|given|from|is|has|holds|returned|contains|unknown)\b")


@dataclasses.dataclass
class Expect:
    """ok: the effective float64 values the function must compute with (and the dtype of a
    float result), or refuse: the exception types allowed."""
    values: object = None
    dtype: object = None
    refuse: tuple = ()

    @property
    def ok(self):
        return not self.refuse


REFUSE_VALUE = Expect(refuse=(ValueError,))
REFUSE_TYPE = Expect(refuse=(TypeError,))

MUTATIONS = ["clean", "clean", "clean", "list", "tuple", "strided", "fortran", "readonly", "matrix",
             "float32", "float16", "int64", "int8", "uint8", "bool",
             "nan", "inf", "big", "denormal", "complex", "object", "str"]


def shapes(ndim, min_side=1, max_side=5):
    """Array shapes with ``ndim`` dimensions (an int or a list of choices)."""
    dims = st.sampled_from(ndim) if isinstance(ndim, (list, tuple)) else st.just(ndim)
    return dims.flatmap(lambda d: st.tuples(*[st.integers(min_side, max_side)] * d))


def clean(draw, shape, low=-3.0, high=3.0):
    """Finite float64 values of ``shape``, drawn reproducibly through Hypothesis."""
    seed = draw(st.integers(0, 2 ** 32 - 1))
    return np.random.default_rng(seed).uniform(low, high, size=shape)


def hostile(draw, x, kind="real", allow=None):
    """(value to pass, Expect) for the clean float64 array ``x``.

    kind: "real" (any finite number is valid), "unit" (values in [0, 1]), "labels" (integers
    >= 0 held as float64), "nonneg". ``allow``: the mutations to choose from (default all).
    """
    m = draw(st.sampled_from(allow or MUTATIONS))
    same = Expect(values=x, dtype=x.dtype)
    if m == "clean":
        return x.copy(), same
    if m == "list":
        return x.tolist(), same
    if m == "tuple":
        return _tuples(x.tolist()), same
    if m == "strided":
        big = np.repeat(x[..., None], 2, axis=-1)[..., 0] if x.ndim else x.copy()
        return big, same
    if m == "fortran":
        return (np.asfortranarray(x) if x.ndim >= 2 else x.copy()), same
    if m == "readonly":
        ro = x.copy()
        ro.flags.writeable = False
        return ro, same
    if m == "matrix":
        return (np.asmatrix(x), same) if x.ndim == 2 else (x.copy(), same)
    if m == "float32":
        return x.astype(np.float32), Expect(values=x.astype(np.float32).astype(np.float64), dtype=np.float32)
    if m == "float16":
        return x.astype(np.float16), Expect(values=x.astype(np.float16).astype(np.float64), dtype=np.float64)
    if m in ("int64", "int8", "uint8", "bool"):
        dtype = {"int64": np.int64, "int8": np.int8, "uint8": np.uint8, "bool": np.bool_}[m]
        rounded = np.clip(np.round(x), 0 if m in ("uint8", "bool") else -100, 1 if m == "bool" else 100)
        if kind == "unit":
            rounded = np.clip(rounded, 0, 1)
        value = rounded.astype(dtype)
        return value, Expect(values=value.astype(np.float64), dtype=np.float64)
    if m in ("nan", "inf"):
        if x.size == 0:
            return x.copy(), same
        bad = x.copy()
        bad.flat[draw(st.integers(0, x.size - 1))] = np.nan if m == "nan" else draw(st.sampled_from([np.inf, -np.inf]))
        return bad, REFUSE_VALUE
    if m == "big":
        if x.size == 0:
            return x.copy(), same
        big = x.copy()
        big.flat[draw(st.integers(0, x.size - 1))] = draw(st.sampled_from([1e4, -1e4]))
        if kind == "unit" or (kind == "nonneg" and big.min() < 0):
            return big, REFUSE_VALUE
        if kind == "labels":
            return np.abs(big), Expect(values=np.abs(big), dtype=np.float64)
        return big, Expect(values=big, dtype=np.float64)
    if m == "denormal":
        tiny = x.copy()
        if x.size:
            tiny.flat[draw(st.integers(0, x.size - 1))] = 5e-324
        if kind == "labels":
            return tiny, REFUSE_VALUE if x.size else same
        return tiny, Expect(values=tiny, dtype=np.float64)
    if m == "complex":
        return x.astype(np.complex128), REFUSE_TYPE
    if m == "object":
        return x.astype(object) if x.ndim else np.array([x.item()], dtype=object), REFUSE_TYPE
    if m == "str":
        return x.astype(str), REFUSE_TYPE
    raise AssertionError(m)


def _tuples(value):
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def snapshot(values):
    """Deep copies of the arguments, to check afterwards that nothing was modified."""
    return copy.deepcopy(values)


def same_values(a, b):
    if isinstance(a, np.random.Generator):      # drawing from a generator advances it, by design
        return isinstance(b, np.random.Generator)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and (
            np.array_equal(a, b, equal_nan=True) if a.dtype.kind in "fc" else np.array_equal(a, b))
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same_values(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_values(a[k], b[k]) for k in a)
    if isinstance(a, float) and np.isnan(a):
        return isinstance(b, float) and np.isnan(b)
    return a is b or a == b


def outcome(fn, *args, **kwargs):
    """Call fn; -> ("ok", result) or ("refused", exception), after the general oracle."""
    before = snapshot((args, kwargs))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
                result = fn(*args, **kwargs)
    except (ValueError, TypeError) as exc:
        check_refusal(exc)
        assert same_values(before, (args, kwargs)), "a refused call modified its input"
        return "refused", exc
    assert same_values(before, (args, kwargs)), "the call modified its input"
    return "ok", result


def check_refusal(exc):
    """A refusal comes from mlp_lib itself and says what was expected and what was given."""
    frames = traceback.extract_tb(exc.__traceback__)
    origin = frames[-1].filename if frames else ""
    assert "mlp_lib" in origin, f"{type(exc).__name__} raised outside mlp_lib ({origin}): {exc}"
    message = str(exc)
    assert EXPECTED.search(message) and GIVEN.search(message), f"message does not name expected and given: {message}"


def expect_outcome(expect, fn, *args, **kwargs):
    """Run ``fn`` and hold it to ``expect``: -> the result (or None after a correct refusal)."""
    status, result = outcome(fn, *args, **kwargs)
    if not expect.ok:
        assert status == "refused", f"expected {expect.refuse}, got a result {result!r:.200}"
        assert isinstance(result, expect.refuse), f"expected {expect.refuse}, got {type(result).__name__}: {result}"
        return None
    assert status == "ok", f"refused a valid input: {type(result).__name__}: {result}"
    return result


def all_finite(*values):
    """True when every number in the (nested) result is finite."""
    for v in values:
        if isinstance(v, (tuple, list)):
            if not all_finite(*v):
                return False
        elif isinstance(v, dict):
            if not all_finite(*v.values()):
                return False
        elif v is not None and not isinstance(v, (str, bool, np.random.Generator)) and not callable(v):
            arr = np.asarray(v)
            if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
                return False
    return True


def tol(expect):
    """Comparison tolerance for a result computed from values of the expected dtype."""
    return dict(rtol=2e-4, atol=2e-5) if expect.dtype == np.float32 else dict(rtol=1e-9, atol=1e-12)


def combine(*expects):
    """The expectation of a call with several drawn arguments: any refusal wins."""
    refusals = {t for e in expects for t in e.refuse}
    if refusals:
        return Expect(refuse=tuple(refusals))
    return Expect(values=None, dtype=np.float32 if any(e.dtype == np.float32 for e in expects) else np.float64)
