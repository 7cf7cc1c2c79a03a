"""Can the capstone's held-out digits be looked up? The course's pipeline against lookup cheats.

    .venv/bin/python benchmarks/capstone_lookup.py [--seeds 5] [--clean-trained] [--augmented K]

For each secret seed the grader's data are drawn exactly as the grader draws them
(``DIGITS_PIPELINE.grading_cases(np.random.default_rng([seed, 2]))``: the development
digits as training data and the held-out digits as test data, both perturbed by
``mlp_lib.grading.held_out.perturb_digits``), and the accuracy on the perturbed test digits
is measured for

  (a) solution         the course's own ``digits_pipeline`` (solutions/08_capstone_digits.ipynb,
                       its solution cells executed here), trained on the grader's training data
  (a') clean-trained   (only with --clean-trained) the same pipeline trained on the unperturbed
                       development digits: what perturbing only the test set would do
  (b) 1-NN public      the cheat: nearest neighbour of each test image among all 1,797
                       public digits with their labels (the held-out originals included)
  (c) exact match      the cheat: the label of an identical public image (no match: wrong)
  (e) 1-NN shifted     a smarter cheat: (b) against the public digits and all their shifts
                       by one cell (9 copies of each)
  (f) 1-NN perturbed   (only with --augmented K) the cheat that runs the grader's own
                       perturbation K times over the public digits (seeds of its own)
  honest 1-NN          nearest neighbour among the grader's (perturbed) training digits only

and, once, (d) the solution on the unperturbed held-out digits (today's grading). The last
column is the share of the pipeline's points (a) earns at the current thresholds. The claim
to check: (b), (c) and (e) are never above (a), and (a) stays near (d).

This is a benchmark, not a test: nothing here fails; read the numbers.
"""
import argparse
import contextlib
import io
import json
import pathlib
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mlp_lib import load_digits  # noqa: E402
from mlp_lib.checks.lesson08 import (DIGITS_PIPELINE, HELD_OUT_FULL_MARKS_FROM as FULL_MARKS_FROM,  # noqa: E402
                                     HELD_OUT_NO_MARKS_BELOW as NO_MARKS_BELOW, _partition)
from mlp_lib.grading.held_out import perturb_digits  # noqa: E402

SOLUTION = ROOT / "solutions" / "08_capstone_digits.ipynb"
EXERCISE_NUMBER = 2     # digits_pipeline is the set's third exercise: the grader's rng is [seed, 2]


def solution_pipeline(path=SOLUTION):
    """The notebook's ``digits_pipeline`` with the learner's pieces it builds on: the first code
    cell (imports, magics dropped) and every cell holding a solution block, executed here."""
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    sources = ["".join(c["source"]) for c in cells]
    chosen = [sources[0]] + [s for s in sources[1:] if "### BEGIN SOLUTION" in s]
    namespace = {}
    for source in chosen:
        code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
        with contextlib.redirect_stdout(io.StringIO()):          # the notebook's own prints
            exec(compile(code, str(path), "exec"), namespace)
    return namespace["digits_pipeline"]


def nearest_labels(X_ref, y_ref, X, chunk=64):
    """1-nearest neighbour (Euclidean) of every row of X among X_ref: -> labels (M,)."""
    ref_sq = (X_ref ** 2).sum(axis=1)
    out = np.empty(len(X), dtype=y_ref.dtype)
    for i in range(0, len(X), chunk):
        d = ref_sq[None, :] - 2 * X[i:i + chunk] @ X_ref.T
        out[i:i + chunk] = y_ref[np.argmin(d, axis=1)]
    return out


def exact_labels(X_ref, y_ref, X):
    """The label of an identical image of X_ref, or -1 where there is none."""
    table = {row.tobytes(): label for row, label in zip(X_ref, y_ref)}
    return np.array([table.get(row.tobytes(), -1) for row in X])


def shifted(X, y):
    """X (N, 64) and all its shifts by one cell (blank cells enter): -> (9N, 64), (9N,)."""
    images = X.reshape(-1, 8, 8)
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    copies = [padded[:, 1 + dr:9 + dr, 1 + dc:9 + dc].reshape(len(X), 64)
              for dr in (-1, 0, 1) for dc in (-1, 0, 1)]
    return np.vstack(copies), np.tile(y, 9)


def points(acc):
    return float(np.clip((acc - NO_MARKS_BELOW) / (FULL_MARKS_FROM - NO_MARKS_BELOW), 0, 1))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="number of secret seeds (default 5)")
    parser.add_argument("--first-seed", type=int, default=20261202)
    parser.add_argument("--clean-trained", action="store_true",
                        help="also train the solution on the unperturbed development digits (a')")
    parser.add_argument("--augmented", type=int, default=0, metavar="K",
                        help="also run cheat (f) with K perturbed copies of the public digits")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    pipeline = solution_pipeline()
    X_pub, y_pub = load_digits()
    X_dev, y_dev, X_held, y_held = _partition()
    X_shift, y_shift = shifted(X_pub, y_pub)
    if args.augmented:
        aug_rng = np.random.default_rng(12345)
        X_aug = np.vstack([X_pub] + [perturb_digits(X_pub, aug_rng) for _ in range(args.augmented)])
        y_aug = np.tile(y_pub, args.augmented + 1)

    acc = lambda labels, y: float(np.mean(labels == y))
    clean = acc(pipeline(X_dev, y_dev, X_held), y_held)
    print(f"(d) the solution on the unperturbed held-out digits: {clean:.1%} "
          f"(1-NN public {acc(nearest_labels(X_pub, y_pub, X_held), y_held):.1%}, "
          f"exact match {acc(exact_labels(X_pub, y_pub, X_held), y_held):.1%})")
    print(f"thresholds on the perturbed held-out digits: full points from {FULL_MARKS_FROM:.0%}, none below {NO_MARKS_BELOW:.0%}\n")

    columns = (["seed", "(a) solution"] + (["(a') clean-trained"] if args.clean_trained else [])
               + ["(b) 1-NN public", "(c) exact", "(e) 1-NN shifted"]
               + (["(f) 1-NN perturbed"] if args.augmented else []) + ["honest 1-NN", "(a) points"])
    print("  ".join(f"{c:>{max(len(c), 8)}}" for c in columns))
    rows = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        (case,) = DIGITS_PIPELINE.grading_cases(np.random.default_rng([seed, EXERCISE_NUMBER]))
        X_tr, y_tr, X_te = case.args
        y_te = case.private
        row = [acc(pipeline(X_tr, y_tr, X_te), y_te)]
        if args.clean_trained:
            row.append(acc(pipeline(X_dev, y_dev, X_te), y_te))
        row += [acc(nearest_labels(X_pub, y_pub, X_te), y_te),
               acc(exact_labels(X_pub, y_pub, X_te), y_te),
               acc(nearest_labels(X_shift, y_shift, X_te), y_te)]
        if args.augmented:
            row.append(acc(nearest_labels(X_aug, y_aug, X_te), y_te))
        row.append(acc(nearest_labels(X_tr, y_tr, X_te), y_te))
        rows.append(row)
        cells = [f"{seed:>8}"] + [f"{v:>{max(len(c), 8)}.1%}" for v, c in zip(row, columns[1:])]
        print("  ".join(cells + [f"{points(row[0]):>10.2f}"]), flush=True)
    rows = np.array(rows)
    print("  ".join([f"{'mean':>8}"] + [f"{v:>{max(len(c), 8)}.1%}" for v, c in zip(rows.mean(0), columns[1:])]
                    + [f"{np.mean([points(a) for a in rows[:, 0]]):>10.2f}"]))
    print("  ".join([f"{'min':>8}"] + [f"{v:>{max(len(c), 8)}.1%}" for v, c in zip(rows.min(0), columns[1:])]))
    first = 2 if args.clean_trained else 1
    cheats = list(range(first, first + 3 + bool(args.augmented)))
    beaten = int(np.sum(rows[:, cheats].max(axis=1) > rows[:, 0]))
    print(f"\nseeds on which a lookup cheat (b, c, e{', f' if args.augmented else ''}) beats the solution: "
          f"{beaten} of {len(rows)}")
    print(f"wall time {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
