"""The claim ledger: verbatim quotes, resolvable sources, a fixed scale, and the chapter's key statements."""
import re

import pytest

from cwreport import ARTICLE, ROOT, ledger
from cwreport.data import sources, split_ids
from cwreport.validate import quote_in_article

from conftest import toc_files

CLAIMS = ledger.claims()
ARTICLE_TEXT = ARTICLE.read_text(encoding="utf-8")


def test_seed_is_the_shared_article():
    shared = ROOT.parent / "shared" / "seeds" / ARTICLE.name
    if shared.exists():  # beside the project in this workplace; the copy must stay verbatim
        assert shared.read_bytes() == ARTICLE.read_bytes()
    assert ARTICLE_TEXT.startswith("West versus Russia, emerging Cold War 2.0, PART II rest of the world")


@pytest.mark.parametrize("row", CLAIMS.to_dict("records"), ids=lambda r: r["id"])
def test_claim_row(row):
    assert quote_in_article(row["quote"], ARTICLE_TEXT), f"{row['id']}: quote not verbatim in seeds/"
    assert row["verdict"] in ledger.VERDICTS, f"{row['id']}: verdict {row['verdict']!r} off the scale"
    assert row["claim_type"] in ledger.CLAIM_TYPES
    assert row["later"] in ("confirmed", "contradicted") or row["later"] is None or str(row["later"]) == "<NA>"
    ids = split_ids(row["source_ids"])
    assert ids and set(ids) <= set(sources().index), f"{row['id']}: unknown source"
    assert len(row["finding"]) >= 40, f"{row['id']}: finding too thin"


def test_ids_unique_and_numbered_per_chapter():
    assert CLAIMS["id"].is_unique
    for chap, grp in CLAIMS.groupby("chapter"):
        assert all(i.startswith(chap + "-") for i in grp["id"])


def test_every_chapter_in_ledger_has_a_notebook():
    stems = {f.split("/")[-1].split("_")[0] for f in toc_files()}
    assert set(CLAIMS["chapter"]) <= stems


def test_judgments_are_not_rated_false():
    j = CLAIMS[CLAIMS["claim_type"] == "judgment"]
    assert not j["verdict"].isin(["inaccurate"]).any(), "a judgment is labelled opinion or rated on its checkable part, never 'inaccurate'"


@pytest.mark.parametrize("phrase,verdicts", [
    ("initiated martial law on December 10", {"inaccurate"}),
    ("191 of the 300 members", {"inaccurate"}),
    ("Just 150 minutes", {"accurate", "mostly accurate"}),
    ("completely unaware", {"inaccurate"}),
    ("no cabinet meeting was convened", {"misleading", "inaccurate"}),
    ("the vote against martial law had already taken place", {"inaccurate"}),
    ("kicked out of Bolivia", {"accurate", "mostly accurate"}),
    ("the Philippines for attempts to overthrow", {"inaccurate"}),
    ("Goldberg and Washington, was informed", {"unverifiable"}),
])
def test_key_statements_of_chapter_one(phrase, verdicts):
    rows = CLAIMS[CLAIMS["quote"].str.contains(phrase, regex=False)]
    assert len(rows) >= 1, f"no ledger row quotes {phrase!r}"
    assert set(rows["verdict"]) <= verdicts, f"{phrase!r}: {set(rows['verdict'])}"


def test_table_has_one_anchored_row_per_claim():
    html = ledger.table("sk1")._repr_html_()
    ids = re.findall(r'<tr id="claim-(sk1-\d+)"', html)
    assert ids == list(CLAIMS[CLAIMS["chapter"] == "sk1"]["id"])
    for verdict in set(CLAIMS["verdict"]):  # verdict shown as text, not colour alone
        assert f"cw-v-{verdict.replace(' ', '-')}" in html and f"</span>{verdict}</span>" in html


def test_table_escapes_text():
    import pandas as pd

    orig = ledger.claims
    try:
        ledger.claims = lambda chapter=None: pd.DataFrame([{  # noqa: E731
            "id": "x-01", "chapter": "x", "quote": "<script>alert(1)</script>", "claim_type": "fact",
            "verdict": "accurate", "later": None, "finding": "a <b>finding</b> & more " * 3,
            "source_ids": sources().index[0], "checked_on": None}])
        html = ledger.table("x")._repr_html_()
    finally:
        ledger.claims = orig
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_source_strings_are_escaped(monkeypatch):
    import pandas as pd

    evil = pd.DataFrame([{"source_id": "evil", "publisher": "<script>alert('pub')</script>",
                          "title": "<script>alert('title')</script>", "url": "https://example.org/?a=1&b=\"2\"",
                          "date_published": None, "date_accessed": None, "source_type": "secondary", "note": ""}]).set_index("source_id", drop=False)
    monkeypatch.setattr(ledger, "sources", lambda ids=None: evil)
    monkeypatch.setattr(ledger, "claims", lambda chapter=None: pd.DataFrame([{
        "id": "x-01", "chapter": "x", "quote": "q", "claim_type": "fact", "verdict": "accurate", "later": None,
        "finding": "f" * 50, "source_ids": "evil", "checked_on": None}]))
    html = ledger.table("x")._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;pub&#x27;)&lt;/script&gt;" in html
    assert 'href="https://example.org/?a=1&amp;b=&quot;2&quot;"' in html
