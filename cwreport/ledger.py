"""The claim ledger (``data/claims.csv``): load it, count it, show it.

Verdicts are shown with a colour *and* a text label and a mark, so they read
in black-and-white print and for colour-blind readers.
"""
from __future__ import annotations

import html
import re

import pandas as pd

from .data import load, source_label, sources, split_ids

# verdict -> (mark, colour from the Okabe-Ito palette, one-line definition)
VERDICTS = {
    "accurate": ("\u2714", "#009E73", "The statement matches the record."),
    "mostly accurate": ("\u2248", "#56B4E9", "Right in substance; a detail is wrong or missing."),
    "misleading": ("!", "#E69F00", "Literally defensible but leaves a false impression."),
    "inaccurate": ("\u2718", "#D55E00", "The record contradicts it."),
    "unverifiable": ("?", "#999999", "No reliable public record settles it."),
    "opinion": ("\u25C6", "#CC79A7", "A judgment or view: labelled, not rated true or false."),
}
# The source tiers (one rule, stated on the Method page).
TIERS = {
    "1": "the originating authority's own publication",
    "2": "a reputable outlet's own reporting, or a faithful copy of a tier-1 text hosted by a reputable outlet",
    "3": "a repost, mirror, aggregator, forum, content farm or state-affiliated disinformation network: a lead only",
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


ARTICLE_TITLE = "West versus Russia, emerging Cold War 2.0, PART II rest of the world"
RATING = {v: i for i, v in enumerate(["inaccurate", "misleading", "mostly accurate", "accurate"], start=1)}


def page_of(chapter: str) -> str:
    """The HTML page (relative to the site root) of the chapter that checks a claim."""
    from . import ROOT

    hits = sorted((ROOT / "book").glob(f"{chapter}_*.ipynb"))
    return f"book/{hits[0].stem}.html" if hits else f"book/{chapter}.html"


def downloads(chapter: str) -> str:
    """Links to the chapter's notebook and to every CSV it reads (copied into the site by the build)."""
    from . import ROOT
    from .build import notebook_inputs

    hits = sorted((ROOT / "book").glob(f"{chapter}_*.ipynb"))
    if not hits:
        return ""
    nb = hits[0]
    links = [f'<a href="../_sources/book/{nb.name}" download>the notebook ({html.escape(nb.name)})</a>']
    links += [f'<a href="../downloads/data/{p.name}" download>{html.escape(p.name)}</a>'
              for p in notebook_inputs(nb) if p.suffix in (".csv", ".json")]
    links.append('<a href="../downloads/claims.json" download>the whole ledger as JSON</a>')
    return '<p class="cw-downloads"><strong>Download:</strong> ' + ", ".join(links) + ".</p>"


def claim_review(r) -> dict:
    """schema.org ClaimReview for one ledger row (Full Fact / Google fact-check markup)."""
    from . import AUTHOR

    rating = {"@type": "Rating", "alternateName": r.verdict}
    if r.verdict in RATING:  # opinion and unverifiable are not on the true-false scale
        rating.update(ratingValue=RATING[r.verdict], bestRating=4, worstRating=1)
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"{page_of(r.chapter)}#claim-{r.id}",
        "claimReviewed": r.quote,
        "datePublished": str(r.checked_on.date()) if hasattr(r.checked_on, "date") else str(r.checked_on),
        "author": {"@type": "Organization", "name": AUTHOR},
        "reviewRating": rating,
        "reviewBody": r.finding,
        "itemReviewed": {"@type": "Claim", "appearance": {"@type": "OpinionNewsArticle", "headline": ARTICLE_TITLE,
                                                          "datePublished": "2024-12"}},
    }


def _ld(r) -> str:
    import json

    s = json.dumps(claim_review(r), ensure_ascii=False, sort_keys=True)
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


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
    corrected = set(load("corrections")["claim_id"])
    rows = []
    for r in df.itertuples(index=False):
        links = []
        for sid in split_ids(r.source_ids):
            s = reg.loc[sid]
            tier3 = str(s.get("tier", "")) == "3"
            links.append(f'<a href="{html.escape(s["url"], quote=True)}" title="{html.escape(s["title"])}"'
                         + (' class="cw-tier3"' if tier3 else "") + f'>{html.escape(source_label(s))}</a>')
        later = LATER.get(r.later, "") if isinstance(r.later, str) else ""
        if r.id in corrected:
            later = (later + " " if later else "") + (f'<a class="cw-corrected" href="../book/corrections.html#corr-{html.escape(r.id)}" '
                                                        f'title="This row was corrected: see the Corrections page">corrected</a>')
        rows.append(
            f'<tr id="claim-{html.escape(r.id)}"><td class="cw-id">{html.escape(r.id)}</td>'
            f'<td class="cw-quote">\u201c{html.escape(r.quote)}\u201d<div class="cw-type">{html.escape(r.claim_type)}</div></td>'
            f'<td>{badge(r.verdict)}' + (f'<div class="cw-later">{later}</div>' if later else "") + '</td>'
            f'<td class="cw-finding">{html.escape(r.finding)}<div class="cw-src">{"; ".join(links)}</div></td></tr>'
        )
    reviews = "".join(f'<script type="application/ld+json">{_ld(r)}</script>' for r in df.itertuples(index=False))
    head = "<tr><th>Claim</th><th>What the article says</th><th>Verdict</th><th>What the record shows</th></tr>"
    body = downloads(chapter) + f'<table class="cw-ledger"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>{reviews}'
    text = "\n".join(f"{r.id} [{r.verdict}] {r.quote[:70]}" for r in df.itertuples(index=False))
    return _HTML(body, text)


def source_usage() -> pd.DataFrame:
    """Every registered source once, with the tables and the claims that cite it."""
    from .data import package

    reg = sources()
    tables: dict[str, set] = {sid: set() for sid in reg.index}
    claim_ids: dict[str, list] = {sid: [] for sid in reg.index}
    for res in package()["resources"]:
        if res["name"] in ("sources", "claims") or "source_ids" not in [f["name"] for f in res["schema"]["fields"]]:
            continue
        for cell in load(res["name"])["source_ids"]:
            for sid in split_ids(cell):
                tables[sid].add(res["name"])
    for r in claims().itertuples(index=False):
        for sid in split_ids(r.source_ids):
            claim_ids[sid].append(r.id)
    out = reg[[c for c in ("source_id", "origin", "publisher", "title", "url", "tier", "date_published", "source_type")
               if c in reg.columns]].copy()
    out["tables"] = [sorted(tables[s]) for s in out.index]
    out["claims"] = [claim_ids[s] for s in out.index]
    return out.sort_values(["origin" if "origin" in out.columns else "publisher", "date_published"]).reset_index(drop=True)


def sources_table() -> _HTML:
    """The source list as HTML: each source once, linked to the claims that use it."""
    use = source_usage()
    rows = []
    for r in use.itertuples(index=False):
        date = r.date_published.strftime("%Y-%m-%d") if pd.notna(r.date_published) else "n.d."
        cl = ", ".join(f'<a href="../{page_of(c.split("-")[0])}#claim-{html.escape(c)}">{html.escape(c)}</a>' for c in r.claims)
        tb = ", ".join(f"<code>{html.escape(t)}</code>" for t in r.tables)
        who = html.escape(source_label(r._asdict()))
        tier = f'<span class="cw-tier cw-tier-{r.tier}" title="{html.escape(TIERS.get(str(r.tier), ""))}">{r.tier}</span>'
        rows.append(f'<tr id="src-{html.escape(r.source_id)}"><td>{who}</td>'
                    f'<td><a href="{html.escape(r.url, quote=True)}">{html.escape(r.title)}</a></td><td>{date}</td>'
                    f'<td>{tier} {html.escape(r.source_type)}</td><td>{tb}{"<br/>" if tb and cl else ""}{cl}</td></tr>')
    head = "<tr><th>Origin, and the copy read</th><th>Title</th><th>Published</th><th>Tier, type</th><th>Used in</th></tr>"
    return _HTML(f'<table class="cw-ledger cw-sources"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>',
                 f"{len(use)} sources")


def chapter_notebooks() -> list:
    """The notebooks that check a section of the article, in book order (named <chapter id>_<slug>)."""
    import yaml

    from . import ROOT

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    paths = [ROOT / f"{entry['file']}.ipynb" for entry in toc.get("chapters", [])]
    return [p for p in paths if p.exists() and re.match(r"[a-z]+\d_", p.stem)]


def chapter_titles() -> dict[str, str]:
    """Chapter id -> the chapter notebook's title, in book order."""
    import json

    out = {}
    for path in chapter_notebooks():
        cell = json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"]
        text = "".join(cell) if isinstance(cell, list) else cell
        out[path.stem.split("_")[0]] = re.search(r"^# (.+)$", text, re.M).group(1).strip()
    return out


def link(row) -> str:
    return f'<a href="../{page_of(row.chapter)}#claim-{html.escape(row.id)}">{html.escape(row.id)}</a>'


def claim_list(df: pd.DataFrame, date_col: str | None = None) -> _HTML:
    items = []
    for r in df.itertuples(index=False):
        when = ""
        if date_col and pd.notna(getattr(r, date_col)):
            when = f"<strong>{getattr(r, date_col):%-d %B %Y}</strong> — "
        ev = f" {html.escape(r.later_event)}." if "later_event" in df.columns and isinstance(getattr(r, "later_event", None), str) else ""
        later = f" <em>{LATER[r.later]}.</em>" if isinstance(r.later, str) and r.later in LATER else ""
        items.append(f"<li>{when}{link(r)} {badge(r.verdict)} \u201c{html.escape(r.quote[:160])}{'…' if len(r.quote) > 160 else ''}\u201d"
                     f"{later}{ev}</li>")
    return _HTML(f'<ul class="cw-claimlist">{"".join(items)}</ul>', f"{len(df)} claims")


def open_questions(today=None) -> pd.DataFrame:
    """Claims whose outcome is still open, with the date by which each should be looked at again."""
    c = claims()
    today = pd.Timestamp(today or pd.Timestamp.now(tz="UTC").date())
    out = c[c["recheck_by"].notna()].sort_values(["recheck_by", "id"])[["id", "chapter", "quote", "recheck_by", "recheck_reason"]]
    return out.assign(overdue=out["recheck_by"] < today)


def overdue(today=None) -> pd.DataFrame:
    q = open_questions(today)
    return q[q["overdue"]]


def corrections_list() -> _HTML:
    """The corrections since 0.1.0, newest first, each linked to its row and anchored #corr-<claim id>."""
    df = load("corrections").sort_values(["date", "claim_id"], ascending=[False, True], kind="stable")
    c = claims().set_index("id")
    items, seen = [], set()
    for r in df.itertuples(index=False):
        anchor = "" if r.claim_id in seen else f' id="corr-{html.escape(r.claim_id)}"'
        seen.add(r.claim_id)
        chapter = c.loc[r.claim_id, "chapter"] if r.claim_id in c.index else r.claim_id.split("-")[0]
        before = html.escape(r.before) if isinstance(r.before, str) and r.before else "<em>(blank)</em>"
        after = html.escape(r.after) if isinstance(r.after, str) and r.after else "<em>(blank)</em>"
        items.append(f'<li{anchor}><strong>{r.date:%-d %B %Y}</strong> — <a href="../{page_of(chapter)}#claim-{html.escape(r.claim_id)}">'
                     f'{html.escape(r.claim_id)}</a>, {html.escape(r.kind)} correction to <code>{html.escape(r.field)}</code>.'
                     f'<div class="cw-corr"><div><span class="cw-corr-label">Before:</span> {before}</div>'
                     f'<div><span class="cw-corr-label">Now:</span> {after}</div>'
                     f'<div><span class="cw-corr-label">Why:</span> {html.escape(r.why)}</div></div></li>')
    return _HTML(f'<ul class="cw-corrections">{"".join(items)}</ul>', f"{len(df)} corrections")
