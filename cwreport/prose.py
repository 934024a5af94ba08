"""Numbers and words for the prose: computed in a cell, glued with myst_nb.glue."""
from __future__ import annotations


class Plain(str):
    """A string glued for {glue:text} in prose. Its text/plain form is the quoted literal: myst-nb reads the
    text back with ``ast.literal_eval``, which would turn an unquoted "1,554" into the tuple (1, 554)."""

    def __repr__(self) -> str:
        return str.__repr__(self)

    def _repr_pretty_(self, p, cycle):
        p.text(str.__repr__(self))


def glue(name: str, value, fmt: str | None = None):
    """Glue ``value`` (formatted with ``fmt`` if given) for use as {glue:text}`name`."""
    from myst_nb import glue as _glue

    if fmt is not None:
        value = Plain(format(value, fmt))
    elif isinstance(value, str):
        value = Plain(value)
    elif hasattr(value, "item"):  # numpy / pandas scalar -> Python scalar
        value = value.item()
    _glue(name, value, display=False)
    return value


def hhmm(ts) -> str:
    return ts.strftime("%H:%M")
