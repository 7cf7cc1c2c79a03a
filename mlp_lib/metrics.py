"""Classification metrics on integer labels y_true, y_pred of shape (N,)."""
import numpy as np

from .validation import LABELS, checked, metric_arguments


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
