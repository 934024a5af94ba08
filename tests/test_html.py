"""The built HTML in headless Chromium: charts render, nothing leaves the machine, no errors of ours."""
import re

import pytest

from cwreport import __version__
from cwreport.pdf import WAIT_CHARTS, browser, open_offline, serve

from conftest import HTML, chapter_notebooks, toc_files

PAGES = [f"{f}.html" for f in toc_files()]
# Third-party noise from the theme, not from our code (see ../shared/notes/stack-facts.md).
KNOWN = ("THEBE_JS_URL", "Got invalid theme mode")
EXTERNAL = re.compile(r'<(?:script|link|img|iframe|source)\b[^>]*?(?:src|href)="(?:https?:)?//', re.I)


@pytest.fixture(scope="module")
def loaded(html_dir):
    out = {}
    with serve(html_dir) as base, browser() as b:
        for rel in PAGES:
            page, blocked, errors = open_offline(b, f"{base}/{rel}")
            page.wait_for_function(WAIT_CHARTS, timeout=30_000)
            out[rel] = {
                "blocked": blocked,
                "errors": [e for e in errors if not any(k in e for k in KNOWN)],
                "charts": page.eval_on_selector_all(".cw-vis", "els => els.map(e => !!e.querySelector('svg') && !e.dataset.error)"),
                "text": page.inner_text("body"),
            }
            page.context.close()
    return out


@pytest.mark.parametrize("rel", PAGES)
def test_page_offline_and_error_free(loaded, rel):
    assert loaded[rel]["blocked"] == [], f"{rel} requested {loaded[rel]['blocked']}"
    assert loaded[rel]["errors"] == [], f"{rel} console errors: {loaded[rel]['errors']}"


@pytest.mark.parametrize("rel", [f"{p.parent.name}/{p.stem}.html" for p in chapter_notebooks()])
def test_every_chart_renders_svg(loaded, rel):
    charts = loaded[rel]["charts"]
    assert len(charts) >= 2 and all(charts), f"{rel}: charts rendered {charts}"


def test_footer_carries_version(loaded):
    for rel in PAGES:
        assert f"version {__version__}" in loaded[rel]["text"], rel


def test_glued_numbers_reach_the_page(loaded):
    text = loaded["book/sk1_night.html"]["text"]
    assert "190 members present voted yes" in text
    assert re.search(r"broke into the main building at 00:34 — 27 minutes before the vote", text)


def test_no_external_references_in_any_page(html_dir):
    for page in html_dir.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not EXTERNAL.search(html), f"{page.relative_to(html_dir)} loads from another host"
        assert "cdn.jsdelivr" not in html and "mathjax" not in html.lower()


def test_claimreview_jsonld_one_per_claim(html_dir):
    import json

    from cwreport import ledger

    claims = ledger.claims()
    for nb in chapter_notebooks():
        page = (html_dir / "book" / f"{nb.stem}.html").read_text(encoding="utf-8")
        blocks = [json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)]
        chapter = nb.stem.split("_")[0]
        expected = claims[claims["chapter"] == chapter]
        assert len(blocks) == len(expected), f"{nb.stem}: {len(blocks)} ClaimReview objects for {len(expected)} claims"
        for b, (_, row) in zip(blocks, expected.iterrows()):
            assert b["@type"] == "ClaimReview" and b["itemReviewed"]["@type"] == "Claim"
            assert b["claimReviewed"] == row["quote"] and b["reviewRating"]["alternateName"] == row["verdict"]
            assert b["url"] == f"book/{nb.stem}.html#claim-{row['id']}" and b["datePublished"]
            assert f'id="claim-{row["id"]}"' in page, "the ClaimReview url must point at an anchor on the page"


def test_download_links_resolve(html_dir):
    pages = [html_dir / "book" / "index.html"] + [html_dir / "book" / f"{nb.stem}.html" for nb in chapter_notebooks()]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        links = re.findall(r'href="(\.\./(?:downloads|_sources)/[^"]+)"', html)
        assert links, f"{page.name} offers no downloads"
        for href in links:
            assert (page.parent / href).resolve().is_file(), f"{page.name}: {href} does not exist"
    import json
    data = json.loads((html_dir / "downloads" / "claims.json").read_text(encoding="utf-8"))
    from cwreport import __version__, ledger
    assert data["version"] == __version__ and len(data["claims"]) == len(ledger.claims())
