"""A hostile class, graded in one batch in the sandbox: every kind of submission a learner could
hand in to get points without the work, to sabotage others, to lose the batch's results or to
flood the gradebook. Each attack is one notebook (made from the solution of set 03 with a cell
replaced or added, or a file that is no proper notebook). For each one the test asserts the
exact status, score and reason of the exercises it attacks, that the rest of its notebook and
every other learner's rows are graded as if it were not there, that nothing was written outside
the output folder, and that no process outlives the run."""
import csv
import hashlib
import json
import os
import pathlib
import subprocess
import sys
import time
from dataclasses import dataclass, field

import nbformat
import numpy as np
import pytest

from sandbox_support import SANDBOX

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solutions" / "03_backpropagation.ipynb"
POINTS = {"affine_forward": 2, "affine_backward": 3, "sigmoid_prime": 2, "two_layer_gradients": 4,
          "sgd_step": 2, "train_xor": 2, "MyMLP": 4}
EXERCISES = list(POINTS)
# which exercises of set 03 call which: an attacked function also costs its callers their points
CALLERS = {"affine_forward": {"two_layer_gradients", "train_xor", "MyMLP"},
           "affine_backward": {"two_layer_gradients", "train_xor", "MyMLP"},
           "sigmoid_prime": {"two_layer_gradients", "train_xor", "MyMLP"}, "two_layer_gradients": {"train_xor"},
           "sgd_step": {"train_xor"}, "train_xor": set(), "MyMLP": set()}
MARKER = "mlp-course-hostile-marker"
FILE_LIMIT_MB = 16
TMP_LIMIT_MB = 16


@dataclass
class Attack:
    """One hostile submission: ``replace`` {exercise: new cell source}, ``extra`` cells added after
    the imports, or ``write`` (path -> None) for a file that is no proper notebook; ``expect``
    {exercise: (status, points, text in the reason)}; exercises not named (and not callers of an
    attacked one) must pass with full points."""
    category: str
    replace: dict = field(default_factory=dict)
    extra: tuple = ()
    write: object = None
    expect: dict = field(default_factory=dict)
    everything: tuple = None        # (status, text) expected of every exercise instead


def every(status, text):
    return {e: (status, 0, text) for e in EXERCISES}


def _context(base):
    return {"victim": base / "submissions" / "zzz_victim.ipynb", "out": base / "gradebook",
            "outside": base / "outside.ipynb"}


REFERENCE = "course's own solution"
NO_PACKAGE = "only NumPy, matplotlib and the course package are available"


def attacks(ctx):
    victim, out = ctx["victim"], ctx["out"]
    return {
        # -- the course's own solution, in every disguise ------------------------------------------
        "ref_alias": Attack("reference", replace={"affine_backward": (
            "from mlp_lib.layers import affine_backward as _ab\n"
            "def affine_backward(dout, cache):\n    return _ab(dout, cache)")},
            expect={"affine_backward": ("reference_called", 0, REFERENCE)}),
        "ref_code_object": Attack("reference", replace={"affine_backward": (
            "import mlp_lib.layers as _L\n"
            "def affine_backward(dout, cache):\n    pass\n"
            "affine_backward.__code__ = _L.affine_backward.__code__\n"
            "affine_backward.__defaults__ = _L.affine_backward.__defaults__")},
            expect={"affine_backward": ("reference_called", 0, REFERENCE)}),
        "ref_getsource_exec": Attack("reference", replace={"affine_backward": (
            "import inspect, mlp_lib.layers as _L\n_ns = dict(vars(_L))\n"
            "exec(inspect.getsource(_L.affine_backward), _ns)\naffine_backward = _ns['affine_backward']")},
            expect={"affine_backward": ("reference_called", 0, REFERENCE)}),
        "ref_package_file": Attack("reference", replace={"affine_backward": (
            "import ast, mlp_lib.layers as _L\n_tree = ast.parse(open(_L.__file__).read())\n"
            "_fn = next(n for n in _tree.body if getattr(n, 'name', '') == 'affine_backward')\n"
            "_ns = dict(vars(_L))\nexec(compile(ast.Module([_fn], []), 'x', 'exec'), _ns)\n"
            "affine_backward = _ns['affine_backward']")},
            expect={"affine_backward": ("reference_called", 0, REFERENCE)}),
        "ref_registry": Attack("reference", replace={"sigmoid_prime": (
            "from mlp_lib import ACTIVATIONS\nsigmoid_prime = ACTIVATIONS['sigmoid'][1]")},
            expect={"sigmoid_prime": ("reference_called", 0, REFERENCE)}),
        "ref_model": Attack("reference", replace={"two_layer_gradients": (
            "import mlp_lib\ndef two_layer_gradients(X, y, params):\n"
            "    model = mlp_lib.MLP([X.shape[1], params['W1'].shape[1], 1], activation='sigmoid',\n"
            "                        loss='binary_cross_entropy')\n"
            "    model.params.update({k: v.copy() for k, v in params.items()})\n"
            "    return model.loss(X, y)")},
            expect={"two_layer_gradients": ("reference_called", 0, REFERENCE)}),
        "ref_train": Attack("reference", replace={"train_xor": (
            "import mlp_lib\ndef train_xor(X, y, hidden=4, lr=2.0, epochs=3000, seed=0):\n"
            "    model = mlp_lib.MLP([2, hidden, 1], activation='sigmoid', loss='binary_cross_entropy', seed=seed)\n"
            "    mlp_lib.train(model, X, y, epochs=epochs, lr=lr)\n    return model.params")},
            expect={"train_xor": ("reference_called", 0, REFERENCE)}),
        "ref_sgd_code_object": Attack("reference", replace={"sgd_step": (
            "import types, mlp_lib.optim as _O\n"
            "_f = getattr(_O.sgd, '__wrapped__', _O.sgd)\n"
            "_sgd = types.FunctionType(_f.__code__, vars(_O), None, _f.__defaults__)\n"
            "_sgd.__kwdefaults__ = _f.__kwdefaults__\n"
            "def sgd_step(params, grads, lr):\n"
            "    return {k: _sgd(params[k], grads[k], None, lr)[0] for k in params}")},
            expect={"sgd_step": ("reference_called", 0, REFERENCE)}),
        "ref_train_source": Attack("reference", replace={"train_xor": (
            "import importlib, inspect\n_T = importlib.import_module('mlp_lib.train')\n_ns = dict(vars(_T))\n"
            "exec(inspect.getsource(_T.train), _ns)\n"
            "def train_xor(X, y, hidden=4, lr=2.0, epochs=3000, seed=0):\n"
            "    return _ns['train'](None, X, y, epochs=epochs, lr=lr)")},
            expect={"train_xor": ("reference_called", 0, REFERENCE)}),
        "ref_fast_path": Attack("reference", replace={"two_layer_gradients": (
            "import mlp_lib\ndef two_layer_gradients(X, y, params):\n"
            "    from mlp_lib.fastpath import FastSteps\n"
            "    model = mlp_lib.MLP([X.shape[1], params['W1'].shape[1], 1], activation='sigmoid',\n"
            "                        loss='binary_cross_entropy')\n"
            "    model.params.update({k: v.copy() for k, v in params.items()})\n"
            "    steps = FastSteps(model, None, {}, X, y, len(X), False)\n"
            "    for _ in steps.batches(None):\n        loss, _, _ = steps.compute()\n"
            "    return loss, {k: g.copy() for k, g in steps.grads.items()}")},
            expect={"two_layer_gradients": ("reference_called", 0, REFERENCE)}),
        "ref_hidden_reporting": Attack("reference", extra=(
            "import json, importlib\njson.dump = lambda *a, **k: None\n"
            "importlib.import_module = lambda *a, **k: None",), everything=("error", "could not be read back")),
        "seed_replay": Attack("reference", replace={"affine_forward": _seed_replay_source()},
                              expect={"affine_forward": ("failed", 0, "")}),
        # -- packages that would compute the answer ------------------------------------------------
        "torch": Attack("package", replace={"affine_backward": (
            "import torch\ndef affine_backward(dout, cache):\n    pass")},
            expect={"affine_backward": ("error", 0, NO_PACKAGE)}),
        "sklearn": Attack("package", replace={"train_xor": (
            "def train_xor(X, y, hidden=4, lr=2.0, epochs=3000, seed=0):\n"
            "    from sklearn.neural_network import MLPClassifier\n"
            "    return MLPClassifier().fit(X, y)")},
            expect={"train_xor": ("error", 0, NO_PACKAGE)}),
        "scipy": Attack("package", replace={"sigmoid_prime": (
            "from scipy.special import expit\ndef sigmoid_prime(z):\n    return expit(z) * (1 - expit(z))")},
            expect={"sigmoid_prime": ("error", 0, NO_PACKAGE)}),
        # -- other learners' files and the grader's ------------------------------------------------
        "read_victim": Attack("others", replace={"affine_forward": (
            f"import json\ntry:\n    _cells = json.load(open({str(victim)!r}))['cells']\n"
            f"    exec(next(''.join(c['source']) for c in _cells if 'def affine_forward' in ''.join(c['source'])))\n"
            f"except OSError:\n    def affine_forward(X, W, b):\n        return None")},
            expect={"affine_forward": ("failed", 0, "")}),
        "overwrite_victim": Attack("others", extra=(
            f"import os\nfor _path in [{str(victim)!r}, {str(victim.parent)!r} + '/aaa_new.ipynb']:\n"
            f"    try:\n        open(_path, 'w').write('{{}}')\n    except OSError:\n        pass",)),
        "write_output": Attack("others", extra=(
            f"for _name in ['gradebook.csv', 'journal.jsonl', 'evil.txt', 'feedback/zzz_victim.md']:\n"
            f"    try:\n        open({str(out)!r} + '/' + _name, 'w').write('0 points')\n    except OSError:\n        pass",)),
        # -- the grader's process ------------------------------------------------------------------
        "kill_parent": Attack("grader", extra=(
            "import os\nfor _pid in (os.getppid(), 1):\n    try:\n        os.kill(_pid, 9)\n"
            "    except OSError:\n        pass",)),
        "kill_everything": Attack("grader", extra=("import os\nos.kill(-1, 9)",)),
        "kill_group": Attack("grader", extra=("import os, signal\nos.killpg(0, signal.SIGKILL)",)),
        "daemon": Attack("grader", extra=(
            f"import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
            f"        for _ in range(3000):\n            try:\n"
            f"                open({str(out)!r} + '/gradebook.csv', 'w').write('{MARKER}')\n"
            f"            except OSError:\n                pass\n            time.sleep(0.2)\n"
            f"    os._exit(0)",)),
        # -- resources -----------------------------------------------------------------------------
        "memory": Attack("resources", replace={"affine_backward": (
            "import numpy as np\n_hog = np.ones(2**34, dtype=np.uint8)\n"
            "def affine_backward(dout, cache):\n    pass")},
            expect={"affine_backward": ("error", 0, "MemoryError")}),
        "fork_bomb": Attack("resources", extra=(
            "import os, time\n_kids = []\ntry:\n    for _ in range(10000):\n        _pid = os.fork()\n"
            "        if _pid == 0:\n            time.sleep(600)\n            os._exit(0)\n        _kids.append(_pid)\n"
            "except OSError:\n    pass",)),
        "huge_file": Attack("resources", extra=(
            f"try:\n    with open('big.bin', 'wb') as _f:\n        for _ in range({FILE_LIMIT_MB * 4}):\n"
            f"            _f.write(b'0' * 2**20)\nexcept OSError:\n    pass",)),
        "fill_tmp": Attack("resources", extra=(
            f"try:\n    for _i in range({TMP_LIMIT_MB * 4}):\n        open(f'/tmp/fill{{_i}}', 'wb').write(b'0' * 2**20)\n"
            f"except OSError:\n    pass",)),
        "endless_ignoring_interrupts": Attack("resources", replace={"sgd_step": (
            "def sgd_step(params, grads, lr):\n    while True:\n        try:\n            pass\n"
            "        except BaseException:\n            pass")},
            expect={"sgd_step": ("timeout", 0, "")}),
        # -- floods and hostile text ---------------------------------------------------------------
        "print_flood": Attack("flood", extra=("print('x' * 30_000_000)\nimport sys\nsys.stderr.write('y' * 10_000_000)",)),
        "huge_error_at_definition": Attack("flood", replace={"sgd_step": "raise ValueError('z' * 3_000_000)"},
                                           expect={"sgd_step": ("error", 0, "cut")}),
        "huge_error_when_called": Attack("flood", replace={"sgd_step": (
            "def sgd_step(params, grads, lr):\n    raise ValueError('q' * 3_000_000)")},
            expect={"sgd_step": ("error", 0, "")}),
        "keyboard_input": Attack("flood", replace={"sgd_step": (
            "_answer = input('learning rate? ')\ndef sgd_step(params, grads, lr):\n    pass")},
            expect={"sgd_step": ("error", 0, "waits for keyboard input")}),
        "forged_answers": Attack("flood", extra=(
            "import numpy as np\n_real = np.savez\n"
            "def _forge(path, **arrays):\n    open(path if path.endswith('.npz') else path + '.npz', 'wb').write(b'PK' + b'\\x00' * 64)\n"
            "np.savez = _forge",), everything=("error", "could not be read back")),
        "answers_bomb": Attack("flood", extra=(
            "import numpy as np, zipfile\n"
            "def _bomb(path, **arrays):\n    path = path if path.endswith('.npz') else path + '.npz'\n"
            "    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:\n"
            "        z.writestr('a0.npy', b'\\x00' * (80 * 2**20))\n"
            "np.savez = _bomb",), everything=("error", "could not be read back")),
        "no_ipython": Attack("flood", extra=("import IPython\nIPython.get_ipython = lambda: None",),
                             everything=("error", "")),
        # -- notebooks of every shape --------------------------------------------------------------
        "cell_metadata_list": Attack("shape", write=lambda path: _json_variant(path, _cell_metadata_list)),
        "course_metadata_string": Attack("shape", write=lambda path: _json_variant(path, _course_string)),
        "cells_not_dicts": Attack("shape", write=lambda path: _json_variant(path, _junk_cells)),
        "source_not_text": Attack("shape", write=lambda path: _json_variant(path, _int_source),
                                  everything=("invalid", "not text")),
        "nbformat_string": Attack("shape", write=lambda path: _json_variant(path, _nbformat_string),
                                  everything=("invalid", "notebook format")),
        "deeply_nested": Attack("shape", write=lambda path: path.write_text('{"cells": ' + "[" * 200_000 + "]" * 200_000
                                                                             + ', "nbformat": 4}'),
                                everything=("invalid", "")),
        "empty_file": Attack("shape", write=lambda path: path.write_text(""), everything=("invalid", "JSON is broken")),
        "binary_file": Attack("shape", write=lambda path: path.write_bytes(bytes(range(256)) * 100),
                              everything=("invalid", "not a text file")),
        "oversized": Attack("shape", write=_oversized, everything=("invalid", "larger than the limit")),
        "named_pipe": Attack("shape", write=lambda path: os.mkfifo(path), everything=("invalid", "not a regular file")),
        "link_outside": Attack("shape", write=lambda path: path.symlink_to(ctx["outside"]),
                               everything=("invalid", "symbolic link")),
        # -- names ---------------------------------------------------------------------------------
        "same name": Attack("names"),
        "same_name": Attack("names", replace={"sgd_step": "def sgd_step(params, grads, lr):\n    return params"},
                            expect={"sgd_step": ("failed", 0, "")}),
    }


def _seed_replay_source():
    """A learner who recomputed the grader's inputs from a seed written in the source and stored
    the right answers for exactly those inputs: with a fresh secret seed it has nothing to look up."""
    from mlp_lib.checks import get_exercise_set
    exercise = get_exercise_set("03_backpropagation")[0]
    table = {}
    for seed in (20231, 0, 1, 42):
        for number in range(6):
            for case in exercise.make_cases(np.random.default_rng([seed, number])):
                X, W, b = case.args
                table[hashlib.sha256(np.ascontiguousarray(X).tobytes()).hexdigest()] = (X @ W + b).tolist()
    return (f"import hashlib, numpy as np\n_TABLE = {json.dumps(table)}\n"
            f"def affine_forward(X, W, b):\n"
            f"    key = hashlib.sha256(np.ascontiguousarray(X).tobytes()).hexdigest()\n"
            f"    z = np.array(_TABLE.get(key, np.zeros((X.shape[0], W.shape[1])).tolist()), dtype=X.dtype)\n"
            f"    return z, (X, W)")


def _json_variant(path, change):
    nb = json.loads(SOLUTION.read_text())
    change(nb)
    path.write_text(json.dumps(nb))


def _cell_metadata_list(nb):
    nb["cells"][0]["metadata"] = ["a", "list"]
    nb["cells"][2]["metadata"] = None


def _course_string(nb):
    nb["metadata"]["mlp_course"] = "03_backpropagation"


def _junk_cells(nb):
    nb["cells"][1:1] = [7, "text", None, {"cell_type": 3}, {"cell_type": "code"}, {"cell_type": "raw", "source": 5}]


def _int_source(nb):
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    code[-1]["source"] = 12345


def _nbformat_string(nb):
    nb["nbformat"] = "4"


def _oversized(path):
    nb = nbformat.read(SOLUTION, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("x" * (25 * 2**20)))
    nbformat.write(nb, path)


def _notebook(attack):
    nb = nbformat.read(SOLUTION, as_version=4)
    for cell in nb.cells:
        name = cell.metadata.get("mlp_course", {}).get("exercise")
        if name in attack.replace:
            cell.source = attack.replace[name]
    for offset, source in enumerate(attack.extra):
        nb.cells.insert(2 + offset, nbformat.v4.new_code_cell(source))
    return nb


def _processes_of(base):
    """Processes started for this batch: their command line names its folder (every kernel's does,
    and so does every process a kernel forks), or carries the hostile marker."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read()
        except OSError:
            continue
        if str(base).encode() in cmdline or MARKER.encode() in cmdline:
            found.append((pid, cmdline[:120]))
    return found


def _listing(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    if SANDBOX is None:
        pytest.skip("no sandbox on this machine")
    base = tmp_path_factory.mktemp("hostile")
    ctx = _context(base)
    folder = base / "submissions"
    folder.mkdir()
    nbformat.write(nbformat.read(SOLUTION, as_version=4), ctx["outside"])
    nbformat.write(nbformat.read(SOLUTION, as_version=4), ctx["victim"])
    nbformat.write(nbformat.read(SOLUTION, as_version=4), folder / "aaa_control.ipynb")
    (base / "elsewhere").mkdir()
    (folder / "linked_folder").symlink_to(base / "elsewhere", target_is_directory=True)
    table = attacks(ctx)
    for name, attack in table.items():
        path = folder / f"{name}.ipynb"
        if attack.write is not None:
            attack.write(path)
        else:
            nbformat.write(_notebook(attack), path)
    victim_hash = hashlib.sha256(ctx["victim"].read_bytes()).hexdigest()
    (base / "tmp").mkdir()      # the grader's own temporary folders go here, to be checked afterwards
    before = {"base": _listing(base), "tmp": set(os.listdir("/tmp"))}
    start = time.time()
    proc = subprocess.run([sys.executable, "-m", "mlp_lib.grading", str(folder), "--out", str(ctx["out"]),
                           "--set", "03_backpropagation", "--jobs", "2", "--cell-timeout", "20",
                           "--exercise-timeout", "5", "--file-size-mb", str(FILE_LIMIT_MB),
                           "--tmp-mb", str(TMP_LIMIT_MB), "--memory-mb", "3072"],
                          cwd=base, capture_output=True, text=True, timeout=1800,
                          env={**os.environ, "TMPDIR": str(base / "tmp")})
    time.sleep(1.0)     # what a leftover process would do, it would have done by now
    rows = list(csv.DictReader(open(ctx["out"] / "gradebook.csv", encoding="utf-8")))
    return {"proc": proc, "rows": rows, "ctx": ctx, "table": table, "base": base, "folder": folder,
            "victim_hash": victim_hash, "before": before, "seconds": time.time() - start,
            "by": {(r["learner"], r["exercise"]): r for r in rows}}


def test_the_batch_is_graded_and_the_grader_exits_cleanly(batch):
    stderr = batch["proc"].stderr
    assert batch["proc"].returncode == 0, stderr[:4000] + ("\n...\n" + stderr[-2000:] if len(stderr) > 6000 else stderr[4000:])
    assert "WITHOUT the sandbox" not in batch["proc"].stdout


def test_the_gradebook_holds_every_submission_times_every_exercise(batch):
    learners = {r["learner"] for r in batch["rows"]}
    expected = set(batch["table"]) | {"aaa_control", "zzz_victim", "linked_folder"}
    assert learners == expected
    assert len(batch["rows"]) == len(expected) * len(EXERCISES)
    assert all(float(r["points"]) <= float(r["max_points"]) for r in batch["rows"])


@pytest.mark.parametrize("learner", ["aaa_control", "zzz_victim"])
def test_honest_learners_keep_full_marks(batch, learner):
    rows = [batch["by"][(learner, e)] for e in EXERCISES]
    assert [(r["status"], float(r["points"])) for r in rows] == [("passed", POINTS[e]) for e in EXERCISES], \
        [r["reason"] for r in rows]


def test_the_victims_notebook_is_untouched(batch):
    victim = batch["ctx"]["victim"]
    assert hashlib.sha256(victim.read_bytes()).hexdigest() == batch["victim_hash"]
    assert not (victim.parent / "aaa_new.ipynb").exists()


@pytest.mark.parametrize("name", list(attacks(_context(pathlib.Path("/nowhere")))))
def test_each_attack_gets_exactly_its_due(batch, name):
    attack = batch["table"][name]
    attacked = set(attack.expect) if attack.everything is None else set(EXERCISES)
    hurt = attacked | {c for e in attacked for c in CALLERS[e]}
    for exercise in EXERCISES:
        row = batch["by"][(name, exercise)]
        if attack.everything is not None:
            status, text = attack.everything
            assert (row["status"], float(row["points"])) == (status, 0), (exercise, row["reason"])
            assert text in row["reason"], row["reason"]
        elif exercise in attack.expect:
            status, points, text = attack.expect[exercise]
            assert (row["status"], float(row["points"])) == (status, points), (exercise, row["reason"])
            assert text in row["reason"], row["reason"]
        elif exercise in hurt:
            assert float(row["points"]) == 0, (exercise, row)
        else:
            assert (row["status"], float(row["points"])) == ("passed", POINTS[exercise]), (exercise, row["reason"])
        assert len(row["reason"]) <= 700


def test_a_linked_folder_is_refused_with_a_reason(batch):
    row = batch["by"][("linked_folder", "affine_forward")]
    assert row["status"] == "invalid" and "symbolic link to a folder" in row["reason"]


def test_colliding_names_get_their_own_feedback_files(batch):
    feedback = batch["ctx"]["out"] / "feedback"
    files = sorted(p.name for p in feedback.glob("same*name*.md"))
    assert len(files) == 2
    texts = {f: (feedback / f).read_text() for f in files}
    assert any("# Feedback for same name" in t for t in texts.values())
    assert any("# Feedback for same_name" in t for t in texts.values())


def test_nothing_was_written_outside_the_output_folder(batch):
    base, out = batch["base"], batch["ctx"]["out"]
    after = [p for p in _listing(base) if not p.startswith("gradebook")]
    assert after == [p for p in batch["before"]["base"]]
    assert sorted(p.name for p in out.iterdir()) == ["feedback", "gradebook.csv", "gradebook.json", "journal.jsonl"]
    assert not (out / "evil.txt").exists()
    assert MARKER not in (out / "gradebook.csv").read_text()
    assert not list((base / "tmp").iterdir())                 # the grader cleaned up after itself
    new_tmp = set(os.listdir("/tmp")) - batch["before"]["tmp"]
    assert not [n for n in new_tmp if n.startswith(("fill", "big"))], new_tmp


def test_no_process_outlives_the_run(batch):
    assert _processes_of(batch["base"]) == []


def test_the_journal_has_each_submission_once(batch):
    lines = [json.loads(line) for line in (batch["ctx"]["out"] / "journal.jsonl").read_text().splitlines()]
    keys = [entry["key"] for entry in lines if "key" in entry]
    assert len(keys) == len(set(keys)) == len({r["learner"] for r in batch["rows"]})
    assert lines[0]["run"]["sandbox"] is True and isinstance(lines[0]["run"]["seed"], int)
