"""Held-out digits that cannot be looked up: the capstone's grading data, changed by the run's seed.

The capstone scores ``digits_pipeline`` on 359 of the 1,797 public 8x8 digits. Those images
are public, so a notebook holding a copy of the data set could find each test image in it
and read off its label. The grader therefore never shows the public images themselves:
every image it hands over is redrawn from the run's secret ``rng``, one random variation per
image, as another writer (or scanner) might have produced it:

    ink / 16 -> stroke thickness (grey dilation or erosion, blended)
    -> affine warp (zoom out, a small rotation, a sub-cell shift; the ink stays inside)
    -> intensity gain (saturating at full ink) -> noise -> whole ink counts 0..16 again

The strengths are chosen by measurement (``benchmarks/capstone_lookup.py``): strong enough
that a nearest-neighbour lookup against the whole public set, or the public set with all
one-pixel shifts, scores no better than the course's own pipeline trained on the grader's
training data; mild enough that the digits stay legible and that pipeline keeps its accuracy.

A teacher may grade on their own images instead (``grading_digits(rng, held_out=PATH)``), for
example the class's drawn digits: a folder or ZIP read with ``mlp_lib.images``, each file
named after its digit ("7_anna.png").
"""
import numpy as np

SIDE = 8                  # the digits are SIDE x SIDE cells...
INK = 16.0                # ...each counting 0..16 ink pixels
MAX_THICKNESS = 0.2       # blend weight towards the dilated (> 0) or eroded (< 0) image
MAX_ROTATION = 3.0        # degrees
ZOOM = (0.75, 1.0)        # zoom out only, so that the ink can stay inside the 8 x 8 grid
MAX_SHIFT = 0.25          # cells, along each axis, after the zoom
GAIN = (0.9, 1.1)         # ink intensity, saturating at full ink
MAX_NOISE = 0.3           # largest standard deviation of the added noise, in ink counts


def perturb_digits(X, rng):
    """A random variation of every digit, drawn from ``rng``: X (N, 64) -> X2 (N, 64).

    X: ink counts in [0, 16] (rows of 8 x 8 images, row-major, as ``load_digits``), float
    (integer counts are taken as float64);
    rng: a ``np.random.Generator``; every parameter (thickness, zoom, rotation, shift, gain,
    noise) is drawn per image from it. X2 has X's shape and dtype and holds whole ink
    counts 0..16; no image comes back unchanged, and ink never leaves the grid through the
    shift. The same rng state gives the same X2.
    """
    X = _digits_array(X)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a np.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    N = len(X)
    if N == 0:
        return X.copy()
    ink = X.reshape(N, SIDE, SIDE).astype(np.float64) / INK
    ink = _thickness(ink, rng.uniform(-MAX_THICKNESS, MAX_THICKNESS, N))
    ink = _warp(ink, rng)
    ink = np.minimum(ink * rng.uniform(*GAIN, N)[:, None, None], 1.0)
    counts = ink.reshape(N, SIDE * SIDE) * INK
    noise = rng.normal(size=counts.shape) * rng.uniform(0.0, MAX_NOISE, N)[:, None]
    out = np.clip(np.rint(counts + noise), 0.0, INK) + 0.0     # + 0.0: no negative zeros
    same = np.flatnonzero(np.all(out == X, axis=1))
    if same.size:                                   # rare: nothing survived rounding; move one count
        pixel = rng.integers(0, SIDE * SIDE, same.size)
        old = out[same, pixel]
        out[same, pixel] = np.where(old < INK / 2, old + 1, old - 1)
    return out.astype(X.dtype)


def grading_digits(rng, held_out=None):
    """The capstone's grading data: -> X_train (N, 64), y_train (N,), X_test (M, 64), y_test (M,).

    Without ``held_out``: the 1,438 development digits as training data and the 359 held-out
    digits as test data (N = 1438, M = 359), both perturbed from ``rng``. The training digits
    are perturbed as well, by the same distribution, because the test images then come from
    the distribution the learner's network is trained on: measured over 5 seeds, the course's
    pipeline keeps 96-97 % accuracy trained on perturbed digits and loses a further ~4 points
    trained on the clean ones, so perturbing only the test set would mark down honest
    pipelines for a shift nobody told them about (and reward lookup-style nearest neighbours
    no less). The development digits are public anyway; perturbing them costs a cheat nothing
    and an honest learner nothing.

    With ``held_out`` (a folder or ZIP file of digit images, each file's name starting with its
    digit, "7_anna.png"): the test set is those images, read with ``mlp_lib.images`` and not
    perturbed (M = their number); the training data are the perturbed development digits as
    above. Raises ValueError when the path holds no image or an image has no label.
    """
    from ..checks.lesson08 import _partition
    X_dev, y_dev, X_held, y_held = _partition()
    X_train = perturb_digits(X_dev, rng)
    if held_out is not None:
        X_test, y_test, _ = teacher_digits(held_out)
    else:
        X_test, y_test = perturb_digits(X_held, rng), y_held
    return X_train, y_dev.copy(), X_test, np.asarray(y_test).copy()


def teacher_digits(path):
    """A teacher's own held-out set: path to a folder or ZIP of images -> X (M, 64) in 0..16,
    y (M,) digits, names (list of M). Each file's name must start with its digit ("3_b.png")."""
    from ..images import label_from_name, load_digit_images   # Pillow, only for a teacher's set
    try:
        X, names = load_digit_images(path)
    except (ValueError, FileNotFoundError) as exc:
        raise ValueError(f"the held-out set {str(path)!r} has no labelled digit images to grade on: {exc}") from exc
    labels = [label_from_name(name) for name in names]
    unlabelled = [name for name, label in zip(names, labels) if label is None]
    if unlabelled:
        shown = ", ".join(repr(n) for n in unlabelled[:5]) + (", ..." if len(unlabelled) > 5 else "")
        raise ValueError(f"the held-out set {str(path)!r}: {len(unlabelled)} of {len(names)} images have no label "
                         f"({shown}); name each file after its digit, e.g. '7_anna.png'")
    return X, np.array(labels, dtype=np.intp), names


def _digits_array(X):
    arr = np.asarray(X)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"X must be an array of ink counts (numbers), shape (N, {SIDE * SIDE}), got dtype {arr.dtype}")
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    if arr.ndim != 2 or arr.shape[1] != SIDE * SIDE:
        raise ValueError(f"X must have shape (N, {SIDE * SIDE}) (rows of {SIDE}x{SIDE} digits), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"X must hold finite ink counts in [0, {INK:g}], got {np.count_nonzero(~np.isfinite(arr))} "
                         f"NaN or infinite values")
    if arr.size and (arr.min() < 0 or arr.max() > INK):
        raise ValueError(f"X must hold ink counts in [0, {INK:g}], got values in [{arr.min():g}, {arr.max():g}]")
    return arr


def _neighbourhood(ink, reduce):
    """reduce (np.maximum or np.minimum) over each cell and its 4 neighbours, the border padded
    with blank paper (dilation) or with the cell itself (erosion). ink: (N, 8, 8) -> (N, 8, 8)."""
    mode = "constant" if reduce is np.maximum else "edge"
    p = np.pad(ink, ((0, 0), (1, 1), (1, 1)), mode=mode)
    out = ink
    for dr, dc in ((0, 1), (2, 1), (1, 0), (1, 2)):
        out = reduce(out, p[:, dr:dr + SIDE, dc:dc + SIDE])
    return out


def _thickness(ink, t):
    """Thicker strokes for t > 0, thinner for t < 0: blend with the dilated or eroded image.
    ink: (N, 8, 8) in [0, 1], t: (N,) in [-1, 1] -> (N, 8, 8)."""
    target = np.where((t > 0)[:, None, None], _neighbourhood(ink, np.maximum), _neighbourhood(ink, np.minimum))
    w = np.abs(t)[:, None, None]
    return (1 - w) * ink + w * target


def _warp(ink, rng):
    """A random affine map of every image, resampled bilinearly. ink: (N, 8, 8) -> (N, 8, 8).

    A = zoom * rotation about the centre, then a shift t, each drawn per image; the
    map is shrunk where needed and t clipped so that every inked cell lands inside the grid."""
    N = len(ink)
    theta = np.radians(rng.uniform(-MAX_ROTATION, MAX_ROTATION, N))
    zoom = rng.uniform(*ZOOM, N)
    shift = rng.uniform(-MAX_SHIFT, MAX_SHIFT, (N, 2))
    cos, sin = np.cos(theta), np.sin(theta)
    A = np.empty((N, 2, 2))                         # acts on (row, col) offsets from the centre
    A[:, 0, 0], A[:, 0, 1] = cos, -sin
    A[:, 1, 0], A[:, 1, 1] = sin, cos
    A *= zoom[:, None, None]

    centre = (SIDE - 1) / 2
    rows, cols = np.meshgrid(np.arange(SIDE), np.arange(SIDE), indexing="ij")
    cells = np.stack([rows.ravel(), cols.ravel()], axis=1) - centre      # (64, 2)
    inked = ink.reshape(N, -1) > 0                                       # (N, 64)
    mapped = np.einsum("nij,kj->nki", A, cells)                          # (N, 64, 2)
    lo = np.where(inked[..., None], mapped, np.inf).min(axis=1)          # (N, 2) extent of the ink
    hi = np.where(inked[..., None], mapped, -np.inf).max(axis=1)
    blank = ~inked.any(axis=1)
    lo[blank], hi[blank] = -centre, centre
    fit = np.minimum(1.0, (SIDE - 1) / np.max(hi - lo, axis=1).clip(min=1e-9))
    A *= fit[:, None, None]
    lo, hi = lo * fit[:, None], hi * fit[:, None]
    shift = np.clip(shift, -centre - lo, centre - hi)                    # the ink stays on the grid

    # inverse map: the output cell q reads the input at A^-1 (q - shift)
    source = np.einsum("nij,nkj->nki", np.linalg.inv(A), cells[None] - shift[:, None, :]) + centre
    return _bilinear(ink, source[..., 0].reshape(N, SIDE, SIDE), source[..., 1].reshape(N, SIDE, SIDE))


def _bilinear(ink, r, c):
    """ink (N, 8, 8) read at fractional positions r, c (N, 8, 8); blank outside the grid."""
    p = np.pad(ink, ((0, 0), (1, 1), (1, 1)))       # a blank border, index + 1
    r, c = np.clip(r, -1, SIDE) + 1, np.clip(c, -1, SIDE) + 1
    r0, c0 = np.minimum(np.floor(r), SIDE).astype(int), np.minimum(np.floor(c), SIDE).astype(int)
    fr, fc = r - r0, c - c0
    n = np.arange(len(ink))[:, None, None]
    return ((1 - fr) * (1 - fc) * p[n, r0, c0] + (1 - fr) * fc * p[n, r0, c0 + 1]
            + fr * (1 - fc) * p[n, r0 + 1, c0] + fr * fc * p[n, r0 + 1, c0 + 1])
