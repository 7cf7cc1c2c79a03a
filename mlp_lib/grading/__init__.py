"""The grader for teachers (and for self-paced learners checking their own progress).

``mlp-grade PATH`` (or ``python -m mlp_lib.grading PATH``, or ``./course grade PATH``)
grades one notebook or a folder of submissions. Each notebook runs in a fresh kernel in
its own temporary folder, with a time limit per cell and per exercise; then each
exercise's function is called, in that kernel, on inputs the grader drew itself, and the
returned arrays are judged here, in the grader's process, by the same comparison and
diagnosis as the instant checks (``mlp_lib.checks``). Printed output, redefined checks or
a patched NumPy in the notebook therefore change nothing, and an exercise answered by
calling the package's own solution scores zero.

Output: ``gradebook.csv`` and ``gradebook.json`` (learner, exercise_set, exercise, points,
max_points, status, reason) and ``feedback/<learner>.md`` in the ``--out`` folder.
"""
from .._optional import require

require("mlp_lib.grading", "nbclient", "nbformat", "jupyter_core", "ipykernel")

from .cli import find_submissions, main
from .gradebook import write_gradebook
from .submission import Report, Row, SubmissionError, grade_notebook, read_submission

__all__ = ["grade_notebook", "read_submission", "find_submissions", "write_gradebook", "main",
           "Report", "Row", "SubmissionError"]
