"""Property-based tests (Hypothesis) of the widget builders' arguments: each builder gets
some arguments from a pool of valid values and some from a pool of hostile ones (wrong type,
NaN, out of the slider's range, unknown names, arrays of the wrong shape). The oracle: a
handle whose controls start at exactly the values given (no silent clamping by a slider), or
a ValueError/TypeError from mlp_lib naming expected and given (see fuzz_support)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")
from fuzz_support import FEW, Expect, expect_outcome  # noqa: E402
from mlp_lib import make_xor, sgd  # noqa: E402
from mlp_lib.widgets import (digit_browser, gradient_flow, lr_explorer, neuron_explorer, optimizer_race,  # noqa: E402
                             playground, progress, softmax_explorer)

WIDGET = settings(FEW, max_examples=max(5, FEW.max_examples * 2 // 3))     # each valid example builds a figure
REFUSE = Expect(refuse=(ValueError, TypeError))
OK = Expect(values=None)
NAN = float("nan")
X_XOR, Y_XOR = make_xor()
DIGITS = np.random.default_rng(0).integers(0, 17, (5, 64)).astype(float)

# builder -> (required arguments, {argument: (valid values, hostile values)}, {argument: control name})
BUILDERS = {
    "neuron_explorer": (neuron_explorer, {}, {
        "X": ([None, X_XOR], [X_XOR[:, :1], X_XOR * NAN, "abc", X_XOR[:0], X_XOR.astype(complex)]),
        "activation": (["sigmoid", "tanh"], ["sigmod", 3]),
        "w": ([(1.0, -1.0), (0.5, 2.0)], [(1.0,), 1.0, (9.0, 0.0), (NAN, 0.0), ("1", 0.0)]),
        "b": ([0.0, -2.5], [6.0, NAN, "0", None]),
    }, {"b": "b"}),
    "lr_explorer": (lr_explorer, {}, {
        "lr": ([0.5, 0.1], [0.0, -1.0, 1e3, NAN, "0.5", None]),
        "epochs": ([10, 50], [0, 5, 5000, 2.5, True]),
        "blowup": ([3.0, 10.0], [1.0, 0.5, NAN, "3"]),
        "lr_range": ([(1e-4, 1e2), (1e-2, 10.0)], [(0.0, 1.0), (10.0, 1.0), 1.0, (1e-4,)]),
        "optimizer": (["sgd", sgd], ["sgdd", 3]),
    }, {"lr": "lr", "epochs": "epochs"}),
    "optimizer_race": (optimizer_race, {}, {
        "surface": (["bowl", "valley"], ["bowel", 3, None]),
        "optimizers": ([None, ["sgd", "adam"], {"mine": (sgd, {}, 0.05)}],
                       [["sgdd"], {"mine": 3}, {"mine": (sgd, {}, 100.0)}, {"mine": (sgd, 3)}, {}, "sgd"]),
        "steps": ([5, 50], [0, 4, 501, 2.5, "50", True]),
    }, {"steps": "steps"}),
    "gradient_flow": (gradient_flow, {}, {
        "activations": ([("sigmoid", "relu"), ("tanh",)], [(), ("rleu",), "relu", (3,)]),
        "depth": ([1, 4], [0, 31, 2.5, "4", None]),
        "width": ([4, 8], [0, -1, 1.5]),
        "scale": ([1.0, 2.0], [0.0, 10.0, NAN, "1"]),
        "X": ([None], [np.ones(3), np.ones((0, 2)), "abc", np.full((4, 2), NAN)]),
    }, {"depth": "depth", "scale": "scale"}),
    "playground": (playground, {}, {
        "dataset": (["circles", "xor"], ["circle", 3, None]),
        "noise": ([0.0, 0.2], [-0.1, 0.6, NAN, "0.1"]),
        "hidden_layers": ([0, 2], [-1, 5, 1.5]),
        "units": ([1, 16], [0, 33, "16"]),
        "activation": (["tanh", "identity"], ["rleu", "softmax", 3]),
        "lr": ([0.03, 1.0], [0.05, True, NAN, "0.03", [0.03]]),
        "optimizer": (["adam", "momentum"], ["adamm", None]),
        "l2": ([0.0, 0.01], [0.02, -0.01, True]),
        "batch_size": ([1, 10], [0, 201, 2.5]),
        "seed": ([0, 42], [-1, 10_000, 1.5]),
        "max_epochs": ([1, 1000], [0, 10_001, 2.5, NAN, "100"]),
        "target_loss": ([0.0, 1e-3], [0.5, -0.1, NAN, "0.001", True]),
    }, {"noise": "noise", "hidden_layers": "hidden_layers", "units": "units", "lr": "lr", "l2": "l2",
        "batch_size": "batch_size", "seed": "seed", "max_epochs": "max_epochs"}),
    "softmax_explorer": (softmax_explorer, {}, {
        "logits": ([(2.0, 1.0, -1.0), [0.0, 0.0]], [(1.0,), (1.0, NAN), (1.0, 20.0), "12", [(1, 2)] * 2,
                                                    (1 + 2j, 0.0), tuple(range(7))]),
        "label": ([0, 1], [-1, 3, 0.0, True, "0"]),
        "softmax": ([None], [3]),
    }, {"label": "label"}),
    "digit_browser": (digit_browser, {"images": DIGITS, "predict_proba": lambda X: np.full((len(X), 10), 0.1)}, {
        "images": ([DIGITS, DIGITS.reshape(5, 8, 8)], [DIGITS[:, :10], DIGITS[:0], DIGITS * NAN, "digits"]),
        "predict_proba": ([lambda X: np.full((len(X), 10), 0.1)], [3, lambda X: np.ones(len(X))]),
        "labels": ([None, np.arange(5)], [np.arange(4), 3]),
        "only_wrong": ([False], ["yes", 1]),
    }, {}),
    "progress": (progress, {"epochs": 10}, {
        "epochs": ([1, 10], [0, -1, 2.5, "10", None]),
        "description": (["training", "run"], [3, None]),
        "then": ([None, lambda epoch, history: False], [3, "stop"]),
    }, {}),
}


@pytest.mark.parametrize("name", list(BUILDERS))
@WIDGET
@given(data=st.data())
def test_widget_builders_check_their_arguments(name, data):
    builder, required, pool, controls = BUILDERS[name]
    kwargs, valid = dict(required), True
    for key, (good, bad) in pool.items():
        if data.draw(st.integers(0, 2)) == 0:
            ok = data.draw(st.booleans())
            value = data.draw(st.sampled_from(good if ok else bad))
            if value is None and key == "softmax":
                continue
            kwargs[key] = value
            valid = valid and ok
    if name == "neuron_explorer" and kwargs.get("X") is not None:
        kwargs.setdefault("y", Y_XOR[:len(kwargs["X"])])
    handle = expect_outcome(OK if valid else REFUSE, builder, **kwargs)
    if handle is None:
        return
    for key, control in controls.items():
        if key in kwargs:
            assert handle.controls[control].value == kwargs[key], (key, handle.controls[control].value)
    if name == "progress":
        assert handle.bar.max == kwargs["epochs"]
    else:
        assert handle.ui is not None and isinstance(handle.state, dict)
