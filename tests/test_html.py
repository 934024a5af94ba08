"""The built HTML in headless Chromium: charts render, nothing leaves the machine, no errors of ours."""
import re

import pytest

from cwreport import __version__
from conftest import PAGES, chapter_notebooks

EXTERNAL = re.compile(r'<(?:script|link|img|iframe|source)\b[^>]*?(?:src|href)="(?:https?:)?//', re.I)
MAX_PAGE_BYTES = 1_500_000  # a page with everything it loads (issue 14)


@pytest.fixture(scope="module")
def loaded(browsed):
    return browsed


@pytest.mark.parametrize("rel", PAGES)
def test_page_offline_and_error_free(loaded, rel):
    assert loaded[rel]["blocked"] == [], f"{rel} requested {loaded[rel]['blocked']}"
    assert loaded[rel]["errors"] == [], f"{rel} console errors: {loaded[rel]['errors']}"


@pytest.mark.parametrize("rel", [f"{p.parent.name}/{p.stem}.html" for p in chapter_notebooks()])
def test_every_chart_renders_svg(loaded, rel):
    charts = loaded[rel]["charts"]
    assert len(charts) >= 2 and all(charts), f"{rel}: charts rendered {charts}"


@pytest.mark.parametrize("rel", PAGES)
def test_page_weighs_at_most_1_5_mb_with_everything_it_loads(loaded, rel):
    res = loaded[rel]["resources"]
    total = sum(size for _, size in res)
    names = {url.split("?")[0].rsplit("/", 1)[-1] for url, _ in res}
    assert rel.rsplit("/", 1)[-1] in names and len(res) >= 10, f"{rel}: the page's loads were not all seen: {names}"
    biggest = sorted(((size, url.rsplit("/", 1)[-1]) for url, size in res), reverse=True)[:4]
    assert total <= MAX_PAGE_BYTES, f"{rel} weighs {total / 1e6:.2f} MB with what it loads; largest: {biggest}"
    if loaded[rel]["charts"]:  # chart pages load the chart library, and only it: no Vega-Lite, no vega-embed
        assert "cw-charts.js" in names and not names & {"vega-bundle.js", "vega-lite.min.js", "vega-embed.min.js"}
    else:
        assert "cw-charts.js" not in names, f"{rel} loads the chart library but has no chart"


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
