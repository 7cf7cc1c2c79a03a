"""The start page reaches every lesson, its exercises and its solutions, and every lesson points
to its own exercise notebook with a link that works (from JupyterLab's file browser and on GitHub)."""
import pathlib
import re

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
START = ROOT / "START.ipynb"
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def links(markdown):
    """The targets of the Markdown links in ``markdown`` that point inside the course (no URLs, no anchors)."""
    return [target for target in LINK.findall(markdown) if "://" not in target and not target.startswith("#")]


def markdown_of(path):
    nb = nbformat.read(path, as_version=4)
    return "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")


def test_there_are_eight_lessons_each_with_exercises_and_solutions():
    assert [p.stem for p in LESSONS] == [p.stem for p in sorted((ROOT / "solutions").glob("*.ipynb"))]
    assert len(LESSONS) == 8


def test_the_start_page_links_every_lesson_its_exercises_and_solutions():
    targets = links(markdown_of(START))
    for lesson in LESSONS:
        for folder in ("notebooks", "exercises", "solutions"):
            assert f"{folder}/{lesson.name}" in targets, f"START.ipynb has no link to {folder}/{lesson.name}"


def test_the_start_page_says_how_to_check_progress():
    text = markdown_of(START)
    assert "./course grade exercises/" in text and "check cell" in text


@pytest.mark.parametrize("path", [START, *LESSONS], ids=lambda p: p.stem)
def test_every_link_inside_the_course_points_at_a_file_that_exists(path):
    for target in links(markdown_of(path)):
        assert (path.parent / target.split("#")[0]).exists(), f"{path.name} links to {target}, which does not exist"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_each_lesson_links_to_its_own_exercise_notebook(lesson):
    assert f"../exercises/{lesson.name}" in links(markdown_of(lesson)), (
        f"{lesson.name} has no link to its practice notebook ../exercises/{lesson.name}")


def test_the_lab_command_serves_the_course_root_and_opens_the_start_page():
    script = (ROOT / "course").read_text()
    lab = next(line for line in script.splitlines() if "jupyter\" lab" in line)
    assert '--ServerApp.root_dir="$ROOT"' in lab and "START.ipynb" in lab
