"""Instant checks of the learner's exercises, and the registry the grader reads.

A check is called on the learner's function, e.g. ``check_affine_backward(affine_backward)``.
It tests, in order: the function runs at all (a stub says "not implemented yet"); it returns
the right types and shapes; its values match the reference on seeded inputs (several shapes,
a batch of one, float32); its gradients match numerical ones where it computes a gradient.
It prints one line when right, an explanation when wrong (which output, which entries, by
how much, and the likely mistake), and returns a ``CheckResult`` (``.passed``, ``.status``,
``.message``, ``.fraction``, ``.diagnosis``: a stable identifier of the cause such as
``affine_backward/dw-is-transposed`` or ``generic/sign-flipped``, which the gradebook records
and ``mlp_lib.grading.report`` counts per exercise for the teacher). Under nbgrader (``NBGRADER_EXECUTION`` set) a failing check
raises ``AssertionError``, so a check cell is also an nbgrader test cell.

Modules
-------
- ``base``: ``Case``, ``Mistake``, ``Promise``, ``Exercise``, ``CheckResult``, ``make_check``
  and ``evaluate``, the comparison and diagnosis shared by the checks and the grader.
- ``diagnose``: the patterns any check recognises without a list of mistakes.
- ``promises``: docstring promises several exercises share (an int count, a float rate, the
  use of ``seed``).
- ``runner``: the harness that calls a learner's function (fresh input copies, a time
  budget, detection of calls to the package's own solution, the inputs it changed in place);
- ``wire``: the plain-data format of what a call returns (JSON plus ``.npz``, no pickles);
- ``status``: ``Status``, every status of a call, an exercise and a gradebook row;
- ``scenario``: what a class exercise does with the learner's class, as plain data (build an
  instance, set its parameters, call its methods, hand it to ``train``);
- ``in_kernel``: the grader's entry point inside a learner's kernel, and the code that takes
  it (with ``runner``, ``wire`` and ``status``, which import only the standard library and
  NumPy) there.
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

   An exercise whose answer is a class (``MyMLP`` of lesson 3) sets ``scenario=True``: an
   instance cannot cross the wire, so each case's args are ``(steps,)``, a scenario that builds
   an instance and calls its methods (``scenario.play``); the reference and the mistakes take
   the steps too (``scenario.play(ReferenceClass, steps)``) and the results are plain data,
   compared as any function's. A scenario never calls a package function on the answer (the
   grading package may withhold it: ``train`` is ``train_xor``'s answer); its ``descend`` step
   trains the instance as ``train`` does, through the same members. ``before_values`` names a cause that
   would otherwise show only as wrong values (a model that ignores the parameters it is given).
3. A check: ``check_affine_backward = make_check(AFFINE_BACKWARD)``.
4. List it in the module's ``EXERCISES`` (in notebook order), next to
   ``EXERCISE_SET = "03_backpropagation"``. Lesson modules are found automatically.
5. Tests: ``tests/test_checks_lessonNN.py`` feeds right answers (in place on fresh arrays,
   float32, loops, another formula) and at least three wrong ones per check, asserting the
   matching hint; ``python tools/mutation_harness.py --lesson NN`` must then report no
   accepted variant, and few rejections with a generic message only.

How a wrong answer gets its cause (``evaluate``, in this order)
-----------------------------------------------------------------
1. It does not run: not implemented, an error (the error and the learner's line; a known
   mistake that raises the same error gives its hint), a time-out, a call of the solution.
2. Wrong types or shapes: None or a wrong container is said in words ("returned None: it must
   return ..."); a wrong shape is matched against the known mistakes, then against the shape
   patterns of ``diagnose.shape_pattern`` (transposed, an extra axis, a missing sum...).
3. Wrong values. The first wrong output, on the first case where it is wrong, is shown
   beside the expected one. Its cause is, in this order of preference:
   a. a declared ``Mistake`` whose output equals the learner's there. Declare per exercise
      the typical mistakes and the *neighbour formulas*, another known formula a learner may
      write instead (the derivative of another activation, the sample instead of the
      population variance, the output instead of z...): a neighbour is a ``Mistake`` whose hint
      names the formula. Its identifier is ``exercise/`` plus ``Mistake.id`` or, by default,
      the first words of the hint;
   b. a pattern that every case where the output is wrong shows, with the same factor; a
      guess about the formula needs at least two such cases (``diagnose.MIN_CASES``), since
      one number is always some multiple of another. The patterns: ``diagnose.value_pattern``
      (a flipped sign, a transpose, a factor, N or 1/N, a constant offset, only some rows or
      columns wrong); ``diagnose.term_patterns`` with ``Exercise.terms``, the reference's own
      terms of an output (``{"state['m']": {"beta1 · m ...": array, "(1 - beta1) · g": array}}``):
      the difference is a multiple of one term, so that term is missing, has the wrong sign
      or the wrong coefficient; ``diagnose.step_pattern`` with ``Exercise.changes``, an output
      that is an input plus a change (a parameter plus its step) and the change's factors:
      the change is missing, reversed, scaled, or one factor is missing or inverted. A factor
      that differs from case to case is named only where the pattern allows it (an array
      term, a step), and the hint says that it varies;
   c. the place: when an exercise returns several outputs, the first wrong one while those
      computed before it are right (``Exercise.intermediates`` come first), or the only wrong
      one ("the mistake is in the formula of the loss alone"). Identifiers
      ``exercise/wrong-from-...`` and ``exercise/wrong-only-...``;
   d. otherwise no guess: the message says which entries differ, by how much, and on how
      many cases.
   Order the outputs (``outputs``) so that an intermediate comes before what is computed
   from it: the first one that differs is the one reported.
4. Gradients against numerical ones, where the exercise asks for a gradient.
5. Promises of the docstring, each with its own message and identifier: the inputs stay
   unchanged unless ``Exercise.may_change`` lists them (the runner records every input a call
   changed in place, as ``changed_inputs`` paths such as ``args[1]['W1']``); and every
   ``Promise`` (``promises.returns_int``, ``returns_float``, ``same_for_same_seed``,
   ``differs_for_other_seed``, or your own ``Promise(id, message, holds)``). Stability for
   large inputs is a case with large inputs run under ``Exercise.errstate`` (e.g.
   ``{"over": "raise"}``), so that an overflow is an error with its own hint.
   A scored exercise's ``score`` may return a third item, the identifier of what it saw
   (a training exercise reads its cause off the trained parameters or the predictions:
   identical hidden units, a loss that went up or never moved, predictions collapsed on
   one class).

Measuring it: ``python tools/mutation_harness.py`` derives wrong variants of every solution
and reports, per exercise and lesson, how many are rejected and how many of those name a
cause, locate the mistake, show the learner's own error, or say only what differs
(``docs/teachers.md`` shows the table and how to read it).

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

