"""Grade one submitted notebook: run it in a fresh kernel inside the sandbox, call each
exercise's function on the grader's own secret inputs, and judge the returned arrays here,
in the grader's process.

A cell that raises, hangs, exits or kills the kernel costs only what depends on it: a
dead or stuck kernel is replaced and the notebook replayed without the offending cell.
Nothing the kernel says is trusted but the values its functions return: no status, flag or
count computed in the kernel can raise a score.
"""
import ast
import atexit
import dataclasses
import io
import json
import os
import pathlib
import secrets
import shutil
import stat
import tempfile
import time
import zipfile
from dataclasses import dataclass, field

import numpy as np

from ..checks import exercise_sets, in_kernel, wire
from ..checks.base import CheckResult, evaluate
from ..checks.status import CALL, Status
from . import sanitize
from .kernel import KernelSession, temporary_folder

MAX_RESTARTS = 8
MAX_NOTEBOOK_BYTES = 20 * 2**20   # a submitted notebook larger than this is refused
MAX_ANSWER_BYTES = 64 * 2**20     # the answers read back from one exercise's calls
MAX_REASON_CHARS = 600            # of a gradebook reason (the feedback file keeps more)
MAX_MESSAGE_CHARS = 6000          # of a feedback message
MAX_FIELD_CHARS = 300             # of an error text, a line, a name read back from the kernel
MAX_REFERENCE_NAMES = 5           # recorded calls of the package's solution kept per call
COLLECT_SLACK_SECONDS = 20        # beyond an exercise's time budget, for the kernel to start and write
WRITTEN_OUT_DATA_CHARS = 20_000   # literal numbers and text in the code cells worth a note to the teacher
NOT_AVAILABLE = "NotAvailableWhileGrading"
ONLY_ALLOWED = ("while grading, only NumPy, matplotlib and the course package are available: PyTorch, "
                "scikit-learn, SciPy and the like are not")


def new_seed():
    """A fresh secret seed for the grader's inputs (63 bits, drawn from the OS)."""
    return secrets.randbits(63)


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
    diagnosis: str = ""

    def __post_init__(self):
        self.reason = cut(self.reason, MAX_REASON_CHARS)
        self.message = cut(self.message, MAX_MESSAGE_CHARS)

    def as_dict(self):
        return {"learner": self.learner, "exercise_set": self.exercise_set, "exercise": self.exercise,
                "points": self.points, "max_points": self.max_points, "status": self.status,
                "reason": self.reason, "diagnosis": self.diagnosis}


def cut(text, limit):
    """``text`` at most ``limit`` characters long, saying how much was left out."""
    text = str(text)
    if len(text) <= limit:
        return text
    return text[:limit] + f" … [cut: {len(text) - limit} more characters]"


@dataclass
class Report:
    """What grading one submission gave: the rows, how long it took, the seed of its inputs
    and whether its kernel ran in the sandbox."""
    learner: str
    notebook: str
    exercise_set: str
    rows: list = field(default_factory=list)
    seconds: float = 0.0
    problem: str = ""
    seed: int = 0
    sandboxed: bool = False
    notes: list = field(default_factory=list)     # for the teacher, not the learner (see ``teacher_notes``)

    @property
    def points(self):
        return sum(r.points for r in self.rows)

    @property
    def max_points(self):
        return sum(r.max_points for r in self.rows)

    def to_record(self):
        """The report as plain JSON data (a line of the journal)."""
        return {"learner": self.learner, "notebook": self.notebook, "exercise_set": self.exercise_set,
                "seconds": round(self.seconds, 2), "problem": self.problem, "seed": self.seed,
                "sandboxed": self.sandboxed, "notes": list(self.notes),
                "rows": [{**row.as_dict(), "message": row.message} for row in self.rows]}

    @classmethod
    def from_record(cls, record):
        rows = [Row(r["learner"], r["exercise_set"], r["exercise"], float(r["points"]), float(r["max_points"]),
                    r["status"], r["reason"], r.get("message", ""), r.get("diagnosis", "")) for r in record["rows"]]
        return cls(record["learner"], record["notebook"], record["exercise_set"], rows,
                   float(record.get("seconds", 0.0)), record.get("problem", ""), int(record.get("seed", 0)),
                   bool(record.get("sandboxed", False)), [str(n) for n in record.get("notes", [])])


def read_submission(path, expected_set=None):
    """Load a notebook and find its exercise set. -> (notebook dict, set name, exercises).

    Any file at all is either understood or refused with a SubmissionError whose message a
    teacher can act on (never another exception).
    """
    path = pathlib.Path(path)
    try:
        info = os.lstat(path)
    except OSError:
        raise SubmissionError(f"{path.name}: no such file") from None
    if stat.S_ISLNK(info.st_mode):
        raise SubmissionError(f"{path.name} is a symbolic link, not a notebook: hand in the notebook file itself")
    if not stat.S_ISREG(info.st_mode):
        raise SubmissionError(f"{path.name} is not a regular file")
    if info.st_size > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(f"{path.name} is {info.st_size / 2**20:.1f} MB, larger than the limit of "
                              f"{MAX_NOTEBOOK_BYTES // 2**20} MB: clear its outputs (Edit > Clear Outputs of All "
                              f"Cells), save it and hand it in again")
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_NOTEBOOK_BYTES + 1)
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SubmissionError(f"{path.name} is not a Jupyter notebook (not a text file)") from None
    except OSError as exc:
        raise SubmissionError(f"{path.name} could not be read ({exc.strerror or exc})") from None
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SubmissionError(f"{path.name} is not a valid notebook: its JSON is broken at line {exc.lineno}, "
                              f"column {exc.colno} ({exc.msg}); the file may be truncated or corrupted") from None
    except RecursionError:
        raise SubmissionError(f"{path.name} is not a valid notebook: its JSON is nested too deeply") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list) or "nbformat" not in nb:
        raise SubmissionError(f"{path.name} is JSON but not a Jupyter notebook (no 'cells' list or 'nbformat')")
    if type(nb.get("nbformat")) is not int or nb["nbformat"] != 4:
        raise SubmissionError(f"{path.name} has notebook format {cut(repr(nb.get('nbformat')), 40)}; open and save it "
                              f"in a current Jupyter (format 4)")
    sets = exercise_sets()
    declared = _as_dict(_as_dict(nb.get("metadata")).get("mlp_course")).get("exercise_set")
    declared = declared if isinstance(declared, str) else None
    name = declared if declared in sets else (path.stem if path.stem in sets else None)
    if expected_set is not None:
        mine = declared or name
        if mine is not None and mine != expected_set:
            raise SubmissionError(f"{path.name} is the exercise set {cut(repr(mine), 80)}, not {expected_set!r}")
        name = expected_set
    if name is None:
        known = ", ".join(sorted(sets))
        what = (f"declares the unknown exercise set {cut(repr(declared), 80)}" if declared
                else "does not say which exercise set it is")
        raise SubmissionError(f"{path.name} {what}; known sets: {known} (grade with --set NAME, or hand in the "
                              f"notebook from exercises/)")
    _code_cells(nb, path.name)   # refuses cells the kernel could not be given
    return nb, name, sets[name]


def _as_dict(value):
    return value if isinstance(value, dict) else {}


def teacher_notes(cells):
    """What a teacher should look at before trusting a score, from the code cells: a notebook whose
    code writes out a lot of literal data (a pasted data set, labels and all) -> [note]."""
    chars = 0
    for _, source, _ in cells:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue            # IPython magics, or code that will fail in its own cell
        chars += sum(len(node.value) if isinstance(node.value, (str, bytes)) else len(repr(node.value))
                     for node in ast.walk(tree) if isinstance(node, ast.Constant))
    if chars <= WRITTEN_OUT_DATA_CHARS:
        return []
    return [f"its code writes out {chars / 1000:.0f} thousand characters of literal numbers and text (a pasted "
            f"data set?): read it before trusting the score"]


def _code_cells(nb, filename="the notebook"):
    """[(index, source, exercise defined there or None)] of the cells to run (check cells
    skipped). Cells of another shape are left out; a code cell whose source is not text is
    refused."""
    cells = []
    for i, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        meta = _as_dict(cell.get("metadata"))
        course = _as_dict(meta.get("mlp_course"))
        tags = meta.get("tags") if isinstance(meta.get("tags"), list) else []
        if "check" in course or "skip-execution" in tags:
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise SubmissionError(f"{filename}: code cell {i + 1} has a source that is not text "
                                  f"({type(source).__name__}); open and save the notebook in Jupyter")
        exercise = course.get("exercise")
        cells.append((i, source, exercise if isinstance(exercise, str) else None))
    return cells


class _Grading:
    """The state of one submission's run: the kernel, the cells known to break it."""

    def __init__(self, workdir, cells, cell_timeout, kernel_name, sandbox):
        self.workdir = workdir
        self.cells = cells
        self.cell_timeout = cell_timeout
        self.session = KernelSession(workdir, kernel_name, sandbox=sandbox)
        # the grader writes each call's inputs where the kernel can only read them
        self.inputs_dir = self.session.run_dir if sandbox is not None else workdir
        self.answers_dir = self.session.io_dir if sandbox is not None else workdir
        self.sandboxed = sandbox is not None
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
                if outcome["status"] == Status.OK:
                    continue
                self.cell_errors[index] = outcome
                if outcome["status"] == Status.CRASHED or outcome.get("restarted"):
                    self.skipped[index] = outcome
                    fresh = True
                    break
            if not fresh:
                return
            self.restarts += 1
            if self.restarts > MAX_RESTARTS:
                raise SubmissionError("the notebook crashed its kernel too many times to be graded")
            if self.session.client is None or outcome["status"] == Status.CRASHED:
                self.session.restart()

    def collect(self, exercise, cases):
        """Call the learner's function in the kernel on ``cases``; -> outcomes, or a
        CheckResult when the call hung or crashed the kernel or its answers cannot be read."""
        token = secrets.token_hex(8)
        in_stem = os.path.join(self.inputs_dir, f"in_{token}")
        out_stem = os.path.join(self.answers_dir, f"out_{token}")
        wire.save(in_stem, [(c.args, c.kwargs) for c in cases])
        for suffix in (".json", ".npz"):
            os.chmod(in_stem + suffix, 0o644)
        source = in_kernel.kernel_code(exercise.name, in_stem, out_stem, self.references(exercise),
                                       exercise.time_budget, exercise.errstate, exercise.scenario)
        outcome = self.session.run(source, exercise.time_budget + COLLECT_SLACK_SECONDS)
        if outcome["status"] in (Status.CRASHED, Status.TIMEOUT):
            if outcome["status"] == Status.CRASHED or outcome.get("restarted"):
                self.replay()
            status = outcome["status"]
            why = ("the kernel died while running it (os._exit, a crash, or no memory left)"
                   if status == Status.CRASHED else f"it did not finish within {exercise.time_budget:.0f} s")
            return CheckResult(exercise.name, False, status, f"✗ {exercise.name}: {why}.")
        outcomes = read_answers(out_stem, len(cases), keep_reference_flags=not self.sandboxed)
        if outcomes is None:
            detail = f": {outcome['error']}" if outcome.get("error") else ""
            return CheckResult(exercise.name, False, Status.ERROR,
                               f"✗ {exercise.name}: its answers could not be read back (the notebook changed "
                               f"the grader's code or files while it ran){detail}.")
        return outcomes

    def references(self, exercise):
        """The package functions whose calls the kernel records. In the sandbox there are none to
        record (they are absent); a plain kernel, for a learner's own check, still has them."""
        return () if self.sandboxed else tuple(exercise.references)

    def replay(self):
        self.restarts += 1
        if self.restarts > MAX_RESTARTS:
            raise SubmissionError("the notebook crashed its kernel too many times to be graded")
        self.session.close()
        self.run_notebook()

    def close(self):
        self.session.close()


def grade_notebook(path, learner=None, expected_set=None, cell_timeout=120, seed=None,
                   exercise_timeout=None, kernel_name="python3", sandbox=None, held_out=None, fallback_set=None):
    """Grade one notebook. -> Report (never raises for a learner's mistake).

    path: the notebook; learner: the name in the gradebook (default: the file's stem);
    expected_set: refuse notebooks of another exercise set; cell_timeout: seconds per cell;
    seed: of the grader's own inputs (default: a fresh secret one, recorded in the report);
    exercise_timeout: caps every exercise's time budget; sandbox: a ``sandbox.Sandbox``
    for the kernel (None: a plain kernel, for a learner's own notebook); held_out: a folder or
    ZIP of the teacher's own labelled images for the exercises scored on held-out data;
    fallback_set: the set whose exercises an unreadable notebook gets rows for (the batch's).
    """
    path = pathlib.Path(path)
    learner = learner or path.stem
    seed = new_seed() if seed is None else int(seed)
    start = time.perf_counter()
    try:
        nb, set_name, exercises = read_submission(path, expected_set)
    except SubmissionError as exc:
        report = invalid_report(learner, path.name, expected_set or fallback_set, str(exc), seed)
        report.seconds = time.perf_counter() - start
        return report
    report = Report(learner, path.name, set_name, seed=seed, sandboxed=sandbox is not None)
    cells = _code_cells(nb, path.name)
    report.notes = teacher_notes(cells)
    workdir = temporary_folder("mlp-grade-")
    try:
        if sandbox is not None:
            sandbox = sandbox.with_package(_sanitized_package(set_name, exercises))
            kernel_dir = os.path.join(workdir, "kernel")
            os.mkdir(kernel_dir)
        else:
            kernel_dir = workdir
        grading = _Grading(kernel_dir, cells, cell_timeout, kernel_name, sandbox)
        _copy_notebook(path, grading.session.home, grading.session)
        try:
            grading.run_notebook()
            for number, exercise in enumerate(exercises):
                cases = _cases(exercise, np.random.default_rng([seed, number]), held_out)
                if exercise_timeout is not None:
                    exercise = dataclasses.replace(exercise, time_budget=min(exercise.time_budget, exercise_timeout))
                collected = grading.collect(exercise, cases)
                result = collected if isinstance(collected, CheckResult) else evaluate(exercise, cases, collected)
                result = _own_cell_problem(result, exercise, cells, grading.cell_errors)
                points = round(result.fraction * exercise.points, 2)
                report.rows.append(Row(learner, set_name, exercise.name, points, exercise.points, result.status,
                                       result.reason.lstrip("✓✗ "), result.message,
                                       getattr(result, "diagnosis", "")))
        except SubmissionError as exc:
            _fill(report, exercises, Status.CRASHED, str(exc))
        finally:
            grading.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report.seconds = time.perf_counter() - start
    return report


_PACKAGES = {}


def _sanitized_package(set_name, exercises):
    """The folder holding the set's sanitized course package, built once per process (kernels see
    it read-only, so every submission of the set can share it)."""
    if set_name not in _PACKAGES:
        folder = tempfile.mkdtemp(prefix="mlp-grade-package-")
        atexit.register(shutil.rmtree, folder, True)
        sanitize.build(exercises, folder)
        os.chmod(folder, 0o755)
        _PACKAGES[set_name] = folder
    return _PACKAGES[set_name]


def _cases(exercise, rng, held_out):
    if exercise.grading_cases is None:
        return exercise.make_cases(rng)
    return exercise.grading_cases(rng, held_out=held_out) if held_out else exercise.grading_cases(rng)


def _copy_notebook(path, home, session):
    """The kernel's private folder holds a copy of its own notebook (owned by the kernel's user)."""
    target = os.path.join(home, "submission.ipynb")
    shutil.copyfile(path, target)
    if getattr(session, "uid", None) is not None and os.geteuid() == 0:
        os.chown(target, session.uid, session.uid)


def invalid_report(learner, notebook, exercise_set, problem, seed=0, status=Status.INVALID):
    """The report of a submission that cannot be graded: a row per exercise of its set (or
    one row "*" when the set is unknown), each with the reason."""
    report = Report(learner, notebook, exercise_set or "?", problem=cut(problem, MAX_REASON_CHARS), seed=seed)
    _fill(report, exercise_sets().get(exercise_set, []) if exercise_set else [], status, problem)
    if not report.rows:
        report.rows.append(Row(learner, exercise_set or "?", "*", 0.0, 0, status, problem, problem))
    return report


def _fill(report, exercises, status, why):
    done = {r.exercise for r in report.rows}
    for exercise in exercises:
        if exercise.name not in done:
            report.rows.append(Row(report.learner, report.exercise_set, exercise.name, 0.0, exercise.points,
                                   status, why, f"✗ {why}"))


def read_answers(out_stem, n, keep_reference_flags=False):
    """The outcomes the kernel wrote for ``n`` calls, read defensively (no link is followed,
    sizes are bounded, no pickle is loaded, any malformed content is refused). -> list or None.
    keep_reference_flags: believe the kernel's record of calls to the package's solution (a
    plain kernel's; it can only lower a score)."""
    try:
        tree = json.loads(_read_bounded(out_stem + ".json").decode("utf-8"))
        data = _read_bounded(out_stem + ".npz")
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(member.file_size for member in archive.infolist()) > MAX_ANSWER_BYTES:
                return None
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
        outcomes = wire.decode(tree, arrays)
    except Exception:   # anything a hostile kernel could write: the answers cannot be read
        return None
    return _trusted(outcomes, n, keep_reference_flags)


def _read_bounded(path):
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ANSWER_BYTES:
            raise ValueError("not a regular file of bounded size")
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(MAX_ANSWER_BYTES + 1)
    finally:
        os.close(fd)


def _trusted(outcomes, n, keep_reference_flags=False):
    """Outcomes as ``in_kernel.collect`` writes them, keeping only what may be believed: the
    returned value, and what can only lower a score (the call failed, and how)."""
    if not isinstance(outcomes, list) or len(outcomes) != n:
        return None
    kept = []
    for outcome in outcomes:
        if not isinstance(outcome, dict) or not isinstance(outcome.get("status"), str) or outcome["status"] not in CALL:
            return None
        if outcome["status"] == Status.OK and "value" not in outcome:
            return None
        clean = {"status": Status(outcome["status"]), "reference_called": []}
        if clean["status"] == Status.OK:
            clean["value"] = outcome["value"]
            changed = outcome.get("changed_inputs")     # it can only fail a check, so it may be believed
            if isinstance(changed, list):
                clean["changed_inputs"] = [cut(path, 100) for path in changed[:10] if isinstance(path, str)]
        for key in ("error", "line", "where", "function", "found"):
            if key in outcome:
                clean[key] = cut(outcome[key], MAX_FIELD_CHARS)
        if clean["status"] == Status.TIMEOUT:
            budget = outcome.get("budget")
            clean["budget"] = float(budget) if isinstance(budget, (int, float)) and np.isfinite(budget) else 0.0
        called = outcome.get("reference_called")
        if keep_reference_flags and isinstance(called, list) and called:
            clean["reference_called"] = [cut(name, MAX_FIELD_CHARS) for name in called[:MAX_REFERENCE_NAMES]]
        if clean.get("error", "").startswith("ModuleNotFoundError"):
            clean["error"] += f" ({ONLY_ALLOWED})"
        if clean["status"] == Status.ERROR and clean.get("error", "").startswith(NOT_AVAILABLE):
            clean["reference_called"] = [clean["error"].split(": ", 1)[-1].split(" is not available")[0]]
        kept.append(clean)
    return kept


def _own_cell_problem(result, exercise, cells, cell_errors):
    """The cell that defines the exercise's function must run cleanly: if it raised, hung,
    exited or killed the kernel, the exercise scores zero and says so."""
    for index, _, name in cells:
        if name == exercise.name and index in cell_errors:
            error = cell_errors[index]
            status = error["status"] if error["status"] in (Status.CRASHED, Status.TIMEOUT) else Status.ERROR
            what = {Status.CRASHED: "crashed the kernel", Status.TIMEOUT: "did not finish in time"}.get(
                status, f"raised {error.get('error', 'an error')}")
            if error.get("error", "").startswith("it waits for keyboard input"):
                what = error["error"]
            elif "ModuleNotFoundError" in error.get("error", ""):
                what += f" ({ONLY_ALLOWED})"
            elif NOT_AVAILABLE in error.get("error", ""):
                status = Status.REFERENCE_CALLED
            return CheckResult(exercise.name, False, status,
                               f"✗ {exercise.name}: the cell that defines it {what}; it must run without errors.")
    return result
