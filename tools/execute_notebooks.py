"""Execute notebooks in place, the way they are committed: ``./course execute [NOTEBOOK ...]``.

With no arguments, every notebook in notebooks/ and solutions/. A notebook is named by its
``.ipynb`` or its ``.md`` text twin. Each is first updated from its text (the source people
edit: cells keep their ids and outputs where the text keeps them), then runs in a fresh kernel
of the current environment, from its own folder, and is saved with its outputs and widget state;
each widget's output also gets a static picture of the widget (tools/widget_snapshots.py) for
frontends that cannot draw it.

The result depends only on the text and the code: no timing metadata, no timestamps, cell ids
kept, widget model ids numbered in the order the notebook shows them. Executing an unchanged
notebook twice gives the same bytes. Prints each notebook's execution time.
"""
import argparse
import hashlib
import os
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import notebook_pairs  # noqa: E402
import widget_snapshots  # noqa: E402

ROOT = notebook_pairs.ROOT
WIDGET_STATE = widget_snapshots.WIDGET_STATE
WIDGET_VIEW = widget_snapshots.WIDGET_VIEW


class NotebookNewerThanText(RuntimeError):
    """The notebook holds edits that its text twin does not (it was edited without jupytext)."""


def source_notebook(path, from_notebook=False):
    """The notebook to execute: the committed one updated from its text twin.

    A notebook without a text twin (outside notebooks/ and solutions/) runs as it is. When the
    notebook differs from its text and is the newer file, its edits would be lost: refuse, unless
    ``from_notebook`` says that the notebook's cells are the ones to keep (the text is rewritten)."""
    ipynb, text = notebook_pairs.notebook_path(path), notebook_pairs.text_path(path)
    if not text.exists():
        return nbformat.read(ipynb, as_version=4)
    if ipynb.exists():
        current = nbformat.read(ipynb, as_version=4)
        if from_notebook:
            notebook_pairs.write_text(current, ipynb)
        elif ipynb.stat().st_mtime > text.stat().st_mtime and notebook_pairs.differences(
                current, notebook_pairs.read_text(text)):
            raise NotebookNewerThanText(
                f"{ipynb.name} was changed after {text.name} and they differ. {text.name} is the source: "
                f"edit it, or keep the notebook's cells with ./course execute --from-notebook {ipynb.name}")
    return notebook_pairs.updated_from_text(ipynb)


def execute(path, timeout=600, from_notebook=False):
    """Update the notebook at ``path`` from its text, execute it and save it."""
    ipynb = notebook_pairs.notebook_path(pathlib.Path(path).resolve())
    nb = source_notebook(ipynb, from_notebook)
    clear_run_metadata(nb)
    env_backend = os.environ.pop("MPLBACKEND", None)  # an inherited Agg backend hides inline plots
    try:
        # "immediate": the outputs are in when the last cell is done; a graceful shutdown of a kernel
        # that imported PyTorch waits about 2 s for its threads
        NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False, shutdown_kernel="immediate",
                       resources={"metadata": {"path": str(ipynb.parent)}}).execute()
    finally:
        if env_backend is not None:
            os.environ["MPLBACKEND"] = env_backend
    coalesce_streams(nb)
    number_widget_models(nb, ipynb.stem)
    widget_snapshots.add_snapshots(nb)
    nbformat.write(nb, ipynb)


def coalesce_streams(nb):
    """Join each run of consecutive stdout (or stderr) outputs of a cell into one output: how the
    kernel splits a cell's printing into messages depends on timing, the joined text does not."""
    for cell in nb.cells:
        outputs = []
        for output in cell.get("outputs", []):
            previous = outputs[-1] if outputs else None
            if (output.get("output_type") == "stream" and previous is not None
                    and previous.get("output_type") == "stream" and previous.get("name") == output.get("name")):
                previous["text"] = "".join(previous["text"]) + "".join(output["text"])
            else:
                outputs.append(output)
        if "outputs" in cell:
            cell.outputs = outputs


def clear_run_metadata(nb):
    """Remove what an earlier run left that this run might not overwrite (timings, widget state)."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)


def widget_model_id(stem, number):
    """The ``number``-th widget model id of notebook ``stem``: 32 hex digits like a kernel's comm id."""
    return hashlib.md5(f"{stem}:{number}".encode()).hexdigest()


def number_widget_models(nb, stem):
    """Replace the kernel's random widget model ids by ids numbered in order of appearance:
    first the widgets the cells display, top to bottom, then the models they refer to, in the
    order the saved state lists them. Views, saved state and references ("IPY_MODEL_...") all follow."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    order = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view and view.get("model_id") and view["model_id"] not in order:
                order.append(view["model_id"])
    order += [model_id for model_id in state if model_id not in order]
    new = {old: widget_model_id(stem, number) for number, old in enumerate(order)}
    if not new:
        return

    def rename(value):
        if isinstance(value, str):
            if value.startswith("IPY_MODEL_") and value[len("IPY_MODEL_"):] in new:
                return "IPY_MODEL_" + new[value[len("IPY_MODEL_"):]]
            return new.get(value, value)
        if isinstance(value, list):
            return [rename(item) for item in value]
        if isinstance(value, dict):
            return {key: rename(item) for key, item in value.items()}
        return value

    if state:
        nb.metadata.widgets[WIDGET_STATE]["state"] = {new.get(k, k): rename(v) for k, v in state.items()}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view and view.get("model_id") in new:
                view["model_id"] = new[view["model_id"]]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path, help=".ipynb files or their .md text twins")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    parser.add_argument("--from-notebook", action="store_true",
                        help="take the cells from the .ipynb (edited without jupytext) and rewrite the text twin")
    args = parser.parse_args(argv)
    paths = args.notebooks or notebook_pairs.paired_notebooks()
    total = 0.0
    for path in paths:
        if not notebook_pairs.notebook_path(path).exists() and not notebook_pairs.text_path(path).exists():
            print(f"no such notebook: {path}", file=sys.stderr)
            return 2
        start = time.perf_counter()
        try:
            execute(path, args.timeout, args.from_notebook)
        except NotebookNewerThanText as exc:
            print(exc, file=sys.stderr)
            return 1
        elapsed = time.perf_counter() - start
        total += elapsed
        print(f"{elapsed:6.1f} s  {path}")
    print(f"{total:6.1f} s  in all ({len(paths)} notebooks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
