"""Metrics against small examples counted by hand."""
import numpy as np
import pytest

from mlp_lib.metrics import (accuracy, auc, average_precision, confusion_matrix, precision_recall,
                             precision_recall_curve, precision_recall_f1, roc_curve)

Y_TRUE = [0, 0, 1, 1, 1, 2, 2, 0]
Y_PRED = [0, 1, 1, 1, 0, 2, 1, 0]
# counted by hand: rows are the true class, columns the predicted class
CONFUSION = [[2, 1, 0],
             [1, 2, 0],
             [0, 1, 1]]


def test_accuracy_by_hand():
    assert accuracy(Y_TRUE, Y_PRED) == pytest.approx(5 / 8)
    assert accuracy([1, 1], [1, 1]) == 1.0
    assert accuracy([1, 0], [0, 1]) == 0.0


def test_confusion_matrix_by_hand():
    M = confusion_matrix(Y_TRUE, Y_PRED)
    np.testing.assert_array_equal(M, CONFUSION)
    assert M.sum() == len(Y_TRUE)
    np.testing.assert_array_equal(confusion_matrix([0, 1], [0, 1], C=4),
                                  [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])


def test_precision_recall_by_hand():
    precision, recall = precision_recall(Y_TRUE, Y_PRED)
    # class 0: predicted 3 times, 2 right; present 3 times, 2 found
    # class 1: predicted 4 times, 2 right; present 3 times, 2 found
    # class 2: predicted once, right;      present twice, 1 found
    np.testing.assert_allclose(precision, [2 / 3, 2 / 4, 1.0])
    np.testing.assert_allclose(recall, [2 / 3, 2 / 3, 1 / 2])


def test_precision_recall_of_absent_classes_is_zero():
    precision, recall = precision_recall([0, 0], [0, 0], C=3)
    np.testing.assert_allclose(precision, [1.0, 0.0, 0.0])
    np.testing.assert_allclose(recall, [1.0, 0.0, 0.0])


# -- binary metrics: hand-counted cases, a brute-force sweep of thresholds, and scikit-learn ----------

def test_precision_recall_f1_by_hand():
    # TP = 2 (indices 2, 3), FP = 1 (index 1), FN = 1 (index 4)
    p, r, f1 = precision_recall_f1([0, 0, 1, 1, 1, 0], [0, 1, 1, 1, 0, 0])
    assert (p, r) == pytest.approx((2 / 3, 2 / 3)) and f1 == pytest.approx(2 / 3)
    p, r, f1 = precision_recall_f1([1, 1, 1, 0], [1, 0, 0, 0])
    assert (p, r, f1) == pytest.approx((1.0, 1 / 3, 0.5))           # 2 * 1 * 1/3 / (4/3) = 1/2
    assert precision_recall_f1([1, 0], [0, 0]) == (0.0, 0.0, 0.0)  # nothing predicted positive
    assert precision_recall_f1([0, 0], [1, 0]) == (0.0, 0.0, 0.0)  # nothing positive
    assert precision_recall_f1([0, 0], [0, 0]) == (0.0, 0.0, 0.0)


def test_curves_by_hand_with_ties():
    y = [0, 0, 1, 1, 1, 0]
    s = [0.1, 0.4, 0.35, 0.8, 0.4, 0.2]        # a positive and a negative tie at 0.4
    fpr, tpr, thresholds = roc_curve(y, s)
    # thresholds 0.8: TP 1 FP 0; 0.4: TP 2 FP 1 (the tie moves together); 0.35: TP 3 FP 1; 0.2: FP 2; 0.1: FP 3
    np.testing.assert_allclose(fpr, [0, 0, 1 / 3, 1 / 3, 2 / 3, 1])
    np.testing.assert_allclose(tpr, [0, 1 / 3, 2 / 3, 1, 1, 1])
    np.testing.assert_array_equal(thresholds, [np.inf, 0.8, 0.4, 0.35, 0.2, 0.1])
    # area: 1/3 * (1/3 + 2/3) / 2 under the tie's diagonal + 2/3 * 1 after it = 1/6 + 2/3
    assert auc(fpr, tpr) == pytest.approx(5 / 6)
    precision, recall, thresholds = precision_recall_curve(y, s)
    np.testing.assert_allclose(precision, [1, 2 / 3, 3 / 4, 3 / 5, 3 / 6])
    np.testing.assert_allclose(recall, [1 / 3, 2 / 3, 1, 1, 1])
    np.testing.assert_array_equal(thresholds, [0.8, 0.4, 0.35, 0.2, 0.1])
    assert average_precision(y, s) == pytest.approx(1 / 3 * 1 + 1 / 3 * 2 / 3 + 1 / 3 * 3 / 4)


def test_auc_by_hand_and_of_a_perfect_and_a_reversed_ranking():
    assert auc([0, 1], [0, 1]) == pytest.approx(0.5)
    assert auc([1, 0.5, 0], [1, 1, 0]) == pytest.approx(0.75)          # decreasing x works too
    for scores, area in (([0.1, 0.2, 0.8, 0.9], 1.0), ([0.9, 0.8, 0.2, 0.1], 0.0), ([0.5] * 4, 0.5)):
        fpr, tpr, _ = roc_curve([0, 0, 1, 1], scores)
        assert auc(fpr, tpr) == pytest.approx(area)


def pairwise_auc(y, s):
    """Independent: the share of (positive, negative) pairs ranked right, ties counting one half."""
    pos, neg = s[y == 1], s[y == 0]
    diff = pos[:, None] - neg[None, :]
    return (np.sum(diff > 0) + 0.5 * np.sum(diff == 0)) / diff.size


def swept(y, s):
    """Independent: precision, recall, FPR at each distinct threshold by counting, from the top."""
    out = []
    for t in sorted(set(s.tolist()), reverse=True):
        pred = s >= t
        tp, fp = np.sum(pred & (y == 1)), np.sum(pred & (y == 0))
        out.append((tp / (tp + fp), tp / np.sum(y == 1), fp / np.sum(y == 0), t))
    return np.array(out).T


@pytest.mark.parametrize("seed", range(6))
def test_curves_against_an_independent_count(seed):
    rng = np.random.default_rng(seed)
    N = int(rng.integers(2, 60))
    y = rng.integers(0, 2, N)
    y[:2] = [0, 1]
    s = rng.integers(0, 6, N) / 5.0 if seed % 2 else rng.standard_normal(N)     # many ties, or none
    precision, recall, fpr_swept, thresholds = swept(y, s)
    fpr, tpr, t = roc_curve(y, s)
    np.testing.assert_allclose(fpr[1:], fpr_swept)
    np.testing.assert_allclose(tpr[1:], recall)
    np.testing.assert_array_equal(t[1:], thresholds)
    p, r, t2 = precision_recall_curve(y, s)
    np.testing.assert_allclose(p, precision)
    np.testing.assert_allclose(r, recall)
    assert auc(fpr, tpr) == pytest.approx(pairwise_auc(y, s), abs=1e-12)
    pred = (s >= np.median(s)).astype(int)
    tp = np.sum((pred == 1) & (y == 1))
    P, R, F = precision_recall_f1(y, pred)
    assert P == pytest.approx(tp / max(pred.sum(), 1)) and R == pytest.approx(tp / y.sum())
    assert F == pytest.approx(0 if tp == 0 else 2 * tp / (pred.sum() + y.sum()))   # F1 = 2TP / (2TP + FP + FN)


@pytest.mark.parametrize("seed", range(4))
def test_binary_metrics_against_scikit_learn(seed):
    skm = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 80)
    s = np.round(rng.random(80), 1)                              # ties
    fpr, tpr, t = roc_curve(y, s)
    sk_fpr, sk_tpr, sk_t = skm.roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(fpr, sk_fpr)
    np.testing.assert_allclose(tpr, sk_tpr)
    np.testing.assert_array_equal(t, sk_t)
    assert auc(fpr, tpr) == pytest.approx(skm.roc_auc_score(y, s))
    p, r, t = precision_recall_curve(y, s)
    sk_p, sk_r, sk_t = skm.precision_recall_curve(y, s)          # thresholds increasing, then the point (R 0, P 1)
    np.testing.assert_allclose(p, sk_p[:-1][::-1])
    np.testing.assert_allclose(r, sk_r[:-1][::-1])
    np.testing.assert_array_equal(t, sk_t[::-1])
    assert average_precision(y, s) == pytest.approx(skm.average_precision_score(y, s))
    pred = (s >= 0.5).astype(int)
    assert precision_recall_f1(y, pred) == pytest.approx(skm.precision_recall_fscore_support(
        y, pred, average="binary", zero_division=0)[:3])


@pytest.mark.parametrize("call, error, message", [
    (lambda: precision_recall_f1([0, 1, 2], [0, 1, 1]), ValueError, r"y_true must hold binary labels 0 and 1.*\[0, 1, 2\]"),
    (lambda: precision_recall_f1([0, 1], [0, 1, 1]), ValueError, "y_true and y_pred must have the same number"),
    (lambda: precision_recall_f1([0, 1], [0.2, 0.9]), ValueError, r"\(p > 0.5\).astype\(int\)"),
    (lambda: roc_curve([0, 1, 1], [0.1, np.nan, 0.3]), ValueError, "scores contains 1 NaN or infinite value"),
    (lambda: roc_curve([0, 1, 1], [[0.1, 0.2, 0.3]]), ValueError, r"scores must be 1-D \(N,\)"),
    (lambda: roc_curve([0, 1, 1], [0.1, 0.3]), ValueError, "y_true and scores must have the same number"),
    (lambda: roc_curve([1, 1, 1], [0.1, 0.2, 0.3]), ValueError, "both classes.*got 0 negatives and 3 positives"),
    (lambda: precision_recall_curve([0, 0], [0.1, 0.2]), ValueError, "got 2 negatives and 0 positives"),
    (lambda: average_precision([0, 1], ["a", "b"]), TypeError, "scores must be an array of numbers"),
    (lambda: auc([0, 1, 0.5], [0, 1, 1]), ValueError, "x must be sorted.*step up at index 0 and a step down at index 1"),
    (lambda: auc([0], [1]), ValueError, "at least 2 points"),
    (lambda: auc([0, 1], [0, 1, 1]), ValueError, "y must have shape"),
])
def test_binary_metrics_refuse_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()
