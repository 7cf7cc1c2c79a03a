"""Diagnoses that need no list of mistakes: patterns in how a wrong output differs from the
expected one, believed only when every case on which the output is wrong shows the same
pattern (and, for a guess about the formula, on at least two cases).

Each diagnosis has a stable identifier (``generic/sign-flipped``, ...) that a gradebook
records, and a hint in words.
"""
from dataclasses import dataclass, replace

import numpy as np

FACTOR_RTOL_SLACK = 10     # a constant factor holds within this many times the comparison's rtol
FACTOR_MIN_DISTANCE = 1e-3  # a factor closer than this to 1 is no factor
NONZERO = 1e-8             # expected entries smaller than this do not enter a ratio
MIN_CASES = 2              # a guess about the formula needs this many cases that agree


@dataclass(frozen=True)
class Diagnosis:
    """id: stable identifier, e.g. "generic/sign-flipped"; hint: the cause in words;
    fact: True when the hint states an observation, true on one case alone."""
    id: str
    hint: str
    fact: bool = False
    key: object = None     # what must agree across cases (a factor, an offset)
    value: float = None    # a number that may differ between cases when ``varying`` says how
    varying: str = None    # the hint when ``value`` differs between the cases, with {low} and {high}


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


TERM_WORDS = {-1.0: "is missing", -2.0: "has the wrong sign", 1.0: "is counted twice",
              -0.5: "is only half there"}


def term_patterns(g, w, terms, rtol, atol):
    """The difference g - w as a multiple c of one of the reference's own intermediate terms:
    that term's coefficient is wrong (c = -1: the term is missing, -2: its sign is wrong).

    terms: {description: array broadcastable to w's shape}. -> a list of Diagnosis, one per term
    that fits (for a single number every term fits: ``agree`` keeps only a term whose factor
    is the same on every wrong case). A factor that differs from case to case is believed only
    for a term that varies from entry to entry."""
    d = (g - w).ravel()
    found = []
    for description, t in terms.items():
        t = np.broadcast_to(np.asarray(t, dtype=np.float64), w.shape).ravel()
        if not np.any(np.abs(t) > NONZERO):
            continue
        c = float(d @ t / (t @ t))
        if abs(c) <= FACTOR_MIN_DISTANCE or not np.allclose(d, c * t, rtol=FACTOR_RTOL_SLACK * rtol,
                                                             atol=FACTOR_RTOL_SLACK * atol + rtol * np.abs(w.ravel())):
            continue
        word = next((v for k, v in TERM_WORDS.items() if abs(c - k) < 1e-3), None)
        spread = t.size > 1 and np.ptp(t) > NONZERO
        rest = "; the rest of the formula is right"
        found.append(Diagnosis(
            "generic/term-wrong",
            f"the term {description} {word}{rest}." if word else
            f"the term {description} is {1 + c:.4g} times what it should be{rest}.",
            key=description, value=round(1 + c, 3),
            varying=(f"the term {description} has the wrong size: it is between {{low}} and {{high}} "
                     f"times what it should be, depending on the case{rest}.") if spread else None))
    return found


def step_pattern(g, w, base, what, rtol, atol, factors=None):
    """How the change g - base compares with the expected change w - base, e.g. the step of an
    update rule (base: the parameter before) or the L2 term added to a gradient (base: the
    gradient before); what: how hints name the change, e.g. "the step"; factors: optional
    {description: array} whose product is the expected change, to name a factor that is
    missing, counted twice or inverted. -> Diagnosis or None."""
    got, want = g - base, w - base
    if not np.any(np.abs(want) > NONZERO):
        return None
    found = _factor_pattern(got, want, what, factors or {}, rtol, atol)
    if found is not None:
        return found
    if np.allclose(got, 0, atol=atol) and np.allclose(g, base, rtol=rtol, atol=atol):
        return Diagnosis("generic/change-missing", f"{what} is missing: the result is the input unchanged.")
    if np.allclose(got, -want, rtol=FACTOR_RTOL_SLACK * rtol, atol=atol):
        return Diagnosis("generic/change-reversed", f"{what} has the wrong sign: it goes the opposite way.")
    nonzero = np.abs(want) > NONZERO
    k = float(np.median(got[nonzero] / want[nonzero]))
    if abs(k - 1) > FACTOR_MIN_DISTANCE and np.allclose(got, k * want, rtol=FACTOR_RTOL_SLACK * rtol, atol=atol):
        return Diagnosis("generic/change-scaled", f"{what} is {k:.4g} times the expected one on every case: a "
                                                  f"factor in it is wrong or missing.", value=round(k, 4),
                         varying=(f"{what} points the right way but has the wrong size, by a factor between "
                                  "{low} and {high} that changes from case to case: a factor that depends on "
                                  "the step or on a hyperparameter is wrong.") if nonzero.sum() > 1 else None)
    return None


def region_pattern(g, w, regions, rtol, atol):
    """Only the entries of one region of the input are wrong (the branch of a piecewise formula).

    regions: {description: boolean mask of w's shape}, e.g. {"where z >= 0": z >= 0}. -> Diagnosis or None."""
    bad = ~np.isclose(g, w, rtol=rtol, atol=atol)
    for description, mask in regions.items():
        mask = np.broadcast_to(np.asarray(mask, dtype=bool), w.shape)
        if bad.any() and mask.any() and (~mask).any() and not bad[~mask].any():
            return Diagnosis("generic/one-branch-wrong", f"only the entries {description} are wrong, the others are "
                                                         f"right: the formula for the entries {description} is wrong.",
                             fact=True, key=description)
    return None


def _factor_pattern(got, want, what, factors, rtol, atol):
    """The ratio got / want as one of the factors of want (or its inverse), entry by entry."""
    nonzero = np.abs(want) > NONZERO
    if nonzero.sum() < 2:
        return None
    ratio = got[nonzero] / want[nonzero]
    for description, f in factors.items():
        f = np.broadcast_to(np.asarray(f, dtype=np.float64), want.shape)[nonzero]
        if np.ptp(f) <= NONZERO or np.any(f == 0):        # a constant factor shows as a scaled change
            continue
        for power, words in ((-1, "is missing"), (1, "is counted twice"), (-2, "is inverted (divided by, not "
                                                                              "multiplied)")):
            if np.allclose(ratio, f ** power, rtol=FACTOR_RTOL_SLACK * rtol, atol=FACTOR_RTOL_SLACK * atol):
                return Diagnosis("generic/factor-wrong", f"the factor {description} of {what} {words}; its other "
                                                         f"factors are right.", key=(description, power))
    return None


def agree(found):
    """One diagnosis for all the wrong cases, or None.

    found: for each case on which the output is wrong, its diagnosis, or None, or a list of
    candidate diagnoses. A fact holds as soon as every case shows it; a guess about the formula
    needs MIN_CASES cases that agree. Among candidates, the first (in the first case's order)
    that every case shows is kept."""
    if not found:
        return None
    options = [[] if d is None else list(d) if isinstance(d, (list, tuple)) else [d] for d in found]
    for first in options[0]:
        same = [next((d for d in case if d.id == first.id and d.key == first.key), None) for case in options]
        if any(d is None for d in same):
            continue
        if not first.fact and len(same) < MIN_CASES:
            continue
        values = [d.value for d in same]
        if all(v == values[0] for v in values):
            return first
        if all(d.varying is not None for d in same):
            return replace(first, hint=first.varying.format(low=f"{min(values):.3g}", high=f"{max(values):.3g}"),
                           value=None)
    return None


def _list(indices, shown=5):
    items = [str(int(i)) for i in indices[:shown]]
    return ", ".join(items) + (", ..." if len(indices) > shown else "")
