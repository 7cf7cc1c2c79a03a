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

def _toy(shapes=((4, 3), (5, 5), (2, 6)), **kw):
    """A toy exercise, the result 2x, on cases of different shapes (one square) and batch sizes."""
    cases = lambda rng: [Case((rng.standard_normal(s),), f"x {s}", facts={"N": s[0]}) for s in shapes]
    return Exercise(name="double", points=1, make_cases=cases, reference=lambda x: 2 * x, **kw)


@pytest.mark.parametrize("fn, words, diagnosis", [
    (lambda x: 2 * x * len(x), "N times too large", "generic/missing-1/N"),
    (lambda x: 2 * x / len(x), "N times too small", "generic/extra-1/N"),
    (lambda x: -2 * x, "wrong sign", "generic/sign-flipped"),
    (lambda x: 6 * x, "times 3", "generic/constant-factor"),
    (lambda x: 2 * x + 0.5, "plus 0.5", "generic/constant-offset"),
    (lambda x: np.full_like(x, np.nan), "NaN", "generic/not-finite"),
    (lambda x: (2 * x).T, "transposed", "generic/shape-transposed"),
    (lambda x: (2 * x).sum(axis=0, keepdims=True), None, "generic/wrong-shape"),
    (lambda x: np.zeros_like(x), "all zero where other values are expected", "generic/all-zero"),
    (lambda x: np.vstack([2 * x[:1], 3 * x[1:]]), "only some rows", "generic/some-rows-wrong"),
    (lambda x: None, "returned None", "generic/returned-none"),
    (lambda x: [2 * x], "a list of 1 item", "generic/wrong-container"),
])
def test_generic_diagnoses(fn, words, diagnosis):
    result = make_check(_toy())(fn)
    assert not result.passed
    assert result.diagnosis == diagnosis, result.message
    if words:
        assert words in result.message, result.message


def test_a_square_result_transposed_is_named():
    result = make_check(_toy(shapes=((3, 3), (4, 4))))(lambda x: 2 * x.T)
    assert result.diagnosis == "generic/transposed" and "transposed" in result.message


@pytest.mark.parametrize("fn", [lambda x: 2 * x * 0.41, lambda x: 2 * x * len(x)])
def test_no_formula_is_guessed_from_a_single_case(fn):
    # one ratio always exists between two numbers: one case proves no factor
    result = make_check(_toy(shapes=((4, 3),)))(fn)
    assert not result.passed and result.diagnosis == "generic/values-differ"
    assert "Likely cause" not in result.message and "times" not in result.message


def test_cases_that_disagree_give_no_guess_but_say_what_differs():
    # twice too large on one case, three times on the others: no common cause
    result = make_check(_toy())(lambda x: 4 * x if x.shape == (4, 3) else 6 * x)
    assert result.diagnosis == "generic/values-differ" and "Likely cause" not in result.message
    assert "wrong on 3 of the 3 cases" in result.message and "entry [0, 0]" in result.message


def test_an_input_changed_in_place_is_observed():
    def spoil(x):
        x *= 2
        return x
    result = make_check(_toy())(spoil)
    assert not result.passed and result.diagnosis == "generic/changes-its-input"
    assert "changes its input x in place" in result.message
    assert make_check(_toy(may_change=("args[0]",)))(spoil).passed


def test_the_runner_records_the_paths_of_changed_inputs():
    def spoil(a, d, k=None):
        d["W"][0] = 9.0
        k[1] = 0.0
        return 0
    (outcome,) = runner.call_cases(spoil, [((np.ones(2), {"W": np.ones(2), "b": np.ones(1)}), {"k": np.ones(3)})])
    assert outcome["changed_inputs"] == ["args[1]['W']", "kwargs['k']"]


def test_a_promise_has_its_own_message_and_diagnosis():
    from mlp_lib.checks.base import Promise
    exercise = _toy(promises=[Promise("float64", "the result must be float64.",
                                      lambda case, value: value.dtype == np.float64)])
    result = make_check(exercise)(lambda x: (2 * x).astype(np.float32))
    assert result.diagnosis == "double/float64" and "must be float64" in result.message


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


def test_checks_live_in_their_lesson_module():
    from mlp_lib.checks.lesson02 import check_affine_forward
    assert check_affine_forward.exercise.name == "affine_forward"
    with pytest.raises(AttributeError):
        mlp_lib.checks.check_affine_forward
