"""Print the single-page HTML build to PDF with Debian's Chromium (Playwright).

No browser download: Playwright drives /usr/bin/chromium (or $CHROMIUM). Every
request that would leave the machine is blocked and fails the print. The PDF gets
a title page, a contents list, one outline entry per chapter, page x of y, and
its metadata (title, author, subject, version).
"""
from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from . import AUTHOR, SUBTITLE, TITLE, __version__

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise SystemExit("error: Debian's chromium is needed (apt-get install chromium); scripts/build installs it")
    return path


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(folder: Path):
    """Serve ``folder`` on 127.0.0.1 (a free port) for the duration of the block."""
    handler = functools.partial(_Quiet, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


# The only fonts the PDF may use: Chromium is pointed at a fontconfig file that lists these files and nothing
# else, so what prints does not depend on whatever other fonts a machine happens to have (scripts/env.sh
# installs them: Debian's fonts-dejavu-core, fonts-dejavu-extra and fonts-noto-cjk).
PRINT_FONTS = {
    "DejaVu Sans": ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
                    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf",
                    "/usr/share/fonts/truetype/dejavu/DejaVuSans-BoldOblique.ttf"],
    "DejaVu Sans Condensed": ["/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf",
                              "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf"],
    "DejaVu Sans Mono": ["/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"],
    "Noto Sans CJK": ["/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                      "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"],
}
FONT_DEBS = ["fonts-dejavu-core", "fonts-dejavu-extra", "fonts-noto-cjk"]

FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>{dir}</dir>
  <cachedir>{dir}/cache</cachedir>
  <alias binding="strong"><family>sans-serif</family><prefer><family>DejaVu Sans</family><family>Noto Sans CJK KR</family></prefer></alias>
  <alias binding="strong"><family>serif</family><prefer><family>DejaVu Sans</family><family>Noto Sans CJK KR</family></prefer></alias>
  <alias binding="strong"><family>monospace</family><prefer><family>DejaVu Sans Mono</family><family>Noto Sans CJK KR</family></prefer></alias>
</fontconfig>
"""


def font_env() -> dict[str, str]:
    """A fontconfig setup that holds exactly PRINT_FONTS (as links in _build/fonts); the environment for Chromium."""
    from . import ROOT

    missing = [f for files in PRINT_FONTS.values() for f in files if not Path(f).exists()]
    if missing:
        raise SystemExit(f"error: the PDF's fonts are missing ({', '.join(missing)}): "
                         f"apt-get install {' '.join(FONT_DEBS)} (scripts/env.sh does this)")
    folder = ROOT / "_build" / "fonts"
    (folder / "files").mkdir(parents=True, exist_ok=True)
    for files in PRINT_FONTS.values():
        for f in files:
            link = folder / "files" / Path(f).name
            if not link.is_symlink():
                link.symlink_to(f)
    conf = folder / "fonts.conf"
    text = FONTS_CONF.format(dir=folder / "files")
    if not conf.exists() or conf.read_text() != text:
        conf.write_text(text)
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


def font_versions() -> dict[str, str]:
    """Debian package versions of the print fonts, for the release manifest."""
    import subprocess

    out = {}
    for deb in FONT_DEBS:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", deb], capture_output=True, text=True)
        out[deb] = r.stdout.strip() if r.returncode == 0 else "unknown"
    return out


_PLAYWRIGHT = None


def _playwright():
    """One Playwright driver per process, started on first use: several browsers may then be open at once (a test
    session keeps one open while another test prints with its own fonts)."""
    global _PLAYWRIGHT
    if _PLAYWRIGHT is None:
        import atexit

        from playwright.sync_api import sync_playwright

        _PLAYWRIGHT = sync_playwright().start()
        atexit.register(_PLAYWRIGHT.stop)
    return _PLAYWRIGHT


@contextmanager
def browser(print_fonts: bool = False):
    b = _playwright().chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS,
                                      env=font_env() if print_fonts else None)
    try:
        yield b
    finally:
        b.close()


def open_offline(b, url: str, **context_options):
    """A page that may only talk to 127.0.0.1; returns (page, blocked, console_errors). ``context_options`` go to
    ``new_context`` (a viewport, say)."""
    ctx = b.new_context(**context_options)
    page = ctx.new_page()
    blocked: list[str] = []
    errors: list[str] = []

    def route(r):
        host = urlparse(r.request.url).hostname
        if r.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="load")
    return page, blocked, errors


WAIT_CHARTS = """() => Array.from(document.querySelectorAll('.cw-vis')).every(
    el => (el.querySelector('svg, canvas') && el.hasAttribute('data-drawn')) || el.hasAttribute('data-error'))"""

# What a page loaded: [url, bytes as decoded] for the page itself and every resource it asked for.
PAGE_RESOURCES = """() => performance.getEntriesByType('navigation').concat(
    performance.getEntriesByType('resource')).map(e => [e.name, e.decodedBodySize])"""

PREPARE_PRINT = r"""(meta) => {
  // In the single-page build each chapter is the <section> after a <span id="document-...">.
  const art = document.querySelector('article.bd-article') || document.body;
  const root = art.querySelector('section');
  const chapters = [root].concat(Array.from(art.querySelectorAll('span[id^="document-"]'))
      .map(s => s.nextElementSibling).filter(e => e && e.tagName === 'SECTION'));
  const toc = document.createElement('nav');
  toc.className = 'cw-print-toc';
  toc.innerHTML = '<h2>Contents</h2>';
  const ol = document.createElement('ol');
  const titles = chapters.map((sec, i) => {
    const h = sec.querySelector('h1, h2');
    const title = h.textContent.replace(/#$/, '').trim();
    if (i > 0) sec.style.breakBefore = 'page';
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = '#' + sec.id; a.textContent = title;
    li.appendChild(a); ol.appendChild(li);
    return title;
  });
  toc.appendChild(ol);
  toc.style.breakAfter = 'page';
  // Running header and footer in the print CSS (@page margin boxes): each chapter is a named page
  // that carries its title at the top; every page says "page x of y" at the bottom.
  const q = t => JSON.stringify(t);  // a CSS string: quotes and backslashes escaped
  const box = 'font-family: "DejaVu Sans", "Noto Sans CJK KR", sans-serif; font-size: 8px; color: #555;';
  let css = '@page { @bottom-left { content: ' + q(meta.footer) + '; ' + box + ' } ' +
            '@bottom-right { content: "page " counter(page) " of " counter(pages); ' + box + ' } }\n';
  chapters.forEach((sec, i) => {
    if (i === 0) return;
    sec.style.page = 'cwch' + i;
    css += '@page cwch' + i + ' { @top-left { content: ' + q(titles[i]) + '; ' + box +
           ' vertical-align: bottom; padding-bottom: 2px; border-bottom: 0.5px solid #bbb; width: 100%; } }\n';
  });
  const style = document.createElement('style');
  style.textContent = css;
  document.head.appendChild(style);
  // Title page first, then the contents; the book's own toctree list is not printed
  // (in the single-page build the chapters themselves live inside its wrapper).
  const tp = art.querySelector('.cw-titlepage');
  root.querySelector('h1').before(tp);
  tp.after(toc);
  art.querySelectorAll('.toctree-wrapper > p.caption, .toctree-wrapper > ul').forEach(e => e.remove());
  // Links: a place in the book becomes a link inside this document; a download (attached to the PDF)
  // becomes plain text naming the attachment; the web stays an absolute URL. Nothing may point at the
  // temporary print server.
  const ids = new Set(Array.from(document.querySelectorAll('[id]')).map(e => e.id));
  const unlink = (a, note) => {
    const s = document.createElement('span');
    s.className = 'cw-unlinked';
    while (a.firstChild) s.appendChild(a.firstChild);
    if (note) { const n = document.createElement('span'); n.className = 'cw-attached'; n.textContent = note; s.appendChild(n); }
    a.replaceWith(s);
  };
  Array.from(document.querySelectorAll('a[href]')).forEach(a => {
    const raw = a.getAttribute('href');
    if (/^(https?:|mailto:)/i.test(raw)) return;
    if (raw.startsWith('#')) {
      if (!ids.has(decodeURIComponent(raw.slice(1)))) unlink(a);
      return;
    }
    const u = new URL(raw, location.href);
    const frag = decodeURIComponent(u.hash.slice(1));
    const dl = u.pathname.match(/\/downloads\/(?:data\/)?([^/]+)$/);
    if (dl) { unlink(a, dl[1].endsWith('.pdf') ? ' (this document)' : ' (attached to this PDF: ' + dl[1] + ')'); return; }
    if (frag && ids.has(frag)) { a.setAttribute('href', '#' + frag); return; }
    const m = u.pathname.match(/\/((?:book\/)?[^/]+)\.html$/);
    const doc = m ? 'document-' + (m[1].startsWith('book/') || m[1] === 'CHANGELOG' ? m[1] : 'book/' + m[1]) : null;
    if (doc && ids.has(doc)) { a.setAttribute('href', '#' + doc); return; }
    unlink(a);
  });
  // Print tables: break only between words. Short tokens that hold a break opportunity (ids, dates,
  // hyphenated words) are kept whole; long ones (URLs) may break anywhere.
  const walker = document.createTreeWalker(art, NodeFilter.SHOW_TEXT, {acceptNode: n =>
      n.parentElement.closest('td, th') && n.nodeValue.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT});
  const texts = []; while (walker.nextNode()) texts.push(walker.currentNode);
  texts.forEach(t => {
    const parts = t.nodeValue.split(/(\s+)/);
    if (!parts.some(p => (p.length <= 12 && /[-\u2010-\u2014\/.:,]/.test(p) && p.length > 1) || p.length > 24)) return;
    const frag = document.createDocumentFragment();
    parts.forEach(p => {
      if (p.length > 24) { const s = document.createElement('span'); s.className = 'cw-brk'; s.textContent = p; frag.appendChild(s); }
      else if (p.length > 1 && p.length <= 12 && /[-\u2010-\u2014\/.:,]/.test(p)) {
        const s = document.createElement('span'); s.className = 'cw-nb'; s.textContent = p; frag.appendChild(s); }
      else frag.appendChild(document.createTextNode(p));
    });
    t.replaceWith(frag);
  });
  return titles;
}"""

FIT_TABLES = """(width) => {
  // A table wider than the text column gets a smaller font, step by step, rather than broken words.
  const art = document.querySelector('article.bd-article') || document.body;
  const right = art.getBoundingClientRect().right + 1;
  let shrunk = 0;
  art.querySelectorAll('table').forEach(t => {
    let size = parseFloat(getComputedStyle(t).fontSize), steps = 0;
    while (t.getBoundingClientRect().right > right && steps < 6) {
      size *= 0.9; t.style.fontSize = size + 'px'; steps++;
    }
    if (steps) shrunk++;
  });
  return shrunk;
}"""

PRINT_WIDTH_PX = 688  # A4 (210 mm) less 2 x 14 mm margins, at 96 px per inch

OVERFLOW = """() => {
  const art = document.querySelector('article.bd-article') || document.body;
  const right = art.getBoundingClientRect().right + 1;
  const out = [];
  art.querySelectorAll('table, .cw-figure svg').forEach(el => {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > right) {
      const sec = el.closest('section[id]');
      const head = el.closest('.cell') ? (el.closest('.cell').querySelector('.cw-vis, table') ? '' : '') : '';
      out.push((el.tagName.toLowerCase()) + ' in #' + (sec ? sec.id : '?') + ' (' + Math.round(r.right - right) + ' px too wide)');
    }
  });
  return out;
}"""

def find_index(folder: Path) -> Path:
    for cand in (folder / "book" / "index.html", folder / "index.html"):
        if cand.exists():
            return cand
    raise SystemExit(f"error: no index.html in {folder}")


def make_pdf(singlehtml: Path, out: Path) -> list[str]:
    """Print ``singlehtml`` to ``out``; returns the chapter titles found."""
    index = find_index(singlehtml)
    if index.parent != singlehtml:
        # jupyter-book's singlehtml with the root document in book/ links _static relative to book/:
        # a fresh copy every time (a stale one printed with an old stylesheet).
        shutil.rmtree(index.parent / "_static", ignore_errors=True)
        shutil.copytree(singlehtml / "_static", index.parent / "_static")
    import time

    t0 = time.time()

    def lap(what):
        print(f"== PDF: {what} ({time.time() - t0:.1f} s)", flush=True)

    with serve(singlehtml) as base, browser(print_fonts=True) as b:
        page, blocked, errors = open_offline(b, f"{base}/{index.relative_to(singlehtml).as_posix()}")
        page.wait_for_function(WAIT_CHARTS, timeout=60_000)
        failed = page.eval_on_selector_all(".cw-vis[data-error]", "els => els.map(e => e.id + ': ' + e.dataset.error)")
        if failed or blocked:
            raise SystemExit(f"error: charts failed {failed} or requests left the machine {blocked}")
        chapters = page.evaluate(PREPARE_PRINT, {"footer": f"{TITLE} \u00b7 version {__version__}"})
        headings = page.eval_on_selector_all(
            "article h1, article h2, article h3, nav.cw-print-toc h2",
            "els => els.map(e => e.textContent.replace(/#$/, '').trim())")
        page.emulate_media(media="print")
        page.set_viewport_size({"width": PRINT_WIDTH_PX, "height": 1000})
        page.evaluate(FIT_TABLES, PRINT_WIDTH_PX)
        lap("page prepared")
        cut = page.evaluate(OVERFLOW)
        if cut:
            raise SystemExit("error: these tables or figures would be cut at the page edge in the PDF: " + "; ".join(cut))
        tmp = out.with_suffix(".raw.pdf")
        opts = dict(format="A4", print_background=True, outline=True, tagged=True,
                    display_header_footer=False,
                    margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"})
        page.pdf(path=str(tmp), **opts)
        lap("first print pass")
        # Second pass: the contents list gets page numbers from where the chapters landed.
        starts = chapter_pages(tmp, chapters)
        page.evaluate(TOC_NUMBERS, [starts.get(_squash(t), 0) + 1 for t in chapters])
        page.pdf(path=str(tmp), **opts)
        lap("second print pass")
        starts2 = chapter_pages(tmp, chapters)
        if starts2 != starts:
            raise SystemExit("error: adding page numbers to the contents moved the chapters; the PDF is inconsistent")
        chromium_version = b.version
    bad = missing_glyphs(tmp, chapters, starts)
    if bad:
        raise SystemExit("error: the PDF has characters its fonts cannot draw (U+0000/U+FFFD): " + "; ".join(bad))
    lap("glyphs checked")
    _metadata(tmp, out, headings)
    lap("headers, outline, metadata")
    tmp.unlink()
    env = {"chromium": chromium_version, "fonts": {k: [Path(f).name for f in v] for k, v in PRINT_FONTS.items()},
           "font_packages": font_versions()}
    out.with_name("print-environment.json").write_text(json.dumps(env, indent=1, sort_keys=True) + "\n")
    return chapters


def missing_glyphs(pdf: Path, chapters: list[str], starts: dict[str, int]) -> list[str]:
    """'page N (chapter)' for each page whose text holds U+0000 or U+FFFD: a glyph no print font has."""
    import subprocess

    bounds = sorted((starts[_squash(t)], t) for t in chapters if _squash(t) in starts)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True).stdout
    out = []
    for i, page in enumerate(text.decode("utf-8").split("\f")):
        if "\x00" in page or "\ufffd" in page:
            section = next((t for first, t in reversed(bounds) if first <= i), "front matter")
            sample = next((line for line in page.splitlines() if "\x00" in line or "\ufffd" in line), "")
            out.append(f"page {i + 1} ({section}): {sample.strip()[:80]!r}")
    return out


def split_tokens(pdf: Path, tokens: set[str], max_height: float = 9.5) -> list[str]:
    """Table tokens (from ``tokens``) that the PDF prints split across two lines, as 'page N: a / b'.
    Reads word positions with ``pdftotext -bbox-layout``: the last word of a line of table text (printed
    smaller than the prose) joined to the first word of the line just below it, at the same left edge,
    must not form a token."""
    import re
    import subprocess
    import xml.etree.ElementTree as ET

    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, check=True).stdout
    xml = re.sub(rb"<!DOCTYPE[^>]*>", b"", xml).replace(b' xmlns="http://www.w3.org/1999/xhtml"', b"")
    root = ET.fromstring(xml)
    found = []
    for n, page in enumerate(root.iter("page"), start=1):
        # pdftotext puts each printed line of a table cell in a block of its own; a cell's next line
        # starts at the same left edge, just below.
        lines = []
        for line in page.iter("line"):
            words = [w.text or "" for w in line.iter("word")]
            if words and float(line.get("yMax")) - float(line.get("yMin")) <= max_height:  # table text is small
                lines.append((float(line.get("xMin")), float(line.get("yMin")), float(line.get("yMax")), words))
        by_x: dict[int, list] = {}
        for ln in lines:
            by_x.setdefault(round(ln[0]), []).append(ln)
        def below(ln):
            height = ln[2] - ln[1]
            near = [m for key in (round(ln[0]) - 1, round(ln[0]), round(ln[0]) + 1) for m in by_x.get(key, [])
                    if abs(m[0] - ln[0]) < 1.0 and 0.5 * height < m[1] - ln[1] < 1.9 * height]
            return min(near, key=lambda m: m[1]) if near else None

        for ln in lines:
            a = ln[3][-1]
            if a in tokens:
                continue
            chain, parts, cur = a, [a], ln
            for _ in range(4):  # a token broken over up to five lines
                cur = below(cur)
                if cur is None:
                    break
                b = cur[3][0]
                if a.isdigit() and b.isdigit():  # two number cells, one above the other
                    break
                chain += b
                parts.append(b)
                if chain in tokens:
                    found.append(f"page {n}: {' / '.join(parts)}")
                    break
                if len(cur[3]) > 1 or len(chain) > 12:
                    break
    return found


def table_tokens(html_files) -> set[str]:
    """Whitespace-separated tokens of at most 12 characters in the tables of the built HTML pages."""
    from bs4 import BeautifulSoup

    out: set[str] = set()
    for f in html_files:
        soup = BeautifulSoup(Path(f).read_text(encoding="utf-8"), "html.parser")
        for cell in soup.select("table td, table th"):
            for tok in cell.get_text(" ").split():
                tok = tok.strip("()[]\u201c\u201d\"'\u2018\u2019;,")
                if 1 < len(tok) <= 12:
                    out.add(tok)
    return out


TOC_NUMBERS = """(numbers) => {
  document.querySelectorAll('nav.cw-print-toc li').forEach((li, i) => {
    const span = document.createElement('span');
    span.className = 'cw-toc-page';
    span.textContent = numbers[i] ? String(numbers[i]) : '';
    span.style.marginLeft = '1em';
    li.style.display = 'flex';
    li.style.justifyContent = 'space-between';
    li.appendChild(span);
  });
}"""


def chapter_pages(pdf: Path, chapters: list[str]) -> dict[str, int]:
    """0-based page index where each chapter starts, from the PDF outline."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    wanted = {_squash(t) for t in chapters}
    found: dict[str, int] = {}

    def walk(items):
        for it in items:
            if isinstance(it, list):
                walk(it)
                continue
            key = _squash(it.title)
            for k in (key, key[: len(key) // 2]):
                if k in wanted and k not in found:
                    found[k] = reader.get_destination_page_number(it)
    walk(reader.outline)
    return found


def _squash(text: str) -> str:
    return "".join(text.split())


def _fixed_title(title: str, by_key: dict[str, str]) -> str | None:
    """Chromium's outline drops the space at a heading's line break and repeats a heading split across
    pages; the title as the page's own heading has it."""
    key = _squash(title)
    fixed = by_key.get(key)
    if fixed is None and len(key) % 2 == 0 and key[: len(key) // 2] == key[len(key) // 2:]:
        fixed = by_key.get(key[: len(key) // 2])
    return fixed


def attachments() -> list[tuple[str, bytes]]:
    """What the PDF carries: the claim ledger (CSV and JSON) and the data package (descriptor and every CSV),
    byte for byte as in data/ (the JSON ledger as in the site's downloads)."""
    from . import DATA
    from .build import ledger_json

    files = [(p.name, p.read_bytes()) for p in sorted(DATA.iterdir()) if p.is_file()]
    return files + [("claims.json", ledger_json().encode("utf-8"))]


def _metadata(src: Path, dst: Path, headings: list[str] = ()) -> None:
    """Outline titles repaired, the data attached, metadata set (pikepdf: qpdf does this in about a
    second, where pypdf needed over 20 s to clone the tagged 170-page document)."""
    import pikepdf

    by_key = {_squash(h): h for h in headings}
    with pikepdf.open(src) as pdf:
        with pdf.open_outline() as outline:
            stack = list(outline.root)
            while stack:
                item = stack.pop()
                fixed = _fixed_title(item.title or "", by_key)
                if fixed:
                    item.title = fixed
                stack.extend(item.children)
        for name, data in attachments():
            mime = "text/csv" if name.endswith(".csv") else "application/json"
            pdf.attachments[name] = pikepdf.AttachedFileSpec(pdf, data, description=ATTACHED.get(name, ""),
                                                             mime_type=mime)
        info = {"/Title": f"{TITLE} (version {__version__})", "/Author": AUTHOR, "/Subject": SUBTITLE,
                "/Keywords": f"fact-check; version {__version__}", "/Version": __version__,
                "/Creator": "cwreport (jupyter-book, Chromium)"}
        for k, v in info.items():
            pdf.docinfo[k] = v
        pdf.save(dst, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)


ATTACHED = {"claims.csv": "The claim ledger (every rated statement), CSV",
            "claims.json": "The claim ledger as JSON, with the edition's version",
            "datapackage.json": "The Frictionless data package descriptor: schemas, units, sources, licence",
            "sources.csv": "The source register"}
