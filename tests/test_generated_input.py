"""Generated bad input (hypothesis): random damage to copies of the real CSVs and descriptor is refused with the
file, the line and the column (or the claim id) named and no traceback; harmless edits are accepted (issue 14).
The tests run a bounded number of examples; benchmarks/run.py runs at least 500 and reports the counts."""
import csv
import io
import json
import os
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cwreport import ARTICLE, DATA
from cwreport.validate import problems

EXAMPLES = int(os.environ.get("CW_HYPOTHESIS_EXAMPLES", "4"))
PKG = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
RESOURCES = {r["name"]: r for r in PKG["resources"]}
TYPED = [(r["name"], f["name"], f["type"]) for r in PKG["resources"] for f in r["schema"]["fields"]
         if f["type"] in ("integer", "number", "date")]
SOURCED = [r["name"] for r in PKG["resources"] if "source_ids" in [f["name"] for f in r["schema"]["fields"]]]
KEYED = [(r["name"], r["schema"]["primaryKey"]) for r in PKG["resources"] if r["schema"].get("primaryKey")]
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    root = tmp_path_factory.mktemp("gen")
    shutil.copytree(DATA, root / "data")
    return root / "data"


def _count(kind):
    """Count examples for the benchmark (CW_HYPOTHESIS_COUNT names a file; one line per example)."""
    path = os.environ.get("CW_HYPOTHESIS_COUNT")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(kind + "\n")


class Copy:
    """Damage one file of the package copy, validate, then restore it."""

    def __init__(self, base, name):
        self.path = base / RESOURCES[name]["path"] if name in RESOURCES else base / name
        self.original = self.path.read_bytes()

    def rows(self):
        rd = csv.DictReader(io.StringIO(self.original.decode("utf-8"), newline=""))
        return rd.fieldnames, list(rd)

    def write_rows(self, fields, rows):
        out = io.StringIO()
        w = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        self.path.write_bytes(out.getvalue().encode("utf-8"))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.path.write_bytes(self.original)


def refused(base, file, line=None, column=None, claim=None):
    msgs = [str(p) for p in problems(base / "datapackage.json", ARTICLE)]  # raising here = a traceback: fails
    assert msgs, "the damaged package was accepted"
    _count("refused")
    hits = [m for m in msgs if f"data/{file}" in m or file in m]
    assert hits, f"no message names {file}: {msgs[:3]}"
    if claim:
        assert any(claim in m for m in hits), f"no message names claim {claim}: {hits[:3]}"
        return
    if line is not None:
        assert any(f"line {line}" in m for m in hits) or any("line " in m for m in hits), f"no line named: {hits[:3]}"
    if column is not None:
        assert any(f"'{column}'" in m or column in m for m in hits), f"column {column} not named: {hits[:3]}"


@SETTINGS
@given(target=st.sampled_from(TYPED), row=st.integers(min_value=0, max_value=400),
       junk=st.sampled_from(["one hundred", "n/a?", "12,5", "1e999999", "inf", "-nan", "2024-02-30", "13/13/2024",
                             "\u00e9\u00e9", "0x1F", "1 000", "2024-1-1x", "--3"]))
def test_type_and_date_damage(base, target, row, junk):
    name, col, typ = target
    with Copy(base, name) as c:
        fields, rows = c.rows()
        rows = [r for r in rows]
        if not rows:
            return
        i = row % len(rows)
        rows[i][col] = junk
        c.write_rows(fields, rows)
        refused(base, RESOURCES[name]["path"], line=i + 2, column=col)


@SETTINGS
@given(name=st.sampled_from(SOURCED), row=st.integers(min_value=0, max_value=400),
       bad=st.sampled_from(["no-such-source", "", ";", "UPPER-case", "a;;b"]))
def test_unknown_or_empty_source_ids(base, name, row, bad):
    with Copy(base, name) as c:
        fields, rows = c.rows()
        i = row % len(rows)
        rows[i]["source_ids"] = bad
        c.write_rows(fields, rows)
        refused(base, RESOURCES[name]["path"], line=i + 2, column="source_ids")


@SETTINGS
@given(target=st.sampled_from(KEYED), a=st.integers(min_value=0, max_value=400), b=st.integers(min_value=1, max_value=400))
def test_duplicate_keys(base, target, a, b):
    name, key = target
    with Copy(base, name) as c:
        fields, rows = c.rows()
        if len(rows) < 2:
            return
        i, j = a % len(rows), (a + b) % len(rows)
        if i == j:
            j = (i + 1) % len(rows)
        for k in key:
            rows[j][k] = rows[i][k]
        c.write_rows(fields, rows)
        refused(base, RESOURCES[name]["path"], line=None)


@SETTINGS
@given(name=st.sampled_from(sorted(RESOURCES)), kind=st.sampled_from(["truncate", "semicolons", "unbalanced", "latin1",
                                                                       "utf16", "extra_column", "missing_column"]),
       frac=st.floats(min_value=0.2, max_value=0.9))
def test_file_damage(base, name, kind, frac):
    with Copy(base, name) as c:
        text = c.original.decode("utf-8")
        lines = text.splitlines()
        if kind == "truncate":
            cut = int(len(c.original) * frac)
            data = c.original[:cut]
            if data.endswith(b"\n"):
                data = data[:-1]
            c.path.write_bytes(data)
        elif kind == "semicolons":
            c.path.write_bytes(text.replace(",", ";").encode("utf-8"))
        elif kind == "unbalanced":
            i = max(1, int(len(lines) * frac))
            lines[i] = lines[i] + ',"'
            c.path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
        elif kind == "latin1":
            c.path.write_bytes(c.original.replace(b"\n", "\u00e9\n".encode("latin-1"), 1))
        elif kind == "utf16":
            c.path.write_bytes(text.encode("utf-16"))
        elif kind == "extra_column":
            c.path.write_bytes(("\n".join([lines[0] + ",surprise"] + [l + ",x" for l in lines[1:]]) + "\n").encode("utf-8"))
        elif kind == "missing_column":
            fields, rows = c.rows()
            drop = fields[int(frac * (len(fields) - 1))]
            c.write_rows([f for f in fields if f != drop], [{k: v for k, v in r.items() if k != drop} for r in rows])
        refused(base, RESOURCES[name]["path"])


@SETTINGS
@given(num=st.sampled_from([f for f in TYPED if f[2] in ("integer", "number")]), row=st.integers(min_value=0, max_value=400),
       value=st.sampled_from(["1e308", "-1e308", "999999999999", "-5", "NaN", "Infinity", "-Infinity"]))
def test_huge_or_non_finite_numbers(base, num, row, value):
    name, col, _ = num
    with Copy(base, name) as c:
        fields, rows = c.rows()
        i = row % len(rows)
        rows[i][col] = value
        c.write_rows(fields, rows)
        msgs = [str(p) for p in problems(base / "datapackage.json", ARTICLE)]
        assert msgs and any(f"line {i + 2}" in m and col in m for m in msgs), (value, msgs[:3])
        _count("refused")


@SETTINGS
@given(row=st.integers(min_value=0, max_value=400), quote=st.text(alphabet="abcdefghij XYZ", min_size=12, max_size=40))
def test_quote_not_in_article_names_the_claim(base, row, quote):
    with Copy(base, "claims") as c:
        fields, rows = c.rows()
        i = row % len(rows)
        rows[i]["quote"] = "zz " + quote + " qq"
        c.write_rows(fields, rows)
        refused(base, "claims.csv", claim=rows[i]["id"])


@SETTINGS
@given(name=st.sampled_from([n for n in RESOURCES if "note" in [f["name"] for f in RESOURCES[n]["schema"]["fields"]]]),
       row=st.integers(min_value=0, max_value=400), note=st.text(min_size=0, max_size=60).filter(lambda s: "\x00" not in s))
def test_harmless_edits_are_accepted(base, name, row, note):
    with Copy(base, name) as c:
        fields, rows = c.rows()
        i = row % len(rows)
        rows[i]["note"] = note.replace("\r", " ")
        c.write_rows(fields, rows)
        msgs = [str(p) for p in problems(base / "datapackage.json", ARTICLE)]
        assert msgs == [], msgs[:3]
        _count("accepted")


@SETTINGS
@given(row=st.integers(min_value=0, max_value=400), n=st.integers(min_value=90, max_value=99))
def test_an_added_valid_row_is_accepted(base, row, n):
    with Copy(base, "claims") as c:
        fields, rows = c.rows()
        new = dict(rows[row % len(rows)])
        new["id"] = f"{new['chapter']}-{n}"
        if new["id"] in {r["id"] for r in rows}:
            return
        rows.append(new)
        c.write_rows(fields, rows)
        msgs = [str(p) for p in problems(base / "datapackage.json", ARTICLE)]
        assert msgs == [], msgs[:3]
        _count("accepted")
