"""Print the single-page HTML build to PDF with Debian's Chromium (Playwright).

No browser download: Playwright drives /usr/bin/chromium (or $CHROMIUM). Every
request that would leave the machine is blocked and fails the print. The PDF gets
a title page, a contents list, one outline entry per chapter, page x of y, and
its metadata (title, author, subject, version).
"""
from __future__ import annotations

import functools
import http.server
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


@contextmanager
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def open_offline(b, url: str):
    """A page that may only talk to 127.0.0.1; returns (page, blocked, console_errors)."""
    ctx = b.new_context()
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
    el => el.querySelector('svg, canvas') || el.hasAttribute('data-error'))"""

PREPARE_PRINT = """(meta) => {
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
  // Title page first, then the contents; the book's own toctree list is not printed
  // (in the single-page build the chapters themselves live inside its wrapper).
  const tp = art.querySelector('.cw-titlepage');
  root.querySelector('h1').before(tp);
  tp.after(toc);
  art.querySelectorAll('.toctree-wrapper > p.caption, .toctree-wrapper > ul').forEach(e => e.remove());
  return titles;
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

FOOTER = ('<div style="font-size:8px;width:100%;padding:0 14mm;color:#555;display:flex;justify-content:space-between">'
          f'<span>{TITLE} \u00b7 version {__version__}</span>'
          '<span>page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>')


def find_index(folder: Path) -> Path:
    for cand in (folder / "book" / "index.html", folder / "index.html"):
        if cand.exists():
            return cand
    raise SystemExit(f"error: no index.html in {folder}")


def make_pdf(singlehtml: Path, out: Path) -> list[str]:
    """Print ``singlehtml`` to ``out``; returns the chapter titles found."""
    index = find_index(singlehtml)
    if index.parent != singlehtml and not (index.parent / "_static").exists():
        # jupyter-book's singlehtml with the root document in book/ links _static relative to book/.
        shutil.copytree(singlehtml / "_static", index.parent / "_static")
    with serve(singlehtml) as base, browser() as b:
        page, blocked, errors = open_offline(b, f"{base}/{index.relative_to(singlehtml).as_posix()}")
        page.wait_for_function(WAIT_CHARTS, timeout=60_000)
        failed = page.eval_on_selector_all(".cw-vis[data-error]", "els => els.map(e => e.id + ': ' + e.dataset.error)")
        if failed or blocked:
            raise SystemExit(f"error: charts failed {failed} or requests left the machine {blocked}")
        chapters = page.evaluate(PREPARE_PRINT, {})
        headings = page.eval_on_selector_all(
            "article h1, article h2, article h3, nav.cw-print-toc h2",
            "els => els.map(e => e.textContent.replace(/#$/, '').trim())")
        page.emulate_media(media="print")
        page.set_viewport_size({"width": PRINT_WIDTH_PX, "height": 1000})
        cut = page.evaluate(OVERFLOW)
        if cut:
            raise SystemExit("error: these tables or figures would be cut at the page edge in the PDF: " + "; ".join(cut))
        tmp = out.with_suffix(".raw.pdf")
        opts = dict(format="A4", print_background=True, outline=True, tagged=True,
                    display_header_footer=True, header_template="<span></span>", footer_template=FOOTER,
                    margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"})
        page.pdf(path=str(tmp), **opts)
        # Second pass: the contents list gets page numbers from where the chapters landed.
        starts = chapter_pages(tmp, chapters)
        page.evaluate(TOC_NUMBERS, [starts.get(_squash(t), 0) + 1 for t in chapters])
        page.pdf(path=str(tmp), **opts)
        starts2 = chapter_pages(tmp, chapters)
        if starts2 != starts:
            raise SystemExit("error: adding page numbers to the contents moved the chapters; the PDF is inconsistent")
        headers = {t: header_page(b, t) for t in chapters[1:]}
    _metadata(tmp, out, headings, running=(chapters, starts, headers))
    tmp.unlink()
    return chapters


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


def header_page(b, title: str) -> bytes:
    """A transparent A4 page carrying only a running header, to lay over a chapter's pages."""
    import html as _html

    pg = b.new_page()
    pg.set_content('<html><body style="margin:0"><div style="position:absolute;top:7mm;left:14mm;right:14mm;'
                   'font:8px DejaVu Sans, sans-serif;color:#555;border-bottom:0.5px solid #bbb;padding-bottom:2px">'
                   f'{_html.escape(title)}</div></body></html>')
    data = pg.pdf(format="A4", print_background=False, margin={"top": "0", "bottom": "0", "left": "0", "right": "0"})
    pg.close()
    return data


def _squash(text: str) -> str:
    return "".join(text.split())


def _fix_outline(writer, headings: list[str]) -> None:
    """Chromium's outline drops the space at a heading's line break and repeats a
    heading split across pages; restore each title from the page's own headings."""
    from pypdf.generic import NameObject, TextStringObject

    by_key = {_squash(h): h for h in headings}
    root = writer._root_object.get("/Outlines")
    stack = [root.get_object()["/First"]] if root is not None and "/First" in root.get_object() else []
    while stack:
        item = stack.pop().get_object()
        title = str(item.get("/Title", ""))
        key = _squash(title)
        fixed = by_key.get(key)
        if fixed is None and len(key) % 2 == 0 and key[: len(key) // 2] == key[len(key) // 2:]:
            fixed = by_key.get(key[: len(key) // 2])
        if fixed:
            item[NameObject("/Title")] = TextStringObject(fixed)
        if "/Next" in item:
            stack.append(item["/Next"])
        if "/First" in item:
            stack.append(item["/First"])


def _metadata(src: Path, dst: Path, headings: list[str] = (), running=None) -> None:
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(str(src)))
    _fix_outline(writer, list(headings))
    if running:  # running header: the chapter's title on every page after its first
        chapters, starts, headers = running
        bounds = sorted((starts[_squash(t)], t) for t in chapters[1:] if _squash(t) in starts)
        for i, (first, title) in enumerate(bounds):
            last = bounds[i + 1][0] if i + 1 < len(bounds) else len(writer.pages)
            overlay = PdfReader(io.BytesIO(headers[title])).pages[0]
            for n in range(first + 1, last):
                writer.pages[n].merge_page(overlay)
                writer.pages[n].compress_content_streams()  # merging leaves the page stream uncompressed
        writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)  # one copy of the header font
    writer.add_metadata({"/Title": f"{TITLE} (version {__version__})", "/Author": AUTHOR,
                         "/Subject": SUBTITLE, "/Keywords": f"fact-check; version {__version__}",
                         "/Version": __version__, "/Creator": "cwreport (jupyter-book, Chromium)"})
    with open(dst, "wb") as fh:
        writer.write(fh)
