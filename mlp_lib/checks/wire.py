"""The wire format between a check (or the grader) and the learner's function: plain data.

What a call returns is turned into plain data (numbers, arrays, strings, None, tuples, lists,
dicts with string keys) by ``encode`` / ``decode``, and ``save`` / ``load`` write it as JSON
plus an ``.npz`` file of its arrays, never as a pickle: the grader reads back arrays only.
Anything else travels as an ``Opaque`` placeholder naming its type. One richer type travels
too: ``ScalarFunction``, the function of no arguments that lesson 4's numerical gradient is
given, sent with the very array it reads, and ``ConfigScore``, the validation score that
lesson 7's random search is given.

This module imports only the standard library and NumPy: it is part of the code the grader
runs inside a learner's kernel (see ``in_kernel``).
"""
import json

import numpy as np

MAX_ARRAY_SIZE = 10_000_000   # entries; larger returned arrays are recorded by type only
MAX_DEPTH = 8


class Opaque:
    """Stands for a returned value that is not plain data (a function, a model, a string...)."""

    def __init__(self, type_name):
        self.type_name = type_name

    def __repr__(self):
        return f"<a {self.type_name}>"


# -- a function as plain data -------------------------------------------------------

class ScalarFunction:
    """f() = sum(c * sin(x)) + 0.5 * ||A x||^2, a function of no arguments that reads the
    array ``x`` (any shape; c: (x.size,), A: (K, x.size)), as a numerical-gradient routine
    expects: it perturbs ``x`` in place and calls ``f()``. Being plain data, it travels to a
    learner's kernel with the arrays it reads (``x`` stays the very array passed next to it).
    """

    def __init__(self, x, c, A):
        self.x, self.c, self.A = x, c, A

    def __call__(self):
        v = np.asarray(self.x, dtype=np.float64).reshape(-1)
        return float(np.sum(self.c * np.sin(v)) + 0.5 * np.sum((self.A @ v) ** 2))

    def gradient(self):
        """The exact gradient, shaped like x."""
        v = np.asarray(self.x, dtype=np.float64).reshape(-1)
        return (self.c * np.cos(v) + self.A.T @ (self.A @ v)).reshape(np.shape(self.x))

    def __repr__(self):
        return f"<a function f() of x {np.shape(self.x)}>"


class ConfigScore:
    """score(config) = round(top - sum_k w_k (t_k - c_k)^2, decimals), a stand-in for "train
    with this configuration and return the validation score" (higher is better): t_k is
    config[name_k], or its log10 where log_k is True. config: a dict with every name.
    names: list of str; centres, weights: (K,); logs: list of bool. Plain data, so that it
    travels to a learner's kernel; weights of 0 make every configuration tie.
    """

    def __init__(self, names, centres, weights, logs, top=1.0, decimals=4):
        self.names, self.centres, self.weights = list(names), np.asarray(centres), np.asarray(weights)
        self.logs, self.top, self.decimals = [bool(v) for v in logs], float(top), int(decimals)

    def __call__(self, config):
        if not isinstance(config, dict) or not set(self.names) <= set(config):
            raise TypeError(f"evaluate(config) needs a dict with the keys {self.names}, got "
                            f"{type(config).__name__} {config!r:.80}")
        total = 0.0
        for name, c, w, log in zip(self.names, self.centres, self.weights, self.logs):
            value = float(config[name])
            if log and value <= 0:
                raise ValueError(f"config[{name!r}] is searched on a log scale and must be > 0, got {value}")
            t = np.log10(value) if log else value
            total += float(w) * (t - float(c)) ** 2
        return round(self.top - total, self.decimals)

    def __repr__(self):
        return f"<a function evaluate(config) of {', '.join(self.names)}>"


# -- plain data ------------------------------------------------------------------

def snapshot(value):
    """A deep copy of ``value`` as plain data (what the grader would read back)."""
    arrays = {}
    tree = encode(value, arrays)
    return decode(tree, {k: np.array(v, copy=True) for k, v in arrays.items()})


def encode(value, arrays, depth=0):
    """Describe ``value`` as a JSON-able tree; its arrays go into the dict ``arrays``."""
    if depth > MAX_DEPTH:
        return {"opaque": "deeply nested value"}
    if isinstance(value, (bool, int, float, np.generic)) and not isinstance(value, (str, bytes)):
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            return {"opaque": type(value).__name__}
        key = f"a{len(arrays)}"
        arrays[key] = arr
        return {"number": key, "py": type(value).__name__ if isinstance(value, (bool, int, float)) else "numpy"}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf" or value.size > MAX_ARRAY_SIZE:
            return {"opaque": f"array of dtype {value.dtype}" if value.size <= MAX_ARRAY_SIZE else "huge array"}
        for key, stored in arrays.items():
            if stored is value:     # the same array twice (e.g. x and the function reading x) stays shared
                return {"array": key}
        key = f"a{len(arrays)}"
        arrays[key] = np.ascontiguousarray(value)
        return {"array": key}
    if isinstance(value, ScalarFunction):
        return {"scalar_function": [encode(v, arrays, depth + 1) for v in (value.x, value.c, value.A)]}
    if isinstance(value, ConfigScore):
        return {"config_score": [encode(v, arrays, depth + 1) for v in (
            value.names, value.centres, value.weights, value.logs, value.top, value.decimals)]}
    if value is None:
        return {"none": True}
    if isinstance(value, str):
        return {"str": value[:2000]}
    if isinstance(value, tuple):
        return {"tuple": [encode(v, arrays, depth + 1) for v in value]}
    if isinstance(value, list):
        return {"list": [encode(v, arrays, depth + 1) for v in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": [[k, encode(v, arrays, depth + 1)] for k, v in value.items()]}
    return {"opaque": type(value).__name__}


def decode(tree, arrays):
    """Inverse of ``encode``: plain data from a tree and its arrays."""
    if "array" in tree:
        return arrays[tree["array"]]
    if "number" in tree:
        arr = arrays[tree["number"]]
        kind = {"bool": bool, "int": int, "float": float}.get(tree.get("py"))
        return kind(arr) if kind is not None else arr[()]
    if "scalar_function" in tree:
        return ScalarFunction(*(decode(t, arrays) for t in tree["scalar_function"]))
    if "config_score" in tree:
        return ConfigScore(*(decode(t, arrays) for t in tree["config_score"]))
    if "none" in tree:
        return None
    if "str" in tree:
        return str(tree["str"])
    if "tuple" in tree:
        return tuple(decode(t, arrays) for t in tree["tuple"])
    if "list" in tree:
        return [decode(t, arrays) for t in tree["list"]]
    if "dict" in tree:
        return {k: decode(t, arrays) for k, t in tree["dict"]}
    return Opaque(str(tree.get("opaque", "unknown value")))


def save(path_stem, data):
    """Write plain data to ``path_stem.json`` and ``path_stem.npz``."""
    arrays = {}
    tree = encode(data, arrays)
    np.savez(path_stem + ".npz", **arrays)
    with open(path_stem + ".json", "w") as f:
        json.dump(tree, f)


def load(path_stem):
    """Read what ``save`` wrote (arrays only: pickles are refused)."""
    with open(path_stem + ".json") as f:
        tree = json.load(f)
    with np.load(path_stem + ".npz", allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    return decode(tree, arrays)
