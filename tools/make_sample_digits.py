"""Draw the sample "own digits" of the capstone: ``python tools/make_sample_digits.py``.

Writes notebooks/data/my_digits/<digit>_<style>.png (black ink on white paper, 96x96 pixels)
and the same files in notebooks/data/my_digits.zip, so the capstone can classify images from
a folder and from a ZIP file offline. Two styles: "pen" digits drawn as thick strokes, the way
a person writes them, and "font" digits typeset in matplotlib's bundled DejaVu Sans.
Re-running gives identical files (fixed seeds, no timestamps).
"""
import io
import pathlib
import zipfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "notebooks" / "data" / "my_digits"
PIXELS = 96


def arc(cx, cy, rx, ry, start, stop, n=40):
    """Points of an elliptic arc from angle ``start`` to ``stop`` (degrees, counter-clockwise positive)."""
    t = np.radians(np.linspace(start, stop, n))
    return np.column_stack([cx + rx * np.cos(t), cy + ry * np.sin(t)])


def line(*points):
    return np.array(points, dtype=float)


# Each digit: a list of strokes, each an (n, 2) polyline in a unit box (y up).
STROKES = {
    0: [arc(0.5, 0.5, 0.28, 0.45, 90, 450)],
    1: [line((0.35, 0.78), (0.55, 0.95), (0.55, 0.05))],
    2: [np.vstack([arc(0.5, 0.7, 0.28, 0.25, 160, -20), line((0.72, 0.58), (0.2, 0.05), (0.82, 0.05))])],
    3: [np.vstack([arc(0.5, 0.74, 0.25, 0.21, 150, -90), arc(0.5, 0.28, 0.3, 0.25, 90, -155)])],
    4: [line((0.62, 0.05), (0.62, 0.95), (0.15, 0.32), (0.85, 0.32))],
    5: [np.vstack([line((0.78, 0.95), (0.3, 0.95), (0.26, 0.55)), arc(0.5, 0.32, 0.3, 0.28, 125, -150)])],
    6: [np.vstack([arc(0.9, 0.4, 0.62, 0.55, 130, 180), arc(0.5, 0.28, 0.25, 0.25, 180, 540)])],
    7: [line((0.18, 0.95), (0.82, 0.95), (0.42, 0.05))],
    8: [arc(0.5, 0.74, 0.21, 0.21, 270, 630), arc(0.5, 0.28, 0.26, 0.26, 90, 450)],
    9: [np.vstack([arc(0.5, 0.7, 0.25, 0.25, 0, 360), line((0.75, 0.7), (0.62, 0.05))])],
}


def draw_pen(digit, rng):
    """The strokes of ``digit``, slightly slanted and jittered, drawn with a thick pen."""
    fig, ax = _canvas()
    slant = rng.uniform(0.05, 0.2)
    for stroke in STROKES[digit]:
        pts = stroke + rng.normal(0, 0.012, stroke.shape)
        ax.plot(pts[:, 0] + slant * (pts[:, 1] - 0.5), pts[:, 1], color="black", lw=9,
                solid_capstyle="round", solid_joinstyle="round")
    return _png(fig)


def draw_font(digit):
    fig, ax = _canvas()
    ax.text(0.5, 0.5, str(digit), fontsize=58, family="DejaVu Sans", ha="center", va="center", color="black")
    return _png(fig)


def _canvas():
    fig = plt.figure(figsize=(1, 1), dpi=PIXELS)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set(xlim=(-0.25, 1.25), ylim=(-0.25, 1.25))
    ax.axis("off")
    return fig, ax


def _png(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=PIXELS, facecolor="white", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    files = {}
    for digit in range(10):
        files[f"{digit}_pen.png"] = draw_pen(digit, rng)
        files[f"{digit}_font.png"] = draw_font(digit)
    for name, data in files.items():
        (OUT / name).write_bytes(data)
    with zipfile.ZipFile(OUT.parent / "my_digits.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(zipfile.ZipInfo(f"my_digits/{name}", date_time=(2024, 1, 1, 0, 0, 0)), data)
    print(f"wrote {len(files)} images to {OUT.relative_to(ROOT)} and {OUT.parent.name}/my_digits.zip")


if __name__ == "__main__":
    main()
