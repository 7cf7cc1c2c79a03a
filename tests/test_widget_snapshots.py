"""Every widget in a committed lesson carries a static picture of itself, made from the saved
widget state, so that a lesson opened before running (or on GitHub) shows the widget as it was."""
import base64
import pathlib
import sys

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import notebook_pairs  # noqa: E402
import widget_snapshots as ws  # noqa: E402

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n-not-really-an-image").decode()


def model(name, **state):
    return {"model_name": name, "state": state}


def ref(model_id):
    return ws.REFERENCE + model_id


def test_boxes_controls_readouts_and_images_in_order():
    state = {
        "root": model("VBoxModel", children=[ref("row"), ref("html"), ref("img")]),
        "row": model("HBoxModel", children=[ref("lr"), ref("epochs"), ref("opt"), ref("show"), ref("go")]),
        "lr": model("FloatLogSliderModel", description="learning rate", value=0.05, readout_format=".3g"),
        "epochs": model("IntSliderModel", description="epochs", value=300, readout_format="d"),
        "opt": model("DropdownModel", description="optimizer", _options_labels=["sgd", "adam"], index=1),
        "show": model("CheckboxModel", description="misclassified only", value=False),
        "go": model("ButtonModel", description="train"),
        "html": model("HTMLModel", value="<b>final loss: 0.0086</b>"),
        "img": {"model_name": "ImageModel", "state": {"format": "png"},
                "buffers": [{"path": ["value"], "encoding": "base64", "data": PNG}]},
        "layout": model("LayoutModel", width="100px"),
    }
    picture = ws.snapshot(state, "root")
    order = ["learning rate: <b>0.0500</b>", "epochs: <b>300</b>", "optimizer: <b>adam</b>",
             "misclassified only: <b>off</b>", "<button disabled>train</button>", "<b>final loss: 0.0086</b>",
             f'<img src="data:image/png;base64,{PNG}"']
    positions = [picture.index(part) for part in order]
    assert positions == sorted(positions)
    assert "flex-direction: row" in picture and "flex-direction: column" in picture
    assert "run the cell" in picture


@pytest.mark.parametrize("name, state, shown", [
    ("FloatSliderModel", {"value": 0.5}, "0.50"),                     # ipywidgets' default .2f
    ("FloatSliderModel", {"value": 0.5, "readout_format": ".1f"}, "0.5"),
    ("FloatLogSliderModel", {"value": 5.0}, "5.00"),                  # d3's .3g keeps its zeros
    ("FloatLogSliderModel", {"value": 5.0, "readout_format": ".3~g"}, "5"),
    ("IntSliderModel", {"value": 7}, "7"),
    ("IntRangeSliderModel", {"value": [2, 5]}, "2 to 5"),
    ("SelectionSliderModel", {"_options_labels": ["10", "40", "all"], "index": 2}, "all"),
    ("SelectMultipleModel", {"_options_labels": ["a", "b", "c"], "index": [0, 2]}, "a, c"),
    ("TextModel", {"value": "<script>x</script>"}, "&lt;script&gt;x&lt;/script&gt;"),
    ("FloatSliderModel", {"value": 0.5, "readout_format": "not a format"}, "0.5"),
])
def test_each_control_shows_its_value_as_the_widget_does(name, state, shown):
    picture = ws.snapshot({"c": model(name, description="x", **state)}, "c")
    assert f"x: <b>{shown}</b>" in picture


def test_missing_models_cycles_and_layouts_draw_nothing():
    state = {"loop": model("VBoxModel", children=[ref("loop"), ref("gone"), 42]),
             "layout": model("LayoutModel", value="ignored")}
    assert "<b>" not in ws.snapshot(state, "loop")             # terminates, draws only boxes
    assert "ignored" not in ws.snapshot(state, "layout")


def test_a_view_without_saved_state_keeps_its_output():
    nb = nbformat.v4.new_notebook()
    data = {ws.WIDGET_VIEW: {"model_id": "x" * 32}, "text/plain": "VBox()"}
    nb.cells = [nbformat.v4.new_code_cell("w", outputs=[nbformat.v4.new_output("display_data", data=data)])]
    assert ws.add_snapshots(nb) == 0
    assert "text/html" not in nb.cells[0].outputs[0].data


LESSONS = [p for p in notebook_pairs.paired_notebooks() if p.parent.name == "notebooks"]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_widget_of_a_lesson_has_its_picture(path):
    nb = nbformat.read(path, as_version=4)
    state = nb.metadata.get("widgets", {}).get(ws.WIDGET_STATE, {}).get("state", {})
    views = [(index, output) for index, cell in enumerate(nb.cells) for output in cell.get("outputs", [])
             if ws.WIDGET_VIEW in output.get("data", {})]
    for index, output in views:
        model_id = output.data[ws.WIDGET_VIEW]["model_id"]
        assert model_id in state, f"cell {index}: the widget's state was not saved with the notebook"
        picture = output.data.get("text/html", "")
        assert 'class="widget-snapshot"' in picture and "<img " in picture, (
            f"cell {index} has no picture of its widget: run ./course execute notebooks/{path.name}")
        assert picture == ws.snapshot(state, model_id), f"cell {index}: the picture is not the saved state's"
