"""A scenario: what a check does with a learner's class, written as plain data.

An instance cannot cross the wire (``wire``), so an exercise whose answer is a class sends a
scenario instead: a list of steps that build one instance and call its methods, each step a
tuple of plain data,

    ("new", args, kwargs)                     model = cls(*args, **kwargs)
    ("shapes", "params", name)                {key: shape} of the dict model.params, kept as ``name``
    ("update", "params", {name: array})       model.params.update(copies of the arrays), as ``train`` does;
                                              the model must already have exactly these names
    ("call", "forward_backward", args, kwargs, names)
                                              value = model.forward_backward(*args, **kwargs)
    ("descend", (X, y), {"epochs": E, "lr": lr}, names)
                                              value = descend(model, X, y, E, lr): what
                                              ``train(model, X, y, epochs=E, lr=lr)`` does on a
                                              full batch with plain SGD, through the same members

In a "call", ``args`` may be the string "previous": the previous step's value, unpacked as the
arguments (``forward_backward(*check_data(X, y))``). ``names`` says what the value is kept as in
the scenario's result: a name, a tuple of names for a returned tuple, a tuple of attribute
names prefixed with "." for an object (``(".loss", ".accuracy")`` of a ``History``), or None (not
kept). The result of ``play`` is the dict {name: value} of what was kept, plain data.

A step that needs a member the model lacks raises an ``AttributeError`` saying what the model
must have; a learner's error inside a method is the learner's error, as for a function.

This module imports only the standard library and NumPy: it is part of the code the grader
runs inside a learner's kernel (see ``in_kernel``).
"""
from types import SimpleNamespace

import numpy as np

PREVIOUS = "previous"    # as the arguments of a "call" step: the previous step's value


def player(cls):
    """The function ``play(steps)`` for the learner's class ``cls``, named after it, which the
    harness calls like any learner function."""
    def play_steps(steps):
        return play(cls, steps)
    play_steps.__name__ = getattr(cls, "__name__", "the class")
    return play_steps


def play(cls, steps):
    """Run the scenario ``steps`` (see the module's docstring) on a new instance of ``cls``.
    -> {name: value} of the kept values."""
    kept, model, previous = {}, None, None
    for step in steps:
        kind = step[0]
        if kind == "new":
            model = cls(*step[1], **step[2])
            previous = None
        elif kind == "shapes":
            target = _member(model, step[1])
            if not isinstance(target, dict):
                raise TypeError(f"model.{step[1]} must be a dict {{name: array}}, got a {type(target).__name__}")
            kept[step[2]] = {str(k): tuple(int(n) for n in np.shape(v)) for k, v in target.items()}
        elif kind == "update":
            target = _member(model, step[1])
            if not isinstance(target, dict):
                raise TypeError(f"model.{step[1]} must be a dict {{name: array}}, got a {type(target).__name__}")
            if sorted(map(str, target)) != sorted(step[2]):
                raise ValueError(f"model.{step[1]} holds the names {', '.join(map(str, target)) or '(none)'}; "
                               f"the parameters must be named {', '.join(step[2])}, the names under which "
                               f"train and the gradients of forward_backward find them")
            target.update({name: np.array(value) for name, value in step[2].items()})
            previous = None
        elif kind == "call":
            args = tuple(previous) if isinstance(step[2], str) and step[2] == PREVIOUS else tuple(step[2])
            previous = _method(model, step[1])(*args, **step[3])
            _keep(kept, step[4], previous, step[1])
        elif kind == "descend":
            previous = descend(model, *step[1], **step[2])
            _keep(kept, step[3], previous, "train")
        else:
            raise ValueError(f"unknown scenario step {kind!r}")
    return kept


def descend(model, X, y, epochs, lr):
    """Train ``model`` as ``mlp_lib.train(model, X, y, epochs=epochs, lr=lr)`` does when X is one
    full batch (N <= 32) and the update rule is plain SGD, through the members ``train`` uses:
    ``check_data``, ``params``, ``forward_backward`` and ``loss_record``. The grader plays it in
    the learner's kernel, where ``train`` itself is withheld (it is another exercise's answer).

    X: (N, D), y: (N,) or (N, K). -> an object with ``loss`` and ``accuracy``, one per epoch as in
    a ``History``: the data loss and the share of correct predictions before each epoch's step.
    """
    X, y = _method(model, "check_data")(X, y)
    params = _member(model, "params")
    params.update({name: np.array(value) for name, value in params.items()})    # train's own copies
    record = _member(model, "loss_record")
    history = SimpleNamespace(loss=[], accuracy=[])
    for _ in range(int(epochs)):
        loss, penalty, grads, logits = _method(model, "forward_backward")(X, y)
        history.loss.append(float(loss))
        history.accuracy.append(float(np.mean(record.predict(logits) == record.labels(y)))
                                if record.classifies(np.shape(logits)[1]) else None)
        for name in list(params):                      # plain SGD, as train's loop applies it
            params[name] = params[name] - lr * np.asarray(grads[name])
    return history


def _member(model, name):
    if not hasattr(model, name):
        raise AttributeError(f"the model has no attribute {name!r}: train reads and updates the parameters "
                             f"in model.{name}, a dict {{'W1': array, 'b1': array, ...}}")
    return getattr(model, name)


def _method(model, name):
    method = getattr(model, name, None)
    if not callable(method):
        raise AttributeError(f"the model has no method {name}(): train calls model.{name}(...)")
    return method


def _keep(kept, names, value, source):
    if names is None:
        return
    if isinstance(names, str):
        kept[names] = value
    elif all(n.startswith(".") for n in names):
        for n in names:
            kept[n[1:]] = getattr(value, n[1:])
    elif isinstance(value, (tuple, list)) and len(value) == len(names):
        kept.update(zip(names, value))
    else:
        what = f"{len(value)} values" if isinstance(value, (tuple, list)) else f"a {type(value).__name__}"
        raise TypeError(f"{source.rpartition(':')[2]} must return {len(names)} values ({', '.join(names)}), "
                        f"got {what}")
