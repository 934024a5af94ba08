"""The claim explorer: every claim in one interactive table (itables / DataTables, offline).

The table comes from ``itables.to_html_datatable`` in its offline mode. Its library is not inlined in the page:
the Sphinx extension writes ``_static/cw-itables.js`` (a classic script, so that it also loads from file://),
which holds itables' own DataTables bundle and registers it under the name the offline template waits for, and
``_static/cw-itables.css``, its stylesheet.
"""
from __future__ import annotations

import html
import re

import pandas as pd

from .ledger import LATER, VERDICTS, chapter_titles, claims, page_of

MARKER = "cw-explorer"
FALLBACK_CELL = "border:1px solid #ddd;padding:8px"
FALLBACK_CSS = f"table.cw-fallback{{border-collapse:collapse}}table.cw-fallback th,table.cw-fallback td{{{FALLBACK_CELL}}}\n"
SHORT = 140


def frame() -> pd.DataFrame:
    """One row per claim, as the explorer shows it (HTML links in the id and 'in the article' columns)."""
    c = claims()
    titles = chapter_titles()
    rows = []
    for r in c.itertuples(index=False):
        finding = r.finding if len(r.finding) <= SHORT else r.finding[:SHORT].rsplit(" ", 1)[0] + "\u2026"
        rows.append({
            "Claim": f'<a href="../{page_of(r.chapter)}#claim-{html.escape(r.id)}">{html.escape(r.id)}</a>',
            "Section": titles.get(r.chapter, r.chapter),
            "What the article says": html.escape(r.quote),
            "Type": r.claim_type,
            "Verdict": f'{VERDICTS[r.verdict][0]} {r.verdict}',
            "Later": LATER.get(r.later, "nothing later") if isinstance(r.later, str) else "nothing later",
            "Finding, in short": html.escape(finding),
            "In the article": f'<a href="article.html#art-{html.escape(r.id)}">see it in the text</a>',
        })
    return pd.DataFrame(rows)


def table() -> str:
    from itables import to_html_datatable

    df = frame()
    out = to_html_datatable(
        df, connected=False, allow_html=True, table_id="cw-claims", column_filters="header",
        paging=False, scrollX=False, showIndex=False, classes="display compact cw-explorer-table",
        order=[], style="width:100%", layout={"topStart": "info", "topEnd": "search", "bottomStart": None,
                                               "bottomEnd": None},
        language={"search": "Search all claims:", "info": "Showing _TOTAL_ of _MAX_ claims",
                  "infoFiltered": "", "infoEmpty": "No claim matches"},
    )
    # itables gives every cell of its no-JavaScript fallback table the same inline style (1,600 times); one rule in
    # cw-itables.css does the same.
    out = out.replace('<div id="cw-claims_fallback"><table style="border-collapse:collapse">',
                      '<div id="cw-claims_fallback"><table class="cw-fallback">')
    out = out.replace(f' style="{FALLBACK_CELL}"', "")
    return f'<div class="{MARKER}">{out}</div>'


def bundle_js() -> str:
    """itables' DataTables bundle (an ES module, ``dt_bundle.js``) as a classic script that also runs from file://:
    its one closing ``export {...}`` becomes the promise that itables' offline template awaits, and the whole runs
    in a function scope in strict mode, as a module would. No base64 copy and no blob: the page loads it once."""
    import re
    from importlib.resources import files

    from itables.javascript import _itables_ready_event, _itables_underscore_version

    js = (files("itables") / "html" / "dt_bundle.js").read_text(encoding="utf-8")
    exports = list(re.finditer(r"export\{([^}]*)\}", js))
    if len(exports) != 1 or re.search(r"(^|[;}\s])import[\s{*]", js[:200]) or "import.meta" in js:
        raise RuntimeError("itables' dt_bundle.js no longer has the shape bundle_js() expects (one closing export)")
    m = exports[0]
    pairs = []
    for item in m.group(1).split(","):
        local, _, public = item.strip().partition(" as ")
        pairs.append(f"{(public or local).strip()}:{local.strip()}")
    name, event = _itables_underscore_version(), _itables_ready_event()
    body = js[:m.start()] + f"window.{name}=Promise.resolve({{{','.join(pairs)}}});" + js[m.end():]
    return (f"/* itables' DataTables bundle (dt_for_itables), from the pinned itables package, as a classic script;"
            f" loaded by the claim explorer */\n"
            f"(function () {{\n\"use strict\";\nif (window.{name}) return;\n{body}\n"
            f"window.{name}.then(function () {{ window.dispatchEvent(new Event(\"{event}\")); }});\n}})();\n")


# DataTables extensions in itables' bundle that the explorer does not switch on (SearchPanes, SearchBuilder,
# ColumnControl, FixedColumns, RowGroup, Scroller, ColReorder, KeyTable, Responsive, Buttons, DateTime, Select):
# their rules style elements that never appear on the page.
UNUSED_EXTENSIONS = re.compile(r"\.(?:dtsp|dtsb|dtcc|dtfc|dtrg|dts|dtcr|dtk|dtr|dte)(?![\w-])|\.(?:dtsp|dtsb|dtcc|dtfc|dtrg|dts|dtcr|"
                               r"dtk|dtr|dte)-[\w-]+|\.(?:dt-button|dt-buttons|buttons-|dt-datetime|select-)[\w-]*|"
                               r"\.(?:selected|dt-rowReorder)[\w-]*")


def bundle_css() -> str:
    """itables' DataTables stylesheet, served as a file of its own next to the script, less the rules of the
    extensions that the explorer does not use, plus the static fallback table's cell style (see :func:`table`)."""
    from importlib.resources import files

    from .css import drop_rules

    css = (files("itables") / "html" / "dt_bundle.css").read_text(encoding="utf-8")
    return drop_rules(css, UNUSED_EXTENSIONS.search) + "\n" + FALLBACK_CSS
