"""The grader's supervisor: a grading killed halfway resumes without grading anything twice;
shards of a class split it deterministically and merge back into one gradebook; the seed of a
run is secret, recorded and reusable."""
import csv
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import nbformat
import pytest

from mlp_lib.grading import batch, main

from sandbox_support import SANDBOX

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXERCISE_01 = ROOT / "exercises" / "01_weights_and_biases.ipynb"
SET_01 = ["neuron_output", "neuron_output_batch", "logic_gates"]


def grade(*args, cwd=None, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "mlp_lib.grading", *map(str, args)], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def journal(out):
    return [json.loads(line) for line in (out / "journal.jsonl").read_text().splitlines() if line.strip()]


def test_a_killed_grading_resumes_and_grades_nothing_twice(tmp_path):
    if SANDBOX is None:
        pytest.skip("no sandbox on this machine")
    folder, out = tmp_path / "class", tmp_path / "out"
    folder.mkdir()
    for name in ("ann", "ben", "cal", "dee"):
        nbformat.write(nbformat.read(EXERCISE_01, as_version=4), folder / f"{name}.ipynb")
    first = grade(folder, "--out", out, "--jobs", "1", start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline:
        if (out / "gradebook.csv").exists() and len(journal(out)) >= 2:   # the run header and one submission
            break
        time.sleep(0.2)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    landed = [e["key"] for e in journal(out) if "key" in e]
    assert 1 <= len(landed) < 4
    rows = list(csv.DictReader(open(out / "gradebook.csv", encoding="utf-8")))
    # the gradebook is rebuilt from the journal after each submission: it holds what landed, never a
    # half-written row (a kill between the journal line and the rebuild leaves the last one to the resume)
    assert set() < {r["learner"] for r in rows} <= {k.removesuffix(".ipynb") for k in landed}
    second = grade(folder, "--out", out, "--jobs", "2")
    stdout, stderr = second.communicate(timeout=600)
    assert second.returncode == 0, stderr
    assert f"({len(landed)} already graded in this folder)" in stdout
    keys = [e["key"] for e in journal(out) if "key" in e]
    assert sorted(keys) == ["ann.ipynb", "ben.ipynb", "cal.ipynb", "dee.ipynb"]        # each once
    seeds = {e["seed"] for e in journal(out) if "key" in e}
    assert len(seeds) == 1 and seeds == {journal(out)[0]["run"]["seed"]}               # one grading, one seed
    rows = list(csv.DictReader(open(out / "gradebook.csv", encoding="utf-8")))
    assert len(rows) == 4 * len(SET_01)
    assert all(r["status"] == "not_implemented" for r in rows)


def test_resuming_with_another_seed_is_refused(tmp_path, capsys):
    folder, out = tmp_path / "class", tmp_path / "out"
    folder.mkdir()
    (folder / "x.ipynb").write_text("not json")
    assert main([str(folder), "--out", str(out), "--seed", "5", "--no-sandbox"]) == 0
    assert main([str(folder), "--out", str(out), "--seed", "6", "--no-sandbox"]) == 2
    assert "--seed 5" in capsys.readouterr().err


def test_shards_split_a_class_and_merge_back(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    names = [f"learner{i:02d}" for i in range(12)]
    for name in names:              # unreadable notebooks: graded without a kernel, so the test is fast
        (folder / f"{name}.ipynb").write_text(f"broken {name}")
    outs = []
    for k in (1, 2, 3):
        out = tmp_path / f"shard{k}"
        assert main([str(folder), "--out", str(out), "--shard", f"{k}/3", "--set", "01_weights_and_biases",
                     "--seed", "11", "--no-sandbox", "--progress", "off"]) == 0
        outs.append(out)
    slices = [{e["key"] for e in journal(out) if "key" in e} for out in outs]
    assert set().union(*slices) == {f"{n}.ipynb" for n in names}
    assert sum(map(len, slices)) == len(names)                      # disjoint
    again = batch.shard(batch.find_submissions(folder), 2, 3)       # the same slice on another machine
    assert {s.key for s in again} == slices[1]
    merged = tmp_path / "merged"
    assert main(["merge", *map(str, outs), "--out", str(merged)]) == 0
    rows = list(csv.DictReader(open(merged / "gradebook.csv", encoding="utf-8")))
    assert len(rows) == len(names) * len(SET_01)
    assert {r["learner"] for r in rows} == set(names)
    assert all(r["status"] == "invalid" and "JSON is broken" in r["reason"] for r in rows)
    assert sorted(p.stem for p in (merged / "feedback").glob("*.md")) == names
    header = journal(merged)[0]["run"]
    assert [run["shard"] for run in header["merged"]] == ["1/3", "2/3", "3/3"]


@pytest.mark.parametrize("text", ["0/3", "4/3", "a/b", "3"])
def test_a_bad_shard_is_a_usage_error(tmp_path, capsys, text):
    (tmp_path / "x.ipynb").write_text("{}")
    assert main([str(tmp_path), "--shard", text, "--no-sandbox"]) == 2
    assert "--shard" in capsys.readouterr().err


def test_the_seed_is_fresh_secret_and_recorded(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "x.ipynb").write_text("not json")
    seeds = []
    for run in range(2):
        out = tmp_path / f"out{run}"
        assert main([str(folder), "--out", str(out), "--no-sandbox", "--progress", "off"]) == 0
        data = json.loads((out / "gradebook.json").read_text())
        seeds.append(data["run"]["seed"])
        assert data["submissions"][0]["seed"] == data["run"]["seed"]
        assert data["run"]["sandbox"] is False
    assert seeds[0] != seeds[1] and all(s.bit_length() > 40 for s in seeds)
    source = "\n".join(p.read_text() for p in (ROOT / "mlp_lib").rglob("*.py"))
    assert str(seeds[0]) not in source and "20231" not in source


def test_merge_of_a_folder_without_a_journal_is_a_usage_error(tmp_path, capsys):
    assert main(["merge", str(tmp_path), "--out", str(tmp_path / "m")]) == 2
    assert "journal" in capsys.readouterr().err


def test_a_deep_temporary_folder_still_leaves_room_for_the_kernels_sockets(tmp_path):
    """A Unix socket's path holds 107 bytes: with TMPDIR nested deeply the grader works elsewhere."""
    if SANDBOX is None:
        pytest.skip("no sandbox on this machine")
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    folder, out = tmp_path / "class", tmp_path / "out"
    folder.mkdir()
    nbformat.write(nbformat.read(EXERCISE_01, as_version=4), folder / "ann.ipynb")
    proc = grade(folder, "--out", out, env={**os.environ, "TMPDIR": str(deep)})
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr
    rows = list(csv.DictReader(open(out / "gradebook.csv", encoding="utf-8")))
    assert [r["status"] for r in rows] == ["not_implemented"] * len(SET_01), [r["reason"] for r in rows]
    assert list(deep.iterdir()) == []
