"""A grading worker: ``python -m mlp_lib.grading.worker`` reads one job per line on stdin
(``{"path", "learner", "options"}``), grades that notebook and writes its record as one JSON line
on stdout. The supervisor (``batch.py``) starts it and replaces it if it dies."""
import json
import sys

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
        out.write(json.dumps(grade_job(json.loads(line)), ensure_ascii=False) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
