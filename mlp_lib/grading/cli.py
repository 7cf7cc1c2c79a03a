"""The grader's command line: ``mlp-grade PATH``, ``python -m mlp_lib.grading PATH`` or
``./course grade PATH``; ``mlp-grade merge OUT1 OUT2 ... --out OUT`` combines gradebooks.

PATH is one notebook or a folder of submissions: notebooks directly inside it are named
after their file (``alice.ipynb`` -> alice); notebooks in subfolders after the first
subfolder (``alice/03_backpropagation.ipynb`` or nbgrader's ``alice/ps3/...`` -> alice).
"""
import argparse
import pathlib
import sys
import time

from . import batch, sandbox as sandboxing
from .gradebook import ProgressBar, progress_text, summary_table, write_gradebook
from .submission import Report, new_seed

COURSE_ROOT = pathlib.Path(__file__).resolve().parents[2]
SELF_CHECK_OUT = COURSE_ROOT / ".self-check"


def _parser():
    parser = argparse.ArgumentParser(
        prog="mlp-grade", description="Grade submitted exercise notebooks, each in a sandboxed kernel: a "
        "gradebook (CSV, JSON) and a feedback file per learner. 'mlp-grade merge DIR ... --out DIR' combines "
        "the gradebooks of several runs (the shards of a class).", epilog=__doc__.split("\n\n")[1])
    parser.add_argument("path", type=pathlib.Path, help="a notebook or a folder of submissions")
    parser.add_argument("--out", type=pathlib.Path, default=None,
                        help="folder for gradebook.csv, gradebook.json and feedback/ (default: gradebook/ in the "
                             "current folder; for the course's own exercises/, the hidden .self-check/ folder)")
    parser.add_argument("--set", dest="exercise_set", default=None,
                        help="the exercise set every notebook must be, e.g. 03_backpropagation "
                             "(default: each notebook's own)")
    parser.add_argument("--jobs", "-j", type=int, default=1, help="submissions graded in parallel (default 1)")
    parser.add_argument("--cell-timeout", type=float, default=120, help="seconds per notebook cell (default 120)")
    parser.add_argument("--exercise-timeout", type=float, default=None,
                        help="cap on each exercise's time budget in seconds (default: the exercise's own)")
    parser.add_argument("--submission-timeout", type=float, default=3600,
                        help="seconds for one whole submission before it is stopped (default 3600)")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the grader's test inputs (default: a fresh secret one, recorded in "
                             "gradebook.json; pass it again to repeat a grading exactly)")
    parser.add_argument("--shard", default=None, metavar="K/N",
                        help="grade only the K-th of N deterministic slices of the folder (for batch systems)")
    parser.add_argument("--held-out", type=pathlib.Path, default=None,
                        help="a folder or ZIP of your own labelled digit images to score the capstone on")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run kernels without the sandbox (only for notebooks you trust; recorded in the "
                             "gradebook)")
    limits = parser.add_argument_group("sandbox limits (per kernel)")
    defaults = sandboxing.Limits()
    limits.add_argument("--memory-mb", type=int, default=defaults.memory_mb, help="address space (default %(default)s)")
    limits.add_argument("--processes", type=int, default=defaults.processes,
                        help="processes and threads (default %(default)s)")
    limits.add_argument("--file-size-mb", type=int, default=defaults.file_size_mb,
                        help="largest file written (default %(default)s)")
    limits.add_argument("--cpu-seconds", type=int, default=defaults.cpu_seconds,
                        help="CPU time of each process (default %(default)s)")
    limits.add_argument("--tmp-mb", type=int, default=defaults.tmp_mb, help="private /tmp size (default %(default)s)")
    parser.add_argument("--report", action="store_true",
                        help="also write the class report (class_report/ in the output folder): for each exercise, "
                             "how many learners made each diagnosed mistake, as a table, a bar chart and an HTML page")
    parser.add_argument("--progress", choices=("auto", "on", "off"), default="auto",
                        help="progress bar on stderr (auto: on a terminal, for more than one submission)")
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["merge"]:
        return merge_main(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    try:
        limits = sandboxing.Limits(args.memory_mb, args.processes, args.file_size_mb, args.cpu_seconds, args.tmp_mb)
        shard = _shard(args.shard) if args.shard else None
        submissions = batch.find_submissions(args.path)
    except (FileNotFoundError, ValueError) as exc:
        print(f"mlp-grade: {exc}", file=sys.stderr)
        return 2
    self_check = _is_self_check(args.path)
    out = args.out or (SELF_CHECK_OUT if self_check else pathlib.Path("gradebook"))
    use_sandbox = not args.no_sandbox
    if use_sandbox:
        try:
            sandboxing.check_available()
        except sandboxing.SandboxUnavailable as exc:
            if not self_check:
                print(f"mlp-grade: learner code runs only inside a sandbox, and none can be made here: {exc}",
                      file=sys.stderr)
                return 2
            use_sandbox = False   # a learner checking their own notebooks runs their own code
    if shard is not None:
        submissions = batch.shard(submissions, *shard)
    header, done = batch.read_journal(out)
    seed = args.seed
    if header is not None:
        if seed is not None and seed != header.get("seed"):
            print(f"mlp-grade: {out} holds a grading with another seed; pass --seed {header.get('seed')} to resume "
                  f"it, or choose another --out", file=sys.stderr)
            return 2
        seed = header.get("seed")
    seed = new_seed() if seed is None else seed
    run = {"seed": seed, "sandbox": use_sandbox, "set": args.exercise_set, "shard": args.shard,
           **({"held_out": str(args.held_out)} if args.held_out else {})}
    out.mkdir(parents=True, exist_ok=True)
    if header is None:
        batch.append_journal(out, {"run": run})
    exercise_set = args.exercise_set or _common_set(submissions)
    options = {"expected_set": args.exercise_set, "fallback_set": exercise_set, "cell_timeout": args.cell_timeout, "seed": seed,
               "exercise_timeout": args.exercise_timeout, "held_out": str(args.held_out) if args.held_out else None,
               "sandbox": None if not use_sandbox else {
                   "memory_mb": limits.memory_mb, "processes": limits.processes, "file_size_mb": limits.file_size_mb,
                   "cpu_seconds": limits.cpu_seconds, "tmp_mb": limits.tmp_mb}}
    learners = [s.learner for s in submissions]
    records = {key: record for key, record in done.items()}
    pending = [s for s in submissions if s.key not in records]
    refused = [s for s in pending if s.problem]
    start = time.perf_counter()
    bar = ProgressBar(len(pending), enabled={"auto": None, "on": True, "off": False}[args.progress])
    failures = []

    def land(record, failed=False):
        batch.append_journal(out, record)
        records[record["key"]] = record
        write_gradebook(_reports(records, submissions), out, run, learners)
        if failed:
            failures.append(f"{record['notebook']}: {record['rows'][0]['reason'] if record['rows'] else ''}")
        bar.update(record["learner"])

    for submission in refused:
        record = _refused(submission, exercise_set, seed, use_sandbox)
        land(record)
    batch.grade_all([s for s in pending if not s.problem], options, args.jobs, land, args.submission_timeout)
    written = write_gradebook(_reports(records, submissions), out, run, learners)
    reports = _reports(records, submissions)
    elapsed = time.perf_counter() - start
    print(progress_text(reports[0]) if len(reports) == 1 else summary_table(reports))
    skipped = len(submissions) - len(pending)
    print(f"\n{len(pending)} notebook{'s' if len(pending) != 1 else ''} graded in {elapsed:.1f} s"
          f"{f' ({skipped} already graded in this folder)' if skipped else ''}"
          f"{'' if use_sandbox else ', WITHOUT the sandbox'}; seed {seed}.\n"
          f"Gradebook: {written['csv'].resolve()} and {written['json'].name}; feedback: {(out / 'feedback').resolve()}/")
    if args.report:
        from .report import write_class_report
        paths = write_class_report([row.as_dict() for report in reports for row in report.rows], out / "class_report")
        print(f"Class report: {pathlib.Path(paths['html']).resolve()} (and .png, .csv, .md beside it)")
    for failure in failures:
        print(f"mlp-grade: the grader failed on {failure}", file=sys.stderr)
    return 1 if failures else 0


def _shard(text):
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard must look like K/N (e.g. 2/8), got {text!r}") from None
    if not 1 <= k <= n:
        raise ValueError(f"--shard must be K/N with 1 <= K <= N, got {text}")
    return k, n


def _is_self_check(path):
    """Grading the course's own exercises/ (or one notebook in it): a learner checking themselves."""
    try:
        return (COURSE_ROOT / "exercises").resolve() in [path.resolve(), *path.resolve().parents]
    except OSError:
        return False


def _common_set(submissions):
    """The exercise set most readable submissions declare (for the rows of unreadable ones)."""
    from .submission import SubmissionError, read_submission
    counts = {}
    for submission in submissions[:200]:
        if submission.problem:
            continue
        try:
            name = read_submission(submission.path)[1]
        except SubmissionError:
            continue
        counts[name] = counts.get(name, 0) + 1
    return max(counts, key=counts.get) if counts else None


def _refused(submission, exercise_set, seed, sandboxed):
    from .submission import invalid_report
    record = invalid_report(submission.learner, submission.path.name, exercise_set, submission.problem, seed).to_record()
    record["key"] = submission.key
    record["sandboxed"] = sandboxed
    return record


def _reports(records, submissions):
    """The reports in the order of the folder, then any others (from a merge)."""
    order = {s.key: i for i, s in enumerate(submissions)}
    keys = sorted(records, key=lambda k: (order.get(k, len(order)), k))
    return [Report.from_record(records[k]) for k in keys]


def merge_main(argv):
    """``mlp-grade merge DIR1 DIR2 ... --out DIR``: one gradebook from the journals of several runs."""
    parser = argparse.ArgumentParser(prog="mlp-grade merge",
                                     description="Combine the gradebooks of several runs (e.g. the shards of a class).")
    parser.add_argument("folders", nargs="+", type=pathlib.Path, help="output folders of mlp-grade runs")
    parser.add_argument("--out", type=pathlib.Path, required=True, help="folder for the combined gradebook")
    args = parser.parse_args(argv)
    records, runs = {}, []
    for folder in args.folders:
        header, found = batch.read_journal(folder)
        if header is None and not found:
            print(f"mlp-grade merge: {folder} holds no gradebook journal ({batch.JOURNAL})", file=sys.stderr)
            return 2
        runs.append({"folder": str(folder), **(header or {})})
        for key, record in found.items():
            if key in records and records[key] != record:
                print(f"mlp-grade merge: {key} was graded in two of the folders; keeping the one from {folder}",
                      file=sys.stderr)
            records[key] = record
    args.out.mkdir(parents=True, exist_ok=True)
    reports = _reports(records, [])
    run = {"merged": runs}
    with open(args.out / batch.JOURNAL, "w", encoding="utf-8"):
        pass
    batch.append_journal(args.out, {"run": run})
    for key in sorted(records):
        batch.append_journal(args.out, records[key])
    written = write_gradebook(reports, args.out, run)
    print(f"merged {len(records)} submissions from {len(args.folders)} folders into {written['csv'].resolve()}")
    return 0
