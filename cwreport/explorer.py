"""The claim explorer: every claim in one interactive table (itables / DataTables, offline).

The table comes from ``itables.to_html_datatable`` in its offline mode. Its library is not inlined in the page:
the Sphinx extension writes ``_static/cw-itables.js`` (a classic script, so that it also loads from file://),
which holds itables' own DataTables bundle and registers it under the name the offline template waits for.
"""
from __future__ import annotations

import html

import pandas as pd

from .ledger import LATER, VERDICTS, chapter_titles, claims, page_of

MARKER = "cw-explorer"
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
    return f'<div class="{MARKER}">{out}</div>'


def bundle_js() -> str:
    """The classic script that makes itables' offline bundle available to the page (works from file://)."""
    import base64
    from importlib.resources import files

    from itables.javascript import _itables_ready_event, _itables_underscore_version

    pkg = files("itables") / "html"
    js = base64.b64encode((pkg / "dt_bundle.js").read_bytes()).decode()
    css = base64.b64encode((pkg / "dt_bundle.css").read_bytes()).decode()
    name, event = _itables_underscore_version(), _itables_ready_event()
    return f"""/* itables' DataTables bundle (dt_for_itables), from the pinned itables package; loaded by the claim explorer */
(function () {{
  if (window.{name}) return;
  var style = document.createElement('style');
  style.textContent = atob("{css}");
  document.head.appendChild(style);
  var blob = new Blob([atob("{js}")], {{type: 'application/javascript'}});
  var url = URL.createObjectURL(blob);
  window.{name} = import(url).then(function (m) {{ URL.revokeObjectURL(url); return m; }});
  window.{name}.then(function () {{ window.dispatchEvent(new Event("{event}")); }});
}})();
"""
