"""Shared fixtures. Tests over the built book need `scripts/build` (scripts/test runs it first);
if the build is missing they fail, they are never skipped.

With pytest-xdist (scripts/test runs two workers) the tests are shared out by file, as with ``--dist loadfile``,
except that the files which share a fixture run on one worker (``GROUPS``), and the build-and-release tests, the
longest piece of work, start first and have a worker to themselves (``FIRST``)."""
import time

import pytest
import yaml

from cwreport import ROOT, __version__
from cwreport.ledger import chapter_notebooks, chapter_titles  # noqa: F401  (defined once, in the package)

HTML = ROOT / "_build" / "html"
PDF_DIR = ROOT / "_build" / "pdf"

# Files whose tests share a session fixture: one worker each group.
GROUPS = {"tests/test_html.py": "browser", "tests/test_reading.py": "browser",
          "tests/test_pdf.py": "pdf", "tests/test_pdf_print.py": "pdf"}
# Work units in the order they are handed out (the rest follow in collection order).
FIRST = ["tests/test_reliability.py", "browser", "pdf"]


def work_unit(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    return GROUPS.get(path, path)


def pytest_collection_modifyitems(config, items):
    rank = {u: i for i, u in enumerate(FIRST)}
    items.sort(key=lambda it: rank.get(work_unit(it.nodeid), len(FIRST)))  # stable: the rest keep their order


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return work_unit(nodeid)

    config.option.loadscopereorder = False  # keep FIRST first
    return Scheduling(config, log)


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [toc["root"]] + [c["file"] for c in toc.get("chapters", [])]


PAGES = [f"{f}.html" for f in toc_files()]


@pytest.fixture(scope="session")
def html_dir():
    assert (HTML / "index.html").exists(), "no built HTML in _build/html: run scripts/build first"
    return HTML


@pytest.fixture(scope="session")
def pdf_path():
    pdfs = sorted(PDF_DIR.glob("*.pdf"))
    assert pdfs, "no PDF in _build/pdf: run scripts/build first"
    assert len(pdfs) == 1, f"expected exactly one PDF, found {pdfs}"
    assert __version__ in pdfs[0].name, "the PDF's file name must carry the version"
    return pdfs[0]


@pytest.fixture(scope="session")
def pdf_reader(pdf_path):
    """The PDF parsed once (pypdf) for the PDF tests."""
    from pypdf import PdfReader

    return PdfReader(str(pdf_path))


@pytest.fixture(scope="session")
def pdf_page_texts(pdf_path):
    """The text of every page, by poppler's pdftotext (one call; pypdf takes some 20 s for the whole PDF)."""
    import subprocess

    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf_path), "-"], capture_output=True, check=True).stdout
    return out.decode("utf-8").split("\f")


@pytest.fixture(scope="session")
def chromium():
    from cwreport.pdf import browser

    with browser() as b:
        yield b


AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}
MEASURE = """() => ({
    doc: document.documentElement.scrollWidth, vw: window.innerWidth,
    col: (document.querySelector('article.bd-article') || document.body).getBoundingClientRect().width,
    charts: Array.from(document.querySelectorAll('.cw-vis svg')).map(s => s.getBoundingClientRect().width),
    fluid: Array.from(document.querySelectorAll('.cw-vis[data-width="container"] svg')).map(s => s.getBoundingClientRect().width),
    // the width a fluid chart was laid out at (its viewBox), and the charts that draw outside their own box (cut off)
    layout: Array.from(document.querySelectorAll('.cw-vis[data-width="container"] svg')).map(s =>
        (s.viewBox.baseVal && s.viewBox.baseVal.width) || +s.getAttribute('width')),
    cut: Array.from(document.querySelectorAll('.cw-vis svg')).filter(s => {
        const vb = s.viewBox.baseVal, has = vb && vb.width > 0, bb = s.getBBox();
        const x0 = has ? vb.x : 0, y0 = has ? vb.y : 0;
        const w = has ? vb.width : +s.getAttribute('width'), h = has ? vb.height : +s.getAttribute('height');
        return bb.x < x0 - 1 || bb.y < y0 - 1 || bb.x + bb.width > x0 + w + 1 || bb.y + bb.height > y0 + h + 1;
    }).map(s => s.closest('figure').id)})"""
KNOWN = ("THEBE_JS_URL", "Got invalid theme mode")  # third-party noise from the theme (../shared/notes/stack-facts.md)


@pytest.fixture(scope="session")
def browsed(html_dir, chromium):
    """Every page of the book opened once, served from 127.0.0.1 with every other host blocked, at 1400 px:
    what it requested and weighed, its console errors, its charts, its text, axe-core's WCAG 2 A/AA violations and
    its widths; then at 390 px, its widths again. (test_html and test_reading read this; they run on one worker.)"""
    from axe_playwright_python.sync_playwright import Axe

    from cwreport.pdf import PAGE_RESOURCES, WAIT_CHARTS, open_offline, serve

    axe = Axe()
    out = {}
    with serve(html_dir) as base:
        for rel in PAGES:
            t0 = time.perf_counter()
            page, blocked, errors = open_offline(chromium, f"{base}/{rel}", viewport={"width": 1400, "height": 900})
            page.wait_for_function(WAIT_CHARTS, timeout=30_000)
            drawn = time.perf_counter() - t0
            page.evaluate("document.fonts.ready.then(() => true)")
            weight = page.evaluate(PAGE_RESOURCES)
            r = {  # requests and console errors as the page loaded, before axe-core adds its own
                "blocked": list(blocked),
                "errors": [e for e in errors if not any(k in e for k in KNOWN)],
                "charts": page.eval_on_selector_all(".cw-vis", "els => els.map(e => !!e.querySelector('svg') && !e.dataset.error)"),
                "text": page.inner_text("body"),
                "resources": weight,
                "drawn_s": drawn,
                "widths": {1400: page.evaluate(MEASURE)},
            }
            # (axe-core re-reads the stylesheets, and asks for @import-ed ones from the wrong folder: a 404 of its own)
            res = axe.run(page, options=AXE_OPTIONS)
            r["axe"] = [(v["id"], len(v["nodes"]), v["nodes"][0]["target"]) for v in res.response["violations"]]
            page.set_viewport_size({"width": 390, "height": 900})
            page.wait_for_timeout(100)  # the resize event, then charts re-lay out to the narrower column
            page.wait_for_function(WAIT_CHARTS, timeout=30_000)
            r["widths"][390] = page.evaluate(MEASURE)
            page.context.close()
            out[rel] = r
    return out
