"""Digit browser: step through 8x8 digit images with a classifier's probabilities beside each.

    from mlp_lib.widgets.digit_browser import digit_browser
    digit_browser(X_test, lambda X: model.predict_proba(scaler.transform(X)), labels=y_test)
"""
import ipywidgets as ipw
import numpy as np

from ..validation import as_float_array, check_flag, check_same_length
from .common import connect, figure_png, image_widget, new_figure


def digit_browser(images, predict_proba, labels=None, names=None, only_wrong=False):
    """Browse digit images and what a classifier says about each one.

    images: (n, 64) or (n, 8, 8) ink values 0..16 (rows of ``load_digits`` or ``load_digit_images``);
    predict_proba: a function (n, 64) -> (n, C) class probabilities (normalise inside it, e.g.
    ``lambda X: model.predict_proba(scaler.transform(X))``); labels: optional (n,) true digits;
    names: optional n strings (file names) shown as titles; only_wrong: start with only the
    misclassified images (needs labels).
    -> WidgetHandle: controls "index" (position among the images shown) and "only_wrong";
    state "shown" (indices of the images the slider runs over), "index" (the image's index in
    ``images``), "probabilities" (C,), "prediction", "label" (or None), "name" (or None),
    "predictions" (n,), "wrong" (number misclassified, or None), "png".
    """
    X = as_float_array(images, "images", ndim=(2, 3), nonempty=True)
    X = X.reshape(len(X), -1)
    if X.shape[1] != 64 or len(X) == 0:
        raise ValueError(f"images must be n >= 1 digits of 8x8 = 64 pixels, (n, 64) or (n, 8, 8); got {np.shape(images)}")
    if not callable(predict_proba):
        raise TypeError(f"predict_proba must be a function (n, 64) -> (n, C), got {type(predict_proba).__name__}")
    P = np.asarray(predict_proba(X), dtype=np.float64)
    if P.ndim != 2 or P.shape[0] != len(X):
        raise ValueError(f"predict_proba must return (n, C) = ({len(X)}, C) probabilities, got shape {P.shape}")
    predictions = P.argmax(axis=1)
    if labels is not None:
        labels = np.asarray(labels)
        check_same_length(X, labels, "images", "labels")
    if names is not None:
        names = [str(n) for n in names]
        check_same_length(X, names, "images", "names")
    only_wrong = check_flag(only_wrong, "only_wrong")
    if only_wrong and labels is None:
        raise ValueError("only_wrong=True needs the true labels: pass labels=")
    wrong_idx = np.flatnonzero(predictions != labels) if labels is not None else np.arange(0)
    controls = {"index": ipw.IntSlider(value=0, min=0, max=len(X) - 1, description="image", continuous_update=True),
                "only_wrong": ipw.Checkbox(value=bool(only_wrong), description="only the misclassified",
                                           disabled=labels is None)}
    state = {"predictions": predictions, "wrong": None if labels is None else int(len(wrong_idx))}
    fig, (ax_img, ax_bar) = new_figure(6.4, 2.8, ncols=2)
    label = ipw.HTML()

    def shown():
        return wrong_idx if controls["only_wrong"].value else np.arange(len(X))

    def redraw():
        idx = shown()
        controls["index"].max = max(len(idx) - 1, 0)
        ax_img.clear()
        ax_bar.clear()
        state["shown"] = idx
        if len(idx) == 0:
            state.update(index=None, probabilities=None, prediction=None, label=None, name=None)
            ax_img.set_axis_off()
            ax_img.set_title("no misclassified image", fontsize="medium")
            label.value = "every image is classified correctly"
            state["png"] = image.value = figure_png(fig)
            return
        i = int(idx[min(controls["index"].value, len(idx) - 1)])
        p = P[i]
        truth = None if labels is None else int(labels[i])
        state.update(index=i, probabilities=p, prediction=int(predictions[i]), label=truth,
                     name=None if names is None else names[i])
        ax_img.imshow(X[i].reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
        ax_img.set_xticks([])
        ax_img.set_yticks([])
        ax_img.set_title(state["name"] or f"image {i}", fontsize="medium")
        colors = ["C2" if c == truth else "C3" if c == predictions[i] else "C0" for c in range(len(p))]
        if truth is None:
            colors[predictions[i]] = "C1"
        ax_bar.bar(np.arange(len(p)), p, color=colors)
        ax_bar.set_xticks(np.arange(len(p)))
        ax_bar.set_ylim(0, 1)
        ax_bar.set_xlabel("class")
        ax_bar.set_ylabel("probability")
        state["png"] = image.value = figure_png(fig)
        verdict = "" if truth is None else (" &nbsp; right" if truth == predictions[i] else f" &nbsp; wrong: it is a {truth}")
        label.value = f"prediction: <b>{predictions[i]}</b> with probability {p[predictions[i]]:.3f}{verdict}"

    image = image_widget(fig)
    return connect(ipw.VBox([ipw.HBox(list(controls.values())), image, label]), controls, state, redraw)
