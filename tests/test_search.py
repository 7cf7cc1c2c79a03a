"""Random search and the learning-rate range test: draws checked against their distributions,
the best and first of ties, seeds, clear errors; the range test's rates against the formula."""
import math

import numpy as np
import pytest

from mlp_lib import MLP, lr_range_test, make_spirals, random_search
from mlp_lib.search import sample_config

SPACE = {"lr": ("log", 1e-5, 1e-1), "p": ("uniform", 0.0, 0.5), "width": [8, 16, 32]}


def test_draws_follow_their_ranges():
    rng = np.random.default_rng(0)
    configs = [sample_config(SPACE, rng) for _ in range(4000)]
    exponents = np.log10([c["lr"] for c in configs])
    assert exponents.min() >= -5 and exponents.max() <= -1
    counts, _ = np.histogram(exponents, bins=4, range=(-5, -1))      # one bin per decade: about 1000 each
    assert np.all(np.abs(counts - 1000) < 120)
    p = np.array([c["p"] for c in configs])
    assert 0 <= p.min() and p.max() <= 0.5 and abs(p.mean() - 0.25) < 0.01
    widths = [c["width"] for c in configs]
    assert {w: widths.count(w) for w in (8, 16, 32)} == pytest.approx({8: 1333, 16: 1333, 32: 1333}, abs=120)


def test_the_best_trial_is_kept_and_the_first_of_ties():
    score = lambda config: -abs(math.log10(config["lr"]) + 3)         # best at lr = 1e-3
    best, best_score, trials = random_search(score, SPACE, n_trials=50, seed=1)
    assert len(trials) == 50 and best_score == max(s for _, s in trials)
    assert best == next(c for c, s in trials if s == best_score) and abs(math.log10(best["lr"]) + 3) < 0.2
    best, best_score, trials = random_search(lambda config: 1.0, SPACE, n_trials=5, seed=1)
    assert best == trials[0][0] and best_score == 1.0


def test_the_seed_decides_the_trials():
    score = lambda config: config["p"]
    same = [random_search(score, SPACE, 6, seed=3)[2] for _ in range(2)]
    other = random_search(score, SPACE, 6, seed=4)[2]
    assert same[0] == same[1] and same[0] != other


@pytest.mark.parametrize("args, error, message", [
    ((lambda c: 0.0, {}, 3), TypeError, "space must be a non-empty dict"),
    ((lambda c: 0.0, {"lr": ("log", 0.0, 1.0)}, 3), ValueError, "low must be a positive number"),
    ((lambda c: 0.0, {"lr": ("log", 1.0, 0.1)}, 3), ValueError, "must have low < high"),
    ((lambda c: 0.0, {"lr": ("loog", 1e-3, 1.0)}, 3), TypeError, r"must be \('log', low, high\)"),
    ((lambda c: 0.0, {"width": []}, 3), ValueError, "at least one choice"),
    ((lambda c: 0.0, SPACE, 0), ValueError, "n_trials must be a positive integer"),
    ((lambda c: float("nan"), SPACE, 2), ValueError, "evaluate must return a real number"),
    ((lambda c: "good", SPACE, 2), ValueError, "evaluate must return a real number"),
    (("evaluate", SPACE, 2), TypeError, "evaluate must be a function"),
])
def test_bad_input_is_refused_clearly(args, error, message):
    with pytest.raises(error, match=message):
        random_search(*args, seed=0)


def test_the_range_test_grows_the_rate_exponentially_and_stops_when_the_loss_explodes():
    X, y = make_spirals(n=60, noise=0.2, seed=0)
    lrs, losses = lr_range_test(MLP([2, 16, 2], seed=0), X, y, lr_min=1e-3, lr_max=100.0, steps=41)
    assert len(lrs) == len(losses) and 2 < len(lrs) < 41              # stopped before reaching lr_max
    np.testing.assert_allclose(lrs, 1e-3 * 10 ** (np.arange(len(lrs)) / 8), rtol=1e-12)   # 5 decades in 40 steps
    assert losses[-1] > 4 * min(losses)                                 # the loss that stopped it
    assert min(losses) < losses[0]


@pytest.mark.parametrize("kwargs, error, message", [
    ({"lr_min": 1.0, "lr_max": 0.1}, ValueError, "lr_min must be below lr_max"),
    ({"steps": 1}, ValueError, "steps must be"),
    ({"epochs": 3}, TypeError, "sets epochs itself"),
    ({"stop_factor": 0.5}, ValueError, "stop_factor must be"),
])
def test_the_range_test_refuses_bad_arguments(kwargs, error, message):
    X, y = make_spirals(n=20, noise=0.2, seed=0)
    with pytest.raises(error, match=message):
        lr_range_test(MLP([2, 4, 2], seed=0), X, y, **kwargs)
