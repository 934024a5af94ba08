"""The 'what changed' section of the changelog, on two fixture versions of the ledger and a table."""
import pandas as pd

from cwreport.changelog import claims_diff, render, table_diff


def test_changelog_between_two_fixture_versions():
    v1 = pd.DataFrame([
        {"id": "x-01", "verdict": "unverifiable", "later": "", "finding": "No record yet."},
        {"id": "x-02", "verdict": "accurate", "later": "", "finding": "Matches."},
        {"id": "x-03", "verdict": "opinion", "later": "", "finding": "A view."},
    ])
    v2 = pd.DataFrame([
        {"id": "x-01", "verdict": "inaccurate", "later": "contradicted", "finding": "The court record of 2025 contradicts it."},
        {"id": "x-02", "verdict": "accurate", "later": "", "finding": "Matches (wording improved)."},
        {"id": "x-04", "verdict": "accurate", "later": "", "finding": "New claim."},
    ])
    cl = claims_diff(v1, v2)
    assert cl["added"] == ["x-04"] and cl["removed"] == ["x-03"]
    assert cl["changed"] == [{"id": "x-01", "old": "unverifiable", "new": "inaccurate (later contradicted)",
                              "reason": "The court record of 2025 contradicts it."}]
    t1 = pd.DataFrame([{"year": "2023", "value": "1.0", "note": "a"}, {"year": "2024", "value": "2.0", "note": "b"}])
    t2 = pd.DataFrame([{"year": "2023", "value": "1.5", "note": "a, revised"}, {"year": "2024", "value": "2.0", "note": "b"},
                       {"year": "2025", "value": "3.0", "note": ""}])
    td = table_diff(t1, t2, ["year"])
    assert td["added"] == ["2025"] and td["removed"] == []
    assert td["revised"] == [{"key": "2023", "column": "value", "old": "1.0", "new": "1.5"}]
    md = render("0.2.0", "0.1.0", cl, {"demo": td})
    assert md.startswith("## Version 0.2.0: what changed since 0.1.0")
    assert "- Claims added: 1 (x-04)" in md and "- Claims removed: 1 (x-03)" in md
    assert "x-01: unverifiable → inaccurate (later contradicted). Reason: The court record of 2025 contradicts it." in md
    assert "`demo`: 1 rows added, 0 removed, 1 values revised" in md and "2023, value: 1.0 → 1.5" in md
