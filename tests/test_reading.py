"""Reading the HTML book in headless Chromium (issue 13): reader tables, code one click away, a claim explorer
that works from file://, charts that fit every screen, and no axe-core (WCAG 2 A/AA) violation on any page."""
import re

import pytest

from cwreport.pdf import WAIT_CHARTS

from conftest import HTML, PAGES


def _open(b, rel, width, dark=False):
    ctx = b.new_context(viewport={"width": width, "height": 900}, color_scheme="dark" if dark else "light")
    page = ctx.new_page()
    page.goto((HTML / rel).as_uri(), wait_until="load")
    page.wait_for_function(WAIT_CHARTS, timeout=30_000)
    if dark:
        page.evaluate("document.documentElement.dataset.theme = 'dark'; document.documentElement.dataset.mode = 'dark'")
    return page


@pytest.fixture(scope="module")
def measured(browsed):
    """Each page once at 1400 px (axe-core and widths) and once at 390 px (widths): the shared browsing in conftest."""
    return {"axe": {rel: r["axe"] for rel, r in browsed.items()},
            "widths": {(rel, w): r["widths"][w] for rel, r in browsed.items() for w in (1400, 390)}}


@pytest.fixture(scope="module")
def axe_results(measured):
    return measured["axe"]


@pytest.fixture(scope="module")
def widths(measured):
    return measured["widths"]


@pytest.mark.parametrize("rel", PAGES)
def test_no_accessibility_violations(axe_results, rel):
    assert axe_results[rel] == [], f"{rel}: axe-core WCAG 2 A/AA violations {axe_results[rel]}"


@pytest.mark.parametrize("rel", PAGES)
def test_no_sideways_scroll_and_charts_fit_at_390px(widths, rel):
    w = widths[(rel, 390)]
    assert w["doc"] <= w["vw"], f"{rel} scrolls sideways at 390 px ({w['doc']} > {w['vw']})"
    assert all(c <= 390 for c in w["charts"]), f"{rel}: a chart is wider than the screen: {w['charts']}"


@pytest.mark.parametrize("rel", PAGES)
def test_no_chart_is_cut_or_squeezed(widths, rel):
    """Everything a chart draws lies inside its SVG at both widths (titles and legends are not clipped, on screen or in
    print), and on a phone a chart is laid out at 560 px or more and scaled down whole rather than squeezed."""
    for w in (1400, 390):
        assert widths[(rel, w)]["cut"] == [], f"{rel} at {w} px: charts drawn beyond their box {widths[(rel, w)]['cut']}"
    assert all(x >= 560 for x in widths[(rel, 390)]["layout"]), f"{rel}: charts laid out narrower than 560 px at 390 px"


def test_charts_use_the_text_column_at_1400px(widths):
    for rel in PAGES:
        w = widths[(rel, 1400)]
        for c in w["fluid"]:
            assert c >= 0.85 * w["col"] - 40 and c <= w["col"] + 1, f"{rel}: chart {c:.0f} px in a {w['col']:.0f} px column"
    assert sum(len(widths[(r, 1400)]["fluid"]) for r in PAGES) >= 15, "most charts take the column's width"


def test_charts_readable_in_dark_mode(chromium):
    page = _open(chromium, "book/sk1_night.html", 1400, dark=True)
    bg = page.eval_on_selector(".cw-vis svg", "s => getComputedStyle(s).backgroundColor")
    text = page.eval_on_selector(".cw-vis svg text", "t => t.getAttribute('fill') || getComputedStyle(t).fill")
    page.context.close()
    assert bg in ("rgb(255, 255, 255)", "#fff", "white"), bg  # the chart keeps its light card behind dark text
    assert text and text not in ("#fff", "white", "rgb(255, 255, 255)")


def test_code_is_one_click_away(chromium):
    page = _open(chromium, "book/sk1_night.html", 1400)
    info = page.evaluate("""() => ({
        inputs: document.querySelectorAll('.cell .cell_input').length,
        open: Array.from(document.querySelectorAll('.cell .cell_input')).filter(e => !e.closest('details') || e.closest('details').open).length,
        toggles: document.querySelectorAll('details.hide.above-input summary, .cell.tag_hide-input details summary').length,
        outputs: Array.from(document.querySelectorAll('.cell_output')).filter(e => e.offsetParent !== null).length})""")
    assert info["toggles"] >= 5 and info["open"] == 0 and info["outputs"] >= 5, info
    page.click(".cell.tag_hide-input details summary")
    assert page.eval_on_selector(".cell.tag_hide-input details", "d => d.open")
    page.context.close()


def test_reader_tables_have_labels_and_no_index():
    for rel in PAGES:
        text = (HTML / rel).read_text(encoding="utf-8")
        for table in re.findall(r'<table[^>]*class="[^"]*dataframe[^"]*".*?</table>', text, re.S):
            raise AssertionError(f"{rel}: a raw pandas table is shown")
        for table in re.findall(r'<table id="T_[^"]*" class="cw-table">(.*?)</table>', text, re.S):
            head = re.search(r"<thead>(.*?)</thead>", table, re.S).group(1)
            assert "_" not in re.sub(r"<[^>]+>", "", head), f"{rel}: a column code in a table heading: {head[:200]}"
            assert "<NA>" not in table and ">nan<" not in table and ">NaN<" not in table, f"{rel}: raw missing values"
            assert "row_heading" not in table, f"{rel}: a positional index"
    sk1 = (HTML / "book/sk1_night.html").read_text(encoding="utf-8")
    assert "Constituency seats (seats)" in sk1 and "Approve (percent of respondents)" in sk1


def test_claim_explorer_search_filter_and_links(chromium):
    page = _open(chromium, "book/explorer.html", 1400)
    page.wait_for_selector("#cw-claims tbody tr td a", timeout=30_000)
    rows = lambda: page.eval_on_selector_all("#cw-claims tbody tr", "rs => rs.filter(r => r.offsetParent !== null).length")
    total = rows()
    assert total >= 199
    box = page.get_by_label("Search all claims:")
    box.focus()
    page.keyboard.type("Goldberg")
    page.wait_for_timeout(400)
    found = rows()
    assert 0 < found < total
    box.fill("")
    page.wait_for_timeout(300)
    assert rows() == total
    verdict_filter = page.locator("#cw-claims thead input").nth(4)
    verdict_filter.press_sequentially("inaccurate")
    page.wait_for_timeout(400)
    narrowed = rows()
    assert 0 < narrowed < total
    texts = page.eval_on_selector_all("#cw-claims tbody tr td:nth-child(5)", "tds => tds.map(t => t.textContent)")
    assert all("inaccurate" in t for t in texts)
    first = page.locator("#cw-claims tbody tr td:first-child a").first
    cid = first.inner_text()
    first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"#claim-{cid}") and page.locator(f"#claim-{cid}").count() == 1
    page.context.close()


def test_explorer_links_reach_the_article(chromium):
    text = (HTML / "book/explorer.html").read_text(encoding="utf-8")
    art = (HTML / "book/article.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'article\.html#art-([a-z0-9-]+)', text))
    assert len(ids) >= 199
    missing = [i for i in ids if f'id="art-{i}"' not in art]
    assert not missing, f"explorer links to claims not marked in the annotated article: {missing[:5]}"


def test_glued_numbers_print_as_numbers():
    """A glued '1,554' must not come out as the tuple '(1, 554)' (myst-nb reads glued text back as a literal)."""
    bad = {}
    for rel in PAGES:
        text = (HTML / rel).read_text(encoding="utf-8")
        hits = re.findall(r'class="pasted-text">(\([0-9][^<]*\))<', text)
        if hits:
            bad[rel] = hits[:3]
    assert not bad, bad
    nk0 = (HTML / "book/nk0_two_camps.html").read_text(encoding="utf-8")
    assert re.search(r'US\$<span class="pasted-text">1,5\d\d</span> billion', nk0)
