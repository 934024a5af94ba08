"""The article, annotated: every statement in the ledger marked by its verdict and linked to its row.

The article's structure (its headings) is fixed; a heading missing from seeds/ is an error.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import pandas as pd

from . import ARTICLE
from .ledger import VERDICTS, claims, page_of
from .validate import normalise

# (heading line as in the article, level: 1 = section for coverage, 2 = subsection)
HEADINGS = [
    ("North Korea\u2019s posture", 1),
    ("Russia \u2013 North Korea bilateral relations and cooperation treaty", 2),
    ("Military \u2013 technical side of cooperation", 2),
    ("Phantom troops from North Korea", 2),
    ("Enigma in South Korea", 1),
    ("Political background", 2),
    ("What happened? Parliament majority wins as President\u2019s putsch fails.", 2),
    ("Causes, reasons and consequences", 2),
    ("China\u2019s hardening stance", 1),
    ("Framework for cooperation", 1),
    ("Trade wars", 1),
    ("Closing words", 1),
]
OPENING = "Opening: two camps"
# Sections with no statement that a record could settle, and why (shown on the annotated page; tested).
NOTHING_TO_CHECK = {
    "Closing words": "announces the author's next article; we could not find where the article or its sequel was "
                     "published, so there is no record to check the promise against",
}


@dataclass
class Paragraph:
    section: str
    text: str
    heading: int = 0  # 0 = body text, 1/2 = heading level
    marks: list = field(default_factory=list)  # (start, end, [claim rows])


def paragraphs() -> list[Paragraph]:
    lines = [l for l in ARTICLE.read_text(encoding="utf-8").splitlines() if l.strip()]
    levels = dict(HEADINGS)
    missing = [h for h, _ in HEADINGS if h not in lines]
    if missing:
        raise ValueError(f"headings not found in {ARTICLE.name}: {missing}")
    out, section = [], OPENING
    for i, line in enumerate(lines):
        if i == 0:
            out.append(Paragraph(section, line, heading=1))
            continue
        if line in levels:
            if levels[line] == 1:
                section = line
            out.append(Paragraph(section, line, heading=levels[line]))
        else:
            out.append(Paragraph(section, line))
    return out


def _find(text: str, quote: str) -> tuple[int, int] | None:
    parts = [p for p in re.split(r"\s*(?:\u2026|\.\.\.)\s*", normalise(quote)) if p]
    if not parts:
        return None
    start = text.find(parts[0])
    if start < 0:
        return None
    end, pos = start + len(parts[0]), start + len(parts[0])
    for p in parts[1:]:
        j = text.find(p, pos)
        if j < 0:
            return None
        end = pos = j + len(p)
    return start, end


def annotate() -> list[Paragraph]:
    """Paragraphs with the ledger's claims located in them (non-overlapping marks)."""
    paras = paragraphs()
    for p in paras:
        p.text = normalise(p.text)
    for row in claims().itertuples(index=False):
        for p in paras:
            span = _find(p.text, row.quote)
            if span:
                for m in p.marks:  # overlapping an existing mark: attach there
                    if span[0] < m[1] and m[0] < span[1]:
                        m[2].append(row)
                        break
                else:
                    p.marks.append((span[0], span[1], [row]))
                break
    for p in paras:
        p.marks.sort(key=lambda m: m[0])
    return paras


SENTENCE = re.compile(r"[^.!?]+(?:[.!?]+[\u201d\u2019\"')]*|$)")


def unchecked() -> dict[str, str]:
    """Sentences with nothing to check (data/unchecked_sentences.csv): normalised sentence -> reason."""
    from .data import load

    df = load("unchecked_sentences")
    return {normalise(q): r for q, r in zip(df["quote"], df["reason"])}


def sentences(paras: list[Paragraph] | None = None) -> pd.DataFrame:
    """Every sentence of the article: its section, text, whether a ledger row covers it, and, if not,
    the reason it is accounted for (or blank: neither checked nor accounted for)."""
    paras = paras if paras is not None else annotate()
    reasons = unchecked()
    rows = []
    for p in paras:
        if p.heading:
            continue
        for m in SENTENCE.finditer(p.text):
            if not m.group(0).strip():
                continue
            s, e = m.span()
            covered = any(a < e and s < b for a, b, _ in p.marks)
            text = m.group(0).strip()
            rows.append({"section": p.section, "sentence": text, "covered": covered,
                         "reason": "" if covered else reasons.get(normalise(text), "")})
    return pd.DataFrame(rows)


def coverage(paras: list[Paragraph] | None = None) -> pd.DataFrame:
    """Sentences per section: how many hold a checked statement and how many are accounted for otherwise."""
    paras = paras if paras is not None else annotate()
    df = sentences(paras)
    df["accounted"] = ~df["covered"] & (df["reason"] != "")
    order = [OPENING] + [h for h, lvl in HEADINGS if lvl == 1]
    out = df.groupby("section").agg(sentences=("covered", "size"), covered=("covered", "sum"),
                                     accounted=("accounted", "sum")).reindex(order)
    out["claims"] = [sum(len(m[2]) for p in paras if p.section == sec for m in p.marks) for sec in out.index]
    out["share_pct"] = (out["covered"] / out["sentences"] * 100).round(0)
    out["total_pct"] = ((out["covered"] + out["accounted"]) / out["sentences"] * 100).round(0)
    return out


def _unchecked_html(text: str, reasons: dict[str, str]) -> str:
    """Text with no marks: each sentence that is accounted for gets a neutral style and its reason."""
    out, pos = [], 0
    for m in SENTENCE.finditer(text):
        s, e = m.span()
        sent = m.group(0)
        why = reasons.get(normalise(sent.strip()))
        out.append(html.escape(text[pos:s]))
        if why and sent.strip():
            lead = len(sent) - len(sent.lstrip())
            out.append(html.escape(sent[:lead]) + f'<span class="cw-unchecked" title="Not checked: {html.escape(why)}" '
                       f'data-reason="{html.escape(why)}">{html.escape(sent[lead:])}</span>')
        else:
            out.append(html.escape(sent))
        pos = e
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _wrap_unchecked(p: Paragraph, chunks: list[str], reasons: dict[str, str]) -> list[str]:
    """A paragraph with marks: sentences outside every mark are rendered as unchecked ones."""
    spans = [(m.start(), m.end()) for m in SENTENCE.finditer(p.text) if m.group(0).strip()]
    free = [(s, e) for s, e in spans if not any(a < e and s < b for a, b, _ in p.marks)]
    if not free:
        return chunks
    # rebuild the paragraph: marked stretches as rendered, free sentences through _unchecked_html
    out, pos, marks = [], 0, list(p.marks)
    rendered = iter(c for i, c in enumerate(chunks) if i % 3 != 0)  # mark html and its ref, in order
    for a, b, _ in marks:
        for s, e in free:
            if pos <= s and e <= a:
                out.append(html.escape(p.text[pos:s]) + _unchecked_html(p.text[s:e], reasons))
                pos = e
        out.append(html.escape(p.text[pos:a]))
        out.append(next(rendered) + next(rendered))
        pos = b
    for s, e in free:
        if pos <= s:
            out.append(html.escape(p.text[pos:s]) + _unchecked_html(p.text[s:e], reasons))
            pos = e
    out.append(html.escape(p.text[pos:]))
    return out


def render(paras: list[Paragraph] | None = None) -> str:
    paras = paras if paras is not None else annotate()
    reasons = unchecked()
    out = ['<div class="cw-article">']
    for p in paras:
        pos, chunks = 0, []
        for a, b, rows in p.marks:
            chunks.append(html.escape(p.text[pos:a]))
            first = rows[0]
            mark, colour, _ = VERDICTS[first.verdict]
            tip = " | ".join(f"{r.id}: {r.verdict}. {r.finding}" for r in rows)
            chunks.append(
                f'<mark class="cw-hl cw-v-{first.verdict.replace(" ", "-")}" style="border-bottom-color:{colour}" '
                f'title="{html.escape(tip)}"><a href="../{page_of(first.chapter)}#claim-{first.id}">'
                f'{html.escape(p.text[a:b])}</a></mark>')
            refs = ", ".join(f'<a id="art-{r.id}" href="../{page_of(r.chapter)}#claim-{r.id}">{r.id}\u00a0{VERDICTS[r.verdict][0]}</a>'
                             for r in rows)
            chunks.append(f'<sup class="cw-ref">[{refs}]</sup>')
            pos = b
        chunks.append(html.escape(p.text[pos:]))
        if not p.heading and not p.marks:
            chunks = [_unchecked_html(p.text, reasons)]
        elif not p.heading:
            chunks = _wrap_unchecked(p, chunks, reasons)
        if p.heading:
            tag = "h3" if p.heading == 1 else "h4"
            out.append(f'<{tag} class="cw-art-h">{"".join(chunks)}</{tag}>')
        else:
            out.append(f'<p>{"".join(chunks)}</p>')
    out.append("</div>")
    return "".join(out)
