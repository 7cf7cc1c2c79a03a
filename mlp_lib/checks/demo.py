"""``needs``: a demo cell of an exercise notebook that still runs while its exercise is unwritten.

    with needs(softmax):
        print(softmax(Z_big))

Once ``softmax`` is written the block runs as if the ``with`` line were not there. While
``softmax`` (or a function it calls) still raises ``NotImplementedError``, the rest of the block
is skipped and one line says which function to write first, so that *Run All* goes on to the
next cells instead of stopping at a traceback. Any other error is shown as usual.
"""
from .runner import _learner_frame


class needs:
    """Context manager: skip the block, saying so in one line, while a learner's function is unwritten.

    ``functions``: the learner's functions the block uses (named in the message when the
    unwritten one cannot be told from the traceback)."""

    def __init__(self, *functions):
        names = [getattr(f, "__name__", None) for f in functions]
        if not functions or None in names:
            raise TypeError(f"needs() takes the functions a demo uses, e.g. needs(softmax); got {functions!r}")
        self.names = names

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if kind is None or not issubclass(kind, NotImplementedError):
            return False
        frame = _learner_frame(exc)
        unwritten = [frame.name] if frame is not None and frame.name.isidentifier() else self.names
        print(f"write {' and '.join(f'`{name}`' for name in unwritten)} above first: "
              f"it still raises NotImplementedError, so the rest of this cell was skipped.")
        return True
