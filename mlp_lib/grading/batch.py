"""Grading a folder of submissions: find them, grade each one in a worker process, and write
its rows to the gradebook the moment they are known.

The supervisor (this module, in the grader's own process) never runs learner code. Workers
(``worker.py``) grade one submission at a time, each kernel inside its sandbox; a worker that
dies costs the submission it was grading an ``error`` row, never the others' rows. Every
finished submission is appended to ``journal.jsonl`` in the output folder (one line, flushed
to disk) before the gradebook is rewritten from the journal, so a grader that is killed and
started again on the same output folder resumes where it stopped and never grades a finished
submission twice.
"""
import hashlib
import json
import os
import pathlib
import queue
import shutil
import stat
import subprocess
import sys
import threading
from dataclasses import dataclass

from ..checks.status import Status
from .kernel import temporary_folder
from .submission import MAX_NOTEBOOK_BYTES, invalid_report

JOURNAL = "journal.jsonl"
WORKER_EXIT_SECONDS = 30     # a worker told to stop gets this long to clean up before it is killed


@dataclass
class Submission:
    """One notebook to grade: ``key`` is its path relative to the folder given (the identity
    used for resuming and merging); ``problem`` says why it is refused, if it is."""
    key: str
    learner: str
    path: pathlib.Path
    problem: str = ""


def find_submissions(path, max_bytes=MAX_NOTEBOOK_BYTES):
    """-> [Submission], sorted by key. Notebooks directly in the folder are named after their file
    (``alice.ipynb`` -> alice), those in subfolders after the first subfolder
    (``alice/03_backpropagation.ipynb`` -> alice). Symbolic links, files that are not regular,
    files reached through a link out of the folder and files over ``max_bytes`` are listed with
    the reason they are refused. Raises FileNotFoundError / ValueError for the folder itself."""
    path = pathlib.Path(path)
    if not os.path.lexists(path):
        raise FileNotFoundError(f"no such file or folder: {path}")
    if not path.is_dir() or path.is_symlink():
        return [_submission(path.name, path.stem, path, path.parent.resolve(), max_bytes)]
    root = path.resolve()
    found = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        for d in sorted(dirs):
            if not d.startswith(".") and os.path.islink(os.path.join(folder, d)):
                rel = pathlib.PurePosixPath(pathlib.Path(folder, d).relative_to(root).as_posix())
                found.append(Submission(f"{rel}/", rel.parts[0], pathlib.Path(folder, d),
                                        f"{d} is a symbolic link to a folder: hand in the notebooks themselves"))
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not os.path.islink(os.path.join(folder, d)))
        for name in sorted(files):
            if not name.endswith(".ipynb") or name.startswith("."):
                continue
            rel = pathlib.PurePosixPath(pathlib.Path(folder, name).relative_to(root).as_posix())
            learner = rel.parts[0] if len(rel.parts) > 1 else rel.stem
            found.append(_submission(str(rel), learner, pathlib.Path(folder, name), root, max_bytes))
    if not found:
        raise ValueError(f"no notebooks (*.ipynb) found in the folder {path}")
    return sorted(found, key=lambda s: s.key)


def _submission(key, learner, path, root, max_bytes):
    try:
        info = os.lstat(path)
    except OSError as exc:
        return Submission(key, learner, path, f"{path.name} cannot be read ({exc.strerror or exc})")
    if stat.S_ISLNK(info.st_mode):
        return Submission(key, learner, path, f"{path.name} is a symbolic link, not a notebook: hand in the "
                                              f"notebook file itself")
    if not stat.S_ISREG(info.st_mode):
        return Submission(key, learner, path, f"{path.name} is not a regular file")
    if root not in pathlib.Path(os.path.realpath(path)).parents:
        return Submission(key, learner, path, f"{path.name} lies outside the folder being graded")
    if info.st_size > max_bytes:
        return Submission(key, learner, path, f"{path.name} is {info.st_size / 2**20:.1f} MB, larger than the "
                                              f"limit of {max_bytes / 2**20:.0f} MB: clear its outputs, save it "
                                              f"and hand it in again")
    return Submission(key, learner, path)


def shard(submissions, k, n):
    """The K-th of N deterministic slices (K from 1): a submission belongs to the slice given by
    a hash of its key, so every machine of a batch system computes the same split."""
    if not (isinstance(k, int) and isinstance(n, int) and 1 <= k <= n):
        raise ValueError(f"--shard must be K/N with 1 <= K <= N, got {k}/{n}")
    return [s for s in submissions if int(hashlib.sha256(s.key.encode()).hexdigest(), 16) % n == k - 1]


# -- the journal ---------------------------------------------------------------------------------

def read_journal(out_dir):
    """-> (run header dict or None, {key: record}) from ``out_dir/journal.jsonl``; a line cut short
    by a kill is ignored."""
    path = pathlib.Path(out_dir) / JOURNAL
    header, records = None, {}
    if not path.exists():
        return header, records
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(entry, dict):
                continue
            if "run" in entry and header is None:
                header = entry["run"]
            elif isinstance(entry.get("key"), str) and isinstance(entry.get("rows"), list):
                records[entry["key"]] = entry
    return header, records


def append_journal(out_dir, entry):
    """Append one line and flush it to disk before returning."""
    path = pathlib.Path(out_dir) / JOURNAL
    line = json.dumps(entry, ensure_ascii=False) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


# -- the workers ---------------------------------------------------------------------------------

class _Worker:
    """A ``python -m mlp_lib.grading.worker`` process: a job line in, a record line out."""

    def __init__(self, tmp):
        self.process = None
        self.tmp = tmp      # its temporary folders go here (the supervisor removes it, even after a kill)

    def grade(self, job, timeout):
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen([sys.executable, "-m", "mlp_lib.grading.worker"], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1,
                                            env={**os.environ, "TMPDIR": self.tmp})
        expired = threading.Event()

        def stop():
            expired.set()
            self.process.kill()
        timer = threading.Timer(timeout, stop)
        timer.start()
        try:
            self.process.stdin.write(json.dumps(job) + "\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
        except OSError:
            line = ""
        finally:
            timer.cancel()
        if not line:
            code = self.process.poll()
            self.close()
            if expired.is_set():
                raise _WorkerDied(f"it ran past the limit of {timeout:.0f} s for a whole submission", Status.TIMEOUT)
            how = ("" if code is None else f" (killed by signal {-code})" if code < 0 else f" (exit status {code})")
            raise _WorkerDied(f"the grader's worker process stopped while grading it{how}", Status.ERROR)
        answer = json.loads(line)
        if isinstance(answer, dict) and "worker_error" in answer:
            raise _WorkerDied(f"the grader failed on it: {answer['worker_error']}", Status.ERROR)
        return answer

    def close(self):
        if self.process is not None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=WORKER_EXIT_SECONDS)    # it cleans up and exits
            except (OSError, subprocess.TimeoutExpired):
                pass
            self.process.kill()
            self.process.wait()
            self.process = None


class _WorkerDied(Exception):
    def __init__(self, reason, status):
        super().__init__(reason)
        self.status = status


def grade_all(submissions, options, jobs=1, on_record=None, submission_timeout=3600):
    """Grade ``submissions`` with ``jobs`` workers; call ``on_record(record, failed)`` in the
    calling thread as each one finishes (failed: the grader, not the submission, went wrong)."""
    todo = queue.Queue()
    for submission in submissions:
        todo.put(submission)
    done = queue.Queue()
    tmp = temporary_folder("mlp-grade-run-")

    def work():
        worker = _Worker(tmp)
        try:
            while True:
                try:
                    submission = todo.get_nowait()
                except queue.Empty:
                    return
                job = {"path": str(submission.path), "learner": submission.learner, "options": options}
                try:
                    record, failed = worker.grade(job, submission_timeout), False
                except (_WorkerDied, ValueError) as exc:
                    status = getattr(exc, "status", Status.ERROR)
                    why = str(exc) if isinstance(exc, _WorkerDied) else "the grader's worker answered nonsense"
                    record = invalid_report(submission.learner, submission.path.name, options.get("fallback_set"),
                                            f"{submission.path.name} could not be graded: {why}",
                                            options.get("seed") or 0, status=status).to_record()
                    failed = status == Status.ERROR   # the grader went wrong, not the submission
                record["key"] = submission.key
                done.put((record, failed))
        finally:
            worker.close()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(max(1, min(jobs, len(submissions))))]
    try:
        for thread in threads:
            thread.start()
        for _ in range(len(submissions)):
            record, failed = done.get()
            if on_record is not None:
                on_record(record, failed)
        for thread in threads:
            thread.join()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
