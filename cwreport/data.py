"""Load the data package: every table comes with its provenance.

>>> seats = load("sk_assembly_seats_2024")
>>> seats.attrs["sources"]          # the rows of data/sources.csv this table cites
"""
from __future__ import annotations

import json
import re
from functools import lru_cache

import pandas as pd

from . import DATA

PACKAGE = DATA / "datapackage.json"
SEP = ";"  # separator inside a source_ids cell


@lru_cache(maxsize=1)
def package() -> dict:
    """The Frictionless descriptor (``data/datapackage.json``) as a dict."""
    return json.loads(PACKAGE.read_text(encoding="utf-8"))


def resource(name: str) -> dict:
    for res in package()["resources"]:
        if res["name"] == name:
            return res
    names = ", ".join(r["name"] for r in package()["resources"])
    raise KeyError(f"no resource {name!r} in {PACKAGE.name} (have: {names})")


def _read(res: dict) -> pd.DataFrame:
    """Read one resource's CSV, typed by its Table Schema."""
    fields = res["schema"]["fields"]
    dtypes, dates, datetimes, bools = {}, [], [], []
    for f in fields:
        t = f.get("type", "string")
        if t == "integer":
            dtypes[f["name"]] = "Int64"
        elif t == "number":
            dtypes[f["name"]] = "Float64"
        elif t == "boolean":
            bools.append(f["name"])
            dtypes[f["name"]] = "string"
        elif t == "date":
            dates.append(f["name"])
            dtypes[f["name"]] = "string"
        elif t == "datetime":
            datetimes.append(f["name"])
            dtypes[f["name"]] = "string"
        else:
            dtypes[f["name"]] = "string"
    df = pd.read_csv(DATA / res["path"], dtype=dtypes, keep_default_na=False,
                     na_values=[""], encoding="utf-8")
    for c in dates:
        df[c] = pd.to_datetime(df[c], format="%Y-%m-%d")
    for c in datetimes:
        df[c] = pd.to_datetime(df[c], format="ISO8601")
    for c in bools:
        df[c] = df[c].map({"true": True, "false": False}).astype("boolean")
    return df


def split_ids(cell) -> list[str]:
    if cell is None or (isinstance(cell, float) and pd.isna(cell)) or cell is pd.NA:
        return []
    return [s.strip() for s in str(cell).split(SEP) if s.strip()]


@lru_cache(maxsize=1)
def _sources() -> pd.DataFrame:
    return _read(resource("sources")).set_index("source_id", drop=False)


def sources(ids=None) -> pd.DataFrame:
    """The source register, or the rows for ``ids`` (in first-use order)."""
    reg = _sources()
    if ids is None:
        return reg.copy()
    ordered = list(dict.fromkeys(ids))
    missing = [i for i in ordered if i not in reg.index]
    if missing:
        raise KeyError(f"unknown source id(s): {', '.join(missing)}")
    return reg.loc[ordered].copy()


def load(name: str) -> pd.DataFrame:
    """A typed table from ``data/`` with its provenance in ``df.attrs``.

    ``attrs["resource"]`` is the descriptor (title, description, licence,
    field units); ``attrs["sources"]`` lists the sources its rows cite.
    """
    res = resource(name)
    df = _read(res)
    ids = [i for cell in df.get("source_ids", []) for i in split_ids(cell)]
    df.attrs["resource"] = {k: res[k] for k in ("name", "path", "title", "description") if k in res}
    df.attrs["units"] = {f["name"]: f.get("unit", "") for f in res["schema"]["fields"]}
    cols = [c for c in ("source_id", "origin", "publisher", "title", "url", "tier", "date_published") if c in sources().columns]
    df.attrs["sources"] = sources(ids)[cols].to_dict("records") if ids else []
    return df


def source_label(s) -> str:
    """How a source is named to readers: its origin first, then the copy that was read."""
    origin, pub = str(s.get("origin") or s["publisher"]), str(s["publisher"])
    if origin == pub:
        return pub
    tier = str(s.get("tier", ""))
    return f"{origin}, read in a repost on {pub}" if tier == "3" else f"{origin}, via {pub}"


def source_line(df_or_ids, lead: str | None = None, most: int = 4) -> str:
    """A short 'Source:' line for a chart: ``lead`` (e.g. the original data
    producer), then up to ``most`` publishers, most-cited first."""
    if isinstance(df_or_ids, pd.DataFrame):
        cells = df_or_ids["source_ids"] if "source_ids" in df_or_ids else []
        ids = [i for cell in cells for i in split_ids(cell)]
    else:
        ids = list(df_or_ids)
    reg = sources()
    col = "origin" if "origin" in reg.columns else "publisher"  # name who produced the fact, not the host of a copy
    pubs = sources(ids)[col]  # validates the ids
    ranked = pd.Series([reg.loc[i, col] for i in ids]).value_counts(sort=True)
    ranked = sorted(ranked.index, key=lambda p: (-ranked[p], list(pubs).index(p)))
    if lead:  # the lead producer is named once, not again among its reporters
        key = lambda s: re.sub(r"[^a-z]", "", s.lower().replace("u.s.", "us"))
        ranked = [p for p in ranked if key(lead)[:12] not in key(p)]
        if not ranked:
            return f"Source: {lead}."
    shown = ranked[:most]
    more = len(ranked) - len(shown)
    line = "; ".join(shown) + (f" and {more} other publishers (all listed in the data package)" if more else "")
    return f"Source: {lead}, as reported by {line}." if lead else f"Source: {line}."
