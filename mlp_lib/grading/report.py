"""The class report: for each exercise, how many learners made each diagnosed mistake.

A teacher reads it before the next class: "a third of the class transposed dW" is one bar.
It is made from the gradebook's rows (learner, exercise_set, exercise, status, diagnosis),
as a table (CSV and Markdown), a bar chart (PNG) and an HTML page holding both.

    python -m mlp_lib.grading.report GRADEBOOK.json --out DIR
"""
import argparse
import base64
import csv
import html
import json
import os
import sys
from collections import Counter, OrderedDict

from ..checks.status import Status

REQUIRED = ("learner", "exercise_set", "exercise", "status", "diagnosis")


def mistake_counts(rows):
    """{(exercise_set, exercise): {"learners": n, "passed": n, "mistakes": Counter(diagnosis -> learners)}}
    in the order the exercises first appear. A learner counts once per diagnosis and exercise."""
    table = OrderedDict()
    seen = set()
    for i, row in enumerate(rows):
        missing = [k for k in REQUIRED if k not in row]
        if missing:
            raise ValueError(f"row {i} of the gradebook lacks {', '.join(missing)}; each row needs "
                             f"{', '.join(REQUIRED)}")
        key = (str(row["exercise_set"]), str(row["exercise"]))
        entry = table.setdefault(key, {"learners": 0, "passed": 0, "mistakes": Counter()})
        learner = (key, str(row["learner"]))
        if learner in seen:
            continue
        seen.add(learner)
        entry["learners"] += 1
        if row["status"] == Status.PASSED:
            entry["passed"] += 1
        else:
            entry["mistakes"][row["diagnosis"] or f"status/{row['status']}"] += 1
    return table


def _table_rows(table):
    for (set_name, exercise), entry in table.items():
        for diagnosis, count in entry["mistakes"].most_common():
            yield {"exercise_set": set_name, "exercise": exercise, "diagnosis": diagnosis, "learners": count,
                   "of": entry["learners"], "share": count / entry["learners"] if entry["learners"] else 0.0}


def _write_csv(table, path):
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["exercise_set", "exercise", "diagnosis", "learners", "of", "share"])
        writer.writeheader()
        for row in _table_rows(table):
            writer.writerow({**row, "share": f"{row['share']:.3f}"})


def _markdown(table):
    lines = ["| exercise | mistake | learners | share |", "|---|---|---:|---:|"]
    for row in _table_rows(table):
        lines.append(f"| {row['exercise_set']}: {row['exercise']} | {row['diagnosis']} | "
                     f"{row['learners']} of {row['of']} | {row['share']:.0%} |")
    for (set_name, exercise), entry in table.items():
        if not entry["mistakes"]:
            lines.append(f"| {set_name}: {exercise} | (no mistakes) | 0 of {entry['learners']} | 0% |")
    return "\n".join(lines) + "\n"


def _chart(table, path):
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    bars = [(f"{r['exercise']}: {r['diagnosis'].split('/', 1)[-1]}", r["share"], r["learners"], r["of"])
            for r in _table_rows(table)]
    height = max(2.0, 0.35 * len(bars) + 1.0)
    fig, ax = plt.subplots(figsize=(9, height))
    if bars:
        labels, shares, counts, totals = zip(*bars)
        positions = range(len(bars))[::-1]
        ax.barh(list(positions), [100 * s for s in shares], color="#c0504d")
        ax.set_yticks(list(positions))
        ax.set_yticklabels(labels, fontsize=8)
        for y, share, n, of in zip(positions, shares, counts, totals):
            ax.text(100 * share + 1, y, f"{n} of {of}", va="center", fontsize=8)
        ax.set_xlim(0, 110)
    else:
        ax.text(0.5, 0.5, "no mistakes in this gradebook", ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
    ax.set_xlabel("learners who made the mistake (%)")
    ax.set_title("Mistakes per exercise")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _html(table, png_path):
    with open(png_path, "rb") as f:
        image = base64.b64encode(f.read()).decode("ascii")
    rows = []
    for row in _table_rows(table):
        rows.append(f"<tr><td>{html.escape(row['exercise_set'])}</td><td>{html.escape(row['exercise'])}</td>"
                    f"<td><code>{html.escape(row['diagnosis'])}</code></td>"
                    f"<td>{row['learners']} of {row['of']}</td><td>{row['share']:.0%}</td></tr>")
    clean = [f"<li>{html.escape(s)}: {html.escape(e)} ({v['passed']} of {v['learners']} passed)</li>"
             for (s, e), v in table.items() if not v["mistakes"]]
    return ("<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>Class report</title>"
            "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:4px 8px}th{background:#eee}</style></head><body>"
            "<h1>Class report: mistakes per exercise</h1>"
            "<table><tr><th>exercise set</th><th>exercise</th><th>mistake</th><th>learners</th><th>share</th></tr>"
            + "".join(rows) + "</table>"
            + (f"<h2>Exercises without mistakes</h2><ul>{''.join(clean)}</ul>" if clean else "")
            + f"<h2>Chart</h2><img alt='mistakes per exercise' src='data:image/png;base64,{image}'>"
            "</body></html>\n")


def write_class_report(rows, out_dir):
    """Write the class report of gradebook rows into ``out_dir``.

    rows: dicts with at least learner, exercise_set, exercise, status, diagnosis
    -> {"html": path, "png": path, "csv": path, "md": path}."""
    rows = list(rows)
    table = mistake_counts(rows)
    os.makedirs(out_dir, exist_ok=True)
    paths = {kind: os.path.join(out_dir, f"class_report.{kind}") for kind in ("html", "png", "csv", "md")}
    _write_csv(table, paths["csv"])
    with open(paths["md"], "w") as f:
        f.write(_markdown(table))
    _chart(table, paths["png"])
    with open(paths["html"], "w") as f:
        f.write(_html(table, paths["png"]))
    return paths


def read_rows(path):
    """The rows of a gradebook.json ({"rows": [...]} or a list of rows)."""
    with open(path) as f:
        data = json.load(f)
    rows = data.get("rows") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise ValueError(f"{path} holds no gradebook rows: expected a list under \"rows\"")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m mlp_lib.grading.report",
                                     description="Write a class report of the diagnosed mistakes in a gradebook.")
    parser.add_argument("gradebook", help="the gradebook.json written by the grader")
    parser.add_argument("--out", default="class_report", help="the folder to write into (default: class_report)")
    args = parser.parse_args(argv)
    try:
        paths = write_class_report(read_rows(args.gradebook), args.out)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for kind, path in paths.items():
        print(f"{kind}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
