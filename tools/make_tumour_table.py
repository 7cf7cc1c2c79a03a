"""Make mlp_lib/datasets/tumours.zip, the table of lesson 8, from the shipped breast-cancer data.

    python tools/make_tumour_table.py

Derived from breast_cancer.csv.gz (Wisconsin diagnostic breast cancer, see the datasets' README):
the ten "mean" measurements of each tumour, copied as they are written there, except that the
area is replaced by a category derived from it, ``size`` (small: area < 500, medium: 500 to
1000, large: >= 1000, in the data's units of squared pixels), so that the table has a categorical
column; then, so that it has missing values, 25 texture values and 10 sizes are blanked, chosen
at random with seed 0; the diagnosis is written out ("malignant", "benign"). The rows are split
into train.csv (80 %) and test.csv (20 %) by mlp_lib's stratified split with seed 0. Running the
script again gives the same bytes.
"""
import csv
import gzip
import io
import pathlib
import zipfile

import numpy as np

from mlp_lib.data import train_val_test_split

DATASETS = pathlib.Path(__file__).resolve().parent.parent / "mlp_lib" / "datasets"
NAMES = ["radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity",
         "concave_points", "symmetry", "fractal_dimension"]
README = """\
Breast tumours, Wisconsin diagnostic data (W. H. Wolberg, W. N. Street, O. L. Mangasarian,
University of Wisconsin; UCI Machine Learning Repository, CC BY 4.0), made for the course from
its copy in mlp_lib/datasets/breast_cancer.csv.gz by tools/make_tumour_table.py.

Columns: the mean over the cell nuclei of one tumour's image of radius, texture, perimeter,
smoothness, compactness, concavity, concave_points, symmetry and fractal_dimension; size, a
category derived from the mean area (small < 500 <= medium < 1000 <= large); diagnosis,
malignant or benign. Blanked on purpose, to show missing values: 25 texture values and 10
sizes (seed 0). train.csv holds 80 % of the 569 tumours, test.csv the other 20 % (stratified).
"""


def main():
    with gzip.open(DATASETS / "breast_cancer.csv.gz", "rt") as f:
        lines = f.read().splitlines()[1:]
    fields = [line.split(",")[:10] + [line.split(",")[-1]] for line in lines]
    rng = np.random.default_rng(0)
    no_texture = set(rng.choice(len(fields), 25, replace=False).tolist())
    no_size = set(rng.choice(len(fields), 10, replace=False).tolist())
    header = [n for n in NAMES if n != "area"] + ["size", "diagnosis"]
    rows = []
    for i, f in enumerate(fields):
        area = float(f[3])
        size = "small" if area < 500 else "medium" if area < 1000 else "large"
        values = dict(zip(NAMES, f[:10]))
        values["texture"] = "" if i in no_texture else values["texture"]
        rows.append([values[n] for n in NAMES if n != "area"] + ["" if i in no_size else size,
                                                                   "malignant" if f[10] == "0" else "benign"])
    index = np.arange(len(rows))[:, None]
    labels = np.array([int(f[10]) for f in fields])
    train, _, _, _, test, _ = train_val_test_split(index, labels, val=0.0, test=0.2, seed=0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, part in (("train.csv", train), ("test.csv", test)):
            text = io.StringIO(newline="")
            writer = csv.writer(text, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows[i] for i in sorted(int(j) for j in part[:, 0]))
            archive.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), text.getvalue())
        archive.writestr(zipfile.ZipInfo("README.txt", (1980, 1, 1, 0, 0, 0)), README)
    (DATASETS / "tumours.zip").write_bytes(buffer.getvalue())


if __name__ == "__main__":
    main()
