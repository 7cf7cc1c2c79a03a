"""The machinery every check shares: exercises, cases, known mistakes, and the comparison
that turns a learner's outputs into a verdict with an explanation.

``evaluate`` takes only plain data (the outcomes of ``runner.call_cases``), so the same
code judges a learner's function in the notebook (the instant check) and in the grader's
own process (on arrays read back from the learner's kernel).
"""
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import numpy as np

from ..gradcheck import rel_error
from . import runner

GRADIENT_TOLERANCE = 1e-7
SHOWN_ENTRIES = 3


@dataclass
class Case:
    """One call of the learner's function.

    args, kwargs: the inputs (arrays, numbers, tuples, lists and dicts of them);
    label: how messages name the case, e.g. "X (4, 3), W (3, 5)";
    facts: numbers the generic diagnoses may use, e.g. {"N": 4} (the batch size);
    private: data the learner's function never sees (hidden labels of a scored exercise).
    """
    args: tuple
    label: str
    kwargs: dict = field(default_factory=dict)
    facts: dict = field(default_factory=dict)
    private: Any = None

    @property
    def float32(self):
        return any(a.dtype == np.float32 for a in _leaf_arrays((self.args, self.kwargs)))


@dataclass
class Mistake:
    """A known wrong answer: ``compute`` takes the case's inputs like the reference and
    returns what the mistaken version returns (or raises what it raises); ``hint`` says,
    in words and never in code, what probably went wrong."""
    hint: str
    compute: Callable


@dataclass
class Exercise:
    """Everything the checks and the grader need to know about one exercise.

    name: the learner's function name, also the exercise id in notebooks and gradebooks;
    points: what the exercise is worth;
    make_cases: rng -> list of Case (the grader draws its own, unseen, inputs);
    reference: (*args, **kwargs) -> the expected return value (kind "compare");
    outputs: names of the returned values when the function returns a tuple;
    mistakes: known mistakes, most specific first;
    gradient: optional case -> {output name: numerical gradient}, an independent oracle;
    score: for kind "score", (case, value) -> (fraction in [0, 1], message);
    references: "module:qualname" of the package's own solution of this exercise;
        calling it scores zero;
    time_budget: seconds for all the calls of one check;
    seed: the seed of the instant check's cases (the grader uses its own);
    grading_cases: optional rng -> list of Case used by the grader instead of make_cases
        (e.g. a held-out split whose labels stay in ``Case.private``);
    result: how messages name a single returned value, e.g. "the new params";
    errstate: optional ``np.errstate`` settings for every call of the learner's function
        (and of the mistakes), e.g. {"over": "raise"}: a function that overflows then fails;
    extra: optional (case, value) -> message or None, one more condition on a right answer.
    """
    name: str
    points: float
    make_cases: Callable
    reference: Optional[Callable] = None
    outputs: Optional[Sequence[str]] = None
    mistakes: Sequence[Mistake] = ()
    gradient: Optional[Callable] = None
    score: Optional[Callable] = None
    references: Sequence[str] = ()
    time_budget: float = 20.0
    extra: Optional[Callable] = None
    seed: int = 0
    result: str = "the result"
    grading_cases: Optional[Callable] = None
    errstate: Optional[dict] = None

    @property
    def kind(self):
        return "score" if self.score is not None else "compare"


@dataclass
class CheckResult:
    """The verdict on one exercise.

    passed: True when fully right; status: "passed", "partial", "failed",
    "not_implemented", "not_defined", "error", "timeout", "reference_called", "crashed"
    or "invalid"; message: the explanation shown to the learner (first line: the verdict);
    fraction: the share of the points earned (1.0, 0.0, or in between for scored kinds).
    """
    exercise: str
    passed: bool
    status: str
    message: str
    fraction: float = 0.0
    printed: bool = False

    def __bool__(self):
        return self.passed

    @property
    def reason(self):
        """The message's first line and its likely cause, for a gradebook."""
        lines = self.message.splitlines()
        cause = [line.strip() for line in lines[1:] if line.strip().startswith("Likely cause:")]
        return " ".join(lines[:1] + cause)

    def __repr__(self):
        return f"CheckResult({self.exercise!r}, status={self.status!r}, fraction={self.fraction:.2f})"

    def _ipython_display_(self):
        # the check already printed its message; show it again only when asked for explicitly
        if not self.printed:
            print(self.message)


# -- the learner-facing entry point --------------------------------------------

def elementwise_numerical(f, h=1e-5):
    """A ``gradient`` for an exercise computing the derivative of the elementwise function f:
    case -> the centred difference (f(z + h) - f(z - h)) / 2h at the case's z, in float64."""
    def gradient(case):
        z = np.asarray(case.args[0], dtype=np.float64)
        return (f(z + h) - f(z - h)) / (2 * h)
    return gradient


def make_check(exercise):
    """Build the learner-facing check ``check_<name>(fn)`` of an exercise."""
    def check(fn):
        if not callable(fn):
            result = CheckResult(exercise.name, False, "error",
                                 f"✗ pass the function itself, e.g. check_{exercise.name}({exercise.name}), "
                                 f"not the result of calling it (got a {type(fn).__name__})")
        else:
            cases = exercise.make_cases(np.random.default_rng(exercise.seed))
            outcomes = runner.call_cases(fn, [(c.args, c.kwargs) for c in cases],
                                         exercise.references, exercise.time_budget, exercise.errstate)
            result = evaluate(exercise, cases, outcomes)
        if os.environ.get("NBGRADER_EXECUTION"):
            # nbgrader scores a check cell 0 if it raises, else full marks, unless the cell's
            # result is a number: then that many points (its partial credit)
            if exercise.kind == "score" and result.fraction > 0:
                print(result.message)
                return round(result.fraction * exercise.points, 6)
            if not result.passed:
                raise AssertionError(result.message)
        print(result.message)
        result.printed = True
        return result

    check.__name__ = f"check_{exercise.name}"
    check.__doc__ = (f"Check your ``{exercise.name}``: call ``check_{exercise.name}({exercise.name})``.\n\n"
                     "Prints one line when it is right, an explanation when it is not, and returns a\n"
                     "CheckResult (``.passed``, ``.status``, ``.message``).")
    check.exercise = exercise
    return check


# -- the verdict ----------------------------------------------------------------

def evaluate(exercise, cases, outcomes):
    """Judge the outcomes of calling a learner's function on ``cases``.

    In order: it runs at all; it returns the right types and shapes; its values match
    the reference (kind "compare") or its score (kind "score"); its gradients match
    numerical ones. -> CheckResult.
    """
    name = exercise.name
    for case, outcome in zip(cases, outcomes):
        problem = _running_problem(exercise, case, outcome)
        if problem is not None:
            return problem
    if exercise.kind == "score":
        return _score(exercise, cases, outcomes)
    expected = [exercise.reference(*_copy(c.args), **_copy(c.kwargs)) for c in cases]
    for case, outcome, want in zip(cases, outcomes, expected):
        problem = _structure_problem(exercise, case, outcome["value"], want)
        if problem is not None:
            return CheckResult(name, False, "failed", problem)
    for case, outcome, want in zip(cases, outcomes, expected):
        problem = _value_problem(exercise, case, outcome["value"], want)
        if problem is not None:
            return CheckResult(name, False, "failed", problem)
    if exercise.extra is not None:
        for case, outcome in zip(cases, outcomes):
            problem = exercise.extra(case, outcome["value"])
            if problem:
                return CheckResult(name, False, "failed", f"✗ {name}: {problem}")
    notes = []
    if exercise.gradient is not None:
        problem = _gradient_problem(exercise, cases, outcomes)
        if problem is not None:
            return CheckResult(name, False, "failed", problem)
        notes.append("numerical gradient check passed")
    return CheckResult(name, True, "passed", f"✓ {name} is right: {_describe_cases(cases)}"
                       + "".join(f", {n}" for n in notes) + ".", fraction=1.0)


def _describe_cases(cases):
    extras = []
    if any(c.facts.get("N") == 1 for c in cases):
        extras.append("a batch of one")
    if any(c.float32 for c in cases):
        extras.append("float32 inputs")
    text = f"{len(cases)} test case{'s' if len(cases) != 1 else ''} passed"
    return text + (f" (including {' and '.join(extras)})" if extras else "")


def _running_problem(exercise, case, outcome):
    """Step 1: did the call return at all? -> CheckResult or None."""
    name = exercise.name
    if outcome.get("reference_called"):
        called = ", ".join(r.replace(":", ".") for r in outcome["reference_called"])
        return CheckResult(name, False, "reference_called",
                           f"✗ {name} calls the course's own solution ({called}) instead of computing "
                           f"the answer itself; write the computation yourself (this scores no points).")
    status = outcome["status"]
    if status == "ok":
        return None
    if status == "not_implemented":
        where = outcome.get("where", name)
        if where not in (name, outcome.get("function"), "<module>", "<lambda>", "?"):
            text = (f"✗ {name}: not implemented yet: it calls {where}, which still raises "
                    f"NotImplementedError. Finish {where} first.")
        else:
            text = (f"✗ {name}: not implemented yet. Replace `raise NotImplementedError()` with your "
                    f"code, run that cell, then run this check again.")
        return CheckResult(name, False, "not_implemented", text)
    if status == "not_defined":
        return CheckResult(name, False, "not_defined",
                           f"✗ {name} is not defined in the notebook (found: {outcome.get('found', 'missing')}): "
                           f"keep the function's name, and make sure its cell runs without an error.")
    if status == "timeout":
        return CheckResult(name, False, "timeout",
                           f"✗ {name} did not finish within its time budget of {outcome.get('budget', 0):.0f} s: "
                           f"look for a loop that never ends, or far too many iterations.")
    if status == "error":
        error = str(outcome.get("error", "an error"))
        hint = _match_error(exercise, case, error)
        line = f"\n  at the line: {outcome['line']}" if outcome.get("line") else ""
        return CheckResult(name, False, "error",
                           f"✗ {name} raised {error} on the case {case.label}.{line}"
                           + (f"\n  Likely cause: {hint}" if hint else ""))
    return CheckResult(name, False, status, f"✗ {name}: {outcome.get('message', status)}")


def _match_error(exercise, case, error):
    """The hint of a known mistake that raises the very same error, if any."""
    for mistake in exercise.mistakes:
        try:
            with np.errstate(**(exercise.errstate or {})):
                mistake.compute(*_copy(case.args), **_copy(case.kwargs))
        except Exception as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            if f"{type(exc).__name__}: {message}".rstrip(": ") == error:
                return mistake.hint
    if "matmul" in error or "could not be broadcast" in error or "shapes" in error and "aligned" in error:
        return ("two arrays' shapes do not fit together: write the shape of every factor next to "
                "your formula and check which sizes must agree (and which array needs a transpose).")
    return None


def _score(exercise, cases, outcomes):
    """Kind "score": the mean of the per-case fractions, with each case's message."""
    fractions, messages = [], []
    for case, outcome in zip(cases, outcomes):
        fraction, message = exercise.score(case, outcome["value"])
        fractions.append(float(np.clip(fraction, 0.0, 1.0)))
        messages.append(message)
    fraction = float(np.mean(fractions))
    status = "passed" if fraction >= 1.0 else "partial" if fraction > 0 else "failed"
    mark = "✓" if status == "passed" else "✗"
    return CheckResult(exercise.name, status == "passed", status,
                       f"{mark} {exercise.name}: " + "; ".join(messages), fraction=fraction)


# -- outputs as named leaves -------------------------------------------------------

def leaves(value, name):
    """Flatten plain data into an ordered dict {path: leaf}, e.g. "params['W1']", "cache[0]"."""
    out = {}

    def walk(v, path):
        if isinstance(v, (tuple, list)):
            for i, item in enumerate(v):
                walk(item, f"{path}[{i}]")
        elif isinstance(v, dict):
            for k, item in v.items():
                walk(item, f"{path}[{k!r}]")
        else:
            out[path] = v
    walk(value, name)
    return out


def _structure_problem(exercise, case, got, want):
    """Step 2: types and shapes. -> message or None."""
    name = exercise.name
    if exercise.outputs is not None:
        n = len(exercise.outputs)
        if got is None:
            return f"✗ {name} returned None; it should return {n} values ({', '.join(exercise.outputs)}). Is a `return` missing?"
        if not isinstance(got, (tuple, list)) or len(got) != n:
            what = (f"{len(got)} values" if isinstance(got, (tuple, list))
                    else f"a single {_type_name(got)}")
            return f"✗ {name} should return {n} values ({', '.join(exercise.outputs)}); it returned {what}."
    got_leaves = leaves(_as_named(exercise, got), "")
    want_leaves = leaves(_as_named(exercise, want), "")
    for path, w in want_leaves.items():
        label = _label(path, exercise.result)
        if path not in got_leaves:
            return _missing_problem(exercise, got, want, path, label)
        g = got_leaves[path]
        if isinstance(g, (runner.Opaque, str)) or g is None:
            return (f"✗ {name}: {label} should be {_kind(w)}, got {'None' if g is None else _type_name(g)}"
                    + (". Is a `return` missing?" if g is None else "."))
        if np.shape(w) != np.shape(g) and not (np.ndim(w) == 0 and np.size(g) == 1):
            hint = _diagnose(exercise, case, path, g, w) or _shape_hint(g, w, case)
            return (f"✗ {name}: {label} has shape {np.shape(g)}, expected {np.shape(w)}, on the case {case.label}."
                    + (f"\n  Likely cause: {hint}" if hint else ""))
    extra = [p for p in got_leaves if p not in want_leaves]
    if extra:
        return f"✗ {name}: {_label(extra[0], exercise.result)} is not expected in the result; it should hold {_structure_text(want_leaves, exercise.result)}."
    return None


def _missing_problem(exercise, got, want, path, label):
    if exercise.outputs is None and path == "['__result__']":   # one value expected, a container returned
        size = f" of length {len(got)}" if isinstance(got, (tuple, list)) else ""
        return f"✗ {exercise.name}: {label} should be {_kind(want)}, got a {type(got).__name__}{size}."
    return f"✗ {exercise.name}: the result has no {label}; it should hold {_structure_text(leaves(_as_named(exercise, want), ''), exercise.result)}."


def _structure_text(want_leaves, result="the result"):
    return ", ".join(_label(p, result) for p in want_leaves)


def _as_named(exercise, value):
    if exercise.outputs is None:
        return {"__result__": value}
    return {n: v for n, v in zip(exercise.outputs, value)}


def _label(path, result="the result"):
    """"['dW']" -> "dW"; "['cache'][0]" -> "cache[0]"; "['__result__']['W1']" -> "the result['W1']"."""
    if path.startswith("['__result__']"):
        return result + path[len("['__result__']"):]
    end = path.find("']")
    return path[2:end] + path[end + 2:] if path.startswith("['") and end > 0 else path


def _value_problem(exercise, case, got, want):
    """Step 3: values against the reference. -> message or None."""
    got_leaves = leaves(_as_named(exercise, got), "")
    want_leaves = leaves(_as_named(exercise, want), "")
    for path, w in want_leaves.items():
        g = got_leaves[path]
        if _close(g, w, case):
            continue
        label = _label(path, exercise.result)
        g_arr, w_arr = np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64)
        if g_arr.shape != w_arr.shape:
            g_arr = g_arr.reshape(w_arr.shape)
        if getattr(g, "dtype", None) == np.float32:
            g_arr = g_arr.astype(np.float32)   # keeps float32's tolerance in the summary
        lines = [f"✗ {exercise.name}: {label} is wrong on the case {case.label}"
                 + _difference_summary(g_arr, w_arr, case) + "."]
        lines += _shown_entries(g_arr, w_arr, case)
        hint = _diagnose(exercise, case, path, g, w) or _generic_hint(g_arr, w_arr, case)
        if hint:
            lines.append(f"  Likely cause: {hint}")
        return "\n".join(lines)
    return None


def _tolerances(case, got=None):
    """(rtol, atol): float32 inputs, or an answer computed in float32, get float32's precision."""
    single = case.float32 or getattr(got, "dtype", None) == np.float32
    return (1e-4, 1e-5) if single else (1e-6, 1e-9)


def _close(g, w, case):
    rtol, atol = _tolerances(case, g)
    try:
        g = np.asarray(g, dtype=np.float64)
        w = np.asarray(w, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if g.shape != w.shape:
        if g.size == w.size == 1:
            g, w = g.reshape(()), w.reshape(())
        else:
            return False
    return bool(np.allclose(g, w, rtol=rtol, atol=atol, equal_nan=False))


def _bad_entries(g, w, case):
    rtol, atol = _tolerances(case, g)
    with np.errstate(invalid="ignore"):
        return ~np.isclose(g, w, rtol=rtol, atol=atol)


def _difference_summary(g, w, case):
    if g.ndim == 0:
        return ""
    bad = _bad_entries(g, w, case)
    with np.errstate(invalid="ignore", over="ignore"):
        largest = np.max(np.abs(g - w)[bad]) if np.isfinite(g[bad]).all() else np.inf
    return f" ({int(bad.sum())} of {bad.size} entries differ, the largest by {_num(largest)})"


def _shown_entries(g, w, case):
    if g.ndim == 0:
        return [f"    yours: {_num(g)}, expected: {_num(w)}"]
    bad = np.argwhere(_bad_entries(g, w, case))[:SHOWN_ENTRIES]
    return [f"    entry [{', '.join(str(int(i)) for i in idx)}]: yours {_num(g[tuple(idx)])}, "
            f"expected {_num(w[tuple(idx)])}" for idx in bad]


def _num(x):
    x = float(x)
    if not np.isfinite(x):
        return str(x)
    return f"{x:.4f}" if x == 0 or 1e-3 <= abs(x) < 1e4 else f"{x:.3e}"


# -- diagnosis ------------------------------------------------------------------

def _diagnose(exercise, case, path, got, want):
    """The hint of the first known mistake whose output at ``path`` equals the learner's."""
    for mistake in exercise.mistakes:
        try:
            with np.errstate(**(exercise.errstate or {})):
                wrong = mistake.compute(*_copy(case.args), **_copy(case.kwargs))
        except Exception:
            continue
        if exercise.outputs is not None and (not isinstance(wrong, (tuple, list))
                                             or len(wrong) != len(exercise.outputs)):
            continue
        wrong_leaves = leaves(_as_named(exercise, wrong), "")
        if path in wrong_leaves and _close(got, wrong_leaves[path], case) \
                and not _close(wrong_leaves[path], want, case):
            return mistake.hint
    return None


def _shape_hint(g, w, case):
    gs, ws = np.shape(g), np.shape(w)
    if len(gs) == 2 and gs == ws[::-1]:
        return "the result is transposed: the rows and the columns are swapped."
    if len(gs) == len(ws) + 1 and 1 in gs and tuple(s for s in gs if s != 1) == tuple(s for s in ws if s != 1):
        return ("there is an extra axis of length 1 (a sum that keeps the summed axis, or a column vector "
                "instead of a flat one).")
    if len(gs) + 1 == len(ws) and 1 in ws:
        return "an axis of length 1 is missing."
    if len(gs) == 2 and len(ws) == 1:
        return "a sum or a mean over one axis is missing (or went over the wrong axis)."
    return None


def _generic_hint(g, w, case):
    """Patterns that need no list of mistakes: transposed, sign, a constant factor, NaN."""
    if not np.all(np.isfinite(g)):
        return "your result contains NaN or infinite values: something overflowed or divided by zero."
    rtol, atol = _tolerances(case)
    if np.allclose(g, -w, rtol=rtol, atol=atol):
        return "every value has the wrong sign."
    if g.ndim == 2 and g.shape == w.shape[::-1] and np.allclose(g.T, w, rtol=rtol, atol=atol):
        return "the result is transposed."
    if np.any(g != 0) and not np.any(w != 0):
        return "every expected value is zero here."
    if not np.any(g != 0):
        return "your values are all zero."
    nonzero = np.abs(w) > 1e-8
    if nonzero.any():
        ratios = g[nonzero] / w[nonzero]
        k = float(np.median(ratios))
        if np.allclose(g, k * w, rtol=10 * rtol, atol=atol) and abs(k - 1) > 1e-3:
            N = case.facts.get("N")
            if N and N > 1 and np.isclose(k, N):
                return f"your values are N = {N} times too large: the 1/N of the batch mean is missing."
            if N and N > 1 and np.isclose(k, 1 / N):
                return f"your values are N = {N} times too small: an extra 1/N (the mean is already taken elsewhere)."
            return f"your values are the expected ones times {k:.4g}: a constant factor is wrong or missing."
    return None


def _gradient_problem(exercise, cases, outcomes):
    """Step 4: compare the returned gradients with numerical ones (float64 cases)."""
    for case, outcome in zip(cases, outcomes):
        if case.float32:
            continue
        got = dict(leaves(_as_named(exercise, outcome["value"]), ""))
        numeric = exercise.gradient(case)
        if exercise.outputs is None:
            numeric = {"__result__": numeric}
        for out_name, value in numeric.items():
            for path, num in leaves({out_name: value}, "").items():
                err = rel_error(got[path], num)
                tolerance = GRADIENT_TOLERANCE if getattr(got[path], "dtype", None) != np.float32 else 1e-5
                if not err < tolerance:
                    return (f"✗ {exercise.name}: {_label(path, exercise.result)} disagrees with the numerical gradient on the case "
                            f"{case.label} (relative error {err:.1e}, should be below {tolerance:.0e}).")
    return None


# -- small helpers ----------------------------------------------------------------

def _copy(x):
    import copy
    return copy.deepcopy(x)


def _leaf_arrays(x):
    return [v for v in leaves(x, "").values() if isinstance(v, np.ndarray)]


def _type_name(x):
    return x.type_name if isinstance(x, runner.Opaque) else type(x).__name__


def _kind(w):
    return "a number" if np.ndim(w) == 0 else f"an array of shape {np.shape(w)}"
