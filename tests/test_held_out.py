"""The capstone's grading digits (mlp_lib.grading.held_out): perturbed so that the public data
set cannot be used to look up their labels, reproducible from the run's seed, and replaceable
by a teacher's own folder of digit images."""
import pathlib
import shutil
import zipfile

import numpy as np
import pytest

import mlp_lib.grading.held_out as held_out
from mlp_lib import load_digits
from mlp_lib.checks.lesson08 import DIGITS_PIPELINE, _partition
from mlp_lib.grading.held_out import grading_digits, perturb_digits, teacher_digits

ROOT = pathlib.Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "notebooks" / "data" / "my_digits"


@pytest.fixture(scope="module")
def public():
    return load_digits()


def nearest_labels(X_ref, y_ref, X):
    """1-nearest neighbour (Euclidean), written out independently of the benchmark's."""
    d = (X ** 2).sum(1)[:, None] - 2 * X @ X_ref.T + (X_ref ** 2).sum(1)[None, :]
    return y_ref[np.argmin(d, axis=1)]


# -- perturb_digits ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_perturbation_keeps_shape_dtype_and_whole_ink_counts(public, dtype):
    X = public[0][:300].astype(dtype)
    X2 = perturb_digits(X, np.random.default_rng(0))
    assert X2.shape == X.shape and X2.dtype == dtype
    assert X2.min() >= 0 and X2.max() <= 16
    np.testing.assert_array_equal(X2, np.round(X2))
    assert not np.signbit(X2).any()                       # no -0.0 from rounding small negatives
    np.testing.assert_array_equal(X, public[0][:300].astype(dtype))   # the input is not modified


def test_perturbation_changes_every_image(public):
    X = public[0]
    for seed in range(3):
        X2 = perturb_digits(X, np.random.default_rng(seed))
        assert not np.any(np.all(X2 == X, axis=1))
        # and not by a speck: a typical image differs in many cells
        assert np.median(np.count_nonzero(X2 != X, axis=1)) >= 10


def test_even_a_blank_or_a_full_image_changes():
    X = np.zeros((2, 64))
    X[1] = 16.0
    for seed in range(20):
        X2 = perturb_digits(X, np.random.default_rng(seed))
        assert not np.any(np.all(X2 == X, axis=1)) and X2.min() >= 0 and X2.max() <= 16


def test_perturbation_is_reproducible_for_a_seed_and_differs_across_seeds(public):
    X = public[0][:200]
    a = perturb_digits(X, np.random.default_rng(7))
    np.testing.assert_array_equal(a, perturb_digits(X, np.random.default_rng(7)))
    b = perturb_digits(X, np.random.default_rng(8))
    assert np.mean(np.any(a != b, axis=1)) > 0.95


def test_parameters_are_drawn_per_image(public):
    # the same digit repeated gets a different variation each time
    X = np.repeat(public[0][:1], 50, axis=0)
    X2 = perturb_digits(X, np.random.default_rng(0))
    assert len({row.tobytes() for row in X2}) == 50


def test_shifts_keep_the_ink_inside_the_grid(public, monkeypatch):
    # a pure shift (up to a cell) moves ink bilinearly: none may fall off the 8 x 8 grid, even for
    # digits touching the border, so the total ink of every image is unchanged
    for name, value in [("MAX_ROTATION", 0.0), ("ZOOM", (1.0, 1.0)), ("MAX_SHIFT", 1.0)]:
        monkeypatch.setattr(held_out, name, value)
    ink = public[0].reshape(-1, 8, 8) / 16
    touching = np.mean((ink[:, :, 0] > 0).any(1) | (ink[:, :, -1] > 0).any(1) | (ink[:, 0] > 0).any(1))
    assert touching > 0.5                                  # the test would be empty otherwise
    shifted = held_out._warp(ink, np.random.default_rng(0))
    np.testing.assert_allclose(shifted.sum(axis=(1, 2)), ink.sum(axis=(1, 2)), rtol=1e-12)
    assert np.mean(np.abs(shifted - ink).sum(axis=(1, 2)) > 0.5) > 0.5   # and they did move


@pytest.mark.parametrize("bad, error, words", [
    (np.zeros((3, 63)), ValueError, "(N, 64)"),
    (np.zeros(64), ValueError, "(N, 64)"),
    (np.full((2, 64), 17.0), ValueError, "[0, 16]"),
    (np.full((2, 64), -1.0), ValueError, "[0, 16]"),
    (np.full((2, 64), np.nan), ValueError, "finite"),
    (np.array([["a"] * 64]), TypeError, "dtype"),
    (np.zeros((2, 64), dtype=bool), TypeError, "dtype"),
])
def test_perturbation_rejects_what_is_not_a_batch_of_digits(bad, error, words):
    with pytest.raises(error) as info:
        perturb_digits(bad, np.random.default_rng(0))
    assert words in str(info.value)


def test_perturbation_needs_a_generator():
    with pytest.raises(TypeError, match="default_rng"):
        perturb_digits(np.zeros((1, 64)), 0)


def test_integer_ink_counts_are_accepted_as_floats(public):
    X2 = perturb_digits(public[0][:5].astype(np.int64), np.random.default_rng(0))
    assert X2.dtype == np.float64 and X2.shape == (5, 64)


def test_an_empty_batch_gives_an_empty_batch():
    assert perturb_digits(np.zeros((0, 64)), np.random.default_rng(0)).shape == (0, 64)


# -- grading_digits: no lookup ----------------------------------------------------------------------

def test_grading_digits_are_the_partition_perturbed(public):
    X_dev, y_dev, X_held, y_held = _partition()
    X_train, y_train, X_test, y_test = grading_digits(np.random.default_rng(3))
    assert X_train.shape == X_dev.shape and X_test.shape == X_held.shape
    np.testing.assert_array_equal(y_train, y_dev)
    np.testing.assert_array_equal(y_test, y_held)
    public_rows = {row.tobytes() for row in public[0]}
    assert not any(row.tobytes() in public_rows for row in X_test)     # an exact lookup finds nothing
    assert np.mean([row.tobytes() in public_rows for row in X_train]) < 0.01


def test_a_lookup_in_the_public_digits_scores_no_better_than_an_honest_classifier(public):
    # the cheat: the nearest of all 1,797 public digits, labels included (the test images' own
    # originals among them); honest: the nearest of the grader's perturbed training digits only
    X_pub, y_pub = public
    for seed in range(3):
        X_train, y_train, X_test, y_test = grading_digits(np.random.default_rng([seed, 2]))
        cheat = np.mean(nearest_labels(X_pub, y_pub, X_test) == y_test)
        honest = np.mean(nearest_labels(X_train, y_train, X_test) == y_test)
        assert cheat <= honest, (seed, cheat, honest)
        assert honest > 0.85                               # the digits stay legible


def test_without_the_perturbation_the_lookup_would_win(public):
    # the reason for all this: on the public held-out images the lookup is perfect
    X_pub, y_pub = public
    _, _, X_held, y_held = _partition()
    assert np.mean(nearest_labels(X_pub, y_pub, X_held) == y_held) == 1.0


# -- lesson 8's grading cases --------------------------------------------------------------------

def test_the_grader_cases_of_the_capstone_use_the_perturbed_digits():
    X_dev, y_dev, X_held, y_held = _partition()
    (case,) = DIGITS_PIPELINE.grading_cases(np.random.default_rng(5))
    X_train, y_train, X_test = case.args
    assert X_test.shape == X_held.shape and not np.array_equal(X_test, X_held)
    np.testing.assert_array_equal(case.private, y_held)
    (again,) = DIGITS_PIPELINE.grading_cases(np.random.default_rng(5))
    np.testing.assert_array_equal(again.args[2], X_test)
    fraction, message, *_ = DIGITS_PIPELINE.score(case, y_held)
    assert fraction == 1.0 and "359 held-out digits" in message


def test_the_instant_check_still_uses_the_clean_development_digits():
    X_dev, _ = _partition()[:2]
    (case,) = DIGITS_PIPELINE.make_cases(np.random.default_rng(0))
    dev_rows = {row.tobytes() for row in X_dev}
    assert all(row.tobytes() in dev_rows for row in case.args[0])
    assert "validation digits" in DIGITS_PIPELINE.score(case, case.private)[1]


# -- a teacher's own held-out set -------------------------------------------------------------------

pytest.importorskip("PIL")


@pytest.fixture
def drawn(tmp_path):
    folder = tmp_path / "class digits"
    shutil.copytree(SAMPLES, folder)
    return folder


def test_a_teachers_folder_replaces_the_held_out_digits_unperturbed(drawn):
    from mlp_lib.images import load_digit_images
    X_expected, names = load_digit_images(drawn)
    X_dev, y_dev, _, _ = _partition()
    X_train, y_train, X_test, y_test = grading_digits(np.random.default_rng(0), held_out=drawn)
    np.testing.assert_array_equal(X_test, X_expected)
    np.testing.assert_array_equal(y_test, [int(pathlib.Path(n).name[0]) for n in names])
    assert sorted(set(y_test.tolist())) == list(range(10))
    assert X_train.shape == X_dev.shape and not np.array_equal(X_train, X_dev)   # training as usual
    np.testing.assert_array_equal(y_train, y_dev)


def test_a_teachers_zip_works_and_the_score_names_the_set(tmp_path, drawn):
    archive = tmp_path / "ours.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for p in sorted(drawn.iterdir()):
            z.write(p, f"anna/{p.name}")
    (case,) = DIGITS_PIPELINE.grading_cases(np.random.default_rng(0), held_out=archive)
    y = case.private
    assert len(y) == len(list(drawn.iterdir()))
    wrong = (y + 1) % 10
    fraction, message, diagnosis = DIGITS_PIPELINE.score(case, wrong)
    assert fraction == 0.0 and "ours.zip" in message and "teacher" in message
    assert diagnosis.startswith("digits_pipeline/")
    assert "held-out digits:" not in case.label and "ours.zip" in case.label


def test_an_empty_folder_fails_clearly(tmp_path):
    with pytest.raises(ValueError, match="held-out set.*no labelled digit images"):
        grading_digits(np.random.default_rng(0), held_out=tmp_path)


def test_a_missing_path_fails_clearly(tmp_path):
    with pytest.raises(ValueError, match="no folder or ZIP file"):
        teacher_digits(tmp_path / "nowhere")


def test_an_image_without_a_label_fails_and_is_named(drawn):
    shutil.copy(drawn / "3_pen.png", drawn / "scan.png")
    with pytest.raises(ValueError, match=r"1 of 21 images have no label \('scan.png'\).*7_anna.png"):
        teacher_digits(drawn)
