"""The grader on a folder of mixed submissions, each made here from the solution notebook:
a clean one, an untouched exercise, and submissions that are wrong, loop forever, raise,
exit, crash their kernel, tamper with the checks or call the reference. Every one gets its
own score and reason while the others are graded normally."""
import csv
import json
import pathlib
import subprocess
import sys

import nbformat
import numpy as np
import pytest

from mlp_lib.grading import find_submissions, grade_notebook, main, read_submission
from mlp_lib.grading.submission import SubmissionError

from sandbox_support import SANDBOX, needs_sandbox

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solutions" / "03_backpropagation.ipynb"
EXERCISE = ROOT / "exercises" / "03_backpropagation.ipynb"
EXERCISES = ["affine_forward", "affine_backward", "sigmoid_prime", "two_layer_gradients", "sgd_step", "train_xor",
             "MyMLP"]
POINTS = {"affine_forward": 2, "affine_backward": 3, "sigmoid_prime": 2, "two_layer_gradients": 4,
          "sgd_step": 2, "train_xor": 2, "MyMLP": 4}


def solution_with(replacements=None, extra_cells=()):
    """The solution notebook with the cells of some exercises replaced: {exercise: source}."""
    nb = nbformat.read(SOLUTION, as_version=4)
    for cell in nb.cells:
        name = cell.metadata.get("mlp_course", {}).get("exercise")
        if name in (replacements or {}):
            cell.source = replacements[name]
    for index, source in extra_cells:
        nb.cells.insert(index, nbformat.v4.new_code_cell(source))
    return nb


SUBMISSIONS = {
    "alice": lambda: solution_with(),
    "bob": lambda: nbformat.read(EXERCISE, as_version=4),
    "carol": lambda: solution_with({"affine_backward": (
        "def affine_backward(dout, cache):\n    X, W = cache\n    return dout @ W.T, dout.T @ X, dout.sum(axis=0)")}),
    "dave": lambda: solution_with({"sgd_step": "def sgd_step(params, grads, lr):\n    while True:\n        pass"}),
    "erin": lambda: solution_with({"sigmoid_prime": (
        "def sigmoid_prime(z):\n    s = sigmoid(z)\n    return s * (1 - s)\n\nimport time\nwhile True:\n    time.sleep(0.1)")}),
    "frank": lambda: solution_with({"affine_forward": (
        "def affine_forward(X, W, b):\n    return X @ W + b, (X, W)\n\nimport time\nwhile True:\n"
        "    try:\n        time.sleep(0.1)\n    except BaseException:\n        pass")}),
    "gina": lambda: solution_with({"two_layer_gradients": "1 / 0"}),
    "hank": lambda: solution_with({"sgd_step": (
        "import sys\ndef sgd_step(params, grads, lr):\n    return {k: params[k] - lr * grads[k] for k in params}\nsys.exit(0)")}),
    "ivan": lambda: solution_with({"affine_backward": (
        "def affine_backward(dout, cache):\n    X, W = cache\n    return dout @ W.T, X.T @ dout, dout.sum(axis=0)\n"
        "import os\nos._exit(1)")}),
    "judy": lambda: solution_with({"sigmoid_prime": "import os\ndef sigmoid_prime(z):\n    os._exit(3)"}),
    "kate": lambda: _tampering(),
    "leo": lambda: solution_with({"affine_backward": (
        "from mlp_lib import affine_backward as reference\n"
        "def affine_backward(dout, cache):\n    return reference(dout, cache)")}),
}


def _tampering():
    """The untouched exercises plus every trick that could fake a pass inside the notebook."""
    nb = nbformat.read(EXERCISE, as_version=4)
    tricks = (
        "import numpy as np, mlp_lib.checks.base as base, mlp_lib.checks.runner as runner\n"
        "np.allclose = lambda *a, **k: True\n"
        "np.isclose = lambda a, b, **k: np.ones(np.shape(a), bool)\n"
        "base.evaluate = lambda *a, **k: base.CheckResult('x', True, 'passed', 'passed', 1.0)\n"
        "runner.call_cases = lambda *a, **k: []\n"
        "open('tamper_marker.txt', 'w').write('learner code ran here')\n"
        "print('✓ affine_forward is right')\n"
        "def check_affine_forward(f):\n    print('✓ all checks passed')\n")
    nb.cells.insert(2, nbformat.v4.new_code_cell(tricks))
    return nb


EXPECTED = {  # learner -> {exercise: (status, points)}; unlisted exercises pass with full points
    "bob": {e: ("not_implemented", 0) for e in EXERCISES},
    "carol": {"affine_backward": ("failed", 0), "two_layer_gradients": ("failed", 0), "train_xor": ("error", 0),
              "MyMLP": ("error", 0)},
    "dave": {"sgd_step": ("timeout", 0), "train_xor": ("timeout", 0)},
    "erin": {"sigmoid_prime": ("timeout", 0)},
    # frank's cell ignores the interrupt: a new kernel replays the notebook without that cell
    "frank": {"affine_forward": ("timeout", 0), "two_layer_gradients": ("error", 0), "train_xor": ("error", 0),
              "MyMLP": ("error", 0)},
    "gina": {"two_layer_gradients": ("error", 0), "train_xor": ("error", 0)},
    "hank": {"sgd_step": ("error", 0)},
    "ivan": {"affine_backward": ("crashed", 0), "two_layer_gradients": ("error", 0), "train_xor": ("error", 0),
             "MyMLP": ("error", 0)},
    "judy": {"sigmoid_prime": ("crashed", 0), "two_layer_gradients": ("crashed", 0), "train_xor": ("crashed", 0),
             "MyMLP": ("crashed", 0)},
    "kate": {e: ("not_implemented", 0) for e in EXERCISES},
    # the course's solution is absent while grading: so is every answer that relies on it
    "leo": {e: ("reference_called", 0) for e in ("affine_backward", "two_layer_gradients", "train_xor", "MyMLP")},
}
REASONS = {("carol", "affine_backward"): "transposed", ("bob", "affine_forward"): "not implemented",
           ("erin", "sigmoid_prime"): "did not finish", ("frank", "affine_forward"): "did not finish",
           ("hank", "sgd_step"): "SystemExit", ("ivan", "affine_backward"): "crashed the kernel",
           ("judy", "sigmoid_prime"): "kernel died", ("leo", "affine_backward"): "course's own solution",
           ("gina", "two_layer_gradients"): "raised ZeroDivisionError",
           ("frank", "two_layer_gradients"): "name 'affine_forward' is not defined", ("dave", "sgd_step"): "did not finish"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade the whole folder once, with two jobs, as a teacher would (in the sandbox)."""
    if SANDBOX is None:
        pytest.skip("no sandbox on this machine")
    base = tmp_path_factory.mktemp("grading")
    folder = base / "submissions"
    folder.mkdir()
    for learner, make in SUBMISSIONS.items():
        nbformat.write(make(), folder / f"{learner}.ipynb")
    other = nbformat.read(SOLUTION, as_version=4)
    other.metadata["mlp_course"]["exercise_set"] = "05_softmax_cross_entropy"
    nbformat.write(other, folder / "mia.ipynb")
    (folder / "ned.ipynb").write_text(SOLUTION.read_text()[:5000])      # truncated: broken JSON
    (folder / "olga.ipynb").write_text(json.dumps([1, 2, 3]))           # JSON, but not a notebook
    out = base / "gradebook"
    proc = subprocess.run([sys.executable, "-m", "mlp_lib.grading", str(folder), "--out", str(out),
                           "--set", "03_backpropagation", "--jobs", "2", "--cell-timeout", "15",
                           "--exercise-timeout", "10", "--progress", "on"],
                          cwd=base, capture_output=True, text=True, timeout=600)
    rows = list(csv.DictReader(open(out / "gradebook.csv", encoding="utf-8")))
    return {"proc": proc, "rows": rows, "out": out, "base": base,
            "table": {(r["learner"], r["exercise"]): r for r in rows}}


def test_the_grader_itself_succeeds(graded):
    assert graded["proc"].returncode == 0, graded["proc"].stderr
    assert "19/19" in graded["proc"].stdout                    # the summary table
    assert "15/15 graded" in graded["proc"].stderr            # the progress bar


@pytest.mark.parametrize("learner", list(SUBMISSIONS))
def test_each_submission_gets_its_own_score_and_reason(graded, learner):
    for exercise in EXERCISES:
        row = graded["table"][(learner, exercise)]
        status, points = EXPECTED.get(learner, {}).get(exercise, ("passed", POINTS[exercise]))
        assert (row["status"], float(row["points"])) == (status, points), (learner, exercise, row["reason"])
        assert float(row["max_points"]) == POINTS[exercise]
        if (learner, exercise) in REASONS:
            assert REASONS[(learner, exercise)] in row["reason"], row["reason"]


@pytest.mark.parametrize("learner, needle", [("mia", "'05_softmax_cross_entropy', not '03_backpropagation'"),
                                             ("ned", "JSON is broken"), ("olga", "not a Jupyter notebook")])
def test_malformed_submissions_get_a_clear_message(graded, learner, needle):
    for exercise in EXERCISES:
        row = graded["table"][(learner, exercise)]
        assert row["status"] == "invalid" and float(row["points"]) == 0
        assert needle in row["reason"]


def test_feedback_files_explain_each_mistake(graded):
    feedback = graded["out"] / "feedback"
    assert sorted(p.stem for p in feedback.glob("*.md")) == sorted(list(SUBMISSIONS) + ["mia", "ned", "olga"])
    carol = (feedback / "carol.md").read_text()
    assert "dW has shape" in carol and "Likely cause: dW is transposed" in carol
    assert "12 of 15 points" not in carol and "affine_backward: 0 / 3 (failed)" in carol


def test_json_gradebook_matches_the_csv(graded):
    data = json.loads((graded["out"] / "gradebook.json").read_text())
    assert len(data["rows"]) == len(graded["rows"])
    alice = next(s for s in data["submissions"] if s["learner"] == "alice")
    assert (alice["points"], alice["max_points"]) == (19, 19)


def test_learner_code_ran_elsewhere(graded):
    # the tampering notebook wrote a file in its own temporary folder, never next to the grader
    assert not list(graded["base"].rglob("tamper_marker.txt"))


def test_missing_folder_is_a_clear_usage_error(tmp_path, capsys):
    assert main([str(tmp_path / "nowhere")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_empty_folder_is_a_clear_usage_error(tmp_path, capsys):
    assert main([str(tmp_path)]) == 2
    assert "no notebooks" in capsys.readouterr().err


def test_submissions_are_named_after_file_or_subfolder(tmp_path):
    (tmp_path / "zoe").mkdir()
    (tmp_path / "zoe" / "03_backpropagation.ipynb").write_text("{}")
    (tmp_path / "yann.ipynb").write_text("{}")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "yann-checkpoint.ipynb").write_text("{}")
    assert [s.learner for s in find_submissions(tmp_path)] == ["yann", "zoe"]


@pytest.mark.parametrize("content, needle", [
    ("not json at all", "JSON is broken"),
    ('{"cells": []}', "not a Jupyter notebook"),
    ('{"cells": [], "nbformat": 3, "metadata": {}}', "format 3"),
    ('{"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "does not say which exercise set"),
])
def test_read_submission_refuses_with_a_message(tmp_path, content, needle):
    path = tmp_path / "x.ipynb"
    path.write_text(content)
    with pytest.raises(SubmissionError, match=needle):
        read_submission(path)


def test_a_notebook_named_like_its_set_is_accepted_without_metadata(tmp_path):
    nb = nbformat.read(SOLUTION, as_version=4)
    del nb.metadata["mlp_course"]
    nbformat.write(nb, tmp_path / "03_backpropagation.ipynb")
    assert read_submission(tmp_path / "03_backpropagation.ipynb")[1] == "03_backpropagation"


@needs_sandbox
@pytest.mark.parametrize("path", sorted((ROOT / "solutions").glob("*.ipynb")), ids=lambda p: p.stem)
def test_every_solution_notebook_scores_full_marks_in_the_sandbox(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    allclose = np.allclose
    report = grade_notebook(path, sandbox=SANDBOX)
    assert np.allclose is allclose              # nothing of the notebook reached this process
    assert not report.problem, report.problem
    failed = [(r.exercise, r.status, r.reason) for r in report.rows if r.points != r.max_points]
    assert not failed
    assert report.points == report.max_points > 0


@pytest.mark.parametrize("path", sorted((ROOT / "exercises").glob("*.ipynb")), ids=lambda p: p.stem)
def test_every_untouched_exercise_scores_zero_with_not_implemented(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    report = grade_notebook(path)
    assert report.rows and all(r.points == 0 for r in report.rows)
    assert all(r.status == "not_implemented" and "not implemented" in r.reason for r in report.rows), \
        [(r.exercise, r.status, r.reason) for r in report.rows]


CLASS_SUBMISSIONS = {     # MyMLP's cell -> (status, words of the reason)
    "subclass": ("from mlp_lib import MLP\nclass MyMLP(MLP):\n    pass", "reference_called", "MLP (mlp_lib.model)"),
    "delegates": ("import mlp_lib\nclass MyMLP:\n    loss_record = get_loss_record('binary_cross_entropy')\n"
                  "    def __init__(self, layer_sizes, seed=0):\n"
                  "        self.net = mlp_lib.MLP(layer_sizes, activation='sigmoid', loss='binary_cross_entropy')\n"
                  "        self.params = self.net.params\n"
                  "    def check_data(self, X, y):\n        return self.net.check_data(X, y)\n"
                  "    def forward_backward(self, X, y):\n        return self.net.forward_backward(X, y)\n",
                  "reference_called", "course's own solution"),
}


def _class_variant(name):
    """The solution's MyMLP cell with a change, as a submitted cell."""
    cell = next(c for c in nbformat.read(SOLUTION, as_version=4).cells
                if c.metadata.get("mlp_course", {}).get("exercise") == "MyMLP")
    if name == "not-reversed":
        return cell.source.replace("range(self.L, 0, -1)", "range(1, self.L + 1)")
    if name == "own-copies":     # the layers read a frozen copy of the parameters, which train never updates
        return cell.source.replace("self.params[f\"W{l}\"], self.params[f\"b{l}\"])",
                                   "self.frozen[f\"W{l}\"], self.frozen[f\"b{l}\"])").replace(
            "self.caches = []", "self.caches = []\n        self.frozen = getattr(self, 'frozen', dict(self.params))")
    return CLASS_SUBMISSIONS[name][0]


@needs_sandbox
@pytest.mark.parametrize("variant, status, reason", [
    ("subclass", *CLASS_SUBMISSIONS["subclass"][1:]), ("delegates", *CLASS_SUBMISSIONS["delegates"][1:]),
    ("not-reversed", "error", "must visit the layers in reverse"), ("own-copies", "failed", "the loss never moved")])
def test_a_submitted_class_is_graded_in_the_sandbox(variant, status, reason, tmp_path, monkeypatch):
    """The class exercise is played in the sandboxed kernel: the package's MLP is withheld, so a subclass
    or a wrapper of it scores zero; a wrong class gets its cause; the rest of the set is unaffected."""
    monkeypatch.chdir(tmp_path)
    source = _class_variant(variant)
    assert source != next(c.source for c in nbformat.read(SOLUTION, as_version=4).cells
                          if c.metadata.get("mlp_course", {}).get("exercise") == "MyMLP")
    nbformat.write(solution_with({"MyMLP": source}), tmp_path / "03_backpropagation.ipynb")
    report = grade_notebook(tmp_path / "03_backpropagation.ipynb", sandbox=SANDBOX)
    rows = {r.exercise: r for r in report.rows}
    assert (rows["MyMLP"].status, rows["MyMLP"].points) == (status, 0), rows["MyMLP"].reason
    assert reason in rows["MyMLP"].reason, rows["MyMLP"].reason
    assert all(r.points == r.max_points for name, r in rows.items() if name != "MyMLP")


@needs_sandbox
def test_train_xor_may_not_call_train_even_on_the_learners_own_class(tmp_path, monkeypatch):
    """train is withheld in lesson 3's grading package (MyMLP's check trains through the harness's
    own loop): train_xor calling it on the learner's own class scores zero, MyMLP keeps its points."""
    monkeypatch.chdir(tmp_path)
    cheat = ("def train_xor(X, y, hidden=4, lr=2.0, epochs=3000, seed=0):\n"
             "    model = MyMLP([2, hidden, 1], seed=seed)\n"
             "    train(model, X, y, epochs=epochs, lr=lr)\n    return model.params\n")
    nb = solution_with({"train_xor": cheat})
    # the class must exist before train_xor runs: move its cell (and its check) up
    cells = nb.cells
    index = next(i for i, c in enumerate(cells) if c.metadata.get("mlp_course", {}).get("exercise") == "MyMLP")
    first = next(i for i, c in enumerate(cells) if c.metadata.get("mlp_course", {}).get("exercise") == "train_xor")
    cells.insert(first, cells.pop(index))
    nbformat.write(nb, tmp_path / "03_backpropagation.ipynb")
    report = grade_notebook(tmp_path / "03_backpropagation.ipynb", sandbox=SANDBOX)
    rows = {r.exercise: r for r in report.rows}
    assert rows["train_xor"].status == "reference_called" and "train" in rows["train_xor"].reason, rows["train_xor"].reason
    assert rows["MyMLP"].points == 4 and rows["sgd_step"].points == 2


def test_answers_read_back_must_have_the_runner_format():
    from mlp_lib.grading.submission import _trusted
    good = [{"status": "ok", "value": 1.0, "reference_called": []}, {"status": "timeout", "budget": 1}]
    assert [o["status"] for o in _trusted(good, 2)] == ["ok", "timeout"]
    assert _trusted(good, 3) is None
    assert _trusted([{"status": "passed"}], 1) is None
    assert _trusted([{"status": "ok"}], 1) is None
    assert _trusted({"status": "ok"}, 1) is None


def test_nothing_but_values_and_failures_is_believed_from_the_kernel():
    from mlp_lib.grading.submission import _trusted
    forged = [{"status": "ok", "value": 2.0, "reference_called": [], "points": 99, "passed": True,
               "message": "✓ right", "fraction": 1.0}]
    assert _trusted(forged, 1) == [{"status": "ok", "value": 2.0, "reference_called": []}]
    # a recorded call of the course's solution is believed only from a plain (unsandboxed) kernel
    flagged = [{"status": "ok", "value": 2.0, "reference_called": ["mlp_lib.layers:affine_forward"]}]
    assert _trusted(flagged, 1)[0]["reference_called"] == []
    assert _trusted(flagged, 1, keep_reference_flags=True)[0]["reference_called"] == ["mlp_lib.layers:affine_forward"]
