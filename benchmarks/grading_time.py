"""How long the grader takes for a class, with the sandbox and without it, in one run.

    .venv/bin/python benchmarks/grading_time.py [--submissions 100] [--jobs 2] [--mixed]

By default: 100 correct submissions of set 03 (copies of solutions/03_backpropagation.ipynb),
graded with the command a teacher runs (``python -m mlp_lib.grading FOLDER --jobs N``) with the
sandbox and with ``--no-sandbox``, in the order A B B A after a warm-up of each (so that neither
profits from caches the other filled), and the ratio of the mean times. ``--mixed`` makes a class
with typical mistakes, an untouched notebook, an endless loop and a kernel crash instead.
The script prints the wall times, the time per submission, the load average (other work on
the machine slows everything alike) and the slowest submissions.

This is a benchmark, not a test: nothing here fails; read the numbers.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import nbformat

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solutions" / "03_backpropagation.ipynb"
EXERCISE = ROOT / "exercises" / "03_backpropagation.ipynb"

VARIANTS = {
    "dW transposed": {"affine_backward": "def affine_backward(dout, cache):\n    X, W = cache\n"
                                         "    return dout @ W.T, dout.T @ X, dout.sum(axis=0)"},
    "derivative of the output": {"sigmoid_prime": "def sigmoid_prime(z):\n    return z * (1 - z)"},
    "gradient ascent": {"sgd_step": "def sgd_step(params, grads, lr):\n"
                                    "    return {k: params[k] + lr * grads[k] for k in params}"},
    "endless loop": {"affine_forward": "def affine_forward(X, W, b):\n    while True:\n        pass"},
    "kernel crash": {"sgd_step": "import os\ndef sgd_step(params, grads, lr):\n    os._exit(1)"},
}


def make_submissions(folder, count, mixed):
    plan = (["untouched"] + list(VARIANTS) if mixed else []) + ["right"] * count
    plan = plan[:count]
    for i, kind in enumerate(plan):
        if kind == "untouched":
            nb = nbformat.read(EXERCISE, as_version=4)
        else:
            nb = nbformat.read(SOLUTION, as_version=4)
            for cell in nb.cells:
                name = cell.metadata.get("mlp_course", {}).get("exercise")
                if name in VARIANTS.get(kind, {}):
                    cell.source = VARIANTS[kind][name]
        nbformat.write(nb, folder / f"learner{i + 1:03d}.ipynb")
    return plan


def grade(folder, out, args, sandbox):
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "mlp_lib.grading", str(folder), "--out", str(out),
                           "--jobs", str(args.jobs), "--exercise-timeout", str(args.exercise_timeout),
                           "--cell-timeout", str(args.cell_timeout), "--progress", "off"]
                          + ([] if sandbox else ["--no-sandbox"]), capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode:
        print(proc.stderr, file=sys.stderr)
    data = json.loads((out / "gradebook.json").read_text())
    return elapsed, data


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--mixed", action="store_true", help="a class with mistakes, hangs and crashes")
    parser.add_argument("--exercise-timeout", type=float, default=10.0)
    parser.add_argument("--cell-timeout", type=float, default=20.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mlp-grading-bench-") as tmp:
        folder = pathlib.Path(tmp) / "submissions"
        folder.mkdir()
        plan = make_submissions(folder, args.submissions, args.mixed)
        warm = pathlib.Path(tmp) / "warm-up"
        warm.mkdir()
        make_submissions(warm, 2, False)
        for sandbox in (True, False):
            grade(warm, pathlib.Path(tmp) / f"warm-up-{sandbox}", args, sandbox)
        results = {True: [], False: []}
        for run, sandbox in enumerate((True, False, False, True)):
            load = os.getloadavg()[0]
            elapsed, data = grade(folder, pathlib.Path(tmp) / f"gradebook-{run}", args, sandbox)
            results[sandbox].append(elapsed)
            seconds = sorted((s["seconds"], s["learner"]) for s in data["submissions"])
            full = sum(s["points"] == s["max_points"] for s in data["submissions"])
            print(f"{'sandbox   ' if sandbox else 'no sandbox'}: {len(plan)} submissions with --jobs {args.jobs} in "
                  f"{elapsed:6.1f} s ({elapsed / len(plan):.2f} s each); {full} with full points; median "
                  f"{seconds[len(seconds) // 2][0]:.1f} s, slowest {seconds[-1][0]:.1f} s; load average "
                  f"{load:.2f} on {os.cpu_count()} cores before")
        mean = {sandbox: sum(times) / len(times) for sandbox, times in results.items()}
        print(f"mean: sandbox {mean[True]:.1f} s, no sandbox {mean[False]:.1f} s; the sandbox costs "
              f"{100 * (mean[True] / mean[False] - 1):+.0f} % over no sandbox")
        kinds = {}
        for kind in plan:
            kinds[kind] = kinds.get(kind, 0) + 1
        print("submissions: " + ", ".join(f"{n} {k}" for k, n in kinds.items()))
        print(f"(--cell-timeout {args.cell_timeout:g}, --exercise-timeout {args.exercise_timeout:g})")


if __name__ == "__main__":
    main()
