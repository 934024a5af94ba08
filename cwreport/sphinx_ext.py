"""Sphinx extension: the version in one place, offline chart libraries, our CSS.

- ``version``/``release``, the HTML footer and the MyST substitutions
  ``{{ version }}`` and ``{{ build_date }}`` all come from ``cwreport.__version__``.
- The Vega, Vega-Lite and Vega-Embed libraries are written into the book's own
  ``_static`` from the pinned ``vl-convert-python`` package: no CDN, no network.
"""
from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

from . import ROOT, TITLE, __version__

ASSETS = Path(__file__).parent / "assets"
BUNDLE = "vega-bundle.js"


def build_date() -> str:
    """SOURCE_DATE_EPOCH if set, else the last commit's date, else today (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date().isoformat()
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%cs"], cwd=ROOT, capture_output=True,
                             text=True, timeout=10).stdout.strip()
        if out:
            return out
    except (OSError, subprocess.SubprocessError):
        pass
    return dt.datetime.now(dt.timezone.utc).date().isoformat()


def edition_facts() -> dict[str, str]:
    """Figures for the front page, computed from the data (MyST substitutions: no typed numbers in prose)."""
    from .data import load

    claims, sources, corrections = load("claims"), load("sources"), load("corrections")
    kinds = corrections["kind"].value_counts()
    return {
        "n_claims": str(len(claims)), "n_sources": str(len(sources)),
        "n_tier1": str(int((sources["tier"] == 1).sum())), "n_tier3": str(int((sources["tier"] == 3).sum())),
        "n_corrections": str(len(corrections)), "n_corr_fact": str(int(kinds.get("fact", 0))),
        "n_corr_verdict": str(int(kinds.get("verdict", 0))), "n_corr_later": str(int(kinds.get("later", 0))),
        "n_corr_added": str(int(kinds.get("added", 0))), "n_open": str(int(claims["recheck_by"].notna().sum())),
        "n_reviewed": str(int(claims["reviewed_on"].notna().sum())),
    }


def _config_inited(app, config):
    date = build_date()
    config.version = config.release = __version__
    subs = dict(getattr(config, "myst_substitutions", {}) or {})
    subs.update(version=__version__, build_date=date, title=TITLE)
    subs.update(edition_facts())
    config.myst_substitutions = subs
    opts = dict(config.html_theme_options or {})
    opts["extra_footer"] = (f'<p class="cw-footer">{TITLE} \u00b7 version <span class="cw-version">{__version__}</span>'
                            f' \u00b7 built {date}</p>')
    config.html_theme_options = opts
    config.html_static_path = list(config.html_static_path) + [str(ASSETS)]


def _write_libraries(app):
    """Write the chart and table libraries into _static before any page is written, so that the first build's
    pages already carry their ?v= checksums (otherwise they appear one build later, the single-page HTML
    changes, and the first no-change rebuild prints the PDF again)."""
    if app.builder.format != "html":
        return
    _write_vega(app)
    from .explorer import bundle_js

    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    it = static / ITABLES_JS
    text = bundle_js()
    if not it.exists() or it.read_text(encoding="utf-8") != text:
        it.write_text(text, encoding="utf-8")


def _write_bundle(app, exc):
    if exc is not None or app.builder.format != "html":
        return
    _subset_icons(Path(app.outdir))
    _write_libraries(app)


def _write_vega(app):
    import vl_convert

    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    target = static / BUNDLE
    stamp = f"/* wrapped in a function scope; vega {vl_convert.get_vega_version()} (charts are compiled to Vega when notebooks run), vega-embed {vl_convert.get_vega_embed_version()} from vl-convert-python */\n"
    if not target.exists() or not target.read_text(encoding="utf-8").startswith(stamp):
        tmp = target.with_suffix(".tmp")
        body = vl_convert.javascript_bundle(vl_version="6.4")
        # Its top-level const/let names (e.g. `_`) would clash with the theme's globals.
        tmp.write_text(stamp + "(function(){\n" + body + "\n})();\n", encoding="utf-8")
        tmp.replace(target)


ICONS_JS = "cw-icons.js"
FA_BUNDLE = "scripts/fontawesome.js"
# Extra icons the theme's scripts insert at run time (not in the page HTML).
FA_EXTRA = {"xmark"}
FA_SKIP = {"solid", "regular", "brands", "lg", "xl", "2x", "fw"}
ICONS_TEMPLATE = """/* The book's icons: the Font Awesome (Free, solid; CC BY 4.0 icons, MIT code) icons the pages use, cut from the
   theme's 1.5 MB fontawesome.js at build time. Each <i class="fa-solid fa-NAME"> becomes an inline SVG, as
   Font Awesome's own script does. */
(function () {
  var ICONS = %s;
  function swap(root) {
    (root.querySelectorAll ? root.querySelectorAll('i[class*="fa-"]') : []).forEach(function (i) {
      var name = Array.prototype.map.call(i.classList, function (c) { return c.slice(3); })
        .filter(function (n) { return ICONS[n]; })[0];
      if (!name) return;
      var d = ICONS[name], ns = 'http://www.w3.org/2000/svg';
      var svg = document.createElementNS(ns, 'svg');
      svg.setAttribute('viewBox', '0 0 ' + d[0] + ' ' + d[1]);
      svg.setAttribute('class', 'svg-inline--fa ' + i.className);
      svg.setAttribute('aria-hidden', 'true'); svg.setAttribute('focusable', 'false'); svg.setAttribute('role', 'img');
      var path = document.createElementNS(ns, 'path');
      path.setAttribute('fill', 'currentColor'); path.setAttribute('d', d[2]);
      svg.appendChild(path);
      if (i.title) svg.setAttribute('title', i.title);
      i.replaceWith(svg);
    });
  }
  var css = document.createElement('style');
  css.textContent = '.svg-inline--fa{display:inline-block;height:1em;overflow:visible;vertical-align:-.125em}' +
    '.svg-inline--fa.fa-lg{font-size:1.25em;line-height:.05em;vertical-align:-.2em}';
  document.head.appendChild(css);
  function start() {
    swap(document);
    new MutationObserver(function (ms) { ms.forEach(function (m) { m.addedNodes.forEach(function (n) {
      if (n.nodeType === 1) { if (n.matches && n.matches('i[class*="fa-"]')) swap(n.parentNode); else swap(n); } }); }); })
      .observe(document.body, {childList: true, subtree: true});
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
"""


def _fa_icons(bundle: str, names: set[str]) -> dict[str, list]:
    """name -> [width, height, path] of the solid icon (the last definition in the bundle is the solid one)."""
    import re

    out = {}
    for n in sorted(names):
        pat = r'(?<![\w-])(?:"%s"|%s):\[(\d+),(\d+),\[[^\]]*\],"[0-9a-f]+","(M[^"]*)"\]' % (re.escape(n), re.escape(n))
        hits = list(re.finditer(pat, bundle))
        if hits:
            m = hits[-1]
            out[n] = [int(m.group(1)), int(m.group(2)), m.group(3)]
    return out


def _subset_icons(outdir: Path) -> None:
    """Replace the theme's 1.5 MB fontawesome.js on every page by the few icons the book uses."""
    import json
    import re

    bundle_path = outdir / "_static" / FA_BUNDLE
    target = outdir / "_static" / ICONS_JS
    pages = [p for p in outdir.rglob("*.html") if "_static" not in p.parts]
    if bundle_path.exists():
        used = set(FA_EXTRA)
        for p in pages:
            used |= {n for n in re.findall(r'\bfa-([a-z0-9-]+)', p.read_text(encoding="utf-8")) if n not in FA_SKIP}
        icons = _fa_icons(bundle_path.read_text(encoding="utf-8"), used)
        target.write_text(ICONS_TEMPLATE % json.dumps(icons, sort_keys=True), encoding="utf-8")
        bundle_path.unlink()
        for extra in (bundle_path.with_name("fontawesome.js.map"), bundle_path.with_name("fontawesome.js.LICENSE.txt")):
            extra.unlink(missing_ok=True)
    if not target.exists():
        return
    tag = re.compile(r'<script defer src="((?:\.\./)*)_static/scripts/fontawesome\.js\?digest=[0-9a-f]+"></script>')
    # The theme loads the search index and tools on every page for its search-as-you-type option, which this
    # book does not turn on: only the search page uses them (the search box submits to it).
    search_js = re.compile(r'\s*<script src="(?:\.\./)*(?:_static/searchtools\.js|_static/language_data\.js|searchindex\.js)"></script>')
    design = re.compile(r'\s*<(?:link rel="stylesheet" type="text/css" href="(?:\.\./)*_static/sphinx-design\.min\.css[^"]*" ?/?|'
                        r'script(?: data-sd-tabs-storage-prefix="[^"]*")? src="(?:\.\./)*_static/design-tabs\.js[^"]*"></script)>')
    for p in pages:
        text = p.read_text(encoding="utf-8")
        new = tag.sub(lambda m: f'<script defer src="{m.group(1)}_static/{ICONS_JS}"></script>', text)
        if p.name != "search.html":
            new = search_js.sub("", new)
        if ' class="sd-' not in new and " sd-" not in new:  # no sphinx-design component on the page
            new = design.sub("", new)
        new = re.sub(r'<link rel="preload" as="script" href="((?:\.\./)*)_static/scripts/fontawesome\.js\?digest=[0-9a-f]+"\s*/?>', "", new)
        if new != text:
            p.write_text(new, encoding="utf-8")


def _no_cdn_mathjax(app):
    """sphinx.ext.mathjax loads MathJax from a CDN on every page (myst-nb asks for
    'always'). The book has no mathematics, so the loader is switched off; a page
    that does contain math fails the build instead of reaching for the network."""
    listeners = app.events.listeners.get("html-page-context", [])
    for listener in list(listeners):
        if getattr(listener.handler, "__module__", "") == "sphinx.ext.mathjax":
            app.disconnect(listener.id)


def _refuse_math(app, doctree, docname=None):
    from docutils import nodes
    from sphinx.errors import ExtensionError

    if any(True for _ in doctree.findall(nodes.math)) or any(True for _ in doctree.findall(nodes.math_block)):
        raise ExtensionError(f"{docname or 'a page'} contains math, but MathJax would load from a CDN: "
                             "serve MathJax from the book itself before adding math")


def _doctree_resolved(app, doctree, docname):
    _refuse_math(app, doctree, docname)


ITABLES_JS = "cw-itables.js"


def _page_scripts(app, pagename, templatename, context, doctree):
    """Load the chart libraries only on pages that have charts, and the table library only on the explorer."""
    body = context.get("body") or ""
    if "cw-vis" in body:
        app.add_js_file(BUNDLE, priority=200)
    if 'class="cw-explorer"' in body:
        app.add_js_file(ITABLES_JS, priority=200)


def setup(app):
    app.connect("builder-inited", _no_cdn_mathjax)
    app.connect("doctree-resolved", _doctree_resolved)
    app.connect("config-inited", _config_inited)
    app.connect("builder-inited", _write_libraries)
    app.connect("build-finished", _write_bundle)
    app.connect("html-page-context", _page_scripts)
    app.add_css_file("cwreport.css")
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
