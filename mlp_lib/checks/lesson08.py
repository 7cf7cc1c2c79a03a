"""Checks of the capstone's exercises, handwritten digits (solutions/08_capstone_digits.ipynb).

The learner standardizes with training statistics, counts a confusion matrix, and writes the
whole pipeline ``digits_pipeline(X_train, y_train, X_test) -> predicted labels``, scored by
accuracy. The 1,797 digits are split once and for all: a fifth (stratified, fixed seed) is
**held out** for the grader, and the notebook works with the rest, ``development_data()``.
The instant check splits the development digits into training and validation parts; the
grader trains the learner's pipeline on all development digits and scores its predictions on
the held-out ones, whose labels never enter the learner's kernel.
"""
import pathlib

import numpy as np

from ..data import Standardizer, load_digits, train_val_test_split
from ..metrics import confusion_matrix
from .base import Case, Exercise, Mistake, make_check

EXERCISE_SET = "08_capstone_digits"
HELD_OUT = 0.2            # share of the digits kept for the grader
HELD_OUT_SEED = 8         # fixes which digits those are
FULL_MARKS_FROM = 0.97    # accuracy on the clean validation digits for all the points of digits_pipeline
NO_MARKS_BELOW = 0.90     # partial credit in between, linear
# The grader's held-out digits are perturbed (mlp_lib.grading.held_out), which makes them harder:
# measured with benchmarks/capstone_lookup.py --seeds 10, the course's pipeline scores 94.4-96.4 %
# on them (mean 95.5 %) and a nearest-neighbour lookup in the public digits 86-91 %.
HELD_OUT_FULL_MARKS_FROM = 0.93
HELD_OUT_NO_MARKS_BELOW = 0.85


def _partition():
    X, y = load_digits()
    X_dev, y_dev, _, _, X_held, y_held = train_val_test_split(X, y, val=0.0, test=HELD_OUT, seed=HELD_OUT_SEED)
    return X_dev, y_dev, X_held, y_held


def development_data():
    """The digits the notebook may use: X (1438, 64) ink counts 0..16, y (1438,) labels 0..9.
    The other 359 digits are held out for grading the pipeline."""
    X_dev, y_dev, _, _ = _partition()
    return X_dev, y_dev


# -- standardize ----------------------------------------------------------------------------

def standardize_reference(X_train, X_other):
    """Standardize both arrays with the mean and std of X_train (constant features: std 1).
    X_train: (N, D), X_other: (M, D) -> (N, D), (M, D)."""
    scaler = Standardizer().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_other)


def _standardize_cases(rng):
    cases = []
    for N, M, D, dtype in [(20, 6, 5, np.float64), (30, 1, 4, np.float64), (12, 8, 3, np.float32)]:
        X_train = (rng.uniform(0, 16, (N, D)) * rng.uniform(0.2, 3, D)).astype(dtype)
        X_other = (rng.uniform(0, 16, (M, D)) + 2.0).astype(dtype)
        X_train[:, 0] = 0.0          # a blank pixel, as at the border of the digits
        X_train[:, 1] *= 0.05        # a faint pixel: its std is below 1 and must still divide
        X_other[:, 0] = rng.uniform(0, 1, M).astype(dtype)
        cases.append(Case((X_train, X_other), f"X_train {X_train.shape}, X_other {X_other.shape} "
                          f"(column 0 constant, column 1 faint in X_train)" + (" float32" if dtype == np.float32 else ""),
                          facts={"N": N}))
    return cases


def _scaled(mean_of, std_of, guard=True):
    def compute(X_train, X_other):
        mean, std = mean_of(X_train, X_other), std_of(X_train, X_other)
        if guard:
            std = np.where(std > 0, std, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (X_train - mean) / std, (X_other - mean) / std
    return compute


_TRAIN_MEAN = lambda A, B: A.mean(axis=0)
_TRAIN_STD = lambda A, B: A.std(axis=0)

STANDARDIZE = Exercise(
    name="standardize",
    points=2,
    make_cases=_standardize_cases,
    reference=standardize_reference,
    outputs=("X_train_s", "X_other_s"),
    references=("mlp_lib.data:Standardizer.fit", "mlp_lib.data:Standardizer.transform"),
    mistakes=[
        Mistake("X_other is standardized with its own mean and std: every later input must be transformed "
                "with the statistics of the training set, computed once.",
                lambda A, B: (_scaled(_TRAIN_MEAN, _TRAIN_STD)(A, A)[0], _scaled(_TRAIN_MEAN, _TRAIN_STD)(B, B)[0])),
        Mistake("the mean and std come from the training and the other data together: that leaks information "
                "about the test set into training. Use X_train alone.",
                _scaled(lambda A, B: np.vstack([A, B]).mean(axis=0), lambda A, B: np.vstack([A, B]).std(axis=0))),
        Mistake("the statistics are taken per sample (axis 1) instead of per feature over the samples (axis 0).",
                lambda A, B: ((A - A.mean(axis=1, keepdims=True)) / np.where(A.std(axis=1, keepdims=True) > 0,
                                                                               A.std(axis=1, keepdims=True), 1),
                              (B - B.mean(axis=1, keepdims=True)) / np.where(B.std(axis=1, keepdims=True) > 0,
                                                                               B.std(axis=1, keepdims=True), 1))),
        Mistake("the data are divided by the variance instead of the standard deviation.",
                _scaled(_TRAIN_MEAN, lambda A, B: A.var(axis=0))),
        Mistake("the mean is not subtracted: standardizing centres every feature before scaling it.",
                lambda A, B: (A / np.where(A.std(0) > 0, A.std(0), 1), B / np.where(A.std(0) > 0, A.std(0), 1))),
    ],
)


# -- confusion -----------------------------------------------------------------------------

def confusion_reference(y_true, y_pred, C):
    """Counts M[i, j] of samples of true class i predicted as j. y_true, y_pred: (N,) -> (C, C)."""
    return confusion_matrix(y_true, y_pred, C)


def _confusion_cases(rng):
    cases = []
    for N, C in [(30, 4), (1, 3), (50, 10), (12, 5)]:
        y_true = rng.integers(0, C, N)
        y_pred = np.where(rng.random(N) < 0.6, y_true, rng.integers(0, C, N))
        if N > 1:
            y_true[:2], y_pred[:2] = C - 1, C - 1          # the last class is present: C is not max + 1 by luck
        if C > 4:
            y_true, y_pred = np.where(y_true == 1, 0, y_true), np.where(y_pred == 1, 0, y_pred)  # an absent class
        cases.append(Case((y_true, y_pred, C), f"N = {N}, C = {C}", facts={"N": N}))
    return cases


def _fancy_index_add(y_true, y_pred, C):
    M = np.zeros((C, C), dtype=int)
    M[y_true, y_pred] += 1                               # repeated pairs are counted once
    return M


CONFUSION = Exercise(
    name="confusion",
    points=2,
    make_cases=_confusion_cases,
    reference=confusion_reference,
    result="the matrix",
    references=("mlp_lib.metrics:confusion_matrix",),
    mistakes=[
        Mistake("rows and columns are swapped: row i is the TRUE class i, column j the PREDICTED class j.",
                lambda t, p, C: confusion_matrix(t, p, C).T),
        Mistake("a pair (true, predicted) that occurs several times is counted only once: adding 1 at all the "
                "index pairs in one go (fancy indexing) adds 1 per distinct pair, however often it repeats. "
                "Loop over the samples, adding 1 for each, or use an addition that accumulates repeated "
                "indices (an unbuffered add).",
                _fancy_index_add),
        Mistake("the matrix must be C x C even when some class never occurs in y_true or y_pred.",
                lambda t, p, C: confusion_matrix(t, p)),
        Mistake("only the diagonal (the correct predictions) is counted.",
                lambda t, p, C: np.diag(np.diag(confusion_matrix(t, p, C)))),
    ],
)


# -- digits_pipeline (scored by accuracy) ---------------------------------------------------------

def _development_split(rng):
    """The instant check: train on 80 % of the development digits, predict the other 20 %."""
    X_dev, y_dev = development_data()
    seed = int(rng.integers(0, 2**31))
    X_tr, y_tr, _, _, X_val, y_val = train_val_test_split(X_dev, y_dev, val=0.0, test=0.2, seed=seed)
    return [Case((X_tr, y_tr, X_val), f"development digits: train {X_tr.shape}, predict {X_val.shape}",
                 private=y_val)]


def _held_out(rng, held_out=None):
    """The grader: train on every development digit, predict the held-out ones, both perturbed
    from the run's rng so that no copy of the public digits can look the labels up
    (``mlp_lib.grading.held_out``). held_out: optional folder or ZIP of a teacher's own digit
    images ("7_anna.png"), predicted instead of the held-out digits."""
    from ..grading.held_out import grading_digits
    X_train, y_train, X_test, y_test = grading_digits(rng, held_out=held_out)
    test_set = ("held-out digits" if held_out is None else
                f"digits of the teacher's held-out set {pathlib.PurePath(held_out).name!r}")
    return [Case((X_train, y_train, X_test), f"{test_set}: train {X_train.shape}, predict {X_test.shape}",
                 facts={"test_set": test_set, "full_from": HELD_OUT_FULL_MARKS_FROM,
                        "none_below": HELD_OUT_NO_MARKS_BELOW}, private=y_test)]


def _accuracy_score(case, labels):
    y = case.private
    which = case.facts.get("test_set", "validation digits")
    if labels is None:
        return (0.0, "digits_pipeline returned None: return the predicted labels (is the return statement missing?)",
                "digits_pipeline/returned-none")
    try:
        labels = np.asarray(labels)
    except Exception:
        labels = None
    if labels is None or labels.dtype == object or not np.issubdtype(labels.dtype, np.number):
        return 0.0, "should return the predicted digits as an array of integers of shape (n_test,)", \
            "digits_pipeline/not-an-array-of-digits"
    if labels.shape != y.shape:
        hint = (" (these look like probabilities or scores: take the argmax over the classes, axis 1)"
                if labels.ndim == 2 and labels.shape[0] == len(y) else "")
        return (0.0, f"should return one predicted digit per test image, shape {y.shape}; got shape "
                     f"{labels.shape}{hint}",
                "digits_pipeline/" + ("scores-not-labels" if hint else "wrong-number-of-predictions"))
    if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)) or labels.min() < 0 or labels.max() > 9:
        return 0.0, "the predictions must be digits 0..9 (integers)", "digits_pipeline/not-digits"
    acc = float(np.mean(labels.astype(int) == y))
    full, none = case.facts.get("full_from", FULL_MARKS_FROM), case.facts.get("none_below", NO_MARKS_BELOW)
    fraction = float(np.clip((acc - none) / (full - none), 0.0, 1.0))
    verdict = "full points" if fraction >= 1 else f"full points from {full:.0%}, none below {none:.0%}"
    text = f"accuracy {acc:.1%} on {len(y)} {which} ({verdict})"
    if fraction >= 1:
        return fraction, text
    return (fraction, *_pipeline_cause(labels.astype(int), y, acc, text))


COLLAPSED = 0.5     # one digit predicted for this share of the test images or more: the answers collapsed
CHANCE = 0.2        # accuracy at most this: the predictions do not follow the images


def _pipeline_cause(labels, y, acc, text):
    """What the predictions show about a pipeline short of full points: (message, diagnosis id)."""
    counts = np.bincount(labels, minlength=10)
    top = int(np.argmax(counts))
    if counts[top] >= COLLAPSED * len(labels):
        return (text + f": {counts[top] / len(labels):.0%} of the predictions are the digit {top}, so the network "
                "answers almost always the same. Either it did not learn (the loss never moved: check the updates "
                "and the learning rate) or the test images reach it on another scale than the training images "
                "(standardise X_test with the mean and std of X_train)"), "digits_pipeline/predictions-collapse"
    if acc <= CHANCE:
        return (text + ": that is about chance (10 %), so the predictions do not follow the images. Check that the "
                "labels stay paired with their images, that the test images are prepared like the training "
                "images, and that the network trains (its loss goes down)"), "digits_pipeline/chance-level"
    return (text + ": the pipeline learns (far above chance) but falls short. Either it is not trained enough "
            "(more epochs, a tuned learning rate, a wider hidden layer) or the test images are not prepared "
            "exactly like the training images (standardise X_test with the mean and std of X_train, not with "
            "its own, and not left raw)"), "digits_pipeline/learns-but-short"


DIGITS_PIPELINE = Exercise(
    name="digits_pipeline",
    points=6,
    make_cases=_development_split,
    grading_cases=_held_out,
    score=_accuracy_score,
    time_budget=300.0,
    # learning from the arguments only, with the learner's own pieces: loading the digits, or
    # letting MLP fall back on the package's layer and ReLU, scores zero
    references=("mlp_lib.data:load_digits", "mlp_lib.checks.lesson08:development_data",
                "mlp_lib.layers:affine_forward", "mlp_lib.layers:affine_backward",
                "mlp_lib.activations:relu", "mlp_lib.activations:relu_prime"),
)


EXERCISES = [STANDARDIZE, CONFUSION, DIGITS_PIPELINE]

check_standardize = make_check(STANDARDIZE)
check_confusion = make_check(CONFUSION)
check_digits_pipeline = make_check(DIGITS_PIPELINE)
