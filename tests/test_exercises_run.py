"""An exercise notebook runs from top to bottom whether its exercises are written or not: a demo
cell that needs an unwritten function says so in one line, and the cells after it still run."""
import ast
import pathlib

import nbformat
import pytest
from nbclient import NotebookClient

from mlp_lib.checks import needs

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def stub(x):
    raise NotImplementedError()


def caller(x):
    return stub(x) + 1


def test_needs_skips_the_rest_of_the_block_and_names_the_unwritten_function(capsys):
    ran = []
    with needs(stub):
        ran.append("before")
        stub(1)
        ran.append("after")
    assert ran == ["before"]
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("write `stub` above first")


def test_needs_names_the_function_that_is_still_a_stub_not_the_one_that_calls_it(capsys):
    with needs(caller):
        caller(1)
    assert capsys.readouterr().out.startswith("write `stub` above first")


def test_needs_is_invisible_once_the_function_is_written(capsys):
    with needs(abs):
        value = abs(-2)
    assert value == 2 and capsys.readouterr().out == ""


def test_needs_lets_every_other_error_through():
    with pytest.raises(ZeroDivisionError):
        with needs(stub):
            1 / 0


def test_needs_takes_functions():
    with pytest.raises(TypeError, match="needs\\(softmax\\)"):
        needs("softmax")
    with pytest.raises(TypeError, match="functions a demo uses"):
        needs()


def _learners_functions(nb):
    """The functions the learner writes: those defined in a cell with a solution region."""
    return {node.name for cell in nb.cells if cell.cell_type == "code" and "### BEGIN SOLUTION" in cell.source
            for node in ast.walk(ast.parse(cell.source)) if isinstance(node, ast.FunctionDef)}


def _calls_outside_needs(source, names):
    """Names of the learner's functions that ``source`` calls, or passes to a call, outside a
    ``with needs(...)`` block (naming a function, as in a dict of them, calls nothing)."""
    used = []

    def visit(node, guarded, in_call):
        if isinstance(node, ast.With) and any(
                isinstance(item.context_expr, ast.Call) and getattr(item.context_expr.func, "id", "") == "needs"
                for item in node.items):
            guarded = True
        in_call = in_call or isinstance(node, ast.Call)
        if isinstance(node, ast.Name) and node.id in names and in_call and not guarded:
            used.append(node.id)
        for child in ast.iter_child_nodes(node):
            visit(child, guarded, in_call)

    visit(ast.parse(source), False, False)
    return used


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_every_demo_cell_guards_the_learners_functions_with_needs(path):
    nb = nbformat.read(path, as_version=4)
    names = _learners_functions(nb)
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("mlp_course", {})
        if cell.cell_type != "code" or "### BEGIN SOLUTION" in cell.source or "check" in meta or cell.source.startswith("%"):
            continue
        used = _calls_outside_needs(cell.source, names)
        assert not used, (f"{path.name} cell {index} uses {sorted(set(used))} outside `with needs(...)`: "
                          f"Run All of the untouched exercise notebook would stop there")


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_the_untouched_exercise_notebook_runs_top_to_bottom(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [(i, o.get("ename")) for i, c in enumerate(nb.cells) for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors == []
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "stream")
    assert "not implemented yet" in text                       # the checks ran, and said so
    demo_cells = [c for c in nb.cells if "with needs(" in c.source]
    for cell in demo_cells:
        shown = "".join(o.get("text", "") for o in cell.outputs)
        assert "above first" in shown and shown.count("\n") == 1, f"a demo cell printed {shown!r}"
