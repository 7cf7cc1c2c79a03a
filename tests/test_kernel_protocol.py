"""The grader's kernel protocol: the in-kernel modules need only the standard library and NumPy,
the code sent to the kernel works from their source alone and ignores what a notebook patched,
and one list of statuses serves the harness, the grader and the teachers' guide."""
import ast
import pathlib
import re
import subprocess
import sys

import numpy as np

from mlp_lib.checks import in_kernel, wire
from mlp_lib.checks.status import CALL, RESULT, Status

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHECKS = ROOT / "mlp_lib" / "checks"


def _imports(path):
    """(absolute module names, relative module names) imported anywhere in the file."""
    absolute, relative = set(), set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            absolute |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                relative |= {node.module} if node.module else {alias.name for alias in node.names}
            else:
                absolute.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__":
            absolute.add(node.args[0].value.split(".")[0] if isinstance(node.args[0], ast.Constant) else "?")
    return absolute, relative


def test_the_in_kernel_modules_import_only_the_standard_library_numpy_and_each_other():
    for module in in_kernel.IN_KERNEL:
        absolute, relative = _imports(CHECKS / f"{module}.py")
        foreign = {name for name in absolute if name not in sys.stdlib_module_names and name != "numpy"}
        assert not foreign, (module, foreign)
        assert relative <= set(in_kernel.IN_KERNEL), (module, relative)
        order = in_kernel.IN_KERNEL
        assert all(order.index(r) < order.index(module) for r in relative), (module, relative, "load order")


def _run_in_fake_kernel(tmp_path, notebook, cases, name="double", scenario=False):
    """Run ``notebook`` then the grader's kernel code for ``name`` in a Python without mlp_lib on
    its path and a stand-in IPython. -> the process result."""
    fake = tmp_path / "fake"
    (fake / "IPython").mkdir(parents=True, exist_ok=True)
    (fake / "IPython" / "__init__.py").write_text(
        "import __main__\ndef get_ipython():\n    class Shell:\n        user_ns = vars(__main__)\n    return Shell()\n")
    wire.save(str(tmp_path / "in"), cases)
    code = in_kernel.kernel_code(name, str(tmp_path / "in"), str(tmp_path / "out"), budget=10, scenario=scenario)
    return subprocess.run([sys.executable, "-I", "-c",
                           f"import sys; sys.path.insert(0, {str(fake)!r})\n{notebook}{code}"
                           "assert not [m for m in sys.modules if m.startswith('mlp_lib')], 'mlp_lib was imported'\n"
                           "assert '__mlp_course_protocol__' not in sys.modules, 'the modules were left behind'\n"],
                          capture_output=True, text=True, timeout=120)


def test_the_kernel_code_runs_from_source_alone_and_ignores_the_notebooks_copies(tmp_path):
    """The notebook planted its own versions of the protocol's modules and names: fresh copies from
    the source are used, and the answers come back."""
    X = np.arange(6.0).reshape(3, 2)
    notebook = ("import sys, types\n"
                "_forged = types.ModuleType('forged')\n_forged.save = lambda *a: None\n"
                "sys.modules['__mlp_course_protocol__.wire'] = _forged\n"
                "sys.modules['__mlp_course_protocol__'] = _forged\n"
                "call_cases = collect = save = lambda *a, **k: None\n"
                "def double(X, scale=2.0):\n    return X * scale\n")
    proc = _run_in_fake_kernel(tmp_path, notebook, [((X,), {}), ((X[:1],), {"scale": 3.0})])
    assert proc.returncode == 0, proc.stderr
    first, second = wire.load(str(tmp_path / "out"))
    assert first["status"] == Status.OK and second["status"] == "ok"
    np.testing.assert_array_equal(first["value"], X * 2.0)
    np.testing.assert_array_equal(second["value"], X[:1] * 3.0)


def test_a_notebook_that_breaks_the_standard_library_only_loses_its_own_answers(tmp_path):
    """The modules share the kernel's json and NumPy: a notebook that breaks them gets no answers
    read back (zero points), never a forged one."""
    from mlp_lib.grading.submission import read_answers
    notebook = "import json\njson.dump = lambda *a, **k: None\ndef double(X):\n    return X\n"
    proc = _run_in_fake_kernel(tmp_path, notebook, [((np.ones(2),), {})])
    assert proc.returncode == 0, proc.stderr
    assert read_answers(str(tmp_path / "out"), 1) is None


def test_a_class_is_played_in_the_kernel_from_plain_steps(tmp_path):
    """A class exercise: the steps build an instance, set its parameters and call its methods; only
    the plain values they return come back."""
    X = np.arange(6.0).reshape(3, 2)
    notebook = ("import numpy as np\nclass Scaler:\n    def __init__(self, k):\n        self.params = {'k': np.ones(1) * k}\n"
                "    def check_data(self, X):\n        return (np.asarray(X, float),)\n"
                "    def apply(self, X):\n        return X * self.params['k'], self\n")
    steps = [("new", (2.0,), {}), ("shapes", "params", "shapes"), ("call", "apply", (X,), {}, ("before", "self")),
             ("update", "params", {"k": np.array([3.0])}), ("call", "check_data", (X,), {}, None),
             ("call", "apply", "previous", {}, ("after", "again"))]
    wrong_names = [("new", (2.0,), {}), ("update", "params", {"W1": np.ones(1)})]
    proc = _run_in_fake_kernel(tmp_path, notebook, [((steps,), {}), ((wrong_names,), {})], "Scaler", scenario=True)
    assert proc.returncode == 0, proc.stderr
    played, refused = wire.load(str(tmp_path / "out"))
    assert played["status"] == Status.OK, played
    np.testing.assert_array_equal(played["value"]["before"], 2 * X)
    np.testing.assert_array_equal(played["value"]["after"], 3 * X)
    assert played["value"]["shapes"] == {"k": (1,)}
    assert isinstance(played["value"]["self"], wire.Opaque)         # an instance never crosses the wire
    assert refused["status"] == Status.ERROR and "the parameters must be named W1" in refused["error"]


def test_a_missing_function_is_reported_as_not_defined(tmp_path):
    wire.save(str(tmp_path / "in"), [((1,), {})])
    in_kernel.collect({"other": print}, "double", str(tmp_path / "in"), str(tmp_path / "out"))
    (outcome,) = wire.load(str(tmp_path / "out"))
    assert outcome["status"] == Status.NOT_DEFINED and outcome["found"] == "missing"


def test_statuses_are_their_strings_everywhere():
    assert Status.PASSED == "passed" and "passed" in RESULT and Status("timeout") is Status.TIMEOUT
    assert {"passed": 1}[Status.PASSED] == 1 and {Status.OK: 1}["ok"] == 1
    assert str(Status.REFERENCE_CALLED) == "reference_called" and f"{Status.ERROR}" == "error"
    assert CALL & RESULT == {Status.NOT_IMPLEMENTED, Status.NOT_DEFINED, Status.ERROR, Status.TIMEOUT}
    assert CALL | RESULT == set(Status)


def test_the_teachers_guide_explains_exactly_the_result_statuses():
    guide = (ROOT / "docs" / "teachers.md").read_text(encoding="utf-8")
    paragraph = guide[guide.index("Statuses: "):]
    paragraph = paragraph[:paragraph.index("\n\n")]
    explained = set(re.findall(r"`([a-z_]+)`", paragraph))
    assert explained == {s.value for s in RESULT}, explained ^ {s.value for s in RESULT}
