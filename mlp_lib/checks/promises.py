"""Docstring promises that several exercises share, as ``Promise`` records.

Each checks one property of a right answer and has its own message: the type of a count or of
a rate, the use of ``seed``.
"""
import numpy as np

from .base import Promise, leaves


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def returns_int(what):
    """The result is a Python or NumPy integer, not a float that happens to be whole."""
    return Promise("int-result", f"{what} must be an int: a count is a whole number, and a float such as 14.0 "
                                 f"is a sign that a division or a float array crept in.",
                   lambda case, value: _is_int(value))


def returns_float(what):
    """The result is one real number (a Python float or a NumPy scalar), not an array."""
    return Promise("float-result", f"{what} must be a single number (a float), not an array.",
                   lambda case, value: isinstance(value, (float, np.floating)))


def _calls(cases, values):
    """{(args without the seed): {seed: [values]}} for cases whose last argument is the seed."""
    groups = {}
    for case, value in zip(cases, values):
        *rest, seed = case.args
        key = tuple(np.asarray(a).tobytes() if isinstance(a, np.ndarray) else a for a in rest)
        groups.setdefault(key, {}).setdefault(seed, []).append(value)
    return groups


def _same(a, b):
    la, lb = leaves(a, ""), leaves(b, "")
    return la.keys() == lb.keys() and all(
        np.shape(la[k]) == np.shape(lb[k]) and np.array_equal(np.asarray(la[k]), np.asarray(lb[k])) for k in la)


def same_for_same_seed():
    """Two calls with the same seed give the same answer (needs two such cases)."""
    return Promise("seed-not-used", "two calls with the same seed gave different results: the randomness must "
                                    "come from a generator made from seed, not from the global random state.",
                   lambda cases, values: all(_same(vs[0], v) for group in _calls(cases, values).values()
                                             for vs in group.values() for v in vs[1:]), across=True)


def differs_for_other_seed():
    """Two different seeds give different answers (needs such a pair of cases)."""
    def holds(cases, values):
        for group in _calls(cases, values).values():
            firsts = [vs[0] for vs in group.values()]
            if len(firsts) > 1 and all(_same(firsts[0], v) for v in firsts[1:]):
                return False
        return True
    return Promise("seed-ignored", "the result ignores seed: two different seeds gave exactly the same order; "
                                   "draw the order from a generator made from seed.", holds, across=True)
