"""Do the lowest versions that pyproject.toml allows still run the course?

    python tools/check_lower_bounds.py [--python python3.10] [--venv DIR] [--extras lab,grade]

Reads every ``name>=X`` of the core and of the chosen extras, makes a fresh virtual
environment with the oldest Python that ``requires-python`` allows, installs the package
(as a wheel, not editable, so its package data is tried too) with each of those
requirements pinned to ``name==X`` (everything else pip resolves as usual), then, from a
folder outside the repository:

1. executes lessons 03 (the widgets, the plots) and 08 (real digits, Pillow, scikit-learn's
   classifiers) with nbclient: every cell must run without an error;
2. grades ``solutions/03_backpropagation.ipynb`` (every exercise full marks) and
   ``exercises/03_backpropagation.ipynb`` (every exercise zero) with the course's grader.

Exits 0 when all of that holds, 1 otherwise. It needs the package registry; on a 2-core
machine whose pip cache already held the packages it took 117 s (77 s of them pip's install),
longer with downloads and when the machine is busy: too long for every CI run, so run it
after changing a lower bound or before a release.
``--venv DIR`` keeps the environment for a second look.
"""
import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LESSONS = [ROOT / "notebooks" / name for name in ("03_backpropagation.ipynb", "08_capstone_digits.ipynb")]
SOLUTION = ROOT / "solutions" / "03_backpropagation.ipynb"
EXERCISE = ROOT / "exercises" / "03_backpropagation.ipynb"


def read_pyproject():
    try:
        import tomllib
    except ImportError:                       # Python 3.10
        import tomli as tomllib
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def lowest_pins(project, extras):
    """{normalized name: "name==X"} for the core's and the extras' requirements.

    Every requirement must state a lower bound (``>=``), and one package must have the
    same lower bound wherever it is listed; otherwise ValueError."""
    specs = list(project.get("dependencies", []))
    optional = project.get("optional-dependencies", {})
    for extra in extras:
        if extra not in optional:
            raise ValueError(f"pyproject.toml has no extra {extra!r}; it has {sorted(optional)}")
        specs += optional[extra]
    pins, seen = {}, {}
    for spec in specs:
        match = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*?)\s*(;.*)?", spec)
        name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
        if name == "mlp-lib":                 # an extra that names other extras
            continue
        low = re.search(r">=\s*([0-9][^,\s]*)", match.group(3) or "")
        if low is None:
            raise ValueError(f"{spec!r} states no lower bound (>=); the lowest version cannot be tried")
        if name in seen and seen[name] != low.group(1):
            raise ValueError(f"{name} has two lower bounds: {seen[name]} and {low.group(1)}")
        seen[name] = low.group(1)
        pins[name] = f"{match.group(1)}=={low.group(1)}"
    return pins


def oldest_python(project, given):
    """The interpreter to use: ``given``, else python3.X for requires-python's >=3.X on PATH or pyenv."""
    if given:
        return given
    minimum = re.search(r">=\s*(\d+\.\d+)", project["requires-python"]).group(1)
    candidates = [shutil.which(f"python{minimum}")]
    candidates += sorted(str(p) for p in Path.home().glob(f".pyenv/versions/{minimum}.*/bin/python{minimum}"))
    for candidate in candidates:               # a pyenv shim exists but may refuse to run
        if candidate and subprocess.run([candidate, "-c", ""], capture_output=True).returncode == 0:
            return candidate
    raise SystemExit(f"no Python {minimum} found (on PATH or under ~/.pyenv); pass --python")


DRIVER = textwrap.dedent("""
    import json, sys
    from importlib import metadata
    import nbformat
    from nbclient import NotebookClient
    pins, lessons = json.loads(sys.argv[1]), sys.argv[2:]
    def release(version):                     # "9.1" and "9.1.0" are one release
        parts = [int(p) for p in version.split(".")]
        while parts and parts[-1] == 0:
            parts.pop()
        return parts
    wrong = [f"{p} but {metadata.version(p.split('==')[0])} is installed" for p in pins
             if release(metadata.version(p.split("==")[0])) != release(p.split("==")[1])]
    if wrong:
        sys.exit("not the lowest versions: " + "; ".join(wrong))
    import mlp_lib
    print(f"python {sys.version.split()[0]}, mlp_lib from {mlp_lib.__file__}")
    print("installed: " + ", ".join(pins))
    for lesson in lessons:
        nb = nbformat.read(lesson, as_version=4)
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(__import__("pathlib").Path(lesson).parent)}}).execute()
        print(f"executed {lesson.rsplit('/', 1)[-1]}: {sum(c.cell_type == 'code' for c in nb.cells)} code cells, "
              f"no error", flush=True)
""")


def run(command, **kwargs):
    shown = ["<driver>" if c == DRIVER else str(c) for c in command]
    print("$ " + " ".join(shown), flush=True)
    return subprocess.run([str(c) for c in command], check=True, **kwargs)


def grade(python, notebook, out, cwd):
    """Grade one notebook -> {exercise: (points, max_points)}."""
    run([python, "-m", "mlp_lib.grading", notebook, "--out", out, "--progress", "off"], cwd=cwd,
        stdout=subprocess.DEVNULL)
    rows = json.loads((out / "gradebook.json").read_text())["rows"]
    return {row["exercise"]: (row["points"], row["max_points"]) for row in rows}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", help="the interpreter of the environment (default: the oldest allowed)")
    parser.add_argument("--venv", type=Path, help="create the environment here and keep it (default: a temporary one)")
    parser.add_argument("--extras", default="lab,grade", help="extras whose lower bounds are tried (default lab,grade)")
    args = parser.parse_args(argv)
    project = read_pyproject()["project"]
    pins = lowest_pins(project, [e for e in args.extras.split(",") if e])
    python = oldest_python(project, args.python)
    work = Path(tempfile.mkdtemp(prefix="lower-bounds-"))
    venv = args.venv or work / "venv"
    started = time.monotonic()
    failures = []
    try:
        run([python, "-m", "venv", "--clear", venv])
        vpython = venv / "bin" / "python"
        run([vpython, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
        run([vpython, "-m", "pip", "install", "--quiet", f"{ROOT}[{args.extras}]", *pins.values()])
        installed = time.monotonic()
        print(f"installed in {installed - started:.0f} s", flush=True)
        run([vpython, "-c", DRIVER, json.dumps(sorted(pins.values())), *LESSONS], cwd=work)
        for notebook, full in ((SOLUTION, True), (EXERCISE, False)):
            scores = grade(vpython, notebook, work / f"grades-{notebook.parent.name}", work)
            wrong = {name: p for name, p in scores.items() if (p[0] == p[1]) != full or (not full and p[0] != 0)}
            print(f"graded {notebook.parent.name}/{notebook.name}: "
                  + ", ".join(f"{name} {p[0]:g}/{p[1]:g}" for name, p in scores.items()))
            if not scores or wrong:
                failures.append(f"{notebook.parent.name}/{notebook.name} should score "
                                f"{'full marks' if full else 'zero'} on every exercise: {wrong or 'no rows'}")
    except subprocess.CalledProcessError as exc:
        failures.append(f"command failed with status {exc.returncode}: {' '.join(map(str, exc.cmd))[:300]}")
    finally:
        if args.venv is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"total {time.monotonic() - started:.0f} s")
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    if not failures:
        print("the lowest allowed versions run lessons 03 and 08 and the grader")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
