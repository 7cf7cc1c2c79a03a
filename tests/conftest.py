"""Shared test set-up: a non-interactive matplotlib backend for the tests' own process only
(setting MPLBACKEND in the environment would reach the notebook kernels and hide their plots),
and the Hypothesis profiles of the property-based suites tests/test_fuzz_*.py: "course" (the
default: derandomised, 40 examples per test, a few tens of seconds in all) and "thorough"
(random, 400 examples), chosen with ``pytest --hypothesis-profile=thorough``."""
try:
    import matplotlib
except ImportError:  # the core's tests need no matplotlib
    pass
else:
    matplotlib.use("Agg")

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # hypothesis is a test dependency; without it only the fuzz suites cannot run
    pass
else:
    _QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large]
    settings.register_profile("course", derandomize=True, max_examples=40, deadline=None, database=None,
                              suppress_health_check=_QUIET)
    settings.register_profile("thorough", max_examples=400, deadline=None, suppress_health_check=_QUIET)
    settings.load_profile("course")
