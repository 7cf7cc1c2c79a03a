"""Instant checks of the learner's exercises, and the registry the grader reads.

A check is called on the learner's function, e.g. ``check_affine_backward(affine_backward)``.
It tests, in order: the function runs at all (a stub says "not implemented yet"); it returns
the right types and shapes; its values match the reference on seeded inputs (several shapes,
a batch of one, float32); its gradients match numerical ones where it computes a gradient.
It prints one line when right, an explanation when wrong (which output, which entries, by
how much, and the likely mistake), and returns a ``CheckResult`` (``.passed``, ``.status``,
``.message``, ``.fraction``). Under nbgrader (``NBGRADER_EXECUTION`` set) a failing check
raises ``AssertionError``, so a check cell is also an nbgrader test cell.

Modules
-------
- ``base``: ``Case``, ``Mistake``, ``Exercise``, ``CheckResult``, ``make_check`` and
  ``evaluate``, the comparison and diagnosis shared by the checks and the grader.
- ``runner``: calls a learner's function (fresh input copies, a time budget, detection of
  calls to the package's own solution) and turns the result into plain data.
- ``lessonNN``: one module per lesson, e.g. ``lesson03`` for ``03_backpropagation``.
- ``demo``: ``needs``, which lets an exercise notebook's demo cell run while its exercise is unwritten.

Adding an exercise (in ``mlp_lib/checks/lessonNN.py``)
--------------------------------------------------------
1. A reference: usually the package's own function (``mlp_lib.layers.affine_backward``);
   otherwise write ``<name>_reference`` in the lesson module.
2. An ``Exercise``::

       AFFINE_BACKWARD = Exercise(
           name="affine_backward",            # the learner's function name = the exercise id
           points=3,
           make_cases=_cases,                 # rng -> [Case(args, label, facts={"N": N}), ...]
           reference=affine_backward,         # (*args) -> the expected return value
           outputs=("dX", "dW", "db"),        # names of a returned tuple (None: one value)
           gradient=_numerical,               # optional: case -> {"dW": numerical dW, ...}
           references=("mlp_lib.layers:affine_backward",),   # calling these scores zero
           mistakes=[Mistake("dW is transposed: ...", lambda dout, cache: (...))],
       )

   ``make_cases`` draws its inputs from the generator it is given (the instant check and
   the grader use different seeds): include a batch of one and a float32 case. A
   ``Mistake`` computes what a typical wrong version returns (or raises); when the
   learner's output (or error) matches it, its hint is shown. Hints describe the mistake in
   words and maths, never in code.
   An exercise scored by a metric (e.g. accuracy on hidden data) gives ``score=(case,
   value) -> (fraction, message)`` instead of ``reference``; the hidden labels stay in
   ``Case.private``, which the learner's function never receives (the grader sends only
   ``args`` into the learner's kernel). ``grading_cases`` (rng -> cases) gives the grader
   other data than the instant check, e.g. a held-out split. Set ``time_budget`` (seconds)
   for slow exercises such as training. For instance::

       def _split(rng):       # what the instant check uses
           X_tr, X_val, y_tr, y_val = ...
           return [Case((X_tr, y_tr, X_val), "digits, validation split", private=y_val)]

       def _held_out(rng):    # what the grader uses: data the notebook never receives
           ...
           return [Case((X_train, y_train, X_test), "digits, held-out test split", private=y_test)]

       def _accuracy(case, labels):   # full points at >= 97 %, partial credit down to 90 %
           acc = float(np.mean(np.asarray(labels) == case.private))
           return min(1.0, max(0.0, (acc - 0.90) / 0.07)), f"test accuracy {acc:.1%}"

       TRAIN_AND_PREDICT = Exercise(name="train_and_predict", points=10, make_cases=_split,
                                    grading_cases=_held_out, score=_accuracy, time_budget=120,
                                    references=("mlp_lib.train:train",))

   A score function must check the returned value's type and shape itself and return
   (0.0, a message saying what was expected) when it is wrong.
3. A check: ``check_affine_backward = make_check(AFFINE_BACKWARD)``.
4. List it in the module's ``EXERCISES`` (in notebook order), next to
   ``EXERCISE_SET = "03_backpropagation"``. Lesson modules are found automatically.
5. Tests: ``tests/test_checks_lessonNN.py`` feeds right answers (in-place, float32,
   another formula) and at least three wrong ones per check, asserting the matching hint.

How a solution notebook declares its exercises (``solutions/NN_name.ipynb``)
-------------------------------------------------------------------------------
- Notebook metadata: ``"mlp_course": {"exercise_set": "03_backpropagation"}``.
- The cell defining the learner's function holds the answer between the lines
  ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (nbgrader's markers; ``./course exercises``
  replaces the region by ``# YOUR CODE HERE`` and ``raise NotImplementedError()``). Its
  metadata: ``"mlp_course": {"exercise": "affine_backward", "points": 3}`` and nbgrader's
  ``"nbgrader": {"grade_id": "affine_backward", "solution": true, "grade": false,
  "locked": false, "schema_version": 3, "task": false}``.
- The next code cell is the check, ``check_affine_backward(affine_backward)``, with metadata
  ``"mlp_course": {"check": "affine_backward"}`` and ``"nbgrader": {"grade_id":
  "check_affine_backward", "grade": true, "solution": false, "locked": true, "points": 3,
  "schema_version": 3, "task": false}``.
- A demo cell that calls the learner's functions runs them inside ``with needs(f, g):`` (from
  ``mlp_lib.checks``), so that the untouched exercise notebook runs from top to bottom: while
  one of them is unwritten the block is skipped with one line saying which to write first.
- The points in the notebook equal ``Exercise.points`` (a test compares them); the grader
  takes them from the registry, never from a submitted notebook.
"""
import importlib
import pkgutil

from .base import Case, CheckResult, Exercise, Mistake, evaluate, make_check
from .demo import needs

__all__ = ["Case", "CheckResult", "Exercise", "Mistake", "evaluate", "make_check", "needs",
           "exercise_sets", "get_exercise_set"]


def _lesson_modules():
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("lesson"):
            yield importlib.import_module(f"{__name__}.{info.name}")


def exercise_sets():
    """{exercise set name: [Exercise, ...]} for every lesson module, in notebook order."""
    return {m.EXERCISE_SET: list(m.EXERCISES) for m in _lesson_modules()}


def get_exercise_set(name):
    """The exercises of a set such as "03_backpropagation"; an unknown name lists the known ones."""
    sets = exercise_sets()
    if name not in sets:
        raise ValueError(f"unknown exercise set {name!r}; known sets are: {', '.join(sorted(sets)) or 'none'}")
    return sets[name]


def __getattr__(name):
    """``from mlp_lib.checks import check_affine_backward`` finds the check in its lesson module."""
    if name.startswith("check_"):
        for module in _lesson_modules():
            if hasattr(module, name):
                return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
