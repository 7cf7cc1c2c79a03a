"""Mutation testing of the checks: how many wrong variants of each solution they reject, and
how many of those rejections name a cause.

Every solution notebook holds the reference answer of each exercise between ``### BEGIN
SOLUTION`` and ``### END SOLUTION``. This tool derives wrong variants of those lines with
mutation operators on Python's syntax tree (a flipped sign, swapped operands, a transpose, a
changed axis, a dropped term, a changed constant, an off-by-one range, a missing return, an
input changed in place, an ignored argument, a stable formula replaced by the naive one), adds
the exercise's declared mistakes, and runs the check on each. A variant that gives the same
results as the solution on many random inputs is equivalent and set aside.

    python tools/mutation_harness.py [--lesson 03] [--sample 40] [--seed 0]

Per exercise it prints: the variants, the equivalent ones, then of the others how many were
rejected, how many of those with a hint naming a cause ("named"), with the learner's own error
and its line but no hint ("error"), or with a generic message only (what differs, no cause),
and how many were accepted (the checks' failures to find). Exit status 1 when any variant was
accepted or the solution itself rejected.
"""
import argparse
import warnings
import ast
import copy
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mlp_lib.checks import base, exercise_sets, runner, wire   # noqa: E402

# a rejection whose diagnosis is one of these names no cause
GENERIC_ONLY = {"generic/values-differ", "generic/wrong-shape", "generic/gradient-mismatch"}
EQUIVALENCE_SEEDS = (11, 12, 13, 14, 15)   # the random inputs on which a variant is compared with the solution
EQUIVALENCE_RTOL, EQUIVALENCE_ATOL = 1e-8, 1e-12   # closer than any check's tolerance
CALL_BUDGET = 10.0                          # seconds for all the calls of one variant on one set of inputs
OUTCOME_KINDS = {"train_xor", "digits_pipeline"}   # judged by their outcome, not by equal results
# an outcome within this much of the solution's own score on fresh inputs is the same outcome
# (for digits_pipeline, 0.15 of the points is one percentage point of accuracy)
OUTCOME_MARGIN = 0.15


# -- the solutions ------------------------------------------------------------------------

@dataclass
class Solution:
    exercise_set: str
    name: str
    source: str            # the cell defining the function
    region: tuple          # ((first, last), ...) line numbers of each region of solution lines in source
    prelude: list          # sources executed before: the notebook's imports and earlier exercises


def solutions(lessons=None):
    """Every exercise cell of solutions/*.ipynb, with what the notebook runs before it."""
    found = []
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        if lessons and path.name[:2] not in lessons:
            continue
        nb = json.loads(path.read_text())
        set_name = nb["metadata"]["mlp_course"]["exercise_set"]
        prelude = []
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            src = "".join(cell["source"])
            exercise = cell["metadata"].get("mlp_course", {}).get("exercise")
            if exercise:
                lines = src.splitlines()
                begins = [i + 1 for i, line in enumerate(lines) if "### BEGIN SOLUTION" in line]
                ends = [i + 1 for i, line in enumerate(lines) if "### END SOLUTION" in line]
                found.append(Solution(set_name, exercise, src, tuple((b + 1, e - 1) for b, e in zip(begins, ends)),
                                      list(prelude)))
                prelude.append(src)
            elif not prelude:     # the first code cell: the notebook's imports
                prelude.append("\n".join(line for line in src.splitlines() if not line.startswith("%")))
            elif "### BEGIN SOLUTION" in src or src.lstrip().startswith("def "):   # a helper the learner writes
                prelude.append(src)
    return found


def define(solution, source=None):
    """The function the cell defines, executed after the notebook's prelude."""
    namespace = {"__name__": "__solution__"}
    for src in solution.prelude:
        exec(compile(src, "<prelude>", "exec"), namespace)
    exec(compile(source or solution.source, "<solution>", "exec"), namespace)
    return namespace[solution.name]


# -- mutation operators ----------------------------------------------------------------------

class Operator(ast.NodeTransformer):
    """Applies its change to the ``target``-th node it could change inside the solution lines."""
    name = "operator"

    def __init__(self, region, target=-1):
        self.region, self.target, self.seen, self.done = region, target, 0, False

    def inside(self, node):
        line = getattr(node, "lineno", None)
        return line is not None and any(first <= line <= last for first, last in self.region)

    def hit(self, node):
        """True when this changeable node is the one to change (counts them otherwise)."""
        if self.done or not self.inside(node):
            return False
        self.seen += 1
        if self.seen - 1 == self.target:
            self.done = True
            return True
        return False


class FlipSign(Operator):
    name = "flip a sign"

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, (ast.Add, ast.Sub)) and self.hit(node):
            node.op = ast.Sub() if isinstance(node.op, ast.Add) else ast.Add()
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.USub) and self.hit(node):
            return node.operand
        return node


class SwapOperands(Operator):
    name = "swap operands"

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, (ast.Sub, ast.Div, ast.MatMult, ast.Pow)) and self.hit(node):
            node.left, node.right = node.right, node.left
        return node


class Transpose(Operator):
    name = "transpose"

    def visit_Attribute(self, node):
        self.generic_visit(node)
        if node.attr == "T" and self.hit(node):
            return node.value
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.MatMult) and self.hit(node):
            node.left = ast.Attribute(value=node.left, attr="T", ctx=ast.Load())
        return node


class ChangeAxis(Operator):
    name = "change an axis"

    def visit_keyword(self, node):
        self.generic_visit(node)
        if node.arg == "axis" and isinstance(node.value, (ast.Constant, ast.UnaryOp)) and self.hit(node):
            value = ast.literal_eval(node.value)
            node.value = ast.Constant(value=0 if value in (1, -1) else 1)
        elif node.arg == "keepdims" and self.hit(node):
            node.value = ast.Constant(value=False)
        return node


class DropTerm(Operator):
    name = "drop a term"

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)) and self.hit(node):
            return node.left
        return node


class ChangeConstant(Operator):
    name = "change a constant"

    def visit_Constant(self, node):
        if isinstance(node.value, (int, float)) and not isinstance(node.value, bool) and self.hit(node):
            value = node.value
            return ast.copy_location(ast.Constant(value=value + 1 if isinstance(value, int) else 2 * value
                                                  if value else 1.0), node)
        return node


class OffByOne(Operator):
    name = "off-by-one in a range"

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "range" and node.args and self.hit(node):
            node.args[-1 if len(node.args) < 3 else 1] = ast.BinOp(
                left=node.args[-1 if len(node.args) < 3 else 1], op=ast.Sub(), right=ast.Constant(value=1))
        return node


class DropReturn(Operator):
    name = "drop the return"

    def visit_Return(self, node):
        if self.hit(node):
            return ast.copy_location(ast.Return(value=None), node)
        return node


SCALAR_ARGUMENTS = {"lr": 0.1, "seed": 0, "lam": 0.1, "p": 0.5, "h": 1e-5, "T": 10, "lr0": 0.1, "lr_min": 0.0,
                    "batch_size": 4, "C": 10, "b": 0.0, "momentum": 0.9, "eps": 1e-8, "alpha": 0.01}


class IgnoreArgument(Operator):
    """Every use of one number-like argument (one with a default, or a rate, a seed, a size)
    replaced by a fixed value: its default, or a typical value."""
    name = "ignore an argument"

    def __init__(self, region, target=-1, function=None):
        super().__init__(region, target)
        args = function.args
        defaults = dict(zip([a.arg for a in args.args][::-1], args.defaults[::-1]))
        defaults.update({k: ast.Constant(value=v) for k, v in SCALAR_ARGUMENTS.items()
                         if k not in defaults and k in [a.arg for a in args.args]})
        self.names = [a.arg for a in args.args if a.arg in defaults]
        self.defaults = defaults
        self.choice = None

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.names and self.inside(node):
            if self.choice is None:
                index = self.seen
                self.seen += 1
                if index == self.target:
                    self.choice = node.id
                    self.done = True
                    self.seen = len(self.names)
            if node.id == self.choice:
                default = self.defaults[node.id]
                return ast.copy_location(copy.deepcopy(default), node)
        return node


class NaiveFormula(Operator):
    """A stable formula replaced by the textbook one: |z| -> z, logaddexp(a, b) -> log(e^a + e^b),
    log1p(x) -> log(1 + x), a shift by the maximum dropped."""
    name = "replace a stable formula by the naive one"

    def visit_Call(self, node):
        self.generic_visit(node)
        f = node.func
        attr = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        if attr in ("abs", "logaddexp", "log1p") and node.args and self.hit(node):
            np_ = ast.Name(id="np", ctx=ast.Load())
            call = lambda fn, *a: ast.Call(func=ast.Attribute(value=np_, attr=fn, ctx=ast.Load()), args=list(a),
                                           keywords=[])
            if attr == "abs":
                return node.args[0]
            if attr == "log1p":
                return call("log", ast.BinOp(left=ast.Constant(value=1.0), op=ast.Add(), right=node.args[0]))
            return call("log", ast.BinOp(left=call("exp", node.args[0]), op=ast.Add(),
                                         right=call("exp", node.args[1])))
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        right = node.right
        is_max = (isinstance(right, ast.Call) and isinstance(right.func, ast.Attribute)
                  and right.func.attr in ("max", "maximum", "amax"))
        if isinstance(node.op, ast.Sub) and is_max and self.hit(node):
            return node.left
        return node


OPERATORS = [FlipSign, SwapOperands, Transpose, ChangeAxis, DropTerm, ChangeConstant, OffByOne, DropReturn,
             IgnoreArgument, NaiveFormula]


def _changes_input(tree, function, region):
    """The function with its first argument overwritten in place just before it returns."""
    arg = function.args.args[0].arg
    spoil = ast.parse(f"if isinstance({arg}, np.ndarray) and {arg}.dtype.kind == 'f':\n    {arg}[...] = 0.5\n"
                      f"elif isinstance({arg}, dict):\n    [__v.__setitem__(..., 0.5) for __v in {arg}.values()"
                      f" if isinstance(__v, np.ndarray)]\n").body

    class Spoil(ast.NodeTransformer):
        def visit_Return(self, node):
            # keep the returned value: compute it first, then spoil the input, then return it
            keep = ast.Assign(targets=[ast.Name(id="__result", ctx=ast.Store())], value=node.value or
                              ast.Constant(value=None), lineno=node.lineno)
            return [keep, *copy.deepcopy(spoil), ast.Return(value=ast.Name(id="__result", ctx=ast.Load()))]
    Spoil().visit(function)
    return tree


@dataclass
class Mutant:
    exercise_set: str
    exercise: str
    operator: str
    source: str = ""
    fn: object = None


def mutants(solution):
    """Every variant of a solution the operators derive (one change each), as source code."""
    tree = ast.parse(solution.source)
    found, seen = [], {ast.unparse(tree)}
    for op in OPERATORS:
        target = 0
        while True:
            new = copy.deepcopy(tree)
            fn_node = _answer_node(new, solution.name)
            if op is IgnoreArgument:
                mutator = op(solution.region, target, function=_signature_node(fn_node))
            else:
                mutator = op(solution.region, target)
            mutator.visit(fn_node)
            if not mutator.done:
                break
            ast.fix_missing_locations(new)
            src = ast.unparse(new)
            if src not in seen:
                seen.add(src)
                found.append(Mutant(solution.exercise_set, solution.name, op.name, src))
            target += 1
    new = copy.deepcopy(tree)
    fn_node = _answer_node(new, solution.name)
    exercise = {(s, e.name): e for s, exs in exercise_sets().items() for e in exs}[(solution.exercise_set,
                                                                                   solution.name)]
    if isinstance(fn_node, ast.FunctionDef) and fn_node.args.args and "args[0]" not in exercise.may_change:
        _changes_input(new, fn_node, solution.region)
        ast.fix_missing_locations(new)
        found.append(Mutant(solution.exercise_set, solution.name, "mutate an input in place", ast.unparse(new)))
    return found


# -- equivalence and verdicts --------------------------------------------------------------------

def _answer_node(tree, name):
    """The function or class the solution cell defines."""
    return next(n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == name)


def _signature_node(node):
    """The function whose arguments an answer takes: the function itself, or a class's __init__."""
    if isinstance(node, ast.ClassDef):
        return next(n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    return node


def _budget(exercise):
    """Seconds for a variant's calls: a training exercise gets its own budget, so that a busy
    machine does not turn a slow variant into a wrong one."""
    return exercise.time_budget if exercise.name in OUTCOME_KINDS else min(exercise.time_budget, CALL_BUDGET)


def _results(exercise, fn, seed):
    cases = exercise.make_cases(np.random.default_rng(seed))
    outcomes = runner.call_cases(base.callable_for(exercise, fn), [(c.args, c.kwargs) for c in cases], (),
                                 _budget(exercise), exercise.errstate)
    return cases, outcomes


def _same(a, b, case):
    if a["status"] != b["status"]:
        return False
    if a["status"] != "ok":
        return a.get("error") == b.get("error")
    if sorted(a.get("changed_inputs", [])) != sorted(b.get("changed_inputs", [])):
        return False
    la, lb = base.leaves(a["value"], ""), base.leaves(b["value"], "")
    if la.keys() != lb.keys():
        return False
    for k in la:
        x, y = la[k], lb[k]
        if type(x) is not type(y) and not (isinstance(x, np.ndarray) and isinstance(y, np.ndarray)):
            return False
        if isinstance(x, wire.Opaque) or isinstance(y, wire.Opaque) or isinstance(x, str):
            if repr(x) != repr(y):
                return False
            continue
        # the docstrings promise no float precision: float32 for float64 is a difference only in the last digits
        kinds = {getattr(v, "dtype", np.asarray(v).dtype).kind for v in (x, y)}
        if np.shape(x) != np.shape(y) or len(kinds) > 1:
            return False
        single = any(getattr(v, "dtype", None) == np.float32 for v in (x, y))
        rtol, atol = (base.FLOAT32_RTOL / 10, base.FLOAT32_ATOL / 10) if single else (EQUIVALENCE_RTOL, EQUIVALENCE_ATOL)
        if not np.allclose(np.asarray(x, float), np.asarray(y, float), rtol=rtol, atol=atol, equal_nan=True):
            return False
    return True


def equivalent(exercise, mutant_fn, reference_fn):
    """Same results as the solution on several sets of random inputs (outcome-scored
    exercises: a score at least the solution's own on other inputs, where the solution may
    itself fall short of full marks)."""
    for seed in EQUIVALENCE_SEEDS[:1] if exercise.name in OUTCOME_KINDS else EQUIVALENCE_SEEDS:
        cases, got = _results(exercise, mutant_fn, seed)
        if exercise.name in OUTCOME_KINDS:
            mine = base.evaluate(exercise, cases, got)
            theirs = base.evaluate(exercise, *_results(exercise, reference_fn, seed))
            if not (mine.passed or mine.fraction >= theirs.fraction - OUTCOME_MARGIN):
                return False
            continue
        _, want = _results(exercise, reference_fn, seed)
        if not all(_same(g, w, c) for g, w, c in zip(got, want, cases)):
            return False
    return True


def verdict(exercise, fn, declared=False):
    """The instant check's CheckResult for a function (or class), without printing. declared: ``fn``
    is a declared mistake's compute, which takes the case's inputs as they are (a class exercise's
    scenario too)."""
    cases = exercise.make_cases(np.random.default_rng(exercise.seed))
    fn = fn if declared else base.callable_for(exercise, fn)
    outcomes = runner.call_cases(fn, [(c.args, c.kwargs) for c in cases], exercise.references,
                                 _budget(exercise), exercise.errstate)
    return base.evaluate(exercise, cases, outcomes)


def kind_of(result):
    """How a rejection explains itself: "named" (a cause in words), "located" (the first of
    several outputs that goes wrong, the others right), "error" (the learner's own error and
    its line, no hint) or "generic" (only what differs)."""
    d = result.diagnosis
    if d.startswith("generic/raised-"):
        return "error"
    if f"/{base.LOCATED_FROM}" in d or f"/{base.LOCATED_ONLY}" in d:
        return "located"
    return "generic" if (not d or d in GENERIC_ONLY or d.endswith("/below-full-score")) else "named"


def run(lessons=None, sample=None, seed=0, quiet=False, skip=()):
    """-> {(set, exercise): {"variants", "equivalent", "rejected", "named", "generic", "accepted",
    "accepted_sources", "generic_sources"}}."""
    registry = {(s, e.name): e for s, exs in exercise_sets().items() for e in exs}
    report = {}
    for solution in solutions(lessons):
        if solution.name in skip:
            continue
        exercise = registry[(solution.exercise_set, solution.name)]
        reference_fn = define(solution)
        row = {"variants": 0, "equivalent": 0, "rejected": 0, "named": 0, "located": 0, "error": 0, "generic": 0,
               "accepted": 0,
               "accepted_sources": [], "generic_sources": [], "correct_rejected": 0}
        if not verdict(exercise, reference_fn).passed:
            row["correct_rejected"] = 1
        variants = mutants(solution)
        if sample is not None and len(variants) > sample:
            variants = random.Random(seed).sample(variants, sample)
        variants += [Mutant(solution.exercise_set, solution.name, "declared mistake", fn=m.compute)
                     for m in exercise.mistakes]
        for mutant in variants:
            try:
                fn = mutant.fn or define(solution, mutant.source)
            except Exception:
                continue            # a variant that does not compile is no answer
            if mutant.fn is None and equivalent(exercise, fn, reference_fn):
                row["variants"] += 1
                row["equivalent"] += 1
                continue
            result = verdict(exercise, fn, declared=mutant.fn is not None)
            if mutant.fn is not None and result.passed:
                continue            # a declared mistake that does not show on these cases
            row["variants"] += 1
            if result.passed:
                row["accepted"] += 1
                row["accepted_sources"].append((mutant.operator, mutant.source))
            else:
                row["rejected"] += 1
                kind = kind_of(result)
                row[kind] += 1
                if kind not in ("named", "located"):
                    row["generic_sources"].append((mutant.operator, result.diagnosis, mutant.source))
        report[(solution.exercise_set, solution.name)] = row
        if not quiet:
            print(_line(solution.exercise_set, solution.name, row), flush=True)
    return report


def _line(set_name, name, row):
    return (f"{set_name[:2]} {name:<22} variants {row['variants']:>3}  equivalent {row['equivalent']:>3}  "
            f"rejected {row['rejected']:>3}  named {row['named']:>3}  located {row['located']:>3}  "
            f"error {row['error']:>3}  "
            f"generic {row['generic']:>3}  "
            f"accepted {row['accepted']:>2}" + ("  CORRECT ANSWER REJECTED" if row["correct_rejected"] else ""))


def summary(report):
    """Totals per lesson and overall, as text."""
    lines = []
    lessons = sorted({s for s, _ in report})
    for lesson in lessons + ["all"]:
        rows = [r for (s, _), r in report.items() if lesson in ("all", s)]
        total = {k: sum(r[k] for r in rows) for k in ("variants", "equivalent", "rejected", "named", "located",
                                                       "error", "generic", "accepted", "correct_rejected")}
        live = total["variants"] - total["equivalent"]
        rejected = total["rejected"] / live if live else 1.0
        share = lambda k: total[k] / total["rejected"] if total["rejected"] else 1.0
        lines.append(f"{lesson:<26} non-equivalent {live:>4}  rejected {rejected:6.1%}  named cause "
                     f"{share('named'):6.1%}  located {share('located'):5.1%}  own error shown "
                     f"{share('error'):5.1%}  generic only "
                     f"{share('generic'):5.1%}  accepted {total['accepted']:>2}  correct rejected "
                     f"{total['correct_rejected']}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", action="append", help="two digits, e.g. 03 (repeatable; default all)")
    parser.add_argument("--sample", type=int, default=None, help="at most this many variants per exercise")
    parser.add_argument("--seed", type=int, default=0, help="the seed of the sample")
    parser.add_argument("--show", action="store_true", help="print the accepted and generic variants")
    parser.add_argument("--skip", action="append", default=[], help="an exercise to leave out (repeatable)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")     # the variants warn about overflows and odd syntax; their verdicts count
    report = run(args.lesson, args.sample, args.seed, skip=set(args.skip))
    print()
    print(summary(report))
    if args.show:
        for (s, name), row in report.items():
            for operator, src in row["accepted_sources"]:
                print(f"\n--- ACCEPTED {s}:{name} ({operator})\n{src}")
            for operator, diagnosis, src in row["generic_sources"]:
                print(f"\n--- GENERIC {s}:{name} ({operator}, {diagnosis})\n{src}")
    return 1 if any(r["accepted"] or r["correct_rejected"] for r in report.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
