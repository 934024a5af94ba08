"""The PDF: title page with version, contents, outline with every chapter, page numbers, charts."""
import pytest

from cwreport import TITLE, __version__

from conftest import chapter_titles


@pytest.fixture(scope="module")
def r(pdf_reader):
    return pdf_reader


def test_title_page_carries_title_version_and_date(r):
    text = r.pages[0].extract_text()
    assert "Cold War 2.0, Part II" in text and f"Version {__version__}" in text and "built 20" in text


def test_metadata(r):
    meta = r.metadata
    assert meta.title == f"{TITLE} (version {__version__})"
    assert meta.author and meta.subject and meta["/Version"] == __version__


def _outline_titles(items):
    for it in items:
        if isinstance(it, list):
            yield from _outline_titles(it)
        else:
            yield it.title


def _plain(t):  # Sphinx turns straight quotes into typographic ones
    return t.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"').strip()


def test_outline_lists_every_chapter(r):
    titles = [_plain(t) for t in _outline_titles(r.outline)]
    for chapter in chapter_titles().values():
        assert _plain(chapter) in titles, f"{chapter!r} not in the PDF outline {titles}"


def test_contents_page_and_page_numbers(r):
    assert "Contents" in r.pages[1].extract_text()
    n = len(r.pages)
    assert n >= 8
    assert f"page {n} of {n}" in r.pages[-1].extract_text()


def test_charts_and_ledger_are_in_the_pdf(pdf_page_texts):
    text = "\n".join(pdf_page_texts)
    flat = " ".join(text.split())
    for phrase in ("Opposition parties won 192 of 300 seats", "Yoon's approval fell to 11%",
                   "Troops broke into the Assembly 27 minutes", "Figure 3."):
        assert phrase in flat, f"{phrase!r} missing from the PDF"
    assert flat.count("sk1-") >= 30, "the claim ledger is not in the PDF"
    assert "print(" not in flat and "glue(" not in flat, "code cells leaked into the PDF"


def _chapter_starts(reader):
    starts = {}

    def walk(items):
        for it in items:
            if isinstance(it, list):
                walk(it)
            elif _plain(it.title) not in starts:
                starts[_plain(it.title)] = reader.get_destination_page_number(it)
    walk(reader.outline)
    return starts


def test_contents_page_numbers_match_the_outline(r):
    contents = " ".join(_plain(r.pages[1].extract_text()).split())
    starts = _chapter_starts(r)
    for stem, title in chapter_titles().items():
        page_no = starts[_plain(title)] + 1
        assert f"{' '.join(_plain(title).split())} {page_no}" in contents, f"{title!r} should show page {page_no}"


def test_running_header_names_the_chapter(r):
    starts = _chapter_starts(r)
    for title in chapter_titles().values():
        nxt = r.pages[starts[_plain(title)] + 1].extract_text()
        assert " ".join(_plain(title).split())[:40] in " ".join(_plain(nxt).split()), f"no running header for {title!r}"
