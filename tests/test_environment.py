"""The two environment descriptions agree, the installed packages meet them, the core needs
NumPy only, and every optional part names the extra that installs what it needs.

pyproject.toml (pip) and environment.yml (conda) must name the same packages with the same
version bounds: the dependencies plus every extra on one side, the conda dependencies plus
the ``pip:`` section on the other (python, pip and ``-e .`` aside). Neither tomli nor PyYAML
is a dependency, so both files are read with the small parsers below.
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


def extras():
    """{extra: [requirement strings]} of pyproject.toml, without ``all`` (which names the others)."""
    arrays = toml_string_arrays((ROOT / "pyproject.toml").read_text())
    prefix = "project.optional-dependencies."
    return {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix) and k != prefix + "all"}


def declared():
    """(pip requirement strings, conda requirement strings) of the project."""
    arrays = toml_string_arrays((ROOT / "pyproject.toml").read_text())
    pip_side = arrays["project.dependencies"] + [spec for specs in extras().values() for spec in specs]
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
    pytest.importorskip("tomllib")
    text = (ROOT / "pyproject.toml").read_text()
    tiny = _tiny_toml_string_arrays(text)
    for key in ["project.dependencies"] + [f"project.optional-dependencies.{e}" for e in (*extras(), "all")]:
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


def test_the_core_needs_numpy_only():
    """``pip install mlp-lib`` brings NumPy and nothing else (JupyterLite's kernel, for one,
    cannot install JupyterLab's server packages)."""
    core = toml_string_arrays((ROOT / "pyproject.toml").read_text())["project.dependencies"]
    assert [requirement(spec)[0] for spec in core] == ["numpy"]


def test_extras_the_course_installs():
    """./course setup installs every extra, and ``all`` is every extra."""
    names = set(extras())
    assert {"lab", "grade", "test"} <= names
    installed = re.search(r'pip install --quiet -e "\.\[([^\]]*)\]"', (ROOT / "course").read_text())
    assert installed and set(installed.group(1).split(",")) == names, "./course setup must install every extra"
    everything = toml_string_arrays((ROOT / "pyproject.toml").read_text())["project.optional-dependencies.all"]
    assert everything == [f"mlp-lib[{','.join(sorted(names, key=['lab', 'grade', 'test'].index))}]"]


def test_a_package_has_one_bound_in_every_extra():
    seen = {}
    for extra, specs in extras().items():
        for spec in specs:
            name, bounds = requirement(spec)
            assert seen.setdefault(name, (extra, bounds))[1] == bounds, \
                f"{name}: {bounds!r} in [{extra}] but {seen[name][1]!r} in [{seen[name][0]}]"


def test_each_optional_package_is_in_the_extra_its_message_names():
    from mlp_lib._optional import PROVIDERS
    everything = extras()
    for module, (distribution, extra) in PROVIDERS.items():
        names = {requirement(spec)[0] for spec in everything[extra]}
        # jupyter-core comes with nbclient; every other one is listed by name
        assert distribution in names or (distribution, extra) == ("jupyter-core", "grade"), \
            f"the message for {module} names [{extra}], which does not list {distribution}"


# Every package outside the core, blocked: importing any of them now raises ImportError.
OPTIONAL = ("matplotlib", "ipywidgets", "PIL", "sklearn", "threadpoolctl", "nbclient", "nbformat",
            "jupyter_core", "jupyter_client", "ipykernel", "IPython", "scipy", "torch")

BLOCKED = f"""
import sys
for name in {OPTIONAL!r}:
    sys.modules[name] = None
"""

CORE_WORKS = BLOCKED + """
import importlib, pkgutil
import numpy, numpy.random
before = {m.split(".")[0] for m in sys.modules}     # the interpreter's and NumPy's own
import mlp_lib
from mlp_lib import MLP, make_moons, train
from mlp_lib.data import load_breast_cancer, load_diabetes, load_digits
X, y = make_moons(40, seed=0)
history = train(MLP([2, 4, 2]), X, y, epochs=2)
assert len(history.loss) == 2
X, y = load_digits()
history = train(MLP([64, 16, 10]), X / 16, y, epochs=2)
assert len(history.loss) == 2 and history.loss[-1] < history.loss[0]
assert load_breast_cancer()[0].shape == (569, 30) and load_diabetes()[0].shape == (442, 10)
optional = {"mlp_lib.plots", "mlp_lib.widgets", "mlp_lib.grading", "mlp_lib.images"}
for info in pkgutil.walk_packages(mlp_lib.__path__, "mlp_lib."):
    if not any(info.name == o or info.name.startswith(o + ".") for o in optional):
        importlib.import_module(info.name)
outside = sorted({m.split(".")[0] for m, v in sys.modules.items() if v is not None}
                 - before - set(sys.stdlib_module_names) - {"mlp_lib"})
print("outside the standard library:", outside)
"""

OPTIONAL_PARTS = ["mlp_lib.plots", "mlp_lib.widgets", "mlp_lib.widgets.lr_explorer", "mlp_lib.images",
                  "mlp_lib.grading", "mlp_lib.grading.cli"]

MESSAGES = BLOCKED + f"""
import importlib
for name in {OPTIONAL_PARTS!r}:
    try:
        importlib.import_module(name)
        print(name, "imported")
    except ImportError as exc:
        print(name, "->", type(exc).__name__ + ":", exc)
"""


def _run(code):
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_core_imports_and_trains_with_numpy_alone():
    """Every core module imports, a model trains, and the real data sets load with every
    optional package blocked; and nothing outside the standard library but NumPy is loaded."""
    out = _run(CORE_WORKS)
    assert "outside the standard library: []" in out, out


def test_optional_parts_name_the_extra_to_install():
    out = _run(MESSAGES).splitlines()
    assert out == [
        'mlp_lib.plots -> ModuleNotFoundError: mlp_lib.plots needs matplotlib: pip install "mlp-lib[lab]"',
        'mlp_lib.widgets -> ModuleNotFoundError: mlp_lib.widgets needs ipywidgets: pip install "mlp-lib[lab]"',
        'mlp_lib.widgets.lr_explorer -> ModuleNotFoundError: mlp_lib.widgets needs ipywidgets: '
        'pip install "mlp-lib[lab]"',
        'mlp_lib.images -> ModuleNotFoundError: mlp_lib.images needs pillow: pip install "mlp-lib[lab]"',
        'mlp_lib.grading -> ModuleNotFoundError: mlp_lib.grading needs nbclient: pip install "mlp-lib[grade]"',
        'mlp_lib.grading.cli -> ModuleNotFoundError: mlp_lib.grading needs nbclient: '
        'pip install "mlp-lib[grade]"',
    ]


def test_each_missing_package_is_named():
    """With only one package missing, the message names that one (not the first in a list)."""
    from mlp_lib._optional import PROVIDERS
    for module, (distribution, extra) in PROVIDERS.items():
        feature = "mlp_lib.grading" if extra == "grade" else "mlp_lib.widgets"
        if module == "PIL":
            feature = "mlp_lib.widgets"
        code = f"import sys; sys.modules[{module!r}] = None\n" + f"""
try:
    import {feature}
    print("imported")
except ImportError as exc:
    print(exc)
"""
        out = _run(code).strip()
        assert out == f'{feature} needs {distribution}: pip install "mlp-lib[{extra}]"', (module, out)


def test_a_broken_install_is_not_reported_as_missing(tmp_path):
    """A package that is there but fails to import shows its own error, not the install hint."""
    (tmp_path / "ipywidgets").mkdir()
    (tmp_path / "ipywidgets" / "__init__.py").write_text("raise ImportError('broken ipywidgets')\n")
    code = f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n" + """
try:
    import mlp_lib.widgets
except ImportError as exc:
    print(exc)
"""
    assert _run(code).strip() == "broken ipywidgets"


def _lower_bounds_tool():
    import importlib.util
    spec = importlib.util.spec_from_file_location("check_lower_bounds", ROOT / "tools" / "check_lower_bounds.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_lower_bounds_check_pins_every_declared_lower_bound():
    """tools/check_lower_bounds.py (run by hand: it installs from the registry) pins each
    package of the core, [lab] and [grade] to the lower bound written in pyproject.toml."""
    tool = _lower_bounds_tool()
    arrays = toml_string_arrays((ROOT / "pyproject.toml").read_text())
    specs = arrays["project.dependencies"] + extras()["lab"] + extras()["grade"]
    expected = {}
    for spec in specs:
        name, bounds = requirement(spec)
        expected[name] = re.search(r">=([^,]+)", bounds).group(1)
    project = {"dependencies": arrays["project.dependencies"],
               "optional-dependencies": {k: v for k, v in extras().items()}}
    pins = tool.lowest_pins(project, ["lab", "grade"])
    assert {requirement(p.replace("==", ">="))[0]: p.split("==")[1] for p in pins.values()} == expected
    # ipykernel 6.23.3 is the first that leaves an existing connection file alone: the sandbox's is read-only
    assert _version_tuple(pins["ipykernel"].split("==")[1]) >= (6, 23, 3)


@pytest.mark.parametrize("specs, message", [(["numpy"], "no lower bound"), (["numpy<3"], "no lower bound"),
                                             (["numpy>=1.23", "numpy>=1.24"], "two lower bounds")])
def test_the_lower_bounds_check_refuses_what_it_cannot_try(specs, message):
    with pytest.raises(ValueError, match=message):
        _lower_bounds_tool().lowest_pins({"dependencies": specs}, [])
