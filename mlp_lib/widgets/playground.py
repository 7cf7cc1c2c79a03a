"""Playground, in the spirit of TensorFlow Playground but on this course's own code: pick a
data set and a network, press train, and watch the decision boundary and the training and
test loss curves move while it learns.

One run is one call of ``train`` (so the optimizer's state and the shuffling continue from
epoch to epoch exactly as in a script); it runs in a background thread whose ``on_epoch``
callback redraws, pauses on "stop" and resumes on "train" or "step". Changing a setting
starts a new run. A run stops by itself at the maximum number of epochs or when the
training loss reaches the target loss (both in the interface; changing them does not start
a new run, so raising the maximum and pressing "train" goes on). The code line under the
plot reproduces the run: it calls ``playground_run``, which builds the same data, network
and ``train`` call.

The menus come from the package's registries: every activation of ``ACTIVATIONS``, every
update rule of ``OPTIMIZERS`` plus SGD with momentum.
"""
import html
import threading
import time

import ipywidgets as ipw
import numpy as np

from ..activations import ACTIVATIONS as ACTIVATION_FUNCTIONS
from ..data import make_blobs, make_circles, make_moons, make_spirals, make_xor, train_val_test_split
from ..model import MLP
from ..optim import OPTIMIZERS as UPDATE_RULES
from ..plots import LiveLossCurves, LiveProbabilityMap
from ..train import train
from ..validation import check_real
from .common import WidgetHandle, check_choice, image_widget, loss_text
from .live_figure import LiveFigure

# name -> function (n, noise, seed) -> X (n, 2), y (n,) in {0, 1}
DATASETS = {
    "xor": lambda n, noise, seed: make_xor(n, noise=noise, seed=seed),
    "circles": lambda n, noise, seed: make_circles(n, noise=noise, seed=seed),
    "moons": lambda n, noise, seed: make_moons(n, noise=noise, seed=seed),
    "spirals": lambda n, noise, seed: make_spirals(n, classes=2, noise=noise, seed=seed),
    "blobs": lambda n, noise, seed: make_blobs(n, centers=[[-1.0, -1.0], [1.0, 1.0]], std=0.5 + noise, seed=seed),
}
# name shown in the menu -> (update rule's name in OPTIMIZERS, its hyperparameters)
OPTIMIZERS = {"sgd": ("sgd", {}), "momentum": ("sgd", {"momentum": 0.9}),
              **{name: (name, {}) for name in UPDATE_RULES if name != "sgd"}}
ACTIVATIONS = tuple(ACTIVATION_FUNCTIONS)
LEARNING_RATES = (1e-5, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
L2_STRENGTHS = (0.0, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0)
# the target-loss menu: label -> training loss at which a run stops (0: no target)
TARGET_LOSSES = {"none": 0.0, "0.1": 0.1, "0.01": 0.01, "0.001": 1e-3, "1e-4": 1e-4, "1e-5": 1e-5}
MAX_EPOCHS = 10_000              # the largest maximum a learner can set


def playground_data(dataset="circles", noise=0.1, seed=0, n=200):
    """Training and test data for the playground: 2 n points of ``dataset``, split in halves.

    -> X_train (n, 2), y_train (n,), X_test (n, 2), y_test (n,), labels in {0, 1}.
    """
    check_choice(dataset, DATASETS, "dataset")
    X, y = DATASETS[dataset](2 * n, noise, seed)
    X_train, y_train, _, _, X_test, y_test = train_val_test_split(X, y, val=0.0, test=0.5, seed=seed)
    return X_train, y_train, X_test, y_test


def playground_model(hidden_layers=2, units=16, activation="tanh", l2=0.0, seed=0):
    """The playground's network: 2 inputs, ``hidden_layers`` layers of ``units``, one logit."""
    return MLP([2] + [units] * hidden_layers + [1], activation=activation, loss="binary_cross_entropy",
               weight_decay=l2, seed=seed)


def playground_setup(dataset="circles", noise=0.1, hidden_layers=2, units=16, activation="tanh", lr=0.03,
                     optimizer="adam", l2=0.0, batch_size=10, seed=0):
    """The data, the network and the arguments of ``train`` for a set of playground settings.

    -> (model, (X_train, y_train, X_test, y_test), train_kwargs) with the model untrained.
    """
    X, y, X_test, y_test = playground_data(dataset, noise, seed)
    model = playground_model(hidden_layers, units, activation, l2, seed)
    rule, hyper = OPTIMIZERS[check_choice(optimizer, OPTIMIZERS, "optimizer")]
    kwargs = dict(lr=lr, optimizer=rule, optimizer_kwargs=hyper, batch_size=batch_size,
                  validation_data=(X_test, y_test), seed=seed, on_divergence="stop")
    return model, (X, y, X_test, y_test), kwargs


def playground_run(epochs=100, on_epoch=None, **settings):
    """Train the playground's network on its data, as the widget does. -> (model, history).

    settings: those of ``playground_setup``. The widget shows this call, with its current
    settings and epoch, as the code that reproduces what it shows.
    """
    model, (X, y, _, _), kwargs = playground_setup(**settings)
    return model, train(model, X, y, epochs=epochs, on_epoch=on_epoch, **kwargs)


def playground(dataset="circles", noise=0.1, hidden_layers=2, units=16, activation="tanh", lr=0.03,
               optimizer="adam", l2=0.0, batch_size=10, seed=0, max_epochs=1000, target_loss=1e-3, refresh=0.05):
    """The playground widget; the arguments are the starting settings.

    max_epochs: a run pauses after this many epochs (1 to ``MAX_EPOCHS``); target_loss: and
    when its training loss is at or below this value (one of ``TARGET_LOSSES``, 0 for none).
    refresh: seconds between redraws while training (each redraw takes a few tens of ms).
    -> WidgetHandle: controls "dataset", "noise", "hidden_layers", "units", "activation", "lr",
    "optimizer", "l2", "batch_size", "seed", "max_epochs", "target_loss", buttons "train",
    "stop", "step"; state "history", "code", "epoch", "running", "model", "final_loss",
    "test_loss", "message" (an error or divergence), "limit" (why the run paused by itself, or
    ""), "updates", "png".
    Extra methods on the handle: ``wait(epoch, timeout)`` blocks until that epoch is done,
    ``stop()`` pauses and waits until the run is paused.
    """
    check_choice(dataset, DATASETS, "dataset")
    check_choice(optimizer, OPTIMIZERS, "optimizer")
    check_choice(activation, ACTIVATIONS, "activation")
    check_choice(lr, LEARNING_RATES, "lr")
    check_choice(l2, L2_STRENGTHS, "l2")
    noise = check_real(noise, "noise", 0, 0.5)                             # the sliders' ranges
    hidden_layers = check_real(hidden_layers, "hidden_layers", 0, 4, integer=True)
    units = check_real(units, "units", 1, 32, integer=True)
    batch_size = check_real(batch_size, "batch_size", 1, 200, integer=True)
    seed = check_real(seed, "seed", 0, 9999, integer=True)
    max_epochs = check_real(max_epochs, "max_epochs", 1, MAX_EPOCHS, integer=True)
    check_choice(target_loss, TARGET_LOSSES.values(), "target_loss")
    refresh = check_real(refresh, "refresh", 0, low_open=True)
    c = {
        "dataset": ipw.Dropdown(options=list(DATASETS), value=dataset, description="data"),
        "noise": ipw.FloatSlider(value=noise, min=0.0, max=0.5, step=0.05, description="noise",
                                 continuous_update=False),
        "hidden_layers": ipw.IntSlider(value=hidden_layers, min=0, max=4, description="hidden layers",
                                       continuous_update=False),
        "units": ipw.IntSlider(value=units, min=1, max=32, description="units", continuous_update=False),
        "activation": ipw.Dropdown(options=ACTIVATIONS, value=activation, description="activation"),
        "lr": ipw.SelectionSlider(options=LEARNING_RATES, value=lr, description="learning rate",
                                  continuous_update=False),
        "optimizer": ipw.Dropdown(options=list(OPTIMIZERS), value=optimizer, description="optimizer"),
        "l2": ipw.SelectionSlider(options=L2_STRENGTHS, value=l2, description="L2", continuous_update=False),
        "batch_size": ipw.IntSlider(value=batch_size, min=1, max=200, description="batch size",
                                    continuous_update=False),
        "seed": ipw.BoundedIntText(value=seed, min=0, max=9999, description="seed"),
        "max_epochs": ipw.BoundedIntText(value=max_epochs, min=1, max=MAX_EPOCHS, description="max epochs"),
        "target_loss": ipw.Dropdown(options=list(TARGET_LOSSES.items()), value=target_loss,
                                    description="target loss"),
        "train": ipw.Button(description="train", icon="play", button_style="success"),
        "stop": ipw.Button(description="stop", icon="pause"),
        "step": ipw.Button(description="step", icon="step-forward"),
    }
    for control in c.values():
        if not isinstance(control, ipw.Button):
            control.style.description_width = "90px"
    settings_names = ["dataset", "noise", "hidden_layers", "units", "activation", "lr", "optimizer", "l2",
                      "batch_size", "seed"]
    state = {"updates": 0}
    live = LiveFigure(8.4, 3.4, 2)
    fig, (ax_map, ax_loss) = live.fig, live.axes
    curves = LiveLossCurves(ax_loss)
    image = image_widget(fig)
    status, code = ipw.HTML(), ipw.HTML()
    lock = threading.RLock()         # one drawer at a time (the worker thread or the kernel)
    run = {}                          # the current run: its data, model, thread and controls

    def settings():
        return {name: c[name].value for name in settings_names}

    def limit_reached():
        """Why the run must pause by itself now ("" if it may go on)."""
        epoch, history, target = state["epoch"], state["history"], c["target_loss"].value
        if epoch >= c["max_epochs"].value:
            return f"paused at the maximum of {c['max_epochs'].value} epochs: raise it to train on"
        if target and history is not None and history.loss and history.loss[-1] <= target:
            return (f"paused: the training loss {history.loss[-1]:.4g} reached the target {target:g}: "
                    f"lower the target to train on")
        return ""

    def draw():
        with lock:
            history = state["history"]
            run["map"].update(run["model"].predict_proba)
            ax_map.set_title(f"epoch {state['epoch']}", fontsize="medium", y=1.0)
            if history is not None and history.loss:
                diverged_at = len(history.loss) - 1 if history.diverged else None
                curves.update(history.loss, history.val_loss, diverged_at=diverged_at)
            else:
                curves.update([])
            state["png"] = image.value = live.png()
            state["updates"] += 1
            s = settings()
            args = ", ".join(f"{k}={v!r}" for k, v in s.items())
            state["code"] = (f"from mlp_lib.widgets.playground import playground_run; "
                             f"model, history = playground_run({args}, epochs={state['epoch']})")
            code.value = f"<code>{html.escape(state['code'])}</code>"
            target = c["target_loss"].value
            parts = [f"epoch {state['epoch']} of at most {c['max_epochs'].value}"]
            if history is not None and history.loss:
                parts += [loss_text(history.loss[-1], "training loss"), loss_text(history.val_loss[-1], "test loss")]
            parts.append(f"target {target:g}" if target else "no target loss")
            limit, message = state.get("limit"), state.get("message")
            status.value = ("&nbsp;&nbsp;".join(parts) + (f"<br><b>{limit}</b>" if limit else "")
                            + (f"<br><span style='color:#c00'>{message}</span>" if message else ""))

    def on_epoch(r, epoch, history):
        """Called by ``train`` in the worker thread after every epoch; True ends the run."""
        with r["cond"]:
            if r["cancelled"]:
                return True
            state.update(epoch=epoch + 1, history=history, final_loss=history.loss[-1],
                         test_loss=history.val_loss[-1])
            r["budget"] -= 1
            state["limit"] = limit_reached()
            if state["limit"]:
                r["budget"] = 0
            due = r["budget"] <= 0 or time.perf_counter() - r["last_draw"] >= refresh
        if due:
            r["last_draw"] = time.perf_counter()
            draw()
        with r["cond"]:
            if r["budget"] <= 0 and not r["cancelled"]:
                state["running"] = False
                r["cond"].notify_all()
                r["cond"].wait_for(lambda: r["budget"] > 0 or r["cancelled"])
            return r["cancelled"]

    def worker(r):
        X, y = r["data"][:2]
        try:
            history = train(r["model"], X, y, epochs=MAX_EPOCHS, on_epoch=lambda e, h: on_epoch(r, e, h),
                            **r["train_kwargs"])
            message = history.stopped if history.diverged else ""
        except Exception as error:      # a learner's setting the network cannot train with: say so
            history, message = state["history"], f"training stopped: {type(error).__name__}: {error}"
        with r["cond"]:
            if r["cancelled"]:
                return
            r["finished"] = True
            state["running"] = False
            if message:
                state["message"] = message
            if history is not None and history.diverged:
                state.update(epoch=len(history.loss), history=history, final_loss=history.loss[-1])
            r["cond"].notify_all()
        draw()

    def new_run(change=None):
        if run:
            with run["cond"]:
                run["cancelled"] = True
                run["cond"].notify_all()
            if run["thread"] is not None:
                run["thread"].join(timeout=10)
        model, data, kwargs = playground_setup(**settings())
        run.clear()
        with lock:
            ax_map.clear()
            boundary = LiveProbabilityMap(ax_map, data[0], data[1], resolution=40)
        run.update(cond=threading.Condition(), budget=0, cancelled=False, finished=False, thread=None,
                   last_draw=0.0, model=model, data=data, train_kwargs=kwargs, map=boundary)
        state.update(epoch=0, history=None, running=False, final_loss=None, test_loss=None, message="",
                     limit="", model=model)
        draw()

    def start(budget):
        r = run
        with r["cond"]:
            if r["finished"]:
                return
            state["limit"] = limit_reached()
            if not state["limit"]:              # else nothing to do until the maximum or the target changes
                r["budget"] = budget
                state["running"] = True
                r["cond"].notify_all()
        if state["limit"]:
            draw()
            return
        if r["thread"] is None:
            r["thread"] = threading.Thread(target=worker, args=(r,), daemon=True)
            r["thread"].start()

    def pause_and_wait(timeout=10.0):
        """Pause the run after the current epoch and wait until it is paused."""
        with run["cond"]:
            run["budget"] = 0
        wait_paused(timeout)

    def wait_paused(timeout=10.0):
        r = run
        with r["cond"]:
            r["cond"].wait_for(lambda: not state["running"] or r["finished"], timeout)

    def step(_=None):
        """Train exactly one more epoch, then pause (returns when it is done)."""
        start(1)
        wait_paused()

    c["train"].on_click(lambda _: start(float("inf")))
    c["stop"].on_click(lambda _: pause_and_wait())
    c["step"].on_click(step)
    for name in settings_names:
        c[name].observe(new_run, names="value")
    new_run()

    for name in ("max_epochs", "target_loss"):      # the limits redraw the status, the run goes on
        c[name].observe(lambda change: draw(), names="value")
    controls_box = ipw.VBox([c[name] for name in settings_names + ["max_epochs", "target_loss"]]
                            + [ipw.HBox([c["train"], c["stop"], c["step"]])])
    handle = WidgetHandle(ipw.VBox([ipw.HBox([controls_box, ipw.VBox([image, status])]), code]), c, state, draw)

    def wait(epoch, timeout=30.0):
        """Block until ``epoch`` epochs are done (or the run ended or paused). -> the epoch reached."""
        deadline = time.perf_counter() + timeout
        while state["epoch"] < epoch and state["running"] and time.perf_counter() < deadline:
            time.sleep(0.005)
        return state["epoch"]

    handle.wait, handle.stop = wait, pause_and_wait
    return handle
