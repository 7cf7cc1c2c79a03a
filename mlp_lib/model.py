"""A multilayer perceptron of any depth built only from the pure layer functions.

For layer sizes ``[D, H1, ..., C]`` the forward pass is, for l = 1..L,

    z_l = a_{l-1} @ W_l + b_l,   a_l = f(z_l)  (hidden layers; optionally batch norm
                                                before f and dropout after it)

with a_0 = X, and the last z_L is the output (logits) handed to the loss.
"""
import numpy as np

from .activations import get_activation
from .init import get_initializer
from . import layers
from .losses import OUTPUT_TRANSFORMS, check_targets, get_loss
from .validation import (as_float_array, as_rng, check_positive, check_probability,
                         check_same_length, unchecked)

# The model checks X and y once per call; the layers then run without their own checks.
(activation_backward, activation_forward, affine_backward, affine_forward, batchnorm_backward, batchnorm_forward,
 dropout_backward, dropout_forward) = (unchecked(getattr(layers, name)) for name in (
    "activation_backward", "activation_forward", "affine_backward", "affine_forward", "batchnorm_backward",
    "batchnorm_forward", "dropout_backward", "dropout_forward"))

_RELU_LIKE = {"relu", "leaky_relu"}


class MLP:
    """A fully connected network for regression, binary or multi-class classification.

    layer_sizes: [D, H1, ..., C] (input size, hidden sizes, output size).
    activation: a name ("relu", "tanh", ...) or a pair (f, f_prime) of the learner's own.
    loss: "softmax_cross_entropy", "binary_cross_entropy", "mse", or a function
        (logits, y) -> (loss, dlogits).
    init: an initializer name or function (fan_in, fan_out, rng) -> W; by default He
        for ReLU-like activations and Xavier otherwise.
    weight_decay: L2 strength lambda; adds lambda/2 * sum ||W||^2 to the loss (not the biases).
    dropout: drop probability after each hidden activation, in [0, 1).
    batchnorm: normalize each hidden pre-activation (parameters gamma_l, beta_l, which
        replace that layer's bias b_l; running statistics in ``bn_running``).
    affine: the pair (affine_forward, affine_backward) to use, for a learner's own.
    seed: an int or np.random.Generator for initialization and dropout masks.
    dtype: np.float64 (default) or np.float32 for speed.

    ``params`` is a dict {"W1": (D, H1), "b1": (H1,), ...}; ``loss(X, y)`` returns
    (loss, grads) with the same keys.
    """

    def __init__(self, layer_sizes, activation="relu", loss="softmax_cross_entropy", init=None,
                 weight_decay=0.0, dropout=0.0, batchnorm=False, affine=(affine_forward, affine_backward),
                 seed=0, dtype=np.float64):
        if not isinstance(layer_sizes, (list, tuple)) or len(layer_sizes) < 2:
            raise ValueError(f"layer_sizes must list at least an input and an output size, e.g. [2, 8, 1]; "
                             f"got {layer_sizes!r}")
        for i, size in enumerate(layer_sizes):
            check_positive(size, f"layer_sizes[{i}]", integer=True)
        if np.dtype(dtype) not in (np.float32, np.float64):
            raise ValueError(f"dtype must be np.float32 or np.float64, got {dtype!r}")
        if weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay!r}")
        self.layer_sizes = [int(s) for s in layer_sizes]
        self.activation = tuple(unchecked(f) for f in get_activation(activation))
        self.loss_name = loss if isinstance(loss, str) else None
        self.loss_fn = unchecked(get_loss(loss))
        if init is None:
            init = "he_normal" if activation in _RELU_LIKE else "xavier_normal"
        self.init = get_initializer(init)
        self.weight_decay = float(weight_decay)
        self.dropout = check_probability(dropout, "dropout")
        self.batchnorm = bool(batchnorm)
        self.affine = affine
        self.dtype = np.dtype(dtype)
        self.rng = as_rng(seed)
        self.params = {}
        self.bn_running = {}
        self._no_bias = np.zeros((), dtype=self.dtype)
        for l, (fan_in, fan_out) in enumerate(zip(self.layer_sizes[:-1], self.layer_sizes[1:]), start=1):
            self.params[f"W{l}"] = np.asarray(self.init(fan_in, fan_out, self.rng), dtype=self.dtype)
            if self.batchnorm and l < self.num_layers:
                # batch norm subtracts the batch mean, so a bias here would have no effect: beta replaces it
                self.params[f"gamma{l}"] = np.ones(fan_out, dtype=self.dtype)
                self.params[f"beta{l}"] = np.zeros(fan_out, dtype=self.dtype)
                self.bn_running[l] = {"mean": np.zeros(fan_out, dtype=self.dtype),
                                      "var": np.ones(fan_out, dtype=self.dtype)}
            else:
                self.params[f"b{l}"] = np.zeros(fan_out, dtype=self.dtype)

    @property
    def num_layers(self):
        """L, the number of affine layers."""
        return len(self.layer_sizes) - 1

    def __repr__(self):
        return (f"MLP({self.layer_sizes}, activation={getattr(self.activation[0], '__name__', '?')!r}, "
                f"loss={self.loss_name or getattr(self.loss_fn, '__name__', '?')!r})")

    # -- forward and backward -------------------------------------------------
    def _forward(self, X, train, rng):
        """Return the logits (N, C) and the caches of every layer."""
        forward = self.affine[0]
        caches = []
        a = X
        for l in range(1, self.num_layers + 1):
            z, affine_cache = forward(a, self.params[f"W{l}"], self.params.get(f"b{l}", self._no_bias))
            if l == self.num_layers:
                caches.append((affine_cache, None, None, None))
                return z, caches
            bn_cache = None
            if self.batchnorm:
                z, bn_cache, running = batchnorm_forward(z, self.params[f"gamma{l}"], self.params[f"beta{l}"],
                                                         self.bn_running[l], train=train)
                self.bn_running[l] = running
            a, act_cache = activation_forward(z, self.activation)
            a, drop_cache = dropout_forward(a, self.dropout, rng, train=train)
            caches.append((affine_cache, bn_cache, act_cache, drop_cache))

    def _backward(self, dlogits, caches):
        """Return the gradient of the data loss for every parameter."""
        backward = self.affine[1]
        grads = {}
        dout = dlogits
        for l in range(self.num_layers, 0, -1):
            affine_cache, bn_cache, act_cache, drop_cache = caches[l - 1]
            if l < self.num_layers:
                dout = activation_backward(dropout_backward(dout, drop_cache), act_cache)
                if bn_cache is not None:
                    dout, grads[f"gamma{l}"], grads[f"beta{l}"] = batchnorm_backward(dout, bn_cache)
            if l == 1 and backward is affine_backward:    # the data X needs no gradient: skip dout @ W1.T
                dout, grads["W1"], db = affine_backward(dout, affine_cache, input_grad=False)
            else:
                dout, grads[f"W{l}"], db = backward(dout, affine_cache)
            if f"b{l}" in self.params:
                grads[f"b{l}"] = db
        return grads

    def forward_backward(self, X, y, rng=None):
        """One training pass without input checks (the training loop's hot path).

        X: (N, D) of the model's dtype; y: targets -> (loss, grads, logits (N, C)).
        Dropout masks are drawn from ``rng`` (default: the model's own generator).
        """
        logits, caches = self._forward(X, True, self.rng if rng is None else rng)
        # a built-in loss skips its checks of y here: _check_Xy ran them once
        loss, dlogits = self.loss_fn(logits, y, check=False) if self.loss_name else self.loss_fn(logits, y)
        grads = self._backward(dlogits, caches)
        if self.weight_decay:
            loss += self.l2_penalty()
            for l in range(1, self.num_layers + 1):
                grads[f"W{l}"] = grads[f"W{l}"] + self.weight_decay * self.params[f"W{l}"]
        return loss, grads, logits

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
        X, y = self._check_Xy(X, y)
        loss, grads, _ = self.forward_backward(X, y, rng)
        return loss, grads

    def forward(self, X):
        """Output-layer values before the loss (logits), in evaluation mode. X: (N, D) -> (N, C)."""
        return self._forward(self._check_X(X), False, None)[0]

    def predict_proba(self, X):
        """Class probabilities (softmax: (N, C); binary: (N,) P(y=1)); for mse, the predictions."""
        z = self.forward(X)
        out = OUTPUT_TRANSFORMS.get(self.loss_name, lambda v: v)(z)
        return out[:, 0] if self.loss_name == "binary_cross_entropy" and out.shape[1] == 1 else out

    def predict(self, X):
        """Predicted labels (N,) for classification, predicted values (N, K) for regression."""
        return predictions_from_logits(self.forward(X), self.loss_name)

    # -- input checks ---------------------------------------------------------
    def _check_X(self, X):
        X = as_float_array(X, "X", ndim=2, dtype=self.dtype)
        D = self.layer_sizes[0]
        if X.shape[1] != D:
            raise ValueError(f"X must have {D} features (columns) for this model, got {X.shape[1]} "
                             f"(X has shape {X.shape})")
        return X

    def _check_Xy(self, X, y):
        X = self._check_X(X)
        check_same_length(X, y)
        if self.loss_name is not None:
            if self.loss_name != "softmax_cross_entropy" or np.ndim(y) != 1:
                y = as_float_array(y, "y", dtype=self.dtype)
            y = check_targets(self.loss_name, y, (len(X), self.layer_sizes[-1]))
        return X, y


def predictions_from_logits(logits, loss_name):
    """Turn output values (N, C) into predictions: argmax labels, 0/1 labels or the values."""
    if loss_name == "softmax_cross_entropy":
        return np.argmax(logits, axis=1)
    if loss_name == "binary_cross_entropy":
        return (logits[:, 0] > 0).astype(np.intp) if logits.shape[1] == 1 else (logits > 0).astype(np.intp)
    return logits
