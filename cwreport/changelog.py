"""What changed between two versions of the ledger and the data.

``python -m cwreport.changelog [OLD_REF] [NEW_REF]`` prints a Markdown section comparing the claim ledger and
every data table at two git refs (default: the previous release tag and the working tree). The release
command refuses to build a version whose section is missing from CHANGELOG.md; the functions here work on
plain DataFrames so that tests can feed them fixtures.
"""
from __future__ import annotations

import io
import json
import subprocess
import sys

import pandas as pd

from . import DATA, ROOT, __version__

KEYS = {"claims": ["id"]}


def claims_diff(old: pd.DataFrame, new: pd.DataFrame) -> dict:
    old, new = old.set_index("id"), new.set_index("id")
    added = [i for i in new.index if i not in old.index]
    removed = [i for i in old.index if i not in new.index]
    changed = []
    for i in new.index.intersection(old.index):
        o, n = old.loc[i], new.loc[i]
        if (o["verdict"], _s(o.get("later"))) != (n["verdict"], _s(n.get("later"))):
            changed.append({"id": i, "old": _label(o), "new": _label(n), "reason": str(n["finding"])})
    return {"added": added, "removed": removed, "changed": changed}


def _s(v) -> str:
    return "" if v is None or (isinstance(v, float) and pd.isna(v)) or str(v) in ("nan", "<NA>") else str(v)


def _label(row) -> str:
    later = _s(row.get("later"))
    return row["verdict"] + (f" (later {later})" if later else "")


def table_diff(old: pd.DataFrame, new: pd.DataFrame, key: list[str]) -> dict:
    """Rows added or removed, and values revised, by primary key (source_ids and notes ignored)."""
    cols = [c for c in new.columns if c in old.columns and c not in key and c not in ("source_ids", "note")]
    o, n = old.set_index(key), new.set_index(key)
    added = [k for k in n.index if k not in o.index]
    removed = [k for k in o.index if k not in n.index]
    revised = []
    for k in n.index.intersection(o.index):
        for c in cols:
            a, b = _s(o.loc[k, c]), _s(n.loc[k, c])
            if a != b:
                revised.append({"key": k, "column": c, "old": a, "new": b})
    return {"added": added, "removed": removed, "revised": revised}


def render(version: str, old_version: str, claims: dict, tables: dict[str, dict]) -> str:
    out = [f"## Version {version}: what changed since {old_version}", ""]
    out.append(f"- Claims added: {len(claims['added'])}" + (f" ({', '.join(claims['added'])})" if claims["added"] else ""))
    out.append(f"- Claims removed: {len(claims['removed'])}" + (f" ({', '.join(claims['removed'])})" if claims["removed"] else ""))
    out.append(f"- Verdicts changed: {len(claims['changed'])}")
    for c in claims["changed"]:
        out.append(f"  - {c['id']}: {c['old']} → {c['new']}. Reason: {c['reason']}")
    corrections = tables.pop("corrections", None)
    if corrections is not None and corrections.get("rows") is not None:
        rows = corrections["rows"]
        kinds = rows["kind"].value_counts()
        out.append(f"- Corrections: {len(rows)} ("
                   + ", ".join(f"{int(kinds.get(k, 0))} {k}" for k in ("fact", "verdict", "later", "label", "added")) + ")")
        for r in rows.sort_values(["date", "claim_id"], ascending=[False, True], kind="stable").itertuples(index=False):
            out.append(f"  - {r.date} {r.claim_id} ({r.kind}, `{r.field}`): {r.before or '(blank)'} → {r.after or '(blank)'}. "
                       f"Why: {r.why}")
    revised = sum(len(t["revised"]) for t in tables.values())
    out.append(f"- Data values revised: {revised}")
    for name, t in sorted(tables.items()):
        if t["added"] or t["removed"] or t["revised"]:
            out.append(f"  - `{name}`: {len(t['added'])} rows added, {len(t['removed'])} removed, {len(t['revised'])} values revised")
            for r in t["revised"]:
                out.append(f"    - {r['key']}, {r['column']}: {r['old'] or '(blank)'} → {r['new'] or '(blank)'}")
    return "\n".join(out) + "\n"


def _git_show(ref: str, path: str) -> str | None:
    res = subprocess.run(["git", "show", f"{ref}:{path}"], cwd=ROOT, capture_output=True, text=True)
    return res.stdout if res.returncode == 0 else None


def snapshot(ref: str | None) -> tuple[pd.DataFrame | None, dict[str, tuple[pd.DataFrame, list[str]]]]:
    """The ledger and every table at a git ref (None: the working tree)."""
    read = (lambda p: (DATA / p).read_text(encoding="utf-8")) if ref is None else (lambda p: _git_show(ref, f"data/{p}"))
    desc = read("datapackage.json")
    if desc is None:
        return None, {}
    tables = {}
    for res in json.loads(desc)["resources"]:
        text = read(res["path"])
        if text is None or res["name"] == "sources":
            continue
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        tables[res["name"]] = (df, res["schema"].get("primaryKey", KEYS.get(res["name"], [])))
    claims = tables.pop("claims", (None, None))[0]
    return claims, tables


def compare(old_ref: str, new_ref: str | None, version: str = __version__, old_version: str | None = None) -> str:
    old_claims, old_tables = snapshot(old_ref)
    new_claims, new_tables = snapshot(new_ref)
    empty = pd.DataFrame(columns=["id", "verdict", "later", "finding"])
    cl = claims_diff(old_claims if old_claims is not None else empty, new_claims)
    tables = {}
    for name, (df, key) in new_tables.items():
        if name == "corrections":  # listed as corrections, old → new with the reason, not as a table diff
            old = old_tables.get(name, (df.iloc[0:0], key))[0]
            seen = set(map(tuple, old[["date", "claim_id", "field"]].values.tolist())) if len(old) else set()
            tables[name] = {"rows": df[[tuple(r) not in seen for r in df[["date", "claim_id", "field"]].values.tolist()]]}
            continue
        if not key:
            continue
        old = old_tables.get(name, (df.iloc[0:0], key))[0]
        tables[name] = table_diff(old, df, key)
    return render(version, old_version or old_ref, cl, tables)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    old = argv[0] if argv else None
    if old is None:
        tags = subprocess.run(["git", "tag", "--list", "v*", "--sort=-v:refname"], cwd=ROOT, capture_output=True, text=True).stdout.split()
        if not tags:
            print("no earlier release tag (v*) to compare with", file=sys.stderr)
            return 1
        old = tags[0]
    print(compare(old, argv[1] if len(argv) > 1 else None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
