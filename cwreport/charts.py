"""One chart theme and one offline renderer for every chart in the book.

``figure(chart, title=..., subtitle=..., source=..., note=..., alt=...)``
gives a chart the Our-World-in-Data anatomy: a title that states the finding,
a subtitle with the unit, a source line, notes and a text alternative.

The renderer compiles the Vega-Lite spec to Vega and emits HTML that draws it with ``cwDraw``
(Vega's runtime, served from the book's own ``_static``: no CDN), with a
deterministic element id, so that notebook outputs are identical run after run (nbval).
"""
from __future__ import annotations

import hashlib
import html
import json
import textwrap

import altair as alt

# Okabe & Ito (2008) colour-blind-safe palette.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
GREY = "#6b6b6b"
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
WIDTH = 560  # plot area, px; titles wrap to fit the book's text column


def theme() -> dict:
    return {
        "config": {
            "font": FONT,
            "view": {"stroke": None, "continuousWidth": WIDTH, "continuousHeight": 300},
            "background": "white",
            "padding": {"left": 4, "right": 12, "top": 8, "bottom": 4},
            "title": {"anchor": "start", "fontSize": 17, "fontWeight": 600, "color": "#1d1d1d",
                      "subtitleFontSize": 13, "subtitleColor": GREY, "subtitlePadding": 6,
                      "offset": 14},
            "axis": {"labelFontSize": 12, "titleFontSize": 12, "titleFontWeight": 400,
                     "titleColor": GREY, "labelColor": "#333", "gridColor": "#e6e6e6",
                     "domainColor": "#999", "tickColor": "#999"},
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "titleFontWeight": 400,
                       "orient": "top", "titleColor": GREY},
            "range": {"category": PALETTE},
            "text": {"fontSize": 12, "font": FONT},
        }
    }


@alt.theme.register("cwreport", enable=False)
def _theme() -> alt.theme.ThemeConfig:
    return theme()


def figure(chart: alt.TopLevelMixin, *, title: str, subtitle: str, source: str,
           alt_text: str, note: str | None = None) -> alt.TopLevelMixin:
    """Attach the finding, unit, source, note and text alternative to a chart."""
    if not title or not subtitle or not source or not alt_text:
        raise ValueError("a chart needs a title (the finding), a subtitle (the unit), a source and a text alternative")
    meta = {"source": source, "note": note or "", "alt": alt_text}
    return chart.properties(
        title=alt.TitleParams(text=textwrap.wrap(title, 62), subtitle=textwrap.wrap(subtitle, 92)),
        description=alt_text,
        usermeta={"cwreport": meta},
    )


_seen: dict[str, int] = {}


def _chart_id(spec: dict) -> str:
    digest = hashlib.sha1(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]
    n = _seen.get(digest, 0)
    _seen[digest] = n + 1
    return f"cw-{digest}" + (f"-{n}" if n else "")


def _script_json(obj) -> str:
    """JSON safe to embed inside <script type=application/json>."""
    s = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


VL_VERSION = "6.4"


def compile_vega(spec: dict) -> dict:
    """Vega-Lite compiled to Vega when the notebook runs (pinned vl-convert): the page only draws it. The Vega spec
    keeps the chart's title, description and usermeta (its source, note and text alternative). The page loads only
    Vega's runtime to draw it (``cwDraw`` in ``_static/cw-charts.js``, see ``sphinx_ext.charts_js``)."""
    import vl_convert as vlc

    return vlc.vegalite_to_vega(spec, vl_version=VL_VERSION)


COMPOSED = ("hconcat", "vconcat", "concat", "facet", "repeat")


def responsive(spec: dict) -> dict:
    """Charts take the width of their column: Vega-Lite ``width: "container"`` with fit-x autosizing
    (concatenated and faceted charts keep their widths; the stylesheet scales them down)."""
    if any(k in spec for k in COMPOSED):
        return spec
    out = dict(spec)
    out["width"] = "container"
    out["autosize"] = {"type": "fit-x", "contains": "padding", "resize": True}
    return out


def render(spec: dict, **_metadata) -> dict:
    """Altair renderer: a <figure> with the chart, its caption and its text alternative."""
    meta = (spec.get("usermeta") or {}).get("cwreport")
    if not meta:
        raise ValueError("chart without cwreport metadata: wrap it in cwreport.charts.figure(...)")
    spec = responsive(spec)
    cid = _chart_id(spec)
    vg = compile_vega(spec)
    title = spec.get("title", {})
    title_text = title.get("text", "") if isinstance(title, dict) else title
    title_text = " ".join(title_text) if isinstance(title_text, list) else str(title_text)
    note = f' <span class="cw-note">Note: {html.escape(meta["note"])}</span>' if meta["note"] else ""
    body = (
        f'<figure class="cw-figure" id="fig-{cid}">'
        f'<div class="cw-vis" id="vis-{cid}" data-width="{"container" if spec.get("width") == "container" else "fixed"}" '
        f'role="img" aria-label="{html.escape(title_text)}" '
        f'aria-describedby="alt-{cid}"></div>'
        f'<figcaption><span class="cw-source">{html.escape(meta["source"])}</span>{note}</figcaption>'
        f'<p class="cw-alt" id="alt-{cid}">{html.escape(meta["alt"])}</p>'
        f'<script type="application/json" id="spec-{cid}">{_script_json(vg)}</script>'
        f'<script>(function(){{var el=document.getElementById("vis-{cid}");'
        f'var spec=JSON.parse(document.getElementById("spec-{cid}").textContent);'
        f'if(typeof cwDraw!=="function"){{el.textContent="Chart library missing: the book must be built with the cwreport extension.";return;}}'
        f'cwDraw(el,spec);}})();</script>'
        f'</figure>'
    )
    return {"text/html": body, "text/plain": f"<Chart: {title_text}>"}


alt.renderers.register("cwreport", render)


def use() -> None:
    """Enable the theme and the offline renderer (call once per notebook)."""
    alt.theme.enable("cwreport")
    alt.renderers.enable("cwreport")
    alt.data_transformers.disable_max_rows()
    from . import tables

    tables.use()  # every DataFrame shown as a reader's table (labels and units from the data package)
