"""A static picture of each widget, saved beside the widget in its cell's output.

A frontend without the widget's live model (JupyterLab on a notebook that is not trusted yet,
GitHub, a plain HTML export) cannot draw a widget view; it falls back to the next format of the
output. Here that format is ``text/html`` built from the widget state the notebook saved: the
figures of the widget's Image models, its HTML read-outs, and each control with its value, laid out
as the widget's boxes were. Running the cell replaces it with the live widget, and a frontend that
restores the saved state (a trusted notebook, nbviewer) shows the widget itself.
"""
import html

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
REFERENCE = "IPY_MODEL_"
NOTE = ("<p style=\"font-size: 85%; color: #666; margin: 0 0 4px 0\"><i>The widget as it was when this "
        "notebook was executed: run the cell to use its controls.</i></p>")
BOXES = {"VBoxModel": "column", "BoxModel": "column", "GridBoxModel": "column", "AccordionModel": "column",
         "TabModel": "column", "StackModel": "column", "HBoxModel": "row"}
DEFAULT_FORMATS = {"FloatSliderModel": ".2f", "FloatLogSliderModel": ".3g", "IntSliderModel": "d",
                   "FloatRangeSliderModel": ".2f", "IntRangeSliderModel": "d"}
MAX_DEPTH = 50


def add_snapshots(nb):
    """Give every widget view in ``nb``'s outputs a ``text/html`` picture made from the saved state.

    Returns the number of outputs that got one. A view whose model was not saved keeps what it had."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    count = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view and view.get("model_id") in state:
                output["data"]["text/html"] = snapshot(state, view["model_id"])
                count += 1
    return count


def snapshot(state, model_id):
    """The HTML picture of the widget ``model_id`` and everything it contains."""
    return f'<div class="widget-snapshot">{NOTE}{_render(state, model_id, 0)}</div>'


def _render(state, model_id, depth):
    model = state.get(model_id)
    if model is None or depth > MAX_DEPTH:
        return ""
    name, attrs = model.get("model_name", ""), model.get("state", {})
    if name in BOXES:
        children = "".join(_render(state, ref[len(REFERENCE):], depth + 1)
                           for ref in attrs.get("children", []) if isinstance(ref, str) and ref.startswith(REFERENCE))
        gap = "16px" if BOXES[name] == "row" else "4px"
        return (f'<div style="display: flex; flex-direction: {BOXES[name]}; flex-wrap: wrap; gap: {gap}; '
                f'align-items: flex-start">{children}</div>')
    if name == "ImageModel":
        return _image(model)
    if name in ("HTMLModel", "HTMLMathModel"):
        return f"<div>{attrs.get('value', '')}</div>" if attrs.get("value") else ""
    if name == "LabelModel":
        return f"<div>{html.escape(str(attrs.get('value', '')))}</div>"
    if name == "ButtonModel":
        return f"<button disabled>{html.escape(str(attrs.get('description', '')))}</button>"
    if name == "OutputModel":
        return "".join(_output(output) for output in attrs.get("outputs", []))
    value = _value(name, attrs)
    if value is None:
        return ""
    label = attrs.get("description", "")
    label = f"{html.escape(str(label))}: " if label else ""
    return f"<div>{label}<b>{html.escape(value)}</b></div>"


def _image(model):
    for buffer in model.get("buffers", []):
        if buffer.get("path") == ["value"] and buffer.get("encoding") == "base64":
            fmt = model["state"].get("format", "png")
            return f'<img src="data:image/{html.escape(fmt)};base64,{buffer["data"]}" alt="figure">'
    return ""


def _output(output):
    data = output.get("data", {})
    if "image/png" in data:
        return f'<img src="data:image/png;base64,{data["image/png"]}" alt="figure">'
    if output.get("output_type") == "stream":
        return f"<pre>{html.escape(output.get('text', ''))}</pre>"
    if "text/html" in data:
        return "".join(data["text/html"]) if isinstance(data["text/html"], list) else data["text/html"]
    if "text/plain" in data:
        return f"<pre>{html.escape(''.join(data['text/plain']))}</pre>"
    return ""


def _value(name, attrs):
    """The value a control shows, as text (None for models that show nothing, such as layouts)."""
    if "_options_labels" in attrs:
        labels, index = attrs["_options_labels"], attrs.get("index")
        if isinstance(index, (list, tuple)):
            return ", ".join(str(labels[i]) for i in index if isinstance(i, int) and 0 <= i < len(labels))
        return str(labels[index]) if isinstance(index, int) and 0 <= index < len(labels) else ""
    if "value" not in attrs or name.endswith(("LayoutModel", "StyleModel")):
        return None
    value = attrs["value"]
    if isinstance(value, bool):
        return "on" if value else "off"
    fmt = attrs.get("readout_format") or DEFAULT_FORMATS.get(name)
    if isinstance(value, (list, tuple)):
        return " to ".join(_formatted(v, fmt) for v in value)
    return _formatted(value, fmt)


def _formatted(value, fmt):
    """``value`` in the widget's d3 ``readout_format``: Python's format, except that d3's "g" keeps
    trailing zeros (Python's "#g") unless the format says "~"."""
    if fmt and isinstance(value, (int, float)):
        fmt = fmt.replace("~", "") if "~" in fmt else ("#" + fmt if fmt.startswith(".") and fmt[-1] in "gG" else fmt)
        try:
            return format(value, fmt)
        except (ValueError, TypeError):
            pass
    return str(value)
