"""Generate exercises/ from solutions/: ``./course exercises [--check] [NOTEBOOK ...]``.

Every line from ``### BEGIN SOLUTION`` to ``### END SOLUTION`` (nbgrader's markers) becomes
``# YOUR CODE HERE`` and ``raise NotImplementedError()`` at the marker's indentation (in a
markdown cell: ``YOUR ANSWER HERE``); outputs, execution counts and saved widget state are
cleared, and so is the pairing with a text twin (a learner's exercise notebook is a plain
notebook); everything else (text, hints, check cells, metadata) is kept as it is. The solution
notebooks are read, not their text twins: they carry the cell ids that the exercises keep, and
tests/test_notebook_pairs.py keeps them equal to their texts.
With ``--check``, nothing is written: the command lists the exercise notebooks that differ
from what the solutions would generate and exits with status 1 if any does.
"""
import argparse
import copy
import pathlib
import re
import sys

import nbformat

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import notebook_pairs  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
BEGIN = re.compile(r"^(\s*)### BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*### END SOLUTION\s*$")


def strip_solution(source, cell_type="code"):
    """Replace each solution region of a cell's source; raise ValueError on unbalanced markers."""
    out, inside, indent = [], False, ""
    for number, line in enumerate(source.splitlines(), start=1):
        begin = BEGIN.match(line)
        if begin:
            if inside:
                raise ValueError(f"line {number}: BEGIN SOLUTION inside another solution region")
            inside, indent = True, begin.group(1)
            if cell_type == "code":
                out += [f"{indent}# YOUR CODE HERE", f"{indent}raise NotImplementedError()"]
            else:
                out.append("YOUR ANSWER HERE")
        elif END.match(line):
            if not inside:
                raise ValueError(f"line {number}: END SOLUTION without a BEGIN SOLUTION")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError("a BEGIN SOLUTION region is never closed by END SOLUTION")
    return "\n".join(out)


def make_exercise(solution_nb):
    """The exercise notebook generated from a solution notebook (a new NotebookNode)."""
    nb = copy.deepcopy(solution_nb)
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("jupytext", None)
    for index, cell in enumerate(nb.cells):
        try:
            cell.source = strip_solution(cell.source, cell.cell_type)
        except ValueError as exc:
            raise ValueError(f"cell {index}: {exc}") from None
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
        lock(cell)
    return nb


def lock(cell):
    """Lock a cell as nbgrader's ``generate_assignment`` does (its LockCells defaults), so that
    JupyterLab keeps a learner from deleting an answer cell or editing or deleting a check:
    answer cells ``deletable: false``; check cells and other read-only cells also
    ``editable: false``; cells without nbgrader metadata stay free."""
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("solution"):
        cell.metadata["deletable"] = False
    elif meta.get("grade") or meta.get("locked"):
        cell.metadata["deletable"] = False
        cell.metadata["editable"] = False


def exercise_path(solution_path):
    return solution_path.parent.parent / "exercises" / solution_path.name


def render(nb):
    return nbformat.writes(nb) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path,
                        help="solution notebooks (default: every solutions/*.ipynb)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if exercises/ differs from what would be generated")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "solutions").glob("*.ipynb"))
    stale = []
    for path in paths:
        path = path.resolve()
        if notebook_pairs.text_path(path).exists() and notebook_pairs.pair_differences(path):
            print(f"{path.name} differs from its text {notebook_pairs.text_path(path).name}: "
                  f"run ./course execute {path.parent.name}/{path.name} first", file=sys.stderr)
            return 2
        try:
            text = render(make_exercise(nbformat.read(path, as_version=4)))
        except ValueError as exc:
            print(f"{path.name}: {exc}", file=sys.stderr)
            return 2
        target = exercise_path(path)
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if args.check:
            if current != text:
                stale.append(target)
                print(f"out of date: exercises/{target.name}", file=sys.stderr)
        elif current != text:
            target.parent.mkdir(exist_ok=True)
            target.write_text(text, encoding="utf-8")
            print(f"wrote exercises/{target.name}")
        else:
            print(f"up to date: exercises/{target.name}")
    if stale:
        print("run ./course exercises to regenerate them", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
