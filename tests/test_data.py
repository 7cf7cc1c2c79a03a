"""Data: seeded generators, real data sets, one-hot, standardization, splits and mini-batches."""
import numpy as np
import pytest

from mlp_lib.data import (Standardizer, iterate_minibatches, load_breast_cancer, load_diabetes, load_digits,
                          make_blobs, make_circles, make_moons, make_regression_curve, make_spirals, make_xor,
                          one_hot, train_val_test_split)

# generator, keyword arguments, expected X shape, expected label set (None: regression)
GENERATORS = [
    (make_xor, {"n": 40, "noise": 0.1}, (40, 2), {0, 1}),
    (make_moons, {"n": 101}, (101, 2), {0, 1}),
    (make_circles, {"n": 90}, (90, 2), {0, 1}),
    (make_spirals, {"n": 150, "classes": 3}, (150, 2), {0, 1, 2}),
    (make_blobs, {"n": 120, "centers": 4}, (120, 2), {0, 1, 2, 3}),
    (make_regression_curve, {"n": 50}, (50, 1), None),
]
IDS = [g[0].__name__ for g in GENERATORS]


@pytest.mark.parametrize("make, kwargs, shape, labels", GENERATORS, ids=IDS)
def test_generator_shapes_and_labels(make, kwargs, shape, labels):
    X, y = make(**kwargs, seed=0)
    assert X.shape == shape and y.shape == (shape[0],)
    assert np.all(np.isfinite(X)) and np.all(np.isfinite(y))
    if labels is not None:
        assert np.issubdtype(y.dtype, np.integer)
        assert set(np.unique(y)) == labels


@pytest.mark.parametrize("make, kwargs, shape, labels", GENERATORS, ids=IDS)
def test_generators_are_seeded(make, kwargs, shape, labels):
    X1, y1 = make(**kwargs, seed=3)
    X2, y2 = make(**kwargs, seed=3)
    X3, _ = make(**kwargs, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    X4, _ = make(**kwargs, seed=np.random.default_rng(3))    # a Generator works as well as a seed
    np.testing.assert_array_equal(X1, X4)


def test_xor_truth_table():
    X, y = make_xor()
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])


def test_classes_are_balanced():
    for make in (make_moons, make_circles):
        _, y = make(n=200, seed=0)
        assert np.sum(y == 1) == 100
    _, y = make_spirals(n=300, classes=3, seed=0)
    assert np.bincount(y).tolist() == [100, 100, 100]


@pytest.mark.parametrize("winding", [4.0, 4 * np.pi])
def test_spiral_arms_turn_by_the_winding(winding):
    X, y = make_spirals(n=200, classes=2, noise=0.0, winding=winding, seed=0)
    r = np.linalg.norm(X, axis=1)
    assert r.min() >= 0.05 and r.max() <= 1.0
    angle = np.arctan2(X[:, 0], X[:, 1])                        # X = r (sin theta, cos theta)
    expected = winding * r + np.pi * y
    np.testing.assert_allclose(np.angle(np.exp(1j * (angle - expected))), 0, atol=1e-9)   # equal modulo 2 pi


def test_spiral_winding_must_be_positive():
    for winding in (0.0, -1.0, np.inf):
        with pytest.raises(ValueError, match="winding"):
            make_spirals(n=10, winding=winding)


def test_circles_radii_and_regression_curve():
    X, y = make_circles(n=200, noise=0.0, factor=0.4, seed=0)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), np.where(y == 1, 0.4, 1.0))
    x, t = make_regression_curve(n=30, noise=0.0, seed=0)
    np.testing.assert_allclose(t, np.sin(2 * x[:, 0]) + 0.3 * x[:, 0])
    assert np.all(np.diff(x[:, 0]) >= 0) and x.min() >= -3 and x.max() <= 3


def test_blobs_around_given_centres():
    centres = np.array([[5.0, 5.0], [-5.0, 0.0]])
    X, y = make_blobs(n=400, centers=centres, std=0.1, seed=0)
    for k in range(2):
        np.testing.assert_allclose(X[y == k].mean(axis=0), centres[k], atol=0.05)


@pytest.mark.parametrize("load, shape, classes", [
    (load_digits, (1797, 64), 10), (load_breast_cancer, (569, 30), 2), (load_diabetes, (442, 10), None)])
def test_real_data_sets(load, shape, classes):
    X, y = load()
    assert X.shape == shape and y.shape == (shape[0],) and X.dtype == np.float64
    if classes is not None:
        assert set(np.unique(y)) == set(range(classes))
    if load is load_digits:
        assert X.min() == 0 and X.max() == 16


def test_one_hot():
    np.testing.assert_array_equal(one_hot([2, 0, 1, 2], 3), [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert one_hot([0, 1], 4).shape == (2, 4)


def test_standardizer_is_fitted_on_the_training_split_only():
    rng = np.random.default_rng(0)
    X_train = rng.normal([1.0, -2.0, 5.0], [2.0, 0.5, 3.0], size=(200, 3))
    X_test = rng.normal(10.0, 1.0, size=(20, 3))
    scaler = Standardizer().fit(X_train)
    np.testing.assert_allclose(scaler.mean, X_train.mean(axis=0))
    np.testing.assert_allclose(scaler.std, X_train.std(axis=0))
    Z_train = scaler.transform(X_train)
    np.testing.assert_allclose(Z_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z_train.std(axis=0), 1.0)
    # the test split is shifted and scaled with the training statistics, not its own
    np.testing.assert_allclose(scaler.transform(X_test), (X_test - X_train.mean(axis=0)) / X_train.std(axis=0))
    np.testing.assert_allclose(Standardizer().fit_transform(X_train), Z_train)


def test_standardizer_constant_feature_and_unfitted_use():
    X = np.array([[1.0, 7.0], [3.0, 7.0]])
    np.testing.assert_allclose(Standardizer().fit_transform(X), [[-1.0, 0.0], [1.0, 0.0]])
    with pytest.raises(RuntimeError, match="fit"):
        Standardizer().transform(X)
    with pytest.raises(ValueError, match="2 features.*got 3"):
        Standardizer().fit(X).transform(np.ones((1, 3)))


def _split_with_ids(y, **kwargs):
    """Split data whose single feature is the sample index, so the parts can be traced back."""
    X = np.arange(len(y), dtype=float)[:, None]
    parts = train_val_test_split(X, y, **kwargs)
    return [parts[i][:, 0].astype(int) for i in (0, 2, 4)], [parts[i] for i in (1, 3, 5)]


def test_split_is_disjoint_complete_and_keeps_pairs():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    ids, labels = _split_with_ids(y, val=0.2, test=0.1, seed=0)
    all_ids = np.concatenate(ids)
    np.testing.assert_array_equal(np.sort(all_ids), np.arange(100))            # complete, no repeats
    assert [len(i) for i in ids] == [70, 20, 10]
    for i, lab in zip(ids, labels):
        np.testing.assert_array_equal(y[i], lab)                                # X and y stay paired


def test_split_is_stratified():
    y = np.repeat([0, 1, 2], [60, 30, 10])
    ids, _ = _split_with_ids(y, val=0.2, test=0.2, seed=1)
    # each class is split 60/20/20 on its own
    assert [np.bincount(y[i], minlength=3).tolist() for i in ids] == [[36, 18, 6], [12, 6, 2], [12, 6, 2]]


def test_split_is_seeded_and_shuffled():
    y = np.repeat([0, 1], 50)
    a, _ = _split_with_ids(y, seed=2)
    b, _ = _split_with_ids(y, seed=2)
    c, _ = _split_with_ids(y, seed=3)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])
    assert not np.array_equal(a[0], np.sort(a[0]))


def test_split_without_stratification_and_for_regression():
    y = np.linspace(0, 1, 40)                           # float targets: cannot be stratified
    ids, labels = _split_with_ids(y, val=0.25, test=0.25, seed=0)
    np.testing.assert_array_equal(np.sort(np.concatenate(ids)), np.arange(40))
    assert [len(i) for i in ids] == [20, 10, 10]


@pytest.mark.parametrize("N, batch_size", [(10, 3), (10, 10), (10, 32), (64, 16)])
@pytest.mark.parametrize("shuffle", [True, False])
def test_iterate_minibatches_covers_each_sample_once(N, batch_size, shuffle):
    X = np.arange(N, dtype=float)[:, None] * [1.0, -1.0]
    y = np.arange(N)
    batches = list(iterate_minibatches(X, y, batch_size, np.random.default_rng(0), shuffle=shuffle))
    assert len(batches) == -(-N // batch_size)
    assert all(len(xb) == min(batch_size, N) for xb, _ in batches[:-1])
    seen = np.concatenate([yb for _, yb in batches])
    np.testing.assert_array_equal(np.sort(seen), np.arange(N))
    for xb, yb in batches:
        np.testing.assert_array_equal(xb[:, 0], yb)                              # rows stay paired
    if not shuffle:
        np.testing.assert_array_equal(seen, np.arange(N))
    elif N > batch_size:
        assert not np.array_equal(seen, np.arange(N))


def test_iterate_minibatches_new_order_each_call_from_one_generator():
    rng = np.random.default_rng(0)
    X, y = np.zeros((20, 1)), np.arange(20)
    first = np.concatenate([b for _, b in iterate_minibatches(X, y, 5, rng)])
    second = np.concatenate([b for _, b in iterate_minibatches(X, y, 5, rng)])
    assert not np.array_equal(first, second)
