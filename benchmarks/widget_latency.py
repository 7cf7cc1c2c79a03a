"""How fast the widgets answer, against the course's targets.

    .venv/bin/python benchmarks/widget_latency.py [--repeats 15] [--seconds 3]

(a) learning-rate explorer on XOR: slider change -> retrain (300 epochs) and redraw complete,
    median over repeats; target 200 ms.
(b) playground, 2-16-16-1 network on 200 points: redraws per second while training,
    median over runs; target 10 per second.
(c) the two ways to show a figure in a widget: PNG bytes into an ``Image`` widget (what the
    widgets do) against pyplot into an ``Output`` widget, whose inline backend renders with
    a tight bounding box.
Times are wall-clock on this machine; the load average is printed, since a busy machine
slows everything alike. A ratio below 1 (latency) or above 1 (rate) meets the target.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from mlp_lib import MLP, make_xor, train  # noqa: E402
from mlp_lib.plots import LiveLossCurves, LiveProbabilityMap, plot_decision_boundary, plot_history  # noqa: E402
from mlp_lib.widgets import lr_explorer, playground  # noqa: E402
from mlp_lib.widgets.live_figure import LiveFigure  # noqa: E402

LATENCY_TARGET_MS = 200.0
RATE_TARGET = 10.0
LEARNING_RATES = (0.01, 0.1, 0.5, 1.0, 2.0, 30.0)      # slow, good and diverging runs


def lr_slider_latency(repeats):
    """Median ms from ``lr.value = ...`` to the redrawn PNG, and of the retraining alone."""
    h = lr_explorer()
    X, y = make_xor()
    total, training = [], []
    for i in range(repeats):
        lr = LEARNING_RATES[i % len(LEARNING_RATES)]
        if h.controls["lr"].value == lr:
            lr = lr * 1.1
        t0 = time.perf_counter()
        h.controls["lr"].value = lr
        total.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        train(MLP([2, 4, 1], activation="tanh", loss="binary_cross_entropy", seed=0), X, y, epochs=300, lr=lr,
              batch_size=4, seed=0, on_divergence="stop", on_epoch=lambda e, hist: hist.loss[-1] > 3 * hist.loss[0])
        training.append((time.perf_counter() - t0) * 1000)
    return statistics.median(total), statistics.median(training)


def playground_rate(runs, seconds):
    """Median redraws per second (and epochs per second) while the playground trains."""
    rates, epochs = [], []
    for run in range(runs):
        h = playground(seed=run)
        assert h.state["model"].layer_sizes == [2, 16, 16, 1] and len(h.state["history"] or []) == 0
        updates0 = h.state["updates"]
        t0 = time.perf_counter()
        h.controls["train"].click()
        time.sleep(seconds)
        h.stop()
        elapsed = time.perf_counter() - t0
        rates.append((h.state["updates"] - updates0) / elapsed)
        epochs.append(h.state["epoch"] / elapsed)
    return statistics.median(rates), statistics.median(epochs)


def figure_paths(repeats):
    """Median ms to draw the explorer's figure: Image widget path vs Output widget (inline) path."""
    from IPython.core.pylabtools import print_figure
    X, y = make_xor()
    model = MLP([2, 4, 1], activation="tanh", loss="binary_cross_entropy", seed=0)
    history = train(model, X, y, epochs=300, lr=1.0, batch_size=4)
    live = LiveFigure(8.4, 3.2, 2)            # what the widgets do: artists updated in place
    curves, boundary = LiveLossCurves(live.axes[0]), LiveProbabilityMap(live.axes[1], X, y)
    image_ms, inline_ms = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        curves.update(history.loss, epochs=300)
        boundary.update(model.predict_proba)
        live.png()
        image_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        # what a cell inside an Output widget does: a fresh pyplot figure, shown by the inline backend
        fig2, (ax3, ax4) = plt.subplots(1, 2, figsize=(8.4, 3.2))
        plot_history(history, ax=ax3, log=True)
        plot_decision_boundary(model, X, y, ax=ax4, resolution=60)
        print_figure(fig2, "png", bbox_inches="tight")
        plt.close(fig2)
        inline_ms.append((time.perf_counter() - t0) * 1000)
    return statistics.median(image_ms), statistics.median(inline_ms)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} cores, load average {load:.2f} at start")

    latency, training = lr_slider_latency(args.repeats)
    print(f"(a) lr explorer, slider -> redraw: median {latency:.0f} ms over {args.repeats} changes "
          f"(retraining alone {training:.0f} ms); ratio to the {LATENCY_TARGET_MS:.0f} ms target "
          f"{latency / LATENCY_TARGET_MS:.2f} {'OK' if latency <= LATENCY_TARGET_MS else 'TOO SLOW'}")

    rate, epochs = playground_rate(args.runs, args.seconds)
    print(f"(b) playground 2-16-16-1 on 200 points: median {rate:.1f} updates/s ({epochs:.0f} epochs/s) "
          f"over {args.runs} runs of {args.seconds:g} s; ratio to the {RATE_TARGET:.0f}/s target "
          f"{rate / RATE_TARGET:.2f} {'OK' if rate >= RATE_TARGET else 'TOO SLOW'}")

    image, inline = figure_paths(max(5, args.repeats // 2))
    print(f"(c) drawing the explorer's figure: Image widget (in-place artists, PNG) {image:.0f} ms, "
          f"Output widget (pyplot + inline backend) {inline:.0f} ms; ratio {inline / max(image, 1e-9):.1f}x")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
