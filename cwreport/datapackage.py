"""Keep each resource's ``sources`` list in data/datapackage.json in step with its rows.

``python -m cwreport.datapackage sync`` rewrites the lists from the source_ids the
rows cite; ``python -m cwreport.datapackage check`` exits 1 if they are out of step
(the tests run the check).
"""
from __future__ import annotations

import csv
import json
import sys

from . import DATA

DESCRIPTOR = DATA / "datapackage.json"
# Resources whose rows quote the article itself rather than cite the register.
QUOTES_ARTICLE = {"unchecked_sentences": {
    "publisher": "the article's author (opinion article, December 2024)",
    "title": "West versus Russia, emerging Cold War 2.0, PART II rest of the world (quoted verbatim; copy in seeds/)",
    "path": "seeds/000_814a5daf7bd827f4.txt", "date_published": "2024-12", "date_accessed": "2026-12-01"},
    "corrections": {"publisher": "this report", "title": "The claim ledger (claims.csv): the corrected rows cite their sources there",
                    "path": "claims.csv", "date_published": "2026-12-01", "date_accessed": "2026-12-01"}}


def expected(pkg: dict) -> dict[str, list[dict]]:
    reg_res = next(r for r in pkg["resources"] if r["name"] == "sources")
    with (DATA / reg_res["path"]).open(encoding="utf-8", newline="") as fh:
        reg = {row["source_id"]: row for row in csv.DictReader(fh)}
    out = {}
    for res in pkg["resources"]:
        if res["name"] == "sources":
            ids = list(reg)
        else:
            with (DATA / res["path"]).open(encoding="utf-8", newline="") as fh:
                ids = [i.strip() for row in csv.DictReader(fh)
                       for i in (row.get("source_ids") or row.get("rests_on") or "").split(";") if i.strip()]
        out[res["name"]] = [
            {"source_id": i, "publisher": reg[i]["publisher"], "title": reg[i]["title"], "path": reg[i]["url"],
             "date_published": reg[i]["date_published"], "date_accessed": reg[i]["date_accessed"]}
            for i in dict.fromkeys(ids) if i in reg
        ] if res["name"] != "sources" else [{"title": "See the rows of this resource: it is the source register."}]
        if res["name"] in QUOTES_ARTICLE:
            out[res["name"]] = [QUOTES_ARTICLE[res["name"]]]
    return out


def main(argv=None) -> int:
    cmd = (argv or sys.argv[1:] or ["check"])[0]
    pkg = json.loads(DESCRIPTOR.read_text(encoding="utf-8"))
    want = expected(pkg)
    stale = [r["name"] for r in pkg["resources"] if r.get("sources") != want[r["name"]]]
    if cmd == "sync":
        for r in pkg["resources"]:
            r["sources"] = want[r["name"]]
        DESCRIPTOR.write_text(json.dumps(pkg, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"synced sources of {len(pkg['resources'])} resources")
        return 0
    if stale:
        print(f"data/datapackage.json: the 'sources' lists of {', '.join(stale)} are out of step with their rows; "
              "run `python -m cwreport.datapackage sync`", file=sys.stderr)
        return 1
    print("data/datapackage.json: resource sources in step with rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
