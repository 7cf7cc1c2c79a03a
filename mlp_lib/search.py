"""Hyperparameter search: random search over a space of ranges, and the learning-rate range test.

A search space is a dict name -> range:

    ("log", low, high)       log-uniform: 10 ** u with u uniform in [log10 low, log10 high]
                             (every decade gets the same share of the draws; 0 < low < high);
    ("uniform", low, high)   uniform in [low, high];
    [a, b, c, ...]           one of the listed choices, each with the same probability.

``random_search(evaluate, space, n_trials, seed)`` draws ``n_trials`` configurations (dicts
with the names of ``space``), in the order of the space's names, from
``np.random.default_rng(seed)``, calls ``evaluate(config)`` on each (a validation score,
higher is better) and keeps the best; on a tie the earlier trial wins.
"""
import math
import numbers

import numpy as np

from .train import train
from .validation import as_rng, check_positive, check_real

KINDS = ("log", "uniform")


def check_space(space):
    """Raise unless ``space`` is a non-empty dict of valid ranges; return it."""
    if not isinstance(space, dict) or not space:
        raise TypeError(f"space must be a non-empty dict name -> range, e.g. {{'lr': ('log', 1e-4, 1.0), "
                        f"'width': [16, 32]}}, got {type(space).__name__}")
    for name, spec in space.items():
        if isinstance(spec, list):
            if not spec:
                raise ValueError(f"space[{name!r}] must list at least one choice, got []")
            continue
        if not (isinstance(spec, tuple) and len(spec) == 3 and spec[0] in KINDS):
            raise TypeError(f"space[{name!r}] must be ('log', low, high), ('uniform', low, high) or a list of "
                            f"choices, got {spec!r:.80}")
        kind, low, high = spec
        low = check_real(low, f"space[{name!r}] low", 0, low_open=True) if kind == "log" else \
            check_real(low, f"space[{name!r}] low")
        high = check_real(high, f"space[{name!r}] high")
        if not low < high:
            raise ValueError(f"space[{name!r}] must have low < high, got low={low}, high={high}")
    return space


def sample_config(space, rng):
    """One configuration drawn from ``space`` (see the module docstring) with the Generator rng
    -> dict name -> value (a float for a range, the element itself for a list of choices)."""
    config = {}
    for name, spec in space.items():
        if isinstance(spec, list):
            config[name] = spec[int(rng.integers(len(spec)))]
        elif spec[0] == "log":
            config[name] = float(10 ** rng.uniform(math.log10(spec[1]), math.log10(spec[2])))
        else:
            config[name] = float(rng.uniform(spec[1], spec[2]))
    return config


def random_search(evaluate, space, n_trials, seed=0):
    """Random search: try ``n_trials`` configurations drawn from ``space`` and keep the best.

    evaluate: config -> a real score, higher is better (e.g. the validation accuracy of a
    network trained with config); space: dict name -> range (module docstring);
    n_trials: a positive int; seed: an int >= 0 or a np.random.Generator.
    -> (best_config: dict, best_score: float, trials: list of (config, score) in the order tried).
    On a tie the earlier configuration is kept. A score that is NaN or not a number is refused.
    """
    if not callable(evaluate):
        raise TypeError(f"evaluate must be a function config -> score, got {type(evaluate).__name__}")
    check_space(space)
    check_positive(n_trials, "n_trials", integer=True)
    rng = as_rng(seed)
    best_config, best_score, trials = None, -math.inf, []
    for _ in range(n_trials):
        config = sample_config(space, rng)
        score = evaluate(dict(config))
        if isinstance(score, (bool, np.bool_)) or not isinstance(score, numbers.Real) or math.isnan(score):
            raise ValueError(f"evaluate must return a real number (higher is better), got {score!r} for {config}")
        trials.append((config, float(score)))
        if best_config is None or score > best_score:
            best_config, best_score = config, float(score)
    return best_config, best_score, trials


def lr_range_test(model, X, y, lr_min=1e-5, lr_max=10.0, steps=60, stop_factor=4.0, **train_kwargs):
    """The learning-rate range test: one run whose rate grows exponentially from lr_min to lr_max.

    model, X (N, D), y: as for ``train`` (the model is trained in place: pass a fresh one);
    one full-batch step per rate lr_k = lr_min * (lr_max / lr_min) ** (k / (steps - 1)),
    k = 0..steps-1; the run stops early once the loss exceeds ``stop_factor`` times the lowest
    loss so far (or diverges). train_kwargs: more arguments of ``train`` (optimizer, ...).
    -> (lrs, losses): two lists of the same length, the rate of each step and the training loss
    measured before it (so losses[k] shows the effect of the steps with the rates before lrs[k]).
    """
    lr_min, lr_max = check_real(lr_min, "lr_min", 0, low_open=True), check_real(lr_max, "lr_max", 0, low_open=True)
    if not lr_min < lr_max:
        raise ValueError(f"lr_min must be below lr_max, got lr_min={lr_min}, lr_max={lr_max}")
    steps = check_real(steps, "steps", 2, integer=True)
    stop_factor = check_real(stop_factor, "stop_factor", 1, low_open=True)
    growth = (lr_max / lr_min) ** (1 / (steps - 1))
    for fixed in ("epochs", "lr", "lr_schedule", "batch_size", "on_epoch"):
        if fixed in train_kwargs:
            raise TypeError(f"lr_range_test sets {fixed} itself (one full-batch step per rate), so it must not be "
                            f"given; got {fixed}={train_kwargs[fixed]!r:.40}")

    def too_high(epoch, history):
        return history.loss[-1] > stop_factor * min(history.loss)

    history = train(model, X, y, epochs=steps, lr=lr_min, lr_schedule=lambda t: lr_min * growth ** t,
                    batch_size=len(X), on_epoch=too_high, on_divergence="stop", **train_kwargs)
    losses = [loss for loss in history.loss if np.isfinite(loss)]
    return history.lr[:len(losses)], losses
