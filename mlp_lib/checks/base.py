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
from . import diagnose, runner, scenario, wire
from .status import Status

GRADIENT_TOLERANCE = 1e-7          # relative error of a float64 gradient against the numerical one
GRADIENT_TOLERANCE_FLOAT32 = 1e-5  # the same for a gradient returned in float32
FLOAT64_RTOL, FLOAT64_ATOL = 1e-6, 1e-9   # how close a float64 answer must be to the reference
FLOAT32_RTOL, FLOAT32_ATOL = 1e-4, 1e-5   # the same for float32 inputs or answers
SHOWN_ENTRIES = 3
LOCATED_FROM, LOCATED_ONLY = "wrong-from-", "wrong-only-"   # ids of a mistake located, not named


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
    id: str = ""

    def ident(self, exercise):
        """The stable identifier "exercise/mistake": ``id``, or the hint's first words."""
        return f"{exercise}/{self.id or slug(self.hint)}"


def slug(text, words=8):
    """"dW is transposed: it must..." -> "dw-is-transposed"."""
    head = text.split(":")[0].split(";")[0].split(".")[0]
    tokens = [t for t in "".join(c.lower() if c.isalnum() or c == "/" else " " for c in head).split()]
    return "-".join(tokens[:words]) or "mistake"


@dataclass
class Promise:
    """A property the docstring promises, checked on every right answer with its own message.

    id: stable identifier after the exercise's name, e.g. "int-count";
    holds: (case, value) -> bool, or with ``across=True`` (cases, values) -> bool;
    message: what is wrong when it does not hold (the cause first)."""
    id: str
    message: str
    holds: Callable
    across: bool = False


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
    extra: optional (case, value) -> message or None, one more condition on a right answer;
    promises: docstring promises (``Promise``) checked after the values;
    may_change: argument paths the function may change in place, e.g. ("args[0]",); any
        other input changed in place fails the check;
    terms: optional (case) -> {output label: {description: array}}, the reference's own
        intermediate terms, to name an extra or missing term;
    changes: optional (case) -> {output label: (description, array before[, factors])}: an
        output that is an input plus a change (a parameter plus its step, a gradient plus its
        L2 term), so that a wrong change is named ("the step has the wrong sign"); factors,
        {description: array}, whose product is the change, name a missing or inverted factor;
    regions: optional (case) -> {description: boolean mask of the inputs' entries}, e.g.
        {"where z >= 0": z >= 0}: when only the entries of one region are wrong, that
        branch of the formula is named;
    intermediates: output labels computed before the others (a state before the parameter
        it moves): when they are wrong, they are reported first;
    arg_names: the argument names used in messages (default: the reference's);
    scenario: True when the learner's answer is a class: each case's args are ``(steps,)``, a
        scenario (``scenario.play``) that builds an instance and calls its methods, and the
        reference and the mistakes take the steps too;
    before_values: optional (case, value) -> message, (message, id) or None: a condition
        checked before the values are compared, for a cause that would otherwise show only
        as wrong values (a model that ignores the parameters it is given).
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
    promises: Sequence[Promise] = ()
    may_change: Sequence[str] = ()
    terms: Optional[Callable] = None
    changes: Optional[Callable] = None
    regions: Optional[Callable] = None
    intermediates: Sequence[str] = ()
    arg_names: Optional[Sequence[str]] = None
    scenario: bool = False
    before_values: Optional[Callable] = None

    @property
    def kind(self):
        return "score" if self.score is not None else "compare"


@dataclass
class CheckResult:
    """The verdict on one exercise.

    passed: True when fully right; status: a ``status.Status`` of ``status.RESULT`` (it equals its
    string, "passed", "failed"...); message: the explanation shown to the learner (first line: the verdict);
    fraction: the share of the points earned (1.0, 0.0, or in between for scored kinds);
    diagnosis: a stable identifier of the cause, "exercise/mistake" for a known mistake or
    "generic/..." for a pattern any check recognises ("" when passed).
    """
    exercise: str
    passed: bool
    status: str
    message: str
    fraction: float = 0.0
    printed: bool = False
    diagnosis: str = ""

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


def callable_for(exercise, fn):
    """What the harness calls for the learner's answer ``fn``: ``fn`` itself, or for a class
    exercise the player of its scenarios."""
    return scenario.player(fn) if exercise.scenario else fn


def make_check(exercise):
    """Build the learner-facing check ``check_<name>(fn)`` of an exercise."""
    def check(fn):
        if not callable(fn):
            result = CheckResult(exercise.name, False, Status.ERROR,
                                 f"✗ pass the function itself, e.g. check_{exercise.name}({exercise.name}), "
                                 f"not the result of calling it (got a {type(fn).__name__})")
        else:
            cases = exercise.make_cases(np.random.default_rng(exercise.seed))
            outcomes = runner.call_cases(callable_for(exercise, fn), [(c.args, c.kwargs) for c in cases],
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
    numerical ones; it keeps the docstring's promises (types, seeds, inputs left
    unchanged). -> CheckResult, whose ``diagnosis`` names the cause.
    """
    name = exercise.name
    for case, outcome in zip(cases, outcomes):
        problem = _running_problem(exercise, case, outcome)
        if problem is not None:
            return problem
    if exercise.kind == "score":
        result = _score(exercise, cases, outcomes)
        broken = _promise_problem(exercise, cases, outcomes) if result.status == Status.PASSED else None
        return result if broken is None else broken      # a failed CheckResult is falsy: test for None
    if exercise.before_values is not None:
        for case, outcome in zip(cases, outcomes):
            problem = _condition(exercise, exercise.before_values(case, outcome["value"]), "before-values")
            if problem is not None:
                return problem
    expected = [exercise.reference(*_copy(c.args), **_copy(c.kwargs)) for c in cases]
    for case, outcome, want in zip(cases, outcomes, expected):
        problem = _structure_problem(exercise, case, outcome["value"], want)
        if problem is not None:
            return _failed(exercise, *problem)
    problem = _value_problem(exercise, cases, [o["value"] for o in outcomes], expected)
    if problem is not None:
        return _failed(exercise, *problem)
    if exercise.extra is not None:
        for case, outcome in zip(cases, outcomes):
            problem = _condition(exercise, exercise.extra(case, outcome["value"]), "extra-condition")
            if problem is not None:
                return problem
    notes = []
    if exercise.gradient is not None:
        problem = _gradient_problem(exercise, cases, outcomes)
        if problem is not None:
            return _failed(exercise, problem, "generic/gradient-mismatch")
        notes.append("numerical gradient check passed")
    problem = _promise_problem(exercise, cases, outcomes)
    if problem is not None:
        return problem
    return CheckResult(name, True, Status.PASSED, f"✓ {name} is right: {_describe_cases(cases)}"
                       + "".join(f", {n}" for n in notes) + ".", fraction=1.0)


def _condition(exercise, problem, default_id):
    """A failed CheckResult for what ``extra`` or ``before_values`` returned (a message or
    (message, id)), or None when it returned nothing."""
    if not problem:
        return None
    message, ident = problem if isinstance(problem, tuple) else (problem, default_id)
    return _failed(exercise, f"✗ {exercise.name}: {message}", f"{exercise.name}/{ident}")


def _failed(exercise, message, diagnosis):
    return CheckResult(exercise.name, False, Status.FAILED, message, diagnosis=diagnosis)


def _describe_cases(cases):
    extras = []
    if any(c.facts.get("N") == 1 for c in cases):
        extras.append("a batch of one")
    if any(c.float32 for c in cases):
        extras.append("float32 inputs")
    text = f"{len(cases)} test case{'s' if len(cases) != 1 else ''} passed"
    return text + (f" (including {' and '.join(extras)})" if extras else "")


# -- step 1: it runs ---------------------------------------------------------------

def _running_problem(exercise, case, outcome):
    """Did the call return at all? -> CheckResult or None."""
    name = exercise.name
    if outcome.get("reference_called"):
        called = ", ".join(r.replace(":", ".") for r in outcome["reference_called"])
        return CheckResult(name, False, Status.REFERENCE_CALLED,
                           f"✗ {name} calls the course's own solution ({called}) instead of computing "
                           f"the answer itself; write the computation yourself (this scores no points).",
                           diagnosis="generic/calls-the-solution")
    status = outcome["status"]
    if status == Status.OK:
        return None
    if status == Status.NOT_IMPLEMENTED:
        where = outcome.get("where", name)
        if where not in (name, outcome.get("function"), "<module>", "<lambda>", "?"):
            text = (f"✗ {name}: not implemented yet: it calls {where}, which still raises "
                    f"NotImplementedError. Finish {where} first.")
        else:
            text = (f"✗ {name}: not implemented yet. Replace `raise NotImplementedError()` with your "
                    f"code, run that cell, then run this check again.")
        return CheckResult(name, False, Status.NOT_IMPLEMENTED, text, diagnosis="generic/not-implemented")
    if status == Status.NOT_DEFINED:
        return CheckResult(name, False, Status.NOT_DEFINED,
                           f"✗ {name} is not defined in the notebook (found: {outcome.get('found', 'missing')}): "
                           f"keep the function's name, and make sure its cell runs without an error.",
                           diagnosis="generic/not-defined")
    if status == Status.TIMEOUT:
        return CheckResult(name, False, Status.TIMEOUT,
                           f"✗ {name} did not finish within its time budget of {outcome.get('budget', 0):.0f} s: "
                           f"look for a loop that never ends, or far too many iterations.",
                           diagnosis="generic/timeout")
    if status == Status.ERROR:
        error = str(outcome.get("error", "an error"))
        hint, diagnosis = _match_error(exercise, case, error)
        line = f"\n  at the line: {outcome['line']}" if outcome.get("line") else ""
        return CheckResult(name, False, Status.ERROR,
                           f"✗ {name} raised {error} on the case {case.label}.{line}"
                           + (f"\n  Likely cause: {hint}" if hint else ""), diagnosis=diagnosis)
    return CheckResult(name, False, status, f"✗ {name}: {outcome.get('message', status)}",
                       diagnosis=f"generic/{status}")


def _match_error(exercise, case, error):
    """(hint, diagnosis) of a known mistake that raises the very same error, or a generic one."""
    for mistake in exercise.mistakes:
        try:
            with np.errstate(**(exercise.errstate or {})):
                mistake.compute(*_copy(case.args), **_copy(case.kwargs))
        except Exception as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            if f"{type(exc).__name__}: {message}".rstrip(": ") == error:
                return mistake.hint, mistake.ident(exercise.name)
    if "matmul" in error or "could not be broadcast" in error or "shapes" in error and "aligned" in error:
        return ("two arrays' shapes do not fit together: write the shape of every factor next to "
                "your formula and check which sizes must agree (and which array needs a transpose)."), \
            "generic/shapes-do-not-fit"
    if error.startswith("FloatingPointError") and "overflow" in error:
        return ("an exponential or a power overflowed for large inputs; this exercise asks for a form "
                "that stays finite for inputs as large as 1e4."), "generic/overflow"
    if error.startswith("FloatingPointError") and ("divide" in error or "invalid" in error):
        return "a division by zero (or zero divided by zero) happened.", "generic/division-by-zero"
    kind = error.split(":")[0].strip() or "error"
    return None, f"generic/raised-{kind}"


def _score(exercise, cases, outcomes):
    """Kind "score": the mean of the per-case fractions, with each case's message.

    A score function returns (fraction, message) or (fraction, message, diagnosis id)."""
    fractions, messages, diagnoses = [], [], []
    for case, outcome in zip(cases, outcomes):
        fraction, message, *diagnosis = exercise.score(case, outcome["value"])
        fractions.append(float(np.clip(fraction, 0.0, 1.0)))
        messages.append((fraction, message))
        if fraction < 1.0:
            diagnoses.append(diagnosis[0] if diagnosis else f"{exercise.name}/below-full-score")
    fraction = float(np.mean(fractions))
    status = Status.PASSED if fraction >= 1.0 else Status.PARTIAL if fraction > 0 else Status.FAILED
    # below full marks, what was right on some cases is left out: the learner reads what is wrong
    shown = [m for f, m in messages if status == Status.PASSED or f < 1.0]
    messages = [m for i, m in enumerate(shown) if m not in shown[:i]]
    mark = "✓" if status == Status.PASSED else "✗"
    return CheckResult(exercise.name, status == Status.PASSED, status,
                       f"{mark} {exercise.name}: " + "; ".join(messages), fraction=fraction,
                       diagnosis=diagnoses[0] if diagnoses else "")


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


# -- step 2: types and shapes ---------------------------------------------------------

def _structure_problem(exercise, case, got, want):
    """Types and shapes. -> (message, diagnosis) or None."""
    name = exercise.name
    if exercise.outputs is not None:
        n = len(exercise.outputs)
        if got is None:
            return (f"✗ {name} returned None: it must return {n} values ({', '.join(exercise.outputs)}). "
                    f"Is the return line missing?", "generic/returned-none")
        if not isinstance(got, (tuple, list)) or len(got) != n:
            what = (f"{len(got)} values" if isinstance(got, (tuple, list))
                    else f"a single {_type_name(got)}")
            return (f"✗ {name} returned {what}: it must return {n} values ({', '.join(exercise.outputs)}).",
                    "generic/wrong-number-of-outputs")
    problem = _container_problem(exercise, _as_named(exercise, got), _as_named(exercise, want), "")
    if problem is not None:
        return problem
    got_leaves = leaves(_as_named(exercise, got), "")
    want_leaves = leaves(_as_named(exercise, want), "")
    for path, w in want_leaves.items():
        label = _label(path, exercise.result)
        g = got_leaves[path]
        if isinstance(g, (wire.Opaque, str)) or g is None:
            return (f"✗ {name}: {label} must be {_kind(w)}; it is {_plain_type(g)}.", "generic/wrong-type")
        if np.shape(w) != np.shape(g) and not (np.ndim(w) == 0 and np.size(g) == 1):
            found = _diagnose(exercise, case, path, g, w)
            if found is None:
                pattern = diagnose.shape_pattern(np.shape(g), np.shape(w))
                found = (pattern.hint, pattern.id) if pattern else (None, "generic/wrong-shape")
            hint, diagnosis = found
            return (f"✗ {name}: {label} has shape {np.shape(g)}, expected {np.shape(w)}, on the case {case.label}."
                    + (f"\n  Likely cause: {hint}" if hint else ""), diagnosis)
    return None


def _container_problem(exercise, got, want, path):
    """The first place where the returned containers differ from the expected ones."""
    name, label = exercise.name, _label(path, exercise.result) if path else "the result"
    where = f"{label} returned by {name}" if path else f"what {name} returned"
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return (f"✗ {name}: {label} is {_plain_type(got)}: it must be {_describe(want)}.",
                    "generic/returned-none" if got is None else "generic/wrong-container")
        missing = [k for k in want if k not in got]
        extra = [k for k in got if k not in want]
        if missing or extra:
            parts = ([f"lacks the key{'s' if len(missing) > 1 else ''} {', '.join(map(str, missing))}"] if missing
                     else []) + ([f"has the unexpected key{'s' if len(extra) > 1 else ''} "
                                  f"{', '.join(map(str, extra))}"] if extra else [])
            return (f"✗ {name}: {where} {' and '.join(parts)}; it must be {_describe(want)}.",
                    "generic/wrong-keys")
        for k in want:
            problem = _container_problem(exercise, got[k], want[k], f"{path}[{k!r}]")
            if problem is not None:
                return problem
        return None
    if isinstance(want, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return (f"✗ {name}: {label} is {_plain_type(got)}: it must be {_describe(want)}.",
                    "generic/returned-none" if got is None else "generic/wrong-container")
        for i, (g, w) in enumerate(zip(got, want)):
            problem = _container_problem(exercise, g, w, f"{path}[{i}]")
            if problem is not None:
                return problem
        return None
    if got is None:
        return (f"✗ {name} returned None{' for ' + label if path and label != 'the result' else ''}: it must "
                f"return {_kind(want)}. Is the return line missing?", "generic/returned-none")
    if isinstance(got, (dict, tuple, list)):
        return (f"✗ {name}: {label} is {_plain_type(got)}: it must be {_kind(want)}.", "generic/wrong-container")
    return None


def _plain_type(x):
    """A value's type in words: "None", "a list of 3 items", "a dict with the keys a, b", "a str"."""
    if x is None:
        return "None"
    if isinstance(x, dict):
        return f"a dict with the keys {', '.join(map(str, x))}" if x else "an empty dict"
    if isinstance(x, (tuple, list)):
        return f"a {type(x).__name__} of {len(x)} item{'s' if len(x) != 1 else ''}"
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    return f"a {_type_name(x)}"


def _describe(want):
    if isinstance(want, dict):
        return f"a dict with the keys {', '.join(map(str, want))}"
    if isinstance(want, (tuple, list)):
        return f"a {type(want).__name__} of {len(want)} values"
    return _kind(want)


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


# -- step 3: values ------------------------------------------------------------------

def _value_problem(exercise, cases, gots, wants):
    """Values against the reference, on every case. -> (message, diagnosis) or None.

    The message names the first wrong output on the first case where it is wrong. Its cause
    is, in this order: a known mistake; a pattern that every case where the output is wrong
    shows (a flipped sign, a factor, a term of the reference...); otherwise none, and the
    message says how many cases differ."""
    got_named = [leaves(_as_named(exercise, g), "") for g in gots]
    want_named = [leaves(_as_named(exercise, w), "") for w in wants]
    paths = list(dict.fromkeys(p for named in want_named for p in named))
    first = [p for p in paths if any(_label(p, exercise.result).startswith(i) for i in exercise.intermediates)]
    paths = first + [p for p in paths if p not in first]
    for path in paths:
        wrong = [i for i, case in enumerate(cases) if path in want_named[i]
                 and not _close(got_named[i][path], want_named[i][path], case)]
        if not wrong:
            continue
        i = wrong[0]
        case, g, w = cases[i], got_named[i][path], want_named[i][path]
        label = _label(path, exercise.result)
        g_arr, w_arr = _as_arrays(g, w)
        others = len(wrong) - 1
        lines = [f"✗ {exercise.name}: {label} is wrong on the case {case.label}"
                 + _difference_summary(g_arr, w_arr, case) + "."]
        lines += _shown_entries(g_arr, w_arr, case)
        found = _diagnose(exercise, case, path, g, w)
        if found is None:
            pattern = _case_agreement(exercise, cases, got_named, want_named, path, wrong)
            found = (pattern.hint, pattern.id) if pattern else None
        if found is None:
            found = _first_wrong_step(exercise, cases, got_named, want_named, paths, path)
        if found is not None:
            lines.append(f"  Likely cause: {found[0]}")
            return "\n".join(lines), found[1]
        having = sum(path in named for named in want_named)
        lines.append(f"  It is wrong on {len(wrong)} of the {having} cases." if others else
                     f"  It is right on the other {having - 1} cases." if having > 1 else "")
        return "\n".join(line for line in lines if line), "generic/values-differ"
    return None


def _first_wrong_step(exercise, cases, got_named, want_named, paths, path):
    """Where the mistake lies when an exercise returns several outputs and only some are wrong:
    the outputs before ``path`` (in the order they are computed, ``intermediates`` first) are
    right on every case, so the step that computes ``path`` is the first one wrong; or every
    other output is right, so the mistake is in ``path``'s own formula. -> (hint, id) or None."""
    right = [p for p in paths if p != path and all(
        p not in want_named[i] or (p in got_named[i] and _close(got_named[i][p], want_named[i][p], case))
        for i, case in enumerate(cases))]
    if not right:
        return None
    label = _label(path, exercise.result)
    names = [_label(p, exercise.result) for p in right]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    verb = "is" if len(names) == 1 else "are"
    before = paths[:paths.index(path)]
    if before and all(p in right for p in before) and len(right) < len(paths) - 1:
        return (f"{label} is the first output that goes wrong: {listed} {verb} right, so the mistake is in the "
                f"step that computes {label}.", f"{exercise.name}/{LOCATED_FROM}{slug(label)}")
    return (f"only {label} is wrong: {listed} {verb} right, so the mistake is in the formula of {label} alone, "
            f"not in what it shares with the others.", f"{exercise.name}/{LOCATED_ONLY}{slug(label)}")


def _as_arrays(g, w):
    g_arr, w_arr = np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if g_arr.shape != w_arr.shape:
        g_arr = g_arr.reshape(w_arr.shape)
    if getattr(g, "dtype", None) == np.float32:
        g_arr = g_arr.astype(np.float32)   # keeps float32's tolerance in the summary
    return g_arr, w_arr


def _case_agreement(exercise, cases, got_named, want_named, path, wrong):
    """The generic pattern that every wrong case of the output at ``path`` shows, or None."""
    found = []
    for i in wrong:
        g, w = _as_arrays(got_named[i][path], want_named[i][path])
        g = g.astype(np.float64)
        rtol, atol = _tolerances(cases[i], got_named[i][path])
        label = _label(path, exercise.result)
        candidates = []
        if np.all(np.isfinite(g)):
            if exercise.terms is not None:
                candidates += diagnose.term_patterns(g, w, exercise.terms(cases[i]).get(label, {}), rtol, atol)
            change = exercise.changes(cases[i]).get(label) if exercise.changes is not None else None
            if change is not None:
                what, before, factors = (*change, None) if len(change) == 2 else change
                candidates.append(diagnose.step_pattern(g, w, np.asarray(before, dtype=np.float64), what, rtol, atol,
                                                        factors))
        if exercise.regions is not None:
            candidates.append(diagnose.region_pattern(g, w, exercise.regions(cases[i]), rtol, atol))
        candidates.append(diagnose.value_pattern(g, w, rtol, atol, cases[i].facts.get("N")))
        found.append([d for d in candidates if d is not None])
    return diagnose.agree(found)


def _tolerances(case, got=None):
    """(rtol, atol): float32 inputs, or an answer computed in float32, get float32's precision."""
    single = case.float32 or getattr(got, "dtype", None) == np.float32
    return (FLOAT32_RTOL, FLOAT32_ATOL) if single else (FLOAT64_RTOL, FLOAT64_ATOL)


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


# -- known mistakes ------------------------------------------------------------------

def _diagnose(exercise, case, path, got, want):
    """(hint, id) of the first known mistake whose output at ``path`` equals the learner's."""
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
            return mistake.hint, mistake.ident(exercise.name)
    return None


def _shape_hint(g, w, case):
    """The hint of a wrong shape (see ``diagnose.shape_pattern``), or None."""
    pattern = diagnose.shape_pattern(np.shape(g), np.shape(w))
    return pattern.hint if pattern else None


def _generic_hint(g, w, case):
    """The hint one case shows (see ``diagnose.value_pattern``), or None."""
    rtol, atol = _tolerances(case)
    pattern = diagnose.value_pattern(np.asarray(g, float), np.asarray(w, float), rtol, atol, case.facts.get("N"))
    return pattern.hint if pattern else None


# -- step 4: gradients ------------------------------------------------------------------

def _gradient_problem(exercise, cases, outcomes):
    """Compare the returned gradients with numerical ones (float64 cases)."""
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
                tolerance = (GRADIENT_TOLERANCE if getattr(got[path], "dtype", None) != np.float32
                             else GRADIENT_TOLERANCE_FLOAT32)
                if not err < tolerance:
                    return (f"✗ {exercise.name}: {_label(path, exercise.result)} disagrees with the numerical "
                            f"gradient on the case {case.label} (relative error {err:.1e}, should be below "
                            f"{tolerance:.0e}).")
    return None


# -- step 5: the docstring's promises -------------------------------------------------------

def _promise_problem(exercise, cases, outcomes):
    """Inputs left unchanged (except ``may_change``), then every declared ``Promise``."""
    name = exercise.name
    for case, outcome in zip(cases, outcomes):
        changed = [p for p in outcome.get("changed_inputs", ())
                   if not any(p == a or p.startswith(a + "[") for a in exercise.may_change)]
        if changed:
            what = ", ".join(_argument_label(exercise, p) for p in changed)
            return CheckResult(name, False, Status.FAILED,
                               f"✗ {name} changes its input {what} in place: the caller still needs it after "
                               f"the call, so compute the result in a new array and leave the inputs as they "
                               f"were (seen on the case {case.label}).", diagnosis="generic/changes-its-input")
    values = [o["value"] for o in outcomes]
    for promise in exercise.promises:
        if promise.across:
            holds = promise.holds(cases, values)
        else:
            holds = all(promise.holds(c, v) for c, v in zip(cases, values))
        if not holds:
            return CheckResult(name, False, Status.FAILED, f"✗ {name}: {promise.message}",
                               diagnosis=f"{name}/{promise.id}")
    return None


def _argument_label(exercise, path):
    """"args[0]" -> "Z"; "args[1]['W1']" -> "grads['W1']"; "kwargs['u']" -> "u"."""
    import inspect
    names = exercise.arg_names
    if names is None and exercise.reference is not None:
        try:
            names = [p for p in inspect.signature(exercise.reference).parameters]
        except (TypeError, ValueError):
            names = None
    if path.startswith("args["):
        index = int(path[5:path.index("]")])
        rest = path[path.index("]") + 1:]
        head = names[index] if names and index < len(names) else f"number {index + 1}"
        return head + rest
    if path.startswith("kwargs['"):
        end = path.index("']")
        return path[8:end] + path[end + 2:]
    return path


# -- small helpers ----------------------------------------------------------------

def _copy(x):
    import copy
    return copy.deepcopy(x)


def _leaf_arrays(x):
    return [v for v in leaves(x, "").values() if isinstance(v, np.ndarray)]


def _type_name(x):
    return x.type_name if isinstance(x, wire.Opaque) else type(x).__name__


def _kind(w):
    return "a number" if np.ndim(w) == 0 else f"an array of shape {np.shape(w)}"
