"""Each notebook in notebooks/ and solutions/ is a pair: a MyST Markdown text, the source that
people edit and review, and the executed ``.ipynb`` beside it, which keeps the outputs.

The text holds every cell's type, source and metadata (tags, nbgrader and ``mlp_course``
fields) and the notebook metadata that matters (kernel, ``mlp_course``); the notebook adds
the cell ids, the outputs and the saved widget state. This module reads a pair, says how the
two differ, and builds the notebook to execute from the text.
"""
import hashlib
import pathlib

import jupytext
import nbformat
from jupytext.combine import combine_inputs_with_outputs

ROOT = pathlib.Path(__file__).resolve().parent.parent
FORMAT = "md:myst"
SUFFIX = ".md"
PAIRED_FOLDERS = ("notebooks", "solutions")
# Written into every paired notebook: pair with MyST Markdown, keep the course's own notebook
# metadata in the text, and leave jupytext's version out of it (it would change with every upgrade).
JUPYTEXT_METADATA = {
    "formats": "ipynb,md:myst",
    "notebook_metadata_filter": "mlp_course,-jupytext.text_representation.jupytext_version",
}


def paired_notebooks(root=ROOT):
    """Every notebook that has (or must have) a text twin, in a stable order."""
    return [path for folder in PAIRED_FOLDERS for path in sorted((root / folder).glob("*.ipynb"))]


def text_path(path):
    """The text twin of a notebook (or the notebook of a text twin): same folder, same stem."""
    path = pathlib.Path(path)
    return path.with_suffix(SUFFIX)


def notebook_path(path):
    return pathlib.Path(path).with_suffix(".ipynb")


def read_text(path):
    """The notebook (without outputs or ids that mean anything) that a text twin describes."""
    return jupytext.read(text_path(path), fmt=FORMAT)


def write_text(nb, path):
    """Write the text twin of ``nb``, the notebook at ``path``."""
    nb = nbformat.from_dict(nb)
    nb.metadata.setdefault("jupytext", {}).update(JUPYTEXT_METADATA)
    jupytext.write(nb, text_path(path), fmt=FORMAT)


def _as_text_sees_it(nb):
    """(notebook metadata, [(cell_type, source, metadata)]) of ``nb`` as seen through the text format."""
    nb = jupytext.reads(jupytext.writes(nb, fmt=FORMAT), fmt=FORMAT)
    return _comparable(nb)


def _comparable(nb):
    metadata = {k: v for k, v in nb.metadata.items() if k != "jupytext"}
    cells = [(cell.cell_type, cell.source, dict(cell.metadata)) for cell in nb.cells]
    return metadata, cells


def differences(nb, text_nb):
    """Every way in which the notebook ``nb`` and the text's notebook ``text_nb`` disagree in what
    the text carries (cell types, sources, cell metadata, the course's notebook metadata).
    An empty list when the pair is in sync."""
    nb_metadata, nb_cells = _as_text_sees_it(nb)
    text_metadata, text_cells = _comparable(text_nb)
    problems = []
    if nb_metadata != text_metadata:
        problems.append(f"notebook metadata: the notebook has {nb_metadata}, the text {text_metadata}")
    if len(nb_cells) != len(text_cells):
        problems.append(f"the notebook has {len(nb_cells)} cells, the text {len(text_cells)}")
    for index, (a, b) in enumerate(zip(nb_cells, text_cells)):
        for what, x, y in zip(("type", "source", "metadata"), a, b):
            if x != y:
                problems.append(f"cell {index}: the {what} differs: notebook {_short(x)}, text {_short(y)}")
    return problems


def _short(value, limit=120):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def pair_differences(path):
    """differences() of the notebook at ``path`` and its text twin (a missing file is one difference)."""
    ipynb, text = notebook_path(path), text_path(path)
    missing = [f"{p.name} is missing" for p in (ipynb, text) if not p.exists()]
    if missing:
        return missing
    return differences(nbformat.read(ipynb, as_version=4), read_text(text))


def stable_cell_id(cell, taken):
    """An id for a new cell derived from its type and source (not random), unique among ``taken``."""
    seed = f"{cell.cell_type}\n{cell.source}"
    for attempt in range(1000):
        candidate = hashlib.sha1(f"{seed}\n{attempt}".encode()).hexdigest()[:8]
        if candidate not in taken:
            return candidate
    raise RuntimeError("no free cell id")  # pragma: no cover - 1000 collisions of 32-bit hashes


def updated_from_text(path):
    """The notebook at ``path`` with its cells taken from its text twin.

    Cells that the text still has (same type and source, or the same place) keep the notebook's
    id and outputs; a new cell gets an id derived from its content. Without a notebook yet,
    the text alone makes one."""
    ipynb = notebook_path(path)
    source = read_text(path)
    if ipynb.exists():
        old = nbformat.read(ipynb, as_version=4)
        old_ids = {cell.get("id") for cell in old.cells}
        nb = combine_inputs_with_outputs(source, old, fmt=FORMAT)
    else:
        old_ids, nb = set(), source
    nb = nbformat.from_dict(nb)
    nb.nbformat, nb.nbformat_minor = 4, max(nb.get("nbformat_minor", 5), 5)
    taken = set()
    for cell in nb.cells:
        if cell.get("id") not in old_ids or cell.get("id") in taken:
            cell["id"] = stable_cell_id(cell, taken | old_ids)
        taken.add(cell["id"])
    nb.metadata.setdefault("jupytext", {}).update(JUPYTEXT_METADATA)
    nb.metadata["jupytext"].pop("text_representation", None)
    return nb
