"""Every lesson and solution notebook is paired with its MyST Markdown text, and the two agree
in everything the text carries; ./course execute builds the notebook from the text without
losing the notebook's cell ids or outputs."""
import os
import pathlib
import shutil
import sys

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import execute_notebooks  # noqa: E402
import notebook_pairs  # noqa: E402

PAIRED = notebook_pairs.paired_notebooks()


def test_every_lesson_and_solution_is_paired():
    assert len(PAIRED) >= 16
    for folder in notebook_pairs.PAIRED_FOLDERS:
        notebooks = {p.stem for p in (ROOT / folder).glob("*.ipynb")}
        texts = {p.stem for p in (ROOT / folder).glob("*.md")}
        assert notebooks == texts, (f"{folder}/: notebooks without a text: {sorted(notebooks - texts)}, "
                                    f"texts without a notebook: {sorted(texts - notebooks)}")


@pytest.mark.parametrize("path", PAIRED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_notebook_and_text_agree(path):
    problems = notebook_pairs.pair_differences(path)
    assert not problems, (f"{path.parent.name}/{path.name} and its text differ "
                          f"(edit the .md, then ./course execute {path.parent.name}/{path.stem}.md):\n"
                          + "\n".join(problems[:10]))


@pytest.mark.parametrize("path", PAIRED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_notebook_declares_its_pairing(path):
    """So that JupyterLab with jupytext saves an edit to both files."""
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["jupytext"]["formats"] == "ipynb,md:myst"
    assert "jupytext_version:" not in notebook_pairs.text_path(path).read_text(encoding="utf-8")


# -- the comparison finds every kind of drift ------------------------------------------------

@pytest.fixture
def solution():
    """A real solution notebook (with nbgrader and course metadata) and its text."""
    path = ROOT / "solutions" / "03_backpropagation.ipynb"
    return nbformat.read(path, as_version=4), notebook_pairs.read_text(path)


def _first(nb, predicate):
    return next(i for i, cell in enumerate(nb.cells) if predicate(cell))


def test_in_sync_pair_has_no_difference(solution):
    nb, text = solution
    assert notebook_pairs.differences(nb, text) == []


def test_an_edited_source_is_a_difference(solution):
    nb, text = solution
    index = _first(text, lambda c: c.cell_type == "code" and "BEGIN SOLUTION" in c.source)
    text.cells[index].source = text.cells[index].source.replace("z = X @ W + b", "z = X @ W")
    problems = notebook_pairs.differences(nb, text)
    assert len(problems) == 1 and problems[0].startswith(f"cell {index}: the source differs")


def test_a_changed_tag_or_points_is_a_difference(solution):
    nb, text = solution
    index = _first(text, lambda c: "nbgrader" in c.metadata and c.metadata["nbgrader"].get("grade"))
    text.cells[index].metadata["nbgrader"]["points"] += 1
    assert any("metadata differs" in p for p in notebook_pairs.differences(nb, text))
    nb2, text2 = nbformat.from_dict(nb), notebook_pairs.read_text(ROOT / "solutions" / "03_backpropagation.ipynb")
    nb2.cells[1].metadata["tags"] = ["raises-exception"]
    problems = notebook_pairs.differences(nb2, text2)
    assert len(problems) == 1 and problems[0].startswith("cell 1: the metadata differs")


def test_an_added_cell_a_changed_type_or_exercise_set_is_a_difference(solution):
    nb, text = solution
    text.cells.insert(3, nbformat.v4.new_markdown_cell("A new paragraph."))
    assert any("cells" in p for p in notebook_pairs.differences(nb, text))
    nb, text = nbformat.from_dict(nb), notebook_pairs.read_text(ROOT / "solutions" / "03_backpropagation.ipynb")
    text.cells[0].cell_type = "raw"
    assert any("cell 0: the type differs" in p for p in notebook_pairs.differences(nb, text))
    text = notebook_pairs.read_text(ROOT / "solutions" / "03_backpropagation.ipynb")
    text.metadata["mlp_course"]["exercise_set"] = "99_other"
    assert any("notebook metadata" in p for p in notebook_pairs.differences(nb, text))


def test_timing_and_outputs_are_not_differences(solution):
    nb, text = solution
    nb.cells[1].metadata["execution"] = {"iopub.status.idle": "2026-01-01T00:00:00Z"}
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="anything\n")]
    assert notebook_pairs.differences(nb, text) == []


# -- building the notebook from its text ------------------------------------------------------

@pytest.fixture
def pair(tmp_path):
    for suffix in (".ipynb", ".md"):
        shutil.copy(ROOT / "solutions" / f"03_backpropagation{suffix}", tmp_path / f"03_backpropagation{suffix}")
    return tmp_path / "03_backpropagation.ipynb"


def test_update_from_text_keeps_ids_and_outputs_and_gives_new_cells_stable_ids(pair):
    old = nbformat.read(pair, as_version=4)
    text = notebook_pairs.read_text(pair)
    edited = _first(text, lambda c: c.cell_type == "code" and "np.set_printoptions" in c.source)
    text.cells[edited].source += "\nprint('one more line')"
    text.cells.insert(edited + 1, nbformat.v4.new_code_cell("x = 1  # a new cell"))
    notebook_pairs.write_text(text, pair)

    first, second = notebook_pairs.updated_from_text(pair), notebook_pairs.updated_from_text(pair)
    assert notebook_pairs.differences(first, notebook_pairs.read_text(pair)) == []
    assert [c.id for c in first.cells] == [c.id for c in second.cells]
    new_id = first.cells[edited + 1].id
    assert new_id not in {c.id for c in old.cells}
    assert new_id == notebook_pairs.stable_cell_id(first.cells[edited + 1], set())
    kept = [c.id for i, c in enumerate(first.cells) if i != edited + 1]
    assert kept == [c.id for c in old.cells], "every cell still in the text keeps its id"
    later = [(c.id, c.outputs) for c in first.cells[edited + 2:] if c.cell_type == "code"]
    assert later == [(c.id, c.outputs) for c in old.cells[edited + 1:] if c.cell_type == "code"]
    assert len({c.id for c in first.cells}) == len(first.cells)
    nbformat.validate(first)


def test_a_notebook_is_made_from_a_text_alone(pair):
    pair.unlink()
    nb = notebook_pairs.updated_from_text(pair)
    assert notebook_pairs.differences(nb, notebook_pairs.read_text(pair)) == []
    assert [c.id for c in nb.cells] == [c.id for c in notebook_pairs.updated_from_text(pair).cells]
    nbformat.validate(nb)


def test_execute_refuses_to_overwrite_a_newer_edited_notebook(pair):
    nb = nbformat.read(pair, as_version=4)
    nb.cells[2].source += "\n\nEdited in the notebook."
    nbformat.write(nb, pair)
    text = notebook_pairs.text_path(pair)
    os.utime(text, (1_000_000_000, 1_000_000_000))          # the text is older
    with pytest.raises(execute_notebooks.NotebookNewerThanText, match="--from-notebook"):
        execute_notebooks.source_notebook(pair)
    kept = execute_notebooks.source_notebook(pair, from_notebook=True)
    assert kept.cells[2].source.endswith("Edited in the notebook.")
    assert "Edited in the notebook." in text.read_text(encoding="utf-8")


def test_an_older_notebook_follows_its_edited_text(pair):
    text = notebook_pairs.read_text(pair)
    text.cells[2].source += "\n\nEdited in the text."
    notebook_pairs.write_text(text, pair)
    os.utime(pair, (1_000_000_000, 1_000_000_000))
    nb = execute_notebooks.source_notebook(pair)
    assert nb.cells[2].source.endswith("Edited in the text.")
