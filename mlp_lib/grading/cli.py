"""The grader's command line: ``mlp-grade PATH``, ``python -m mlp_lib.grading PATH`` or
``./course grade PATH``.

PATH is one notebook or a folder of submissions: notebooks directly inside it are named
after their file (``alice.ipynb`` -> alice); notebooks in subfolders after the first
subfolder (``alice/03_backpropagation.ipynb`` or nbgrader's ``alice/ps3/...`` -> alice).
"""
import argparse
import concurrent.futures
import pathlib
import sys
import time

from .gradebook import ProgressBar, progress_text, summary_table, write_gradebook
from .submission import GRADER_SEED, grade_notebook


def find_submissions(path):
    """-> [(learner, notebook path)], sorted; raises FileNotFoundError / ValueError."""
    path = pathlib.Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    if path.is_file():
        return [(path.stem, path)]
    found = []
    for nb in sorted(path.rglob("*.ipynb")):
        rel = nb.relative_to(path)
        if any(part.startswith(".") for part in rel.parts):   # .ipynb_checkpoints and the like
            continue
        found.append((rel.parts[0] if len(rel.parts) > 1 else nb.stem, nb))
    if not found:
        raise ValueError(f"no notebooks (*.ipynb) found in the folder {path}")
    return found


def _grade(args):
    learner, path, options = args
    return grade_notebook(path, learner=learner, **options)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="mlp-grade", description="Grade submitted exercise notebooks: a gradebook (CSV, JSON) "
        "and a feedback file per learner.", epilog=__doc__.split("\n\n")[1])
    parser.add_argument("path", type=pathlib.Path, help="a notebook or a folder of submissions")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("gradebook"),
                        help="folder for gradebook.csv, gradebook.json and feedback/ (default: gradebook)")
    parser.add_argument("--set", dest="exercise_set", default=None,
                        help="the exercise set every notebook must be, e.g. 03_backpropagation "
                             "(default: each notebook's own)")
    parser.add_argument("--jobs", "-j", type=int, default=1, help="submissions graded in parallel (default 1)")
    parser.add_argument("--cell-timeout", type=float, default=120, help="seconds per notebook cell (default 120)")
    parser.add_argument("--exercise-timeout", type=float, default=None,
                        help="cap on each exercise's time budget in seconds (default: the exercise's own)")
    parser.add_argument("--seed", type=int, default=GRADER_SEED, help="seed of the grader's own test inputs")
    parser.add_argument("--progress", choices=("auto", "on", "off"), default="auto",
                        help="progress bar on stderr (auto: on a terminal, for more than one submission)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    try:
        submissions = find_submissions(args.path)
    except (FileNotFoundError, ValueError) as exc:
        print(f"mlp-grade: {exc}", file=sys.stderr)
        return 2
    options = {"expected_set": args.exercise_set, "cell_timeout": args.cell_timeout, "seed": args.seed,
               "exercise_timeout": args.exercise_timeout}
    bar = ProgressBar(len(submissions), enabled={"auto": None, "on": True, "off": False}[args.progress])
    start = time.perf_counter()
    reports, failures = [], []
    work = [(learner, path, options) for learner, path in submissions]
    if args.jobs == 1:
        for item in work:
            report = _safe(item, failures)
            if report is not None:
                reports.append(report)
            bar.update(item[0])
    else:
        with concurrent.futures.ProcessPoolExecutor(max_workers=args.jobs) as pool:
            futures = {pool.submit(_grade, item): item for item in work}
            for future in concurrent.futures.as_completed(futures):
                item = futures[future]
                try:
                    reports.append(future.result())
                except Exception as exc:  # a bug of the grader, not of the learner
                    failures.append(f"{item[1]}: {type(exc).__name__}: {exc}")
                bar.update(item[0])
    order = {path: i for i, (_, path, _) in enumerate(work)}
    reports.sort(key=lambda r: order.get(_path_of(r, work), 0))
    written = write_gradebook(reports, args.out)
    elapsed = time.perf_counter() - start
    if len(reports) == 1:
        print(progress_text(reports[0]))
    else:
        print(summary_table(reports))
    print(f"\n{len(reports)} notebook{'s' if len(reports) != 1 else ''} graded in {elapsed:.1f} s; "
          f"gradebook: {written['csv']} and {written['json']}; feedback: {args.out / 'feedback'}/")
    for failure in failures:
        print(f"mlp-grade: could not grade {failure}", file=sys.stderr)
    return 1 if failures else 0


def _safe(item, failures):
    try:
        return _grade(item)
    except Exception as exc:  # a bug of the grader: report it, grade the others
        failures.append(f"{item[1]}: {type(exc).__name__}: {exc}")
        return None


def _path_of(report, work):
    for learner, path, _ in work:
        if learner == report.learner and path.name == report.notebook:
            return path
    return None
