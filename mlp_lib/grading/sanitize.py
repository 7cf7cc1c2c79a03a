"""The course package as a grading kernel sees it: a copy of ``mlp_lib`` without the answers.

For the exercise set being graded, every package function that an exercise asks the learner to
write (the exercise's ``references``) keeps its signature and docstring but its body becomes
one line that raises ``NotAvailableWhileGrading``; so does every use of it inside the package
(``MLP`` falling back on the package's own layer, a registry entry...). A data loader named
there loses its data files too. A module that repeats the exercises' maths for speed (the
training loop's fused fast path) is replaced by one without it, so ``train`` takes its plain
path, through the withheld functions. ``mlp_lib.checks`` (the reference solutions and their test
inputs) and ``mlp_lib.grading`` are replaced by stubs, and no compiled file of the original
sources is copied, so the kernel holds nothing to call, copy, read or unmask.
"""
import ast
import collections
import pathlib
import shutil

import mlp_lib

NOT_AVAILABLE_MODULE = '''"""Raised by the parts of the course package that a graded exercise asks you to write."""


class NotAvailableWhileGrading(RuntimeError):
    """The course's own version of an exercise's function is not available while grading."""
'''

CHECKS_STUB = '''"""The course's checks do not run while grading: the grader checks your functions itself."""


def _check_stub(name):
    def check(fn=None, *args, **kwargs):
        print(f"({name} does not run while grading: the grader checks your function itself)")
    check.__name__ = name
    return check


def _not_available(name):
    def stub(*args, **kwargs):
        from mlp_lib._not_available import NotAvailableWhileGrading
        raise NotAvailableWhileGrading(f"{name} is not available while grading: your functions get "
                                       f"their data as arguments")
    stub.__name__ = name
    return stub


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    return _check_stub(name) if name.startswith("check_") else _not_available(name)
'''


# modules that repeat the maths of exercises (fused, for speed) -> what replaces them while grading
FUSED_COPIES = {"fastpath": '''"""The training loop's fast path is off while grading: it repeats the maths of the exercises
(layers, activations, losses, sgd) fused for speed, so ``train`` takes its plain path instead."""


def fast_steps(*args, **kwargs):
    """No fast path while grading: ``train`` calls the package's functions, or yours."""
    return None


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    from mlp_lib._not_available import NotAvailableWhileGrading
    raise NotAvailableWhileGrading(f"mlp_lib.fastpath.{name} is not available while grading: it repeats "
                                   f"the maths of the exercises; write it yourself")
'''}


def forbidden_functions(exercises):
    """{module: [qualname, ...]} of the package functions these exercises ask the learner to
    write, outside ``mlp_lib.checks`` (which the kernel never gets)."""
    found = collections.defaultdict(list)
    for exercise in exercises:
        for reference in exercise.references:
            module, _, qualname = reference.partition(":")
            if module.startswith("mlp_lib.") and not module.startswith("mlp_lib.checks") and qualname not in found[module]:
                found[module].append(qualname)
    return dict(found)


def build(exercises, destination):
    """Write the sanitized package to ``destination/mlp_lib``. -> that folder.

    Raises RuntimeError when a named function cannot be found (a registry out of date)."""
    source = pathlib.Path(mlp_lib.__file__).resolve().parent
    target = pathlib.Path(destination) / "mlp_lib"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=_ignored(source))
    (target / "_not_available.py").write_text(NOT_AVAILABLE_MODULE, encoding="utf-8")
    checks = target / "checks"
    checks.mkdir()
    (checks / "__init__.py").write_text(CHECKS_STUB, encoding="utf-8")
    for lesson in sorted((source / "checks").glob("lesson*.py")):
        (checks / lesson.name).write_text(CHECKS_STUB, encoding="utf-8")
    for name, text in FUSED_COPIES.items():
        (target / f"{name}.py").write_text(text, encoding="utf-8")
    for module, qualnames in forbidden_functions(exercises).items():
        path = target.joinpath(*module.split(".")[1:]).with_suffix(".py")
        path.write_text(_stubbed(path.read_text(encoding="utf-8"), module, qualnames), encoding="utf-8")
        for qualname in qualnames:
            if module == "mlp_lib.data" and qualname.startswith("load_"):
                _remove_data_files(target, qualname[len("load_"):])
    for path in target.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    target.chmod(0o755)
    return target


def _ignored(source):
    def ignore(folder, names):
        skip = {n for n in names if n == "__pycache__" or n.endswith((".pyc", ".pyo"))}
        if pathlib.Path(folder).resolve() == source:
            skip |= {"checks", "grading"} & set(names)
        return skip
    return ignore


def _remove_data_files(package, name):
    """A withheld loader's data files (``datasets/<name>*``) leave the copy with it."""
    for folder in package.rglob("datasets"):
        for path in folder.glob(f"{name}*"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def _stubbed(text, module, qualnames):
    """``text`` with the body and docstring of each named function (``f`` or ``Class.method``)
    replaced by a raise of NotAvailableWhileGrading, and its decorators (the argument checks of
    ``validation.checked``) removed; its ``.unchecked`` twin is the stub itself."""
    tree = ast.parse(text)
    for qualname in qualnames:
        found = _find(tree, qualname)
        if found is None:
            raise RuntimeError(f"the grader cannot withhold {module}:{qualname}: no such function")
        scope, node = found
        message = (f"{qualname.removesuffix('.__init__')} ({module}) is not available while grading "
                   f"this exercise set: write it yourself")
        node.decorator_list = []        # no argument checks or wrappers: any call raises at once
        node.body = ast.parse(f"{message!r}\n"
                              f"from mlp_lib._not_available import NotAvailableWhileGrading\n"
                              f"raise NotAvailableWhileGrading({message!r})\n").body
        # the package calls a checked function's body as f.unchecked: that is the stub too
        scope.insert(scope.index(node) + 1, ast.parse(f"{node.name}.unchecked = {node.name}").body[0])
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def _find(tree, qualname):
    """-> (the statement list holding the function ``qualname``, the function's node), or None."""
    scope = tree.body
    node = None
    for part in qualname.split("."):
        parent = scope
        node = next((n for n in scope if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                     and n.name == part), None)
        if node is None:
            return None
        scope = node.body
    return (parent, node) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
