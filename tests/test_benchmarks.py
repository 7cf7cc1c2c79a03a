"""The benchmarks still run: each script, with the smallest settings, exits cleanly and prints
the figures its README explains. No time is asserted here (speed is measured only by the
benchmarks themselves, with ratios taken in one run)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(script, *args, timeout=600):
    env = dict(os.environ, MPLBACKEND="Agg")
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], capture_output=True,
                            text=True, timeout=timeout, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_training_benchmark_runs_and_reports_ratios_and_the_breakdown():
    out = run("bench_training.py", "--reps", "1", "--workloads", "W2", "W3", "--no-torch")
    for expected in ("W2: 784-256-256-10", "W3: XOR", "mlp_lib / numpy  =", "matrix-multiply work",
                     "the products alone", "by kind of work", "matrix products", "a loop reaches at most",
                     "targets missed:"):
        assert expected in out, f"{expected!r} missing from:\n{out}"
    assert str(ROOT) not in out                                   # no machine paths


def test_widget_latency_benchmark_runs():
    pytest.importorskip("ipywidgets")
    out = run("widget_latency.py", "--repeats", "2", "--runs", "1", "--seconds", "0.3")
    for expected in ("(a) lr explorer", "(b) playground", "(c) drawing the explorer's figure", "load average"):
        assert expected in out, f"{expected!r} missing from:\n{out}"
