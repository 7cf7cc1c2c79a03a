"""The checks under nbgrader (NBGRADER_EXECUTION set by its autograde and validate).

nbgrader scores a check cell 0 when it raises and full marks otherwise, unless the cell's
result is a number, which it takes as the points earned. So under nbgrader a failing check
raises, and a scored check with partial credit makes its number the cell's result."""
import numpy as np
import pytest

from mlp_lib.checks import Case, CheckResult, Exercise, make_check
from mlp_lib.checks.lesson01 import check_logic_gates

W = np.array([20.0, 20.0])
TWO_GATES_RIGHT = {"AND": (W, -30.0), "OR": (W, -10.0), "NAND": (W, 30.0)}     # NAND is wrong
ALL_RIGHT = {"AND": (W, -30.0), "OR": (W, -10.0), "NAND": (-W, 30.0)}


def scored(points=3):
    """An exercise whose score is the returned number (a fraction in [0, 1])."""
    return Exercise(name="guess", points=points, make_cases=lambda rng: [Case((), "no input")],
                    score=lambda case, value: (value, f"scored {value}"))


@pytest.fixture
def nbgrader(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")


@pytest.mark.parametrize("fraction, points", [(0.5, 1.5), (1.0, 3.0), (0.25, 0.75)])
def test_a_scored_check_gives_nbgrader_its_points(nbgrader, fraction, points, capsys):
    got = make_check(scored())(lambda: fraction)
    assert type(got) is float and got == pytest.approx(points)
    assert f"scored {fraction}" in capsys.readouterr().out      # the learner still reads why


def test_a_scored_check_with_no_credit_raises(nbgrader):
    with pytest.raises(AssertionError, match="scored 0"):
        make_check(scored())(lambda: 0.0)


def test_a_compared_check_raises_when_wrong_and_passes_quietly(nbgrader):
    double = Exercise(name="double", points=2, make_cases=lambda rng: [Case((3.0,), "x = 3")],
                      reference=lambda x: 2 * x)
    with pytest.raises(AssertionError, match="double"):
        make_check(double)(lambda x: x)
    result = make_check(double)(lambda x: 2 * x)
    assert isinstance(result, CheckResult) and result.passed


def test_outside_nbgrader_every_check_returns_its_result(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    result = make_check(scored())(lambda: 0.5)
    assert isinstance(result, CheckResult) and result.status == "partial" and result.fraction == 0.5


def test_two_of_three_gates_earn_two_of_three_points(nbgrader):
    """Lesson 1's gates: a third of the exercise's points per right gate."""
    points = check_logic_gates.exercise.points
    assert check_logic_gates(lambda: TWO_GATES_RIGHT) == pytest.approx(points * 2 / 3)
    assert check_logic_gates(lambda: ALL_RIGHT) == pytest.approx(points)


CELLS = [
    "from mlp_lib.checks.lesson01 import check_logic_gates\nimport numpy as np\nW = np.array([20.0, 20.0])",
    'def logic_gates():\n    return {"AND": (W, -30.0), "OR": (W, -10.0), "NAND": (W, 30.0)}',
    "check_logic_gates(logic_gates)",
]


def test_the_points_reach_nbgraders_channel_in_a_real_kernel(monkeypatch):
    """In a kernel, the check cell's result (execute_result, text/plain) is the number of
    points and nothing goes to stderr (nbgrader gives 0 for a check cell with stderr output)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    check = nb.cells[-1]
    check.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 3,
                                  "grade_id": "check_logic_gates", "schema_version": 3}
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    results = [o for o in check.outputs if o.output_type == "execute_result"]
    assert len(results) == 1 and float(results[0].data["text/plain"]) == pytest.approx(2.0)
    assert not [o for o in check.outputs if o.output_type == "stream" and o.name == "stderr"]
    try:
        from nbgrader.utils import determine_grade
    except ImportError:
        return
    assert determine_grade(check) == (pytest.approx(2.0), 3.0)
