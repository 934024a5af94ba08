"""The PDF as a reader gets it: every glyph drawn, links that work inside the PDF, table words never
broken, its data attached byte for byte, and only the project's own fonts (issue 11)."""
import json
import re
import subprocess

import pytest

from cwreport import DATA
from cwreport.build import ledger_json
from cwreport.pdf import PRINT_FONTS, split_tokens, table_tokens

from conftest import HTML


@pytest.fixture(scope="module")
def reader(pdf_reader):
    return pdf_reader


@pytest.fixture(scope="module")
def page_texts(pdf_page_texts):
    return pdf_page_texts


def test_every_glyph_is_drawn(page_texts):
    bad = [i + 1 for i, t in enumerate(page_texts) if "\x00" in t or "\ufffd" in t]
    assert not bad, f"pages with characters no print font has: {bad}"


def test_korean_and_chinese_headlines_print(page_texts):
    text = "\n".join(page_texts)
    assert re.search(r"[\uac00-\ud7a3]{2,}", text), "no Hangul in the PDF (the Sources page has Korean headlines)"
    assert re.search(r"[\u4e00-\u9fff]{2,}", text), "no Han characters in the PDF"


def _links(reader):
    for n, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            a = annot.get_object()
            if a.get("/Subtype") == "/Link":
                yield n, a


def test_links_are_internal_destinations_or_web_urls(reader):
    named = {k.lstrip("/"): v for k, v in reader.named_destinations.items()}
    kinds = {"internal": 0, "external": 0}
    bad = []
    for n, a in _links(reader):
        action = a.get("/A")
        action = action.get_object() if action is not None else None
        if action is not None and action.get("/S") == "/URI":
            uri = str(action["/URI"])
            if re.match(r"^https?://", uri) and not re.match(r"^https?://(127\.|localhost|\[::1\])", uri):
                kinds["external"] += 1
            else:
                bad.append((n + 1, uri))
            continue
        dest = a.get("/Dest") if "/Dest" in a else (action.get("/D") if action is not None else None)
        if dest is None:
            bad.append((n + 1, "a link with neither a URI nor a destination"))
            continue
        if not isinstance(dest, list) and not hasattr(dest, "__getitem__"):
            dest = str(dest)
        if isinstance(dest, str):
            dest = dest.lstrip("/")
            if dest not in named:
                bad.append((n + 1, f"destination {dest!r} does not resolve"))
                continue
            page = reader.get_destination_page_number(named[dest])
        else:
            page = reader.get_page_number(dest[0].get_object()) if hasattr(dest[0], "get_object") else -1
        if not 0 <= page < len(reader.pages):
            bad.append((n + 1, f"destination {dest!r} points at no page"))
        kinds["internal"] += 1
    assert not bad, f"{len(bad)} dead links, e.g. {bad[:5]}"
    assert kinds["internal"] >= 400, kinds  # every claim mark of the annotated article jumps to its ledger row
    assert kinds["external"] >= 500, kinds


def test_a_claim_mark_jumps_to_its_ledger_row(reader, page_texts):
    """The annotated article's mark for sk1-01 lands on the page of the ledger that lists sk1-01."""
    named = {k.lstrip("/"): v for k, v in reader.named_destinations.items()}
    assert "claim-sk1-01" in named, "no destination for the ledger row claim-sk1-01"
    target = reader.get_destination_page_number(named["claim-sk1-01"])
    assert "sk1-01" in page_texts[target]
    marks = [a for n, a in _links(reader) if n < target
             and str((a.get("/A") or {}).get("/D", a.get("/Dest", ""))).lstrip("/") == "claim-sk1-01"]
    assert marks, "no link in the PDF jumps to claim-sk1-01"


def test_table_tokens_never_break_across_lines(pdf_path):
    pages = sorted(HTML.glob("book/*.html")) + [HTML / "CHANGELOG.html"]
    tokens = table_tokens(pages)
    assert {"sk1-01", "misleading", "unverifiable"} <= tokens
    split = split_tokens(pdf_path, tokens)
    assert not split, f"{len(split)} table tokens split across lines, e.g. {split[:8]}"


def test_the_split_detector_finds_a_split(tmp_path):
    """The detector itself: a narrow table that must break 'unverifiable' is caught."""
    from cwreport.pdf import browser

    html = tmp_path / "t.html"
    html.write_text('<table style="width:30px;font-size:9px;word-break:break-all"><tr><td>unverifiable</td></tr></table>')
    pdf = tmp_path / "t.pdf"
    with browser(print_fonts=True) as b:
        page = b.new_page()
        page.goto(html.as_uri())
        page.pdf(path=str(pdf))
    assert split_tokens(pdf, {"unverifiable"}), "a word broken across two lines went unnoticed"


def test_data_is_attached_byte_for_byte(reader):
    attached = {name: contents[0] for name, contents in reader.attachments.items()}
    expected = {p.name: p.read_bytes() for p in DATA.iterdir() if p.is_file()}
    assert set(expected) <= set(attached), f"missing attachments: {set(expected) - set(attached)}"
    for name, data in expected.items():
        assert attached[name] == data, f"attachment {name} differs from data/{name}"
    assert json.loads(attached["claims.json"]) == json.loads(ledger_json())


def test_front_page_names_the_attachments(page_texts):
    front = " ".join(" ".join(page_texts[:4]).split())
    assert "This PDF carries its data" in front and "claims.csv" in front and "datapackage.json" in front
    assert "html.zip" in front and "notebooks" in front


def test_only_the_project_fonts_are_embedded(pdf_path):
    out = subprocess.run(["pdffonts", str(pdf_path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    names = {line.split()[0].split("+")[-1] for line in out if line.split()[1] != "Type"}
    allowed = {f.rsplit("/", 1)[-1].rsplit(".", 1)[0] for files in PRINT_FONTS.values() for f in files}
    assert names and names <= allowed | {"DejaVuSans", "DejaVuSans-Bold"}, names
    assert all(line.split()[-5] == "yes" for line in out), "a font is not embedded"
