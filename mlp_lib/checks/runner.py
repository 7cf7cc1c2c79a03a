"""The harness: calling a learner's function the same way in a check and in the grader.

Each call gets fresh copies of its inputs, runs under a time budget, and records whether
the course's own solution of the same exercise was called; what it returned comes back as
plain data (``wire``), with a status from ``status.Status``.

This module imports only the standard library and NumPy: it is part of the code the grader
runs inside a learner's kernel (see ``in_kernel``).
"""
import copy
import importlib
import signal
import threading
import time
import traceback
import warnings

import numpy as np

from .status import Status
from .wire import snapshot

IN_KERNEL_FILE = "<mlp-course-"     # how the in-kernel modules' frames are named ("<mlp-course-runner>")


class BudgetExceeded(BaseException):
    """Raised inside a call that ran past its time budget. A BaseException, so that a
    learner's ``except Exception`` cannot swallow it."""


# -- calling ---------------------------------------------------------------------

def call_cases(fn, cases, references=(), budget=None, errstate=None):
    """Call ``fn(*args, **kwargs)`` once per case and describe what happened.

    cases: list of (args, kwargs); references: "module:qualname" names of the package's
    own solution, whose calls are recorded; budget: seconds for all the calls together;
    errstate: optional ``np.errstate`` settings for the calls, e.g. {"over": "raise"}.
    -> list of outcomes, one per case, each a dict with "status" among "ok" (and "value",
    plain data, and "changed_inputs", the paths of the inputs the call changed in place,
    see ``changed_paths``), "not_implemented", "error" (and "error", "line"), "timeout" (and
    "budget"); and "reference_called", the list of recorded reference names.
    """
    outcomes = []
    deadline = None if budget is None else time.monotonic() + budget
    with _Sentinels(references) as calls:
        for args, kwargs in cases:
            if deadline is not None and time.monotonic() >= deadline:
                outcomes.append({"status": Status.TIMEOUT, "budget": budget, "reference_called": []})
                continue
            del calls[:]
            outcome = _call_one(fn, args, kwargs, deadline, budget, errstate)
            outcome["reference_called"] = sorted(set(calls))
            outcomes.append(outcome)
    return outcomes


def _call_one(fn, args, kwargs, deadline, budget, errstate=None):
    pristine = copy.deepcopy((args, kwargs))
    args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
    try:
        with _Alarm(None if deadline is None else deadline - time.monotonic()), np.errstate(**(errstate or {})):
            value = fn(*args, **kwargs)
        return {"status": Status.OK, "value": snapshot(value),
                "changed_inputs": changed_paths(pristine, (args, kwargs))}
    except BudgetExceeded:
        return {"status": Status.TIMEOUT, "budget": budget}
    except NotImplementedError as exc:
        frame = _learner_frame(exc)
        where = frame.name if frame is not None else getattr(fn, "__name__", "?")
        return {"status": Status.NOT_IMPLEMENTED, "where": where, "function": getattr(fn, "__name__", "?")}
    except SystemExit as exc:
        return {"status": Status.ERROR, "error": f"SystemExit: the function called sys.exit({exc.code!r})", "line": ""}
    except RecursionError:
        return {"status": Status.ERROR, "error": "RecursionError: the function calls itself without end", "line": ""}
    except Exception as exc:  # the learner's error is the result, not a failure of the check
        frame = _learner_frame(exc)
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return {"status": Status.ERROR, "error": f"{type(exc).__name__}: {message}".rstrip(": "),
                "line": (frame.line or "").strip() if frame is not None else ""}


def changed_paths(before, after):
    """The inputs a call changed in place, as paths: "args[0]", "args[1]['W1']", "kwargs['u']".

    before, after: (args, kwargs) before and after the call; arrays are compared entry by
    entry (NaN equal to NaN), lists and dicts by their items; other objects are not compared."""
    changed = []

    def walk(b, a, path):
        if isinstance(b, np.ndarray):
            if not (isinstance(a, np.ndarray) and a.shape == b.shape
                    and np.array_equal(a, b, equal_nan=b.dtype.kind in "fc")):
                changed.append(path)
        elif isinstance(b, (list, tuple)):
            if not isinstance(a, type(b)) or len(a) != len(b):
                changed.append(path)
            else:
                for i, (bi, ai) in enumerate(zip(b, a)):
                    walk(bi, ai, f"{path}[{i}]")
        elif isinstance(b, dict):
            if not isinstance(a, dict) or set(a) != set(b):
                changed.append(path)
            else:
                for k in b:
                    walk(b[k], a[k], f"{path}[{k!r}]")
    for i, (b, a) in enumerate(zip(before[0], after[0])):
        walk(b, a, f"args[{i}]")
    for k in before[1]:
        walk(before[1][k], after[1].get(k), f"kwargs[{k!r}]")
    return changed


def _learner_frame(exc):
    """The innermost traceback frame outside NumPy and this module: the learner's line."""
    frames = traceback.extract_tb(exc.__traceback__)
    keep = [f for f in frames if not {"numpy", "mlp_lib"} & set(f.filename.replace("\\", "/").split("/"))
            and not f.filename.startswith(IN_KERNEL_FILE)]
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
        # a checked package function keeps its body as .unchecked, which the model calls: record both
        targets = [(f, name) for name in self.references
                   for f in (_resolve(name), getattr(_resolve(name), "unchecked", None))]
        for func, name in targets:
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
            exec(compile(body, IN_KERNEL_FILE + "sentinel>", "exec"), func.__globals__, namespace)
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
