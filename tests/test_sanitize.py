"""The course package as each set's grading kernel gets it: every module still imports, and every
withheld function, through any name the package gives it, raises NotAvailableWhileGrading at once."""
import subprocess
import sys

import pytest

from mlp_lib.checks import exercise_sets
from mlp_lib.grading import sanitize

PROBE = """
import importlib, inspect, pkgutil, sys
import mlp_lib
from mlp_lib._not_available import NotAvailableWhileGrading
for info in pkgutil.walk_packages(mlp_lib.__path__, 'mlp_lib.'):
    if info.name.startswith(('mlp_lib.widgets', 'mlp_lib.plots')):
        continue                      # need a display stack; imported by the sandbox tests
    importlib.import_module(info.name)
for reference in sys.argv[1:]:
    module, _, qualname = reference.partition(':')
    obj = importlib.import_module(module)
    for part in qualname.split('.'):
        obj = getattr(obj, part)
    for f in {obj, getattr(obj, 'unchecked', obj)}:
        required = [p for p in inspect.signature(f).parameters.values()
                    if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        try:
            f(*([None] * len(required)))
        except NotAvailableWhileGrading:
            continue
        raise AssertionError(f'{reference} did not raise NotAvailableWhileGrading')
print('ok')
"""


@pytest.mark.parametrize("set_name", sorted(exercise_sets()))
def test_every_module_imports_and_every_withheld_function_raises(set_name, tmp_path):
    exercises = exercise_sets()[set_name]
    sanitize.build(exercises, tmp_path)
    withheld = [f"{m}:{q}" for m, qs in sanitize.forbidden_functions(exercises).items() for q in qs]
    proc = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n" + PROBE,
                           *withheld], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]


def test_lesson3s_package_withholds_train_sgd_and_the_model(tmp_path):
    """Lesson 3's MyMLP is trained by the harness's own loop through train's model contract
    (``scenario.descend``), so its grading package can withhold train and sgd (the answers of
    train_xor and sgd_step) as well as the package's MLP, which MyMLP must not reuse."""
    exercises = exercise_sets()["03_backpropagation"]
    forbidden = sanitize.forbidden_functions(exercises)
    assert "train" in forbidden["mlp_lib.train"] and "sgd" in forbidden["mlp_lib.optim"]
    assert {"MLP.__init__", "MLP.forward_backward"} <= set(forbidden["mlp_lib.model"])
    sanitize.build(exercises, tmp_path)
    probe = ("import numpy as np\nfrom mlp_lib.train import train\nfrom mlp_lib.optim import sgd\n"
             "from mlp_lib import MLP\nfrom mlp_lib._not_available import NotAvailableWhileGrading\n"
             "for name, call in [('sgd', lambda: sgd(np.ones(2), np.ones(2), None, 0.5)),\n"
             "                   ('train', lambda: train(None, np.ones((4, 2)), np.ones(4))),\n"
             "                   ('MLP', lambda: MLP([2, 1]))]:\n"
             "    try:\n        call()\n    except NotAvailableWhileGrading:\n        print(name, 'withheld')\n")
    proc = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n" + probe],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split("\n")[:3] == ["sgd withheld", "train withheld", "MLP withheld"], proc.stdout
