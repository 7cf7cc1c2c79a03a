"""The training loop's fast path: the same maths as the pure functions, fused for speed.

``train`` takes it for an ``MLP`` with the package's affine layers and no dropout or batch
norm. On small networks a step costs what its Python calls cost, so here:

- all parameters live in one flat array, and ``model.params`` holds views into it; the
  package's ``sgd`` updates them in place with two or three array operations per step
  (another update rule is called per parameter, as in the plain loop, and its result copied in);
- gradients are written into one flat array by products with ``out=``;
- the package's activations are applied in place and keep their output ``a`` for the
  derivative (sigmoid a (1 - a), tanh 1 - a^2, ReLU a > 0) instead of recomputing it from z;
- mini-batches are gathered into preallocated buffers with ``np.take(..., out=)``;
- one dtype end to end and no per-step validation (``check_data`` ran once).

A learner's own activation pair or loss turns the fast path off for that part only: it is
called as the plain loop calls it. ``tests/test_fastpath.py`` checks that both paths give the
same parameters to float rounding.
"""
import math

import numpy as np

from .activations import ACTIVATIONS
from .clip import checked_clip_result, clip_gradients, gradients_changed
from .layers import affine_backward, affine_forward
from .optim import sgd
from .validation import unchecked

_BUILTIN_ACTIVATIONS = {pair: name for name, pair in ACTIVATIONS.items()}
_LEAKY_ALPHA = 0.01


def fast_steps(model, rule, hyper, X, y, batch_size, shuffle):
    """A ``FastSteps`` for this run, or None when the model has a part the fast path does not fuse."""
    from .model import MLP     # model imports nothing from here; train imports both

    if (type(model) is not MLP or model.affine != (affine_forward, affine_backward)
            or model.dropout or model.batchnorm):
        return None
    return FastSteps(model, rule, hyper, X, y, batch_size, shuffle)


class FastSteps:
    """One training run's steps: ``batches(rng)`` gathers, ``compute()`` runs forward and
    backward, ``update(lr)`` applies the update rule (the interface of train's plain loop)."""

    def __init__(self, model, rule, hyper, X, y, batch_size, shuffle):
        self.model, self.rule, self.hyper = model, unchecked(rule), dict(hyper)
        self.X, self.y, self.batch_size, self.shuffle = X, y, batch_size, shuffle
        self.L = model.num_layers
        self.dtype = model.dtype
        record = model.loss_record
        self.record = record
        self.loss_kind = record.name if record.builtin else None
        self.act_kind = _BUILTIN_ACTIVATIONS.get(model.activation)
        self.classify = bool(record.classifies(model.layer_sizes[-1]))
        self.labels = record.labels(y) if self.classify else None
        self.int_targets = y.ndim == 1 and self.loss_kind == "softmax_cross_entropy"
        self._pack_params()
        self.in_place_sgd = rule is sgd
        self.states = {name: None for name in self.names}
        self.velocity = None
        self.buffers = {}

    # -- parameters: one flat array, views in model.params ------------------------------
    def _pack_params(self):
        params = self.model.params
        self.names = list(params)
        total = sum(np.size(params[k]) for k in self.names)
        self.flat = np.empty(total, dtype=self.dtype)
        self.grad_flat = np.zeros(total, dtype=self.dtype)
        self.views, self.grads = {}, {}
        start = 0
        for name in self.names:
            value = np.asarray(params[name])
            view = self.flat[start:start + value.size].reshape(value.shape)
            view[...] = value                      # a copy: the caller's arrays are never modified
            self.views[name] = view
            self.grads[name] = self.grad_flat[start:start + value.size].reshape(value.shape)
            start += value.size
        params.update(self.views)
        self.W = [self.views[f"W{l}"] for l in range(1, self.L + 1)]
        self.b = [self.views[f"b{l}"] for l in range(1, self.L + 1)]
        self.dW = [self.grads[f"W{l}"] for l in range(1, self.L + 1)]
        self.db = [self.grads[f"b{l}"] for l in range(1, self.L + 1)]

    def sync(self):
        """After a callback: take over any parameter array it put into model.params."""
        params = self.model.params
        for name, view in self.views.items():
            if params.get(name) is not view:
                view[...] = params[name]
                params[name] = view

    def restore(self, best_params):
        for name, view in self.views.items():
            view[...] = best_params[name]

    # -- mini-batches ------------------------------------------------------------------
    def _buffers(self, n):
        """Preallocated arrays for a batch of n samples (at most two sizes per run)."""
        buf = self.buffers.get(n)
        if buf is None:
            sizes = self.model.layer_sizes
            buf = {"z": [np.empty((n, m), dtype=self.dtype) for m in sizes[1:]],
                   "da": [np.empty((n, m), dtype=self.dtype) for m in sizes[1:-1]],
                   "tmp": np.empty((n, sizes[-1]), dtype=self.dtype), "rows": np.arange(n)}
            if self.shuffle:
                buf["X"] = np.empty((n, sizes[0]), dtype=self.dtype)
                buf["y"] = np.empty((n,) + self.y.shape[1:], dtype=self.y.dtype)
                if self.classify:
                    buf["labels"] = np.empty(n, dtype=self.labels.dtype)
            self.buffers[n] = buf
        return buf

    def batches(self, rng):
        """Yield the size of each mini-batch of one epoch, after gathering it (the order of
        ``iterate_minibatches``: a permutation drawn from rng when shuffling)."""
        N, B = len(self.X), self.batch_size
        if not self.shuffle:
            self.buf = self._buffers(N)
            self.X_batch, self.y_batch, self.labels_batch = self.X, self.y, self.labels
            yield N
            return
        order = rng.permutation(N)      # a permutation: np.take's mode="clip" never clips, it avoids a copy
        for start in range(0, N, B):
            idx = order[start:start + B]
            n = len(idx)
            buf = self.buf = self._buffers(n)
            self.X_batch = self.X.take(idx, axis=0, out=buf["X"], mode="clip")
            self.y_batch = self.y.take(idx, axis=0, out=buf["y"], mode="clip")
            if self.classify:
                self.labels_batch = self.labels.take(idx, out=buf["labels"], mode="clip")
            yield n

    # -- one step ----------------------------------------------------------------------
    def compute(self):
        """Forward and backward on the current batch -> (data loss, L2 term, correct predictions)."""
        buf, L = self.buf, self.L
        f, f_prime = (unchecked(g) for g in self.model.activation)
        a = self.X_batch
        inputs, pre = [a], []
        for l in range(L):
            z = np.matmul(a, self.W[l], out=buf["z"][l])
            z += self.b[l]
            if l < L - 1:
                if self.act_kind is None:           # a learner's activation: keep z, call f
                    pre.append(z)
                    z = f(z)
                else:
                    _activate(self.act_kind, z)     # in place: z now holds a = f(z)
            inputs.append(z)
            a = z
        logits = a
        hits = 0
        if self.classify:
            predicted = logits[:, 0] > 0 if self.loss_kind == "binary_cross_entropy" else logits.argmax(axis=1)
            hits = int(np.count_nonzero(predicted == self.labels_batch))
        loss, dz = self._loss(logits)
        for l in range(L - 1, -1, -1):
            np.matmul(inputs[l].T, dz, out=self.dW[l])
            np.add.reduce(dz, axis=0, out=self.db[l])
            if l:
                da = np.matmul(dz, self.W[l].T, out=buf["da"][l - 1])
                if self.act_kind is None:
                    da *= f_prime(pre[l - 1])
                else:
                    _times_derivative(self.act_kind, da, inputs[l])
                dz = da
        penalty = 0.0
        lam = self.model.weight_decay
        if lam:
            penalty = 0.5 * lam * sum(float(np.sum(W ** 2)) for W in self.W)
            for W, dW in zip(self.W, self.dW):
                dW += lam * W
        return loss, penalty, hits

    def _loss(self, logits):
        """(data loss, dlogits): the built-in losses fused, written as the pure ones in ``losses``."""
        y, kind, N = self.y_batch, self.loss_kind, logits.shape[0]
        if kind == "softmax_cross_entropy":
            log_p = self.buf["tmp"]
            np.subtract(logits, np.maximum.reduce(logits, axis=1, keepdims=True), out=log_p)
            log_p -= np.log(np.add.reduce(np.exp(log_p), axis=1, keepdims=True))
            if self.int_targets:
                rows = self.buf["rows"]
                loss = -np.add.reduce(log_p[rows, y]) / N
                dz = np.exp(log_p, out=log_p)
                dz[rows, y] -= 1
                dz /= N
            else:
                loss = -np.add.reduce(y * log_p, axis=None) / N
                dz = np.exp(log_p, out=log_p)
                dz *= np.add.reduce(y, axis=1, keepdims=True)     # soft targets: rows need not sum to 1
                dz -= y
                dz /= N
            return float(loss), dz
        if kind == "binary_cross_entropy":
            z, dz = logits, self.buf["tmp"]
            losses = np.logaddexp(0, z)
            losses -= z * y
            loss = float(np.add.reduce(losses, axis=None) / N)
            np.subtract(_sigmoid(z, dz), y, out=dz)
            dz /= N
            return loss, dz
        if kind == "mse":
            dz = np.subtract(logits, y, out=self.buf["tmp"])
            loss = float(np.add.reduce(dz * dz, axis=None) / dz.size)
            dz *= 2.0 / dz.size
            return loss, dz
        return self.record.fn(logits, y)             # a learner's loss, called as the plain loop does

    def clip(self, fn, max_norm, max_value):
        """Clip the gradients in place -> whether that changed them. The package's
        ``clip_gradients`` is fused on the flat gradient (its global norm is the norm of the
        flat array); a learner's function is called on the dict of views and its result copied in."""
        g = self.grad_flat
        if fn is not clip_gradients.unchecked:
            clipped = checked_clip_result(fn(self.grads, max_norm=max_norm, max_value=max_value), self.grads)
            changed = gradients_changed(self.grads, clipped)
            for name, view in self.grads.items():
                view[...] = clipped[name]
            return changed
        changed = False
        if max_value is not None and np.any(np.abs(g) > max_value):
            np.clip(g, -max_value, max_value, out=g)
            changed = True
        if max_norm is not None:
            norm = math.sqrt(float(np.dot(g, g)))
            if norm > max_norm:
                g *= g.dtype.type(max_norm / norm)
                changed = True
        return changed

    def update(self, lr):
        """Apply the update rule: in place for the package's sgd, else once per parameter."""
        if not self.in_place_sgd:
            for name, view in self.views.items():
                new, self.states[name] = self.rule(view, self.grads[name], self.states[name], lr, **self.hyper)
                view[...] = new
            return
        g, hyper = self.grad_flat, self.hyper
        wd, momentum = hyper.get("weight_decay", 0.0), hyper.get("momentum", 0.0)
        if wd:
            g += wd * self.flat
        if momentum:                                  # v = g, then v = momentum v + (1 - dampening) g
            if self.velocity is None:
                self.velocity = g.copy()
            else:
                self.velocity *= momentum
                self.velocity += (1 - hyper.get("dampening", 0.0)) * g
            if hyper.get("nesterov", False):
                g += momentum * self.velocity
            else:
                g[...] = self.velocity
        g *= lr
        self.flat -= g

def _sigmoid(z, out):
    """1 / (1 + exp(-z)) into out; exp may overflow to inf, which gives the right 0."""
    np.negative(z, out=out)
    np.exp(out, out=out)
    out += 1
    return np.reciprocal(out, out=out)


def _activate(kind, z):
    """a = f(z) in place for a package activation."""
    if kind == "relu":
        np.maximum(z, 0, out=z)
    elif kind == "tanh":
        np.tanh(z, out=z)
    elif kind == "sigmoid":
        _sigmoid(z, z)
    elif kind == "leaky_relu":
        np.maximum(z, _LEAKY_ALPHA * z, out=z)
    # identity: nothing to do


def _times_derivative(kind, da, a):
    """da *= f'(z) in place, from the kept output a = f(z)."""
    if kind == "relu":
        da *= a > 0
    elif kind == "tanh":
        da *= 1.0 - a * a
    elif kind == "sigmoid":
        da *= a * (1.0 - a)
    elif kind == "leaky_relu":
        da *= np.where(a > 0, da.dtype.type(1), da.dtype.type(_LEAKY_ALPHA))
