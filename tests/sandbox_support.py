"""The grader's sandbox in tests: one ``Sandbox`` with the default limits, and a marker for the
tests that need bubblewrap. Where it is missing they are skipped with the reason, unless
``MLP_COURSE_REQUIRE_SANDBOX=1`` (set by CI) turns that into a failure."""
import os

import pytest

from mlp_lib.grading import sandbox


def _sandbox():
    try:
        sandbox.check_available()
    except sandbox.SandboxUnavailable as exc:
        return None, str(exc)
    return sandbox.Sandbox(), ""


SANDBOX, WHY_NOT = _sandbox()
if SANDBOX is None and os.environ.get("MLP_COURSE_REQUIRE_SANDBOX") == "1":
    raise RuntimeError(f"MLP_COURSE_REQUIRE_SANDBOX=1 but no sandbox can be made: {WHY_NOT}")

needs_sandbox = pytest.mark.skipif(SANDBOX is None, reason=f"no sandbox on this machine: {WHY_NOT}")
