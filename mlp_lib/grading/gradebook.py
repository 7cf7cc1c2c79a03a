"""What the grader writes: the gradebook (CSV and JSON), one feedback file per learner,
a summary table and a progress bar on the terminal."""
import csv
import datetime
import hashlib
import io
import json
import os
import pathlib
import re
import sys

from ..checks.status import Status

COLUMNS = ["learner", "exercise_set", "exercise", "points", "max_points", "status", "reason", "diagnosis"]


def write_gradebook(reports, out_dir, run=None, learners=None):
    """Write gradebook.csv, gradebook.json and feedback/<name>.md into ``out_dir``, each file
    replaced atomically (a reader never sees half a file). run: what the JSON records about
    the run (seed, sandbox...); learners: every learner of the batch, so that feedback file
    names stay the same as more submissions are graded.
    -> {"csv": path, "json": path, "feedback": [paths]}."""
    out_dir = pathlib.Path(out_dir)
    (out_dir / "feedback").mkdir(parents=True, exist_ok=True)
    rows = [row for report in reports for row in report.rows]
    csv_path = out_dir / "gradebook.csv"
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _spreadsheet_safe(v) for k, v in row.as_dict().items()})
    _replace(csv_path, buffer.getvalue())
    json_path = out_dir / "gradebook.json"
    summary = [{"learner": r.learner, "notebook": r.notebook, "exercise_set": r.exercise_set,
                "points": round(r.points, 2), "max_points": r.max_points, "seconds": round(r.seconds, 1),
                "seed": r.seed, "sandboxed": r.sandboxed, **({"problem": r.problem} if r.problem else {}),
                **({"notes": r.notes} if r.notes else {})}
               for r in reports]
    _replace(json_path, json.dumps({
        "graded_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        **({"run": run} if run else {}),
        "submissions": summary, "rows": [row.as_dict() for row in rows]}, indent=1, ensure_ascii=False))
    names = feedback_names(sorted(set(learners or ()) | {r.learner for r in reports}))
    feedback = []
    by_learner = {}
    for report in reports:
        by_learner.setdefault(report.learner, []).append(report)
    for learner, learner_reports in by_learner.items():
        path = out_dir / "feedback" / f"{names[learner]}.md"
        _replace(path, feedback_text(learner, learner_reports))
        feedback.append(path)
    return {"csv": csv_path, "json": json_path, "feedback": feedback}


def _replace(path, text):
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _spreadsheet_safe(value):
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def safe_name(name):
    """A learner's name as a file name."""
    return re.sub(r"[^\w.-]+", "_", name).strip("._")[:80] or "learner"


def feedback_names(learners):
    """{learner: file name}: their safe names, made distinct where two learners' names become the
    same (``same name`` and ``same_name``) by a short hash of the exact name."""
    counts = {}
    for learner in learners:
        counts[safe_name(learner)] = counts.get(safe_name(learner), 0) + 1
    return {learner: safe_name(learner) if counts[safe_name(learner)] == 1 else
            f"{safe_name(learner)}-{hashlib.sha256(learner.encode()).hexdigest()[:8]}" for learner in learners}


def feedback_text(learner, reports):
    """The feedback file of one learner: per exercise, the points and the explanation."""
    lines = [f"# Feedback for {learner}", ""]
    for report in reports:
        lines += [f"## {report.exercise_set} ({report.notebook}): {_pts(report.points)} of {_pts(report.max_points)} points", ""]
        if report.problem:
            lines += [f"This notebook could not be graded: {report.problem}", ""]
            continue
        for row in report.rows:
            lines += [f"### {row.exercise}: {_pts(row.points)} / {_pts(row.max_points)} ({row.status.replace('_', ' ')})",
                      "", "```", row.message or row.reason, "```", ""]
    return "\n".join(lines)


def _pts(x):
    return f"{x:g}"


def summary_table(reports):
    """Plain-text tables, one per exercise set: a line per submission with the points of
    each exercise and the total."""
    if not reports:
        return "nothing graded"
    by_set = {}
    for report in reports:
        by_set.setdefault(report.exercise_set, []).append(report)
    return "\n\n".join(_set_table(name, group) for name, group in by_set.items())


def _set_table(set_name, reports):
    exercises = []
    for report in reports:
        for row in report.rows:
            if row.exercise not in exercises and row.exercise != "*":
                exercises.append(row.exercise)
    names = list(exercises)
    width = max([len("learner")] + [len(r.learner) for r in reports])
    header = f"{'learner':<{width}}  " + "  ".join(f"{n:>{max(len(n), 5)}}" for n in names) + "   total"
    lines = [f"{set_name}:", header, "-" * len(header)]
    for report in reports:
        points = {row.exercise: row for row in report.rows}
        cells = []
        for e, n in zip(exercises, names):
            row = points.get(e)
            text = "" if row is None else f"{_pts(row.points)}/{_pts(row.max_points)}"
            cells.append(f"{text:>{max(len(n), 5)}}")
        total = f"{_pts(report.points)}/{_pts(report.max_points)}"
        note = "".join(f"  ({text})" for text in [report.problem, *report.notes] if text)
        lines.append(f"{report.learner:<{width}}  " + "  ".join(cells) + f"  {total:>6}" + note)
    return "\n".join(lines)


def progress_text(report):
    """What a self-paced learner sees after grading their own notebook: a line per exercise
    with its points and, under each one not fully right, the reason (the instant check's words)."""
    marks = {Status.PASSED: "✓", Status.PARTIAL: "~"}
    lines = [f"{report.notebook} ({report.exercise_set}): {_pts(report.points)} of {_pts(report.max_points)} points"]
    if report.problem:
        lines.append(f"  {report.problem}")
    named = [row for row in report.rows if row.exercise != "*"]
    width = max([len(row.exercise) for row in named] + [8])
    for row in named:
        lines.append(f"  {marks.get(row.status, '✗')} {row.exercise:<{width}}  {_pts(row.points):>4} / "
                     f"{_pts(row.max_points):<3} {row.status.replace('_', ' ')}")
        if row.status != Status.PASSED and row.reason and row.reason != report.problem:
            lines.append(f"      {row.reason}")
    return "\n".join(lines)


class ProgressBar:
    """``[#####.....] 5/10 graded`` on stderr, redrawn in place on a terminal."""

    def __init__(self, total, enabled=None, stream=None, width=30):
        self.total, self.done, self.width = total, 0, width
        self.stream = stream or sys.stderr
        self.enabled = (total > 1 and self.stream.isatty()) if enabled is None else enabled

    def update(self, label=""):
        self.done += 1
        if not self.enabled:
            return
        filled = int(self.width * self.done / max(self.total, 1))
        end = "\n" if self.done == self.total or not self.stream.isatty() else ""
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} graded"
                          f"{'  ' + label if label else ''}\033[K{end}" if self.stream.isatty() else
                          f"[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} graded"
                          f"{'  ' + label if label else ''}{end}")
        self.stream.flush()
