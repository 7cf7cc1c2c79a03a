"""The grader's side of a learner's kernel: the one entry point it calls there, and the code that
gets it there.

To collect one exercise's answers, the grader writes the inputs (``wire.save``) where the kernel
can read them, then runs ``kernel_code(...)`` in the kernel. That code loads fresh copies of the
in-kernel modules (``IN_KERNEL``: this one, the harness ``runner``, ``wire``, ``status`` and
``scenario``, which plays a class exercise's steps) from
their source text, under a private package name, so that nothing a notebook defined or patched
takes part; then ``collect`` calls the learner's function from the notebook's namespace on each
case and writes the outcomes (``wire.save``) for the grader to read back. In the sandbox the
kernel has no ``mlp_lib.checks`` of its own: these modules are all it gets of it.

These modules import only the standard library and NumPy (a test checks it): the kernel may
have nothing else. The grader trusts nothing they write but the returned values.
"""
import functools
import pathlib

from . import wire
from .runner import call_cases
from .scenario import player
from .status import Status

IN_KERNEL = ("status", "wire", "runner", "scenario", "in_kernel")    # in the order they import each other
PACKAGE = "__mlp_course_protocol__"

_BOOTSTRAP = """\
def __mlp_course_collect(sources, *args):
    import sys, types
    package = types.ModuleType({package!r})
    package.__path__ = []
    names = [{package!r}] + [{package!r} + '.' + name for name, _ in sources]
    sys.modules[{package!r}] = package
    try:
        for name, source in sources:
            module = types.ModuleType({package!r} + '.' + name)
            module.__package__ = {package!r}
            sys.modules[module.__name__] = module
            exec(compile(source, '<mlp-course-' + name + '>', 'exec'), module.__dict__)
        sys.modules[{package!r} + '.in_kernel'].collect(__import__('IPython').get_ipython().user_ns, *args)
    finally:
        for name in names:
            sys.modules.pop(name, None)
__mlp_course_collect({sources!r}, {args})
del __mlp_course_collect
"""


def collect(user_ns, name, in_stem, out_stem, references=(), budget=None, errstate=None, scenario=False):
    """The entry point inside a learner's kernel: read the cases from ``in_stem``, call the
    learner's function ``name`` from the notebook's namespace ``user_ns`` on each, write the
    outcomes (``runner.call_cases``) to ``out_stem``. scenario: ``name`` is a class, and each
    case is a scenario of steps played on a new instance of it (``scenario.play``)."""
    cases = wire.load(in_stem)
    fn = user_ns.get(name)
    if not callable(fn):
        kind = "missing" if fn is None else type(fn).__name__
        outcomes = [{"status": Status.NOT_DEFINED, "found": kind, "reference_called": []} for _ in cases]
    else:
        outcomes = call_cases(player(fn) if scenario else fn, [(tuple(a), dict(k)) for a, k in cases],
                              references, budget, errstate)
    wire.save(out_stem, outcomes)


def kernel_code(name, in_stem, out_stem, references=(), budget=None, errstate=None, scenario=False):
    """The code (a string) the grader runs in a learner's kernel to collect the answers of the
    function (or class) ``name``: the arguments are those of ``collect`` after ``user_ns``."""
    args = ", ".join(repr(a) for a in (name, in_stem, out_stem, tuple(references),
                                       None if budget is None else float(budget), dict(errstate or {}),
                                       bool(scenario)))
    return _BOOTSTRAP.format(package=PACKAGE, sources=_sources(), args=args)


@functools.lru_cache(maxsize=None)
def _sources():
    """(module, source text) of the in-kernel modules, read once per process."""
    folder = pathlib.Path(__file__).resolve().parent
    return [(module, (folder / f"{module}.py").read_text(encoding="utf-8")) for module in IN_KERNEL]
