"""The lessons' text keeps its promises to a self-paced learner: every "Try this" is followed by
a collapsible "What you should see" answer (closed by default, so the prompt does not give the
answer away), in the same Markdown cell or the one right after it."""
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PROMPT = re.compile(r"\*\*Try this")         # the bold prompt; a mention in the prose ("(Try this)") asks nothing
ANSWER = re.compile(r"<details>\s*<summary>\s*(?:<b>)?\s*What you should see", re.IGNORECASE)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_try_this_has_its_answer(path):
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"]
    missing = []
    for i, cell in enumerate(cells):
        prompts = len(PROMPT.findall(cell.source))
        if not prompts:
            continue
        following = cells[i + 1].source if i + 1 < len(cells) else ""
        # an answer in the next cell counts only if that cell asks nothing itself
        answers = len(ANSWER.findall(cell.source)) + (len(ANSWER.findall(following))
                                                      if not PROMPT.search(following) else 0)
        if answers < prompts:
            missing.append(cell.source.splitlines()[0][:80])
    assert not missing, f"{path.name}: a \"Try this\" without a \"What you should see\" answer: {missing}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_answers_are_closed_and_complete(path):
    text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    assert text.count("<details") == text.count("</details>"), f"{path.name}: an unclosed <details>"
    assert "<details open" not in text, f"{path.name}: an answer shown open"
