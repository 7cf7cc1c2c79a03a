"""How long the grader takes for a class: 20 submissions of the backpropagation exercises.

    .venv/bin/python benchmarks/grading_time.py [--submissions 20] [--jobs 2] [--cell-timeout 20]

The submissions are made from solutions/03_backpropagation.ipynb: most are right, some
carry a typical mistake, one is the untouched exercise notebook, one hangs in a function
(which costs a cell timeout, since a later cell of the notebook calls it, and one exercise
budget per exercise that uses it), one crashes its kernel. They are graded with the same
command a teacher runs (``python -m mlp_lib.grading FOLDER --jobs N``), in a subprocess,
and the script prints the wall time, the time per submission, the load average (other
work on the machine slows everything alike) and the first lines of the gradebook.

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


def make_submissions(folder, count):
    plan = ["untouched"] + list(VARIANTS) + ["right"] * max(0, count - 1 - len(VARIANTS))
    for i, kind in enumerate(plan[:count]):
        if kind == "untouched":
            nb = nbformat.read(EXERCISE, as_version=4)
        else:
            nb = nbformat.read(SOLUTION, as_version=4)
            for cell in nb.cells:
                name = cell.metadata.get("mlp_course", {}).get("exercise")
                if name in VARIANTS.get(kind, {}):
                    cell.source = VARIANTS[kind][name]
        nbformat.write(nb, folder / f"learner{i + 1:02d}.ipynb")
    return plan[:count]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--exercise-timeout", type=float, default=10.0)
    parser.add_argument("--cell-timeout", type=float, default=20.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mlp-grading-bench-") as tmp:
        folder = pathlib.Path(tmp) / "submissions"
        folder.mkdir()
        plan = make_submissions(folder, args.submissions)
        out = pathlib.Path(tmp) / "gradebook"
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "mlp_lib.grading", str(folder), "--out", str(out),
                               "--jobs", str(args.jobs), "--exercise-timeout", str(args.exercise_timeout),
                               "--cell-timeout", str(args.cell_timeout),
                               "--progress", "off"], capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        print(proc.stdout)
        if proc.returncode:
            print(proc.stderr, file=sys.stderr)
        kinds = {}
        for kind in plan:
            kinds[kind] = kinds.get(kind, 0) + 1
        print("submissions: " + ", ".join(f"{n} {k}" for k, n in kinds.items()))
        print(f"graded {len(plan)} submissions with --jobs {args.jobs} in {elapsed:.1f} s "
              f"({elapsed / len(plan):.1f} s per submission); load average {os.getloadavg()[0]:.2f} "
              f"on {os.cpu_count()} cores")
        data = json.loads((out / "gradebook.json").read_text())
        seconds = sorted((s["seconds"], s["learner"]) for s in data["submissions"])
        print(f"per submission: median {seconds[len(seconds) // 2][0]:.1f} s; slowest: "
              + ", ".join(f"{name} {sec:.1f} s ({plan[int(name[-2:]) - 1]})" for sec, name in seconds[::-1][:3]))
        print(f"(--cell-timeout {args.cell_timeout:g}, --exercise-timeout {args.exercise_timeout:g})")
        print("\nfirst lines of gradebook.csv:")
        lines = (out / "gradebook.csv").read_text().splitlines()
        print("\n".join(lines[:14]))


if __name__ == "__main__":
    main()
