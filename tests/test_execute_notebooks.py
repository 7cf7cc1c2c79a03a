"""./course execute is deterministic: executing an unchanged notebook twice gives the same bytes
(no timing metadata, no timestamps, cell ids kept, widget model ids numbered, not random)."""
import json
import re
import pathlib
import shutil
import sys

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import execute_notebooks  # noqa: E402
import notebook_pairs  # noqa: E402

pytest.importorskip("ipykernel")

WIDGET_NOTEBOOK = """\
# A small notebook with a figure and a widget

```{code-cell} ipython3
%matplotlib inline
import numpy as np
import matplotlib.pyplot as plt
import ipywidgets

rng = np.random.default_rng(0)
print(f"{rng.normal():.4f}")
```

```{code-cell} ipython3
fig, ax = plt.subplots(figsize=(2, 2))
ax.plot(rng.normal(size=10))
plt.show()
```

```{code-cell} ipython3
:tags: [nbval-ignore-output]

import io
buffer = io.BytesIO()
fig.savefig(buffer, format="png")
slider = ipywidgets.FloatLogSlider(value=0.5, min=-3, max=1, description="lr")
ipywidgets.VBox([ipywidgets.HBox([slider, ipywidgets.Dropdown(options=["sgd", "adam"], value="adam")]),
                 ipywidgets.HTML("<b>loss 0.25</b>"), ipywidgets.Image(value=buffer.getvalue())])
```
"""


def _execute_twice(ipynb):
    execute_notebooks.execute(ipynb, timeout=120)
    first = ipynb.read_bytes()
    execute_notebooks.execute(ipynb, timeout=120)
    return first, ipynb.read_bytes()


def test_a_notebook_with_a_widget_executes_to_the_same_bytes(tmp_path):
    text = tmp_path / "demo.md"
    text.write_text(WIDGET_NOTEBOOK, encoding="utf-8")
    first, second = _execute_twice(tmp_path / "demo.ipynb")
    assert first == second

    nb = json.loads(first)
    assert all("execution" not in cell["metadata"] for cell in nb["cells"])
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", first.decode()), "a timestamp was saved"
    state = nb["metadata"]["widgets"][execute_notebooks.WIDGET_STATE]["state"]
    views = [o["data"][execute_notebooks.WIDGET_VIEW]["model_id"] for cell in nb["cells"]
             for o in cell.get("outputs", []) if execute_notebooks.WIDGET_VIEW in o.get("data", {})]
    assert views == [execute_notebooks.widget_model_id("demo", 0)]
    assert set(state) == {execute_notebooks.widget_model_id("demo", n) for n in range(len(state))}
    references = {value[len("IPY_MODEL_"):] for model in state.values() for value in _strings(model)
                  if value.startswith("IPY_MODEL_")}
    assert references and references <= set(state), "every reference points at a saved model"
    assert notebook_pairs.pair_differences(tmp_path / "demo.ipynb") == []

    # the widget's output carries a picture of it for frontends without the live model
    bundle = nb["cells"][-1]["outputs"][0]["data"]
    picture = "".join(bundle["text/html"])
    assert "lr: <b>0.500</b>" in picture and "<b>adam</b>" in picture and "<b>loss 0.25</b>" in picture
    assert picture.count('<img src="data:image/png;base64,iVBOR') == 1


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_a_course_notebook_keeps_its_ids_and_bytes(tmp_path):
    for suffix in (".ipynb", ".md"):
        shutil.copy(ROOT / "solutions" / f"02_forward_pass{suffix}", tmp_path / f"02_forward_pass{suffix}")
    ipynb = tmp_path / "02_forward_pass.ipynb"
    ids = [cell.id for cell in nbformat.read(ipynb, as_version=4).cells]
    first, second = _execute_twice(ipynb)
    assert first == second
    assert [cell.id for cell in nbformat.read(ipynb, as_version=4).cells] == ids


def test_widget_ids_are_renumbered_consistently():
    nb = nbformat.v4.new_notebook()
    view = {"model_id": "a" * 32, "version_major": 2, "version_minor": 0}
    nb.cells = [nbformat.v4.new_code_cell("w", outputs=[nbformat.v4.new_output(
        "display_data", data={execute_notebooks.WIDGET_VIEW: view, "text/plain": "VBox()"})])]
    nb.metadata.widgets = {execute_notebooks.WIDGET_STATE: {"version_major": 2, "version_minor": 0, "state": {
        "b" * 32: {"model_name": "LayoutModel", "state": {}},
        "a" * 32: {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_" + "b" * 32],
                                                        "layout": "IPY_MODEL_" + "b" * 32}},
    }}}
    execute_notebooks.number_widget_models(nb, "x")
    zero, one = execute_notebooks.widget_model_id("x", 0), execute_notebooks.widget_model_id("x", 1)
    assert nb.cells[0].outputs[0].data[execute_notebooks.WIDGET_VIEW]["model_id"] == zero
    state = nb.metadata.widgets[execute_notebooks.WIDGET_STATE]["state"]
    assert set(state) == {zero, one}
    assert state[zero]["state"] == {"children": ["IPY_MODEL_" + one], "layout": "IPY_MODEL_" + one}


def test_consecutive_stream_outputs_are_joined_however_the_kernel_split_them():
    stream = lambda name, text: nbformat.v4.new_output("stream", name=name, text=text)
    cell = nbformat.v4.new_code_cell("print(1); print(2)", outputs=[
        stream("stdout", "a\n"), stream("stdout", "b"), stream("stdout", "\n"), stream("stderr", "warning\n"),
        nbformat.v4.new_output("display_data", data={"text/plain": "x"}), stream("stdout", "c\n")])
    nb = nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_markdown_cell("text")])
    execute_notebooks.coalesce_streams(nb)
    outputs = nb.cells[0].outputs
    assert [(o.output_type, o.get("name"), o.get("text")) for o in outputs] == [
        ("stream", "stdout", "a\nb\n"), ("stream", "stderr", "warning\n"), ("display_data", None, None),
        ("stream", "stdout", "c\n")]
    assert "outputs" not in nb.cells[1]
