"""Optimizer race: SGD, momentum, RMSProp and Adam descend the same 2-D loss surface from
the same start, each with its own learning rate; their paths are drawn on the contours.

The surfaces and their gradients live in ``mlp_lib.surfaces``; the steps are the update
rules of ``mlp_lib.optim`` (or the learner's own), called exactly as ``train`` calls them.
"""
import ipywidgets as ipw
import numpy as np

from ..optim import adam, rmsprop, sgd
from ..surfaces import SURFACES, descend, get_surface
from ..validation import check_real
from .common import LR_FORMAT, connect, image_widget, lr_label
from .live_figure import LiveFigure

# name -> (update rule, its hyperparameters, default learning rate)
DEFAULT_OPTIMIZERS = {
    "sgd": (sgd, {}, 0.01),
    "momentum": (sgd, {"momentum": 0.9}, 0.01),
    "rmsprop": (rmsprop, {}, 0.03),
    "adam": (adam, {}, 0.1),
}


def optimizer_race(surface="bowl", optimizers=None, steps=100):
    """Race update rules down a surface ("bowl": an elongated bowl, "valley": a curved,
    Rosenbrock-like valley).

    optimizers: None (SGD, momentum, RMSProp, Adam), a list of those names, or a dict
    name -> rule, (rule, hyper) or (rule, hyper, lr), where rule(param, grad, state, lr,
    **hyper) -> (param, state) may be the learner's own.
    -> WidgetHandle: controls "surface", "steps", "lr_<name>"; state "trajectories" (name ->
    (T + 1, 2) points), "final_values" (name -> loss at the last point, nan if diverged),
    "diverged" (name -> bool), "png".
    """
    get_surface(surface)
    entries = _optimizer_entries(optimizers)
    steps = check_real(steps, "steps", 5, 500, integer=True)              # the slider's range
    controls = {"surface": ipw.Dropdown(options=list(SURFACES), value=surface, description="surface"),
                "steps": ipw.IntSlider(value=steps, min=5, max=500, step=5, description="steps",
                                       continuous_update=False)}
    for name, (_, _, lr) in entries.items():
        controls[f"lr_{name}"] = ipw.FloatLogSlider(value=lr, base=10, min=-4, max=1, step=0.1,
                                                    readout_format=LR_FORMAT, description=f"lr {name}",
                                                    continuous_update=False, style={"description_width": "100px"})
    state = {}
    live = LiveFigure(6.4, 4.2)
    fig, (ax,) = live.fig, live.axes
    paths = {name: ax.plot([], [], ".-", color=f"C{i}", ms=3, lw=1)[0] for i, name in enumerate(entries)}
    (start_marker,) = ax.plot([], [], "ko", ms=6)
    (minimum_marker,) = ax.plot([], [], "*", color="gold", mec="k", ms=14)
    contours = {}
    summary = ipw.HTML()

    def redraw():
        name_now = controls["surface"].value
        s = get_surface(name_now)
        trajectories, finals, diverged = {}, {}, {}
        for name, (rule, hyper, _) in entries.items():
            lr = float(lr_label(controls[f"lr_{name}"].value))          # the rate its slider shows
            path, blew_up = descend(name_now, rule, lr, controls["steps"].value, **hyper)
            trajectories[name], diverged[name] = path, blew_up
            finals[name] = float("nan") if blew_up else float(s["value"](*path[-1]))
        state.update(trajectories=trajectories, final_values=finals, diverged=diverged)
        if contours.get("name") != name_now:
            if "set" in contours:
                contours["set"].remove()
            x0, x1, y0, y1 = s["window"]
            xx, yy = np.meshgrid(np.linspace(x0, x1, 120), np.linspace(y0, y1, 120))
            contours.update(name=name_now, set=ax.contour(xx, yy, np.log10(s["value"](xx, yy) + 1e-3), levels=15,
                                                          cmap="Greys", linewidths=0.7))
            start_marker.set_data([s["start"][0]], [s["start"][1]])
            minimum_marker.set_data([s["minimum"][0]], [s["minimum"][1]])
            ax.set_xlim(s["window"][:2])
            ax.set_ylim(s["window"][2:])
        for name, path in trajectories.items():
            paths[name].set_data(path[:, 0], path[:, 1])
            paths[name].set_label(f"{name}: {'diverged' if diverged[name] else f'{finals[name]:.2e}'}")
        ax.set_title(f"{name_now}: loss after {controls['steps'].value} steps", fontsize="medium", y=1.0)
        ax.legend(handles=list(paths.values()), loc="lower right", fontsize="small")
        state["png"] = image.value = live.png()
        summary.value = "<br>".join(
            f"{name}: {'diverged' if diverged[name] else f'final loss {finals[name]:.4g}'}" for name in entries)

    image = image_widget(fig)
    sliders = ipw.VBox([controls["surface"], controls["steps"]] + [controls[f"lr_{n}"] for n in entries] + [summary])
    return connect(ipw.HBox([sliders, image]), controls, state, redraw)


def _optimizer_entries(optimizers):
    """Normalize the ``optimizers`` argument to name -> (rule, hyper, lr)."""
    if optimizers is None:
        return dict(DEFAULT_OPTIMIZERS)
    if isinstance(optimizers, (list, tuple)):
        unknown = [n for n in optimizers if n not in DEFAULT_OPTIMIZERS]
        if unknown:
            raise ValueError(f"unknown optimizer(s) {unknown}; valid names are {list(DEFAULT_OPTIMIZERS)}, "
                             f"or pass a dict name -> update rule")
        return {n: DEFAULT_OPTIMIZERS[n] for n in optimizers}
    if not isinstance(optimizers, dict) or not optimizers:
        raise TypeError(f"optimizers must be None, a list of names or a dict name -> rule, got {optimizers!r}")
    entries = {}
    for name, entry in optimizers.items():
        entry = entry if isinstance(entry, tuple) else (entry,)
        if not 1 <= len(entry) <= 3:
            raise ValueError(f"optimizer {name!r}: expected rule, (rule, hyper) or (rule, hyper, lr), got {entry!r}")
        rule, hyper, lr = entry + (None, {}, 0.01)[len(entry):]
        if not callable(rule):
            raise TypeError(f"optimizer {name!r} must be an update rule (a function), got {rule!r}")
        if not isinstance(hyper, dict):
            raise TypeError(f"optimizer {name!r}: hyper must be a dict of keyword arguments, got {hyper!r}")
        entries[name] = (rule, dict(hyper), check_real(lr, f"the lr of optimizer {name!r}", 1e-4, 10))
    return entries
