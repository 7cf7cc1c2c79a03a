"""The optional parts of mlp_lib and the extra that installs what each needs.

``pip install mlp-lib`` brings NumPy only, which is all the core needs. The lessons' plots,
widgets and image reader need ``mlp-lib[lab]``, the grader ``mlp-lib[grade]``. An optional
module calls ``require`` before its own imports, so a missing package is named together with
the command that installs it, not reported as a bare ``No module named ...``.
"""
import importlib.util

# import name -> (distribution on PyPI, extra of mlp-lib that installs it)
PROVIDERS = {
    "matplotlib": ("matplotlib", "lab"),
    "ipywidgets": ("ipywidgets", "lab"),
    "PIL": ("pillow", "lab"),
    "nbclient": ("nbclient", "grade"),
    "nbformat": ("nbformat", "grade"),
    "jupyter_core": ("jupyter-core", "grade"),
    "ipykernel": ("ipykernel", "grade"),
    "packaging": ("packaging", "grade"),
}


def missing_extra_error(feature, module):
    """The ImportError that says which distribution ``feature`` needs and how to install it."""
    distribution, extra = PROVIDERS[module]
    return ModuleNotFoundError(f'{feature} needs {distribution}: pip install "mlp-lib[{extra}]"', name=module)


def require(feature, *modules):
    """Raise ``missing_extra_error`` for the first of ``modules`` (import names, keys of
    PROVIDERS) that cannot be imported here; ``feature`` names the part that needs them."""
    for module in modules:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):   # a blocked or half-removed module
            found = False
        if not found:
            raise missing_extra_error(feature, module)
