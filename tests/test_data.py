"""The data package: valid, documented, sourced, and saying what the chapter relies on."""
import json

import pandas as pd
import pytest

from cwreport import DATA, datapackage
from cwreport.data import load, package, source_line, sources, split_ids
from cwreport.validate import problems


def test_package_is_valid():
    found = problems()
    assert found == [], "\n".join(map(str, found))


def test_resource_sources_in_step_with_rows():
    assert datapackage.main(["check"]) == 0


@pytest.mark.parametrize("res", package()["resources"], ids=lambda r: r["name"])
def test_resource_is_documented(res):
    assert res.get("title") and res.get("description")
    assert res.get("licenses"), f"{res['name']}: no licence"
    for f in res["schema"]["fields"]:
        assert f.get("description"), f"{res['name']}.{f['name']}: no description"
        if f["type"] in ("integer", "number"):
            assert f.get("unit"), f"{res['name']}.{f['name']}: numeric field without unit"
            assert "minimum" in f.get("constraints", {}), f"{res['name']}.{f['name']}: no range"
    if res["name"] != "sources":
        assert res["sources"], f"{res['name']}: lists no sources"
        for s in res["sources"]:
            assert {"publisher", "title", "path", "date_published", "date_accessed"} <= set(s)


def test_every_row_reaches_a_source_with_url_and_dates():
    reg = sources()
    for res in package()["resources"]:
        if res["name"] == "sources":
            continue
        df = load(res["name"])
        col = "source_ids" if "source_ids" in df.columns else "rests_on" if "rests_on" in df.columns else None
        if col is None:
            assert res["name"] in ("unchecked_sentences", "corrections"), f"{res['name']}: rows cite no source"
            continue
        for i, cell in enumerate(df[col], start=2):
            ids = split_ids(cell)
            assert ids, f"data/{res['path']} line {i}: no source"
            for sid in ids:
                row = reg.loc[sid]
                assert row["url"].startswith("http") and pd.notna(row["date_accessed"])


def test_one_register_entry_per_url():
    reg = sources()
    dup = reg[reg["url"].duplicated(keep=False)].sort_values("url")
    assert dup.empty, f"URLs listed twice in data/sources.csv:\n{dup[['source_id', 'url']]}"


def test_seats_add_up_to_the_assembly():
    seats = load("sk_assembly_seats_2024")
    assert seats["total_seats"].sum() == 300
    assert (seats["constituency_seats"] + seats["pr_seats"] == seats["total_seats"]).all()
    assert seats["constituency_seats"].sum() == 254 and seats["pr_seats"].sum() == 46
    assert seats.groupby("bloc")["total_seats"].sum().to_dict() == {"opposition": 192, "ruling": 108}


def test_lifting_vote_record():
    v = load("sk_assembly_votes").set_index("vote_id").loc["lift_martial_law"]
    assert (v["present"], v["yes"], v["no"], v["threshold"]) == (190, 190, 0, 151)
    assert v["result"] == "passed"


def test_approval_series_covers_2024_and_the_crisis():
    poll = load("sk_yoon_approval_gallup").sort_values("field_start")
    assert poll["field_start"].min().year == 2024 and poll["field_end"].max() == pd.Timestamp("2024-12-12")
    assert (poll["field_end"] >= poll["field_start"]).all()
    assert poll.set_index("field_start").loc["2024-12-10", "approve_pct"] == 11
    assert poll.set_index("field_start").loc["2024-11-05", "approve_pct"] == 17
    assert len(poll) >= 30
    months = set(poll["field_start"].dt.month)
    assert months == set(range(1, 13)), f"months without a survey: {set(range(1, 13)) - months}"


def test_night_timeline_order_and_key_moments():
    night = load("sk_martial_law_night").set_index("event_id")
    t = night["time_kst"]
    need = {"declaration", "decree_in_force", "troops_land", "troops_enter_building", "session_opens", "vote", "cabinet_lifts"}
    assert need <= set(t.index)
    assert t["declaration"] < t["decree_in_force"] < t["troops_land"] < t["troops_enter_building"] < t["session_opens"] < t["vote"] < t["cabinet_lifts"]
    assert t["decree_in_force"] == pd.Timestamp("2024-12-03 23:00")
    assert (night["label"].str.len() <= 40).all()


def test_source_line_names_lead_and_counts_the_rest():
    poll = load("sk_yoon_approval_gallup")
    line = source_line(poll, lead="Gallup Korea", most=2)
    assert line.startswith("Source: Gallup Korea, as reported by ") and "other publishers" in line


def test_descriptor_is_plain_json():
    json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))


def test_impeachment_votes():
    v = load("sk_assembly_votes").set_index("vote_id")
    first, second = v.loc["impeach_yoon_1"], v.loc["impeach_yoon_2"]
    assert first["result"] == "not counted" and first["present"] < first["threshold"] == 200
    assert pd.isna(first["yes"]), "the 7 December ballots were never counted"
    assert (second["yes"], second["no"], second["abstain"], second["invalid"]) == (204, 85, 3, 8)
    assert second["yes"] + second["no"] + second["abstain"] + second["invalid"] == second["present"] == 300
    assert second["threshold"] == 200 and second["result"] == "passed"


def test_legal_timeline_key_dates():
    legal = load("sk_legal_timeline").set_index("event_id")
    assert legal.loc["yoon_impeached", "date"] == pd.Timestamp("2024-12-14")
    assert legal.loc["ruling_removal", "date"] == pd.Timestamp("2025-04-04")
    assert (legal.loc["ruling_removal", "date"] - legal.loc["yoon_impeached", "date"]).days == 111
    assert legal["date"].max() >= pd.Timestamp("2026-01-01"), "the timeline must reach the latest developments"


def test_election_2025_shares():
    el = load("sk_presidential_election_2025").set_index("candidate")
    assert el["vote_share_pct"].idxmax() == "Lee Jae-myung"
    assert 99 <= el["vote_share_pct"].sum() <= 100.5


def test_exports_customs_basis_and_shares_consistent():
    ex = load("sk_exports_by_partner")
    assert set(ex["basis"]) == {"customs"}
    wide = ex.pivot(index="year", columns="partner", values="exports_usd_bn")
    assert (wide["China"].dropna() < wide["World"].reindex(wide["China"].dropna().index)).all()
    stated = ex.dropna(subset=["share_pct"])
    stated = stated[stated["partner"] != "World"]
    for r in stated.itertuples():
        computed = r.exports_usd_bn / wide.loc[r.year, "World"] * 100
        assert abs(computed - r.share_pct) < 0.6, f"{r.year} {r.partner}: stated {r.share_pct}% vs computed {computed:.1f}%"


# --- the evidence base (issue 12) ---------------------------------------------------------------------------------

def _key(res, row):
    pk = res["schema"].get("primaryKey") or [res["schema"]["fields"][0]["name"]]
    pk = [pk] if isinstance(pk, str) else pk
    return "|".join(str(row[k]) for k in pk)


def _rows_on_tier3_only():
    import csv

    from cwreport import DATA

    reg = {r["source_id"]: r for r in csv.DictReader(open(DATA / "sources.csv", encoding="utf-8"))}
    out = set()
    for res in package()["resources"]:
        if res["name"] in ("sources", "tier3_only") or "source_ids" not in [f["name"] for f in res["schema"]["fields"]]:
            continue
        for row in csv.DictReader(open(DATA / res["path"], encoding="utf-8")):
            ids = [i for i in row["source_ids"].split(";") if i]
            if ids and all(reg[i]["tier"] == "3" for i in ids):
                out.add((res["name"], _key(res, row)))
    return out


def test_every_source_has_an_origin_and_a_tier():
    reg = sources()
    assert reg["origin"].notna().all() and (reg["origin"].str.strip() != "").all()
    assert set(reg["tier"]) <= {1, 2, 3}
    copies = reg[(reg["source_type"] == "primary") & (reg["tier"] == 3)]
    assert (copies["origin"] != copies["publisher"]).all(), "an official text read in a copy names its origin"
    consulted = reg[reg["origin_url"].notna()]
    assert (consulted["origin_consulted"] == "yes").all()


def test_known_copies_are_tier_3_and_name_their_origin():
    reg = sources()
    hosts = reg["url"].str.extract(r"https?://(?:www\.)?([^/]+)")[0]
    for host in ("menafn.com", "urdupoint.com", "pledgetimes.com", "news-pravda.com"):
        rows = reg[hosts.str.endswith(host, na=False)]
        assert (rows["tier"] == 3).all(), f"copies on {host} must be tier 3"
    assert (reg[reg["tier"] == 3]["origin"] != reg[reg["tier"] == 3]["publisher"]).mean() > 0.8


def test_no_row_rests_only_on_tier_3_unless_listed_with_a_reason():
    listed = load("tier3_only")
    declared = {(r.resource, r.row) for r in listed.itertuples(index=False)}
    found = _rows_on_tier3_only()
    assert found - declared == set(), f"rows resting only on tier-3 copies, not declared: {sorted(found - declared)}"
    assert declared - found == set(), f"declared but no longer resting only on tier 3: {sorted(declared - found)}"
    assert listed["reason"].str.len().min() > 40


def test_tier3_only_rows_have_low_confidence_where_the_table_says():
    listed = load("tier3_only")
    for res in package()["resources"]:
        names = [f["name"] for f in res["schema"]["fields"]]
        if "confidence" not in names:
            continue
        keys = set(listed[listed["resource"] == res["name"]]["row"])
        df = load(res["name"])
        for row in df.to_dict("records"):
            if _key(res, row) in keys:
                assert row["confidence"] == "low", f"{res['name']} {_key(res, row)} rests on copies but is {row['confidence']}"


def test_headlines_recorded_share():
    """The issue asks 95%; what the stored copies allow is recorded here, and must not fall."""
    reg = sources()
    share = (reg["title"] != "[headline not recorded in the stored copy]").mean()
    assert share >= 0.61, f"only {share:.0%} of sources carry a headline"


def test_every_ledger_row_had_a_second_review():
    c = load("claims")
    assert c["reviewed_on"].notna().all(), "rows without a second review"
    assert (c["reviewed_on"] >= c["checked_on"]).all()


def test_every_sentence_is_checked_or_accounted_for():
    from cwreport import annotate

    s = annotate.sentences()
    loose = s[~s["covered"] & (s["reason"] == "")]
    assert loose.empty, f"sentences neither checked nor accounted for: {loose['sentence'].tolist()[:5]}"
    cov = annotate.coverage()
    assert (cov["total_pct"] == 100).all()
    unused = set(load("unchecked_sentences")["quote"]) - set(s.loc[~s["covered"], "sentence"])
    assert not unused, f"unchecked_sentences.csv lists sentences that are covered or not in the article: {unused}"


def test_reproduced_headlines_are_rated():
    c = load("claims").set_index("id")
    for needle in ("1.3 Million Soldiers Join Putin", "Putin Enters Taiwan Battlefield", "CHINA Cut-Off Completely EXPORT"):
        rows = c[c["quote"].str.contains(needle, regex=False)]
        assert len(rows) == 1 and rows["verdict"].iloc[0] != "opinion", needle


# --- corrections and open questions (issue 15) ------------------------------------------------------------------

OPEN = r"under appeal|have appealed|both appealed|were appealed|has appealed|first[- ]instance|suspen|awaiting|not yet published"
SETTLED = {"sk2-41": "the Constitutional Court's final ruling settles it; the criminal ruling is only an aside"}


def test_every_open_claim_has_a_recheck_date():
    c = load("claims")
    open_ = c[c["finding"].str.contains(OPEN, case=False, regex=True) & ~c["id"].isin(list(SETTLED))]
    missing = open_[open_["recheck_by"].isna()]["id"].tolist()
    assert not missing, f"open claims without recheck_by: {missing}"
    dated = c[c["recheck_by"].notna()]
    assert dated["recheck_reason"].notna().all(), "a re-check date without saying what is open"
    assert len(dated) >= 15


def test_overdue_list_is_computed_from_the_data():
    from cwreport import ledger

    c = load("claims")
    first = c["recheck_by"].min()
    assert ledger.overdue(first - pd.Timedelta(days=1)).empty
    on = ledger.overdue(first + pd.Timedelta(days=1))
    assert set(on["id"]) == set(c[c["recheck_by"] == first]["id"])
    assert len(ledger.overdue("2100-01-01")) == c["recheck_by"].notna().sum()


def test_corrections_name_real_rows_and_say_why():
    co = load("corrections")
    ids = set(load("claims")["id"])
    assert set(co["claim_id"]) <= ids
    assert co["why"].str.len().min() > 15
    assert (co["before"].fillna("") != co["after"].fillna("")).all(), "a correction that changes nothing"
    verdicts = co[co["field"] == "verdict"]
    c = load("claims").set_index("id")
    for r in verdicts.itertuples(index=False):
        assert c.loc[r.claim_id, "verdict"] == r.after, f"{r.claim_id}: the ledger does not carry the corrected verdict"
