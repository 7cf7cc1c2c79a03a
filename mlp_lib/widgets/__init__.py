"""Live widgets for the lessons (ipywidgets 8): every builder returns a ``WidgetHandle``
with ``.ui`` (shown when the handle is a cell's last expression), ``.controls`` (name ->
ipywidget) and ``.state`` (the data behind the plot), and takes the functions it uses as
arguments, so a learner's own activation, loss, layer or update rule can be plugged in.

    from mlp_lib.widgets import lr_explorer
    lr_explorer()                       # XOR, 2-4-1 tanh network, log-scale learning-rate slider
"""
from .._optional import require

require("mlp_lib.widgets", "ipywidgets", "matplotlib", "PIL")

from .common import Progress, WidgetHandle, progress
from .digit_browser import digit_browser
from .gradient_flow import gradient_flow
from .lr_explorer import lr_explorer
from .neuron import neuron_explorer
from .optimizer_race import optimizer_race
from .playground import playground
from .softmax_explorer import softmax_explorer

__all__ = ["WidgetHandle", "Progress", "progress", "neuron_explorer", "lr_explorer", "optimizer_race",
           "playground", "gradient_flow", "softmax_explorer", "digit_browser"]
