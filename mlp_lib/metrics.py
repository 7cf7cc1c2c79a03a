"""Classification metrics on integer labels y_true, y_pred of shape (N,)."""
import numpy as np

from .validation import check_same_length


def accuracy(y_true, y_pred):
    """Fraction of predictions equal to the labels. y_true, y_pred: (N,) -> float in [0, 1]."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    check_same_length(y_true, y_pred, "y_true", "y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, got {y_true.shape} and {y_pred.shape}")
    if y_true.size == 0:
        raise ValueError("accuracy of an empty set is undefined: got 0 samples")
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, C=None):
    """Counts M[i, j] of samples of true class i predicted as class j. -> (C, C) ints."""
    y_true, y_pred = np.asarray(y_true, dtype=np.intp), np.asarray(y_pred, dtype=np.intp)
    check_same_length(y_true, y_pred, "y_true", "y_pred")
    if C is None:
        C = int(max(y_true.max(initial=0), y_pred.max(initial=0))) + 1
    if y_true.size and (min(y_true.min(), y_pred.min()) < 0 or max(y_true.max(), y_pred.max()) >= C):
        low, high = min(y_true.min(), y_pred.min()), max(y_true.max(), y_pred.max())
        raise ValueError(f"labels must lie in 0..{C - 1} (C={C}), got values from {low} to {high}")
    M = np.zeros((C, C), dtype=np.intp)
    np.add.at(M, (y_true, y_pred), 1)
    return M


def precision_recall(y_true, y_pred, C=None):
    """Per-class precision M[c, c] / sum_i M[i, c] and recall M[c, c] / sum_j M[c, j]
    (0 where a class is never predicted / never present). -> precision (C,), recall (C,)."""
    M = confusion_matrix(y_true, y_pred, C)
    tp = np.diag(M).astype(float)
    predicted, actual = M.sum(axis=0), M.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    return precision, recall
