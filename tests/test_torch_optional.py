"""PyTorch is optional: lesson 8's PyTorch cells (tagged ``needs-torch``) run in a kernel where
``import torch`` fails, say how to install it, and raise nothing, so the lesson passes nbval with
and without PyTorch (docs/CONTRIBUTING.md, "Cells that need an optional package")."""
import os
import pathlib

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

LESSON = pathlib.Path(__file__).resolve().parent.parent / "notebooks" / "08_capstone_digits.ipynb"
# imported by every Python that has this folder on PYTHONPATH: hides torch, as if it were not installed
NO_TORCH = '''\
import importlib.abc
import sys


class _NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, _NoTorch())
'''
PROBE = "try:\n    import torch\n    print('torch is importable')\nexcept ImportError:\n    print('torch is hidden')"


def needs_torch_cells():
    nb = nbformat.read(LESSON, as_version=4)
    return [c for c in nb.cells if c.cell_type == "code" and "needs-torch" in c.metadata.get("tags", [])]


def test_the_pytorch_cells_are_tagged_so_nbval_ignores_only_their_output():
    cells = needs_torch_cells()
    assert len(cells) >= 3
    for cell in cells:
        tags = cell.metadata["tags"]
        assert "nbval-ignore-output" in tags and "nbval-skip" not in tags and "raises-exception" not in tags
        assert "torch" in cell.source and "assert" in cell.source        # they check themselves
    assert "except ImportError" in cells[0].source
    assert all(c.source.startswith("if torch is not None:") for c in cells[1:])


def test_the_pytorch_cells_run_cleanly_without_pytorch(tmp_path, monkeypatch):
    (tmp_path / "sitecustomize.py").write_text(NO_TORCH)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])))
    cells = [nbformat.v4.new_code_cell(PROBE)] + [nbformat.v4.new_code_cell(c.source) for c in needs_torch_cells()]
    nb = nbformat.v4.new_notebook(cells=cells)
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=120).execute()      # an exception would raise here
    text = ["".join(o.get("text", "") for o in c.outputs) for c in nb.cells]
    assert text[0].strip() == "torch is hidden"
    assert "PyTorch is not installed" in text[1] and "pip install torch" in text[1]
    assert all(t == "" for t in text[2:]) and all(not c.outputs for c in nb.cells[2:])
