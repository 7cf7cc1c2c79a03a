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
