"""Calling a learner's function the same way in a check and in the grader.

Each call gets fresh copies of its inputs, runs under a time budget, and records whether
the course's own solution of the same exercise was called. What comes back is turned
into plain data (numbers, arrays, tuples, lists, dicts): ``encode`` / ``decode`` write it
as JSON plus an ``.npz`` file, never as a pickle, so the grader reads back arrays only.

This module imports only the standard library and NumPy. The grader sends its source
into the learner's kernel and runs it in a fresh namespace, so that nothing a notebook
redefines (a check, a helper) takes part in collecting the answers.
"""
import copy
import importlib
import json
import signal
import threading
import time
import traceback
import warnings

import numpy as np

MAX_ARRAY_SIZE = 10_000_000   # entries; larger returned arrays are recorded by type only
MAX_DEPTH = 8


class BudgetExceeded(BaseException):
    """Raised inside a call that ran past its time budget. A BaseException, so that a
    learner's ``except Exception`` cannot swallow it."""


class Opaque:
    """Stands for a returned value that is not plain data (a function, a model, a string...)."""

    def __init__(self, type_name):
        self.type_name = type_name

    def __repr__(self):
        return f"<a {self.type_name}>"


# -- calling ---------------------------------------------------------------------

def call_cases(fn, cases, references=(), budget=None, errstate=None):
    """Call ``fn(*args, **kwargs)`` once per case and describe what happened.

    cases: list of (args, kwargs); references: "module:qualname" names of the package's
    own solution, whose calls are recorded; budget: seconds for all the calls together;
    errstate: optional ``np.errstate`` settings for the calls, e.g. {"over": "raise"}.
    -> list of outcomes, one per case, each a dict with "status" among "ok" (and "value",
    plain data), "not_implemented", "error" (and "error", "line"), "timeout" (and
    "budget"); and "reference_called", the list of recorded reference names.
    """
    outcomes = []
    deadline = None if budget is None else time.monotonic() + budget
    with _Sentinels(references) as calls:
        for args, kwargs in cases:
            if deadline is not None and time.monotonic() >= deadline:
                outcomes.append({"status": "timeout", "budget": budget, "reference_called": []})
                continue
            del calls[:]
            outcome = _call_one(fn, args, kwargs, deadline, budget, errstate)
            outcome["reference_called"] = sorted(set(calls))
            outcomes.append(outcome)
    return outcomes


def _call_one(fn, args, kwargs, deadline, budget, errstate=None):
    args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
    try:
        with _Alarm(None if deadline is None else deadline - time.monotonic()), np.errstate(**(errstate or {})):
            value = fn(*args, **kwargs)
        return {"status": "ok", "value": snapshot(value)}
    except BudgetExceeded:
        return {"status": "timeout", "budget": budget}
    except NotImplementedError as exc:
        frame = _learner_frame(exc)
        where = frame.name if frame is not None else getattr(fn, "__name__", "?")
        return {"status": "not_implemented", "where": where, "function": getattr(fn, "__name__", "?")}
    except SystemExit as exc:
        return {"status": "error", "error": f"SystemExit: the function called sys.exit({exc.code!r})", "line": ""}
    except RecursionError:
        return {"status": "error", "error": "RecursionError: the function calls itself without end", "line": ""}
    except Exception as exc:  # the learner's error is the result, not a failure of the check
        frame = _learner_frame(exc)
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return {"status": "error", "error": f"{type(exc).__name__}: {message}".rstrip(": "),
                "line": (frame.line or "").strip() if frame is not None else ""}


def _learner_frame(exc):
    """The innermost traceback frame outside NumPy and this module: the learner's line."""
    frames = traceback.extract_tb(exc.__traceback__)
    keep = [f for f in frames if not {"numpy", "mlp_lib"} & set(f.filename.replace("\\", "/").split("/"))
            and f.filename != "<mlp-course-runner>"]
    return keep[-1] if keep else None


class _Alarm:
    """Raise BudgetExceeded after ``seconds`` (main thread, POSIX); otherwise no limit."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.active = (seconds is not None and hasattr(signal, "setitimer")
                       and threading.current_thread() is threading.main_thread())
        if seconds is not None and not hasattr(signal, "setitimer"):     # JupyterLite, Windows
            warnings.warn("the time budget is not enforced here (this Python has no signal.setitimer): "
                          "a call that never returns cannot be stopped, interrupt the kernel instead; "
                          "the budget is still checked between calls", RuntimeWarning, stacklevel=3)

    def __enter__(self):
        if self.active:
            self.previous = signal.signal(signal.SIGALRM, self._ring)
            signal.setitimer(signal.ITIMER_REAL, max(self.seconds, 0.001))
        return self

    @staticmethod
    def _ring(signum, frame):
        raise BudgetExceeded()

    def __exit__(self, *exc):
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
        return False


class _Sentinels:
    """While active, every call of the named package functions is recorded.

    The function object itself is given a recording body (its ``__code__`` is swapped), so
    a call through any alias (``from mlp_lib import affine_backward as ab``) is seen too.
    """

    def __init__(self, references):
        self.references = list(references)
        self.calls = []
        self.installed = []

    def __enter__(self):
        for name in self.references:
            func = _resolve(name)
            if func is None or getattr(func, "__closure__", None):
                continue
            key = f"__mlp_course_sentinel_{id(func)}"
            original = type(func)(func.__code__, func.__globals__, func.__name__,
                                  func.__defaults__, func.__closure__)
            original.__kwdefaults__ = func.__kwdefaults__
            func.__globals__[key] = (original, self.calls, name)
            body = (f"def _sentinel(*args, **kwargs):\n"
                    f"    _original, _calls, _name = {key}\n"
                    f"    _calls.append(_name)\n"
                    f"    return _original(*args, **kwargs)\n")
            namespace = {}
            exec(compile(body, "<mlp-course-runner>", "exec"), func.__globals__, namespace)
            self.installed.append((func, func.__code__, key))
            func.__code__ = namespace["_sentinel"].__code__
        return self.calls

    def __exit__(self, *exc):
        for func, code, key in reversed(self.installed):
            func.__code__ = code
            func.__globals__.pop(key, None)
        self.installed = []
        return False


def _resolve(name):
    """"package.module:Class.function" -> the function object, or None."""
    module_name, _, qualname = name.partition(":")
    try:
        obj = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        return None
    return obj if hasattr(obj, "__code__") else None


# -- a function as plain data -------------------------------------------------------

class ScalarFunction:
    """f() = sum(c * sin(x)) + 0.5 * ||A x||^2, a function of no arguments that reads the
    array ``x`` (any shape; c: (x.size,), A: (K, x.size)), as a numerical-gradient routine
    expects: it perturbs ``x`` in place and calls ``f()``. Being plain data, it travels to a
    learner's kernel with the arrays it reads (``x`` stays the very array passed next to it).
    """

    def __init__(self, x, c, A):
        self.x, self.c, self.A = x, c, A

    def __call__(self):
        v = np.asarray(self.x, dtype=np.float64).reshape(-1)
        return float(np.sum(self.c * np.sin(v)) + 0.5 * np.sum((self.A @ v) ** 2))

    def gradient(self):
        """The exact gradient, shaped like x."""
        v = np.asarray(self.x, dtype=np.float64).reshape(-1)
        return (self.c * np.cos(v) + self.A.T @ (self.A @ v)).reshape(np.shape(self.x))

    def __repr__(self):
        return f"<a function f() of x {np.shape(self.x)}>"


# -- plain data ------------------------------------------------------------------

def snapshot(value):
    """A deep copy of ``value`` as plain data (what the grader would read back)."""
    arrays = {}
    tree = encode(value, arrays)
    return decode(tree, {k: np.array(v, copy=True) for k, v in arrays.items()})


def encode(value, arrays, depth=0):
    """Describe ``value`` as a JSON-able tree; its arrays go into the dict ``arrays``."""
    if depth > MAX_DEPTH:
        return {"opaque": "deeply nested value"}
    if isinstance(value, (bool, int, float, np.generic)) and not isinstance(value, (str, bytes)):
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            return {"opaque": type(value).__name__}
        key = f"a{len(arrays)}"
        arrays[key] = arr
        return {"number": key, "py": type(value).__name__ if isinstance(value, (bool, int, float)) else "numpy"}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf" or value.size > MAX_ARRAY_SIZE:
            return {"opaque": f"array of dtype {value.dtype}" if value.size <= MAX_ARRAY_SIZE else "huge array"}
        for key, stored in arrays.items():
            if stored is value:     # the same array twice (e.g. x and the function reading x) stays shared
                return {"array": key}
        key = f"a{len(arrays)}"
        arrays[key] = np.ascontiguousarray(value)
        return {"array": key}
    if isinstance(value, ScalarFunction):
        return {"scalar_function": [encode(v, arrays, depth + 1) for v in (value.x, value.c, value.A)]}
    if value is None:
        return {"none": True}
    if isinstance(value, str):
        return {"str": value[:2000]}
    if isinstance(value, tuple):
        return {"tuple": [encode(v, arrays, depth + 1) for v in value]}
    if isinstance(value, list):
        return {"list": [encode(v, arrays, depth + 1) for v in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": [[k, encode(v, arrays, depth + 1)] for k, v in value.items()]}
    return {"opaque": type(value).__name__}


def decode(tree, arrays):
    """Inverse of ``encode``: plain data from a tree and its arrays."""
    if "array" in tree:
        return arrays[tree["array"]]
    if "number" in tree:
        arr = arrays[tree["number"]]
        kind = {"bool": bool, "int": int, "float": float}.get(tree.get("py"))
        return kind(arr) if kind is not None else arr[()]
    if "scalar_function" in tree:
        return ScalarFunction(*(decode(t, arrays) for t in tree["scalar_function"]))
    if "none" in tree:
        return None
    if "str" in tree:
        return str(tree["str"])
    if "tuple" in tree:
        return tuple(decode(t, arrays) for t in tree["tuple"])
    if "list" in tree:
        return [decode(t, arrays) for t in tree["list"]]
    if "dict" in tree:
        return {k: decode(t, arrays) for k, t in tree["dict"]}
    return Opaque(str(tree.get("opaque", "unknown value")))


def save(path_stem, data):
    """Write plain data to ``path_stem.json`` and ``path_stem.npz``."""
    arrays = {}
    tree = encode(data, arrays)
    np.savez(path_stem + ".npz", **arrays)
    with open(path_stem + ".json", "w") as f:
        json.dump(tree, f)


def load(path_stem):
    """Read what ``save`` wrote (arrays only: pickles are refused)."""
    with open(path_stem + ".json") as f:
        tree = json.load(f)
    with np.load(path_stem + ".npz", allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    return decode(tree, arrays)


def collect_in_kernel(user_ns, name, in_stem, out_stem, references=(), budget=None, errstate=None):
    """The grader's entry point inside a learner's kernel: read the cases, call the
    learner's function ``name`` from the notebook's namespace, write the outcomes."""
    cases = load(in_stem)
    fn = user_ns.get(name)
    if not callable(fn):
        kind = "missing" if fn is None else type(fn).__name__
        outcomes = [{"status": "not_defined", "found": kind, "reference_called": []} for _ in cases]
    else:
        outcomes = call_cases(fn, [(tuple(a), dict(k)) for a, k in cases], references, budget, errstate)
    save(out_stem, outcomes)
