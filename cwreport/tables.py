"""Tables for readers: every DataFrame the book shows goes through :func:`styled`.

Column labels and units come from the data package (each field's ``title`` and ``unit``), the positional
index is dropped, missing values read "–", numbers are formatted, ISO dates read as dates, and long text
wraps; on a small screen a wide table scrolls inside its own box. pandas' Styler does the rendering.
:func:`use` registers it as the HTML display of every DataFrame in a notebook run (the raw frame stays
what the code works with; a console still prints it as pandas does).
"""
from __future__ import annotations

import functools
import re

import pandas as pd

NA = "\u2013"  # en dash
NO_UNIT = {"", "year", "see unit", "see unit column", "patrol"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@functools.lru_cache(maxsize=1)
def _fields() -> dict[str, dict]:
    """Field name -> its schema entry (the first resource that defines it)."""
    from .data import package

    out: dict[str, dict] = {}
    for res in package()["resources"]:
        for f in res["schema"]["fields"]:
            out.setdefault(f["name"], f)
    return out


def label(column: str, resource: dict | None = None) -> str:
    """A column's label for readers: the field's title, with its unit in brackets."""
    field = None
    if resource:
        from .data import resource as _res

        try:
            field = next((f for f in _res(resource["name"])["schema"]["fields"] if f["name"] == column), None)
        except Exception:
            field = None
    field = field or _fields().get(str(column))
    if not field:
        text = str(column)
        return text.replace("_", " ").capitalize() if "_" in text and text == text.lower() else text
    title = field.get("title") or str(column)
    unit = field.get("unit", "")
    return f"{title} ({unit})" if unit not in NO_UNIT else title


def _decimals(values: pd.Series) -> int:
    vals = pd.to_numeric(values, errors="coerce").dropna()
    for d in range(0, 3):
        if ((vals * 10 ** d).round(6) % 1 == 0).all():
            return d
    return 2


def _fmt_number(d: int):
    def f(v):
        if pd.isna(v):
            return NA
        if isinstance(v, bool):
            return "yes" if v else "no"
        return f"{v:,.{d}f}"
    return f


def _fmt_date(v):
    if pd.isna(v):
        return NA
    return f"{v.day} {v:%b %Y}"


def _fmt_text(v):
    if v is None or (not isinstance(v, (list, tuple)) and pd.isna(v)):
        return NA
    if isinstance(v, bool):
        return "yes" if v else "no"
    s = str(v)
    if ISO_DATE.match(s):
        t = pd.Timestamp(s)
        return f"{t.day} {t:%b %Y}"
    return s if s.strip() else NA


def _uid(frame: pd.DataFrame) -> str:
    """A stable id for a table's HTML (nbval compares outputs run after run), unique per content."""
    import hashlib

    return "cw" + hashlib.sha1(frame.to_csv().encode("utf-8")).hexdigest()[:8]


def styled(df: pd.DataFrame):
    resource = df.attrs.get("resource")
    frame = df
    if not isinstance(frame.index, pd.RangeIndex) and any(n is not None for n in frame.index.names):
        frame = frame.reset_index()
    elif not isinstance(frame.index, pd.RangeIndex) and not frame.index.equals(pd.RangeIndex(len(frame))):
        # an unnamed but meaningful index (labels): keep it as the first column
        if not pd.api.types.is_integer_dtype(frame.index):
            frame = frame.reset_index(names="")
    frame = frame.copy()
    formats = {}
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_bool_dtype(s):
            formats[col] = lambda v: NA if pd.isna(v) else ("yes" if v else "no")
        elif pd.api.types.is_datetime64_any_dtype(s):
            formats[col] = _fmt_date
        elif pd.api.types.is_numeric_dtype(s):
            if str(col).lower() in ("year", "patrol_no") or label(col, resource).startswith("Year"):
                formats[col] = lambda v: NA if pd.isna(v) else f"{int(v)}"
            else:
                formats[col] = _fmt_number(_decimals(s))
        else:
            formats[col] = _fmt_text
    labels = {c: label(c, resource) for c in frame.columns}
    st = (frame.style.format(formats).hide(axis="index").relabel_index([labels[c] for c in frame.columns], axis="columns")
          .set_table_attributes('class="cw-table"').set_uuid(_uid(frame)))
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])]
    if numeric:
        st = st.set_properties(subset=numeric, **{"text-align": "right", "white-space": "nowrap"})
    return st


def to_html(df: pd.DataFrame) -> str:
    return _wrap(styled(df).to_html())


def use() -> None:
    """Show every DataFrame (and Series) in this notebook run as a reader's table."""
    try:
        ip = get_ipython()  # noqa: F821  (only inside IPython)
    except NameError:
        return
    fmt = ip.display_formatter.formatters["text/html"]
    fmt.for_type(pd.DataFrame, to_html)
    fmt.for_type(pd.Series, lambda s: to_html(s.to_frame()))
    from pandas.io.formats.style import Styler

    fmt.for_type(Styler, _styler_html)
    # and a stable plain-text form (the default shows a memory address, which differs run to run)
    ip.display_formatter.formatters["text/plain"].for_type(
        Styler, lambda st, p, cycle: p.text(f"<table: {st.data.shape[0]} rows x {st.data.shape[1]} columns>"))


def _styler_html(st) -> str:
    """A Styler made in a notebook: the book's table class, a stable id (nbval compares outputs), its own box."""
    html = st.set_table_attributes('class="cw-table"').set_uuid(_uid(st.data)).to_html()
    return _wrap(html)


def _wrap(table_html: str) -> str:
    """A table in its own box: a wide one scrolls inside it (reachable by keyboard: WCAG scrollable regions)."""
    return f'<div class="cw-table-wrap" tabindex="0" role="region" aria-label="Table">{table_html}</div>'
