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
import os
import pathlib
import zipfile

from ._optional import require

require("mlp_lib.images", "PIL")

import numpy as np
from PIL import Image, ImageOps

from .archives import ZIP_ERRORS, file_members, read_member
from .validation import as_array, check_real

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
BITMAP = 32   # side of the bitmap the UCI digits were drawn into
BLOCK = 4     # 32 / 4 = 8 cells per side, each counting up to 4 * 4 = 16 ink pixels
# Limits against decompression bombs: a picture's pixels are counted from its header before
# it is decoded, and a ZIP member's size and compression ratio before it is read.
MAX_PIXELS = 25_000_000               # a 25-megapixel photo of a digit is plenty
MAX_MEMBER_BYTES = 32 * 2 ** 20       # one image inside a ZIP, uncompressed
MAX_ZIP_BYTES = 256 * 2 ** 20         # all of them together
MAX_RATIO = 1000                      # uncompressed / compressed size of one member


def ink_image(image):
    """Ink intensity of a picture: a PIL image or an array (H, W) or (H, W, 3|4) -> (H, W) floats
    in [0, 1], 1 where there is ink. The paper colour is taken from the border: if the border is
    light, dark pixels are ink; if it is dark, light pixels are."""
    if isinstance(image, Image.Image):
        gray = np.asarray(_on_white(image).convert("L"), dtype=np.float64) / 255.0
    else:
        arr = as_array(image, "image")
        if arr.ndim == 3 and arr.shape[2] in (2, 4):            # gray or colour with alpha: onto white paper
            scale = 255.0 if arr.max() > 1 else 1.0
            alpha = arr[..., -1:] / scale
            arr = np.concatenate([arr[..., :-1] * alpha + scale * (1 - alpha), arr[..., -1:]], axis=2)
            arr = arr[..., 0] if arr.shape[2] == 2 else arr[..., :3]
        if arr.ndim == 3 and arr.shape[2] == 3:
            arr = arr @ np.array([0.299, 0.587, 0.114])         # ITU-R 601 luma, as PIL "L"
        if arr.ndim != 2:
            raise ValueError(f"image must be 2-D (H, W) or (H, W, C) with C = 2 (gray, alpha), 3 (RGB) "
                             f"or 4 (RGBA), got shape {arr.shape}")
        if arr.min() < 0 or arr.max() > 255:
            raise ValueError(f"image values must lie in 0..255 (or 0..1), got values from {arr.min()} to {arr.max()}")
        gray = arr / 255.0 if arr.max(initial=0) > 1 else arr
    if gray.shape[0] < 2 or gray.shape[1] < 2:
        raise ValueError(f"image must be at least 2x2 pixels, got {gray.shape}")
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return 1.0 - gray if np.median(border) > 0.5 else gray


def _on_white(image):
    """A PIL image upright (EXIF orientation applied) and, if it has transparency, composited
    onto white paper: a drawing on a transparent background keeps its ink in the alpha channel."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba).convert("RGB")
    return image


def crop_to_ink(ink, threshold=0.2):
    """The smallest rectangle holding every pixel with ink > threshold. ink: (H, W) -> (h, w)."""
    ink = _ink_array(ink)
    threshold = check_real(threshold, "threshold", 0, 1, high_open=True)
    rows = np.flatnonzero((ink > threshold).any(axis=1))
    cols = np.flatnonzero((ink > threshold).any(axis=0))
    if rows.size == 0:
        raise ValueError(f"the image has no ink: no pixel differs from the paper by more than {threshold}")
    return ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def pad_to_square(ink):
    """Centre ``ink`` (h, w) on a blank square of side max(h, w), keeping its aspect ratio."""
    ink = _ink_array(ink)
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
    """Read one image file (a path, bytes, or a binary file object) -> features (64,) in 0..16.

    Every error names the file; a picture of more than ``MAX_PIXELS`` pixels is refused before
    it is decoded.
    """
    if isinstance(source, (bytes, bytearray)):
        return _features_of(io.BytesIO(source), "the image bytes")
    if isinstance(source, (str, os.PathLike)):
        if not pathlib.Path(source).is_file():
            raise FileNotFoundError(f"no image file at {source!s}")
        return _features_of(source, str(source))
    if hasattr(source, "read"):
        return _features_of(source, getattr(source, "name", "the image file object"))
    raise TypeError(f"source must be a path, bytes or a binary file object, got {type(source).__name__}")


def _features_of(file, label):
    """digit_features of one image file, with ``label`` (the file's name) in every error."""
    try:
        image = Image.open(file)
    except Exception as exc:                      # untrusted bytes: whatever the decoder meets
        raise ValueError(f"{label}: expected an image file ({', '.join(IMAGE_SUFFIXES)}), got "
                         + ("an empty file" if isinstance(exc, Image.UnidentifiedImageError) and _is_empty(file)
                            else "data no image reader recognises" if isinstance(exc, Image.UnidentifiedImageError)
                            else f"one that cannot be read ({type(exc).__name__}: {exc})")) from None
    with image:
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise ValueError(f"{label}: the image is {width} x {height} = {width * height:,} pixels, more than "
                             f"the limit of {MAX_PIXELS:,}: make it smaller first")
        try:
            image.load()
        except Exception as exc:
            raise ValueError(f"{label}: expected a complete image, got one that cannot be decoded "
                             f"({type(exc).__name__}: {exc})") from None
        try:
            return digit_features(image)
        except ValueError as exc:
            raise ValueError(f"{label}: {exc}") from None


def _is_empty(file):
    if isinstance(file, io.BytesIO):
        return not file.getbuffer().nbytes
    return isinstance(file, (str, os.PathLike)) and os.path.getsize(file) == 0


def load_digit_images(source):
    """Every image in a folder or a ZIP file, in name order -> X: (n, 64) in 0..16, names: list of n.

    source: a folder or a .zip file. Files are recognised by their suffix (``IMAGE_SUFFIXES``);
    hidden files and folders (names starting with "." or "__MACOSX") are skipped. A ZIP member
    larger than ``MAX_MEMBER_BYTES`` or compressed more than ``MAX_RATIO`` times is refused.
    """
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"source must be the path of a folder or a .zip file, got {type(source).__name__}")
    path = pathlib.Path(source)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and _is_image_name(p.relative_to(path)))
        names = [p.relative_to(path).as_posix() for p in files]
        rows = [load_digit_image(p) for p in files]
    elif path.is_file() and zipfile.is_zipfile(path):
        names, rows = _zip_images(path)
    elif path.exists():
        raise ValueError(f"source must be a folder or a .zip file of images, got the file {path.name!r}")
    else:
        raise FileNotFoundError(f"no folder or ZIP file at {source!s}")
    if not rows:
        raise ValueError(f"found no image files ({', '.join(IMAGE_SUFFIXES)}) in {path.name!r}")
    return np.stack(rows), names


def _zip_images(path):
    """Names and features of the images in a ZIP file, each member checked before it is read."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = sorted((m for m in file_members(archive) if _is_image_name(pathlib.PurePosixPath(m.filename))),
                             key=lambda m: m.filename)
            total = sum(m.file_size for m in members)
            if total > MAX_ZIP_BYTES:
                raise ValueError(f"{path.name}: its images expand to {total:,} bytes, more than the limit of "
                                 f"{MAX_ZIP_BYTES:,}")
            rows = []
            for m in members:
                where = f"{path.name}, member {m.filename!r}"
                data = read_member(archive, m, where, MAX_MEMBER_BYTES, MAX_RATIO)
                rows.append(_features_of(io.BytesIO(data), where))
    except ZIP_ERRORS as exc:
        raise ValueError(f"{path.name}: a corrupt or unsupported ZIP file ({exc})") from None
    return [m.filename for m in members], rows


def label_from_name(name):
    """The digit a file name starts with ("7_thin.png" -> 7), or None if it starts otherwise."""
    if not isinstance(name, (str, os.PathLike)):
        raise TypeError(f"name must be a file name (str or path), got {type(name).__name__}")
    name = os.fspath(name)
    stem = pathlib.PurePosixPath(name).name
    return int(stem[0]) if stem[:1].isdigit() else None


def _ink_array(ink):
    ink = as_array(ink, "ink")
    if ink.ndim != 2:
        raise ValueError(f"ink must be 2-D (h, w), got shape {ink.shape}")
    return ink


def _is_image_name(relative):
    parts = relative.parts
    if any(p.startswith(".") or p == "__MACOSX" for p in parts):
        return False
    return relative.suffix.lower() in IMAGE_SUFFIXES
