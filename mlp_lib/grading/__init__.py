"""The grader for teachers (and for self-paced learners checking their own progress).

``mlp-grade PATH`` (or ``python -m mlp_lib.grading PATH``, or ``./course grade PATH``)
grades one notebook or a folder of submissions. Each notebook runs in a fresh kernel inside
a sandbox made with bubblewrap (``sandbox.py``): its own folder, no network, no view of other
submissions, of the grader or of the course's solutions (``sanitize.py``), resource limits.
Each exercise's function is called in that kernel on inputs drawn from a fresh secret seed,
and the returned arrays are judged here, in the grader's process, by the same comparison and
diagnosis as the instant checks (``mlp_lib.checks``). Printed output, redefined checks or a
patched NumPy in the notebook therefore change nothing.

Output: ``gradebook.csv`` and ``gradebook.json`` (learner, exercise_set, exercise, points,
max_points, status, reason, diagnosis), ``feedback/<learner>.md`` and ``journal.jsonl`` (what
resuming and merging read) in the ``--out`` folder.

Modules: ``cli`` (the command line), ``batch`` (the supervisor: finding, sharding, workers,
journal), ``worker`` (grades one submission per job), ``submission`` (one notebook), ``kernel``
(one kernel), ``sandbox`` and ``sanitize`` (what the kernel may see), ``gradebook`` (the files).
"""
from .._optional import require

require("mlp_lib.grading", "nbclient", "nbformat", "jupyter_core", "ipykernel", "packaging")

from .batch import Submission, find_submissions
from .cli import main
from .gradebook import write_gradebook
from .submission import Report, Row, SubmissionError, grade_notebook, read_submission

__all__ = ["grade_notebook", "read_submission", "find_submissions", "write_gradebook", "main",
           "Report", "Row", "Submission", "SubmissionError"]
