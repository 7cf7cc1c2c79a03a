"""The checks of the capstone (standardize, confusion, the digits pipeline): right answers
pass, typical mistakes fail with the explanation that names them, and the held-out digits
never reach the learner's function."""
import numpy as np
import pytest

from mlp_lib import MLP, affine_backward, affine_forward, load_digits, make_schedule, train
from mlp_lib.checks import exercise_sets
from mlp_lib.checks.lesson08 import (DIGITS_PIPELINE, HELD_OUT, _partition, check_confusion, check_digits_pipeline,
                                     check_standardize, confusion_reference, development_data)


def stub(*args, **kwargs):
    raise NotImplementedError()


def test_the_set_is_registered_in_notebook_order():
    assert [e.name for e in exercise_sets()["08_capstone_digits"]] == ["standardize", "confusion", "digits_pipeline"]


@pytest.mark.parametrize("check", [check_standardize, check_confusion, check_digits_pipeline])
def test_every_check_says_a_stub_is_not_implemented(check):
    result = check(stub)
    assert result.status == "not_implemented" and not result.passed


# -- the held-out partition ---------------------------------------------------------------------

def test_the_held_out_digits_are_disjoint_from_the_development_digits_and_stratified():
    X, y = load_digits()
    X_dev, y_dev, X_held, y_held = _partition()
    assert len(X_dev) + len(X_held) == len(X)
    assert len(X_held) == pytest.approx(HELD_OUT * len(X), abs=10)
    dev_rows = {row.tobytes() for row in X_dev}
    held_rows = [row.tobytes() for row in X_held]
    duplicates_in_data = len(X) - len({row.tobytes() for row in X})
    assert sum(r in dev_rows for r in held_rows) <= duplicates_in_data   # only identical images may coincide
    np.testing.assert_allclose(np.bincount(y_held) / len(y_held), np.bincount(y) / len(y), atol=0.01)
    X_dev2, y_dev2 = development_data()
    np.testing.assert_array_equal(X_dev2, X_dev)


def test_the_instant_check_and_the_grader_use_different_digits():
    rng = np.random.default_rng(0)
    (check_case,) = DIGITS_PIPELINE.make_cases(rng)
    (grading_case,) = DIGITS_PIPELINE.grading_cases(rng)
    X_dev, _, X_held, y_held = _partition()
    # the instant check never sees held-out digits; the grader's labels stay private
    assert len(check_case.args[0]) + len(check_case.args[2]) == len(X_dev)
    assert len(grading_case.args) == 3 and grading_case.args[2].shape == X_held.shape
    np.testing.assert_array_equal(grading_case.private, y_held)
    assert all(not np.array_equal(a, y_held) for a in grading_case.args if np.shape(a) == y_held.shape)


# -- standardize ----------------------------------------------------------------------------------

def standardize_keepdims(X_train, X_other):
    mean = X_train.mean(axis=0, keepdims=True)
    std = X_train.std(axis=0, keepdims=True)
    std[std == 0] = 1
    return (X_train - mean) / std, (X_other - mean) / std


def standardize_by_formula(X_train, X_other):
    N = len(X_train)
    mean = X_train.sum(axis=0) / N
    std = np.sqrt(((X_train - mean) ** 2).sum(axis=0) / N)
    std = np.where(std == 0, 1.0, std)
    return [(A - mean) / std for A in (X_train, X_other)]


def standardize_in_place(X_train, X_other):
    mean, std = X_train.mean(0), X_train.std(0)
    std[std == 0] = 1.0
    X_train, X_other = X_train.copy(), X_other.copy()   # in place on fresh arrays
    X_other -= mean
    X_other /= std
    X_train -= mean
    X_train /= std
    return X_train, X_other


RIGHT_STANDARDIZE = {"keepdims": standardize_keepdims, "formula": standardize_by_formula,
                     "in place": standardize_in_place}


@pytest.mark.parametrize("fn", RIGHT_STANDARDIZE.values(), ids=RIGHT_STANDARDIZE.keys())
def test_standardize_accepts_right_answers(fn):
    result = check_standardize(fn)
    assert result.passed, result.message


def _own_stats(X_train, X_other):
    return standardize_keepdims(X_train, X_train)[0], standardize_keepdims(X_other, X_other)[0]


def _pooled(X_train, X_other):
    both = np.vstack([X_train, X_other])
    mean, std = both.mean(0), both.std(0)
    std = np.where(std > 0, std, 1)
    return (X_train - mean) / std, (X_other - mean) / std


def _no_guard(X_train, X_other):
    mean, std = X_train.mean(0), X_train.std(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (X_train - mean) / std, (X_other - mean) / std


def _variance(X_train, X_other):
    mean, var = X_train.mean(0), X_train.var(0)
    var = np.where(var > 0, var, 1)
    return (X_train - mean) / var, (X_other - mean) / var


def _not_centred(X_train, X_other):
    std = X_train.std(0)
    std = np.where(std > 0, std, 1)
    return X_train / std, X_other / std


WRONG_STANDARDIZE = {
    "other data with its own statistics": (_own_stats, "with its own mean and std"),
    "statistics of all data": (_pooled, "leaks information"),
    "zero std not guarded": (_no_guard, "NaN or infinite"),
    "divided by the variance": (_variance, "variance instead of the standard deviation"),
    "mean not subtracted": (_not_centred, "mean is not subtracted"),
}


@pytest.mark.parametrize("fn, hint", WRONG_STANDARDIZE.values(), ids=WRONG_STANDARDIZE.keys())
def test_standardize_rejects_mistakes_with_their_hint(fn, hint):
    result = check_standardize(fn)
    assert not result.passed
    assert hint in result.message, result.message


# -- confusion ---------------------------------------------------------------------------------------

def test_confusion_reference_by_hand():
    M = confusion_reference(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 2, 0]), 4)
    np.testing.assert_array_equal(M, [[1, 1, 0, 0], [0, 1, 0, 0], [1, 0, 2, 0], [0, 0, 0, 0]])


def confusion_loop(y_true, y_pred, C):
    M = np.zeros((C, C), dtype=int)
    for t, p in zip(y_true, y_pred):
        M[t, p] += 1
    return M


RIGHT_CONFUSION = {
    "loop": confusion_loop,
    "np.add.at": lambda t, p, C: (lambda M: (np.add.at(M, (t, p), 1), M)[1])(np.zeros((C, C), int)),
    "bincount": lambda t, p, C: np.bincount(t * C + p, minlength=C * C).reshape(C, C),
    "histogram2d as floats": lambda t, p, C: np.histogram2d(t, p, bins=C, range=[[0, C], [0, C]])[0],
}


@pytest.mark.parametrize("fn", RIGHT_CONFUSION.values(), ids=RIGHT_CONFUSION.keys())
def test_confusion_accepts_right_answers(fn):
    result = check_confusion(fn)
    assert result.passed, result.message


def _fancy(t, p, C):
    M = np.zeros((C, C), int)
    M[t, p] += 1
    return M


WRONG_CONFUSION = {
    "transposed": (lambda t, p, C: confusion_loop(p, t, C), "rows and columns are swapped"),
    "fancy-index add": (_fancy, "counted only once"),
    "size from the labels": (lambda t, p, C: confusion_loop(t, p, int(max(t.max(), p.max())) + 1), "C x C"),
    "diagonal only": (lambda t, p, C: np.diag(np.diag(confusion_loop(t, p, C))), "only the diagonal"),
}


@pytest.mark.parametrize("fn, hint", WRONG_CONFUSION.values(), ids=WRONG_CONFUSION.keys())
def test_confusion_rejects_mistakes_with_their_hint(fn, hint):
    result = check_confusion(fn)
    assert not result.passed
    assert hint in result.message, result.message


# -- digits_pipeline (scored) ----------------------------------------------------------------------

def own_relu(z):
    return np.where(z > 0, z, 0.0)


def own_relu_prime(z):
    return np.where(z > 0, 1.0, 0.0)


def own_affine_forward(X, W, b):
    return np.dot(X, W) + b, (X, W)


def own_affine_backward(dout, cache):
    X, W = cache
    return np.dot(dout, W.T), np.dot(X.T, dout), np.sum(dout, axis=0)


def mlp_pipeline(X_train, y_train, X_test, activation=(own_relu, own_relu_prime),
                 affine=(own_affine_forward, own_affine_backward)):
    mean, std = X_train.mean(0), X_train.std(0)
    std = np.where(std > 0, std, 1)
    model = MLP([64, 128, 10], activation=activation, affine=affine, init="he_normal", weight_decay=1e-3, seed=0)
    train(model, (X_train - mean) / std, y_train, epochs=30, lr=0.1, optimizer="sgd",
          optimizer_kwargs={"momentum": 0.9}, lr_schedule=make_schedule("cosine", 0.1, T=30), seed=0)
    return model.predict((X_test - mean) / std)


def nearest_neighbour(X_train, y_train, X_test):
    # an independent, training-free classifier that is known to do well on these digits
    d = ((X_test[:, None, :] - X_train[None, :, :]) ** 2).sum(axis=2)
    return y_train[np.argmin(d, axis=1)]


@pytest.mark.parametrize("fn", [mlp_pipeline, nearest_neighbour], ids=["mlp", "1-nearest neighbour"])
def test_digits_pipeline_gives_full_points_to_good_classifiers(fn):
    result = check_digits_pipeline(fn)
    assert result.passed and result.fraction == 1.0, result.message
    assert "validation digits" in result.message


def test_digits_pipeline_scores_held_out_accuracy_with_partial_credit():
    rng = np.random.default_rng(1)
    (case,) = DIGITS_PIPELINE.grading_cases(rng)
    y = case.private
    right = y.copy()
    assert DIGITS_PIPELINE.score(case, right)[0] == 1.0
    wrong = y.copy()
    full, none = case.facts["full_from"], case.facts["none_below"]     # the held-out digits' own thresholds
    n_wrong = int(round((1 - (full + none) / 2) * len(y)))               # halfway between them
    wrong[:n_wrong] = (wrong[:n_wrong] + 1) % 10
    fraction, message = DIGITS_PIPELINE.score(case, wrong)[:2]
    assert fraction == pytest.approx((1 - n_wrong / len(y) - none) / (full - none))
    assert 0.4 < fraction < 0.6
    assert "held-out digits" in message
    assert DIGITS_PIPELINE.score(case, np.zeros_like(y))[0] == 0.0


WRONG_PIPELINE = {
    "probabilities instead of labels": (lambda X, y, Xt: np.full((len(Xt), 10), 0.1), "take the argmax"),
    "no return": (lambda X, y, Xt: None, "is the return statement missing"),
    "one label per training digit": (lambda X, y, Xt: y, "one predicted digit per test image"),
    "constant guess": (lambda X, y, Xt: np.zeros(len(Xt), int), "accuracy"),
    "loads the digits itself": (lambda X, y, Xt: load_digits()[1][:len(Xt)], "mlp_lib.data.load_digits"),
    "the package's affine layer": (lambda X, y, Xt: mlp_pipeline(X, y, Xt, affine=(affine_forward, affine_backward)),
                                   "mlp_lib.layers.affine_forward"),
    "the package's ReLU": (lambda X, y, Xt: mlp_pipeline(X, y, Xt, activation="relu"), "mlp_lib.activations.relu"),
    "labels out of range": (lambda X, y, Xt: np.full(len(Xt), 11), "digits 0..9"),
}


@pytest.mark.parametrize("fn, hint", WRONG_PIPELINE.values(), ids=WRONG_PIPELINE.keys())
def test_digits_pipeline_rejects_wrong_answers_with_an_explanation(fn, hint):
    result = check_digits_pipeline(fn)
    assert not result.passed and result.fraction == 0.0
    assert hint in result.message, result.message


def _labels_with(y, right_share, rng, wrong=None):
    """y with all but ``right_share`` of the labels replaced: by ``wrong`` or by another digit."""
    labels = y.copy()
    bad = rng.permutation(len(y))[:int(round((1 - right_share) * len(y)))]
    labels[bad] = (y[bad] + rng.integers(1, 10, len(bad))) % 10 if wrong is None else wrong
    return labels


@pytest.mark.parametrize("make, diagnosis", [
    (lambda y, rng: _labels_with(y, 0.3, rng, wrong=3), "digits_pipeline/predictions-collapse"),
    (lambda y, rng: rng.integers(0, 10, len(y)), "digits_pipeline/chance-level"),
    (lambda y, rng: _labels_with(y, 0.8, rng), "digits_pipeline/learns-but-short"),
], ids=["one digit for most images", "random digits", "80 % right"])
def test_a_short_pipeline_gets_the_cause_its_predictions_show(make, diagnosis):
    rng = np.random.default_rng(3)
    (case,) = DIGITS_PIPELINE.make_cases(rng)
    fraction, message, found = DIGITS_PIPELINE.score(case, make(case.private, rng))
    assert fraction < 1 and found == diagnosis, message


def test_test_images_left_unstandardised_are_named():
    """Trained on standardised digits, asked about raw ones (ink counts 0..16)."""
    def raw_test_images(X_train, y_train, X_test):
        mean, std = X_train.mean(0), X_train.std(0)
        std = np.where(std > 0, std, 1)
        model = MLP([64, 32, 10], activation=(own_relu, own_relu_prime), affine=(own_affine_forward,
                    own_affine_backward), init="he_normal", seed=0)
        train(model, (X_train - mean) / std, y_train, epochs=5, lr=0.1, optimizer="sgd", seed=0)
        return model.predict(X_test)
    result = check_digits_pipeline(raw_test_images)
    assert not result.passed
    assert result.diagnosis.startswith("digits_pipeline/"), result.message
    assert "standardise X_test" in result.message or "prepared like the training" in result.message
