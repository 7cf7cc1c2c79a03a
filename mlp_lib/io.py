"""Save and load a model's parameters as a NumPy ``.npz`` file (plain arrays, no pickle).

    save_params("digits_mlp.npz", model)      # W1, b1, ..., and batch-norm running statistics
    load_params("digits_mlp.npz", model)      # into a model built with the same layer sizes

The file holds one array per parameter under its name ("W1", "b1", "gamma1", ...), the
batch-norm running statistics as "running_mean1", "running_var1", ..., and the layer sizes
as "layer_sizes", so that loading into a differently shaped model fails with a clear message.
"""
import pathlib

import numpy as np

RUNNING = ("mean", "var")


def save_params(path, model):
    """Write ``model``'s parameters (an ``MLP``, or a dict name -> array) to ``path`` (.npz).

    -> the path written (NumPy appends ".npz" when it is missing).
    """
    arrays = _arrays_of(model)
    path = pathlib.Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    np.savez(path, **arrays)
    return path


def load_params(path, model=None):
    """Read parameters saved by ``save_params``.

    Without ``model``: -> dict name -> array of the parameters (no running statistics).
    With an ``MLP``: copy them into ``model.params`` (and its batch-norm running statistics)
    after checking that every name and shape matches, and return the model.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no parameter file at {path!s}")
    with np.load(path, allow_pickle=False) as data:
        saved = {name: data[name] for name in data.files}
    if model is None:
        return {k: v for k, v in saved.items() if k != "layer_sizes" and not k.startswith("running_")}
    if not hasattr(model, "params") or not hasattr(model, "layer_sizes"):
        raise TypeError(f"model must be an MLP (with .params and .layer_sizes), got {type(model).__name__}")
    if "layer_sizes" in saved and saved["layer_sizes"].tolist() != list(model.layer_sizes):
        raise ValueError(f"the file holds a model with layer sizes {saved['layer_sizes'].tolist()}, "
                         f"the given model has {list(model.layer_sizes)}")
    expected = _arrays_of(model)
    expected.pop("layer_sizes")                       # compared above, and optional in a file
    missing = sorted(set(expected) - set(saved))
    extra = sorted(set(saved) - set(expected) - {"layer_sizes"})
    if missing or extra:
        raise ValueError(f"the file's arrays do not match the model: missing {missing}, unexpected {extra}")
    for name, want in expected.items():
        if saved[name].shape != want.shape:
            raise ValueError(f"{name} has shape {saved[name].shape} in the file, the model expects {want.shape}")
        if not np.all(np.isfinite(saved[name])):
            raise ValueError(f"{name} in the file contains NaN or infinite values")
    for name in model.params:
        model.params[name] = saved[name].astype(model.params[name].dtype)
    for l, running in getattr(model, "bn_running", {}).items():
        model.bn_running[l] = {key: saved[f"running_{key}{l}"].astype(running[key].dtype) for key in RUNNING}
    return model


def _arrays_of(model):
    """{name: array} to save for an MLP or a dict of parameters."""
    if isinstance(model, dict):
        params, running, sizes = model, {}, None
    elif hasattr(model, "params"):
        params, running, sizes = model.params, getattr(model, "bn_running", {}), model.layer_sizes
    else:
        raise TypeError(f"expected an MLP or a dict name -> array, got {type(model).__name__}")
    arrays = {}
    for name, value in params.items():
        if not isinstance(name, str) or not name.isidentifier() or name == "layer_sizes" \
                or name.startswith("running_"):
            raise ValueError(f"parameter names must be identifiers such as 'W1' (not 'layer_sizes' or "
                             f"'running_*'), got {name!r}")
        arr = np.asarray(value)
        if not np.issubdtype(arr.dtype, np.number):
            raise TypeError(f"parameter {name!r} must be an array of numbers, got dtype {arr.dtype}")
        arrays[name] = arr
    for l, stats in running.items():
        for key in RUNNING:
            arrays[f"running_{key}{l}"] = np.asarray(stats[key])
    if sizes is not None:
        arrays["layer_sizes"] = np.asarray(sizes, dtype=np.int64)
    return arrays
