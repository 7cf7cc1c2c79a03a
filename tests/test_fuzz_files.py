"""Property-based tests (Hypothesis) of the file readers: parameter files and digit images cut
short, overwritten at random places, replaced by other formats, pickled, empty or a folder. The
oracle: the file loads as it was saved, or a ValueError names the file and what is wrong, and
the model is left unchanged."""
import io
import pickle
import zipfile

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzz_support import FEW, check_refusal
from mlp_lib import MLP
from mlp_lib.io import load_params, save_params

PIL = pytest.importorskip("PIL")
from PIL import Image  # noqa: E402

from mlp_lib import images  # noqa: E402


def saved_model_bytes(tmp):
    model = MLP([2, 3, 2], batchnorm=True, seed=1)
    return model, save_params(tmp / "good.npz", model).read_bytes()


@st.composite
def damaged(draw, original):
    """Bytes of a damaged copy of ``original`` and how it was damaged."""
    how = draw(st.sampled_from(["truncate", "overwrite", "append", "empty", "pickle", "npy", "text", "zip junk"]))
    if how == "truncate":
        return original[:draw(st.integers(0, len(original) - 1))], how
    if how == "overwrite":
        data = bytearray(original)
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data), how
    if how == "append":
        return original + bytes(draw(st.binary(min_size=1, max_size=64))), how
    if how == "empty":
        return b"", how
    if how == "pickle":
        return pickle.dumps({"W1": np.zeros((2, 3))}), how
    if how == "npy":
        buffer = io.BytesIO()
        np.save(buffer, np.zeros(3))
        return buffer.getvalue(), how
    if how == "text":
        return draw(st.text(min_size=1, max_size=40)).encode(), how
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("W1.npy", draw(st.binary(max_size=80)))
    return buffer.getvalue(), how


@FEW
@given(data=st.data())
def test_a_damaged_parameter_file_loads_intact_or_is_refused_naming_it(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("params")
    model, original = saved_model_bytes(tmp)
    content, how = data.draw(damaged(original))
    path = tmp / "damaged.npz"
    path.write_bytes(content)
    target = MLP([2, 3, 2], batchnorm=True, seed=7)
    before = {k: v.copy() for k, v in target.params.items()}
    running = {l: {k: v.copy() for k, v in r.items()} for l, r in target.bn_running.items()}
    try:
        load_params(path, target)
    except ValueError as exc:
        check_refusal(exc)
        assert "damaged.npz" in str(exc), str(exc)
        assert all(np.array_equal(before[k], target.params[k]) for k in before), "the model changed"
        assert all(np.array_equal(running[l][k], target.bn_running[l][k]) for l in running for k in running[l])
        return
    for name, value in model.params.items():                     # loaded: then exactly what was saved
        np.testing.assert_array_equal(target.params[name], value)


def test_a_folder_is_not_a_parameter_file(tmp_path):
    (tmp_path / "m.npz").mkdir()
    with pytest.raises(ValueError, match="folder"):
        load_params(tmp_path / "m.npz")


def png_of(array, mode=None):
    buffer = io.BytesIO()
    Image.fromarray(array, mode).save(buffer, format="PNG")
    return buffer.getvalue()


def digit_png():
    img = np.full((40, 30), 255, dtype=np.uint8)
    img[5:35, 12:18] = 0
    return png_of(img)


@FEW
@given(data=st.data())
def test_a_damaged_image_gives_features_or_an_error_naming_it(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("images")
    content, how = data.draw(damaged(digit_png()))
    path = tmp / "seven.png"
    path.write_bytes(content)
    try:
        features = images.load_digit_image(path)
    except ValueError as exc:
        check_refusal(exc)
        assert "seven.png" in str(exc), str(exc)
    else:
        assert features.shape == (64,) and np.all((0 <= features) & (features <= 16))
    archive = tmp / "digits.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("1_good.png", digit_png())
        z.writestr("2_bad.png", content)
    try:
        X, names = images.load_digit_images(archive)
    except ValueError as exc:
        check_refusal(exc)
        assert "digits.zip" in str(exc) and "2_bad.png" in str(exc), str(exc)
    else:
        assert X.shape == (2, 64) and names == ["1_good.png", "2_bad.png"]


def test_the_pixel_limit_is_checked_before_decoding(monkeypatch):
    monkeypatch.setattr(images, "MAX_PIXELS", 100)
    decoded = []
    from PIL import ImageFile
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(1))     # the pixel decoder
    with pytest.raises(ValueError, match=r"the image bytes.*30 x 40 = 1,200 pixels.*limit"):
        images.load_digit_image(digit_png())
    assert not decoded


def test_zip_members_too_large_or_too_compressed_are_refused(tmp_path, monkeypatch):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("0.bmp", b"\0" * (4 * 2 ** 20))                # 4 MiB of zeros: compressed ~1000x
    with pytest.raises(ValueError, match=r"bomb.zip, member '0.bmp'.*compressed \d+ times"):
        images.load_digit_images(bomb)
    monkeypatch.setattr(images, "MAX_MEMBER_BYTES", 1000)
    with pytest.raises(ValueError, match=r"member '0.bmp'.*more than the limit of 1,000"):
        images.load_digit_images(bomb)


def test_a_drawing_on_a_transparent_background_is_read_from_its_alpha():
    rgba = np.zeros((40, 30, 4), dtype=np.uint8)                   # transparent black everywhere
    rgba[5:35, 12:18, 3] = 255                                     # opaque black ink
    gray = np.full((40, 30), 255, dtype=np.uint8)
    gray[5:35, 12:18] = 0
    expected = images.load_digit_image(png_of(gray))
    np.testing.assert_array_equal(images.load_digit_image(png_of(rgba, "RGBA")), expected)
    np.testing.assert_array_equal(images.digit_features(rgba), expected)


def test_exif_orientation_is_applied():
    wide = np.full((30, 40), 255, dtype=np.uint8)                  # a horizontal bar, stored rotated
    wide[12:18, 5:35] = 0
    image = Image.fromarray(wide)
    exif = image.getexif()
    exif[0x0112] = 6                                               # "rotate 90 degrees clockwise to view"
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", exif=exif)
    upright = np.rot90(wide, k=-1).copy()                          # what a viewer shows: a vertical bar
    np.testing.assert_array_equal(images.load_digit_image(buffer.getvalue()), images.digit_features(upright))
