"""Classification metrics: on integer labels y_true, y_pred of shape (N,), and, for a binary
question (1 = the positive class), on scores (N,) such as the predicted probability of class 1.

The curves sweep a threshold t over the distinct scores, from the highest down: a sample is
predicted positive when its score is >= t. Samples with equal scores therefore change class
together, so a tie is one step of a curve (a diagonal segment of the ROC curve), never an
order that depends on how the samples happen to be sorted.
"""
import numpy as np

from .validation import (BINARY_LABELS, LABELS, Shape, binary_pair, both_classes, checked, curve_points,
                         metric_arguments)

SCORES = Shape("N")


@checked(y_true=LABELS, y_pred=LABELS, extra=metric_arguments)
def accuracy(y_true, y_pred):
    """Fraction of predictions equal to the labels. y_true, y_pred: (N,) -> float in [0, 1]."""
    return float(np.mean(y_true == y_pred))


@checked(y_true=LABELS, y_pred=LABELS, extra=metric_arguments)
def confusion_matrix(y_true, y_pred, C=None):
    """Counts M[i, j] of samples of true class i predicted as class j. -> (C, C) ints.

    C: the number of classes (default: the largest label + 1).
    """
    if C is None:
        C = int(max(y_true.max(), y_pred.max())) + 1
    M = np.zeros((C, C), dtype=np.intp)
    np.add.at(M, (y_true, y_pred), 1)
    return M


@checked(y_true=LABELS, y_pred=LABELS, extra=metric_arguments)
def precision_recall(y_true, y_pred, C=None):
    """Per-class precision M[c, c] / sum_i M[i, c] and recall M[c, c] / sum_j M[c, j]
    (0 where a class is never predicted / never present). -> precision (C,), recall (C,)."""
    M = confusion_matrix.unchecked(y_true, y_pred, C)
    tp = np.diag(M).astype(float)
    predicted, actual = M.sum(axis=0), M.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    return precision, recall


# -- one binary question: is it positive (1)? -------------------------------------------------

@checked(y_true=BINARY_LABELS, y_pred=BINARY_LABELS, extra=binary_pair)
def precision_recall_f1(y_true, y_pred):
    """Precision TP / (TP + FP), recall TP / (TP + FN) and their harmonic mean F1 = 2PR / (P + R)
    of the positive class 1. y_true, y_pred: (N,) in {0, 1} -> three floats in [0, 1]
    (precision 0 when nothing is predicted positive, recall 0 when nothing is positive, F1 0 when both are 0)."""
    tp = float(np.sum((y_pred == 1) & (y_true == 1)))
    predicted, actual = float(np.sum(y_pred == 1)), float(np.sum(y_true == 1))
    precision = tp / predicted if predicted else 0.0
    recall = tp / actual if actual else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _counts_above(y_true, scores):
    """For each distinct score t, from the highest down: t, and the numbers of positives (TP) and
    negatives (FP) with a score >= t. -> thresholds (T,), tp (T,), fp (T,), T = number of distinct scores."""
    order = np.argsort(-scores, kind="stable")
    s, positive = scores[order], y_true[order]
    last = np.append(np.flatnonzero(np.diff(s)), len(s) - 1)     # the last sample of each run of equal scores
    tp = np.cumsum(positive)[last]
    return s[last], tp, last + 1 - tp


@checked(y_true=BINARY_LABELS, scores=SCORES, extra=both_classes)
def roc_curve(y_true, scores):
    """The ROC curve: false-positive rate FP / negatives against true-positive rate (recall)
    TP / positives, for every threshold. y_true: (N,) in {0, 1} with both classes; scores: (N,) finite.

    -> fpr (T + 1,), tpr (T + 1,), thresholds (T + 1,): the first point (0, 0) has threshold
    +inf (nothing predicted positive); then one point per distinct score, thresholds decreasing.
    """
    thresholds, tp, fp = _counts_above(y_true, scores)
    return (np.append(0.0, fp / fp[-1]), np.append(0.0, tp / tp[-1]),
            np.append(np.inf, thresholds))


@checked(y_true=BINARY_LABELS, scores=SCORES, extra=both_classes)
def precision_recall_curve(y_true, scores):
    """Precision TP / (TP + FP) and recall TP / positives for every threshold.
    y_true: (N,) in {0, 1} with both classes; scores: (N,) finite.

    -> precision (T,), recall (T,), thresholds (T,): one point per distinct score, thresholds
    decreasing (recall increasing to 1).
    """
    thresholds, tp, fp = _counts_above(y_true, scores)
    return tp / (tp + fp), tp / tp[-1], thresholds


@checked(y_true=BINARY_LABELS, scores=SCORES, extra=both_classes)
def average_precision(y_true, scores):
    """The area under the precision-recall curve as a step function: sum_k (R_k - R_{k-1}) P_k
    over the thresholds, R_0 = 0. y_true: (N,) in {0, 1} with both classes; scores: (N,) -> float."""
    precision, recall, _ = precision_recall_curve.unchecked(y_true, scores)
    return float(np.sum(np.diff(recall, prepend=0.0) * precision))


@checked(x=Shape("N"), y=Shape("N"), extra=curve_points)
def auc(x, y):
    """The area under a curve through the points (x, y) by the trapezoidal rule; x sorted up or
    down. x, y: (N,), N >= 2 -> float. ``auc(fpr, tpr)`` is the area under the ROC curve: the
    probability that a random positive scores above a random negative (ties count one half)."""
    area = float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2))
    return -area if x[-1] < x[0] else area
