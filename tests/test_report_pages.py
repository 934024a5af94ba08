"""The annotated article, coverage, scorecard, method and sources pages."""
import re

from cwreport import annotate, ledger
from cwreport.data import sources


def test_every_claim_is_located_in_the_article():
    paras = annotate.annotate()
    located = {r.id for p in paras for m in p.marks for r in m[2]}
    assert located == set(ledger.claims()["id"]), set(ledger.claims()["id"]) - located


def test_every_section_has_a_ledger_row_or_a_stated_reason():
    cov = annotate.coverage()
    empty = set(cov.index[cov["claims"] == 0])
    assert empty == set(annotate.NOTHING_TO_CHECK), f"sections without any ledger row: {empty}"
    assert (cov["covered"] <= cov["sentences"]).all()


def test_annotated_page_links_resolve(html_dir):
    page = html_dir / "book" / "article.html"
    text = page.read_text(encoding="utf-8")
    links = re.findall(r'href="\.\./(book/[\w]+\.html)#(claim-[\w-]+)"', text)
    ids = {a for _, a in links}
    assert ids == {f"claim-{i}" for i in ledger.claims()["id"]}
    pages = {}
    for target, anchor in links:
        pages.setdefault(target, (html_dir / target).read_text(encoding="utf-8"))
        assert f'id="{anchor}"' in pages[target], f"{target}#{anchor} does not exist"
    assert "cw-v-inaccurate" in text and "\u2718" in text, "verdicts must show by colour and by mark"


def test_coverage_figure_on_the_page(html_dir):
    cov = annotate.coverage()
    overall = round(cov["covered"].sum() / cov["sentences"].sum() * 100)
    text = (html_dir / "book" / "article.html").read_text(encoding="utf-8")
    assert re.search(rf"\b{overall}</span>%", text) or f"{overall}%" in re.sub(r"<[^>]+>", "", text)


def test_sources_page_lists_each_source_once(html_dir):
    text = (html_dir / "book" / "sources.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr id="src-([^"]+)"', text)
    assert len(rows) == len(set(rows)) == len(sources())
    urls = sources()["url"]
    assert urls.is_unique


def test_scorecard_numbers_come_from_the_ledger(html_dir):
    text = re.sub(r"<[^>]+>", "", (html_dir / "book" / "scorecard.html").read_text(encoding="utf-8"))
    c = ledger.claims()
    assert f"how the article\u2019s {len(c)} checkable statements" in text or f"how the article's {len(c)} checkable statements" in text
    contradicted = int((c["later"] == "contradicted").sum())
    assert f"contradicted {contradicted}" in text
