"""What the grader writes: the gradebook (CSV and JSON), one feedback file per learner,
a summary table and a progress bar on the terminal."""
import csv
import datetime
import json
import pathlib
import re
import sys

COLUMNS = ["learner", "exercise_set", "exercise", "points", "max_points", "status", "reason"]


def write_gradebook(reports, out_dir):
    """Write gradebook.csv, gradebook.json and feedback/<learner>.md into ``out_dir``.
    -> {"csv": path, "json": path, "feedback": [paths]}."""
    out_dir = pathlib.Path(out_dir)
    (out_dir / "feedback").mkdir(parents=True, exist_ok=True)
    rows = [row for report in reports for row in report.rows]
    csv_path = out_dir / "gradebook.csv"
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row.as_dict())
    json_path = out_dir / "gradebook.json"
    summary = [{"learner": r.learner, "notebook": r.notebook, "exercise_set": r.exercise_set,
                "points": round(r.points, 2), "max_points": r.max_points, "seconds": round(r.seconds, 1),
                **({"problem": r.problem} if r.problem else {})} for r in reports]
    json_path.write_text(json.dumps({
        "graded_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "submissions": summary, "rows": [row.as_dict() for row in rows]}, indent=1), encoding="utf-8")
    feedback = []
    by_learner = {}
    for report in reports:
        by_learner.setdefault(report.learner, []).append(report)
    for learner, learner_reports in by_learner.items():
        path = out_dir / "feedback" / f"{safe_name(learner)}.md"
        path.write_text(feedback_text(learner, learner_reports), encoding="utf-8")
        feedback.append(path)
    return {"csv": csv_path, "json": json_path, "feedback": feedback}


def safe_name(name):
    """A learner's name as a file name."""
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or "learner"


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
    names = [_short(e) for e in exercises]
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
        note = f"  ({report.problem})" if report.problem else ""
        lines.append(f"{report.learner:<{width}}  " + "  ".join(cells) + f"  {total:>6}" + note)
    return "\n".join(lines)


def progress_text(report):
    """The per-exercise lines a self-paced learner sees after grading their own notebook."""
    marks = {"passed": "✓", "partial": "~"}
    lines = [f"{report.notebook} ({report.exercise_set}): {_pts(report.points)} of {_pts(report.max_points)} points"]
    if report.problem:
        lines.append(f"  {report.problem}")
    for row in report.rows:
        if row.exercise == "*":
            continue
        lines.append(f"  {marks.get(row.status, '✗')} {row.exercise:<22} {_pts(row.points):>4} / "
                     f"{_pts(row.max_points):<3} {row.status.replace('_', ' ')}")
    return "\n".join(lines)


def _short(name, limit=14):
    return name if len(name) <= limit else name[:limit - 1] + "…"


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
