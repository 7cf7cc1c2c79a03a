"""Your own digit images -> the 8x8 format of ``load_digits``, so a trained model can read them.

The training digits (UCI "optical recognition of handwritten digits") were made by fitting
each handwritten digit into a 32x32 black-and-white bitmap and counting the ink pixels in
each 4x4 block: an 8x8 image of counts 0..16. ``digit_features`` repeats those steps on any
picture of a single digit:

    grayscale -> ink in [0, 1] (dark ink on light paper or light on dark, detected)
    -> crop to the ink's bounding box -> pad to a centred square (keeps the aspect ratio)
    -> resize to 32x32 -> ink pixels (ink >= 0.5) -> count per 4x4 block -> (64,) in 0..16

The result is on the same scale as the raw training data, so normalise it with the very
``Standardizer`` fitted on the training split. Needs Pillow (``pip install "mlp-lib[lab]"``).
"""
import io
import pathlib
import zipfile

from ._optional import require

require("mlp_lib.images", "PIL")

import numpy as np
from PIL import Image

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
BITMAP = 32   # side of the bitmap the UCI digits were drawn into
BLOCK = 4     # 32 / 4 = 8 cells per side, each counting up to 4 * 4 = 16 ink pixels


def ink_image(image):
    """Ink intensity of a picture: a PIL image or an array (H, W) or (H, W, 3|4) -> (H, W) floats
    in [0, 1], 1 where there is ink. The paper colour is taken from the border: if the border is
    light, dark pixels are ink; if it is dark, light pixels are."""
    if isinstance(image, Image.Image):
        gray = np.asarray(image.convert("L"), dtype=np.float64) / 255.0
    else:
        arr = np.asarray(image)
        if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
            raise TypeError(f"image must be a PIL image or an array of numbers, got dtype {arr.dtype}")
        if arr.ndim == 3 and arr.shape[2] in (3, 4):
            arr = arr[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])  # ITU-R 601 luma, as PIL "L"
        if arr.ndim != 2:
            raise ValueError(f"image must be 2-D (H, W) or colour (H, W, 3|4), got shape {arr.shape}")
        arr = arr.astype(np.float64)
        gray = arr / 255.0 if arr.max(initial=0) > 1 else arr
    if gray.shape[0] < 2 or gray.shape[1] < 2:
        raise ValueError(f"image must be at least 2x2 pixels, got {gray.shape}")
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return 1.0 - gray if np.median(border) > 0.5 else gray


def crop_to_ink(ink, threshold=0.2):
    """The smallest rectangle holding every pixel with ink > threshold. ink: (H, W) -> (h, w)."""
    rows = np.flatnonzero((ink > threshold).any(axis=1))
    cols = np.flatnonzero((ink > threshold).any(axis=0))
    if rows.size == 0:
        raise ValueError(f"the image has no ink: no pixel differs from the paper by more than {threshold}")
    return ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def pad_to_square(ink):
    """Centre ``ink`` (h, w) on a blank square of side max(h, w), keeping its aspect ratio."""
    h, w = ink.shape
    side = max(h, w)
    out = np.zeros((side, side))
    top, left = (side - h) // 2, (side - w) // 2
    out[top:top + h, left:left + w] = ink
    return out


def digit_features(image):
    """One picture of one digit -> its (64,) feature vector in 0..16, like a row of ``load_digits``.

    image: a PIL image or an array (H, W) / (H, W, 3|4), grayscale values in 0..255 or 0..1.
    """
    square = pad_to_square(crop_to_ink(ink_image(image)))
    bitmap = Image.fromarray(square.astype(np.float32)).resize((BITMAP, BITMAP), Image.BILINEAR)  # area-aware
    on = np.asarray(bitmap) >= 0.5                                   # (32, 32) ink pixels
    cells = on.reshape(BITMAP // BLOCK, BLOCK, BITMAP // BLOCK, BLOCK)
    return cells.sum(axis=(1, 3)).astype(np.float64).ravel()        # (8, 8) counts -> (64,)


def load_digit_image(source):
    """Read one image file (a path, bytes, or a binary file object) -> features (64,) in 0..16."""
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    elif isinstance(source, (str, pathlib.Path)) and not pathlib.Path(source).is_file():
        raise FileNotFoundError(f"no image file at {source!s}")
    with Image.open(source) as image:
        return digit_features(image)


def load_digit_images(source):
    """Every image in a folder or a ZIP file, in name order -> X: (n, 64) in 0..16, names: list of n.

    source: a folder or a .zip file. Files are recognised by their suffix (``IMAGE_SUFFIXES``);
    hidden files and folders (names starting with "." or "__MACOSX") are skipped.
    """
    path = pathlib.Path(source)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and _is_image_name(p.relative_to(path)))
        names = [p.relative_to(path).as_posix() for p in files]
        rows = [load_digit_image(p) for p in files]
    elif path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = sorted(n for n in archive.namelist() if not n.endswith("/") and _is_image_name(pathlib.PurePosixPath(n)))
            rows = [load_digit_image(archive.read(n)) for n in names]
    elif path.exists():
        raise ValueError(f"source must be a folder or a .zip file of images, got the file {path.name!r}")
    else:
        raise FileNotFoundError(f"no folder or ZIP file at {source!s}")
    if not rows:
        raise ValueError(f"found no image files ({', '.join(IMAGE_SUFFIXES)}) in {path.name!r}")
    return np.stack(rows), names


def label_from_name(name):
    """The digit a file name starts with ("7_thin.png" -> 7), or None if it starts otherwise."""
    stem = pathlib.PurePosixPath(name).name
    return int(stem[0]) if stem[:1].isdigit() else None


def _is_image_name(relative):
    parts = relative.parts
    if any(p.startswith(".") or p == "__MACOSX" for p in parts):
        return False
    return relative.suffix.lower() in IMAGE_SUFFIXES
