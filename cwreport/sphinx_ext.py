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


def _config_inited(app, config):
    date = build_date()
    config.version = config.release = __version__
    subs = dict(getattr(config, "myst_substitutions", {}) or {})
    subs.update(version=__version__, build_date=date, title=TITLE)
    config.myst_substitutions = subs
    opts = dict(config.html_theme_options or {})
    opts["extra_footer"] = (f'<p class="cw-footer">{TITLE} \u00b7 version <span class="cw-version">{__version__}</span>'
                            f' \u00b7 built {date}</p>')
    config.html_theme_options = opts
    config.html_static_path = list(config.html_static_path) + [str(ASSETS)]


def _write_bundle(app, exc):
    if exc is not None or app.builder.format != "html":
        return
    import vl_convert

    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    target = static / BUNDLE
    stamp = f"/* wrapped in a function scope; vega {vl_convert.get_vega_version()}, vega-embed {vl_convert.get_vega_embed_version()} from vl-convert-python */\n"
    if not target.exists() or not target.read_text(encoding="utf-8").startswith(stamp):
        tmp = target.with_suffix(".tmp")
        body = vl_convert.javascript_bundle(vl_version="6.4")
        # Its top-level const/let names (e.g. `_`) would clash with the theme's globals.
        tmp.write_text(stamp + "(function(){\n" + body + "\n})();\n", encoding="utf-8")
        tmp.replace(target)


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


def _page_scripts(app, pagename, templatename, context, doctree):
    """Load the chart libraries only on pages that have charts."""
    if "cw-vis" in (context.get("body") or ""):
        app.add_js_file(BUNDLE, priority=200)


def setup(app):
    app.connect("builder-inited", _no_cdn_mathjax)
    app.connect("doctree-resolved", _doctree_resolved)
    app.connect("config-inited", _config_inited)
    app.connect("build-finished", _write_bundle)
    app.connect("html-page-context", _page_scripts)
    app.add_css_file("cwreport.css")
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
