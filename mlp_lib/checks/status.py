"""Every status a check, the grader and the gradebook use: one list, here.

A call of a learner's function ends in one of the CALL statuses (written in the learner's
kernel, read back by the grader); a whole exercise ends in one of the RESULT statuses (the
instant check's verdict and the gradebook's ``status`` column; ``docs/teachers.md`` explains
each one, and a test keeps that list equal to this one).

This module imports only the standard library: it is part of the code the grader runs inside
a learner's kernel (see ``in_kernel``).
"""
from enum import Enum


class Status(str, Enum):
    """A status is also its string ("passed" == Status.PASSED, also as a dict key), so it travels
    as JSON text."""

    # how one call of the learner's function ended
    OK = "ok"                                # it returned a value
    # ...and how an exercise ended (NOT_IMPLEMENTED, NOT_DEFINED, ERROR, TIMEOUT are both)
    PASSED = "passed"                        # right on every case
    PARTIAL = "partial"                      # a scored exercise with part of its points
    FAILED = "failed"                        # wrong values, shapes or types
    NOT_IMPLEMENTED = "not_implemented"      # the stub's NotImplementedError is still there
    NOT_DEFINED = "not_defined"              # no function of that name in the notebook
    ERROR = "error"                          # it raised (or its cell did, or it exited)
    TIMEOUT = "timeout"                      # it ran past its time budget
    CRASHED = "crashed"                      # the kernel died
    REFERENCE_CALLED = "reference_called"    # it used the course's own solution
    INVALID = "invalid"                      # the submission is no gradable notebook

    __hash__ = str.__hash__      # as its string, in sets and dict keys too

    def __str__(self):
        return self.value


CALL = frozenset({Status.OK, Status.NOT_IMPLEMENTED, Status.NOT_DEFINED, Status.ERROR, Status.TIMEOUT})
RESULT = frozenset(Status) - {Status.OK}
