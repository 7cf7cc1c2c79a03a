"""Save and load a model's parameters as a NumPy ``.npz`` file (plain arrays, no pickle).

    save_params("digits_mlp.npz", model)      # W1, b1, ..., and batch-norm running statistics
    load_params("digits_mlp.npz", model)      # into a model built with the same layer sizes

The file holds one array per parameter under its name ("W1", "b1", "gamma1", ...), the
batch-norm running statistics as "running_mean1", "running_var1", ..., and the layer sizes
as "layer_sizes", so that loading into a differently shaped model fails with a clear message.
"""
import os
import pathlib
import pickle
import zipfile
import zlib

import numpy as np

from .validation import check_finite

RUNNING = ("mean", "var")


def save_params(path, model):
    """Write ``model``'s parameters (an ``MLP``, or a dict name -> array) to ``path`` (.npz).

    -> the path written (NumPy appends ".npz" when it is missing).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file name (str or pathlib.Path), got {type(path).__name__}")
    arrays = _arrays_of(model)
    path = pathlib.Path(path)
    if path.is_dir():
        raise ValueError(f"path must be a file name such as {path / 'model.npz'!s}, got the folder {path!s}")
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    np.savez(path, **arrays)
    return path


def load_params(path, model=None):
    """Read parameters saved by ``save_params``.

    Without ``model``: -> dict name -> array of the parameters (no running statistics).
    With an ``MLP``: copy them into ``model.params`` (and its batch-norm running statistics)
    after checking that every name and shape matches, and return the model. A file that is
    not such a file (empty, truncated, corrupt, pickled, another format) raises ValueError
    naming it, and leaves the model as it was.
    """
    path = parameter_file(path)
    if model is not None and (not hasattr(model, "params") or not hasattr(model, "layer_sizes")):
        raise TypeError(f"model must be an MLP (with .params and .layer_sizes), got {type(model).__name__}")
    saved = _read_arrays(path)
    if model is None:
        return {k: v for k, v in saved.items() if k != "layer_sizes" and not k.startswith("running_")}
    if "layer_sizes" in saved and saved["layer_sizes"].tolist() != list(model.layer_sizes):
        raise ValueError(f"{path.name} holds a model with layer sizes {saved['layer_sizes'].tolist()}, "
                         f"the given model has {list(model.layer_sizes)}")
    expected = _arrays_of(model)
    expected.pop("layer_sizes")                       # compared above, and optional in a file
    missing = sorted(set(expected) - set(saved))
    extra = sorted(set(saved) - set(expected) - {"layer_sizes"})
    if missing or extra:
        raise ValueError(f"the arrays of {path.name} do not match the model: missing {missing}, unexpected {extra}")
    loaded = {}
    for name, want in expected.items():
        if saved[name].shape != want.shape:
            raise ValueError(f"{name} has shape {saved[name].shape} in {path.name}, the model expects {want.shape}")
        loaded[name] = saved[name].astype(want.dtype)
        if not np.all(np.isfinite(loaded[name])):
            raise ValueError(f"{name} in {path.name} overflows the model's {want.dtype}")
        if name.startswith("running_var") and loaded[name].min() < 0:
            raise ValueError(f"{name} in {path.name} is a variance and must be >= 0, got {loaded[name].min()}")
    # every check passed: only now change the model
    for name in model.params:
        model.params[name] = loaded[name]
    for l, running in getattr(model, "bn_running", {}).items():
        model.bn_running[l] = {key: loaded[f"running_{key}{l}"] for key in RUNNING}
    return model


def _read_arrays(path):
    """{name: array} of a .npz file, every array real numbers; anything else raises ValueError."""
    what = f"{path.name} is not a parameter file saved by save_params"
    with open(path, "rb") as file:
        head = file.read(8)
    if not head:
        raise ValueError(f"{what}: the file is empty")
    if head.startswith(b"\x93NUMPY"):
        raise ValueError(f"{what}: it is a single .npy array, not named parameters (.npz)")
    if not head.startswith(b"PK"):
        kind = "pickled Python objects, which are never loaded" if head[:1] == b"\x80" else \
            f"not a NumPy .npz file (it starts with {head!r})"
        raise ValueError(f"{what}: it holds {kind}" if kind.startswith("pickled") else f"{what}: {kind}")
    try:
        with np.load(path, allow_pickle=False) as data:
            saved = {name: data[name] for name in data.files}
    except (ValueError, EOFError, OSError, KeyError, zipfile.BadZipFile, zlib.error, pickle.UnpicklingError) as exc:
        reason = "an array holds pickled Python objects, which are never loaded" if "pickle" in str(exc).lower() \
            else f"it is truncated or corrupt ({type(exc).__name__}: {exc})"
        raise ValueError(f"{what}: {reason}") from None
    if not saved:
        raise ValueError(f"{what}: it holds no arrays")
    for name, arr in saved.items():
        if not isinstance(arr, np.ndarray):
            raise ValueError(f"{what}: its member {name!r} is not a NumPy array")
        if arr.dtype.kind not in "biuf":
            raise ValueError(f"{what}: {name} has dtype {arr.dtype}, expected real numbers")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{what}: {name} contains NaN or infinite values, expected finite numbers")
    if "layer_sizes" in saved and (saved["layer_sizes"].ndim != 1 or saved["layer_sizes"].dtype.kind not in "iu"):
        raise ValueError(f"{what}: layer_sizes must be a 1-D array of integers, got {saved['layer_sizes']!r:.60}")
    return saved


def parameter_file(path):
    """The path of an existing parameter file (``name`` finds ``name.npz``), or raise."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file name (str or pathlib.Path), got {type(path).__name__}")
    path = pathlib.Path(path)
    if not path.exists() and path.suffix != ".npz" and path.with_name(path.name + ".npz").is_file():
        path = path.with_name(path.name + ".npz")          # save_params("m") wrote m.npz
    if path.is_dir():
        raise ValueError(f"{path!s} is a folder, not a parameter file (.npz)")
    if not path.is_file():
        raise FileNotFoundError(f"no parameter file at {path!s}")
    return path


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
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"parameter {name!r} must be an array of numbers (real), got dtype {arr.dtype}")
        arrays[name] = check_finite(arr, f"parameter {name!r}")      # a NaN saved would load silently
    for l, stats in running.items():
        for key in RUNNING:
            arrays[f"running_{key}{l}"] = np.asarray(stats[key])
    if sizes is not None:
        arrays["layer_sizes"] = np.asarray(sizes, dtype=np.int64)
    return arrays
