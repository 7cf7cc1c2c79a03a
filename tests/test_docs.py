"""The teachers' guide states what the registry says: the points are written once, in
mlp_lib/checks/lessonNN.py, and the guide's table must follow them."""
import pathlib
import re

from mlp_lib.checks import exercise_sets
from mlp_lib.checks import lesson08

ROOT = pathlib.Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "docs" / "teachers.md").read_text(encoding="utf-8")


def _table():
    """{set: [(exercise, points)]} from the guide's table of exercise sets."""
    table = {}
    for line in GUIDE.splitlines():
        match = re.match(r"\| `(\d\d_[a-z_]+)` \| (.*) \|$", line)
        if match:
            table[match.group(1)] = [(name, float(points)) for name, points in
                                     re.findall(r"`([A-Za-z0-9_]+)` \((\d+(?:\.\d+)?)", match.group(2))]
    return table


def test_the_guides_table_lists_every_set_exercise_and_points_of_the_registry():
    registry = {name: [(e.name, float(e.points)) for e in exercises] for name, exercises in exercise_sets().items()}
    assert _table() == registry


def test_the_guide_states_the_capstones_thresholds():
    row = next(line for line in GUIDE.splitlines() if line.startswith("| `08_capstone_digits`"))
    for fraction in (lesson08.HELD_OUT_FULL_MARKS_FROM, lesson08.HELD_OUT_NO_MARKS_BELOW,
                     lesson08.FULL_MARKS_FROM, lesson08.NO_MARKS_BELOW):
        assert f"{fraction:.0%}".replace("%", " %") in row, fraction
