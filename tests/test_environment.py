"""The two environment descriptions agree, the installed packages meet them, and the core
imports without matplotlib or ipywidgets.

pyproject.toml (pip) and environment.yml (conda) must name the same packages with the same
version bounds: the dependencies plus the ``test`` extra on one side, the conda dependencies
plus the ``pip:`` section on the other (python, pip and ``-e .`` aside). Neither tomli nor
PyYAML is a dependency, so both files are read with the small parsers below.
"""
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOT_PACKAGES = {"python", "pip", "-e ."}


# -- reading the files ----------------------------------------------------------------

def toml_string_arrays(text):
    """{key: [strings]} for every ``key = [ "...", ... ]`` array of strings in TOML text, with the
    table it sits in as prefix ("project.dependencies", "project.optional-dependencies.test")."""
    try:
        import tomllib
    except ImportError:                           # Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            tomllib = None
    if tomllib is not None:
        found = {}

        def walk(table, prefix):
            for key, value in table.items():
                if isinstance(value, dict):
                    walk(value, f"{prefix}{key}.")
                elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                    found[prefix + key] = value
        walk(tomllib.loads(text), "")
        return found
    return _tiny_toml_string_arrays(text)


def _tiny_toml_string_arrays(text):
    """Fallback reader of ``key = [ "...", ... ]`` arrays (all this test needs from TOML)."""
    found, table = {}, ""
    for match in re.finditer(r'^\[([^\]\n]+)\]\s*$|^([\w.-]+)\s*=\s*\[(.*?)\]\s*(?:#[^\n]*)?$', text, re.M | re.S):
        if match.group(1):
            table = match.group(1).strip() + "."
        else:
            body = re.sub(r"#[^\n]*", "", match.group(3))
            found[table + match.group(2)] = re.findall(r'"([^"]*)"', body)
    return found


def environment_yml_dependencies(text):
    """(conda dependencies, pip dependencies) listed in an environment.yml, as strings."""
    conda, pip, in_dependencies, pip_indent = [], [], False, None
    for raw in text.splitlines():
        line = raw.split(" #")[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        if indent == 0:
            in_dependencies = line.startswith("dependencies:")
            continue
        if not in_dependencies or not line.lstrip().startswith("- "):
            continue
        item = line.lstrip()[2:].strip().strip("'\"")
        if pip_indent is not None and indent > pip_indent:
            pip.append(item)
            continue
        pip_indent = None
        if item == "pip:":
            pip_indent = indent
        else:
            conda.append(item)
    return conda, pip


# -- comparing ------------------------------------------------------------------------

def requirement(spec):
    """'scikit-learn >= 1.2' -> ('scikit-learn', '>=1.2'): normalized name and version bounds."""
    match = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*?)\s*", spec)
    if not match:
        raise ValueError(f"cannot read the requirement {spec!r}")
    name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
    bounds = ",".join(sorted(part.replace(" ", "") for part in match.group(3).split(",") if part.strip()))
    return name, bounds


def requirements(specs):
    return dict(requirement(s) for s in specs if s.strip() not in NOT_PACKAGES
                and requirement(s)[0] not in NOT_PACKAGES)


def compare_requirements(pip_specs, conda_specs):
    """List every disagreement between two lists of requirements (empty when they agree)."""
    a, b = requirements(pip_specs), requirements(conda_specs)
    problems = [f"{name} is in pyproject.toml but not in environment.yml" for name in sorted(a.keys() - b.keys())]
    problems += [f"{name} is in environment.yml but not in pyproject.toml" for name in sorted(b.keys() - a.keys())]
    problems += [f"{name}: pyproject.toml says {a[name] or 'any version'!r}, environment.yml says "
                 f"{b[name] or 'any version'!r}" for name in sorted(a.keys() & b.keys()) if a[name] != b[name]]
    return problems


def declared():
    """(pip requirement strings, conda requirement strings) of the project."""
    arrays = toml_string_arrays((ROOT / "pyproject.toml").read_text())
    pip_side = arrays["project.dependencies"] + arrays["project.optional-dependencies.test"]
    conda, pip = environment_yml_dependencies((ROOT / "environment.yml").read_text())
    return pip_side, conda + pip


# -- the tests --------------------------------------------------------------------------

def test_pyproject_and_environment_yml_agree():
    pip_side, conda_side = declared()
    assert len(requirements(pip_side)) >= 6
    problems = compare_requirements(pip_side, conda_side)
    assert not problems, "pyproject.toml and environment.yml disagree:\n" + "\n".join(problems)



def test_binder_installs_the_course_after_the_environment():
    """repo2docker builds environment.yml before the sources are in place, so a local path in its
    pip section breaks the Binder build; postBuild installs the package once they are there."""
    conda, pip = environment_yml_dependencies((ROOT / "environment.yml").read_text())
    local = [entry for entry in conda + pip if entry.startswith(("-e", ".", "/")) or "file:" in entry]
    assert not local, f"environment.yml installs local paths, which break a Binder build: {local}"
    post_build = ROOT / "postBuild"
    assert post_build.stat().st_mode & 0o111, "postBuild must be executable"
    assert "pip install --no-deps -e ." in post_build.read_text()

def test_comparison_finds_each_kind_of_disagreement():
    pip_side = ["numpy>=1.23", "matplotlib>=3.6", "pytest>=7.0", "scikit_learn >= 1.2"]
    conda_side = ["python=3.11", "numpy>=1.24", "pytest>=7.0", "ipywidgets>=8.0", "scikit-learn>=1.2", "pip",
                  "-e ."]
    assert compare_requirements(pip_side, conda_side) == [
        "matplotlib is in pyproject.toml but not in environment.yml",
        "ipywidgets is in environment.yml but not in pyproject.toml",
        "numpy: pyproject.toml says '>=1.23', environment.yml says '>=1.24'",
    ]
    assert compare_requirements(["a>=1,<2"], ["A < 2, >= 1"]) == []
    assert compare_requirements(["a"], ["a>=1"]) == ["a: pyproject.toml says 'any version', environment.yml says '>=1'"]


def test_environment_yml_reader():
    text = """# a comment
name: demo
channels:
  - conda-forge
dependencies:
  - python=3.11
  - numpy>=1.23  # inline comment
  - pip
  - pip:
      - playwright>=1.40
      - -e .
  - nbval>=0.11
other:
  - not-a-dependency
"""
    assert environment_yml_dependencies(text) == (["python=3.11", "numpy>=1.23", "pip", "nbval>=0.11"],
                                                 ["playwright>=1.40", "-e ."])


def test_tiny_toml_reader_agrees_with_the_real_one():
    text = (ROOT / "pyproject.toml").read_text()
    tiny = _tiny_toml_string_arrays(text)
    for key in ("project.dependencies", "project.optional-dependencies.test"):
        assert tiny[key] == toml_string_arrays(text)[key]


def test_environment_python_meets_requires_python():
    conda, _ = environment_yml_dependencies((ROOT / "environment.yml").read_text())
    python = [c for c in conda if c.startswith("python")]
    assert len(python) == 1, f"environment.yml should pin one python version, got {python}"
    version = tuple(int(p) for p in re.findall(r"\d+", python[0])[:2])
    text = (ROOT / "pyproject.toml").read_text()
    minimum = tuple(int(p) for p in re.search(r'requires-python\s*=\s*">=\s*(\d+)\.(\d+)"', text).groups())
    assert version >= minimum


def _version_tuple(text):
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])


@pytest.mark.parametrize("spec", declared()[0])
def test_installed_versions_meet_the_lower_bounds(spec):
    name, bounds = requirement(spec)
    try:
        installed = metadata.version(name)
    except metadata.PackageNotFoundError:
        pytest.skip(f"{name} is not installed here")
    for bound in bounds.split(","):
        if bound.startswith(">="):
            assert _version_tuple(installed) >= _version_tuple(bound), f"{name} {installed} does not meet {bound}"


BLOCK_AND_IMPORT = """
import sys
for name in ("matplotlib", "ipywidgets", "sklearn", "torch"):
    sys.modules[name] = None           # any import of these now raises ImportError
import mlp_lib
from mlp_lib import MLP, make_moons, train
X, y = make_moons(40, seed=0)
history = train(MLP([2, 4, 2]), X, y, epochs=2)
assert len(history.loss) == 2
try:
    import mlp_lib.plots
except ImportError:
    print("plots blocked")
"""


def test_core_imports_without_matplotlib_or_ipywidgets():
    result = subprocess.run([sys.executable, "-c", BLOCK_AND_IMPORT], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "plots blocked" in result.stdout      # the blocking works, so the import above really went without
