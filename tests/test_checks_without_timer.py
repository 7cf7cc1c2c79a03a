"""Where signal.setitimer is missing (JupyterLite's Pyodide kernel, Windows), the checks still
run: the time budget cannot interrupt a call, says so once, and is checked between calls."""
import time

import pytest

from mlp_lib.checks import runner
from mlp_lib.checks.lesson02 import AFFINE_FORWARD, check_affine_forward


def affine_forward(X, W, b):
    """A learner's right answer, written out (calling the package's own would score zero)."""
    return X @ W + b, (X, W)


@pytest.fixture
def no_timer(monkeypatch):
    monkeypatch.delattr(runner.signal, "setitimer")


def test_a_check_still_runs_and_says_the_budget_is_not_enforced(no_timer):
    with pytest.warns(RuntimeWarning, match=r"time budget is not enforced here .*no signal\.setitimer"):
        result = check_affine_forward(affine_forward)
    assert result.passed


def test_a_wrong_answer_is_still_explained(no_timer):
    with pytest.warns(RuntimeWarning, match="not enforced"):
        result = check_affine_forward(lambda X, W, b: (X @ W, (X, W)))
    assert not result.passed and "bias b is not added" in result.message


def test_the_budget_is_still_checked_between_calls(no_timer, monkeypatch):
    monkeypatch.setattr(AFFINE_FORWARD, "time_budget", 0.2)

    def slow(X, W, b):
        time.sleep(0.15)
        return affine_forward(X, W, b)
    with pytest.warns(RuntimeWarning, match="not enforced"):
        result = check_affine_forward(slow)
    assert result.status == "timeout" and "time budget" in result.message


def test_with_a_timer_nothing_is_said(recwarn):
    assert hasattr(runner.signal, "setitimer")
    assert check_affine_forward(affine_forward).passed
    assert not [w for w in recwarn if "not enforced" in str(w.message)]
