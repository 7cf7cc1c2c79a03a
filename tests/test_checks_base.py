"""The machinery under every check: plain-data round trips, the runner, generic diagnoses,
and the registry of exercise sets."""
import numpy as np
import pytest

import mlp_lib
from mlp_lib.checks import Case, Exercise, Mistake, evaluate, exercise_sets, get_exercise_set, make_check
from mlp_lib.checks import runner, wire


@pytest.mark.parametrize("value", [
    np.arange(6.0).reshape(2, 3), np.float32(1.5), 3, 2.5, True, None, "text",
    (np.ones(2), [np.zeros((1, 1)), 4.0], {"W1": np.eye(2), "b1": np.zeros(2)}),
])
def test_plain_data_survives_a_round_trip_through_files(tmp_path, value):
    wire.save(str(tmp_path / "x"), value)
    back = wire.load(str(tmp_path / "x"))
    assert type(back) is type(value) or isinstance(value, np.generic)
    flat = lambda v: [np.asarray(x) for x in mlp_lib.checks.base.leaves(v, "").values()]
    for a, b in zip(flat(back), flat(value)):
        np.testing.assert_array_equal(a, b)


def test_objects_are_recorded_by_type_only():
    back = wire.snapshot((lambda: 0, object(), np.array(["a"]), {1: 2}))
    assert [x.type_name for x in back] == ["function", "object", "array of dtype <U1", "dict"]


def test_loading_refuses_pickled_arrays(tmp_path):
    np.savez(tmp_path / "x.npz", a0=np.array([{"evil": 1}], dtype=object))
    (tmp_path / "x.json").write_text('{"array": "a0"}')
    with pytest.raises(ValueError, match="pickle"):
        wire.load(str(tmp_path / "x"))


def test_snapshot_copies_so_later_mutation_changes_nothing():
    a = np.zeros(3)
    snap = wire.snapshot(a)
    a[0] = 5
    assert snap[0] == 0


def test_the_budget_is_not_swallowed_by_except_exception():
    def stubborn():
        while True:
            try:
                sum(range(1000))
            except Exception:
                pass
    (outcome,) = runner.call_cases(stubborn, [((), {})], budget=0.3)
    assert outcome["status"] == "timeout"


def test_inputs_are_copied_for_each_call():
    x = np.ones(3)

    def spoil(a):
        a[:] = -1
        return a.sum()
    outcomes = runner.call_cases(spoil, [((x,), {}), ((x,), {})])
    assert [o["value"] for o in outcomes] == [-3.0, -3.0] and x.sum() == 3


def test_a_reference_call_through_an_alias_is_recorded():
    alias = mlp_lib.sigmoid_prime
    (outcome,) = runner.call_cases(lambda z: alias(z), [((np.zeros(2),), {})],
                                   references=["mlp_lib.activations:sigmoid_prime"])
    assert outcome["reference_called"] == ["mlp_lib.activations:sigmoid_prime"]
    assert outcome["status"] == "ok" and np.allclose(outcome["value"], 0.25)


def test_sys_exit_in_a_function_is_an_error_not_an_exit():
    import sys
    (outcome,) = runner.call_cases(lambda: sys.exit(3), [((), {})])
    assert outcome["status"] == "error" and "sys.exit(3)" in outcome["error"]


# -- generic diagnoses on a toy exercise with no list of mistakes --------------------

def _toy(**kw):
    cases = lambda rng: [Case((rng.standard_normal((4, 3)),), "x (4, 3)", facts={"N": 4})]
    return Exercise(name="double", points=1, make_cases=cases, reference=lambda x: 2 * x, **kw)


@pytest.mark.parametrize("fn, words", [
    (lambda x: 8 * x, "N = 4 times too large"),
    (lambda x: x / 2, "N = 4 times too small"),
    (lambda x: -2 * x, "wrong sign"),
    (lambda x: 6 * x, "times 3"),
    (lambda x: np.full_like(x, np.nan), "NaN"),
    (lambda x: (2 * x).T, "transposed"),
    (lambda x: (2 * x).sum(axis=0, keepdims=True), None),
    (lambda x: np.zeros_like(x), "all zero"),
])
def test_generic_diagnoses(fn, words):
    result = make_check(_toy())(fn)
    assert not result.passed
    if words:
        assert words in result.message, result.message


def test_a_listed_mistake_wins_over_the_generic_hint():
    exercise = _toy(mistakes=[Mistake("the factor two is applied twice.", lambda x: 4 * x)])
    assert "applied twice" in make_check(exercise)(lambda x: 4 * x).message


def test_evaluate_works_on_outcomes_from_elsewhere():
    exercise = _toy()
    cases = exercise.make_cases(np.random.default_rng(1))
    good = [{"status": "ok", "value": 2 * c.args[0], "reference_called": []} for c in cases]
    assert evaluate(exercise, cases, good).passed
    hung = [{"status": "timeout", "budget": 5, "reference_called": []} for _ in cases]
    assert evaluate(exercise, cases, hung).status == "timeout"


def test_a_score_exercise_gives_partial_credit():
    exercise = Exercise(name="guess", points=2, make_cases=lambda rng: [Case((), "hidden", private=7)],
                        score=lambda case, value: (0.5, f"{value} is near {case.private}"))
    result = make_check(exercise)(lambda: 6)
    assert (result.status, result.fraction, result.passed) == ("partial", 0.5, False)
    assert "6 is near 7" in result.message


def test_registry_lists_lesson_sets_and_refuses_unknown_names():
    assert "03_backpropagation" in exercise_sets()
    with pytest.raises(ValueError, match="known sets are: .*03_backpropagation"):
        get_exercise_set("99_nothing")


def test_checks_are_found_from_the_package():
    from mlp_lib.checks import check_affine_forward
    assert check_affine_forward.exercise.name == "affine_forward"
    with pytest.raises(AttributeError):
        mlp_lib.checks.check_does_not_exist
