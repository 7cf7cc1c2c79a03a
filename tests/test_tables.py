"""load_table: CSV tables from a file or a ZIP archive, encoded by rules checked on small tables
written here (expected values worked out by hand), the shipped tumour table against its source,
and the errors for every kind of bad table."""
import csv
import gzip
import io
import zipfile

import numpy as np
import pytest

from mlp_lib.data import DATASETS, TableEncoder, load_table

SMALL = """\
colour,width,count,label
red,1.5,3,yes
blue,,1,no
red,2.5,NA,yes
green,3.0,2,no
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def zip_of(tmp_path, members, name="tables.zip"):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in members.items():
            archive.writestr(member, text)
    return path


def test_numeric_categorical_missing_and_target_by_hand(tmp_path):
    table = load_table(write(tmp_path, "small.csv", SMALL), target="label")
    # colour is categorical (sorted: blue, green, red); width has one missing value (mean of 1.5, 2.5,
    # 3.0 = 7/3, plus an indicator); count has one "NA" (mean of 3, 1, 2 = 2, plus an indicator)
    assert table.features == ["colour=blue", "colour=green", "colour=red", "width", "width missing",
                              "count", "count missing"]
    expected = [[0, 0, 1, 1.5, 0, 3, 0],
                [1, 0, 0, 7 / 3, 1, 1, 0],
                [0, 0, 1, 2.5, 0, 2, 1],
                [0, 1, 0, 3.0, 0, 2, 0]]
    np.testing.assert_allclose(table.X, expected, rtol=0, atol=1e-15)
    assert table.classes == ["no", "yes"]
    np.testing.assert_array_equal(table.y, [1, 0, 1, 0])
    assert table.X.dtype == np.float64 and table.y.dtype == np.intp
    assert table.encoder.categories == {"colour": ["blue", "green", "red"]}
    assert "X: (4, 7)" in repr(table)


def test_declared_kinds_and_dropped_columns(tmp_path):
    path = write(tmp_path, "small.csv", SMALL)
    table = load_table(path, target="label", categorical=["count"], drop=["width"])
    # count as categories: the numbers sorted by value, the "NA" a category of its own
    assert table.features == ["colour=blue", "colour=green", "colour=red", "count=1", "count=2", "count=3",
                              "count=(missing)"]
    np.testing.assert_array_equal(table.X[:, 3:], [[0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 1, 0, 0]])
    with pytest.raises(ValueError, match=r"line 2, column 'colour': expected a finite number .* got 'red'"):
        load_table(path, target="label", numeric=["colour"])


def test_numeric_class_labels_sort_by_value(tmp_path):
    table = load_table(write(tmp_path, "t.csv", "x,y\n1,10\n2,9\n3,10\n4,2\n"), target="y")
    assert table.classes == ["2", "9", "10"]
    np.testing.assert_array_equal(table.y, [2, 1, 2, 0])


def test_an_encoder_applies_the_training_encoding_to_new_rows(tmp_path):
    train = load_table(write(tmp_path, "train.csv", SMALL), target="label")
    test = load_table(write(tmp_path, "test.csv", "label,count,width,colour\nno,,10,green\nyes,5,,red\n"),
                      encoder=train.encoder)
    # columns found by name in any order; missing values filled with the TRAINING means (7/3 and 2)
    np.testing.assert_allclose(test.X, [[0, 1, 0, 10, 0, 2, 1], [0, 0, 1, 7 / 3, 1, 5, 0]])
    np.testing.assert_array_equal(test.y, [0, 1])
    unlabelled = load_table(write(tmp_path, "new.csv", "colour,width,count\nblue,1,1\n"), encoder=train.encoder)
    assert unlabelled.y is None and unlabelled.X.shape == (1, 7)
    X = train.encoder.transform([{"colour": "red", "width": 2.0, "count": None}])
    np.testing.assert_allclose(X, [[0, 0, 1, 2.0, 0, 2, 1]])
    with pytest.raises(ValueError, match=r"line 2, column 'colour': expected a category of the fitted table "
                                         r"\('blue', 'green', 'red'\), got 'purple'"):
        load_table(write(tmp_path, "bad.csv", "colour,width,count,label\npurple,1,1,no\n"), encoder=train.encoder)
    with pytest.raises(ValueError, match=r"expected a class of the fitted table \('no', 'yes'\), got 'maybe'"):
        load_table(write(tmp_path, "bad.csv", "colour,width,count,label\nred,1,1,maybe\n"), encoder=train.encoder)
    with pytest.raises(ValueError, match=r"expected the columns \['count'\] of the fitted table"):
        load_table(write(tmp_path, "bad.csv", "colour,width,label\nred,1,no\n"), encoder=train.encoder)
    with pytest.raises(ValueError, match=r"row 1 must hold the columns \['width'\]"):
        train.encoder.transform([{"colour": "red", "count": 1}])
    with pytest.raises(ValueError, match="the columns are the encoder's"):
        load_table(write(tmp_path, "t.csv", SMALL), target="colour", encoder=train.encoder)
    with pytest.raises(TypeError, match="encoder must be a TableEncoder"):
        load_table(write(tmp_path, "t.csv", SMALL), encoder={"colour": "categorical"})


def test_a_csv_inside_a_zip(tmp_path):
    from_file = load_table(write(tmp_path, "small.csv", SMALL), target="label")
    only = zip_of(tmp_path, {"notes.txt": "not a table", "data/small.csv": SMALL})
    np.testing.assert_array_equal(load_table(only, target="label").X, from_file.X)       # the only CSV
    two = zip_of(tmp_path, {"a.csv": SMALL, "b.csv": SMALL.replace("red", "pink")}, "two.zip")
    with pytest.raises(ValueError, match=r"two.zip: holds 2 CSV files \['a.csv', 'b.csv'\]: expected member= "
                                         r"naming the one to read, e.g. member='a.csv'"):
        load_table(two, target="label")
    b = load_table(two, target="label", member="b.csv")
    assert b.features[:3] == ["colour=blue", "colour=green", "colour=pink"]
    with pytest.raises(ValueError, match=r"expected a member named 'c.csv', got the members \['a.csv', 'b.csv'\]"):
        load_table(two, target="label", member="c.csv")
    none = zip_of(tmp_path, {"notes.txt": "x", ".hidden.csv": SMALL, "__MACOSX/._s.csv": "junk"}, "none.zip")
    with pytest.raises(ValueError, match=r"none.zip: expected a CSV file inside, got none \(members: \['notes.txt'"):
        load_table(none, target="label")
    with pytest.raises(ValueError, match="member='a.csv' is for a ZIP archive; small.csv is not one"):
        load_table(tmp_path / "small.csv", target="label", member="a.csv")
    (tmp_path / "fake.zip").write_text(SMALL)
    with pytest.raises(ValueError, match="fake.zip: expected a ZIP archive, got a file that is not one"):
        load_table(tmp_path / "fake.zip", target="label")


def test_a_csv_with_quotes_a_byte_order_mark_and_blank_lines(tmp_path):
    text = '\ufeffname,"size, in cm",label\r\n"Smith, J.",2,a\r\n\r\n"O""Brien",3,b\r\n'
    table = load_table(write(tmp_path, "q.csv", text), target="label")
    assert table.features == ["name=O\"Brien", "name=Smith, J.", "size, in cm"]
    np.testing.assert_array_equal(table.X, [[0, 1, 2], [1, 0, 3]])


@pytest.mark.parametrize("text, message", [
    ("", r"t.csv: expected a header line of column names, got an empty file"),
    ("\n\n", r"expected a header line of column names, got an empty file"),
    ("a,b,label\n", r"expected at least one row of data after the header, got none"),
    ("a,b,label\n1,2,x\n3,4\n", r"t.csv, line 3: expected 3 fields as in the header, got 2"),
    ("a,b,label\n1,2,x\n\n3,4,5,y\n", r"t.csv, line 4: expected 3 fields as in the header, got 4"),
    ("a,b,c\n1,2,3\n", r"expected the column\(s\) \['label'\] \(target or declared\), got the columns \['a', 'b', 'c'\]"),
    ("a,a,label\n1,2,x\n", r"column names must differ, got \['a'\] more than once"),
    ("a,,label\n1,2,x\n", r"every column must have a name, got an empty name for column 2 of 3"),
    ("a,b,label\n1,2,x\n3,4,\n", r"t.csv, line 3: the target column 'label' must have a value on every row"),
    ("a,b,label\n,2,x\n?,4,y\n", r"column 'a' must hold at least one value, got none in 2 rows; .*drop=\['a'\]"),
    ("a,b,label\n1,inf,x\n", None),                  # "inf" is not a finite number: b is categorical
    ('a,b,label\n1,"2,x\n', r"line \d: expected CSV text, got a line that is not|expected 3 fields"),
])
def test_bad_tables_are_refused_naming_the_problem(tmp_path, text, message):
    path = write(tmp_path, "t.csv", text)
    if message is None:
        assert load_table(path, target="label").encoder.kinds["b"] == "categorical"
        with pytest.raises(ValueError, match=r"line 2, column 'b': expected a finite number .* got 'inf'"):
            load_table(path, target="label", numeric=["b"])
        return
    with pytest.raises(ValueError, match=message):
        load_table(path, target="label")


def test_bad_arguments(tmp_path):
    path = write(tmp_path, "small.csv", SMALL)
    with pytest.raises(TypeError, match="target must be the name of a column"):
        load_table(path)
    with pytest.raises(TypeError, match="numeric must be a list of column names, got 'width'"):
        load_table(path, target="label", numeric="width")
    with pytest.raises(ValueError, match="column 'width' must be given one role, got it as categorical and as numeric"):
        load_table(path, target="label", numeric=["width"], categorical=["width"])
    with pytest.raises(ValueError, match="must be given one role, got it as drop and as the target"):
        load_table(path, target="label", drop=["label"])
    with pytest.raises(FileNotFoundError, match="no table at"):
        load_table(tmp_path / "missing.csv", target="label")
    with pytest.raises(ValueError, match="got the folder"):
        load_table(tmp_path, target="label")
    with pytest.raises(TypeError, match="path must be the name of a .csv or .zip file, got int"):
        load_table(3, target="label")
    (tmp_path / "latin.csv").write_bytes("name,label\nJos\xe9,a\n".encode("latin-1"))
    with pytest.raises(ValueError, match="latin.csv: expected UTF-8 text, got a byte that is not UTF-8 at position 14"):
        load_table(tmp_path / "latin.csv", target="label")
    with pytest.raises(TypeError, match="rows must be a list of dicts"):
        load_table(path, target="label").encoder.transform({"colour": "red"})


def test_the_one_hot_width_is_limited(tmp_path, monkeypatch):
    from mlp_lib import tables
    monkeypatch.setattr(tables, "MAX_FEATURES", 5)
    text = "id,label\n" + "".join(f"row{i},a\n" for i in range(6))
    with pytest.raises(ValueError, match=r"6 columns, more than the limit of 5; column 'id' has 6 categories"):
        load_table(write(tmp_path, "ids.csv", text), target="label")
    monkeypatch.setattr(tables, "MAX_TABLE_BYTES", 10)
    with pytest.raises(ValueError, match="more than the limit of 10"):
        load_table(write(tmp_path, "ids.csv", text), target="label")
    with pytest.raises(ValueError, match="more than the limit of 10"):
        load_table(zip_of(tmp_path, {"ids.csv": text}), target="label")


def test_the_shipped_tumour_table_against_its_source():
    """tumours.zip holds the source's values (the area as a size category), 25 textures and 10
    sizes blanked, split 456/113 with both classes in proportion."""
    train = load_table(DATASETS / "tumours.zip", target="diagnosis", member="train.csv")
    test = load_table(DATASETS / "tumours.zip", member="test.csv", encoder=train.encoder)
    assert train.X.shape == (456, 14) and test.X.shape == (113, 14)
    assert train.classes == ["benign", "malignant"]
    with gzip.open(DATASETS / "breast_cancer.csv.gz", "rt") as f:
        source = np.loadtxt(f, delimiter=",", skiprows=1)
    # every tumour of the source appears once, with its measurements, size and diagnosis
    with zipfile.ZipFile(DATASETS / "tumours.zip") as archive:
        rows = [row for name in ("train.csv", "test.csv")
                for row in list(csv.DictReader(io.TextIOWrapper(archive.open(name), "utf-8")))]
    assert len(rows) == 569
    radius = np.array([float(r["radius"]) for r in rows])
    order = np.lexsort((np.array([float(r["perimeter"]) for r in rows]), radius))
    source_order = np.lexsort((source[:, 2], source[:, 0]))
    for r, s in zip((rows[i] for i in order), source[source_order]):
        assert float(r["radius"]) == s[0] and float(r["perimeter"]) == s[2] and float(r["symmetry"]) == s[8]
        assert r["diagnosis"] == ("malignant" if s[-1] == 0 else "benign")
        size = "small" if s[3] < 500 else "medium" if s[3] < 1000 else "large"
        assert r["size"] in ("", size)
        if r["texture"]:
            assert float(r["texture"]) == s[1]
    assert sum(r["texture"] == "" for r in rows) == 25 and sum(r["size"] == "" for r in rows) == 10
    assert abs(train.y.mean() - test.y.mean()) < 0.01           # stratified: about 37 % malignant in both
    assert isinstance(train.encoder, TableEncoder) and "texture missing" in train.features
