"""The claim ledger (``data/claims.csv``): load it, count it, show it.

Verdicts are shown with a colour *and* a text label and a mark, so they read
in black-and-white print and for colour-blind readers.
"""
from __future__ import annotations

import html

import pandas as pd

from .data import load, sources, split_ids

# verdict -> (mark, colour from the Okabe-Ito palette, one-line definition)
VERDICTS = {
    "accurate": ("\u2714", "#009E73", "The statement matches the record."),
    "mostly accurate": ("\u2248", "#56B4E9", "Right in substance; a detail is wrong or missing."),
    "misleading": ("!", "#E69F00", "Literally defensible but leaves a false impression."),
    "inaccurate": ("\u2718", "#D55E00", "The record contradicts it."),
    "unverifiable": ("?", "#999999", "No reliable public record settles it."),
    "opinion": ("\u25C6", "#CC79A7", "A judgment or view: labelled, not rated true or false."),
}
LATER = {"confirmed": "Later confirmed", "contradicted": "Later contradicted"}
CLAIM_TYPES = ["fact", "number", "date", "attribution", "judgment", "prediction"]


def claims(chapter: str | None = None) -> pd.DataFrame:
    df = load("claims")
    if chapter is not None:
        df = df[df["chapter"] == chapter].reset_index(drop=True)
        if df.empty:
            raise ValueError(f"no claims for chapter {chapter!r} in data/claims.csv")
    return df


def counts(chapter: str | None = None) -> pd.Series:
    """Claims by verdict, in scale order (zeros kept)."""
    c = claims(chapter)["verdict"].value_counts()
    return pd.Series({v: int(c.get(v, 0)) for v in VERDICTS}, name="claims")


def badge(verdict: str) -> str:
    mark, colour, definition = VERDICTS[verdict]
    return (f'<span class="cw-verdict cw-v-{verdict.replace(" ", "-")}" style="border-color:{colour}" '
            f'title="{html.escape(definition)}"><span class="cw-mark" style="background:{colour}">{mark}</span>'
            f'{html.escape(verdict)}</span>')


class _HTML:
    """Minimal display object: HTML for the book, plain text for consoles."""

    def __init__(self, html_text: str, text: str):
        self._html, self._text = html_text, text

    def _repr_html_(self):
        return self._html

    def __repr__(self):
        return self._text


def legend() -> _HTML:
    items = "".join(f"<li>{badge(v)} {html.escape(d[2])}</li>" for v, d in VERDICTS.items())
    return _HTML(f'<ul class="cw-legend">{items}</ul>', "Verdicts: " + ", ".join(VERDICTS))


def table(chapter: str) -> _HTML:
    """The chapter's claims as an HTML table; each row is anchored ``#claim-<id>``."""
    df = claims(chapter)
    reg = sources()
    rows = []
    for r in df.itertuples(index=False):
        links = []
        for sid in split_ids(r.source_ids):
            s = reg.loc[sid]
            links.append(f'<a href="{html.escape(s["url"], quote=True)}" title="{html.escape(s["title"])}">'
                         f'{html.escape(s["publisher"])}</a>')
        later = LATER.get(r.later, "") if isinstance(r.later, str) else ""
        rows.append(
            f'<tr id="claim-{html.escape(r.id)}"><td class="cw-id">{html.escape(r.id)}</td>'
            f'<td class="cw-quote">\u201c{html.escape(r.quote)}\u201d<div class="cw-type">{html.escape(r.claim_type)}</div></td>'
            f'<td>{badge(r.verdict)}' + (f'<div class="cw-later">{later}</div>' if later else "") + '</td>'
            f'<td class="cw-finding">{html.escape(r.finding)}<div class="cw-src">{"; ".join(links)}</div></td></tr>'
        )
    head = "<tr><th>Claim</th><th>What the article says</th><th>Verdict</th><th>What the record shows</th></tr>"
    body = f'<table class="cw-ledger"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'
    text = "\n".join(f"{r.id} [{r.verdict}] {r.quote[:70]}" for r in df.itertuples(index=False))
    return _HTML(body, text)
