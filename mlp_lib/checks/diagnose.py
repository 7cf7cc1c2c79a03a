"""Diagnoses that need no list of mistakes: patterns in how a wrong output differs from the
expected one, believed only when every case on which the output is wrong shows the same
pattern (and, for a guess about the formula, on at least two cases).

Each diagnosis has a stable identifier (``generic/sign-flipped``, ...) that a gradebook
records, and a hint in words.
"""
from dataclasses import dataclass

import numpy as np

FACTOR_RTOL_SLACK = 10     # a constant factor holds within this many times the comparison's rtol
FACTOR_MIN_DISTANCE = 1e-3  # a factor closer than this to 1 is no factor
NONZERO = 1e-8             # expected entries smaller than this do not enter a ratio
MIN_CASES = 2              # a guess about the formula needs this many cases that agree
TERM_FACTORS = (1.0, -1.0, 2.0, -2.0, 0.5, -0.5)   # how often an intermediate term is extra or missing


@dataclass(frozen=True)
class Diagnosis:
    """id: stable identifier, e.g. "generic/sign-flipped"; hint: the cause in words;
    fact: True when the hint states an observation, true on one case alone."""
    id: str
    hint: str
    fact: bool = False
    key: object = None     # what must agree across cases (a factor, an offset)


def shape_pattern(g_shape, w_shape):
    """A diagnosis of a wrong shape, or None."""
    gs, ws = tuple(g_shape), tuple(w_shape)
    if len(gs) == 2 and gs == ws[::-1]:
        return Diagnosis("generic/shape-transposed",
                         "the result is transposed: the rows and the columns are swapped.", fact=True)
    if len(gs) == len(ws) + 1 and 1 in gs and tuple(s for s in gs if s != 1) == tuple(s for s in ws if s != 1):
        return Diagnosis("generic/extra-axis",
                         "there is an extra axis of length 1 (a sum that keeps the summed axis, or a column "
                         "vector instead of a flat one).", fact=True)
    if len(gs) + 1 == len(ws) and 1 in ws:
        return Diagnosis("generic/missing-axis", "an axis of length 1 is missing.", fact=True)
    if len(gs) == 2 and len(ws) == 1:
        return Diagnosis("generic/missing-reduction",
                         "a sum or a mean over one axis is missing (or went over the wrong axis).", fact=True)
    if len(gs) == 1 and len(ws) == 2 and gs[0] in ws:
        return Diagnosis("generic/extra-reduction",
                         "the result was summed or averaged over an axis that must stay.", fact=True)
    if len(gs) == len(ws) and sorted(gs) == sorted(ws):
        return Diagnosis("generic/axes-swapped", "the axes are in the wrong order.", fact=True)
    return None


def value_pattern(g, w, rtol, atol, N=None):
    """What one case shows about a wrong output g against the expected w (same shape)."""
    if not np.all(np.isfinite(g)):
        return Diagnosis("generic/not-finite", "your result contains NaN or infinite values: something "
                                               "overflowed or divided by zero.", fact=True)
    if np.any(w != 0) and np.allclose(g, -w, rtol=rtol, atol=atol):
        return Diagnosis("generic/sign-flipped", "every value has the wrong sign.")
    if g.ndim == 2 and g.shape[0] == g.shape[1] > 1 and np.allclose(g.T, w, rtol=rtol, atol=atol):
        return Diagnosis("generic/transposed", "the result is transposed: entry (i, j) holds the expected "
                                               "entry (j, i).")
    if not np.any(g != 0):
        return Diagnosis("generic/all-zero", "your values are all zero where other values are expected: the "
                                             "result is never filled in or never updated.")
    if not np.any(w != 0):
        return Diagnosis("generic/expected-zero", "every expected value is zero here.")
    nonzero = np.abs(w) > NONZERO
    if nonzero.sum() >= 1:
        k = float(np.median(g[nonzero] / w[nonzero]))
        if abs(k - 1) > FACTOR_MIN_DISTANCE and np.allclose(g, k * w, rtol=FACTOR_RTOL_SLACK * rtol, atol=atol):
            if N and N > 1 and np.isclose(k, N):
                return Diagnosis("generic/missing-1/N", "your values are N times too large on every case: "
                                                        "the 1/N of the batch mean is missing.", key="N")
            if N and N > 1 and np.isclose(k, 1 / N):
                return Diagnosis("generic/extra-1/N", "your values are N times too small on every case: an "
                                                      "extra 1/N (the mean is already taken elsewhere).", key="1/N")
            return Diagnosis("generic/constant-factor",
                             f"your values are the expected ones times {k:.4g} on every case: a constant "
                             f"factor is wrong or missing.", key=round(k, 4))
    d = g - w
    if d.size > 1 and np.allclose(d, d.flat[0], rtol=FACTOR_RTOL_SLACK * rtol, atol=atol):
        c = float(d.flat[0])
        return Diagnosis("generic/constant-offset",
                         f"your values are the expected ones plus {c:.4g} on every case: a constant term is "
                         f"wrong or missing.", key=round(c, 4))
    if g.ndim == 2 and g.shape[0] > 1 and g.shape[1] > 1:
        bad = ~np.isclose(g, w, rtol=rtol, atol=atol)
        rows, cols = np.flatnonzero(bad.any(axis=1)), np.flatnonzero(bad.any(axis=0))
        if len(rows) < g.shape[0]:
            return Diagnosis("generic/some-rows-wrong",
                             f"only some rows are wrong (rows {_list(rows)} of {g.shape[0]}); the others are right.",
                             fact=True)
        if len(cols) < g.shape[1]:
            return Diagnosis("generic/some-columns-wrong",
                             f"only some columns are wrong (columns {_list(cols)} of {g.shape[1]}); the others "
                             f"are right.", fact=True)
    return None


def term_pattern(g, w, terms, rtol, atol):
    """The difference g - w as a multiple of one of the reference's own intermediate terms.

    terms: {description: array of w's shape} -> Diagnosis or None."""
    d = g - w
    for description, t in terms.items():
        t = np.asarray(t, dtype=np.float64)
        if t.shape != w.shape or not np.any(np.abs(t) > NONZERO):
            continue
        for c in TERM_FACTORS:
            if np.allclose(d, c * t, rtol=FACTOR_RTOL_SLACK * rtol, atol=atol):
                what = {1.0: "is added once too often", -1.0: "is missing", 2.0: "is added twice too often",
                        -2.0: "has the wrong sign", 0.5: "is added with an extra half",
                        -0.5: "is only half there"}[c]
                return Diagnosis(f"generic/term-{'extra' if c > 0 else 'missing'}",
                                 f"the term {description} {what}.", key=(description, c))
    return None


def step_pattern(g, w, base, what, rtol, atol):
    """How the change g - base compares with the expected change w - base, e.g. the step of an
    update rule (base: the parameter before) or the L2 term added to a gradient (base: the
    gradient before); what: how hints name the change, e.g. "the step". -> Diagnosis or None."""
    got, want = g - base, w - base
    if not np.any(np.abs(want) > NONZERO):
        return None
    if np.allclose(got, 0, atol=atol) and np.allclose(g, base, rtol=rtol, atol=atol):
        return Diagnosis("generic/change-missing", f"{what} is missing: the result is the input unchanged.")
    if np.allclose(got, -want, rtol=FACTOR_RTOL_SLACK * rtol, atol=atol):
        return Diagnosis("generic/change-reversed", f"{what} has the wrong sign: it goes the opposite way.")
    nonzero = np.abs(want) > NONZERO
    k = float(np.median(got[nonzero] / want[nonzero]))
    if abs(k - 1) > FACTOR_MIN_DISTANCE and np.allclose(got, k * want, rtol=FACTOR_RTOL_SLACK * rtol, atol=atol):
        return Diagnosis("generic/change-scaled", f"{what} is {k:.4g} times the expected one on every case: a "
                                                  f"factor in it is wrong or missing.", key=round(k, 4))
    return None


def agree(found):
    """One diagnosis for all the wrong cases, or None.

    found: the diagnosis (or None) of each case on which the output is wrong. A fact holds as
    soon as every case shows it; a guess about the formula needs MIN_CASES cases that agree."""
    if not found or any(d is None for d in found):
        return None
    first = found[0]
    if any(d.id != first.id or d.key != first.key for d in found):
        return None
    if not first.fact and len(found) < MIN_CASES:
        return None
    return first


def _list(indices, shown=5):
    items = [str(int(i)) for i in indices[:shown]]
    return ", ".join(items) + (", ..." if len(indices) > shown else "")
