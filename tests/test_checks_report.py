"""The class report counts the diagnosed mistakes of a batch with known mistakes, and the
instant check and the grader's path give the same verdict, hint and diagnosis."""
import csv
import json
import pathlib
import subprocess
import sys

import nbformat

import numpy as np
import pytest

from mlp_lib.checks import base, lesson02, lesson03, runner, wire
from mlp_lib.grading.submission import _trusted
from mlp_lib.grading.report import main, mistake_counts, write_class_report

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _row(learner, exercise, fn):
    """A gradebook row from the instant check's verdict on a learner's function."""
    exercise_obj = exercise.exercise
    cases = exercise_obj.make_cases(np.random.default_rng(exercise_obj.seed))
    outcomes = runner.call_cases(fn, [(c.args, c.kwargs) for c in cases], exercise_obj.references)
    result = base.evaluate(exercise_obj, cases, outcomes)
    return {"learner": learner, "exercise_set": "03_backpropagation", "exercise": result.exercise,
            "status": result.status, "diagnosis": result.diagnosis}


def right(dout, cache):
    X, W = cache
    return dout @ W.T, X.T @ dout, dout.sum(axis=0)


def dW_transposed(dout, cache):
    X, W = cache
    return dout @ W.T, dout.T @ X, dout.sum(axis=0)


def db_wrong_axis(dout, cache):
    X, W = cache
    return dout @ W.T, X.T @ dout, dout.sum(axis=1)


def no_bias(X, W, b):
    return X @ W, (X, W)


def batch():
    """Six learners: three transpose dW, one sums db over the wrong axis, two are right; on
    affine_forward two forget the bias."""
    fns = [dW_transposed, dW_transposed, dW_transposed, db_wrong_axis, right, right]
    rows = [_row(f"learner{i}", lesson03.check_affine_backward, fn) for i, fn in enumerate(fns)]
    rows += [_row(f"learner{i}", lesson02.check_affine_forward,
                  no_bias if i < 2 else (lambda X, W, b: (X @ W + b, (X, W)))) for i in range(6)]
    return rows


def test_the_known_mistakes_are_counted_per_exercise():
    table = mistake_counts(batch())
    backward = table[("03_backpropagation", "affine_backward")]
    assert backward["learners"] == 6 and backward["passed"] == 2
    assert backward["mistakes"] == {"affine_backward/dw-is-transposed": 3,
                                    "affine_backward/db-is-summed-over-the-wrong-axis": 1}
    forward = table[("03_backpropagation", "affine_forward")]
    assert forward["mistakes"] == {"affine_forward/the-bias-b-is-not-added": 2}


def test_a_learner_counts_once_per_exercise():
    rows = batch()
    table = mistake_counts(rows + rows[:1])
    assert table[("03_backpropagation", "affine_backward")]["learners"] == 6


def test_the_report_is_written_as_table_chart_and_page(tmp_path):
    pytest.importorskip("matplotlib")
    paths = write_class_report(batch(), tmp_path / "out")
    assert set(paths) == {"html", "png", "csv", "md"}
    with open(paths["csv"]) as f:
        table = list(csv.DictReader(f))
    top = table[0]
    assert (top["exercise"], top["diagnosis"], top["learners"], top["of"]) == \
        ("affine_backward", "affine_backward/dw-is-transposed", "3", "6")
    assert float(top["share"]) == pytest.approx(0.5)
    with open(paths["png"], "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    page = open(paths["html"]).read()
    assert "affine_backward/dw-is-transposed" in page and "data:image/png;base64," in page
    assert "3 of 6" in open(paths["md"]).read()


def test_the_command_reads_a_gradebook(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    book = tmp_path / "gradebook.json"
    book.write_text(json.dumps({"rows": batch()}))
    assert main([str(book), "--out", str(tmp_path / "report")]) == 0
    assert (tmp_path / "report" / "class_report.html").exists()
    assert "html:" in capsys.readouterr().out


def _lesson02_with(sources):
    """The solution notebook of lesson 2 with some exercise cells replaced: {exercise: source}."""
    nb = nbformat.read(ROOT / "solutions" / "02_forward_pass.ipynb", as_version=4)
    for cell in nb.cells:
        name = cell.metadata.get("mlp_course", {}).get("exercise")
        if name in sources:
            cell.source = sources[name]
    return nb


NO_BIAS = "def affine_forward(X, W, b):\n    return X @ W, (X, W)"
NEURONS = "def count_parameters(layer_sizes):\n    return sum(layer_sizes)"


def test_the_grader_writes_the_class_report_of_a_batch_with_known_mistakes(tmp_path):
    """Four learners graded by the command a teacher runs: two forget the bias, one counts the
    neurons instead of the parameters, one is right; the report counts exactly these (and
    the missing bias again where the next exercise uses that layer)."""
    pytest.importorskip("matplotlib")
    folder = tmp_path / "submissions"
    folder.mkdir()
    batch_ = {"ann": {"affine_forward": NO_BIAS}, "ben": {"affine_forward": NO_BIAS},
              "cid": {"count_parameters": NEURONS}, "dee": {}}
    for learner, sources in batch_.items():
        nbformat.write(_lesson02_with(sources), folder / f"{learner}.ipynb")
    out = tmp_path / "gradebook"
    proc = subprocess.run([sys.executable, "-m", "mlp_lib.grading", str(folder), "--out", str(out), "--no-sandbox",
                           "--report", "--progress", "off"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "Class report:" in proc.stdout
    with open(out / "gradebook.csv", encoding="utf-8") as f:
        book = {(r["learner"], r["exercise"]): r["diagnosis"] for r in csv.DictReader(f)}
    assert book[("ann", "affine_forward")] == "affine_forward/the-bias-b-is-not-added"
    with open(out / "class_report" / "class_report.csv", encoding="utf-8") as f:
        report = {(r["exercise"], r["diagnosis"]): (r["learners"], r["of"]) for r in csv.DictReader(f)}
    assert report == {("affine_forward", "affine_forward/the-bias-b-is-not-added"): ("2", "4"),
                      # the solution's mlp_forward calls the learner's affine_forward: it lacks the biases too
                      ("mlp_forward", "mlp_forward/the-biases-are-missing"): ("2", "4"),
                      ("count_parameters", book[("cid", "count_parameters")]): ("1", "4")}
    assert book[("cid", "count_parameters")].startswith("count_parameters/")     # a named mistake
    assert (out / "class_report" / "class_report.png").read_bytes()[:4] == b"\x89PNG"


def test_rows_without_a_diagnosis_are_refused_by_name():
    with pytest.raises(ValueError, match="lacks diagnosis"):
        mistake_counts([{"learner": "a", "exercise_set": "s", "exercise": "e", "status": "failed"}])


# -- the instant check and the grader's path agree ------------------------------------------------

def _via_files(tmp_path, fn, exercise):
    """The grader's path: cases written in the wire format, outcomes read back from it and kept
    only as far as the grader believes them."""
    cases = exercise.make_cases(np.random.default_rng(exercise.seed))
    wire.save(str(tmp_path / "in"), [(c.args, c.kwargs) for c in cases])
    loaded = wire.load(str(tmp_path / "in"))
    outcomes = runner.call_cases(fn, [(tuple(a), dict(k)) for a, k in loaded], exercise.references,
                                 exercise.time_budget, exercise.errstate)
    wire.save(str(tmp_path / "out"), outcomes)
    trusted = _trusted(wire.load(str(tmp_path / "out")), len(cases), keep_reference_flags=True)
    return base.evaluate(exercise, cases, trusted)


def _spoils_dout(dout, cache):
    X, W = cache
    dX, dW, db = dout @ W.T, X.T @ dout, dout.sum(axis=0)
    dout[...] = 0
    return dX, dW, db


@pytest.mark.parametrize("fn", [right, dW_transposed, db_wrong_axis, _spoils_dout, lambda dout, cache: None,
                                lambda dout, cache: [1, 2], lambda dout, cache: 1 / 0],
                         ids=["right", "dW transposed", "db axis", "changes dout", "None", "list", "raises"])
def test_instant_check_and_grader_give_the_same_verdict(tmp_path, fn):
    exercise = lesson03.AFFINE_BACKWARD
    cases = exercise.make_cases(np.random.default_rng(exercise.seed))
    outcomes = runner.call_cases(fn, [(c.args, c.kwargs) for c in cases], exercise.references,
                                 exercise.time_budget, exercise.errstate)
    instant = base.evaluate(exercise, cases, outcomes)
    graded = _via_files(tmp_path, fn, exercise)
    assert (instant.status, instant.message, instant.diagnosis, instant.fraction) == \
        (graded.status, graded.message, graded.diagnosis, graded.fraction)
