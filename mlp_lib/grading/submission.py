"""Grade one submitted notebook: run it in a fresh kernel, call each exercise's function on
the grader's own inputs, and judge the returned arrays here, in the grader's process.

A cell that raises, hangs, exits or kills the kernel costs only what depends on it: a
dead or stuck kernel is replaced and the notebook replayed without the offending cell.
"""
import dataclasses
import json
import os
import pathlib
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np

from ..checks import exercise_sets
from ..checks import runner
from ..checks.base import CheckResult, evaluate
from .kernel import KernelSession

RUNNER_SOURCE = pathlib.Path(runner.__file__).read_text(encoding="utf-8")
GRADER_SEED = 20231
MAX_RESTARTS = 8


class SubmissionError(ValueError):
    """A submission that cannot be graded at all (not a notebook, another exercise set...)."""


@dataclass
class Row:
    """One line of the gradebook."""
    learner: str
    exercise_set: str
    exercise: str
    points: float
    max_points: float
    status: str
    reason: str
    message: str = ""

    def as_dict(self):
        return {"learner": self.learner, "exercise_set": self.exercise_set, "exercise": self.exercise,
                "points": self.points, "max_points": self.max_points, "status": self.status,
                "reason": self.reason}


@dataclass
class Report:
    """What grading one submission gave: the rows, and how long it took."""
    learner: str
    notebook: str
    exercise_set: str
    rows: list = field(default_factory=list)
    seconds: float = 0.0
    problem: str = ""

    @property
    def points(self):
        return sum(r.points for r in self.rows)

    @property
    def max_points(self):
        return sum(r.max_points for r in self.rows)


def read_submission(path, expected_set=None):
    """Load a notebook and find its exercise set. -> (notebook dict, set name, exercises).

    Raises SubmissionError with a message a teacher can act on.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise SubmissionError(f"{path.name}: no such file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SubmissionError(f"{path.name} is not a Jupyter notebook (not a text file)") from None
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SubmissionError(f"{path.name} is not a valid notebook: its JSON is broken at line {exc.lineno}, "
                              f"column {exc.colno} ({exc.msg}); the file may be truncated or corrupted") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list) or "nbformat" not in nb:
        raise SubmissionError(f"{path.name} is JSON but not a Jupyter notebook (no 'cells' list or 'nbformat')")
    if nb.get("nbformat") != 4:
        raise SubmissionError(f"{path.name} has notebook format {nb.get('nbformat')}; open and save it in a "
                              f"current Jupyter (format 4)")
    sets = exercise_sets()
    declared = (nb.get("metadata") or {}).get("mlp_course", {}).get("exercise_set")
    name = declared if declared in sets else (path.stem if path.stem in sets else None)
    if expected_set is not None:
        mine = declared or name
        if mine is not None and mine != expected_set:
            raise SubmissionError(f"{path.name} is the exercise set {mine!r}, not {expected_set!r}")
        name = expected_set
    if name is None:
        known = ", ".join(sorted(sets))
        what = f"declares the unknown exercise set {declared!r}" if declared else "does not say which exercise set it is"
        raise SubmissionError(f"{path.name} {what}; known sets: {known} (grade with --set NAME, or hand in the "
                              f"notebook from exercises/)")
    return nb, name, sets[name]


def _code_cells(nb):
    """[(index, source, exercise defined there or None)] of the cells to run (check cells skipped)."""
    cells = []
    for i, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata") or {}
        if "check" in (meta.get("mlp_course") or {}) or "skip-execution" in (meta.get("tags") or []):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        cells.append((i, source, (meta.get("mlp_course") or {}).get("exercise")))
    return cells


class _Grading:
    """The state of one submission's run: the kernel, the cells known to break it."""

    def __init__(self, workdir, cells, cell_timeout, kernel_name):
        self.workdir = workdir
        self.cells = cells
        self.cell_timeout = cell_timeout
        self.session = KernelSession(workdir, kernel_name)
        self.skipped = {}      # cell index -> why it is left out of replays
        self.cell_errors = {}  # cell index -> what went wrong in it
        self.restarts = 0

    def run_notebook(self):
        """Run the code cells in order; a cell that kills or hangs the kernel is left out
        and the notebook replayed in a new kernel."""
        self.session.start()
        while True:
            fresh = False
            for index, source, _ in self.cells:
                if index in self.skipped:
                    continue
                outcome = self.session.run(source, self.cell_timeout)
                if outcome["status"] == "ok":
                    continue
                self.cell_errors[index] = outcome
                if outcome["status"] == "dead" or outcome.get("restarted"):
                    self.skipped[index] = outcome
                    fresh = True
                    break
            if not fresh:
                return
            self.restarts += 1
            if self.restarts > MAX_RESTARTS:
                raise SubmissionError("the notebook crashed its kernel too many times to be graded")
            if self.session.client is None or outcome["status"] == "dead":
                self.session.restart()

    def collect(self, exercise, cases):
        """Call the learner's function in the kernel on ``cases``; -> outcomes, or a
        CheckResult when the call hung or crashed the kernel."""
        token = secrets.token_hex(8)
        in_stem = os.path.join(self.workdir, f"in_{token}")
        out_stem = os.path.join(self.workdir, f"out_{token}")
        runner.save(in_stem, [(c.args, c.kwargs) for c in cases])
        source = (f"__mlp_course_runner = {{'__name__': '__mlp_course_runner__'}}\n"
                  f"exec(compile({RUNNER_SOURCE!r}, '<mlp-course-runner>', 'exec'), __mlp_course_runner)\n"
                  f"__mlp_course_runner['collect_in_kernel'](__import__('IPython').get_ipython().user_ns, "
                  f"{exercise.name!r}, {in_stem!r}, {out_stem!r}, {list(exercise.references)!r}, "
                  f"{float(exercise.time_budget)!r}, {dict(exercise.errstate or {})!r})\n"
                  f"del __mlp_course_runner")
        outcome = self.session.run(source, exercise.time_budget + 20)
        if outcome["status"] in ("dead", "timeout"):
            if outcome["status"] == "dead" or outcome.get("restarted"):
                self.replay()
            status = "crashed" if outcome["status"] == "dead" else "timeout"
            why = ("the kernel died while running it (os._exit, a crash, or no memory left)"
                   if status == "crashed" else f"it did not finish within {exercise.time_budget:.0f} s")
            return CheckResult(exercise.name, False, status, f"✗ {exercise.name}: {why}.")
        try:
            outcomes = runner.load(out_stem)
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            detail = f": {outcome['error']}" if outcome.get("error") else ""
            return CheckResult(exercise.name, False, "error",
                               f"✗ {exercise.name}: calling it stopped the grading cell{detail}.")
        if not _well_formed(outcomes, len(cases)):
            return CheckResult(exercise.name, False, "error",
                               f"✗ {exercise.name}: the answers could not be read back (did the notebook "
                               f"change files in its working folder?).")
        return outcomes

    def replay(self):
        self.restarts += 1
        if self.restarts > MAX_RESTARTS:
            raise SubmissionError("the notebook crashed its kernel too many times to be graded")
        self.session.close()
        self.run_notebook()

    def close(self):
        self.session.close()


def grade_notebook(path, learner=None, expected_set=None, cell_timeout=120, seed=GRADER_SEED,
                   exercise_timeout=None, kernel_name="python3"):
    """Grade one notebook. -> Report (never raises for a learner's mistake).

    path: the notebook; learner: the name in the gradebook (default: the file's stem);
    expected_set: refuse notebooks of another exercise set; cell_timeout: seconds per cell;
    seed: of the grader's own inputs; exercise_timeout: caps every exercise's time budget.
    """
    path = pathlib.Path(path)
    learner = learner or path.stem
    start = time.perf_counter()
    try:
        nb, set_name, exercises = read_submission(path, expected_set)
    except SubmissionError as exc:
        report = Report(learner, path.name, expected_set or "?", problem=str(exc))
        for exercise in (exercise_sets().get(expected_set, []) if expected_set else []):
            report.rows.append(Row(learner, expected_set, exercise.name, 0.0, exercise.points, "invalid", str(exc), str(exc)))
        if not report.rows:
            report.rows.append(Row(learner, expected_set or "?", "*", 0.0, 0, "invalid", str(exc), str(exc)))
        report.seconds = time.perf_counter() - start
        return report
    report = Report(learner, path.name, set_name)
    workdir = tempfile.mkdtemp(prefix="mlp-grade-")
    cells = _code_cells(nb)
    grading = _Grading(workdir, cells, cell_timeout, kernel_name)
    try:
        grading.run_notebook()
        for number, exercise in enumerate(exercises):
            make_cases = exercise.grading_cases or exercise.make_cases
            cases = make_cases(np.random.default_rng([seed, number]))
            if exercise_timeout is not None:
                exercise = dataclasses.replace(exercise, time_budget=min(exercise.time_budget, exercise_timeout))
            collected = grading.collect(exercise, cases)
            result = collected if isinstance(collected, CheckResult) else evaluate(exercise, cases, collected)
            result = _own_cell_problem(result, exercise, cells, grading.cell_errors)
            points = round(result.fraction * exercise.points, 2)
            report.rows.append(Row(learner, set_name, exercise.name, points, exercise.points,
                                   result.status, result.reason.lstrip("✓✗ "), result.message))
    except SubmissionError as exc:
        done = {r.exercise for r in report.rows}
        for exercise in exercises:
            if exercise.name not in done:
                report.rows.append(Row(learner, set_name, exercise.name, 0.0, exercise.points, "crashed",
                                       str(exc), f"✗ {exc}"))
    finally:
        grading.close()
        shutil.rmtree(workdir, ignore_errors=True)
    report.seconds = time.perf_counter() - start
    return report


def _well_formed(outcomes, n):
    """Outcomes as ``runner.call_cases`` writes them: one dict with a known status per case."""
    statuses = {"ok", "not_implemented", "not_defined", "error", "timeout"}
    return (isinstance(outcomes, list) and len(outcomes) == n
            and all(isinstance(o, dict) and o.get("status") in statuses
                    and isinstance(o.get("reference_called", []), list)
                    and (o["status"] != "ok" or "value" in o) for o in outcomes))


def _own_cell_problem(result, exercise, cells, cell_errors):
    """The cell that defines the exercise's function must run cleanly: if it raised, hung,
    exited or killed the kernel, the exercise scores zero and says so."""
    for index, _, name in cells:
        if name == exercise.name and index in cell_errors:
            error = cell_errors[index]
            status = {"dead": "crashed", "timeout": "timeout"}.get(error["status"], "error")
            what = {"crashed": "crashed the kernel", "timeout": "did not finish in time"}.get(
                status, f"raised {error.get('error', 'an error')}")
            return CheckResult(exercise.name, False, status,
                               f"✗ {exercise.name}: the cell that defines it {what}; it must run without errors.")
    return result
