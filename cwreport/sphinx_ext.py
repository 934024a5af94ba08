"""Sphinx extension: the version in one place, offline chart libraries, our CSS.

- ``version``/``release``, the HTML footer and the MyST substitutions
  ``{{ version }}`` and ``{{ build_date }}`` all come from ``cwreport.__version__``.
- The chart library (Vega's runtime and vega-tooltip, vendored in ``cwreport/vendor``) is written into the
  book's own ``_static``: no CDN, no network.
"""
from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

from . import ROOT, TITLE, __version__

ASSETS = Path(__file__).parent / "assets"
BUNDLE = "cw-charts.js"


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
    from .explorer import bundle_css, bundle_js

    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    for name, text in ((ITABLES_JS, bundle_js()), (ITABLES_CSS, bundle_css())):
        it = static / name
        if not it.exists() or it.read_text(encoding="utf-8") != text:
            it.write_text(text, encoding="utf-8")


def _write_bundle(app, exc):
    if exc is not None or app.builder.format != "html":
        return
    _subset_icons(Path(app.outdir))
    _write_libraries(app)


VENDOR = Path(__file__).parent / "vendor"
VEGA_JS = VENDOR / "vega-6.2.0.min.js"          # npm vega@6.2.0, build/vega.min.js (BSD-3-Clause)
TOOLTIP_JS = VENDOR / "vega-tooltip-1.1.0.js"   # npm vega-tooltip@1.1.0, build/index.js (BSD-3-Clause)
DRAW_JS = """
/* cwDraw(el, spec): draw a chart that was compiled to Vega when its notebook ran (cwreport.charts), as SVG, with
   vega-tooltip's tooltips; on failure the element says so and carries data-error.
   A chart that takes its column's width ("container") is laid out at the column's width, but never narrower than
   MIN px: in a narrower column (a phone) it is laid out at MIN px and the SVG is scaled down whole, so that titles,
   legends and labels are never cut or squeezed together. Whatever a chart draws outside its own box (a wide legend)
   is brought inside by widening the SVG's viewBox, so nothing is clipped on screen or in print. data-drawn holds the
   time the chart was settled, in ms since the page began to load. */
(function () {
  var MIN = 560;
  function fit(el) {
    var svg = el.querySelector('svg');
    if (!svg) return;
    var vb = svg.viewBox.baseVal, has = vb && vb.width > 0, bb = svg.getBBox();
    var bx = has ? vb.x : 0, by = has ? vb.y : 0;
    var w = has ? vb.width : +svg.getAttribute('width'), h = has ? vb.height : +svg.getAttribute('height');
    var x0 = Math.floor(Math.min(bx, bb.x)), y0 = Math.floor(Math.min(by, bb.y));
    var x1 = Math.ceil(Math.max(bx + w, bb.x + bb.width)), y1 = Math.ceil(Math.max(by + h, bb.y + bb.height));
    if (x0 < bx || y0 < by || x1 > bx + w || y1 > by + h) {
      svg.setAttribute('viewBox', [x0, y0, x1 - x0, y1 - y0].join(' '));
      svg.setAttribute('width', x1 - x0);
      svg.setAttribute('height', y1 - y0);
    }
  }
  function columnWidth(el) { return Math.max(el.clientWidth || 0, MIN); }
  window.cwDraw = function (el, spec) {
    el.classList.add('cw-drawn');
    var fluid = el.getAttribute('data-width') === 'container';
    if (fluid) {
      spec = JSON.parse(JSON.stringify(spec));
      (spec.signals || []).forEach(function (s) {
        if (s.name === 'width') { s.init = String(columnWidth(el)); delete s.on; delete s.update; }
      });
    }
    var view = new vega.View(vega.parse(spec), {renderer: 'svg', container: el, hover: true});
    view.tooltip(new vegaTooltip.Handler().call);
    // Vega may lay a chart out twice (autosize) and re-renders on resize: fit after every change to the SVG's box.
    var pending = false;
    new MutationObserver(function () {
      if (pending) return;
      pending = true;
      requestAnimationFrame(function () { pending = false; fit(el); });
    }).observe(el, {subtree: true, childList: true, attributes: true, attributeFilter: ['width', 'height', 'viewBox']});
    var settle = function () {
      return new Promise(function (ok) { requestAnimationFrame(function () { requestAnimationFrame(ok); }); })
        .then(function () { fit(el); el.setAttribute('data-drawn', String(Math.round(performance.now()))); });
    };
    var done = view.runAsync().then(settle);
    if (fluid) {
      var last = columnWidth(el), timer = null;
      window.addEventListener('resize', function () {
        if (window.matchMedia('print').matches) return;  // printing lays out the page, it does not resize the screen
        if (columnWidth(el) !== last) el.removeAttribute('data-drawn');
        clearTimeout(timer);
        timer = setTimeout(function () {
          var now = columnWidth(el);
          if (now === last) return;
          last = now;
          el.removeAttribute('data-drawn');  // re-laid out: WAIT_CHARTS waits for it again
          view.signal('width', now).runAsync().then(settle);
        }, 60);
      });
    }
    return done.catch(function (e) {
      el.setAttribute('data-error', String(e)); el.textContent = 'This chart failed to render: ' + e;
    });
  };
})();
"""


VENDOR_SHA256 = {VEGA_JS.name: "ea6a5936381d06f912466354e2b6a20eb66c4d41f1ca9dff1e0236dfee6ee392",
                 TOOLTIP_JS.name: "205ced807469e18e8a2f92f492f269e4aa3dab653691672909609f9252ba720b"}


def charts_js() -> str:
    """The chart library: Vega's runtime only (charts arrive compiled to Vega, so neither Vega-Lite nor
    vega-embed is needed), vega-tooltip turned from an ES module into a classic script (it reads
    isArray/isString/isObject from the vega global, which re-exports vega-util), and ``cwDraw``."""
    import hashlib
    import re

    for f in (VEGA_JS, TOOLTIP_JS):
        if hashlib.sha256(f.read_bytes()).hexdigest() != VENDOR_SHA256[f.name]:
            raise RuntimeError(f"{f}: not the pinned file (SHA-256 differs); restore it from the npm package")
    tip = TOOLTIP_JS.read_text(encoding="utf-8")
    tip, n_import = re.subn(r"^import \{ isArray, isString, isObject \} from 'vega-util';$",
                            "var isArray = vega.isArray, isString = vega.isString, isObject = vega.isObject;", tip, flags=re.M)
    m = re.search(r"^export \{([^}]*)\};\s*$", tip, re.M)
    if n_import != 1 or not m:
        raise RuntimeError(f"{TOOLTIP_JS.name}: unexpected module shape; update charts_js()")
    names = [n.strip() for n in m.group(1).split(",")]
    pairs = ", ".join(f"{n.split(' as ')[1].strip()}: {n.split(' as ')[0].strip()}" if " as " in n else f"{n}: {n}"
                      for n in names)
    tip = tip[:m.start()] + f"window.vegaTooltip = {{{pairs}}};\n"
    head = "/* vega 6.2.0 (BSD-3-Clause, UW Interactive Data Lab), vega-tooltip 1.1.0 (BSD-3-Clause), cwDraw */\n"
    return head + VEGA_JS.read_text(encoding="utf-8") + "\n(function () {\n\"use strict\";\n" + tip + "})();\n" + DRAW_JS


def _write_vega(app):
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    target = static / BUNDLE
    text = charts_js()
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        tmp = target.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    (static / "vega-bundle.js").unlink(missing_ok=True)  # the former 0.9 MB bundle (vega + vega-lite + vega-embed)


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


FA_FONT = "vendor/fontawesome/webfonts/fa-solid-900.woff2"


def icon_font_codepoints(css_texts: list[str], used_icons: set[str]) -> set[int]:
    """The Font Awesome glyphs a page can show with the theme's stylesheets: every ``content``/``--pst-icon-*``
    escape outside the ``.fa-NAME:before`` icon classes (breadcrumbs, admonitions, download links, external
    links...), plus the icon classes of the icons the pages use (before cw-icons.js swaps them for SVG)."""
    import re

    cps: set[int] = set()
    for css in css_texts:
        for m in re.finditer(r"([^{}]*)\{([^{}]*)\}", css):
            selector, body = m.group(1), m.group(2)
            escapes = [int(h, 16) for h in re.findall(r'\\([ef][0-9a-f]{3})\b', body)]
            if not escapes:
                continue
            classes = set(re.findall(r"\.fa-([a-z0-9-]+):(?::)?(?:before|after)", selector))
            if classes and not (classes & used_icons):
                continue  # an icon class no page uses
            cps.update(escapes)
    return cps


def _subset_icon_font(outdir: Path, used: set[str]) -> None:
    """Cut the theme's 156 kB solid icon font to the glyphs the stylesheets can show (a few kB, same file name)."""
    font = outdir / "_static" / FA_FONT
    if not font.exists() or font.stat().st_size < 20_000:  # absent, or cut already (Sphinx copies the whole font
        return                                              # again only when the theme's file differs)
    from fontTools import subset

    css = [p.read_text(encoding="utf-8") for p in (outdir / "_static").rglob("*.css")]
    cps = icon_font_codepoints(css, used)
    opts = subset.Options()
    opts.flavor = "woff2"
    opts.layout_features = ["*"]
    opts.notdef_outline = True
    f = subset.load_font(str(font), opts)
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=sorted(cps))
    sub.subset(f)
    subset.save_font(f, str(font), opts)


THEME_CSS = "styles/pydata-sphinx-theme.css"


def _drop_unused_icon_classes(outdir: Path, used: set[str]) -> None:
    """The theme's stylesheet defines ``.fa-NAME:before`` for some 1,400 icons (about 70 kB); keep the ones the pages use."""
    import re

    from .css import drop_rules

    path = outdir / "_static" / THEME_CSS
    if not path.exists():
        return
    icon = re.compile(r"\.fa-([a-z0-9-]+):{1,2}(?:before|after)")

    def dead(sel: str) -> bool:
        m = icon.fullmatch(sel)
        return bool(m) and m.group(1) not in used

    text = path.read_text(encoding="utf-8")
    new = drop_rules(text, dead)
    if new != text:
        path.write_text(new, encoding="utf-8")


def _subset_icons(outdir: Path) -> None:
    """Replace the theme's 1.5 MB fontawesome.js on every page by the few icons the book uses."""
    import json
    import re

    bundle_path = outdir / "_static" / FA_BUNDLE
    target = outdir / "_static" / ICONS_JS
    pages = [p for p in outdir.rglob("*.html") if "_static" not in p.parts]
    used = set(FA_EXTRA)  # the icons the pages use
    for p in pages:
        used |= {n for n in re.findall(r'\bfa-([a-z0-9-]+)', p.read_text(encoding="utf-8")) if n not in FA_SKIP}
    if bundle_path.exists():
        icons = _fa_icons(bundle_path.read_text(encoding="utf-8"), used)
        target.write_text(ICONS_TEMPLATE % json.dumps(icons, sort_keys=True), encoding="utf-8")
        bundle_path.unlink()
        for extra in (bundle_path.with_name("fontawesome.js.map"), bundle_path.with_name("fontawesome.js.LICENSE.txt")):
            extra.unlink(missing_ok=True)
    _subset_icon_font(outdir, used)
    _drop_unused_icon_classes(outdir, used)
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
ITABLES_CSS = "cw-itables.css"


def _page_scripts(app, pagename, templatename, context, doctree):
    """Load the chart libraries only on pages that have charts, and the table library only on the explorer."""
    body = context.get("body") or ""
    if "cw-vis" in body:
        app.add_js_file(BUNDLE, priority=200)
    if 'class="cw-explorer"' in body:
        app.add_js_file(ITABLES_JS, priority=200)
        app.add_css_file(ITABLES_CSS, priority=200)


def setup(app):
    app.connect("builder-inited", _no_cdn_mathjax)
    app.connect("doctree-resolved", _doctree_resolved)
    app.connect("config-inited", _config_inited)
    app.connect("builder-inited", _write_libraries)
    app.connect("build-finished", _write_bundle)
    app.connect("html-page-context", _page_scripts)
    app.add_css_file("cwreport.css")
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
