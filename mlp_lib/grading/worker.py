"""A grading worker: ``python -m mlp_lib.grading.worker`` reads one job per line on stdin
(``{"path", "learner", "options"}``), grades that notebook and writes its record as one JSON line
on stdout (or ``{"worker_error": text}`` when grading it failed in the grader itself). The
supervisor (``batch.py``) starts it and replaces it if it dies."""
import json
import sys
import traceback

from .sandbox import Limits, Sandbox
from .submission import grade_notebook


def grade_job(job):
    """-> the record of one job (see ``Report.to_record``)."""
    options = dict(job["options"])
    limits = options.pop("sandbox")
    sandbox = None if limits is None else Sandbox(Limits(**limits))
    return grade_notebook(job["path"], learner=job["learner"], sandbox=sandbox, **options).to_record()


def main():
    out = sys.stdout
    sys.stdout = sys.stderr   # nothing but records on the supervisor's pipe
    for line in sys.stdin:
        try:
            answer = grade_job(json.loads(line))
        except Exception as exc:          # the grader's own failure: say what it was, take the next job
            traceback.print_exc()
            answer = {"worker_error": f"{type(exc).__name__}: {exc}"[:2000]}
        out.write(json.dumps(answer, ensure_ascii=False) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
