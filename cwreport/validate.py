"""Validate the data package and the claim ledger.

Every problem names the file, the line and the column (or the claim id), so a
maintainer can go straight to it.  Run ``python -m cwreport.validate`` (exit 1
on any problem) or call :func:`problems` from tests.
"""
from __future__ import annotations

import csv
import json
import math
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from . import ARTICLE, DATA

SEP = ";"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


def _frictionless(descriptor: Path) -> list[Problem]:
    from frictionless import Package, system

    out: list[Problem] = []
    base = descriptor.parent
    with system.use_context(trusted=False):
        try:
            pkg = Package(str(descriptor))
            report = pkg.validate()
        except Exception as exc:  # descriptor itself broken
            return [Problem(descriptor.name, None, None, f"cannot read data package: {exc}")]
    for task in report.tasks:
        path = task.place or "?"
        rel = str(Path(path).relative_to(base)) if Path(path).is_absolute() else path
        rel = f"data/{rel}" if not rel.startswith("data/") else rel
        for err in task.errors:
            row = getattr(err, "row_number", None)
            col = getattr(err, "field_name", None)
            if not col and getattr(err, "label", None):
                col = err.label
            note = getattr(err, "note", "") or ""
            cell = getattr(err, "cell", None)
            msg = f"{err.title}: {note}" if note else err.title
            if cell not in (None, ""):
                msg += f" (value: {cell!r})"
            out.append(Problem(rel, row, col, msg))
    for err in report.errors:
        out.append(Problem(descriptor.name, None, None, f"{err.title}: {err.note}"))
    return out


def _rows(path: Path):
    with path.open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            yield i, row


def normalise(text: str) -> str:
    """Whitespace-folded NFC text: the only liberty quotes may take."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def quote_in_article(quote: str, article: str) -> bool:
    """True if ``quote`` stands verbatim in the article.

    An ellipsis (``…`` or ``...``) may join parts that stand in that order.
    """
    art = normalise(article)
    pos = 0
    for part in re.split(r"\s*(?:\u2026|\.\.\.)\s*", normalise(quote)):
        if not part:
            continue
        found = art.find(part, pos)
        if found < 0:
            return False
        pos = found + len(part)
    return True


def _shape_checks(path: Path, rel: str) -> list[Problem]:
    """A truncated file: no final line ending, or a quoted field that never closes."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []  # reported by _frictionless
    if not text:
        return [Problem(rel, None, None, "file is empty")]
    lines = text.count("\n") + 1
    if not text.endswith("\n"):
        return [Problem(rel, lines, None, "file ends in the middle of a line: truncated?")]
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    try:
        for _ in reader:
            pass
    except csv.Error as exc:
        return [Problem(rel, reader.line_num, None, f"malformed CSV ({exc}): truncated or unbalanced quotes?")]
    return []


MAX_NUMBER = 1e13  # no value in this book comes near it (world gallium output in kg is about 1e6)


def _cross_checks(descriptor: Path, article: Path) -> list[Problem]:
    """Checks Frictionless cannot express: multi-id source links and quotes."""
    out: list[Problem] = []
    try:
        pkg = json.loads(descriptor.read_text(encoding="utf-8"))
    except Exception:
        return out  # reported by _frictionless
    base = descriptor.parent
    res = {r["name"]: r for r in pkg.get("resources", [])}
    if "sources" not in res:
        return [Problem(descriptor.name, None, None, "no 'sources' resource")]
    try:
        known = {row.get("source_id", "") for _, row in _rows(base / res["sources"]["path"])}
    except (OSError, UnicodeDecodeError):
        return out
    for r in pkg["resources"]:
        out += _shape_checks(base / r["path"], f"data/{r['path']}")
    for r in pkg["resources"]:
        path = base / r["path"]
        names = [f["name"] for f in r.get("schema", {}).get("fields", [])]
        if "source_ids" not in names:
            continue
        try:
            rows = list(_rows(path))
        except (OSError, UnicodeDecodeError):
            continue  # reported by _frictionless
        for line, row in rows:
            cell = row.get("source_ids") or ""
            ids = [s.strip() for s in cell.split(SEP)]
            if not cell.strip():
                out.append(Problem(f"data/{r['path']}", line, "source_ids", "empty source id: every row must cite a source"))
                continue
            for sid in ids:
                if sid not in known:
                    out.append(Problem(f"data/{r['path']}", line, "source_ids",
                                       f"unknown source id {sid!r} (not in data/{res['sources']['path']})"))
    # Numbers must be finite and of a plausible size, also where a field sets no maximum.
    for r in pkg["resources"]:
        numeric = [f for f in r.get("schema", {}).get("fields", []) if f.get("type") in ("number", "integer")]
        if not numeric:
            continue
        try:
            rows = list(_rows(base / r["path"]))
        except (OSError, UnicodeDecodeError):
            continue
        for line, row in rows:
            for f in numeric:
                cell = (row.get(f["name"]) or "").strip()
                if not cell:
                    continue
                try:
                    value = float(cell)
                except ValueError:
                    continue  # a type error, reported by Frictionless
                limit = f.get("constraints", {}).get("maximum", MAX_NUMBER)
                if not math.isfinite(value) or abs(value) > max(float(limit), MAX_NUMBER):
                    out.append(Problem(f"data/{r['path']}", line, f["name"],
                                       f"implausible number {cell!r}: not finite, or beyond {MAX_NUMBER:.0e}"))
    for name in ("claims", "unchecked_sentences"):  # both quote the article: exact words only
        if name not in res:
            continue
        text = article.read_text(encoding="utf-8")
        try:
            rows = list(_rows(base / res[name]["path"]))
        except (OSError, UnicodeDecodeError):
            rows = []
        for line, row in rows:
            if not quote_in_article(row.get("quote") or "", text) or not (row.get("quote") or "").strip():
                who = f"claim {row.get('id')}" if name == "claims" else "unchecked sentence"
                out.append(Problem(f"data/{res[name]['path']}", line, "quote",
                                   f"{who}: quote is not verbatim in {article.name}"))
    return out


def problems(descriptor: Path | str = DATA / "datapackage.json", article: Path | str = ARTICLE) -> list[Problem]:
    descriptor, article = Path(descriptor), Path(article)
    return _frictionless(descriptor) + _cross_checks(descriptor, article)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    descriptor = Path(argv[0]) if argv else DATA / "datapackage.json"
    found = problems(descriptor)
    for p in found:
        print(p, file=sys.stderr)
    if found:
        print(f"{len(found)} problem(s) in the data package; nothing was built.", file=sys.stderr)
        return 1
    print(f"data package OK: {descriptor}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
