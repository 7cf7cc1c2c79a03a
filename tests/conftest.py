"""Shared test set-up: a non-interactive matplotlib backend for the tests' own process only
(setting MPLBACKEND in the environment would reach the notebook kernels and hide their plots)."""
try:
    import matplotlib
except ImportError:  # the core's tests need no matplotlib
    pass
else:
    matplotlib.use("Agg")
