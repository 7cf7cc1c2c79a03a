"""Property-based tests (Hypothesis) of the file readers: parameter files and digit images cut
short, overwritten at random places, replaced by other formats, pickled, empty or a folder. The
oracle: the file loads as it was saved, or a ValueError names the file and what is wrong, and
the model is left unchanged."""
import csv
import io
import pickle
import zipfile

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzz_support import FEW, check_refusal, outcome
from mlp_lib import MLP
from mlp_lib.io import load_params, parameter_file, save_params

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


# -- saving: hostile parameters and paths; loading back gives exactly what was saved -----------------

@FEW
@given(data=st.data())
def test_save_params_keeps_exactly_real_finite_parameters(tmp_path_factory, data):
    from fuzz_support import Expect, clean, expect_outcome, hostile
    tmp = tmp_path_factory.mktemp("save")
    W, expect = hostile(data.draw, clean(data.draw, (2, 3)), allow=["clean", "float32", "int64", "bool", "nan",
                                                                     "inf", "complex", "object", "str", "list"])
    name = data.draw(st.sampled_from(["W1", "W1", "layer_sizes", "running_mean1", "1W", 3]))
    if name not in ("W1",):
        expect = Expect(refuse=(ValueError, TypeError))
    path = data.draw(st.sampled_from([tmp / "m.npz", tmp / "m", str(tmp / "m.npz"), tmp, 3, None]))
    if path == tmp or not isinstance(path, (str, type(tmp))):
        expect = Expect(refuse=(ValueError, TypeError))
    written = expect_outcome(expect, save_params, path, {name: W})
    if written is None:
        return
    assert parameter_file(written) == written and parameter_file(str(written)[:-4]) == written
    with pytest.raises(ValueError, match="folder"):
        parameter_file(tmp)
    loaded = load_params(written)
    assert list(loaded) == ["W1"]
    np.testing.assert_array_equal(loaded["W1"], np.asarray(W))
    for bad in (tmp / "nothing.npz", 3, None):                     # a missing file, not a path
        with pytest.raises((FileNotFoundError, TypeError)) as info:
            load_params(bad)
        assert "nothing.npz" in str(info.value) or "path must be a file name" in str(info.value)


# -- the image steps on arrays: ink in [0, 1], the ink's box, a centred square --------------------

@FEW
@given(data=st.data())
def test_image_steps_on_hostile_arrays(data):
    from fuzz_support import Expect, clean, expect_outcome, hostile
    shape = data.draw(st.sampled_from([(12, 9), (12, 9, 3), (12, 9, 4), (1, 5), (12,), (12, 9, 5), (0, 4)]))
    picture = np.full(shape, 255.0)
    if len(shape) >= 2 and min(shape[:2]) >= 3:
        picture[3:9, 4:6] = 0.0                                    # a dark bar on white paper
        if len(shape) == 3 and shape[2] == 4:
            picture[..., 3] = 255.0
    arr, expect = hostile(data.draw, picture, allow=["clean", "clean", "float32", "list", "nan", "complex",
                                                     "str", "readonly", "fortran"])
    if expect.ok and data.draw(st.booleans()):
        arr = np.asarray(arr).astype(np.uint8)                     # raw pixel bytes 0..255
    if expect.ok and (len(shape) not in (2, 3) or (len(shape) == 3 and shape[2] not in (2, 3, 4))
                      or 0 in shape or min(shape[:2]) < 2):
        expect = Expect(refuse=(ValueError,))
    ink = expect_outcome(expect, images.ink_image, arr)
    if ink is None:
        return
    assert ink.shape == shape[:2] and ink.min() >= 0 and ink.max() <= 1
    bar = np.zeros(shape[:2])
    bar[3:9, 4:6] = 1.0
    np.testing.assert_allclose(ink, bar, atol=1e-6)               # white paper is 0, the black bar is 1
    box = expect_outcome(Expect(values=None), images.crop_to_ink, ink)
    np.testing.assert_array_equal(box, np.ones((6, 2)))
    square = images.pad_to_square(box)
    assert square.shape == (6, 6) and square.sum() == 12 and np.all(square[:, 2:4] == 1)
    threshold = data.draw(st.sampled_from([0.2, 0.0, 1.0, -0.1, np.nan, "0.2"]))
    valid = isinstance(threshold, float) and 0 <= threshold < 1
    expect_outcome(Expect(values=None) if valid else Expect(refuse=(ValueError, TypeError)),
                   images.crop_to_ink, ink, threshold)
    expect_outcome(Expect(refuse=(ValueError,)), images.crop_to_ink, np.zeros((4, 4)))   # no ink at all
    name = data.draw(st.sampled_from(["7_anna.png", "x.png", "", 3, None, b"7.png"]))
    label = expect_outcome(Expect(values=None) if isinstance(name, str) else Expect(refuse=(TypeError,)),
                           images.label_from_name, name)
    if isinstance(name, str):
        assert label == (7 if name.startswith("7") else None)


# -- tables: hostile CSV text, inside a ZIP or not ------------------------------------------------

FIELDS = ["1", "-2.5", "1e3", "", "NA", "?", "nan", "inf", "red", "blue", "a,b", 'say "hi"', "x\ny", "é", "\x00",
          " 3 ", "1_0", "0x1F", "--", "9" * 400]


@st.composite
def csv_tables(draw):
    """(bytes of a CSV table, its column names) drawn to be valid, ragged, empty or binary."""
    names = draw(st.lists(st.sampled_from(["a", "b", "label", "", "a b", "é"]), min_size=1, max_size=4))
    rows = [[draw(st.sampled_from(FIELDS)) for _ in range(len(names) + draw(st.sampled_from([0, 0, 0, 0, 1, -1])))]
            for _ in range(draw(st.integers(0, 6)))]
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(names)
    writer.writerows(rows)
    content = text.getvalue().encode("utf-8")
    how = draw(st.sampled_from(["text", "text", "text", "empty", "binary", "latin-1", "cut"]))
    if how == "empty":
        content = b""
    elif how == "binary":
        content = draw(st.binary(max_size=60))
    elif how == "latin-1":
        content = content + "é,ü\n".encode("latin-1")
    elif how == "cut":
        content = content[:draw(st.integers(0, len(content)))]
    return content, names


@FEW
@given(data=st.data())
def test_a_hostile_table_loads_or_is_refused_naming_what_is_wrong(tmp_path_factory, data):
    from mlp_lib.data import load_table
    tmp = tmp_path_factory.mktemp("tables")
    content, names = data.draw(csv_tables())
    packing = data.draw(st.sampled_from(["csv", "zip", "zip two", "zip none", "zip damaged"]))
    member = None
    if packing == "csv":
        path = tmp / "t.csv"
        path.write_bytes(content)
    else:
        path = tmp / "t.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            if packing != "zip none":
                z.writestr("t.csv", content)
            if packing == "zip two":
                z.writestr("u.csv", content)
                member = data.draw(st.sampled_from([None, "u.csv", "v.csv"]))
            z.writestr("notes.txt", "a note")
        if packing == "zip damaged":
            raw = bytearray(path.read_bytes())
            for _ in range(data.draw(st.integers(1, 6))):
                raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
            path.write_bytes(bytes(raw))
    target = data.draw(st.sampled_from(["label", "label", "a", "missing"]))
    status, result = outcome(load_table, path, target=target, member=member)
    if status == "refused":
        return
    X, y = result.X, result.y
    assert X.dtype == np.float64 and np.all(np.isfinite(X)) and X.shape[1] == len(result.features)
    assert y.shape == (len(X),) and 0 <= y.min() and y.max() < len(result.classes)
    assert target in names
    again = load_table(path, member=member, encoder=result.encoder)        # the encoder reproduces X and y
    np.testing.assert_array_equal(again.X, X)
    np.testing.assert_array_equal(again.y, y)
    onehot = [j for j, f in enumerate(result.features) if "=" in f and f.split("=")[0] in result.encoder.categories]
    assert np.all(np.isin(X[:, onehot], (0.0, 1.0)))


def test_load_table_refuses_arguments_of_the_wrong_kind(tmp_path):
    from mlp_lib.data import load_table
    path = tmp_path / "t.csv"
    path.write_text("a,label\n1,x\n")
    for kwargs in ({"target": 3}, {"target": "label", "member": 3}, {"target": "label", "drop": "a"},
                   {"target": "label", "encoder": "fitted"}):
        status, error = outcome(load_table, path, **kwargs)
        assert status == "refused" and isinstance(error, TypeError), kwargs
