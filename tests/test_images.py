"""mlp_lib.images: pictures of digits -> the 8x8 ink counts of load_digits, from arrays, files,
folders and ZIP files."""
import io
import pathlib
import zipfile

import numpy as np
import pytest

PIL = pytest.importorskip("PIL")
from PIL import Image  # noqa: E402

from mlp_lib import load_digits  # noqa: E402
from mlp_lib.images import (crop_to_ink, digit_features, ink_image, label_from_name, load_digit_image,  # noqa: E402
                            load_digit_images, pad_to_square)

ROOT = pathlib.Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "notebooks" / "data" / "my_digits"


def paper(h=100, w=100):
    """White paper (h, w) as uint8 gray levels."""
    return np.full((h, w), 255, dtype=np.uint8)


def bar_image():
    """A black bar 80 high and 20 wide on white paper: after cropping and padding to a centred
    80x80 square it covers columns 30..49, i.e. exactly columns 12..19 of the 32x32 bitmap."""
    img = paper(120, 100)
    img[20:100, 40:60] = 0
    return img


def png_bytes(array):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


# -- the steps --------------------------------------------------------------------------------

def test_ink_is_one_where_dark_on_light_and_the_same_for_light_on_dark():
    img = paper(10, 10)
    img[3:6, 4] = 0
    ink = ink_image(img)
    assert ink.shape == (10, 10) and ink[4, 4] == 1.0 and ink[0, 0] == 0.0
    np.testing.assert_allclose(ink_image(255 - img), ink)
    np.testing.assert_allclose(ink_image(img / 255.0), ink)       # gray levels in 0..1 work too


def test_colour_images_use_their_luminance():
    gray = bar_image()
    rgb = np.repeat(gray[:, :, None], 3, axis=2)
    rgba = np.concatenate([rgb, np.full(gray.shape + (1,), 255, np.uint8)], axis=2)
    np.testing.assert_allclose(ink_image(rgb), ink_image(gray), atol=1e-12)
    np.testing.assert_allclose(ink_image(Image.fromarray(rgba)), ink_image(gray), atol=1e-12)


def test_crop_keeps_exactly_the_bounding_box_of_the_ink():
    ink = np.zeros((10, 12))
    ink[2, 3] = ink[6, 8] = 1.0
    ink[0, 0] = 0.1                                              # faint noise below the threshold
    np.testing.assert_array_equal(crop_to_ink(ink).shape, (5, 6))


def test_pad_to_square_centres_and_keeps_the_aspect_ratio():
    tall = np.ones((8, 2))
    square = pad_to_square(tall)
    assert square.shape == (8, 8)
    np.testing.assert_array_equal(square.sum(axis=0), [0, 0, 0, 8, 8, 0, 0, 0])


def test_a_bar_fills_exactly_the_two_middle_columns_with_16():
    features = digit_features(bar_image()).reshape(8, 8)
    expected = np.zeros((8, 8))
    expected[:, 3:5] = 16
    np.testing.assert_array_equal(features, expected)


def test_a_full_square_is_all_ink_and_the_size_of_the_picture_does_not_matter():
    for size, square in ((64, 40), (300, 150)):
        img = paper(size, size)
        img[5:5 + square, 10:10 + square] = 0
        np.testing.assert_array_equal(digit_features(img), np.full(64, 16.0))


def test_upscaled_training_digits_come_back_close_to_themselves():
    # an 8x8 digit drawn large (12x12 pixels per cell, gray = count / 16) is read back by the
    # same steps that made the data: it must resemble its original and keep its nearest label
    X, y = load_digits()
    correlations, same_label = [], 0
    for i in range(0, 400, 8):
        img = np.pad(255 - np.kron(X[i].reshape(8, 8) / 16, np.ones((12, 12))) * 255, 20, constant_values=255)
        f = digit_features(img.astype(np.uint8))
        correlations.append(np.corrcoef(f, X[i])[0, 1])
        others = np.delete(np.arange(len(X)), i)
        same_label += y[others][np.argmin(((X[others] - f) ** 2).sum(axis=1))] == y[i]
    assert np.mean(correlations) > 0.8
    assert same_label >= 0.85 * len(correlations)


def test_a_blank_image_is_refused():
    with pytest.raises(ValueError, match="no ink"):
        digit_features(paper())


@pytest.mark.parametrize("bad, error", [("abc", TypeError), (np.zeros((3, 3, 5)), ValueError),
                                        (np.zeros(5), ValueError), (np.zeros((1, 5)), ValueError)])
def test_bad_images_raise_clear_errors(bad, error):
    with pytest.raises(error, match="image"):
        ink_image(bad)


# -- files, folders, ZIP files ------------------------------------------------------------------

def test_one_file_from_a_path_or_bytes(tmp_path):
    path = tmp_path / "bar.png"
    path.write_bytes(png_bytes(bar_image()))
    np.testing.assert_array_equal(load_digit_image(path), digit_features(bar_image()))
    np.testing.assert_array_equal(load_digit_image(path.read_bytes()), digit_features(bar_image()))
    with pytest.raises(FileNotFoundError):
        load_digit_image(tmp_path / "missing.png")


def test_a_folder_and_a_zip_give_the_same_rows_in_name_order(tmp_path):
    folder = tmp_path / "digits"
    (folder / "__MACOSX").mkdir(parents=True)
    square = paper()
    square[20:80, 20:80] = 0
    (folder / "1_bar.png").write_bytes(png_bytes(bar_image()))
    (folder / "0_square.png").write_bytes(png_bytes(square))
    (folder / "notes.txt").write_text("not an image")
    (folder / ".hidden.png").write_bytes(png_bytes(bar_image()))
    (folder / "__MACOSX" / "1_bar.png").write_bytes(b"resource fork")
    X, names = load_digit_images(folder)
    assert names == ["0_square.png", "1_bar.png"] and X.shape == (2, 64)
    np.testing.assert_array_equal(X[1], digit_features(bar_image()))
    archive = tmp_path / "digits.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                z.write(p, p.relative_to(tmp_path).as_posix())
    X_zip, zip_names = load_digit_images(archive)
    assert zip_names == ["digits/0_square.png", "digits/1_bar.png"]
    np.testing.assert_array_equal(X_zip, X)


def test_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_digit_images(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="no image files"):
        load_digit_images(tmp_path)
    text = tmp_path / "a.txt"
    text.write_text("hello")
    with pytest.raises(ValueError, match="folder or a .zip"):
        load_digit_images(text)


def test_labels_from_file_names():
    assert label_from_name("7_thin.png") == 7
    assert label_from_name("my_digits/3_pen.png") == 3
    assert label_from_name("seven.png") is None


def test_the_shipped_samples_exist_and_the_zip_holds_the_same_images():
    X, names = load_digit_images(SAMPLES)
    assert len(names) == 20 and sorted(label_from_name(n) for n in names) == sorted(list(range(10)) * 2)
    X_zip, _ = load_digit_images(SAMPLES.parent / "my_digits.zip")
    np.testing.assert_array_equal(X_zip, X)
    assert X.min() >= 0 and X.max() <= 16 and np.all(X == np.round(X))
