"""Data sets and data handling: toy generators, real data that works offline, splits,
standardization and mini-batches; tables from CSV and ZIP files (``load_table``, in tables.py).

Every generator returns ``X`` of shape (N, D) and ``y`` of shape (N,) and takes a
``seed`` (an int or a np.random.Generator), so the same call gives the same data.
"""
import pathlib

import numpy as np

from .tables import Table, TableEncoder, load_table  # noqa: F401  (mlp_lib.data.load_table)
from .validation import (CENTERS, DATA, FINITE_DATA, FLAG, FRACTION, NONNEG, SAMPLES, SEED, NotFittedError,
                         as_rng, checked, one_hot_arguments, real, same_length,
                         split_arguments, split_parts)


@checked(n=SAMPLES, noise=NONNEG, seed=SEED)
def make_xor(n=4, noise=0.0, seed=0):
    """XOR: the four corners of the unit square labelled x1 XOR x2; with n > 4, noisy copies.

    -> X: (n, 2), y: (n,) in {0, 1}. n=4 and noise=0 gives the exact truth table.
    """
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    idx = np.arange(n) % 4
    X = corners[idx] + noise * as_rng(seed).standard_normal((n, 2))
    return X, (corners[idx, 0] != corners[idx, 1]).astype(np.intp)


@checked(n=SAMPLES, noise=NONNEG, seed=SEED)
def make_moons(n=200, noise=0.1, seed=0):
    """Two interleaving half circles. -> X: (n, 2), y: (n,) in {0, 1}."""
    rng = as_rng(seed)
    n0 = n // 2
    t = np.concatenate([np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n - n0)])
    y = np.concatenate([np.zeros(n0, np.intp), np.ones(n - n0, np.intp)])
    X = np.where(y[:, None] == 0,
                 np.column_stack([np.cos(t), np.sin(t)]),
                 np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)]))
    X = X + noise * rng.standard_normal(X.shape)
    perm = rng.permutation(n)
    return X[perm], y[perm]


@checked(n=SAMPLES, noise=NONNEG, factor=real(0, 1, low_open=True, high_open=True), seed=SEED)
def make_circles(n=200, noise=0.05, factor=0.5, seed=0):
    """A small circle (label 1) inside a large one (label 0). -> X: (n, 2), y: (n,)."""
    rng = as_rng(seed)
    y = (np.arange(n) % 2).astype(np.intp)
    t = rng.uniform(0, 2 * np.pi, n)
    radius = np.where(y == 1, factor, 1.0)
    X = radius[:, None] * np.column_stack([np.cos(t), np.sin(t)]) + noise * rng.standard_normal((n, 2))
    return X, y


@checked(n=SAMPLES, classes=SAMPLES, noise=NONNEG, winding=real(0, low_open=True), seed=SEED)
def make_spirals(n=300, classes=2, noise=0.2, seed=0, winding=4.0):
    """Interleaved spiral arms, one per class (as in CS231n). -> X: (n, 2), y: (n,) in 0..classes-1.

    A point at radius r in (0.05, 1) of arm c lies at the angle winding * r + 2 pi c / classes,
    plus noise (radians). winding: the angle an arm turns through per unit of radius
    (4, about two thirds of a turn, as in CS231n; 4 pi for two full turns, a harder problem).
    """
    rng = as_rng(seed)
    y = (np.arange(n) % classes).astype(np.intp)
    r = rng.uniform(0.05, 1.0, n)
    theta = winding * r + 2 * np.pi * y / classes + noise * rng.standard_normal(n)
    return np.column_stack([r * np.sin(theta), r * np.cos(theta)]), y


@checked(n=SAMPLES, centers=CENTERS, std=NONNEG, seed=SEED)
def make_blobs(n=200, centers=3, std=0.5, seed=0):
    """Gaussian blobs around ``centers`` points (or that many random centres in [-3, 3]^2).

    -> X: (n, 2), y: (n,) in 0..K-1.
    """
    rng = as_rng(seed)
    if np.isscalar(centers):
        centers = rng.uniform(-3, 3, size=(int(centers), 2))
    y = (np.arange(n) % len(centers)).astype(np.intp)
    return centers[y] + std * rng.standard_normal((n, centers.shape[1])), y


@checked(n=SAMPLES, noise=NONNEG, seed=SEED)
def make_regression_curve(n=100, noise=0.1, seed=0):
    """A noisy 1-D curve y = sin(2x) + 0.3x on x in [-3, 3]. -> X: (n, 1), y: (n,)."""
    rng = as_rng(seed)
    x = np.sort(rng.uniform(-3, 3, n))
    return x[:, None], np.sin(2 * x) + 0.3 * x + noise * rng.standard_normal(n)


# -- real data, shipped inside this package (mlp_lib/datasets/, see its README) --------

DATASETS = pathlib.Path(__file__).resolve().parent / "datasets"


def _read_csv(name, **kwargs):
    """A shipped gzip-compressed CSV file -> float64 array (np.loadtxt reads .gz itself)."""
    path = DATASETS / name
    if not path.is_file():
        raise FileNotFoundError(f"the data file {name} is missing from {DATASETS}: "
                                "reinstall the course package (pip install --force-reinstall mlp-lib)")
    return np.loadtxt(path, dtype=np.float64, **kwargs)


@checked()
def load_digits():
    """The 8x8 handwritten digits (1,797 images, UCI): X: (1797, 64) ink 0..16, y: (1797,) in 0..9."""
    data = _read_csv("digits.csv.gz", delimiter=",")
    return data[:, :-1].copy(), data[:, -1].astype(np.intp)


@checked()
def load_breast_cancer():
    """Wisconsin breast cancer (569 tumours, 30 measurements): X: (569, 30), y: (569,), 1 = benign."""
    data = _read_csv("breast_cancer.csv.gz", delimiter=",", skiprows=1)
    return data[:, :-1].copy(), data[:, -1].astype(np.intp)


@checked()
def load_diabetes():
    """Diabetes progression (442 patients, 10 standardized measurements): X: (442, 10), y: (442,)
    a disease-progression score one year later (regression).

    Each column of X is centred and divided by its standard deviation times sqrt(442), as in
    scikit-learn's ``load_diabetes()``."""
    X = _read_csv("diabetes_data_raw.csv.gz")
    mean, std = X.mean(axis=0), X.std(axis=0)      # both of the raw data, in scikit-learn's order
    X -= mean
    X /= std
    X /= len(X) ** 0.5
    return X, _read_csv("diabetes_target.csv.gz")


# -- handling ------------------------------------------------------------------------

@checked(C=real(1, integer=True), extra=one_hot_arguments)
def one_hot(y, C):
    """Integer labels (N,) in 0..C-1 -> one-hot matrix (N, C)."""
    Y = np.zeros((len(y), C))
    Y[np.arange(len(y)), y] = 1.0
    return Y


class Standardizer:
    """Standardize features to zero mean and unit variance, fitted on the training split only.

    ``fit(X_train)`` stores mean and std of shape (D,); ``transform(X)`` returns (X - mean) / std
    (constant features are left centred, not divided by zero).
    """

    @checked(X="N,D")
    def fit(self, X):
        self.mean = X.mean(axis=0)
        std = X.std(axis=0)
        self.std = np.where(std > 0, std, 1.0)
        return self

    @checked(X="N,D")
    def transform(self, X):
        if not hasattr(self, "mean"):
            raise NotFittedError("call fit(X_train) before transform")
        if X.shape[1] != self.mean.shape[0]:
            raise ValueError(f"X must have {self.mean.shape[0]} features as in fit, got {X.shape[1]}")
        return (X - self.mean) / self.std

    def fit_transform(self, X):
        return self.fit(X).transform(X)


@checked(X="N,D", y=FINITE_DATA, val=FRACTION, test=FRACTION, seed=SEED, stratify=FLAG,
         extra=split_arguments, post=split_parts)
def train_val_test_split(X, y, val=0.15, test=0.15, seed=0, stratify=True):
    """Shuffle and split into train, validation and test parts.

    X: (N, D), y: (N,) or (N, K); val, test: fractions in [0, 1) with val + test < 1; stratify
    keeps class proportions (of integer labels (N,) or one-hot rows (N, C); other targets are
    split at random). -> X_train, y_train, X_val, y_val, X_test, y_test.
    """
    rng = as_rng(seed)
    labels = _class_labels(y) if stratify else None
    groups = [np.arange(len(y))] if labels is None else [np.flatnonzero(labels == c) for c in np.unique(labels)]
    parts = ([], [], [])
    for idx in groups:
        idx = rng.permutation(idx)
        n_test, n_val = int(round(test * len(idx))), int(round(val * len(idx)))
        parts[2].append(idx[:n_test])
        parts[1].append(idx[n_test:n_test + n_val])
        parts[0].append(idx[n_test + n_val:])
    out = []
    for part in parts:
        idx = rng.permutation(np.concatenate(part))
        out += [X[idx], y[idx]]
    return tuple(out)


def _class_labels(y):
    """The classes to stratify by: integer labels as they are, one-hot rows by their 1, else None."""
    if y.ndim == 1 and y.dtype.kind in "iub":
        return y
    if y.ndim == 2 and np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=1) == 1):
        return np.argmax(y, axis=1)
    return None


@checked(X=DATA, y=DATA, batch_size=real(1, integer=True), rng=SEED, shuffle=FLAG, extra=same_length)
def iterate_minibatches(X, y, batch_size, rng=None, shuffle=True):
    """Yield (X_batch, y_batch) covering the data once, in a fresh random order if ``shuffle``
    (sampling without replacement); the last batch may be smaller.

    X: (N, D), y: (N, ...) -> batches of (B, D) and (B, ...) with B <= batch_size.
    """
    N = len(X)
    if batch_size >= N and not shuffle:
        yield X, y
        return
    order = as_rng(rng).permutation(N) if shuffle else np.arange(N)
    for start in range(0, N, batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]
