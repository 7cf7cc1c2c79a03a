"""A figure that redraws fast enough for a slider: the parts that rarely change (axes,
ticks, tick labels, axis labels) are rendered once and reused, and each frame draws only
the data on top (images, lines, scatter points, contours, texts, titles, legends).

Ticks and their labels are most of the cost of drawing a small figure, so a frame costs
a fraction of a full draw. The cached background is rebuilt whenever an axis' limits or
scale change, so a frame always looks exactly like a full draw.
"""
import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from .common import new_figure


class LiveFigure:
    """``fig`` with ``ncols`` axes (``axes``) side by side; ``png()`` renders the current frame.

    width, height: inches. Change the artists in place (``set_data``...) or recreate them,
    then call ``png()`` for PNG bytes to put in an ``Image`` widget.
    """

    def __init__(self, width, height, ncols=1):
        self.fig, self.axes = new_figure(width, height, ncols)
        self.canvas = FigureCanvasAgg(self.fig)
        self._background, self._key = None, None

    def _data_artists(self, ax):
        artists = [*ax.images, *ax.collections, *ax.lines, *ax.patches, *ax.texts, ax.title]
        if ax.legend_ is not None:
            artists.append(ax.legend_)
        return sorted(artists, key=lambda a: a.get_zorder())

    def _layout_key(self):
        return tuple((ax.get_xlim(), ax.get_ylim(), ax.get_xscale(), ax.get_yscale(), ax.get_xlabel(),
                      ax.get_ylabel()) for ax in self.axes)

    def png(self):
        """Render a frame and return it as PNG bytes."""
        key = self._layout_key()
        data = [(ax, self._data_artists(ax)) for ax in self.axes]
        if key != self._key:
            shown = [(a, a.get_visible()) for _, artists in data for a in artists]
            for a, _ in shown:
                a.set_visible(False)
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
            for a, visible in shown:
                a.set_visible(visible)
            self._key = key
        else:
            self.canvas.restore_region(self._background)
        for ax, artists in data:
            for a in artists:
                if a.get_visible():
                    ax.draw_artist(a)
        width, height = self.canvas.get_width_height()
        frame = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        frame.convert("RGB").save(buffer, format="png", compress_level=1)
        return buffer.getvalue()
