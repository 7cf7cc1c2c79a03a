"""Tables from CSV files, on their own or inside a ZIP archive -> X (N, D) floats and y (N,) labels.

Standard library (csv, zipfile) and NumPy only. ``load_table(path, target="diagnosis")`` reads
the first line as column names and every further line as one sample, then encodes the columns:

* **numeric** columns (every value a number, or declared in ``numeric=``) -> one float column each;
* **categorical** columns (any other, or declared in ``categorical=``) -> one-hot: one 0/1 column
  per category, the categories sorted (numbers by value), named ``"column=category"``;
* the **target** column -> class labels y in 0..K-1, ``classes[k]`` being the value of label k.

**Missing values** (an empty field, or NA, N/A, NaN, null, None, ? in any case) follow one rule:
a numeric column is filled with its mean over the table the encoding was fitted on, and gains an
indicator column ``"column missing"`` (1 where the value was missing), so the network can still
use the fact that it was missing; in a categorical column, missing is a category of its own,
``"(missing)"``. A missing target is an error.

The encoding (column kinds, categories, means, classes) is fitted on the table loaded first and
kept in ``table.encoder``: pass it to ``load_table(..., encoder=table.encoder)`` for a test file,
or call ``encoder.transform(rows)`` for new rows, so they are encoded exactly like the training
rows, with the training means (nothing about the test data leaks into the encoding).
"""
import csv
import dataclasses
import io
import math
import os
import pathlib
import zipfile

import numpy as np

from .archives import ZIP_ERRORS, file_members, read_member

MISSING = ("", "na", "n/a", "nan", "null", "none", "?")   # compared after stripping spaces and lowercasing
MISSING_CATEGORY = "(missing)"
MAX_TABLE_BYTES = 64 * 2 ** 20        # the CSV text, uncompressed
MAX_RATIO = 1000                      # uncompressed / compressed size of a ZIP member
MAX_FEATURES = 10_000                 # columns of X after one-hot encoding


@dataclasses.dataclass
class Table:
    """A loaded table. X: (N, D) float64; y: (N,) labels in 0..K-1 (None for a file without the
    target column, read with an encoder); features: the D names of X's columns; classes: the K
    target values (y == k means classes[k]); encoder: the fitted ``TableEncoder``."""
    X: np.ndarray
    y: np.ndarray
    features: list
    classes: list
    encoder: "TableEncoder"

    def __repr__(self):
        y = "None" if self.y is None else f"(N={len(self.y)},) in 0..{len(self.classes) - 1}"
        return f"Table(X: {self.X.shape}, y: {y}, classes {self.classes})"


def load_table(path, target=None, member=None, numeric=(), categorical=(), drop=(), encoder=None):
    """Read a CSV table (a file, or a member of a ZIP archive) and encode it (module docstring).

    path: a ``.csv`` file or a ``.zip`` archive; member: the CSV's name inside the archive
    (default: the only CSV in it); target: the column to predict; numeric, categorical: column
    names whose kind is declared rather than detected; drop: columns to leave out (an ID, say);
    encoder: a fitted ``TableEncoder`` to apply instead of fitting a new one (then target, numeric,
    categorical and drop are the encoder's, and a file without the target column gives y None).
    -> ``Table`` with X (N, D), y (N,), features (D,), classes (K,), encoder.
    """
    text, where = _read_text(path, member)
    header, rows = _parse(text, where)
    if encoder is None:
        encoder = TableEncoder(target, numeric, categorical, drop).fit(header, rows, where)
    elif not isinstance(encoder, TableEncoder):
        raise TypeError(f"encoder must be a TableEncoder (table.encoder of a loaded table), got "
                        f"{type(encoder).__name__}")
    elif target not in (None, encoder.target) or numeric or categorical or drop:
        raise ValueError(f"with an encoder, the columns are the encoder's (target {encoder.target!r}); "
                         f"expected no target, numeric, categorical or drop, got target={target!r}, "
                         f"numeric={numeric!r}, categorical={categorical!r}, drop={drop!r}")
    X, y = encoder.encode(header, rows, where)
    return Table(X, y, encoder.features, list(encoder.classes), encoder)


class TableEncoder:
    """How the columns of a table become numbers: fitted on one table, applied to others.

    After ``fit``: columns (the input columns, in order), kinds {column: "numeric" or
    "categorical"}, categories {column: list}, means {column: float}, missing_indicator
    (numeric columns that get a "missing" column), classes (the target's values), features
    (the names of X's columns).
    """

    def __init__(self, target, numeric=(), categorical=(), drop=()):
        if not isinstance(target, str):
            raise TypeError(f"target must be the name of a column (a str), got {target!r}")
        self.target = target
        self.declared = {}
        for kind, names in (("numeric", numeric), ("categorical", categorical), ("drop", drop)):
            if isinstance(names, str) or not all(isinstance(n, str) for n in names):
                raise TypeError(f"{kind} must be a list of column names, got {names!r}")
            for name in names:
                if name in self.declared or name == target:
                    raise ValueError(f"column {name!r} must be given one role, got it as {kind} and as "
                                     f"{'the target' if name == target else self.declared[name]}")
                self.declared[name] = kind

    def fit(self, header, rows, where="the table"):
        """Learn the encoding from ``header`` (list of column names) and ``rows`` (list of
        (line number, fields)). -> self."""
        unknown = [n for n in [self.target, *self.declared] if n not in header]
        if unknown:
            raise ValueError(f"{where}: expected the column(s) {unknown} (target or declared), got the columns "
                             f"{header}")
        self.columns = [n for n in header if n != self.target and self.declared.get(n) != "drop"]
        self.kinds, self.categories, self.means, self.missing_indicator = {}, {}, {}, []
        for name in self.columns:
            values = _column(header, rows, name)
            present = [(line, v) for line, v in values if not _is_missing(v)]
            if not present:
                raise ValueError(f"{where}: column {name!r} must hold at least one value, got none in "
                                 f"{len(rows)} rows; leave it out with drop=[{name!r}]")
            kind = self.declared.get(name) or ("numeric" if all(_number(v) is not None for _, v in present)
                                               else "categorical")
            self.kinds[name] = kind
            if kind == "numeric":
                self.means[name] = float(np.mean([_numeric(v, name, line, where) for line, v in present]))
                if len(present) < len(values):
                    self.missing_indicator.append(name)
            else:
                found = {v.strip() for _, v in present} | ({MISSING_CATEGORY} if len(present) < len(values) else set())
                self.categories[name] = sorted(found, key=_order)
        targets = _column(header, rows, self.target)
        for line, v in targets:
            if _is_missing(v):
                raise ValueError(f"{where}, line {line}: the target column {self.target!r} must have a value "
                                 f"on every row, got {v!r}")
        self.classes = sorted({v.strip() for _, v in targets}, key=_order)
        if len(self.features) > MAX_FEATURES:
            widest = max(self.categories, key=lambda n: len(self.categories[n]), default=None)
            raise ValueError(f"{where}: the encoded table would have {len(self.features):,} columns, more than "
                             f"the limit of {MAX_FEATURES:,}; column {widest!r} has "
                             f"{len(self.categories.get(widest, []))} categories (an ID? leave it out with drop=)")
        return self

    @property
    def features(self):
        """The names of X's columns, in order."""
        names = []
        for name in self.columns:
            if self.kinds[name] == "numeric":
                names += [name] + ([f"{name} missing"] if name in self.missing_indicator else [])
            else:
                names += [f"{name}={c}" for c in self.categories[name]]
        return names

    def encode(self, header, rows, where="the table"):
        """Encode parsed rows with the fitted encoding. -> X (N, D), y (N,) or None without the target column."""
        absent = [n for n in self.columns if n not in header]
        if absent:
            raise ValueError(f"{where}: expected the columns {absent} of the fitted table, got the columns {header}")
        blocks = []
        for name in self.columns:
            values = _column(header, rows, name)
            if self.kinds[name] == "numeric":
                missing = np.array([_is_missing(v) for _, v in values])
                x = np.array([self.means[name] if _is_missing(v) else _numeric(v, name, line, where)
                              for line, v in values])
                blocks += [x[:, None]] + ([missing[:, None].astype(float)] if name in self.missing_indicator else [])
            else:
                index = {c: i for i, c in enumerate(self.categories[name])}
                codes = [_code(index, MISSING_CATEGORY if _is_missing(v) else v.strip(), name, line, where)
                         for line, v in values]
                blocks.append(np.eye(len(index))[codes].reshape(len(values), len(index)))
        X = np.hstack(blocks) if blocks else np.zeros((len(rows), 0))
        if self.target not in header:
            return X, None
        classes = {c: k for k, c in enumerate(self.classes)}
        y = np.array([_code(classes, v.strip(), self.target, line, where, "class")
                      for line, v in _column(header, rows, self.target)], dtype=np.intp)
        return X, y

    def transform(self, rows):
        """Encode new rows, each a dict {column: value} (str or number) holding the fitted columns.
        -> X (n, D)."""
        if not isinstance(rows, (list, tuple)) or not all(isinstance(r, dict) for r in rows):
            raise TypeError(f"rows must be a list of dicts {{column: value}}, got {type(rows).__name__}")
        header = self.columns
        for i, r in enumerate(rows):
            absent = [n for n in header if n not in r]
            if absent:
                raise ValueError(f"row {i + 1} must hold the columns {absent} (None for a missing value), "
                                 f"got the keys {list(r)}")
        if not rows:
            raise ValueError("rows must hold at least one row, got none")
        parsed = [(i + 1, ["" if r[n] is None else str(r[n]) for n in header]) for i, r in enumerate(rows)]
        return self.encode(header, parsed, "rows")[0]


# -- reading and parsing -----------------------------------------------------------------------

def _read_text(path, member):
    """The CSV text of a file or of a ZIP member, and how to name it in messages."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be the name of a .csv or .zip file, got {type(path).__name__}")
    if member is not None and not isinstance(member, str):
        raise TypeError(f"member must be the name of a CSV file inside the ZIP archive, got {member!r}")
    path = pathlib.Path(path)
    if path.is_dir():
        raise ValueError(f"path must be a .csv or .zip file, got the folder {path.name!r}")
    if not path.is_file():
        raise FileNotFoundError(f"no table at {path!s}")
    if zipfile.is_zipfile(path):
        data, where = _zip_member(path, member)
    elif path.suffix.lower() == ".zip":
        raise ValueError(f"{path.name}: expected a ZIP archive, got a file that is not one (damaged or cut short?)")
    elif member is not None:
        raise ValueError(f"member={member!r} is for a ZIP archive; {path.name} is not one")
    else:
        where = path.name
        if path.stat().st_size > MAX_TABLE_BYTES:
            raise ValueError(f"{where}: holds {path.stat().st_size:,} bytes, more than the limit of {MAX_TABLE_BYTES:,}")
        data = path.read_bytes()
    try:
        return data.decode("utf-8-sig"), where
    except UnicodeDecodeError as exc:
        raise ValueError(f"{where}: expected UTF-8 text, got a byte that is not UTF-8 at position {exc.start} "
                         f"(a binary file? a spreadsheet saved in another encoding? save it as CSV UTF-8)") from None


def _zip_member(path, member):
    try:
        with zipfile.ZipFile(path) as archive:
            files = file_members(archive)
            tables = [m for m in files if m.filename.lower().endswith(".csv") and not _hidden(m.filename)]
            if member is not None:
                chosen = [m for m in files if m.filename == member]
                if not chosen:
                    raise ValueError(f"{path.name}: expected a member named {member!r}, got the members "
                                     f"{[m.filename for m in files]}")
            elif len(tables) != 1:
                names = [m.filename for m in tables]
                raise ValueError(f"{path.name}: expected a CSV file inside, got none (members: "
                                 f"{[m.filename for m in files]})" if not tables
                                 else f"{path.name}: holds {len(tables)} CSV files {names}: expected member= "
                                      f"naming the one to read, e.g. member={names[0]!r}")
            else:
                chosen = tables
            where = f"{path.name}, member {chosen[0].filename!r}"
            return read_member(archive, chosen[0], where, MAX_TABLE_BYTES, MAX_RATIO), where
    except ZIP_ERRORS as exc:
        raise ValueError(f"{path.name}: expected a readable ZIP archive, got a corrupt or unsupported one "
                         f"({exc})") from None


def _hidden(name):
    return any(part.startswith(".") or part == "__MACOSX" for part in pathlib.PurePosixPath(name).parts)


def _parse(text, where):
    """CSV text -> header (list of names), rows (list of (line number, fields)); blank lines skipped."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header, rows = None, []
    try:
        for fields in reader:
            if not fields or fields == [""]:                       # a blank line
                continue
            if header is None:
                header = [f.strip() for f in fields]
                _check_header(header, reader.line_num, where)
            elif len(fields) != len(header):
                raise ValueError(f"{where}, line {reader.line_num}: expected {len(header)} fields as in the "
                                 f"header, got {len(fields)}")
            else:
                rows.append((reader.line_num, fields))
    except csv.Error as exc:
        raise ValueError(f"{where}, line {reader.line_num}: expected CSV text, got a line that is not ({exc})") from None
    if header is None:
        raise ValueError(f"{where}: expected a header line of column names, got an empty file")
    if not rows:
        raise ValueError(f"{where}: expected at least one row of data after the header, got none")
    return header, rows


def _check_header(header, line, where):
    for i, name in enumerate(header):
        if not name:
            raise ValueError(f"{where}, line {line}: every column must have a name, got an empty name for "
                             f"column {i + 1} of {len(header)}")
    repeated = sorted({n for n in header if header.count(n) > 1})
    if repeated:
        raise ValueError(f"{where}, line {line}: column names must differ, got {repeated} more than once")


def _column(header, rows, name):
    j = header.index(name)
    return [(line, fields[j]) for line, fields in rows]


def _is_missing(value):
    return value.strip().lower() in MISSING


def _number(value):
    """The value as a finite float, or None if it is not one."""
    try:
        x = float(value)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _numeric(value, name, line, where):
    x = _number(value)
    if x is None:
        raise ValueError(f"{where}, line {line}, column {name!r}: expected a finite number (the column is "
                         f"numeric), got {value!r}")
    return x


def _order(value):
    """Sort key: numbers by value first, then other names alphabetically."""
    x = _number(value)
    return (0, x, "") if x is not None else (1, 0.0, value)


def _code(index, value, name, line, where, what="category"):
    try:
        return index[value]
    except KeyError:
        known = list(index)
        raise ValueError(f"{where}, line {line}, column {name!r}: expected a {what} of the fitted table "
                         f"({', '.join(map(repr, known[:20]))}{', ...' if len(known) > 20 else ''}), "
                         f"got {value!r}") from None
