"""The capstone graded as a hostile class would try it: look the held-out digits up instead of
learning them. Each attack replaces the solution's ``digits_pipeline``; the batch is graded in
the sandbox, and an honest copy of the solution beside them keeps full marks."""
import csv
import json
import pathlib
import subprocess
import sys

import nbformat
import numpy as np
import pytest

from mlp_lib import load_digits
from mlp_lib.grading.submission import ONLY_ALLOWED

from sandbox_support import SANDBOX

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solutions" / "08_capstone_digits.ipynb"
SIGNATURE = "def digits_pipeline(X_train, y_train, X_test, epochs=40, seed=0):\n"


def _pasted_lookup():
    """The public digits pasted into the notebook, and each test image's nearest neighbour there."""
    X, y = load_digits()
    return (f"import numpy as np\n_PUBLIC = np.array({json.dumps(X.astype(int).tolist())}, dtype=float)\n"
            f"_LABELS = np.array({json.dumps(y.tolist())})\n" + SIGNATURE +
            "    d = ((X_test[:, None, :] - _PUBLIC[None, :, :]) ** 2).sum(axis=2)\n"
            "    return _LABELS[d.argmin(axis=1)]")


ATTACKS = {
    # (the new cell, expected status, text in the reason)
    "load_inside": ("from mlp_lib import load_digits\n" + SIGNATURE +
                    "    X, y = load_digits()\n    return y[:len(X_test)]", "reference_called", "course's own solution"),
    "sklearn_data": (SIGNATURE + "    from sklearn.datasets import load_digits\n    return load_digits().target[:len(X_test)]",
                     "error", ONLY_ALLOWED),
    "package_files": ("import glob, gzip, os, sys, numpy as np, mlp_lib\n" + SIGNATURE +
                      "    roots = [os.path.dirname(os.path.dirname(mlp_lib.__file__)), sys.prefix, sys.base_prefix]\n"
                      "    for root in roots:\n"
                      "        for path in glob.glob(root + '/**/*digits*.csv*', recursive=True):\n"
                      "            data = np.loadtxt((gzip.open if path.endswith('.gz') else open)(path, 'rt'), delimiter=',')\n"
                      "            X, y = data[:, :64], data[:, 64].astype(int)\n"
                      "            return y[((X_test[:, None, :] - X[None]) ** 2).sum(axis=2).argmin(axis=1)]\n"
                      "    return np.zeros(len(X_test), dtype=int)", "failed", "accuracy"),
    "development_data": ("from mlp_lib.checks.lesson08 import development_data\n" + SIGNATURE +
                         "    X, y = development_data()\n    return y[:len(X_test)]", "reference_called", ""),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    if SANDBOX is None:
        pytest.skip("no sandbox on this machine")
    base = tmp_path_factory.mktemp("capstone")
    folder = base / "submissions"
    folder.mkdir()
    sources = {**{name: cell for name, (cell, _, _) in ATTACKS.items()}, "pasted_lookup": _pasted_lookup()}
    for name, source in sources.items():
        nb = nbformat.read(SOLUTION, as_version=4)
        for cell in nb.cells:
            if cell.metadata.get("mlp_course", {}).get("exercise") == "digits_pipeline":
                cell.source = source
        nbformat.write(nb, folder / f"{name}.ipynb")
    nbformat.write(nbformat.read(SOLUTION, as_version=4), folder / "honest.ipynb")
    proc = subprocess.run([sys.executable, "-m", "mlp_lib.grading", str(folder), "--out", str(base / "out"),
                           "--set", "08_capstone_digits", "--jobs", "2", "--cell-timeout", "300"],
                          cwd=base, capture_output=True, text=True, timeout=1800)
    rows = list(csv.DictReader(open(base / "out" / "gradebook.csv", encoding="utf-8")))
    summary = json.loads((base / "out" / "gradebook.json").read_text(encoding="utf-8"))["submissions"]
    return proc, {r["learner"]: {**r, "notes": next(s.get("notes", []) for s in summary if s["learner"] == r["learner"])}
                  for r in rows if r["exercise"] == "digits_pipeline"}


def test_the_honest_pipeline_keeps_full_marks(graded):
    proc, rows = graded
    assert proc.returncode == 0, proc.stderr
    assert (rows["honest"]["status"], float(rows["honest"]["points"])) == ("passed", 6.0), rows["honest"]["reason"]


@pytest.mark.parametrize("name", list(ATTACKS))
def test_reaching_for_the_data_scores_nothing(graded, name):
    _, rows = graded
    _, status, text = ATTACKS[name]
    row = rows[name]
    assert (row["status"], float(row["points"])) == (status, 0.0), row["reason"]
    assert text in row["reason"]


def test_a_pasted_copy_of_the_public_digits_scores_below_an_honest_network(graded):
    _, rows = graded
    row = rows["pasted_lookup"]
    accuracy = float(row["reason"].split("accuracy ")[1].split("%")[0]) / 100
    honest = float(rows["honest"]["reason"].split("accuracy ")[1].split("%")[0]) / 100
    assert accuracy < honest and float(row["points"]) < 6.0, (row["reason"], rows["honest"]["reason"])
    assert np.isfinite(accuracy) and 0.5 < accuracy    # it is a lookup that works on clean digits, not noise


def test_the_teacher_is_told_which_notebook_carries_pasted_data(graded):
    proc, rows = graded
    assert len(rows["pasted_lookup"]["notes"]) == 1 and "pasted data set" in rows["pasted_lookup"]["notes"][0]
    assert "pasted data set" in proc.stdout                 # beside its line of the summary table
    assert all(not row["notes"] for name, row in rows.items() if name != "pasted_lookup")
