"""mlp_lib.io: parameters saved with np.savez come back identical, and a file that does not
fit the model is refused with a message naming what differs."""
import numpy as np
import pytest

from mlp_lib import MLP, make_blobs, train
from mlp_lib.io import load_params, save_params


def trained(**kwargs):
    X, y = make_blobs(n=60, centers=3, seed=0)
    model = MLP([2, 6, 3], seed=0, **kwargs)
    train(model, X, y, epochs=5, lr=0.1)
    return model, X


@pytest.mark.parametrize("kwargs", [{}, {"batchnorm": True}, {"dtype": np.float32}, {"activation": "tanh"}],
                         ids=["plain", "batch norm", "float32", "tanh"])
def test_round_trip_gives_the_same_model(tmp_path, kwargs):
    model, X = trained(**kwargs)
    path = save_params(tmp_path / "model", model)
    assert path.name == "model.npz" and path.is_file()
    fresh = MLP([2, 6, 3], seed=123, **kwargs)
    assert not np.array_equal(fresh.predict_proba(X), model.predict_proba(X))
    assert load_params(path, fresh) is fresh
    for name, value in model.params.items():
        np.testing.assert_array_equal(fresh.params[name], value)
        assert fresh.params[name].dtype == value.dtype
    for l, stats in model.bn_running.items():
        np.testing.assert_array_equal(fresh.bn_running[l]["mean"], stats["mean"])
        np.testing.assert_array_equal(fresh.bn_running[l]["var"], stats["var"])
    np.testing.assert_array_equal(fresh.predict_proba(X), model.predict_proba(X))


def test_the_file_is_plain_arrays_readable_with_np_load(tmp_path):
    model, _ = trained()
    path = save_params(tmp_path / "m.npz", model)
    with np.load(path, allow_pickle=False) as data:
        assert sorted(data.files) == ["W1", "W2", "b1", "b2", "layer_sizes"]
        np.testing.assert_array_equal(data["layer_sizes"], [2, 6, 3])


def test_a_dict_of_params_round_trips_without_a_model(tmp_path):
    params = {"W1": np.arange(6.0).reshape(2, 3), "b1": np.ones(3)}
    loaded = load_params(save_params(tmp_path / "p.npz", params))
    assert sorted(loaded) == ["W1", "b1"]
    np.testing.assert_array_equal(loaded["W1"], params["W1"])


def test_loading_into_another_shape_names_both_shapes(tmp_path):
    model, _ = trained()
    path = save_params(tmp_path / "m.npz", model)
    with pytest.raises(ValueError, match=r"\[2, 6, 3\].*\[2, 5, 3\]"):
        load_params(path, MLP([2, 5, 3]))


def test_missing_and_misshapen_arrays_are_named(tmp_path):
    model = MLP([2, 6, 3])
    partial = {k: v for k, v in model.params.items() if k != "b2"}
    with pytest.raises(ValueError, match=r"missing \['b2'\]"):
        load_params(save_params(tmp_path / "a.npz", partial), model)
    misshapen = dict(model.params, W2=np.zeros((3, 6)))
    with pytest.raises(ValueError, match=r"W2 has shape \(3, 6\).*\(6, 3\)"):
        load_params(save_params(tmp_path / "b.npz", misshapen), model)
    with pytest.raises(ValueError, match="NaN"):
        load_params(save_params(tmp_path / "c.npz", dict(model.params, b1=np.full(6, np.nan))), model)


def test_bad_arguments(tmp_path):
    with pytest.raises(TypeError, match="MLP or a dict"):
        save_params(tmp_path / "x.npz", [np.zeros(2)])
    with pytest.raises(TypeError, match="array of numbers"):
        save_params(tmp_path / "x.npz", {"W1": np.array(["a", "b"])})
    with pytest.raises(ValueError, match="identifiers"):
        save_params(tmp_path / "x.npz", {"layer_sizes": np.zeros(2)})
    with pytest.raises(FileNotFoundError):
        load_params(tmp_path / "nothing.npz")
    path = save_params(tmp_path / "ok.npz", {"W1": np.zeros((2, 2))})
    with pytest.raises(TypeError, match="must be an MLP"):
        load_params(path, {"W1": np.zeros((2, 2))})
