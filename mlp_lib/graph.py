"""A computational graph of scalars: every node's forward value and backward gradient, computed.

Lesson 3 draws the graph of one neuron (``neuron_graph``) with the value and the gradient on
every edge, and shows what three gates do to the gradient that arrives from their output
(``gate_examples``): an add gate hands it to both inputs, a multiply gate gives each input the
gradient times the *other* input, a max gate routes all of it to the larger input.

A gate is a pair (forward, local) in ``GATES``: forward(*inputs) -> value and
local(*inputs) -> the partial derivatives of the value with respect to each input. Backward
multiplies them by the upstream gradient (the chain rule) and adds up what reaches each node.
"""
from dataclasses import dataclass, field

import numpy as np

from .activations import sigmoid


def _sigmoid_local(z):
    s = float(sigmoid(np.float64(z)))
    return (s * (1.0 - s),)


GATES = {
    "add": (lambda a, b: a + b, lambda a, b: (1.0, 1.0)),
    "mul": (lambda a, b: a * b, lambda a, b: (b, a)),
    "max": (lambda a, b: max(a, b), lambda a, b: (1.0, 0.0) if a >= b else (0.0, 1.0)),
    "sigmoid": (lambda z: float(sigmoid(np.float64(z))), _sigmoid_local),
    "half_square": (lambda d: 0.5 * d * d, lambda d: (d,)),
    "sub": (lambda a, b: a - b, lambda a, b: (1.0, -1.0)),
}
SYMBOLS = {"add": "+", "mul": "×", "max": "max", "sigmoid": "σ", "half_square": "½(·)²", "sub": "−"}


@dataclass
class Node:
    """A value in the graph: an input (gate None) or the output of a gate applied to ``inputs``."""
    name: str
    value: float
    gate: str = None
    inputs: tuple = ()
    grad: float = 0.0


@dataclass
class Graph:
    """Scalar nodes in the order they were computed; ``backward`` fills every ``grad``."""
    nodes: dict = field(default_factory=dict)

    def input(self, name, value):
        """A leaf with the given value. -> its name."""
        return self._add(Node(name, float(value)))

    def gate(self, name, kind, *inputs):
        """The node ``name`` = gate ``kind`` applied to the named nodes. -> its name."""
        if kind not in GATES:
            raise ValueError(f"unknown gate {kind!r}; valid gates are: {', '.join(GATES)}")
        value = GATES[kind][0](*(self.nodes[i].value for i in inputs))
        return self._add(Node(name, float(value), kind, tuple(inputs)))

    def _add(self, node):
        if node.name in self.nodes:
            raise ValueError(f"the graph already has a node named {node.name!r}")
        self.nodes[node.name] = node
        return node.name

    def backward(self, output=None, upstream=1.0):
        """Fill every node's grad, d output / d node, from the last node (or ``output``) backwards."""
        order = list(self.nodes)
        output = order[-1] if output is None else output
        for node in self.nodes.values():
            node.grad = 0.0
        self.nodes[output].grad = float(upstream)
        for name in reversed(order[:order.index(output) + 1]):
            node = self.nodes[name]
            if node.gate is None:
                continue
            local = GATES[node.gate][1](*(self.nodes[i].value for i in node.inputs))
            for i, d in zip(node.inputs, local):
                self.nodes[i].grad += node.grad * d       # a node used twice collects both gradients
        return self

    def edges(self):
        """[(from, to)] for every input of every gate: the value travels forward along it, the
        gradient of ``from`` backward."""
        return [(i, node.name) for node in self.nodes.values() for i in node.inputs]


def neuron_graph(x, w, b, y):
    """The graph of one neuron with a sigmoid and the squared error, run forward and backward.

    x, w: (2,) input and weights; b: the bias; y: the target.
    z = w1 x1 + w2 x2 + b, a = sigmoid(z), L = (a - y)^2 / 2. -> Graph (grads are dL/d node).
    """
    x, w = np.asarray(x, dtype=float).reshape(-1), np.asarray(w, dtype=float).reshape(-1)
    if x.shape != (2,) or w.shape != (2,):
        raise ValueError(f"x and w must each hold 2 numbers, got shapes {x.shape} and {w.shape}")
    g = Graph()
    for i in (1, 2):
        g.input(f"x{i}", x[i - 1])
        g.input(f"w{i}", w[i - 1])
        g.gate(f"w{i}x{i}", "mul", f"w{i}", f"x{i}")
    g.input("b", float(b))
    g.gate("s", "add", "w1x1", "w2x2")
    g.gate("z", "add", "s", "b")
    g.gate("a", "sigmoid", "z")
    g.input("y", float(y))
    g.gate("a-y", "sub", "a", "y")
    g.gate("L", "half_square", "a-y")
    return g.backward()


def gate_examples(a=3.0, b=-2.0, upstream=2.0):
    """What the add, multiply and max gates do with an upstream gradient, on inputs a and b.

    -> [(gate, value, d/da, d/db)]: add gives both inputs the upstream gradient, mul gives each
    the upstream gradient times the other input, max gives all of it to the larger input.
    """
    rows = []
    for kind in ("add", "mul", "max"):
        g = Graph()
        g.input("a", a)
        g.input("b", b)
        g.gate("out", kind, "a", "b")
        g.backward(upstream=upstream)
        rows.append((kind, g.nodes["out"].value, g.nodes["a"].grad, g.nodes["b"].grad))
    return rows
