"""The CSV downloads are safe to open in a spreadsheet (OWASP CSV injection), in the downloaded copy only."""
import csv
import io

from cwreport import DATA
from cwreport.build import safe_cell, safe_csv

from conftest import HTML


def test_formula_cells_are_neutralised():
    for bad in ("=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\tx", "\rx", "-abc"):
        assert safe_cell(bad).startswith("'"), bad
    for ok in ("-3", "-3.5", "+7", "1e5", "-1e5", "plain text", "", "2024-12-03", "a=b"):
        assert safe_cell(ok) == ok, ok


def test_a_file_with_nothing_to_neutralise_is_unchanged_byte_for_byte():
    text = (DATA / "sk_assembly_seats_2024.csv").read_text(encoding="utf-8")
    assert safe_csv(text) == text


def test_a_dangerous_cell_is_neutralised_and_the_rest_kept():
    text = 'id,note\n1,"=1+2"\n2,"ok, fine"\n3,-4\n'
    rows = list(csv.reader(io.StringIO(safe_csv(text))))
    assert rows == [["id", "note"], ["1", "'=1+2"], ["2", "ok, fine"], ["3", "-4"]]


def test_downloads_are_safe_and_data_is_untouched(html_dir):
    dl = html_dir / "downloads"
    checked = 0
    for p in [dl / "claims.csv", *sorted((dl / "data").glob("*.csv"))]:
        for row in csv.reader(io.StringIO(p.read_text(encoding="utf-8"), newline="")):
            for cell in row:
                assert safe_cell(cell) == cell or cell.startswith("'"), f"{p.name}: unsafe cell {cell[:40]!r}"
                checked += 1
    assert checked > 10_000
    for p in sorted(DATA.glob("*.csv")):  # the data package itself is never rewritten
        down = (dl / "data" / p.name).read_text(encoding="utf-8")
        assert down == safe_csv(p.read_text(encoding="utf-8"))
