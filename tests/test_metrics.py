"""Metrics against small examples counted by hand."""
import numpy as np
import pytest

from mlp_lib.metrics import accuracy, confusion_matrix, precision_recall

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
