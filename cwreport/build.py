"""Build the book: validate data, HTML (-n -W --keep-going), single-page HTML, PDF.

Usage: ``python -m cwreport.build [--html-only]``. Work happens in _build/staging;
_build/html and _build/pdf are replaced only when every step has succeeded, so a
failed build leaves the previous outputs intact.
"""
from __future__ import annotations

import hashlib
import os
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from . import DATA, ROOT, __version__
from .validate import problems

BUILD = ROOT / "_build"
STAGING = BUILD / "staging"
CACHE = BUILD / ".jupyter_cache"
DEPS = BUILD / ".notebook-inputs.json"
PDF_NAME = f"cold-war-2-part-2-fact-check-{__version__}.pdf"


def notebook_inputs(nb_path: Path) -> list[Path]:
    """The files a notebook reads besides its own code: the data resources it
    ``load``s (plus the source register and descriptor), and the ledger if it uses it."""
    import nbformat

    from .data import package, resource

    nb = nbformat.read(nb_path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    names = sorted(set(re.findall(r"""\bload\(\s*["']([A-Za-z0-9_]+)["']""", code)))
    files = [DATA / resource(n)["path"] for n in names]
    if re.search(r"\bannotate\.", code):  # the annotated article reads the ledger and the unchecked sentences
        files += [DATA / resource("claims")["path"], DATA / resource("unchecked_sentences")["path"]]
    if re.search(r"\bledger\.", code):  # the ledger, and the corrections that mark its rows
        files += [DATA / resource("claims")["path"], DATA / resource("corrections")["path"]]
    if re.search(r"\bledger\.(source_usage|sources_table)\b", code):  # reads every table
        files += [DATA / r["path"] for r in package()["resources"]]
    if files:
        files += [DATA / resource("sources")["path"], DATA / "datapackage.json"]
    return sorted(set(files))


def _shared_inputs() -> list[Path]:
    """What every notebook depends on: the shared package and the article."""
    pkg = [p for p in sorted((ROOT / "cwreport").rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    return pkg + sorted((ROOT / "seeds").glob("*"))


def dependency_hash(nb_path: Path) -> str:
    h = hashlib.sha256()
    for p in _shared_inputs() + notebook_inputs(nb_path):
        h.update(str(p.relative_to(ROOT)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def invalidate_stale(notebooks: list[Path]) -> list[Path]:
    """Drop the cached execution of each notebook whose inputs changed since the
    last successful build, so that exactly those notebooks are re-executed."""
    import nbformat
    from jupyter_cache import get_cache

    known = json.loads(DEPS.read_text()) if DEPS.exists() else {}
    stale = [nb for nb in notebooks if known.get(str(nb.relative_to(ROOT))) != dependency_hash(nb)]
    if stale and CACHE.exists():
        cache = get_cache(str(CACHE))
        for nb in stale:
            node = nbformat.read(nb, as_version=4)
            while True:
                try:
                    rec = cache.match_cache_notebook(node)
                except KeyError:
                    break
                cache.remove_cache(rec.pk)
            # Sphinx re-reads a page only if its source changed: touch it so that it does.
            os.utime(nb)
            print(f"== {nb.relative_to(ROOT)}: inputs changed since the last build, will re-execute", flush=True)
    return stale


def record_dependencies(notebooks: list[Path]) -> None:
    DEPS.write_text(json.dumps({str(nb.relative_to(ROOT)): dependency_hash(nb) for nb in notebooks}, indent=1))


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def notebook_failures(reports: Path, since: float) -> list[str]:
    """One line per notebook that failed to execute: the notebook, the cell, the error."""
    import nbformat

    out = []
    for log in sorted(reports.rglob("*.err.log")):
        if log.stat().st_mtime < since:
            continue
        text = ANSI.sub("", log.read_text(encoding="utf-8", errors="replace"))
        nb_rel = log.relative_to(reports).with_suffix("").with_suffix(".ipynb")
        m = re.search(r"executing the following cell:\n-+\n(.*?)\n-+\n", text, re.S)
        where = "a cell"
        if m and (ROOT / nb_rel).exists():
            nb = nbformat.read(ROOT / nb_rel, as_version=4)
            for i, cell in enumerate(nb.cells, start=1):
                if cell.cell_type == "code" and cell.source.strip() == m.group(1).strip():
                    where = f"cell {i}"
                    break
        errors = [l.strip() for l in text.splitlines() if re.match(r"^\s*\w+(Error|Exception)\b.*:", l)]
        out.append(f"error: {nb_rel}, {where} raised {errors[-1] if errors else 'an error'} (full traceback: {log})")
    return out


def _jb(builder: str) -> None:
    cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(ROOT), "--path-output", str(STAGING),
           "--builder", builder, "-n", "-W", "--keep-going"]
    print("== jupyter-book", " ".join(cmd[1:]), flush=True)
    started = time.time()
    res = subprocess.run(cmd, cwd=ROOT)
    for line in notebook_failures(STAGING / "_build" / builder / "reports", started):
        print(line, file=sys.stderr)
    if res.returncode != 0:
        # Sphinx would otherwise treat the failed pages as up to date next time.
        shutil.rmtree(STAGING / "_build" / ".doctrees", ignore_errors=True)
    if res.returncode != 0 or not (STAGING / "_build" / builder / "index.html").exists() and builder == "html":
        raise SystemExit(f"error: the {builder} build failed (see the messages above); "
                         "previous outputs in _build/ were left as they were.")


def copy_tracked(dest: Path) -> Path:
    """Copy the files git tracks (as they are in the working tree) into ``dest``: a clean
    stand-in for a fresh clone, used by the tests and the benchmark."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for f in filter(None, files):
        src = ROOT / f.decode()
        if src.is_file():
            (dest / f.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / f.decode())
    return dest


def _tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if rel.parts[:2] == ("book", "_static"):  # the PDF step's copy of _static (see pdf.make_pdf)
            continue
        if p.is_file() and ".doctrees" not in p.parts and p.name != ".buildinfo":
            h.update(str(p.relative_to(folder)).encode())
            data = p.read_bytes()
            if p.suffix == ".html":
                # Sphinx writes the single page before it copies the static files, so the first build's asset
                # links lack the ?v=<checksum> the next build adds; the assets themselves are hashed as files.
                data = re.sub(rb"\?v=[0-9a-f]{8}", b"", data)
            h.update(data)
    return h.hexdigest()


def ledger_json() -> str:
    """The claim ledger as JSON, with the edition's version."""
    from .data import load

    records = json.loads(load("claims").to_json(orient="records", date_format="iso"))
    return json.dumps({"version": __version__, "claims": records}, ensure_ascii=False, indent=1)


_FORMULA = re.compile(r"^[=+\-@\t\r]")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def safe_cell(value: str) -> str:
    """OWASP CSV-injection guidance: a cell that a spreadsheet would read as a formula (it begins with
    =, +, -, @, a tab or a carriage return) gets a leading apostrophe; a plain signed number is left alone."""
    if value and _FORMULA.match(value) and not _NUMBER.match(value):
        return "'" + value
    return value


def safe_csv(text: str) -> str:
    """A CSV file's text with every cell passed through :func:`safe_cell` (same dialect: comma, double
    quotes). A file with nothing to neutralise comes back unchanged, byte for byte."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text, newline="")))
    safe = [[safe_cell(c) for c in row] for row in rows]
    if safe == rows:
        return text
    out = io.StringIO()
    csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerows(safe)
    return out.getvalue()


def write_downloads(site: Path, pdf: Path | None) -> None:
    """The site's downloads: every CSV and the descriptor, the ledger as CSV and JSON, the PDF."""
    from .data import load

    dl = site / "downloads"
    shutil.rmtree(dl, ignore_errors=True)
    (dl / "data").mkdir(parents=True)
    for p in sorted(DATA.iterdir()):
        if p.is_file():
            shutil.copy2(p, dl / "data" / p.name)
    shutil.copy2(DATA / "claims.csv", dl / "claims.csv")
    (dl / "claims.json").write_text(ledger_json(), encoding="utf-8")
    for p in [dl / "claims.csv", *sorted((dl / "data").glob("*.csv"))]:
        p.write_text(safe_csv(p.read_text(encoding="utf-8")), encoding="utf-8")
    if pdf is not None:
        shutil.copy2(pdf, dl / PDF_NAME)
        shutil.copy2(pdf, dl / "cold-war-2-part-2-fact-check.pdf")  # stable name for the front page's link


def _replace_dir(src: Path, dst: Path) -> None:
    tmp = dst.with_name(dst.name + ".new")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp)
    old = dst.with_name(dst.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if dst.exists():
        dst.rename(old)
    tmp.rename(dst)
    shutil.rmtree(old, ignore_errors=True)


def report_overdue() -> list[str]:
    """Print the claims whose re-check date has passed (as of the build date)."""
    from .ledger import overdue
    from .sphinx_ext import build_date

    late = overdue(build_date())
    lines = [f"{r.id} (check again by {r.recheck_by:%Y-%m-%d}): {r.recheck_reason}" for r in late.itertuples(index=False)]
    print(f"== {len(lines)} claim(s) overdue for a re-check" + (":" if lines else ""), flush=True)
    for line in lines:
        print("   " + line, flush=True)
    return lines


STAMP = BUILD / ".last-build.json"
# Installed packages whose version shapes the outputs (Sphinx and the theme, execution, charts, tables, the PDF).
TOOLS = ["jupyter-book", "sphinx", "myst-nb", "myst-parser", "sphinx-book-theme", "pydata-sphinx-theme", "jupyter-cache",
         "nbclient", "ipykernel", "altair", "vl-convert-python", "pandas", "itables", "frictionless", "playwright",
         "pikepdf", "pypdf", "fonttools"]
INPUT_PATHS = ["book", "cwreport", "data", "seeds", "_config.yml", "_toc.yml", "CHANGELOG.md", "requirements.txt",
               "constraints.txt", "pyproject.toml"]


def inputs_digest() -> str:
    """Everything the outputs are made from: the files of the book, the package, the data and the article, the
    configuration, the build date, Python and the versions of the tools above, and the Chromium and fonts that print.
    Files are read by content, so saving a file unchanged is no change."""
    from importlib.metadata import PackageNotFoundError, version

    from .pdf import PRINT_FONTS
    from .sphinx_ext import build_date

    h = hashlib.sha256()
    for name in INPUT_PATHS:
        top = ROOT / name
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                                                   and ".ipynb_checkpoints" not in p.parts)
        for p in files:
            h.update(str(p.relative_to(ROOT)).encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    tools = []
    for dist in TOOLS:
        try:
            tools.append(f"{dist}=={version(dist)}")
        except PackageNotFoundError:
            tools.append(f"{dist} absent")
    chromium = shutil.which(os.environ.get("CHROMIUM") or "chromium") or ""
    printing = [chromium] + [f for files in PRINT_FONTS.values() for f in files]
    stats = [f"{f}:{os.stat(f).st_size}:{os.stat(f).st_mtime_ns}" if f and os.path.exists(f) else f"{f}: absent" for f in printing]
    h.update("\n".join([sys.version, build_date(), *tools, *stats]).encode())
    return h.hexdigest()


def up_to_date(digest: str, want_pdf: bool) -> bool:
    """The last successful build was made from exactly these inputs, and its outputs are still in place."""
    try:
        last = json.loads(STAMP.read_text())
    except (OSError, ValueError):
        return False
    if last.get("inputs") != digest or not (BUILD / "html" / "index.html").exists():
        return False
    return not want_pdf or (last.get("pdf") and (BUILD / "pdf" / PDF_NAME).exists())


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    t0 = time.time()
    want_pdf = "--html-only" not in argv
    digest_inputs = inputs_digest()
    if up_to_date(digest_inputs, want_pdf):
        print(f"== nothing changed since the last build (files, build date, tools): _build/html"
              f"{' and _build/pdf are' if want_pdf else ' is'} up to date ({time.time() - t0:.1f} s)")
        return 0
    STAMP.unlink(missing_ok=True)
    found = problems()
    if found:
        for p in found:
            print(p, file=sys.stderr)
        print(f"error: {len(found)} problem(s) in data/; nothing was built.", file=sys.stderr)
        return 1
    BUILD.mkdir(exist_ok=True)
    notebooks = sorted((ROOT / "book").glob("*.ipynb"))
    invalidate_stale(notebooks)
    _jb("html")
    record_dependencies(notebooks)
    report_overdue()
    if not want_pdf:
        write_downloads(STAGING / "_build" / "html", None)
        _replace_dir(STAGING / "_build" / "html", BUILD / "html")
        STAMP.write_text(json.dumps({"inputs": digest_inputs, "pdf": False}))
        print(f"== HTML in _build/html ({time.time() - t0:.0f} s)")
        return 0
    _jb("singlehtml")
    from .pdf import make_pdf

    pdf_tmp = STAGING / PDF_NAME
    single = STAGING / "_build" / "singlehtml"
    digest = _tree_hash(single)
    stamp = BUILD / ".pdf-input-hash"
    if (BUILD / "pdf" / PDF_NAME).exists() and stamp.exists() and stamp.read_text() == digest:
        print("== single-page HTML unchanged since the last PDF: keeping it", flush=True)
        shutil.copy2(BUILD / "pdf" / PDF_NAME, pdf_tmp)
    else:
        make_pdf(single, pdf_tmp)
    write_downloads(STAGING / "_build" / "html", pdf_tmp)
    _replace_dir(STAGING / "_build" / "html", BUILD / "html")
    out = BUILD / "pdf"
    out.mkdir(exist_ok=True)
    for old in out.glob("*.pdf"):
        old.unlink()
    shutil.copy2(pdf_tmp, out / PDF_NAME)
    if (STAGING / "print-environment.json").exists():  # written by the print (kept when the PDF is reused)
        shutil.copy2(STAGING / "print-environment.json", out / "print-environment.json")
    stamp.write_text(digest)
    STAMP.write_text(json.dumps({"inputs": digest_inputs, "pdf": True}))
    print(f"== HTML in _build/html, PDF in _build/pdf/{PDF_NAME} ({time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
