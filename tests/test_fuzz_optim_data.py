"""Property-based tests (Hypothesis) of the update rules, the learning-rate schedules and the
data functions: hyperparameters drawn inside and outside torch.optim's ranges, hostile arrays,
sizes 0, 1 and many. The oracle is a reference result or a ValueError/TypeError from mlp_lib
naming expected and given (see fuzz_support)."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzz_support import FEW, FUZZ, Expect, all_finite, clean, combine, expect_outcome, hostile, shapes, tol
from mlp_lib import clip as C
from mlp_lib import data as D
from mlp_lib import optim as O

try:
    import torch
except ImportError:  # PyTorch is optional: the first-step formulas below are used alone
    torch = None

# (name, hyperparameter, valid values, invalid values): torch.optim's ranges or stricter
HYPER = {
    "sgd": {"momentum": ([0.0, 0.5, 0.9], [-0.1, 1.0, np.nan, "0.9"]), "dampening": ([0.0, 0.3], [-0.5, 2.0]),
            "weight_decay": ([0.0, 0.01], [-0.01, np.inf]), "nesterov": ([False], ["yes", 1])},
    "rmsprop": {"alpha": ([0.9, 0.99], [-0.1, 1.0, 1.5]), "eps": ([1e-8, 1e-3], [-1e-8, np.nan]),
                "weight_decay": ([0.0, 0.1], [-1.0])},
    "adam": {"betas": ([(0.9, 0.999), (0.0, 0.5)], [(0.9, 1.0), (-0.1, 0.9), (0.9,), 0.9]),
             "eps": ([1e-8], [-1.0, np.inf]), "weight_decay": ([0.0, 0.01], [-0.01])},
    "adamw": {"betas": ([(0.9, 0.999)], [(1.0, 0.999)]), "eps": ([1e-8], [-1.0]), "weight_decay": ([0.0, 0.01], [-0.1])},
}
LRS = ([0.0, 1e-3, 0.1], [-0.1, np.nan, np.inf, "0.1", None, True])


def first_step_reference(name, p, g, lr, hyper):
    """param after one step from a fresh state: torch.optim if installed, else the formula."""
    if torch is not None:
        pt = torch.tensor(p, requires_grad=True)
        cls = {"sgd": torch.optim.SGD, "rmsprop": torch.optim.RMSprop, "adam": torch.optim.Adam,
               "adamw": torch.optim.AdamW}[name]
        opt = cls([pt], lr=lr, **hyper)
        pt.grad = torch.tensor(g)
        opt.step()
        return pt.detach().numpy()
    wd = hyper.get("weight_decay", 0.0)
    if name == "sgd":
        return p - lr * (g + wd * p) * (1 + hyper.get("momentum", 0.0) if hyper.get("nesterov") else 1)
    if name == "rmsprop":
        gg = g + wd * p
        return p - lr * gg / (np.sqrt((1 - hyper.get("alpha", 0.99)) * gg * gg) + hyper.get("eps", 1e-8))
    q = p * (1 - lr * wd) if name == "adamw" else p
    gg = g if name == "adamw" else g + wd * p
    return q - lr * gg / (np.abs(gg) + hyper.get("eps", 1e-8))


@pytest.mark.parametrize("name", list(HYPER))
@FUZZ
@given(data=st.data())
def test_update_rules(name, data):
    shape = data.draw(shapes([0, 1, 2]))
    p, ep = hostile(data.draw, clean(data.draw, shape))
    g, eg = hostile(data.draw, clean(data.draw, shape, 0.1, 2.0))
    expect = combine(ep, eg)
    if expect.ok and 0 in shape:
        expect = Expect(refuse=(ValueError,))
    valid_lr = data.draw(st.booleans())
    lr = data.draw(st.sampled_from(LRS[0] if valid_lr else LRS[1]))
    hyper = {}
    for key, (good, bad) in HYPER[name].items():
        if data.draw(st.booleans()):
            ok = data.draw(st.integers(0, 3)) > 0
            hyper[key] = data.draw(st.sampled_from(good if ok else bad))
            if not ok:
                expect = combine(expect, Expect(refuse=(ValueError, TypeError)))
    if not valid_lr:
        expect = combine(expect, Expect(refuse=(ValueError, TypeError)))
    if name == "sgd" and hyper.get("nesterov") is True:
        pass
    result = expect_outcome(expect, O.OPTIMIZERS[name], p, g, None, lr, **hyper)
    if result is None:
        return
    new, state = result
    assert all_finite(new, state) and np.shape(new) == shape
    if expect.dtype == np.float64:
        ref = first_step_reference(name, ep.values, eg.values, lr, hyper)
        np.testing.assert_allclose(new, ref, rtol=1e-6, atol=1e-9)
        again, _ = O.OPTIMIZERS[name](new, eg.values, state, lr, **hyper)     # the state it returned is accepted
        assert all_finite(again)


LIMITS = ([None, 1e-3, 0.5, 10.0], [0.0, -1.0, np.nan, np.inf, "1", True])


@FUZZ
@given(data=st.data())
def test_clip_gradients(data):
    """Global-norm and by-value clipping of a dict of hostile arrays, against the formula in float64."""
    grads, values, expects, dtypes = {}, {}, [], {}
    for name in data.draw(st.sampled_from([["W1"], ["W1", "b1"], ["W1", "b1", "W2"]])):
        shape = data.draw(shapes([0, 1, 2]))
        g, e = hostile(data.draw, clean(data.draw, shape, -5.0, 5.0))
        if e.ok and 0 in shape:
            e = Expect(refuse=(ValueError,))
        grads[name], values[name], dtypes[name] = g, e.values, e.dtype
        expects.append(e)
    expect = combine(*expects)
    limits = {}
    for key in ("max_norm", "max_value"):
        ok = data.draw(st.integers(0, 3)) > 0
        limits[key] = data.draw(st.sampled_from(LIMITS[0] if ok else LIMITS[1]))
        if not ok:
            expect = combine(expect, Expect(refuse=(ValueError, TypeError)))
    if limits["max_norm"] is None and limits["max_value"] is None:
        expect = combine(expect, Expect(refuse=(ValueError,)))
    clipped = expect_outcome(expect, C.clip_gradients, grads, **limits)
    if clipped is None:
        return
    assert set(clipped) == set(grads) and all_finite(clipped)
    ref = {k: np.asarray(v, dtype=np.float64) for k, v in values.items()}
    if limits["max_value"] is not None:
        ref = {k: np.minimum(np.maximum(v, -limits["max_value"]), limits["max_value"]) for k, v in ref.items()}
    if limits["max_norm"] is not None:
        norm = np.sqrt(sum(np.sum(v * v) for v in ref.values()))
        ref = {k: v * min(1.0, limits["max_norm"] / norm) if norm > 0 else v for k, v in ref.items()}
    for k in grads:
        assert clipped[k].dtype == dtypes[k] and clipped[k].shape == np.shape(values[k])
        np.testing.assert_allclose(clipped[k], ref[k], **tol(expect))     # float32 anywhere: float32 tolerance


def test_misspelt_hyperparameters_list_the_valid_names():
    with pytest.raises(TypeError, match="momentun.*momentum, dampening, nesterov, weight_decay"):
        O.sgd(np.ones(2), np.ones(2), None, 0.1, momentun=0.9)


def test_nesterov_needs_momentum_as_in_torch():
    with pytest.raises(ValueError, match="nesterov=True requires momentum > 0"):
        O.sgd(np.ones(2), np.ones(2), None, 0.1, nesterov=True)


SCHEDULE_ARGS = {
    "constant": {},
    "step": {"step_size": ([1, 5], [0, -1, 2.5, None]), "gamma": ([0.1, 0.5, 1.0], [0.0, -0.5, 1.5, np.nan])},
    "exponential": {"gamma": ([0.9, 1.0], [0.0, 2.0, np.inf])},
    "cosine": {"T": ([5, 10.0], [0, -5, np.nan]), "lr_min": ([0.0, 1e-4], [-1e-3, 10.0])},
    "warmup": {"warmup": ([1, 3], [0, 1.5]), "after": (["constant", "exponential"], ["nope", 3])},
}
REQUIRED = {"step": {"step_size": 2}, "exponential": {"gamma": 0.9}, "cosine": {"T": 10}, "warmup": {"warmup": 2}}


@pytest.mark.parametrize("name", list(SCHEDULE_ARGS))
@FUZZ
@given(data=st.data(), lr0=st.sampled_from([0.1, 1.0, 0.0, -0.1, np.nan, "0.1"]))
def test_schedules_check_their_arguments_when_made(name, data, lr0):
    kwargs = dict(REQUIRED.get(name, {}))
    valid = isinstance(lr0, float) and lr0 > 0
    for key, (good, bad) in SCHEDULE_ARGS[name].items():
        if data.draw(st.booleans()):
            ok = data.draw(st.booleans())
            kwargs[key] = data.draw(st.sampled_from(good if ok else bad))
            valid = valid and ok
    if kwargs.get("after") == "exponential":
        kwargs["gamma"] = 0.5
    if name == "cosine" and kwargs.get("lr_min", 0.0) > (lr0 if isinstance(lr0, float) else 0):
        valid = False
    if data.draw(st.integers(0, 5)) == 0:
        kwargs["unknown"] = 1
        valid = False
    expect = Expect(values=None) if valid else Expect(refuse=(ValueError, TypeError))
    schedule = expect_outcome(expect, O.make_schedule, name, lr0, **kwargs)
    if schedule is None:
        return
    rates = [schedule(t) for t in range(12)]
    assert all(isinstance(r, float) and math.isfinite(r) and r >= 0 for r in rates)
    assert rates[0] <= lr0 + 1e-12
    expect_outcome(Expect(refuse=(ValueError, TypeError)), schedule, -1)
    expect_outcome(Expect(refuse=(ValueError, TypeError)), schedule, 1.5)


# -- data ----------------------------------------------------------------------------------

GENERATORS = {"xor": (D.make_xor, {}), "moons": (D.make_moons, {}), "circles": (D.make_circles, {"factor": 0.5}),
              "spirals": (D.make_spirals, {"classes": 3}), "blobs": (D.make_blobs, {"centers": 3}),
              "curve": (D.make_regression_curve, {})}


@pytest.mark.parametrize("name", list(GENERATORS))
@FEW
@given(n=st.sampled_from([0, 1, 2, 7, 50, -3, 2.5, True, 10 ** 9]),
       noise=st.sampled_from([0.0, 0.1, 1e4, -0.1, np.nan, np.inf, "0.1"]),
       seed=st.sampled_from([0, 7, -1, 2.5, np.random.default_rng(3)]))
def test_generators(name, n, noise, seed):
    make, extra = GENERATORS[name]
    noise_name = "std" if name == "blobs" else "noise"
    valid = (isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 10 ** 7 and isinstance(noise, float)
             and 0 <= noise < np.inf and not (isinstance(seed, (int, float)) and (seed < 0 or seed != int(seed))))
    expect = Expect(values=None) if valid else Expect(refuse=(ValueError, TypeError))
    result = expect_outcome(expect, make, n, seed=seed, **{noise_name: noise}, **extra)
    if result is None:
        return
    X, y = result
    assert X.shape[0] == n == y.shape[0] and X.dtype == np.float64 and all_finite(X, y)
    again = make(n, seed=seed if not isinstance(seed, np.random.Generator) else 0, **{noise_name: noise}, **extra)
    assert again[0].shape == X.shape


@st.composite
def split_inputs(draw):
    N, C = draw(st.integers(0, 30)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 99)))
    X, eX = hostile(draw, clean(draw, (N, 2)), allow=["clean", "list", "float32", "int64", "nan", "complex", "str"])
    labels = rng.integers(0, C, N)
    form = draw(st.sampled_from(["labels", "one-hot", "regression", "short"]))
    y = {"labels": labels, "one-hot": np.eye(C)[labels], "regression": rng.normal(size=N),
         "short": labels[:-1]}[form]
    val, test = draw(st.sampled_from([(0.15, 0.15), (0.0, 0.2), (0.5, 0.5), (-0.1, 0.2), (np.nan, 0.1)]))
    expect = eX
    if form == "short" and N:
        expect = combine(expect, Expect(refuse=(ValueError,)))
    if not (0 <= val < 1 and 0 <= test < 1 and val + test < 1):
        expect = combine(expect, Expect(refuse=(ValueError, TypeError)))
    if N == 0:
        expect = Expect(refuse=(ValueError, TypeError))
    return X, y, val, test, expect, eX, form


@FUZZ
@given(inputs=split_inputs(), stratify=st.booleans())
def test_train_val_test_split(inputs, stratify):
    X, y, val, test, expect, eX, form = inputs
    status_allows_empty = Expect(refuse=(ValueError,)) if expect.ok else expect
    try:
        parts = expect_outcome(expect, D.train_val_test_split, X, y, val, test, 0, stratify)
    except AssertionError as exc:                  # a small set may leave a requested part empty
        parts = expect_outcome(status_allows_empty, D.train_val_test_split, X, y, val, test, 0, stratify)
        assert "at least one sample" in str(exc)
        return
    if parts is None:
        return
    X_parts, y_parts = parts[0::2], parts[1::2]
    pairs = [tuple(row) + tuple(np.ravel(target)) for Xp, yp in zip(X_parts, y_parts) for row, target in zip(Xp, yp)]
    given = [tuple(row) + tuple(np.ravel(target)) for row, target in zip(eX.values.astype(X_parts[0].dtype), y)]
    assert sorted(pairs) == sorted(given)              # a partition, and each row keeps its own target
    for Xp, yp in zip(X_parts, y_parts):
        assert len(Xp) == len(yp) and yp.shape[1:] == np.shape(y)[1:]


@FUZZ
@given(data=st.data(), batch_size=st.sampled_from([1, 3, 100, 0, -1, 2.0, "4"]), shuffle=st.sampled_from([True, False, "no"]))
def test_iterate_minibatches(data, batch_size, shuffle):
    N = data.draw(st.integers(0, 12))
    X, eX = hostile(data.draw, clean(data.draw, (N, 2)), allow=["clean", "list", "tuple", "int64", "complex", "str",
                                                              "readonly", "fortran"])
    y = np.arange(N) if data.draw(st.booleans()) else np.arange(N + 1)
    ok = isinstance(batch_size, int) and batch_size >= 1 and isinstance(shuffle, bool) and len(y) == N and N > 0
    expect = eX if ok else combine(eX, Expect(refuse=(ValueError, TypeError)))
    batches = expect_outcome(expect, D.iterate_minibatches, X, y, batch_size, 0, shuffle)
    if batches is None:
        return
    batches = list(batches)
    seen = np.concatenate([yb for _, yb in batches])
    assert sorted(seen) == list(range(N)) and all(len(yb) <= batch_size for _, yb in batches)
    for Xb, yb in batches:
        np.testing.assert_array_equal(np.asarray(Xb, dtype=float), eX.values[yb])


def test_one_hot_and_standardizer_refuse_bad_input():
    with pytest.raises(ValueError, match="0..2"):
        D.one_hot([0, 3], 3)
    with pytest.raises(ValueError, match="argmax|integer"):
        D.one_hot([0.5, 1], 3)
    with pytest.raises(ValueError, match="at least one"):
        D.Standardizer().fit(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="fit"):
        D.Standardizer().transform(np.zeros((2, 2)))


SPACE_SPECS = ([("log", 1e-4, 1.0), ("uniform", -1.0, 1.0), [8, 16], [0.5]],
               [("log", 0.0, 1.0), ("log", -1.0, 1.0), ("uniform", 1.0, 1.0), ("uniform", np.nan, 1.0), [],
                ("lin", 0.0, 1.0), (0.0, 1.0), "log", None])


@FUZZ
@given(data=st.data())
def test_random_search(data):
    """Random search over drawn spaces: every trial inside its ranges, the best the first of the top scores."""
    from mlp_lib.search import random_search
    space, valid = {}, True
    for name in data.draw(st.sampled_from([["lr"], ["lr", "width"], ["a", "b", "c"]])):
        ok = data.draw(st.integers(0, 3)) > 0
        space[name] = data.draw(st.sampled_from(SPACE_SPECS[0] if ok else SPACE_SPECS[1]))
        valid = valid and ok
    n_trials = data.draw(st.sampled_from([1, 3, 10] if data.draw(st.integers(0, 3)) else [0, -1, 2.5, "3", True]))
    valid = valid and isinstance(n_trials, int) and not isinstance(n_trials, bool) and n_trials > 0
    seed = data.draw(st.sampled_from([0, 7, np.random.default_rng(1)] if data.draw(st.integers(0, 3)) else [-1, "s"]))
    valid = valid and not isinstance(seed, str) and seed != -1
    score = lambda config: round(sum(float(v) for v in config.values()), 1)       # many ties
    result = expect_outcome(Expect() if valid else Expect(refuse=(ValueError, TypeError)),
                            random_search, score, space, n_trials, seed)
    if result is None:
        return
    best, best_score, trials = result
    assert len(trials) == n_trials
    for config, s in trials:
        assert set(config) == set(space) and s == score(config)
        for name, spec in space.items():
            assert config[name] in spec if isinstance(spec, list) else spec[1] <= config[name] <= spec[2]
    scores = [s for _, s in trials]
    assert best_score == max(scores) and best == trials[scores.index(best_score)][0]


@FEW
@given(lr_min=st.sampled_from([1e-4, 1e-2, 0.0, -1.0, np.nan, "0.1"]), lr_max=st.sampled_from([1.0, 10.0, 1e-3]),
       steps=st.sampled_from([2, 10, 1, 0, 2.5]))
def test_lr_range_test(lr_min, lr_max, steps):
    from mlp_lib import MLP, lr_range_test, make_moons
    X, y = make_moons(n=20, noise=0.2, seed=0)
    valid = isinstance(lr_min, float) and lr_min > 0 and lr_min < lr_max and isinstance(steps, int) and steps >= 2
    result = expect_outcome(Expect() if valid else Expect(refuse=(ValueError, TypeError)),
                            lambda X, y, **kw: lr_range_test(MLP([2, 4, 2], seed=0), X, y, **kw),    # a model is not data
                            X, y, lr_min=lr_min, lr_max=lr_max, steps=steps)
    if result is None:
        return
    lrs, losses = result
    assert 1 <= len(lrs) == len(losses) <= steps and all_finite(losses)
    np.testing.assert_allclose(lrs, lr_min * (lr_max / lr_min) ** (np.arange(len(lrs)) / (steps - 1)), rtol=1e-9)
