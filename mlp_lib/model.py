"""A multilayer perceptron of any depth built only from the pure layer functions.

For layer sizes ``[D, H1, ..., C]`` the forward pass is, for l = 1..L,

    z_l = a_{l-1} @ W_l + b_l,   a_l = f(z_l)  (hidden layers; optionally batch norm
                                                before f and dropout after it)

with a_0 = X, and the last z_L is the output (logits) handed to the loss.

What ``train`` needs of a model (any object with these four members can be trained):

    params                      dict name -> array, the parameters the loop updates
    check_data(X, y)            -> (X, y) checked and converted, once per run
    forward_backward(X, y)      -> (data_loss, penalty, grads, logits) on one mini-batch
    loss_record                 the ``losses.Loss`` record: predictions, accuracy, classifies
and ``forward(X)`` (evaluation-mode logits) when there is validation data.
"""
import numpy as np

from .activations import ACTIVATIONS, get_activation
from .init import get_initializer
from .layers import (activation_backward, activation_forward, affine_backward, affine_forward,
                     batchnorm_backward, batchnorm_forward, dropout_backward, dropout_forward)
from .losses import get_loss_record
from .validation import (as_float_array, as_rng, check_batchnorm_batch, check_flag, check_float_dtype,
                         check_nonnegative, check_positive, check_probability, check_same_length, unchecked)

_RELU_LIKE = {"relu", "leaky_relu"}


def package_dropout_forward(X, p, u, train=True):
    """The package's ``dropout_forward`` with the signature of lesson 7's exercise:
    a unit is dropped where u < p. X, u: (N, H) -> out: (N, H), mask (None in evaluation)."""
    return dropout_forward.unchecked(X, p, train=train, mask=u >= p)     # the model checked X


def _check_pair(pair, name, example):
    if not (isinstance(pair, tuple) and len(pair) == 2 and all(callable(g) for g in pair)):
        raise TypeError(f"{name} must be a pair of two functions {example}; got {pair!r}")
    return pair


class MLP:
    """A fully connected network for regression, binary or multi-class classification.

    layer_sizes: [D, H1, ..., C] (input size, hidden sizes, output size).
    activation: a name ("relu", "tanh", ...) or a pair (f, f_prime) of the learner's own.
    loss: "softmax_cross_entropy", "binary_cross_entropy", "mse", a function
        (logits, y) -> (loss, dlogits), or a ``losses.Loss`` record (``loss_record`` keeps it).
    init: an initializer name or function (fan_in, fan_out, rng) -> W (fan_in, fan_out); by
        default He for ReLU-like activations and Xavier otherwise.
    weight_decay: L2 strength lambda >= 0; adds lambda/2 * sum ||W||^2 (not the biases).
    dropout: drop probability p in [0, 1) after each hidden activation.
    batchnorm: True to normalize each hidden pre-activation (parameters gamma_l, beta_l, which
        replace that layer's bias b_l; running statistics in ``bn_running``).
    affine: the pair (affine_forward, affine_backward) to use, for a learner's own.
    dropout_layer: a pair (forward(X, p, u, train=True) -> (out, mask), backward(dout, mask) -> dX),
        as lesson 7's exercise writes them (u: (N, H) uniform numbers, drop where u < p);
        the model draws u from its generator. Default: the package's.
    batchnorm_layer: a pair (forward(X, gamma, beta) -> (out, cache), backward(dout, cache)
        -> (dX, dgamma, dbeta)) in training mode, as lesson 7's exercise writes them; the model
        keeps the running statistics and evaluates with them itself. Default: the package's.
    seed: an int or np.random.Generator for initialization and dropout masks.
    dtype: np.float64 (default) or np.float32 for speed.

    ``params`` is a dict {"W1": (D, H1), "b1": (H1,), ...}; ``loss(X, y)`` returns
    (loss, grads) with the same keys.
    """

    def __init__(self, layer_sizes, activation="relu", loss="softmax_cross_entropy", init=None,
                 weight_decay=0.0, dropout=0.0, batchnorm=False, affine=(affine_forward, affine_backward),
                 dropout_layer=None, batchnorm_layer=None, seed=0, dtype=np.float64):
        if not isinstance(layer_sizes, (list, tuple)) or len(layer_sizes) < 2:
            raise ValueError(f"layer_sizes must list at least an input and an output size, e.g. [2, 8, 1]; "
                             f"got {layer_sizes!r}")
        for i, size in enumerate(layer_sizes):
            check_positive(size, f"layer_sizes[{i}]", integer=True)
        self.dtype = check_float_dtype(dtype)
        self.layer_sizes = [int(s) for s in layer_sizes]
        self.activation = get_activation(activation)
        self.loss_record = get_loss_record(loss)
        if init is None:
            init = "he_normal" if activation in _RELU_LIKE else "xavier_normal"
        self.init = get_initializer(init)
        self.weight_decay = check_nonnegative(weight_decay, "weight_decay")
        self.dropout = check_probability(dropout, "dropout")
        self.batchnorm = check_flag(batchnorm, "batchnorm")
        self.affine = _check_pair(affine, "affine", "(affine_forward, affine_backward)")
        example = "(forward, backward) as in lesson 7"
        self.dropout_layer = (_check_pair(dropout_layer, "dropout_layer", example) if dropout_layer is not None
                              else (package_dropout_forward, dropout_backward))
        self.batchnorm_layer = (None if batchnorm_layer is None
                                else _check_pair(batchnorm_layer, "batchnorm_layer", example))
        if dropout_layer is not None and not self.dropout:
            raise ValueError("dropout_layer was given but dropout is 0: pass dropout=p with p in (0, 1)")
        if batchnorm_layer is not None and not self.batchnorm:
            raise ValueError("batchnorm_layer was given but batchnorm is False: pass batchnorm=True as well")
        self.rng = as_rng(seed)
        self.params = {}
        self.bn_running = {}
        self._no_bias = np.zeros((), dtype=self.dtype)
        for l, (fan_in, fan_out) in enumerate(zip(self.layer_sizes[:-1], self.layer_sizes[1:]), start=1):
            self.params[f"W{l}"] = self._initial_weights(l, fan_in, fan_out)
            if self.batchnorm and l < self.num_layers:
                # batch norm subtracts the batch mean, so a bias here would have no effect: beta replaces it
                self.params[f"gamma{l}"] = np.ones(fan_out, dtype=self.dtype)
                self.params[f"beta{l}"] = np.zeros(fan_out, dtype=self.dtype)
                self.bn_running[l] = {"mean": np.zeros(fan_out, dtype=self.dtype),
                                      "var": np.ones(fan_out, dtype=self.dtype)}
            else:
                self.params[f"b{l}"] = np.zeros(fan_out, dtype=self.dtype)

    def _initial_weights(self, l, fan_in, fan_out):
        W = as_float_array(self.init(fan_in, fan_out, self.rng), f"the initial W{l} returned by init",
                           dtype=self.dtype)
        if W.shape != (fan_in, fan_out):
            raise ValueError(f"init must return W{l} of shape (fan_in, fan_out) = {(fan_in, fan_out)}, "
                             f"got shape {W.shape}")
        return W

    @property
    def num_layers(self):
        """L, the number of affine layers."""
        return len(self.layer_sizes) - 1

    @property
    def is_classifier(self):
        """True when predictions are labels and accuracy means something."""
        return self.loss_record.classifies(self.layer_sizes[-1])

    def __repr__(self):
        return (f"MLP({self.layer_sizes}, activation={getattr(self.activation[0], '__name__', '?')!r}, "
                f"loss={self.loss_record.name!r})")

    # -- forward and backward -------------------------------------------------
    def _forward(self, X, train, rng):
        """Return the logits (N, C) and the caches of every layer.

        X was checked once (``check_X``): the package's layers run as their unchecked bodies."""
        forward = unchecked(self.affine[0])
        activation = (unchecked(self.activation[0]), unchecked(self.activation[1]))
        caches = []
        a = X
        for l in range(1, self.num_layers + 1):
            z, affine_cache = forward(a, self.params[f"W{l}"], self.params.get(f"b{l}", self._no_bias))
            if l == self.num_layers:
                caches.append((affine_cache, None, None, None))
                return z, caches
            bn_cache = None
            if self.batchnorm:
                z, bn_cache = self._batchnorm_forward(l, z, train)
            a, act_cache = activation_forward.unchecked(z, activation)
            drop_cache = None
            if train and self.dropout:
                a, drop_cache = self.dropout_layer[0](a, self.dropout, rng.random(a.shape), train=True)
                a = np.asarray(a, dtype=self.dtype)
            caches.append((affine_cache, bn_cache, act_cache, drop_cache))

    def _batchnorm_forward(self, l, z, train):
        if train:
            check_batchnorm_batch(z)
        gamma, beta = self.params[f"gamma{l}"], self.params[f"beta{l}"]
        out, cache, running = batchnorm_forward.unchecked(z, gamma, beta, self.bn_running[l], train=train)
        self.bn_running[l] = running
        if train and self.batchnorm_layer is not None:       # a learner's pair, in training mode
            out, cache = self.batchnorm_layer[0](z, gamma, beta)
            out = np.asarray(out, dtype=self.dtype)
        return out, cache

    def _backward(self, dlogits, caches):
        """Return the gradient of the data loss for every parameter."""
        backward = unchecked(self.affine[1])
        bn_backward = unchecked(batchnorm_backward if self.batchnorm_layer is None else self.batchnorm_layer[1])
        drop_backward = unchecked(self.dropout_layer[1])
        grads = {}
        dout = dlogits
        for l in range(self.num_layers, 0, -1):
            affine_cache, bn_cache, act_cache, drop_cache = caches[l - 1]
            if l < self.num_layers:
                if drop_cache is not None:
                    dout = np.asarray(drop_backward(dout, drop_cache), dtype=self.dtype)
                dout = activation_backward.unchecked(dout, act_cache)
                if bn_cache is not None:      # a learner's pair may compute in float64: keep the model's dtype
                    dout, grads[f"gamma{l}"], grads[f"beta{l}"] = (
                        np.asarray(g, dtype=self.dtype) for g in bn_backward(dout, bn_cache))
            if l == 1 and backward is affine_backward.unchecked:   # the data X needs no gradient: skip dout @ W1.T
                dout, grads["W1"], db = backward(dout, affine_cache, input_grad=False)
            else:
                dout, grads[f"W{l}"], db = backward(dout, affine_cache)
            if f"b{l}" in self.params:
                grads[f"b{l}"] = db
        return grads

    def forward_backward(self, X, y, rng=None):
        """One training pass on checked data (see ``check_data``), without further checks.

        X: (N, D) of the model's dtype; y: targets as ``check_data`` returns them
        -> (data_loss: float, penalty: float, the L2 term lambda/2 sum ||W||^2,
            grads: dict like ``params``, of the total loss data_loss + penalty,
            logits: (N, C)).
        Dropout masks are drawn from ``rng`` (default: the model's own generator).
        """
        logits, caches = self._forward(X, True, self.rng if rng is None else rng)
        record = self.loss_record
        # a built-in loss skips its checks of y here: check_data ran them once
        data_loss, dlogits = record.fn(logits, y, check=False) if record.builtin else record.fn(logits, y)
        grads = self._backward(dlogits, caches)
        penalty = 0.0
        if self.weight_decay:
            penalty = self.l2_penalty()
            for l in range(1, self.num_layers + 1):
                grads[f"W{l}"] = grads[f"W{l}"] + self.weight_decay * self.params[f"W{l}"]
        return data_loss, penalty, grads, logits

    def l2_penalty(self):
        """The L2 term lambda/2 * sum over layers of ||W_l||^2 (biases excluded)."""
        return 0.5 * self.weight_decay * sum(float(np.sum(self.params[f"W{l}"] ** 2))
                                             for l in range(1, self.num_layers + 1))

    def loss(self, X, y, rng=None):
        """Training loss and gradients on a batch (dropout on, batch statistics used).

        X: (N, D); y: (N,) labels, (N, C) one-hot, or (N,)/(N, K) regression targets.
        rng: generator for the dropout masks; pass a freshly seeded one for a fixed mask.
        -> (loss: float including the L2 term, grads: dict with the keys of ``params``).
        """
        X, y = self.check_data(X, y)
        data_loss, penalty, grads, _ = self.forward_backward(X, y, rng)
        return data_loss + penalty, grads

    def forward(self, X):
        """Output-layer values before the loss (logits), in evaluation mode. X: (N, D) -> (N, C)."""
        return self._forward(self.check_X(X), False, None)[0]

    def predict_proba(self, X):
        """Class probabilities (softmax: (N, C); binary: (N,) P(y=1)); for mse, the predictions."""
        return self.loss_record.transform(self.forward(X))

    def predict(self, X):
        """Predicted labels (N,) for classification, predicted values (N, K) for regression."""
        return self.loss_record.predict(self.forward(X))

    # -- input checks ---------------------------------------------------------
    def check_X(self, X):
        """Return X (N, D) as a finite array of the model's dtype, or raise naming what is wrong."""
        X = as_float_array(X, "X", ndim=2, dtype=self.dtype)
        if len(X) == 0:
            raise ValueError(f"X must hold at least one sample, got an array of shape {X.shape}")
        D = self.layer_sizes[0]
        if X.shape[1] != D:
            raise ValueError(f"X must have {D} features (columns) for this model, got {X.shape[1]} "
                             f"(X has shape {X.shape})")
        return X

    def check_data(self, X, y):
        """Check a data set once and return it as the model computes with it.

        X: (N, D) -> finite array of the model's dtype; y: (N,) labels, (N, C) one-hot or
        (N,)/(N, K) targets, checked by the loss record (labels in range, targets in [0, 1]
        for binary cross-entropy, shapes matching the outputs).
        """
        X = self.check_X(X)
        check_same_length(X, y)
        record = self.loss_record
        if record.builtin and (record.name != "softmax_cross_entropy" or np.ndim(y) != 1):
            y = as_float_array(y, "y", dtype=self.dtype)
        return X, record.check(y, (len(X), self.layer_sizes[-1]))
