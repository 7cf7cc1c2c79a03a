"""exercises/ is generated from solutions/ and must never drift from it; the solutions
declare their exercises and points the way the registry of checks does."""
import copy
import importlib.util
import pathlib

import nbformat
import pytest

from mlp_lib.checks import exercise_sets

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))

spec = importlib.util.spec_from_file_location("make_exercises", ROOT / "tools" / "make_exercises.py")
make_exercises = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_exercises)


def test_there_are_solution_notebooks():
    assert SOLUTIONS, "solutions/ holds no notebook"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_committed_exercise_equals_the_generated_one(path):
    generated = make_exercises.render(make_exercises.make_exercise(nbformat.read(path, as_version=4)))
    target = ROOT / "exercises" / path.name
    assert target.exists(), f"exercises/{path.name} is missing: run ./course exercises"
    assert target.read_text(encoding="utf-8") == generated, \
        f"exercises/{path.name} differs from solutions/{path.name}: run ./course exercises"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_exercise_holds_no_solution_and_no_output(path):
    solution = nbformat.read(path, as_version=4)
    exercise = nbformat.read(ROOT / "exercises" / path.name, as_version=4)
    assert len(exercise.cells) == len(solution.cells)
    for sol, ex in zip(solution.cells, exercise.cells):
        assert "BEGIN SOLUTION" not in ex.source and "END SOLUTION" not in ex.source
        if "### BEGIN SOLUTION" in sol.source:
            assert "raise NotImplementedError()" in ex.source or "YOUR ANSWER HERE" in ex.source
            inside = sol.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
            for line in inside.strip().splitlines():
                if line.strip():
                    assert line not in ex.source.splitlines(), f"solution line leaked: {line!r}"
        else:
            assert ex.source == sol.source
        if ex.cell_type == "code":
            assert ex.outputs == [] and ex.execution_count is None
        unlocked = {k: v for k, v in ex.metadata.items() if k not in ("editable", "deletable")}
        assert unlocked == {k: v for k, v in sol.metadata.items() if k != "execution"}


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_answer_and_check_cells_are_locked_as_nbgrader_locks_them(path):
    """nbgrader's generate_assignment makes answer cells undeletable and check cells
    undeletable and read-only; JupyterLab honours both keys. Cells are found here by their
    solution markers and the course's own metadata, not by the nbgrader flags the tool reads."""
    solution = nbformat.read(path, as_version=4)
    exercise = nbformat.read(ROOT / "exercises" / path.name, as_version=4)
    answers = checks = 0
    for index, (sol, cell) in enumerate(zip(solution.cells, exercise.cells)):
        role = cell.metadata.get("mlp_course", {})
        lock = {k: cell.metadata[k] for k in ("editable", "deletable") if k in cell.metadata}
        if "### BEGIN SOLUTION" in sol.source:
            answers += 1
            assert lock == {"deletable": False}, f"answer cell {index}: {lock}"
        elif "check" in role:
            checks += 1
            assert lock == {"deletable": False, "editable": False}, f"check cell {index} ({role['check']}): {lock}"
        elif not cell.metadata.get("nbgrader", {}).get("locked"):
            assert lock == {}, f"cell {index} is neither an answer nor a check but is locked: {lock}"
    assert answers >= 1 and checks >= 1


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_lock_agrees_with_nbgraders_own_preprocessor(path):
    """Where nbgrader is installed (it is not a dependency of the course), its LockCells
    preprocessor, with generate_assignment's defaults, locks every cell the same way."""
    LockCells = pytest.importorskip("nbgrader.preprocessors").LockCells
    solution = nbformat.read(path, as_version=4)
    theirs, _ = LockCells().preprocess(copy.deepcopy(solution), {})
    ours = make_exercises.make_exercise(solution)
    for index, (a, b) in enumerate(zip(theirs.cells, ours.cells)):
        keys = ("editable", "deletable")
        assert {k: a.metadata.get(k) for k in keys} == {k: b.metadata.get(k) for k in keys}, f"cell {index}"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_metadata_matches_the_registry(path):
    nb = nbformat.read(path, as_version=4)
    set_name = nb.metadata["mlp_course"]["exercise_set"]
    assert set_name == path.stem
    registry = {e.name: e.points for e in exercise_sets()[set_name]}
    declared, checked = {}, []
    for cell in nb.cells:
        meta = cell.metadata.get("mlp_course", {})
        if "exercise" in meta:
            assert "### BEGIN SOLUTION" in cell.source
            assert cell.metadata["nbgrader"]["solution"] is True
            assert cell.metadata["nbgrader"]["grade_id"] == meta["exercise"]
            declared[meta["exercise"]] = meta["points"]
        if "check" in meta:
            assert cell.source.strip() == f"check_{meta['check']}({meta['check']})"
            assert cell.metadata["nbgrader"]["points"] == registry[meta["check"]]
            checked.append(meta["check"])
    assert declared == registry
    assert checked == list(registry)


def test_markers_are_replaced_at_their_indentation():
    source = "def f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    y = x + 1\n    ### END SOLUTION\n    return y"
    assert make_exercises.strip_solution(source) == (
        "def f(x):\n    y = 1\n    # YOUR CODE HERE\n    raise NotImplementedError()\n    return y")


@pytest.mark.parametrize("source", ["### BEGIN SOLUTION\nx = 1", "x = 1\n### END SOLUTION",
                                    "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION"])
def test_unbalanced_markers_are_refused(source):
    with pytest.raises(ValueError, match="SOLUTION"):
        make_exercises.strip_solution(source)


def test_check_mode_reports_a_stale_exercise(tmp_path):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "exercises").mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")])
    nbformat.write(nb, tmp_path / "solutions" / "99_demo.ipynb")
    solution = tmp_path / "solutions" / "99_demo.ipynb"
    assert make_exercises.main(["--check", str(solution)]) == 1
    assert make_exercises.main([str(solution)]) == 0
    assert make_exercises.main(["--check", str(solution)]) == 0
    text = (tmp_path / "exercises" / "99_demo.ipynb").read_text()
    assert "raise NotImplementedError()" in text and "x = 1" not in text
